"""Per-message time of the stock LanguageModelFeaturizer, the compiled one and the ONNX one, same process.

Usage:
    python -m benchmarks.featurizer [--messages 200] [--out results/bench]

`make bench` runs it with the Rasa server's settings (scripts/rasa_server.env: one thread per
op), so the figures are what a message costs in the server.
"""

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Dict, List

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.nlu.featurizers.dense_featurizer.lm_featurizer import LanguageModelFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.environment import setup_tf_environment

from benchmarks.conversations import MIX
from components.compiled_bert_featurizer import CompiledLanguageModelFeaturizer
from components.onnx_bert_featurizer import OnnxLanguageModelFeaturizer
from actions.config import PROJECT_DIR

WEIGHTS = PROJECT_DIR / "weights" / "minilm-bert-tf"
ONNX_WEIGHTS = PROJECT_DIR / "weights" / "minilm-bert-onnx"


def bert_featurizer(component_class, **options):
    """A BERT featurizer on the project's converted BERT, as config.yml sets it up."""
    weights = ONNX_WEIGHTS if issubclass(component_class, OnnxLanguageModelFeaturizer) else WEIGHTS
    config = {**component_class.get_default_config(), "model_name": "bert", "model_weights": str(weights), **options}
    return component_class(config, ExecutionContext(GraphSchema({}), "featurizer"))


def tokenized(texts: List[str]) -> List[Message]:
    """Messages with whitespace tokens, as the pipeline hands them to the featurizer."""
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    messages = [Message(data={TEXT: text}) for text in texts]
    tokenizer.process(messages)
    return messages


def milliseconds_per_message(component_class, texts: List[str]) -> List[float]:
    featurizer = bert_featurizer(component_class)
    messages = tokenized(texts)
    featurizer.process(messages[:3])  # warm-up (the compiled one traces here)
    timings = []
    for message in messages:
        started = time.perf_counter()
        featurizer.process([message])  # one message per call, as the server does
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def compare(count: int) -> Dict:
    texts = [turn.text for conversation in MIX for turn in conversation.turns]
    texts = (texts * (count // len(texts) + 1))[:count]
    stock = statistics.median(milliseconds_per_message(LanguageModelFeaturizer, texts))
    compiled = statistics.median(milliseconds_per_message(CompiledLanguageModelFeaturizer, texts))
    onnx = statistics.median(milliseconds_per_message(OnnxLanguageModelFeaturizer, texts))
    return {"messages": count, "stock_ms_p50": round(stock, 1), "compiled_ms_p50": round(compiled, 1),
            "onnx_ms_p50": round(onnx, 1), "compiled_speed_up": round(stock / compiled, 1),
            "onnx_speed_up": round(stock / onnx, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "results" / "bench")
    args = parser.parse_args()
    setup_tf_environment()  # thread counts from the environment, as `rasa run` applies them
    figures = compare(args.messages)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "featurizer.json").write_text(json.dumps(figures, indent=1))
    print(f"BERT featurizer per message, p50: stock {figures['stock_ms_p50']} ms, "
          f"compiled {figures['compiled_ms_p50']} ms ({figures['compiled_speed_up']}x), "
          f"ONNX {figures['onnx_ms_p50']} ms ({figures['onnx_speed_up']}x)")


if __name__ == "__main__":
    main()
