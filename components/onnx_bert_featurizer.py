"""The compiled BERT featurizer with the forward pass in ONNX Runtime instead of TensorFlow.

Same options, tokenisation, padding and features as CompiledLanguageModelFeaturizer (and so
as Rasa's LanguageModelFeaturizer; tests/integration/test_fast_bert_featurizers.py); only
the language model runs elsewhere. `model_weights` is a folder written by
`scripts/export_bert_onnx.py`: the BERT as `model.onnx` (components/bert_onnx.py), and its tokenizer. On one core ONNX
Runtime takes less than half the time per message of the compiled TensorFlow model (docs/performance.md,
"BERT featurizer"), and the Rasa server no longer holds a TensorFlow copy of BERT.
"""

from pathlib import Path
from typing import Any, List, Text, Union

import numpy as np
import tensorflow as tf
from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from components.compiled_bert_featurizer import CompiledLanguageModelFeaturizer
from components.bert_onnx import INPUT_NAMES, MODEL_FILE, OUTPUT_NAME


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class OnnxLanguageModelFeaturizer(CompiledLanguageModelFeaturizer):
    """Drop-in for LanguageModelFeaturizer: same options and features, BERT in ONNX Runtime."""

    @staticmethod
    def required_packages() -> List[Text]:
        return ["transformers", "onnxruntime"]

    def _load_model_instance(self) -> None:
        from rasa.nlu.utils.hugging_face.registry import model_tokenizer_dict

        model_file = Path(self.model_weights) / MODEL_FILE
        if not model_file.is_file():
            raise FileNotFoundError(
                f"{model_file} is missing: `make install` exports it (scripts/export_bert_onnx.py)"
            )
        self.tokenizer = model_tokenizer_dict[self.model_name].from_pretrained(self.model_weights)
        # Padding as in Rasa's featurizer: unknown-token ids, masked out by the attention mask.
        self.pad_token_id = self.tokenizer.unk_token_id
        self._session = cpu_session(str(model_file))

    def _compute_batch_sequence_features(
        self, batch_attention_mask: np.ndarray, padded_token_ids: List[List[int]]
    ) -> np.ndarray:
        token_ids = np.asarray(padded_token_ids, dtype=np.int64)
        attention_mask = np.asarray(batch_attention_mask, dtype=np.int64)
        return self._session.run([OUTPUT_NAME], dict(zip(INPUT_NAMES, (token_ids, attention_mask))))[0]


def cpu_session(model: Union[str, bytes]) -> Any:
    """An ONNX Runtime session on the CPU for a model file's path or the model's bytes."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    # As many threads per op as TensorFlow was given (TF_INTRA_OP_PARALLELISM_THREADS, one
    # in the Rasa server; 0, all cores, when unset), so one setting governs the pipeline.
    options.intra_op_num_threads = tf.config.threading.get_intra_op_parallelism_threads()
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
