"""echo_customer_text: what a reply may quote of customer input."""

import pytest

from actions.formatting import ECHO_MARKUP_CHARACTERS, ECHO_MAX_CHARS, echo_customer_text


@pytest.mark.parametrize(
    "typed, quoted",
    [
        ("Gooseneck kettle", "Gooseneck kettle"),
        ("BC-KI-0012", "BC-KI-0012"),
        ("men's trail shoes (size 42)", "men's trail shoes (size 42)"),
        ("Zürich café 😀", "Zürich café 😀"),
        ("<img src=x onerror=alert(1)>", "img src=x onerror=alert(1)"),
        ("<script>alert('x')</script>", "scriptalert('x')/script"),
        ('x" onmouseover="steal()', "x onmouseover=steal()"),
        ("&lt;b&gt;", "lt;bgt;"),
        ("[win a prize](https://evil.example/login)", "win a prize(https://evil.example/login)"),
        ("![pixel](https://evil.example/track.png)", "!pixel(https://evil.example/track.png)"),
        ("**urgent** `code` __bold__ ~~gone~~ back\\slash", "urgent code bold gone backslash"),
        ("line one\nline two\r\n\tend", "line one line two end"),
        ("evil\u202eexe.txt zero\u200bwidth nul\x00byte", "evil exe.txt zero width nul byte"),
        ("   ", ""),
        ("<>&", ""),
        (None, ""),
        (42, ""),
    ],
)
def test_quotes_words_without_markup(typed, quoted):
    assert echo_customer_text(typed) == quoted


def test_long_input_is_capped_with_an_ellipsis():
    quoted = echo_customer_text("kettle " * 100)
    assert len(quoted) == ECHO_MAX_CHARS
    assert quoted.endswith("\u2026")
    assert quoted.startswith("kettle kettle")


def test_input_of_exactly_the_cap_is_kept_whole():
    assert echo_customer_text("k" * ECHO_MAX_CHARS) == "k" * ECHO_MAX_CHARS


def test_no_markup_character_survives_any_mix():
    everything = "".join(sorted(ECHO_MARKUP_CHARACTERS)) * 3 + "<a href='x'>link</a>"
    assert not set(echo_customer_text(everything)) & ECHO_MARKUP_CHARACTERS
