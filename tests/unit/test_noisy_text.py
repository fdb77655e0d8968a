"""Customer-style noise for the intent-tuned BERT's training text."""

import numpy as np
import pytest

from components.noisy_text import NOISE, noisy

TEXTS = ["Where is my order #100032? Thank you, I am waiting.", "please cancel ORD-100016, you are slow!",
         "my email is anna.k@web.de", "hi"]


@pytest.mark.parametrize("text", TEXTS)
def test_noise_keeps_order_numbers_and_emails_whole(text):
    random = np.random.RandomState(7)
    for _ in range(200):
        changed = noisy(text, random)
        for token in ("100032", "100016", "anna.k@web.de"):
            if token in text:
                assert token in changed.lower()


def test_every_kind_of_noise_is_used_and_changes_something():
    random = np.random.RandomState(3)
    changed = {kind.__name__: kind(TEXTS[1], random) for kind in NOISE}
    assert changed["_short_forms"] == "pls cancel ORD-100016, u r slow!"
    assert changed["_no_punctuation"] == "please cancel ORD-100016 you are slow"
    assert changed["_lower"] == TEXTS[1].lower() and changed["_upper"] == TEXTS[1].upper()
    assert changed["_typo"] != TEXTS[1] and len(changed["_typo"]) in range(len(TEXTS[1]) - 1, len(TEXTS[1]) + 2)


def test_the_same_seed_gives_the_same_noise():
    first = [noisy(text, np.random.RandomState(11)) for text in TEXTS]
    assert first == [noisy(text, np.random.RandomState(11)) for text in TEXTS]
