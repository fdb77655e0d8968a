"""Fallbacks. NLU unsure: ask to rephrase first, offer a human on the second miss in a row.
The policies unsure: inside a form its question again, elsewhere a human contact."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, UserUtteranceReverted
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


class ActionHandleCoreFallback(Action):
    """When no policy is sure what comes next (RulePolicy's core fallback). Inside a form the
    form asks its question again, so the turn is answered and the form goes on; elsewhere the
    customer gets a human contact and the message is forgotten, as Rasa's own fallback does."""

    def name(self) -> Text:
        return "action_handle_core_fallback"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        if tracker.active_loop_name:
            dispatcher.utter_message(response="utter_did_not_get_that")
            return [FollowupAction(tracker.active_loop_name)]
        dispatcher.utter_message(response="utter_default")
        return [UserUtteranceReverted()]
