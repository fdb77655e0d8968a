"""Rasa's DIET, ResponseSelector and TED models, loaded for prediction only.

To rebuild a trained model, Rasa's `RasaModel.load` runs one Keras `fit` step on an example
before it reads the weights. That traces the whole training graph with its gradients and
creates Adam's slots, and the Rasa server keeps all of it for its lifetime: about 0.8 GB of
the 1.8 GB our model took to load. Here the same example goes once through the model's
loss, eagerly and without gradients, which creates every variable the checkpoint holds;
then the weights are read and the prediction function is traced, as Rasa does. Each
prediction then calls that traced graph directly (`direct_call`).

rasa_server/startup.py installs this when Rasa imports its model module, in every Rasa
command, so config.yml names Rasa's own DIETClassifier, ResponseSelector and TEDPolicy.
Training and `rasa train --finetune` go through Rasa's own `load`, and the predictions equal
those of Rasa's loading (tests/integration/test_lean_loading.py, which also fails if Rasa
stops loading its models through `RasaModel.load`).
"""

from types import ModuleType
from typing import Any, Callable, Optional, Text, Tuple

import numpy as np
import tensorflow as tf
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.model_data import RasaModelData

_MARK = "loads_for_prediction"


def install(models: ModuleType) -> None:
    """Replaces `RasaModel.load` of Rasa's module `models` (rasa.utils.tensorflow.models)."""
    rasa_load = models.RasaModel.load.__func__
    if getattr(rasa_load, _MARK, False):
        return

    def load(
        cls,
        model_file_name: Text,
        model_data_example: RasaModelData,
        predict_data_example: Optional[RasaModelData] = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if finetune_mode:  # training continues, so it needs the optimizer Rasa builds
            return rasa_load(cls, model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs)
        return load_for_prediction(cls(*args, **kwargs), model_file_name, model_data_example, predict_data_example)

    setattr(load, _MARK, True)
    load.rasa_load = rasa_load  # type: ignore[attr-defined]  # Rasa's own, for the tests' comparison
    models.RasaModel.load = classmethod(load)


def load_for_prediction(
    model: Any, model_file_name: Text, model_data_example: RasaModelData, predict_data_example: Optional[RasaModelData]
) -> Any:
    inputs, _ = RasaBatchDataGenerator(model_data_example, batch_size=1)[0]
    # In training mode, so that the layers only training uses exist as in Rasa's `fit`.
    model._training = True
    model.batch_loss(inputs)
    model._training = False
    # The checkpoint also holds the optimizer's state, which prediction never reads.
    model.load_weights(model_file_name).expect_partial()
    if predict_data_example:
        model.run_inference(predict_data_example)  # traces the prediction function once
        if model._tf_predict_step is not None:  # None when the model runs eagerly
            model._tf_predict_step = direct_call(model._tf_predict_step)
    return model


def direct_call(traced: Any) -> Callable:
    """Calls the graph `traced` (a `tf.function` with an input signature) with a batch's arrays.

    Through the `tf.function`, each call first matches the nested batch against the signature
    and casts it, array by array. The graph is the same. Kept for what it gains together with
    the ResponseSelector's skip (docs/performance.md, "Hooks into Rasa's internals").
    """
    graph = traced.get_concrete_function()

    def call(batch_in: Tuple[np.ndarray, ...]) -> Any:
        # `_call_flat` is TensorFlow's private entry (TF 2.12, as Rasa 3.6 pins it); the
        # lean-loading test checks the outputs against Rasa's own call, and that Rasa calls it.
        return graph._call_flat([tf.constant(array) for array in batch_in], graph.captured_inputs)

    return call
