"""The sentence-feature intent classifier: scaled feature blocks, training, persistence, unknown words."""

import numpy as np
import pytest
import scipy.sparse
import scipy.special
from sklearn.preprocessing import normalize
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import TEXT, TEXT_TOKENS
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.sentence_intent_classifier import SentenceFeatureIntentClassifier

# Two intents the dense block separates (first vs second axis), with sparse counts of any size.
EXAMPLES = [
    ("where is my parcel", "track_order", [3.0, 0.1, 0.0], [5, 0, 1]),
    ("has my order shipped yet, it has been a week", "track_order", [2.5, 0.3, 0.2], [40, 2, 0]),
    ("track it", "track_order", [0.4, 0.0, 0.1], [1, 0, 0]),
    ("i want my money back", "get_refund", [0.1, 2.0, 0.0], [0, 4, 2]),
    ("refund please, the kettle arrived broken and i am not keeping it", "get_refund", [0.2, 3.5, 0.4], [1, 60, 3]),
    ("refund", "get_refund", [0.0, 0.3, 0.1], [0, 1, 0]),
]


def message(text, dense, sparse, intent=None):
    data = {TEXT: text, **({"intent": intent} if intent else {})}
    result = Message(data=data)
    result.set(TEXT_TOKENS, [Token(word, text.index(word)) for word in text.split()])
    result.add_features(Features(np.array([dense]), "sentence", TEXT, "bert"))
    result.add_features(Features(scipy.sparse.coo_matrix([sparse]), "sentence", TEXT, "counts"))
    return result


def training_data():
    return TrainingData([message(text, dense, sparse, intent) for text, intent, dense, sparse in EXAMPLES])


@pytest.fixture
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


CONTEXT = ExecutionContext(graph_schema=None, node_name="intent_classifier")


def classifier(storage, **config):
    return SentenceFeatureIntentClassifier.create(
        {**SentenceFeatureIntentClassifier.get_default_config(), **config}, storage, Resource("intent_classifier"), CONTEXT
    )


def test_each_featurizers_block_is_scaled_to_its_weight_whatever_the_message_length(storage):
    rows = classifier(storage, featurizer_weights={"counts": 0.5})._create_X(training_data().training_examples).toarray()
    dense, sparse = rows[:, :3], rows[:, 3:]  # blocks in the order of the featurizers' names
    np.testing.assert_allclose(np.linalg.norm(dense, axis=1), 1.0)
    np.testing.assert_allclose(np.linalg.norm(sparse, axis=1), 0.5)


def test_rows_equal_each_block_normalised_by_scikit_learn_and_weighted(storage):
    messages = training_data().training_examples + [without_counts("hello there")]
    rows = classifier(storage, featurizer_weights={"counts": 0.7})._create_X(messages)

    dense = np.array([[*m.features[0].features[0]] for m in messages])
    counts = scipy.sparse.vstack(
        [m.features[1].features if len(m.features) > 1 else scipy.sparse.coo_matrix((1, 3)) for m in messages]
    )
    expected = scipy.sparse.hstack([normalize(dense), normalize(counts) * 0.7]).toarray()
    np.testing.assert_allclose(rows.toarray(), expected, rtol=1e-12, atol=1e-15)


def test_one_message_at_a_time_gives_the_rows_of_the_whole_batch(storage):
    component = classifier(storage)
    messages = training_data().training_examples
    batch = component._create_X(messages).toarray()
    one_by_one = np.vstack([component._create_X([message]).toarray() for message in messages])
    np.testing.assert_array_equal(one_by_one, batch)


def test_repeated_entries_of_a_sparse_feature_count_as_their_sum(storage):
    repeated, summed = message("where is it", [1.0, 0.0, 0.0], [0, 0, 0]), message("where is it", [1.0, 0.0, 0.0], [3, 0, 4])
    repeated.features[1] = Features(scipy.sparse.coo_matrix(([1.0, 2.0, 4.0], ([0, 0, 0], [0, 0, 2])), shape=(1, 3)),
                                    "sentence", TEXT, "counts")
    component = classifier(storage)
    np.testing.assert_allclose(component._create_X([repeated]).toarray(), component._create_X([summed]).toarray())


def without_counts(text):
    result = Message(data={TEXT: text})
    result.add_features(Features(np.array([[0.5, 0.5, 0.0]]), "sentence", TEXT, "bert"))
    return result


def test_a_zero_weight_leaves_out_that_featurizers_block(storage):
    rows = classifier(storage, featurizer_weights={"counts": 0})._create_X(training_data().training_examples)
    assert rows.shape == (len(EXAMPLES), 3)


