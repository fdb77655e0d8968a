"""Customer satisfaction: the rating question, asked once per conversation (when the customer
says goodbye after a request, or after an agent resolved the conversation), and the rating kept
with what the conversation went through."""

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import clock
from actions.conversation import latest_intent, latest_text, user_intents_newest_first
from actions.digressions import ActionAnswerDigression
from actions.shop import ShopUnavailable, ask_shop, change_shop, service_desk
from actions.skill_queues import INTENT_QUEUES
from personal_data.masking import mask_personal_data

ASKED_SLOT = "satisfaction_asked"
# A flow besides the forms: the conversation went to a person.
HANDOFF_FLOW = "handoff"
HANDOFF_ACTION = "action_hand_off_to_human"
# The rating's own message is not what the conversation was about.
RATING_INTENT = "rate_conversation"
# A rating typed instead of pressed: "4 stars", "5/5", "i'd say 3".
TYPED_RATING = re.compile(r"\b(\d+)\s*(?:/\s*5|stars?|out of)?", re.IGNORECASE)
WORD_RATINGS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


def made_a_request(tracker: Tracker) -> bool:
    """True if the customer asked for something the assistant handles (not only small talk)."""
    return any(intent in INTENT_QUEUES or intent == "check_ticket_status" for intent in user_intents_newest_first(tracker))


def ask_once(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """The rating question unless it was asked in this conversation; either way it now was."""
    if not tracker.get_slot(ASKED_SLOT):
        dispatcher.utter_message(response="utter_ask_satisfaction")
    return [SlotSet(ASKED_SLOT, True)]


def rating_in(tracker: Tracker) -> Optional[int]:
    """The rating of the latest message: the button's entity, else a number or word in the text."""
    value = next(tracker.get_latest_entity_values("rating"), None)
    text = str(value) if value is not None else (tracker.latest_message.get("text") or "")
    match = TYPED_RATING.search(text)
    if match:
        return int(match.group(1))
    words = [WORD_RATINGS[word] for word in re.findall(r"[a-z]+", text.lower()) if word in WORD_RATINGS]
    return words[0] if words else None


def intents_and_flows(tracker: Tracker) -> "tuple[List[Text], List[Text]]":
    """The conversation's intents and flows (its forms, and the handoff), each once, in order."""
    intents: List[Text] = []
    for intent in reversed(list(user_intents_newest_first(tracker))):
        if intent is not None and intent != RATING_INTENT and intent not in intents:
            intents.append(intent)
    flows: List[Text] = []
    for event in tracker.events:
        if not isinstance(event, dict):
            continue
        if event.get("event") == "active_loop" and isinstance(event.get("name"), str) and event["name"] not in flows:
            flows.append(event["name"])
        elif event.get("event") == "action" and event.get("name") == HANDOFF_ACTION and HANDOFF_FLOW not in flows:
            flows.append(HANDOFF_FLOW)
    return intents, flows


class ActionSayGoodbye(Action):
    """Goodbye, and the rating question if the customer had a request and was not asked yet."""

    def name(self) -> Text:
        return "action_say_goodbye"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(response="utter_goodbye")
        return ask_once(dispatcher, tracker) if made_a_request(tracker) else []


class ActionAskSatisfaction(Action):
    """The rating question, once per conversation (the agent console runs it on resolving)."""

    def name(self) -> Text:
        return "action_ask_satisfaction"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return ask_once(dispatcher, tracker)


class ActionRecordRating(Action):
    """Keeps the customer's 1-5 rating with the conversation's intents and flows, once."""

    def name(self) -> Text:
        return "action_record_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        rating = rating_in(tracker)
        if rating is None and not tracker.get_slot(ASKED_SLOT):
            dispatcher.utter_message(response="utter_rating_not_asked")
            return []
        if rating is None or not 1 <= rating <= 5:
            dispatcher.utter_message(response="utter_rating_out_of_range")
            return []
        intents, flows = intents_and_flows(tracker)
        desk = service_desk()
        try:
            human = await ask_shop(desk.human_involved, tracker.sender_id)
            recorded = await change_shop(desk.record_rating, tracker.sender_id, rating, intents, flows, human, clock.now())
        except ShopUnavailable:
            dispatcher.utter_message(response="utter_shop_unavailable")
            return []
        dispatcher.utter_message(response="utter_rating_thanks" if recorded else "utter_rating_already_given", rating=rating)
        # Answered: it is not asked again in this conversation.
        return [SlotSet(ASKED_SLOT, True)]


class ActionRecordRatingComment(Action):
    """What the customer writes right after rating (data/rules.yml names which intents) is the
    rating's comment, kept masked; "no" skips it. Without a rating to add it to, the message is
    answered as it would be anywhere else."""

    def name(self) -> Text:
        return "action_record_rating_comment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if latest_intent(tracker) == "deny":
            dispatcher.utter_message(response="utter_rating_comment_skipped")
            return []
        comment = mask_personal_data(latest_text(tracker)).strip()
        try:
            recorded = bool(comment) and await change_shop(service_desk().record_rating_comment, tracker.sender_id, comment)
        except ShopUnavailable:
            dispatcher.utter_message(response="utter_shop_unavailable")
            return []
        if recorded:
            dispatcher.utter_message(response="utter_rating_comment_thanks")
            return []
        return await ActionAnswerDigression().run(dispatcher, tracker, domain)
