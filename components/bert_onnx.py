"""BERT as an ONNX graph, written from its weight arrays: what the featurizers run in ONNX Runtime.

The graph is BERT's arithmetic spelled out in standard ONNX operators (embeddings, per layer
self-attention and the feed-forward block with erf GELU, layer norms), with the weights as
initialisers; it is written straight from the arrays, so neither PyTorch nor TensorFlow is
needed to export, and the same builder serves the frozen BERT and the intent-tuned copy. Inputs
are token ids and attention mask (int64, any batch size and length); the output is the last
hidden state, or the mean of the token states the mask keeps. A test checks both against
transformers' TFBertModel (tests/integration/test_bert_onnx.py).
"""

import os
import tempfile
from pathlib import Path
from typing import Dict, List, Union

import numpy as np

from components.bert_weights import shipped_weights, source_model_dir

MODEL_FILE = "model.onnx"
INPUT_NAMES = ["input_ids", "attention_mask"]
OUTPUT_NAME = "last_hidden_state"
OPSET = 17  # the first with LayerNormalization


def bert_onnx_model(weights: Dict[str, np.ndarray], config: Dict, output_name: str, mean_pooled: bool) -> bytes:
    """The serialised ONNX model of a BERT with `weights` (PyTorch names) and `config` (its config.json)."""
    from onnx import TensorProto, checker, helper, numpy_helper

    graph = _GraphBuilder(numpy_helper, helper)
    hidden, heads = config["hidden_size"], config["num_attention_heads"]
    head_dims = hidden // heads
    eps = float(config["layer_norm_eps"])

    # Embeddings: token + position + token type 0 (callers pass no token types), then layer norm.
    tokens = graph.op("Gather", graph.weight(weights["embeddings.word_embeddings.weight"]), "input_ids")
    length = graph.op("Gather", graph.op("Shape", "input_ids"), graph.constant(np.int64(1)))
    positions = graph.op("Range", graph.constant(np.int64(0)), length, graph.constant(np.int64(1)))
    x = graph.op("Add", tokens, graph.op("Gather", graph.weight(weights["embeddings.position_embeddings.weight"]), positions))
    x = graph.op("Add", x, graph.weight(weights["embeddings.token_type_embeddings.weight"][0]))
    x = graph.layer_norm(x, weights, "embeddings.LayerNorm", eps)

    # Padded positions get a large negative score before the softmax, as in transformers' BERT.
    mask = graph.op("Cast", "attention_mask", to=TensorProto.FLOAT)
    score_bias = graph.op(
        "Mul",
        graph.op("Sub", graph.constant(np.float32(1.0)), graph.op("Unsqueeze", mask, graph.constant(np.array([1, 2])))),
        graph.constant(np.float32(-10000.0)),
    )
    split_heads = graph.constant(np.array([0, 0, heads, head_dims]))
    merge_heads = graph.constant(np.array([0, 0, hidden]))
    scale = graph.constant(np.float32(1.0 / np.sqrt(head_dims)))
    for index in range(config["num_hidden_layers"]):
        prefix = f"encoder.layer.{index}."

        def by_head(name: str, order: List[int]) -> str:
            projected = graph.linear(x, weights, prefix + "attention.self." + name)
            return graph.op("Transpose", graph.op("Reshape", projected, split_heads), perm=order)

        query, key, value = by_head("query", [0, 2, 1, 3]), by_head("key", [0, 2, 3, 1]), by_head("value", [0, 2, 1, 3])
        scores = graph.op("Add", graph.op("Mul", graph.op("MatMul", query, key), scale), score_bias)
        attended = graph.op("MatMul", graph.op("Softmax", scores, axis=-1), value)
        attended = graph.op("Reshape", graph.op("Transpose", attended, perm=[0, 2, 1, 3]), merge_heads)
        x = graph.layer_norm(
            graph.op("Add", graph.linear(attended, weights, prefix + "attention.output.dense"), x),
            weights, prefix + "attention.output.LayerNorm", eps,
        )
        inner = graph.gelu(graph.linear(x, weights, prefix + "intermediate.dense"))
        x = graph.layer_norm(
            graph.op("Add", graph.linear(inner, weights, prefix + "output.dense"), x), weights, prefix + "output.LayerNorm", eps
        )

    if mean_pooled:
        kept = graph.op("Unsqueeze", mask, graph.constant(np.array([2])))
        total = graph.op("ReduceSum", graph.op("Mul", x, kept), graph.constant(np.array([1])), keepdims=0)
        x = graph.op("Div", total, graph.op("ReduceSum", kept, graph.constant(np.array([1])), keepdims=0))
        output_shape = ["batch", hidden]
    else:
        output_shape = ["batch", "tokens", hidden]
    graph.nodes.append(helper.make_node("Identity", [x], [output_name]))

    model = helper.make_model(
        helper.make_graph(
            graph.nodes, "bert",
            [helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "tokens"]) for name in INPUT_NAMES],
            [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, output_shape)],
            initializer=graph.initializers,
        ),
        opset_imports=[helper.make_opsetid("", OPSET)],
    )
    checker.check_model(model)
    return model.SerializeToString()


