"""Order changes start only when NLU is sure of them.

A message whose top intent would start an order change (cancel, return, refund, address or
item change) becomes `nlu_fallback` when that intent's confidence is below `threshold` or
within `ambiguity_threshold` of the runner-up's; the ranking stays, so the fallback action
asks which of the two the customer meant (actions/fallback.py) instead of starting a flow
they did not want. Rasa's FallbackClassifier before it applies one threshold to every
intent; a wrong answer to a question costs a rephrase, a wrong change costs an order.
"""

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RequestConfidenceGuard(GraphComponent, IntentClassifier):
    """Marks an unsure order-change intent as nlu_fallback, keeping the ranking."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intents": ["cancel_order", "change_order", "change_shipping_address", "get_refund", "return_item"],
            "threshold": 0.7,
            "ambiguity_threshold": 0.2,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.intents = set(config["intents"])
        self.threshold = config["threshold"]
        self.ambiguity_threshold = config["ambiguity_threshold"]

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> "RequestConfidenceGuard":
        return cls(config)

    def unsure(self, message: Message) -> bool:
        intent = message.get(INTENT) or {}
        if intent.get(INTENT_NAME_KEY) not in self.intents:
            return False
        ranking = message.get(INTENT_RANKING_KEY) or []
        confidence = intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0
        runner_up = (ranking[1].get(PREDICTED_CONFIDENCE_KEY) or 0.0) if len(ranking) > 1 else 0.0
        return confidence < self.threshold or confidence - runner_up < self.ambiguity_threshold

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if self.unsure(message):
                fallback = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME,
                            PREDICTED_CONFIDENCE_KEY: message.get(INTENT)[PREDICTED_CONFIDENCE_KEY]}
                message.set(INTENT, fallback, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [fallback, *(message.get(INTENT_RANKING_KEY) or [])],
                            add_to_output=True)
        return messages
