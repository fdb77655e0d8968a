"""The ONNX BERT written from the weight arrays computes what transformers' TFBertModel computes."""

import json

import numpy as np
import pytest
from transformers import BertTokenizer

from components import bert_onnx
from components.bert_weights import shipped_weights, source_model_dir, tf_bert, weights_of_tf_bert
from components.onnx_bert_featurizer import cpu_session
from scripts.convert_bert_weights import convert

SENTENCES = [
    "where is my order #482913",
    "i want a refund for the broken air fryer, this is ridiculous",
    "Can I pay with PayPal?",
    "wanna cancel pls",
]


@pytest.fixture(scope="module")
def tf_model():
    return tf_bert(source_model_dir())


@pytest.fixture(scope="module")
def batch():
    return BertTokenizer.from_pretrained(source_model_dir())(SENTENCES, padding=True, return_tensors="np")


def onnx_output(weights, batch, mean_pooled):
    config = json.loads((source_model_dir() / "config.json").read_text())
    session = cpu_session(bert_onnx.bert_onnx_model(weights, config, "out", mean_pooled=mean_pooled))
    return session.run(["out"], {name: batch[name].astype(np.int64) for name in bert_onnx.INPUT_NAMES})[0]


def test_onnx_hidden_states_match_tensorflow(tf_model, batch):
    expected = tf_model(dict(batch), training=False).last_hidden_state.numpy()
    actual = onnx_output(shipped_weights(source_model_dir()), batch, mean_pooled=False)
    mask = batch["attention_mask"].astype(bool)
    assert actual.shape == expected.shape == (len(SENTENCES), mask.shape[1], 384)
    assert np.abs(actual[mask] - expected[mask]).max() < 1e-4
    # A real pretrained encoder, not zeros: different sentences differ.
    assert np.abs(actual[0, 1] - actual[1, 1]).max() > 1e-2


def test_mean_pooled_output_is_the_mean_of_unpadded_states(tf_model, batch):
    states = tf_model(dict(batch), training=False).last_hidden_state.numpy()
    mask = batch["attention_mask"][:, :, None]
    expected = (states * mask).sum(axis=1) / mask.sum(axis=1)
    actual = onnx_output(weights_of_tf_bert(tf_model), batch, mean_pooled=True)
    assert np.abs(actual - expected).max() < 1e-4


def test_weights_read_back_from_tensorflow_are_the_shipped_ones(tf_model):
    read_back = weights_of_tf_bert(tf_model)
    # Not the integer buffer of position ids: a constant, not a weight.
    shipped = {name: array for name, array in shipped_weights(source_model_dir()).items() if array.dtype.kind == "f"}
    assert shipped.keys() <= read_back.keys()
    for name, array in shipped.items():
        np.testing.assert_array_equal(read_back[name], array, err_msg=name)


def test_export_writes_model_and_an_uncased_tokenizer(tmp_path):
    bert_onnx.export_shipped_bert(tmp_path)
    tokenizer = BertTokenizer.from_pretrained(tmp_path)
    assert tokenizer.tokenize("REFUND Please") == tokenizer.tokenize("refund please")
    assert (tmp_path / bert_onnx.MODEL_FILE).stat().st_size > 50_000_000  # 22 M float weights


def test_a_failed_export_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(bert_onnx, "shipped_weights", lambda source: {})
    with pytest.raises(KeyError):
        bert_onnx.export_shipped_bert(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_converted_tf_weights_load_as_the_same_model(tmp_path, tf_model, batch):
    from transformers import TFBertModel

    convert(tmp_path)
    reloaded = TFBertModel.from_pretrained(tmp_path)
    expected = tf_model(dict(batch), training=False).last_hidden_state.numpy()
    np.testing.assert_allclose(reloaded(dict(batch), training=False).last_hidden_state.numpy(), expected, atol=1e-5)
