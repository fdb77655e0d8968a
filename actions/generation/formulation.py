"""How a dialogue act and the customer profile are written for the model, and how its
delexicalised output is filled from the facts (and facts turned back into placeholders)."""

import re
from typing import Dict, List

from actions.customer_profile import Profile
from actions.generation.acts import placeholder, required_slots

ACT_MARK, SLOTS_MARK, PROFILE_MARK, REPLY_MARK = "<|act|>", "<|slots|>", "<|profile|>", "<|reply|>"
END_MARK = "<|endoftext|>"
# Padding must differ from the end mark: the collator masks padding out of the loss, and the
# model has to learn where a reply ends.
PAD_MARK = "<|pad|>"
SPECIAL_TOKENS = [END_MARK, PAD_MARK, ACT_MARK, SLOTS_MARK, PROFILE_MARK, REPLY_MARK]
_PLACEHOLDER = re.compile(r"\[([a-z_]+)\]")


def prompt(act: str, profile: Profile) -> str:
    """`<|act|> order_cancelled <|slots|> [order_id] [refund_days] <|profile|> tier=gold mood=neutral name=yes <|reply|>`.

    The model sees whether a name is known, never the name itself.
    """
    slots = " ".join(placeholder(s) for s in required_slots(act))
    known = "yes" if profile.name else "no"
    return (
        f"{ACT_MARK} {act} {SLOTS_MARK} {slots} {PROFILE_MARK} "
        f"tier={profile.tier} mood={profile.mood} name={known} {REPLY_MARK}"
    )


def placeholders_in(text: str) -> List[str]:
    """The slot names of the `[slot]` placeholders in `text`, in order."""
    return _PLACEHOLDER.findall(text)


_SPACED_PLACEHOLDER = re.compile(r"( ?)\[([a-z_]+)\]")


def without_placeholders(text: str) -> str:
    """`text` with each `[slot]` replaced by a space: what the model wrote on its own."""
    return _PLACEHOLDER.sub(" ", text)


def lexicalise(delexicalised: str, facts: Dict[str, str]) -> str:
    """Fills every `[slot]` that has a fact; unknown placeholders stay for the guardrail to see.

    A multi-line value (a product or coupon list) starts on its own line.
    """

    def fill(match: "re.Match") -> str:
        space, slot = match.groups()
        if slot not in facts:
            return match.group(0)
        value = str(facts[slot])
        return f"\n{value}" if "\n" in value else f"{space}{value}"

    return _SPACED_PLACEHOLDER.sub(fill, delexicalised)


def delexicalise(text: str, facts: Dict[str, str]) -> str:
    """Replaces each fact value in `text` by its placeholder, longest values first."""
    for slot, value in sorted(facts.items(), key=lambda item: -len(str(item[1]))):
        if str(value):
            text = text.replace(str(value), placeholder(slot))
    return text
