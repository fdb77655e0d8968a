"""The blind NLU set is big enough, covers every intent, and holds no message of the training data."""

from collections import Counter

import pytest
import yaml

from actions.config import PROJECT_DIR
from evaluation.blind_set import blind_set, near_duplicates, normalised, training_set

MIN_MESSAGES = 2500
MIN_PER_INTENT = 40
MIN_OUT_OF_SCOPE = 300


@pytest.fixture(scope="module")
def blind():
    return blind_set()


@pytest.fixture(scope="module")
def training():
    return training_set()


def intent_counts(data) -> Counter:
    return Counter(message.get("intent") for message in data.intent_examples)


# Sent by buttons and Rasa's reminders only: never typed, so nothing to hold out.
NOT_TYPED = {"EXTERNAL_handoff_timeout", "rate_conversation", "choose_follow_up"}


def test_the_set_covers_every_intent_of_the_domain(blind):
    domain_intents = set(yaml.safe_load((PROJECT_DIR / "domain.yml").read_text())["intents"])
    counts = intent_counts(blind)
    assert set(counts) == domain_intents - NOT_TYPED
    assert sum(counts.values()) >= MIN_MESSAGES
    assert min(counts.values()) >= MIN_PER_INTENT, counts.most_common()[-5:]
    assert counts["out_of_scope"] >= MIN_OUT_OF_SCOPE


def test_no_message_is_written_twice(blind):
    texts = [normalised(message.get("text")) for message in blind.intent_examples]
    assert [text for text, count in Counter(texts).items() if count > 1] == []


def test_no_message_is_in_the_training_data(blind, training):
    training_texts = {normalised(message.get("text")) for message in training.intent_examples}
    assert [m.get("text") for m in blind.intent_examples if normalised(m.get("text")) in training_texts] == []


def test_no_message_nearly_repeats_a_training_message(blind, training):
    found = near_duplicates([m.get("text") for m in blind.intent_examples],
                            [m.get("text") for m in training.intent_examples])
    assert found == {}


def test_the_near_duplicate_check_sees_a_changed_order_number_and_punctuation():
    assert near_duplicates(["Where is order #100032?!"], ["where is order 482913", "hello"]) == {
        "Where is order #100032?!": "where is order 482913"}
    assert near_duplicates(["can I pay by klarna"], ["where is order 482913"]) == {}
