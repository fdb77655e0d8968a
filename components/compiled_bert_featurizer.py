"""Rasa's LanguageModelFeaturizer with the language model's forward pass compiled.

The stock component calls the TensorFlow model eagerly for every message; on a 2-core CPU
that overhead, not the arithmetic, is most of its cost (about 60 ms of a 9 ms forward pass
for a short message). Here the same model and weights run as one `tf.function` traced for
any batch size and sequence length, so it is traced once and never retraced per message.
Tokenisation, padding and feature layout are inherited unchanged, so the features equal the
stock component's (tests/integration/test_fast_bert_featurizers.py).

One option is added, `sentence_pooling`: `cls` (the default, as the stock component) takes
the first token's state as the sentence feature; `mean` averages all token states, which is
how sentence-embedding models such as all-MiniLM-L6-v2 were trained to be read.
"""

from typing import Any, Dict, List, Text, Tuple

import numpy as np
import tensorflow as tf

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.dense_featurizer.lm_featurizer import LanguageModelFeaturizer

POOLINGS = ("cls", "mean")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class CompiledLanguageModelFeaturizer(LanguageModelFeaturizer):
    """Drop-in for LanguageModelFeaturizer: same options and features, compiled forward pass."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**LanguageModelFeaturizer.get_default_config(), "sentence_pooling": "cls"}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        super().validate_config(config)
        if config["sentence_pooling"] not in POOLINGS:
            raise ValueError(f"sentence_pooling must be one of {POOLINGS}, not {config['sentence_pooling']!r}")

    def _load_model_instance(self) -> None:
        super()._load_model_instance()
        model = self.model

        @tf.function(
            input_signature=[
                tf.TensorSpec(shape=[None, None], dtype=tf.int32),
                tf.TensorSpec(shape=[None, None], dtype=tf.float32),
            ]
        )
        def last_hidden_state(token_ids: tf.Tensor, attention_mask: tf.Tensor) -> tf.Tensor:
            return model(token_ids, attention_mask=attention_mask, training=False)[0]

        self._last_hidden_state = last_hidden_state

    def _compute_batch_sequence_features(
        self, batch_attention_mask: np.ndarray, padded_token_ids: List[List[int]]
    ) -> np.ndarray:
        return self._last_hidden_state(
            tf.constant(padded_token_ids, dtype=tf.int32),
            tf.constant(batch_attention_mask, dtype=tf.float32),
        ).numpy()

    def _post_process_sequence_embeddings(self, sequence_embeddings: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """`sequence_embeddings` hold each message's states without padding, special tokens included."""
        sentences, sequences = super()._post_process_sequence_embeddings(sequence_embeddings)
        if self._config["sentence_pooling"] == "mean":
            sentences = np.array([states.mean(axis=0) for states in sequence_embeddings])
        return sentences, sequences
