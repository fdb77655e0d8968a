"""The training data covers the taxonomy the assistant is measured against, in depth."""

from collections import Counter

import pytest
import yaml
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.loading import load_data

from actions.config import PROJECT_DIR

CUSTOMER_SUPPORT_TAXONOMY = [
    "cancel_order", "change_order", "place_order", "track_order", "change_shipping_address",
    "set_up_shipping_address", "delivery_options", "delivery_period", "get_refund", "track_refund",
    "check_refund_policy", "check_cancellation_fee", "check_invoice", "get_invoice",
    "check_payment_methods", "payment_issue", "contact_customer_service", "contact_human_agent",
    "complaint", "review", "create_account", "delete_account", "edit_account", "recover_password",
    "registration_problems", "switch_account", "newsletter_subscription",
]
SHOP_AND_CONVERSATION = [
    "product_inquiry", "product_recommendation", "ask_promotions", "return_item", "warranty_claim",
    "greet", "goodbye", "affirm", "deny", "thank", "bot_challenge", "inform", "stop", "out_of_scope",
]
MIN_EXAMPLES_PER_INTENT = 30


@pytest.fixture(scope="module")
def nlu():
    data = PROJECT_DIR / "data"
    files = [data / "nlu.yml", *sorted((data / "nlu").glob("*.yml")), *sorted((data / "lookups").glob("*.yml"))]
    first, *rest = [load_data(str(path)) for path in files]
    return first.merge(*rest)


def test_domain_declares_exactly_the_trained_intents(nlu, domain):
    # Sent by Rasa's reminders and by buttons only, never read from what a customer types:
    # digits like "2" must stay quantities, not ratings.
    not_typed = {"EXTERNAL_handoff_timeout", "rate_conversation", "choose_follow_up"}
    assert set(domain["intents"]) - not_typed == nlu.intents
    assert set(CUSTOMER_SUPPORT_TAXONOMY + SHOP_AND_CONVERSATION) <= nlu.intents


@pytest.mark.parametrize("intent", CUSTOMER_SUPPORT_TAXONOMY + SHOP_AND_CONVERSATION + ["faq", "chitchat"])
def test_every_intent_has_enough_examples(nlu, intent):
    assert nlu.number_of_examples_per_intent[intent] >= MIN_EXAMPLES_PER_INTENT


def test_every_retrieval_intent_has_an_answer(nlu, domain):
    for example in nlu.intent_examples:
        full_intent = example.get("intent_response_key")
        if full_intent:
            assert f"utter_{full_intent}" in domain["responses"]


def test_annotations_use_only_domain_entities(nlu, domain):
    assert nlu.entities <= set(domain["entities"])


def test_order_numbers_are_annotated_in_many_spellings(nlu):
    spellings = {
        entity["value"][: -6] or "digits only"
        for example in nlu.entity_examples
        for entity in example.get("entities", [])
        if entity["entity"] == "order_id"
    }
    assert len(spellings) >= 4


def test_no_example_is_repeated(nlu):
    counts = Counter(example.get("text").lower().strip() for example in nlu.intent_examples)
    assert [text for text, count in counts.items() if count > 1] == []


def test_every_entity_annotation_lines_up_with_the_configured_tokens(nlu):
    """DIET learns an entity only from whole tokens: "([100598](order_id))" must tokenize as 100598."""
    tokenizer_config = yaml.safe_load((PROJECT_DIR / "config.yml").read_text())["pipeline"][0]
    assert tokenizer_config["name"] == "WhitespaceTokenizer"
    tokenizer = WhitespaceTokenizer({**WhitespaceTokenizer.get_default_config(), **tokenizer_config})
    misaligned = []
    for example in nlu.entity_examples:
        tokens = tokenizer.tokenize(example, "text")
        starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
        misaligned += [example.get("text") for e in example.get("entities")
                       if e["start"] not in starts or e["end"] not in ends]
    assert misaligned == []
