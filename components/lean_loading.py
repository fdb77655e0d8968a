"""Rasa's DIETClassifier, ResponseSelector and TEDPolicy, loaded and run for prediction only.

To rebuild a trained model, Rasa's `RasaModel.load` runs one Keras `fit` step on an example
before it reads the weights. That traces the whole training graph with its gradients and
creates Adam's slots, and the Rasa server keeps all of it for its lifetime: about 0.8 GB of
the 1.8 GB our model took to load. Here the same example goes once through the model's
loss, eagerly and without gradients, which creates every variable the checkpoint holds;
then the weights are read and the prediction function is traced, as Rasa does.

Each prediction then calls that traced graph directly (`direct_call`), and the ResponseSelector answers
only the messages that can use an answer (see the classes).

Training, `rasa train --finetune` and the components' options are Rasa's own, and the
predictions equal those of Rasa's loading (tests/integration/test_lean_loading.py).
"""

from typing import Any, Callable, List, Optional, Text, Tuple, Type

import numpy as np
import tensorflow as tf
from rasa.core.policies.ted_policy import TED, TEDPolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIET, DIETClassifier
from rasa.nlu.selectors.response_selector import DIET2BOW, DIET2DIET, ResponseSelector
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel


def direct_call(traced: Callable) -> Callable:
    """Calls the graph `traced` (a `tf.function` with an input signature) with a batch's arrays.

    Through the `tf.function`, each call first matches the nested batch against the signature
    and casts it, array by array: about a tenth of the Rasa server's CPU per message for DIET,
    the ResponseSelector and TED together. The graph is the same.
    """
    graph = traced.get_concrete_function()

    def call(batch_in: Tuple[np.ndarray, ...]) -> Any:
        # `_call_flat` is TensorFlow's private entry (TF 2.12, as Rasa 3.6 pins it); the
        # lean-loading test checks the outputs against Rasa's own call.
        return graph._call_flat([tf.constant(array) for array in batch_in], graph.captured_inputs)

    return call


class LoadsForPrediction:
    """Mixin for a RasaModel class: `load` builds the variables without a training step."""

    @classmethod
    def load(
        cls,
        model_file_name: Text,
        model_data_example: RasaModelData,
        predict_data_example: Optional[RasaModelData] = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> RasaModel:
        if finetune_mode:  # training continues, so it needs the optimizer Rasa builds
            return super().load(model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs)
        model = cls(*args, **kwargs)
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


class LeanDIET(LoadsForPrediction, DIET):
    pass


class LeanDIET2BOW(LoadsForPrediction, DIET2BOW):
    pass


class LeanDIET2DIET(LoadsForPrediction, DIET2DIET):
    pass


class LeanTED(LoadsForPrediction, TED):
    pass


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR],
    is_trainable=True,
)
class LeanDIETClassifier(DIETClassifier):
    @staticmethod
    def model_class() -> Type[RasaModel]:
        return LeanDIET


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LeanResponseSelector(ResponseSelector):
    """Also selects answers only for the messages that can use one.

    An answer is read only by a retrieval intent's action (`utter_faq`, `utter_chitchat`),
    which runs after a message of that intent. So a message the intent classifier put
    elsewhere ("where is my order") gets no answer here, where Rasa's selector would pick
    one anyway: a tenth of the server's CPU for most messages. Without a classified intent
    (no classifier before the selector), every message gets its answer as in Rasa.
    """

    @staticmethod
    def model_class(use_text_as_label: bool) -> Type[RasaModel]:  # type: ignore[override]
        return LeanDIET2DIET if use_text_as_label else LeanDIET2BOW

    def process(self, messages: List[Message]) -> List[Message]:
        super().process([message for message in messages if self._may_use_answer(message)])
        return messages

    def _may_use_answer(self, message: Message) -> bool:
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        answered_intents = [self.retrieval_intent] if self.retrieval_intent else self.all_retrieval_intents
        return intent is None or intent in answered_intents


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True)
class LeanTEDPolicy(TEDPolicy):
    @staticmethod
    def model_class() -> Type[TED]:
        return LeanTED
