"""The compiled featurizer gives the stock LanguageModelFeaturizer's features."""

import numpy as np
import pytest
from transformers import BertTokenizer, TFBertModel
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.lm_featurizer import LanguageModelFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.training_data import TrainingData

from benchmarks.featurizer import WEIGHTS, bert_featurizer, tokenized
from components.compiled_bert_featurizer import CompiledLanguageModelFeaturizer

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
def stock_and_compiled():
    if not WEIGHTS.exists():
        pytest.fail("weights/minilm-bert-tf is missing: run `make install`")
    return bert_featurizer(LanguageModelFeaturizer), bert_featurizer(CompiledLanguageModelFeaturizer)


@pytest.mark.parametrize("text", TEXTS)
def test_message_features_match_the_stock_component(stock_and_compiled, text):
    stock, compiled = stock_and_compiled
    expected, actual = tokenized([text])[0], tokenized([text])[0]
    stock.process([expected])
    compiled.process([actual])

    for want, got in zip(features(expected), features(actual)):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, atol=1e-4)
    assert len(actual.get(TOKENS_NAMES[TEXT])) == features(actual)[0].shape[0]


def test_training_batches_match_the_stock_component(stock_and_compiled):
    """Training featurizes padded batches of mixed lengths; padding must not leak in."""
    stock, compiled = stock_and_compiled
    expected, actual = TrainingData(tokenized(TEXTS)), TrainingData(tokenized(TEXTS))
    stock.process_training_data(expected)
    compiled.process_training_data(actual)

    for want_message, got_message in zip(expected.training_examples, actual.training_examples):
        for want, got in zip(features(want_message), features(got_message)):
            np.testing.assert_allclose(got, want, atol=1e-4)


def test_different_messages_get_different_features(stock_and_compiled):
    _, compiled = stock_and_compiled
    first, second = tokenized(TEXTS[:2])
    compiled.process([first, second])
    assert np.abs(features(first)[1] - features(second)[1]).max() > 1e-2


def test_mean_pooling_averages_all_token_states_and_keeps_the_sequence(stock_and_compiled):
    stock, _ = stock_and_compiled
    text = "where is my refund for the kettle"
    expected, actual = tokenized([text])[0], tokenized([text])[0]
    stock.process([expected])
    bert_featurizer(CompiledLanguageModelFeaturizer, sentence_pooling="mean").process([actual])

    encoded = BertTokenizer.from_pretrained(WEIGHTS)(text, return_tensors="tf")
    states = TFBertModel.from_pretrained(WEIGHTS)(encoded, training=False).last_hidden_state.numpy()[0]
    np.testing.assert_allclose(features(actual)[1][0], states.mean(axis=0), atol=1e-4)
    np.testing.assert_allclose(features(actual)[0], features(expected)[0], atol=1e-4)


def test_unknown_pooling_is_refused():
    with pytest.raises(ValueError, match="sentence_pooling"):
        bert_featurizer(CompiledLanguageModelFeaturizer, sentence_pooling="max")
