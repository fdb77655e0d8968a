"""The intent-tuned BERT featurizer: trains on the intents, gives one sentence feature, survives persistence."""

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from benchmarks.featurizer import bert_featurizer, tokenized
from components.intent_tuned_bert_featurizer import IntentTunedBertFeaturizer
from components.onnx_bert_featurizer import OnnxLanguageModelFeaturizer

# Two intents worded alike: the frozen BERT puts them close together.
EXAMPLES = {
    "get_invoice": [
        "send me the invoice for my order",
        "i need a copy of my invoice",
        "can i download the invoice for order 482913",
        "where do i get my receipt",
        "email me the bill please",
        "invoice for my last order",
    ],
    "check_invoice": [
        "the invoice for my order is wrong",
        "my invoice shows the wrong amount",
        "why was i charged twice on the invoice for order 482913",
        "the receipt has the wrong address",
        "the bill doesn't match what i paid",
        "there's a mistake on my last invoice",
    ],
}
UNSEEN = ["could you send over my bill", "the total on my invoice is not right"]
CONFIG = {**IntentTunedBertFeaturizer.get_default_config(), "alias": "tuned_bert", "batch_size": 4, "learning_rate": 1e-4}
CONTEXT = ExecutionContext(graph_schema=None, node_name="tuned_bert")


def training_data():
    return TrainingData([Message(data={TEXT: text, "intent": intent}) for intent, texts in EXAMPLES.items() for text in texts])


def create(storage, **config):
    return IntentTunedBertFeaturizer.create({**CONFIG, **config}, storage, Resource("tuned_bert"), CONTEXT)


def sentence_features(featurizer, texts):
    messages = [Message(data={TEXT: text}) for text in texts]
    featurizer.process(messages)
    return np.concatenate([message.get_dense_features(TEXT, ["tuned_bert"])[1].features for message in messages])


@pytest.fixture(scope="module")
def storage(tmp_path_factory):
    return LocalModelStorage(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="module")
def trained(storage):
    featurizer = create(storage)
    featurizer.train(training_data())
    return featurizer


def test_every_message_gets_one_sentence_feature_and_no_sequence_feature(trained):
    data = trained.process_training_data(training_data())
    for message in data.training_examples:
        assert [(feature.type, feature.origin, feature.features.shape) for feature in message.features] == [
            ("sentence", "tuned_bert", (1, 384))
        ]


def separation(features, labels):
    """Mean cosine similarity within an intent minus that between intents."""
    unit = features / np.linalg.norm(features, axis=1, keepdims=True)
    similarity = unit @ unit.T
    same_intent = labels[:, np.newaxis] == labels[np.newaxis, :]
    same = same_intent & ~np.eye(len(labels), dtype=bool)
    different = ~same_intent
    return similarity[same].mean() - similarity[different].mean()


def test_training_on_the_intents_separates_them_more_than_the_frozen_bert(trained):
    texts = [text for texts in EXAMPLES.values() for text in texts]
    labels = np.array([intent for intent, texts in EXAMPLES.items() for _ in texts])
    frozen = bert_featurizer(OnnxLanguageModelFeaturizer, sentence_pooling="mean")
    messages = tokenized(texts)
    frozen.process(messages)
    frozen_features = np.concatenate([message.get_dense_features(TEXT, [])[1].features for message in messages])

    tuned, untuned = separation(sentence_features(trained, texts), labels), separation(frozen_features, labels)
    assert tuned > untuned + 0.1, f"separation: tuned {tuned:.3f}, frozen {untuned:.3f}"


def test_a_loaded_model_gives_the_trained_models_features(trained, storage):
    loaded = IntentTunedBertFeaturizer.load(CONFIG, storage, Resource("tuned_bert"), CONTEXT)

    np.testing.assert_allclose(sentence_features(loaded, UNSEEN), sentence_features(trained, UNSEEN), atol=1e-6)


def test_training_again_with_the_same_seed_gives_the_same_model(trained, tmp_path):
    # BERT's dropout layers draw their seeds from Python's random module unless it is seeded
    # too; unseeded, each `rasa train` gave a different model and different replies.
    again = create(LocalModelStorage(tmp_path))
    again.train(training_data())

    np.testing.assert_array_equal(sentence_features(again, UNSEEN), sentence_features(trained, UNSEEN))


def test_one_intent_trains_nothing_and_adds_no_feature(tmp_path):
    storage = LocalModelStorage(tmp_path)
    featurizer = create(storage)
    featurizer.train(TrainingData([Message(data={TEXT: text, "intent": "greet"}) for text in ("hi", "hello")]))
    loaded = IntentTunedBertFeaturizer.load(CONFIG, storage, Resource("tuned_bert"), CONTEXT)

    for component in (featurizer, loaded):
        message = Message(data={TEXT: "hi there"})
        component.process([message])
        assert message.features == []


@pytest.mark.parametrize(
    "option, value",
    [("epochs", 0), ("epochs", 2.5), ("batch_size", -1), ("learning_rate", "fast"), ("max_tokens", True), ("max_tokens", 513)],
)
def test_invalid_options_are_refused(tmp_path, option, value):
    with pytest.raises(ValueError, match=option):
        create(LocalModelStorage(tmp_path), **{option: value})
