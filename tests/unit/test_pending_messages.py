"""Which bot messages a REST client fetches between its turns (rasa_server/channels/pending_messages.py)."""

from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_server.channels.pending_messages import messages_between_turns


def listen(at):
    return ActionExecuted("action_listen", timestamp=at)


def texts(events, since=0.0):
    return [m["text"] for m in messages_between_turns(DialogueStateTracker.from_events("c", events), since)]


def test_the_replies_of_the_customers_turn_are_not_fetched_again():
    assert texts([UserUttered("hi", timestamp=1), BotUttered("Hello!", timestamp=2), listen(2)]) == []


def test_agent_messages_after_the_turn_are_fetched_oldest_first():
    events = [UserUttered("a person please", timestamp=1), BotUttered("Queued", timestamp=2), listen(2),
              ConversationPaused(timestamp=3), BotUttered("Anna: Hi", timestamp=3), BotUttered("Anna: Which order?", timestamp=4)]
    assert texts(events) == ["Anna: Hi", "Anna: Which order?"]
    assert texts(events, since=3) == ["Anna: Which order?"]


def test_a_message_written_while_paused_had_no_turn():
    events = [ConversationPaused(timestamp=1), UserUttered("order 100032", timestamp=2),
              BotUttered("Anna: Done", timestamp=3), ConversationResumed(timestamp=4),
              ActionExecuted("action_ask_satisfaction", timestamp=4), BotUttered("Rate us", timestamp=4), listen(4)]
    assert texts(events) == ["Anna: Done", "Rate us"]


def test_a_reminders_message_counts_as_between_turns():
    reminder = UserUttered.create_external("EXTERNAL_handoff_timeout")
    events = [UserUttered("a person please", timestamp=1), BotUttered("Queued", timestamp=2), listen(2),
              reminder, ActionExecuted("action_handoff_timeout", timestamp=5), BotUttered("Call you back?", timestamp=5), listen(5)]
    assert texts(events) == ["Call you back?"]


def test_a_conversation_without_customer_messages_gives_every_bot_message():
    assert texts([BotUttered("Welcome", timestamp=1)]) == ["Welcome"]
