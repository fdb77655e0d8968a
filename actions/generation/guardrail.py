"""Checks a generated reply before a customer sees it: every fact it states comes from the data."""

import re
from typing import Dict, Optional

from actions.generation.acts import OPTIONAL_SLOTS, required_slots
from actions.generation.formulation import placeholders_in

MIN_WORDS, MAX_WORDS = 4, 120
# A reference may be repeated ("quote [reference]"); more is the model looping.
MAX_PLACEHOLDER_USES = 2
# Words a support reply never needs; the list is short because the model only learns our corpus.
OFFENSIVE_WORDS = {
    "idiot", "idiots", "stupid", "dumb", "moron", "shut", "crap", "damn", "hell", "hate", "sucks",
    "fool", "loser", "ugly", "shit", "fuck", "bitch", "bastard",
}
# What would be a fact if the model wrote it itself: digits, money, ids, emails, dates.
FACT_LIKE = re.compile(
    r"\d|[€$£@]|\b(?:RF|TCK|INV|BC)-|"
    r"\b(?:mon|tue|wed|thu|fri|sat|sun)(?:day)?\b|"
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|march|apr(?:il)?|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b|"
    # "one" stays allowed: "one code per order", "within one business day" are policy, not data.
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|hundred)\b",
    re.IGNORECASE,
)


def rejection(
    act: str, delexicalised: str, filled: str, facts: Dict[str, str], tier: Optional[str] = None
) -> Optional[str]:
    """Why the reply must not be sent, or None if it may.

    Args:
        act: the dialogue act the reply answers.
        delexicalised: the model's output, with `[slot]` placeholders.
        filled: the same reply with the placeholders filled from `facts`.
        facts: slot -> value, all from the data layer.
        tier: the customer's tier; a reply may name only that one.
    """
    if not filled.strip():
        return "empty reply"
    used = placeholders_in(delexicalised)
    allowed = set(required_slots(act)) | {s for s in OPTIONAL_SLOTS if facts.get(s)}
    unknown = sorted(set(used) - allowed)
    if unknown:
        return f"placeholder not in the facts: {unknown[0]}"
    missing = [s for s in required_slots(act) if s not in used]
    if missing:
        return f"missing slot: {missing[0]}"
    repeated = sorted(s for s in set(used) if used.count(s) > MAX_PLACEHOLDER_USES)
    if repeated:
        return f"placeholder repeated: {repeated[0]}"
    if placeholders_in(filled) or "[" in filled or "]" in filled:
        return "leftover placeholder"
    # Whatever remains once the facts are taken out was written by the model alone.
    model_words = filled
    for value in sorted((str(v) for v in facts.values() if str(v)), key=len, reverse=True):
        model_words = model_words.replace(value, " ")
    invented = FACT_LIKE.search(model_words)
    if invented:
        return f"fact not in the data: {invented.group(0)!r}"
    # A reply cut off at the token limit ends mid-sentence; lists and checkpoints end on a placeholder.
    if not delexicalised.rstrip().endswith((".", "!", "?", "]")):
        return "unfinished reply"
    words = re.findall(r"[\w'-]+", filled.lower())
    if not MIN_WORDS <= len(words) <= MAX_WORDS:
        return f"length {len(words)} words"
    named_tiers = set(re.findall(r"\b(gold|silver)\b", model_words.lower()))
    if tier is not None and named_tiers - {tier}:
        return f"wrong tier named: {sorted(named_tiers - {tier})[0]}"
    offensive = OFFENSIVE_WORDS.intersection(re.findall(r"[a-z]+", model_words.lower()))
    if offensive:
        return "offensive word"
    model_only = re.findall(r"[\w'-]+", model_words.lower())
    fourgrams = [tuple(model_only[i:i + 4]) for i in range(len(model_only) - 3)]
    if len(fourgrams) != len(set(fourgrams)):
        return "repetition"
    return None
