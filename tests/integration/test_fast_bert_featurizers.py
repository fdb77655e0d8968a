"""The compiled and the ONNX featurizer give the stock LanguageModelFeaturizer's features."""

import numpy as np
import pytest
from transformers import BertTokenizer, TFBertModel
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.lm_featurizer import LanguageModelFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.training_data import TrainingData

from benchmarks.featurizer import ONNX_WEIGHTS, WEIGHTS, bert_featurizer, tokenized
from components.compiled_bert_featurizer import CompiledLanguageModelFeaturizer
from components.onnx_bert_featurizer import OnnxLanguageModelFeaturizer

TEXTS = [
    "where is my order #482913",
    "i want a refund for the broken air fryer, this is ridiculous!!",
    "Can I pay with PayPal?",
    "wanna cancel pls",
    "hi",
    "my email is lea.schmidt@example.com and the order is ORD-100032, where is it " * 3,
]


def features(message):
    sequence, sentence = message.get_dense_features(TEXT, [])
    return sequence.features, sentence.features


@pytest.fixture(scope="module")
def stock():
    for weights in (WEIGHTS, ONNX_WEIGHTS):
        if not weights.exists():
            pytest.fail(f"{weights} is missing: run `make install`")
    return bert_featurizer(LanguageModelFeaturizer)


FAST_FEATURIZERS = [CompiledLanguageModelFeaturizer, OnnxLanguageModelFeaturizer]


@pytest.fixture(scope="module", params=FAST_FEATURIZERS)
def fast(request):
    """Each fast featurizer, as config.yml can select it."""
    return bert_featurizer(request.param)


@pytest.mark.parametrize("text", TEXTS)
def test_message_features_match_the_stock_component(stock, fast, text):
    expected, actual = tokenized([text])[0], tokenized([text])[0]
    stock.process([expected])
    fast.process([actual])

    for want, got in zip(features(expected), features(actual)):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, atol=1e-4)
    assert len(actual.get(TOKENS_NAMES[TEXT])) == features(actual)[0].shape[0]


def test_training_batches_match_the_stock_component(stock, fast):
    """Training featurizes padded batches of mixed lengths; padding must not leak in."""
    expected, actual = TrainingData(tokenized(TEXTS)), TrainingData(tokenized(TEXTS))
    stock.process_training_data(expected)
    fast.process_training_data(actual)

    for want_message, got_message in zip(expected.training_examples, actual.training_examples):
        for want, got in zip(features(want_message), features(got_message)):
            np.testing.assert_allclose(got, want, atol=1e-4)


def test_different_messages_get_different_features(fast):
    first, second = tokenized(TEXTS[:2])
    fast.process([first, second])
    assert np.abs(features(first)[1] - features(second)[1]).max() > 1e-2


@pytest.mark.parametrize("fast_class", FAST_FEATURIZERS)
def test_mean_pooling_averages_all_token_states_and_keeps_the_sequence(stock, fast_class):
    text = "where is my refund for the kettle"
    expected, actual = tokenized([text])[0], tokenized([text])[0]
    stock.process([expected])
    bert_featurizer(fast_class, sentence_pooling="mean").process([actual])

    encoded = BertTokenizer.from_pretrained(WEIGHTS)(text, return_tensors="tf")
    states = TFBertModel.from_pretrained(WEIGHTS)(encoded, training=False).last_hidden_state.numpy()[0]
    np.testing.assert_allclose(features(actual)[1][0], states.mean(axis=0), atol=1e-4)
    np.testing.assert_allclose(features(actual)[0], features(expected)[0], atol=1e-4)


@pytest.mark.parametrize("fast_class", FAST_FEATURIZERS)
def test_unknown_pooling_is_refused(fast_class):
    with pytest.raises(ValueError, match="sentence_pooling"):
        bert_featurizer(fast_class, sentence_pooling="max")


def test_a_missing_onnx_model_names_the_command_that_exports_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="make install"):
        bert_featurizer(OnnxLanguageModelFeaturizer, model_weights=str(tmp_path))