class _GraphBuilder:
    """Nodes and initialisers of one graph, each output named after its position."""

    def __init__(self, numpy_helper, helper) -> None:
        self._numpy_helper, self._helper = numpy_helper, helper
        self.nodes: List = []
        self.initializers: List = []

    def op(self, kind: str, *inputs: str, **attributes) -> str:
        output = f"{kind.lower()}_{len(self.nodes)}"
        self.nodes.append(self._helper.make_node(kind, list(inputs), [output], **attributes))
        return output

    def constant(self, value: Union[np.ndarray, np.generic]) -> str:
        name = f"const_{len(self.initializers)}"
        self.initializers.append(self._numpy_helper.from_array(np.asarray(value), name))
        return name

    def weight(self, array: np.ndarray) -> str:
        return self.constant(np.ascontiguousarray(array, dtype=np.float32))

    def linear(self, x: str, weights: Dict[str, np.ndarray], name: str) -> str:
        # PyTorch stores a linear layer's weight as [out, in].
        product = self.op("MatMul", x, self.weight(weights[name + ".weight"].T))
        return self.op("Add", product, self.weight(weights[name + ".bias"]))

    def layer_norm(self, x: str, weights: Dict[str, np.ndarray], name: str, eps: float) -> str:
        scale, bias = self.weight(weights[name + ".weight"]), self.weight(weights[name + ".bias"])
        return self.op("LayerNormalization", x, scale, bias, axis=-1, epsilon=eps)

    def gelu(self, x: str) -> str:
        """BERT's exact GELU: x * (1 + erf(x / sqrt 2)) / 2."""
        erf = self.op("Erf", self.op("Div", x, self.constant(np.float32(np.sqrt(2.0)))))
        return self.op("Mul", self.op("Mul", x, self.op("Add", erf, self.constant(np.float32(1.0)))), self.constant(np.float32(0.5)))


def export_shipped_bert(output_dir: Path) -> None:
    """Writes the shipped BERT's `model.onnx` (last hidden state) and tokenizer into `output_dir`."""
    import json

    from transformers import BertTokenizer

    source = source_model_dir()
    config = json.loads((source / "config.json").read_text())
    model = bert_onnx_model(shipped_weights(source), config, OUTPUT_NAME, mean_pooled=False)
    output_dir.mkdir(parents=True, exist_ok=True)
    BertTokenizer.from_pretrained(source).save_pretrained(output_dir)
    with tempfile.NamedTemporaryFile(dir=output_dir, delete=False) as staged:
        staged.write(model)
    os.chmod(staged.name, 0o644)  # as any other file written here, not a temporary file's 0600
    os.replace(staged.name, output_dir / MODEL_FILE)  # complete or absent, never half-written

