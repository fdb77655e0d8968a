"""Customer-style noise for training text: typos, casing, texting short forms, no punctuation.

Our training examples are written tidily; customers are not. The intent-tuned BERT sees a
noisy copy of some examples in each epoch (components/intent_tuned_bert_featurizer.py), so
its features do not depend on spelling and punctuation the way our writing does. Nothing
noisy is stored: the copies are made afresh, from a seeded generator, at training time.
"""

import re
from typing import Callable, List, Text

import numpy as np

# Short forms people type in chats, as whole words.
SHORT_FORMS = {
    "you": "u", "your": "ur", "are": "r", "please": "pls", "thanks": "thx", "thank you": "ty",
    "because": "cuz", "i am": "im", "don't": "dont", "can't": "cant", "it's": "its", "what": "wat",
    "tomorrow": "tmrw", "message": "msg", "okay": "ok", "know": "kno",
}
SHORT_FORM_PATTERN = re.compile(r"\b(" + "|".join(re.escape(word) for word in sorted(SHORT_FORMS, key=len, reverse=True)) + r")\b", re.IGNORECASE)
# Words of letters only, not inside an email, a domain or an id: those keep their shape.
WORD = re.compile(r"(?<![\w.@-])[^\W\d_]{4,}(?![\w@-]|\.\w)")


def _typo(text: Text, random: np.random.RandomState) -> Text:
    """One slip in one longer word: a letter dropped, doubled or swapped with the next."""
    words = list(WORD.finditer(text))
    if not words:
        return text
    word = words[random.randint(len(words))]
    position = word.start() + random.randint(1, len(word.group()) - 1)
    kind = random.randint(3)
    if kind == 0:
        return text[:position] + text[position + 1:]
    if kind == 1:
        return text[:position] + text[position] + text[position:]
    return text[: position - 1] + text[position] + text[position - 1] + text[position + 1:]


def _short_forms(text: Text, random: np.random.RandomState) -> Text:
    return SHORT_FORM_PATTERN.sub(lambda match: SHORT_FORMS[match.group().lower()], text)


def _no_punctuation(text: Text, random: np.random.RandomState) -> Text:
    # Only sentence punctuation: "#100032", emails and "ORD-100032" keep their marks.
    return re.sub(r"[,.!?;:](?=\s|$)", "", text)


def _lower(text: Text, random: np.random.RandomState) -> Text:
    return text.lower()


def _upper(text: Text, random: np.random.RandomState) -> Text:
    return text.upper()


# Each kind of noise with its share of the noisy copies.
NOISE: List[Callable[[Text, np.random.RandomState], Text]] = [_typo, _typo, _short_forms, _no_punctuation, _lower, _upper]


def noisy(text: Text, random: np.random.RandomState) -> Text:
    """`text` with one or two kinds of customer noise, chosen by `random`."""
    for _ in range(1 + random.randint(2)):
        text = NOISE[random.randint(len(NOISE))](text, random)
    return text
