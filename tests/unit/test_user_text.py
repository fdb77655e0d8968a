import pytest

from rasa_server.channels.user_text import EMPTY_MESSAGE_REPLY, MAX_MESSAGE_CHARS, clean_user_text, with_clean_text


@pytest.mark.parametrize(
    "raw, cleaned",
    [
        ("  where is my order  ", "where is my order"),
        ("where\x00 is\x07 my\x1b order", "where is my order"),
        ("line one\r\nline two\ttab", "line one line two tab"),
        ("zero\u200bwidth", "zero width"),
        ("Cafe\u0301", "Café"),  # NFC joins the combining accent
        ("wo ist meine bestellung 😡📦", "wo ist meine bestellung 😡📦"),
        ("我的订单在哪里", "我的订单在哪里"),
        ("", ""),
        (" \t\n ", ""),
        (None, ""),
        (42, ""),
    ],
)
def test_clean_user_text(raw, cleaned):
    assert clean_user_text(raw) == cleaned


def test_long_messages_are_capped():
    assert len(clean_user_text("refund " * 3000)) <= MAX_MESSAGE_CHARS


class RecordingOutput:
    def __init__(self):
        self.sent = []

    async def send_text_message(self, recipient_id, text, **kwargs):
        self.sent.append((recipient_id, text))


class Message:
    def __init__(self, text):
        self.text = text
        self.sender_id = "customer-1"
        self.output_channel = RecordingOutput()


async def test_empty_message_is_answered_without_reaching_nlu():
    handled = []

    async def on_new_message(message):
        handled.append(message.text)

    message = Message(" \x00 \n")
    await with_clean_text(on_new_message)(message)
    assert handled == []
    assert message.output_channel.sent == [("customer-1", EMPTY_MESSAGE_REPLY)]


async def test_text_reaches_nlu_cleaned():
    handled = []

    async def on_new_message(message):
        handled.append(message.text)

    await with_clean_text(on_new_message)(Message("  hi\x00 there "))
    assert handled == ["hi there"]
