"""Formulation, lexicalisation, the guardrail and the corpus of the reply generator."""


import pytest

from actions.generation.acts import ACTS, placeholder, required_slots
from actions.generation.corpus import load_examples, split
from actions.customer_profile import MOODS, Profile
from actions.db.models import CUSTOMER_TIERS
from actions.generation.formulation import (
    delexicalise,
    lexicalise,
    placeholders_in,
    prompt,
    without_placeholders,
)
from actions.generation.guardrail import FACT_LIKE, rejection

FACTS = {"order_id": "100032", "refund_days": "5-7 business days", "name": "Lea"}
GOOD = "Done, [name]: order [order_id] is cancelled, and the money is back within [refund_days]."


def check(delexicalised, facts=FACTS, act="order_cancelled"):
    return rejection(act, delexicalised, lexicalise(delexicalised, facts), facts)


def test_lexicalise_fills_and_delexicalise_restores():
    filled = lexicalise(GOOD, FACTS)
    assert filled == "Done, Lea: order 100032 is cancelled, and the money is back within 5-7 business days."
    assert delexicalise(filled, FACTS) == GOOD


def test_lexicalise_leaves_unknown_placeholders_visible():
    assert lexicalise("Order [order_id] via [carrier]", {"order_id": "1"}) == "Order 1 via [carrier]"


def test_prompt_names_the_act_slots_and_profile_but_never_the_name():
    text = prompt("order_cancelled", Profile(tier="gold", mood="upset", name="Lea"))
    assert "order_cancelled" in text and "[order_id] [refund_days]" in text
    assert "tier=gold mood=upset name=yes" in text and "Lea" not in text


def test_a_grounded_reply_passes():
    assert check(GOOD) is None


@pytest.mark.parametrize(
    "output, reason",
    [
        ("", "empty reply"),
        ("   ", "empty reply"),
        ("Order [order_id] is cancelled.", "missing slot: refund_days"),
        ("Order [order_id] is cancelled within [refund_days] by [carrier].", "placeholder not in the facts: carrier"),
        ("Order 100033 is cancelled, money back in [refund_days], ref [order_id].", "fact not in the data: '1'"),
        ("Order [order_id] is cancelled; refund on Friday, within [refund_days].", "fact not in the data: 'Friday'"),
        ("Order [order_id] is cancelled; refund of €20 within [refund_days].", "fact not in the data: '€'"),
        ("Order [order_id] is cancelled; refund in two weeks, [refund_days].", "fact not in the data: 'two'"),
        ("Order [order_id] is cancelled on 24 Nov, [refund_days].", "fact not in the data: '2'"),
        ("Order [order_id], stupid, is cancelled within [refund_days].", "offensive word"),
        ("Order [order_id] is gone and gone and gone and gone and gone and gone, [refund_days].", "repetition"),
    ],
)
def test_unsafe_outputs_are_rejected(output, reason):
    assert check(output) == reason


def test_a_bare_placeholder_is_too_short():
    assert check("[reference].", {"reference": "TCK-482913"}, act="complaint_logged") == "length 1 words"


def test_name_placeholder_needs_a_known_name():
    anonymous = {k: v for k, v in FACTS.items() if k != "name"}
    assert check(GOOD, anonymous) == "placeholder not in the facts: name"


def test_a_leftover_bracket_is_rejected_even_if_the_facts_have_one():
    facts = dict(FACTS, order_id="[order_id]")
    assert check("Order [order_id] is cancelled within [refund_days] now.", facts) == "leftover placeholder"


# --- the corpus the project owns ---

EXAMPLES = load_examples()


def test_the_corpus_covers_every_act_with_a_held_out_split():
    train, test = split(EXAMPLES)
    assert len(ACTS) >= 15
    for act in ACTS:
        train_refs = [e for e in train if e.act == act]
        assert len(train_refs) >= 20 and any(e.act == act for e in test)
        assert {e.profile.tier for e in train_refs} == set(CUSTOMER_TIERS)
        assert {e.profile.mood for e in train_refs} == set(MOODS)


@pytest.mark.parametrize("example", [e for e, _ in EXAMPLES], ids=lambda e: e.act)
def test_every_reference_is_grounded(example):
    used = placeholders_in(example.reference)
    assert set(required_slots(example.act)) <= set(used)
    assert set(used) <= set(required_slots(example.act)) | {"name"}
    assert not FACT_LIKE.search(without_placeholders(example.reference)), example.reference


def test_references_are_varied():
    for act in ACTS:
        texts = [e.reference for e, _ in EXAMPLES if e.act == act]
        assert len(set(texts)) == len(texts)


def test_placeholders_are_written_in_brackets():
    assert placeholder("order_id") == "[order_id]"


def test_a_reply_may_name_only_the_customers_tier():
    reply = "Thanks for being a Silver member: order [order_id] is cancelled within [refund_days]."
    assert rejection("order_cancelled", reply, lexicalise(reply, FACTS), FACTS, tier="gold") == "wrong tier named: silver"
    assert rejection("order_cancelled", reply, lexicalise(reply, FACTS), FACTS, tier="silver") is None


def test_a_placeholder_looping_is_rejected():
    reply = "Order [order_id], yes [order_id], really [order_id], is cancelled within [refund_days]."
    assert check(reply) == "placeholder repeated: order_id"


def test_a_reply_cut_off_at_the_token_limit_is_rejected():
    assert check("Order [order_id] is cancelled within [refund_days], and as a Gold member you") == "unfinished reply"


def test_a_list_value_starts_on_its_own_line():
    products = "- Kettle, €19.99\n- Mug, €4.99"
    assert lexicalise("You might like: [products]", {"products": products}) == f"You might like:\n{products}"
