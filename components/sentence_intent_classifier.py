"""Intent classifier: a logistic regression on each message's sentence features.

Rasa's DIETClassifier, given our BERT and sparse features, fits the training examples
perfectly and generalises worse than a regularised linear model on the same sentence
features (docs/performance.md, "What got there"); the linear model also trains in seconds instead of
minutes and predicts in microseconds.

Rasa's own LogisticRegressionClassifier stacks the raw features side by side: word and
character counts that grow with message length next to a BERT mean whose scale is fixed,
so long messages are judged by their counts and short ones by BERT, and the many character
n-grams outweigh the few words. Here the sentence feature of each featurizer is one block,
scaled to unit length and then weighted (`featurizer_weights`, by the featurizer's `alias`),
and the regularisation strength `C` is configurable. Training, ranking and the persistence
of the model are Rasa's.

A linear model is sure of itself even on a message it has no evidence for ("blorp flibber
quaxx" was a product question at 0.43). So a message none of whose words occurs in the
training data (numbers, ids and email addresses aside) gets the same confidence for every
intent, and the FallbackClassifier after it asks the customer to rephrase.

scikit-learn keeps the fitted coefficients as a strided view, and every prediction on a sparse
row copied the whole intents x features matrix first; held column-ordered, a prediction reads
only the message's non-zero features, with the same result (docs/performance.md, "What got there").
"""

import json
import re
from typing import Any, Dict, List, Set, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT, TEXT_TOKENS
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, issparse

KNOWN_WORDS_FILE = "known_words.json"
# Tokens that are values, not words: order and tracking numbers, prices, emails.
VALUE_TOKEN = re.compile(r"\d|@")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SentenceFeatureIntentClassifier(LogisticRegressionClassifier):
    """LogisticRegressionClassifier on unit-length, weighted sentence features of each featurizer."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **LogisticRegressionClassifier.get_default_config(),
            # Inverse regularisation strength: 30 beat 10 and equalled 100 in a 5-fold probe.
            "C": 30.0,
            # Featurizer alias -> length of its block; 1 for a featurizer not named here, 0 leaves it out.
            "featurizer_weights": {},
            # lbfgs needs more than Rasa's 100 iterations to converge on 40+ intents.
            "max_iter": 3000,
        }

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        for option in ("C", "max_iter"):
            if config.get(option, 1) <= 0:
                raise ValueError(f"{cls.__name__}: {option} must be positive, not {config[option]!r}")
        weights = config.get("featurizer_weights") or {}
        if not isinstance(weights, dict) or any(
            not isinstance(weight, (int, float)) or weight < 0 for weight in weights.values()
        ):
            raise ValueError(
                f"{cls.__name__}: featurizer_weights must map featurizer aliases to numbers >= 0, not {weights!r}"
            )

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=self.config["C"])
        self.known_words: Set[Text] = set()

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
    ) -> "SentenceFeatureIntentClassifier":
        cls.validate_config(config)
        return super().create(config, model_storage, resource, execution_context)

    def _create_X(self, messages: List[Message]) -> csr_matrix:
        """One row per message: each featurizer's sentence feature at unit length times its weight.

        Built entry by entry rather than with scipy's stacking, whose overhead per call was most
        of the classifier's time for the server's one message a call (docs/performance.md, "What got there").
        """
        blocks_by_origin: Dict[Text, List[Any]] = {}
        for index, message in enumerate(messages):
            for feature in message.features:
                if feature.attribute == TEXT and feature.type == FEATURE_TYPE_SENTENCE:
                    blocks_by_origin.setdefault(feature.origin, [None] * len(messages))[index] = feature.features
        weights = self.config["featurizer_weights"] or {}
        origins = [origin for origin in sorted(blocks_by_origin) if weights.get(origin, 1.0) > 0]
        if not origins:
            raise ValueError(f"{type(self).__name__} needs a featurizer that gives sentence features")
        widths = [next(row for row in blocks_by_origin[origin] if row is not None).shape[-1] for origin in origins]
        offsets = np.cumsum([0, *widths[:-1]])
        columns, values, row_starts = [], [], [0]
        for index in range(len(messages)):
            stored = row_starts[-1]
            for origin, offset in zip(origins, offsets):
                feature = blocks_by_origin[origin][index]
                if feature is None:
                    continue  # a message without this featurizer's feature keeps zeros there
                feature_columns, feature_values = _entries(feature)
                norm = np.sqrt(np.dot(feature_values, feature_values))
                if norm > 0:
                    columns.append(feature_columns + offset)
                    values.append(feature_values * (weights.get(origin, 1.0) / norm))
                    stored += len(feature_columns)
            row_starts.append(stored)
        return csr_matrix(
            (np.concatenate([np.zeros(0), *values]), np.concatenate([np.zeros(0, dtype=np.int64), *columns]), row_starts),
            shape=(len(messages), sum(widths)),
        )

    def train(self, training_data: TrainingData) -> Resource:
        self.known_words = {word for example in training_data.intent_examples for word in _words(example)}
        resource = super().train(training_data)
        self._order_coefficients_for_sparse_rows()
        return resource

    def _order_coefficients_for_sparse_rows(self) -> None:
        """Column order lets `sparse row @ coef_.T` read the coefficients in place instead of copying them."""
        if hasattr(self.clf, "coef_"):
            self.clf.coef_ = np.asfortranarray(self.clf.coef_)

    def process(self, messages: List[Message]) -> List[Message]:
        super().process(messages)
        if self.known_words:
            for message in messages:
                words = _words(message)
                if words and not words & self.known_words:
                    _flatten_confidences(message, number_of_intents=len(self.clf.classes_))
        return messages

    def persist(self) -> None:
        super().persist()
        with self._model_storage.write_to(self._resource) as model_dir:
            (model_dir / KNOWN_WORDS_FILE).write_text(json.dumps(sorted(self.known_words)))

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "SentenceFeatureIntentClassifier":
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        component._order_coefficients_for_sparse_rows()
        with model_storage.read_from(resource) as model_dir:
            known_words = model_dir / KNOWN_WORDS_FILE
            if known_words.exists():
                component.known_words = set(json.loads(known_words.read_text()))
        return component


def _entries(feature: Any) -> Tuple[np.ndarray, np.ndarray]:
    """Column indices and float64 values of a one-row sentence feature (sparse or dense)."""
    if issparse(feature):
        row = feature.tocoo()  # Rasa's sparse features are COO already: no copy
        if len(np.unique(row.col)) < len(row.col):  # repeated entries add up (CSR sums them)
            row = row.tocsr().tocoo()
        return row.col.astype(np.int64), row.data.astype(np.float64)
    row = np.asarray(feature, dtype=np.float64).reshape(-1)
    return np.arange(len(row)), row


def _words(message: Message) -> Set[Text]:
    """The message's tokens that are words (lower case), not numbers, ids or email addresses."""
    return {
        token.text.lower() for token in message.get(TEXT_TOKENS) or [] if not VALUE_TOKEN.search(token.text)
    }


def _flatten_confidences(message: Message, number_of_intents: int) -> None:
    """No evidence for any intent: every intent gets the same confidence; the ranking keeps its order."""
    confidence = 1.0 / number_of_intents
    flattened = [{**entry, "confidence": confidence} for entry in message.get("intent_ranking")]
    message.set("intent", flattened[0], add_to_output=True)
    message.set("intent_ranking", flattened, add_to_output=True)
