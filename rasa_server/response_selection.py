"""The ResponseSelector answers only the messages that can use an answer.

An answer is read only by a retrieval intent's action (`utter_faq`, `utter_chitchat`), which
runs after a message of that intent. So a message the intent classifier put elsewhere ("where
is my order") gets no answer here, where Rasa's selector would pick one anyway. Without a
classified intent (no classifier before the selector), every message gets its answer as in
Rasa. rasa_server/startup.py installs this when Rasa imports its ResponseSelector; it is kept
for what it gains together with the direct graph call of lean_loading.py (docs/performance.md,
"Hooks into Rasa's internals"). tests/integration/test_lean_loading.py fails if Rasa stops
calling `ResponseSelector.process`.
"""

from types import ModuleType
from typing import Any, List

from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY
from rasa.shared.nlu.training_data.message import Message


def install(selectors: ModuleType) -> None:
    """Wraps `ResponseSelector.process` of Rasa's module `selectors` (rasa.nlu.selectors.response_selector)."""
    selector = selectors.ResponseSelector
    rasa_process = selector.process
    if hasattr(rasa_process, "rasa_process"):
        return

    def process(self, messages: List[Message]) -> List[Message]:  # self unannotated: Rasa reads the annotations as inputs
        rasa_process(self, [message for message in messages if may_use_answer(self, message)])
        return messages

    process.rasa_process = rasa_process  # type: ignore[attr-defined]  # Rasa's own, for the tests' comparison
    selector.process = process


def may_use_answer(selector: Any, message: Message) -> bool:
    intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
    answered_intents = [selector.retrieval_intent] if selector.retrieval_intent else selector.all_retrieval_intents
    return intent is None or intent in answered_intents
