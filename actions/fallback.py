"""Two-stage fallback: ask to rephrase first, offer a human on the second miss in a row."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import user_intents_newest_first

NLU_FALLBACK_INTENT = "nlu_fallback"


def consecutive_fallbacks(tracker: Tracker) -> int:
    """Counts the customer's latest messages in a row that NLU could not classify."""
    count = 0
    for intent in user_intents_newest_first(tracker):
        if intent != NLU_FALLBACK_INTENT:
            break
        count += 1
    return count


class ActionHandleNluFallback(Action):
    """Stage one asks to rephrase; stage two offers customer service, then it starts over."""

    def name(self) -> Text:
        return "action_handle_nlu_fallback"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        if consecutive_fallbacks(tracker) % 2 == 0:
            dispatcher.utter_message(response="utter_offer_human")
        else:
            dispatcher.utter_message(response="utter_ask_rephrase")
        return []
