"""Rasa's DIETClassifier, ResponseSelector and TEDPolicy, loaded for prediction only.

To rebuild a trained model, Rasa's `RasaModel.load` runs one Keras `fit` step on an example
before it reads the weights. That traces the whole training graph with its gradients and
creates Adam's slots, and the Rasa server keeps all of it for its lifetime: about 0.8 GB of
the 1.8 GB our model took to load. Here the same example goes once through the model's
loss, eagerly and without gradients, which creates every variable the checkpoint holds;
then the weights are read and the prediction function is traced, as Rasa does.

Training, `rasa train --finetune` and the components' options are Rasa's own, and the
predictions equal those of Rasa's loading (tests/integration/test_lean_loading.py).
"""

from typing import Any, Optional, Text, Type

from rasa.core.policies.ted_policy import TED, TEDPolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIET, DIETClassifier
from rasa.nlu.selectors.response_selector import DIET2BOW, DIET2DIET, ResponseSelector
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel


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
    @staticmethod
    def model_class(use_text_as_label: bool) -> Type[RasaModel]:  # type: ignore[override]
        return LeanDIET2DIET if use_text_as_label else LeanDIET2BOW


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True)
class LeanTEDPolicy(TEDPolicy):
    @staticmethod
    def model_class() -> Type[TED]:
        return LeanTED