def test_messages_without_sentence_features_are_refused(storage):
    with pytest.raises(ValueError, match="sentence features"):
        classifier(storage)._create_X([Message(data={TEXT: "hello"})])


@pytest.mark.parametrize(
    "option, value",
    [("C", 0), ("C", -1), ("max_iter", 0), ("featurizer_weights", {"counts": -0.1}),
     ("featurizer_weights", {"counts": "high"}), ("featurizer_weights", [0.5])],
)
def test_invalid_options_are_refused(storage, option, value):
    with pytest.raises(ValueError, match=option):
        classifier(storage, **{option: value})


def test_regularisation_strength_reaches_the_model(storage):
    assert classifier(storage, C=3.5).clf.C == 3.5


def test_predicts_the_nearest_intent_with_a_ranking_and_survives_persistence(storage):
    trained = classifier(storage)
    resource = trained.train(training_data())
    unseen = [message("where's my stuff", [2.0, 0.2, 0.0], [2, 0, 0]), message("money back", [0.1, 1.5, 0.0], [0, 2, 0])]

    trained.process(unseen)
    assert [m.get("intent")["name"] for m in unseen] == ["track_order", "get_refund"]
    ranking = unseen[0].get("intent_ranking")
    assert [entry["name"] for entry in ranking] == ["track_order", "get_refund"]
    assert sum(entry["confidence"] for entry in ranking) == pytest.approx(1.0)

    loaded = SentenceFeatureIntentClassifier.load(
        SentenceFeatureIntentClassifier.get_default_config(), storage, resource, CONTEXT
    )
    again = [message("where's my stuff", [2.0, 0.2, 0.0], [2, 0, 0])]
    loaded.process(again)
    assert again[0].get("intent")["confidence"] == pytest.approx(ranking[0]["confidence"])


@pytest.mark.parametrize(
    "text, dense, sparse",
    [("blorp flibber quaxx", [2.0, 0.2, 0.0], [3, 0, 0]), ("zzzt", [0.1, 1.5, 0.0], [0, 2, 0])],
)
def test_a_message_without_a_known_word_gets_no_confident_intent(storage, text, dense, sparse):
    trained = classifier(storage)
    resource = trained.train(training_data())
    loaded = SentenceFeatureIntentClassifier.load(SentenceFeatureIntentClassifier.get_default_config(), storage, resource, CONTEXT)

    for component in (trained, loaded):
        [result] = component.process([message(text, dense, sparse)])
        assert result.get("intent")["confidence"] == pytest.approx(0.5)  # one of two intents, no evidence for either
        assert [entry["confidence"] for entry in result.get("intent_ranking")] == pytest.approx([0.5, 0.5])


@pytest.mark.parametrize("text", ["where is it blorp", "482913", "jo@example.com"])
def test_one_known_word_or_a_value_alone_keeps_the_models_confidence(storage, text):
    trained = classifier(storage)
    trained.train(training_data())

    [result] = trained.process([message(text, [2.0, 0.2, 0.0], [2, 0, 0])])
    assert result.get("intent")["name"] == "track_order"
    assert result.get("intent")["confidence"] > 0.5


def test_predictions_read_the_coefficients_in_place_and_equal_scikit_learns(storage):
    """Three intents (softmax over all), sparse rows: the column-ordered coefficients score as fitted."""
    third = [("what does shipping cost", "delivery_options", [0.2, 0.1, 3.0], [0, 1, 6]),
             ("delivery fees to austria", "delivery_options", [0.3, 0.0, 2.2], [1, 0, 9])]
    data = TrainingData([message(text, dense, sparse, intent) for text, intent, dense, sparse in EXAMPLES + third])
    trained = classifier(storage)
    resource = trained.train(data)
    loaded = SentenceFeatureIntentClassifier.load(SentenceFeatureIntentClassifier.get_default_config(), storage, resource, CONTEXT)
    unseen = [message("where's my stuff", [2.0, 0.2, 0.0], [2, 0, 0]), message("shipping to spain", [0.1, 0.2, 2.5], [0, 0, 4])]
    rows = loaded._create_X(unseen)

    for component in (trained, loaded):
        assert component.clf.coef_.flags["F_CONTIGUOUS"]
        as_fitted = np.ascontiguousarray(component.clf.coef_)
        expected = scipy.special.softmax(rows.toarray() @ as_fitted.T + component.clf.intercept_, axis=1)
        np.testing.assert_allclose(component.clf.predict_proba(rows), expected, rtol=1e-9)
        component.process(unseen)
        assert [m.get("intent")["name"] for m in unseen] == ["track_order", "delivery_options"]
