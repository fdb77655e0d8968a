"""The converted TF BERT computes what the shipped PyTorch BERT computes; a bad ONNX export is refused."""

import numpy as np
import pytest
import torch
from transformers import BertModel, BertTokenizer, TFBertModel

from scripts import export_bert_onnx
from scripts.convert_bert_weights import convert, source_model_dir

SENTENCES = [
    "where is my order #482913",
    "i want a refund for the broken air fryer, this is ridiculous",
    "Can I pay with PayPal?",
    "wanna cancel pls",
]


@pytest.fixture(scope="module")
def converted_dir(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("minilm-bert-tf")
    convert(output_dir)
    return output_dir


def test_tf_and_pytorch_hidden_states_match(converted_dir):
    tokenizer = BertTokenizer.from_pretrained(converted_dir)
    tf_model = TFBertModel.from_pretrained(converted_dir)
    pt_model = BertModel.from_pretrained(source_model_dir()).eval()

    tf_batch = tokenizer(SENTENCES, padding=True, return_tensors="tf")
    pt_batch = tokenizer(SENTENCES, padding=True, return_tensors="pt")
    tf_hidden = tf_model(tf_batch, training=False).last_hidden_state.numpy()
    with torch.inference_mode():
        pt_hidden = pt_model(**pt_batch).last_hidden_state.numpy()

    mask = pt_batch["attention_mask"].numpy().astype(bool)
    assert tf_hidden.shape == pt_hidden.shape == (len(SENTENCES), mask.shape[1], 384)
    assert np.abs(tf_hidden[mask] - pt_hidden[mask]).max() < 1e-4
    # A real pretrained encoder, not zeros: different sentences differ.
    assert np.abs(tf_hidden[0, 0] - tf_hidden[1, 0]).max() > 1e-2


def test_tokenizer_is_uncased(converted_dir):
    tokenizer = BertTokenizer.from_pretrained(converted_dir)
    assert tokenizer.tokenize("REFUND Please") == tokenizer.tokenize("refund please")


def test_an_onnx_export_that_differs_from_pytorch_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(export_bert_onnx, "TOLERANCE", -1.0)  # any difference is too much
    with pytest.raises(RuntimeError, match="differs from PyTorch"):
        export_bert_onnx.export(tmp_path)
    assert list(tmp_path.iterdir()) == []
