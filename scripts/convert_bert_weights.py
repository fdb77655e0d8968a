"""Writes the offline all-MiniLM-L6-v2 BERT as TensorFlow weights, for Rasa's own LanguageModelFeaturizer.

No shipped config needs them: the assistant's featurizers run BERT in ONNX Runtime. Rasa's
featurizer and the compiled TF one (the baseline config, the featurizer bench and the tests
that compare the featurizers) load a TFBertModel from `model_weights`, which this folder is.

Usage: python -m scripts.convert_bert_weights [OUTPUT_DIR]
"""

import sys
from pathlib import Path

from actions.config import PROJECT_DIR
from components.bert_weights import source_model_dir, tf_bert

DEFAULT_OUTPUT_DIR = PROJECT_DIR / "weights" / "minilm-bert-tf"


def convert(output_dir: Path) -> None:
    """Writes a TF BERT (tf_model.h5, config) and its tokenizer into `output_dir`."""
    from transformers import BertTokenizer

    source = source_model_dir()
    output_dir.mkdir(parents=True, exist_ok=True)
    tf_bert(source).save_pretrained(output_dir)
    BertTokenizer.from_pretrained(source).save_pretrained(output_dir)


def main() -> None:
    output_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT_DIR
    convert(output_dir)
    print(f"TF BERT weights written to {output_dir}")


if __name__ == "__main__":
    main()
