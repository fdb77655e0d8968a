"""Cleaning of what customers type before it reaches NLU, shared by every channel."""

import re
import unicodedata
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage

# Longer messages are cut: BERT reads 512 word pieces at most, and a pasted
# novel should not hold a worker for seconds. Nothing a customer needs to say
# takes more than this.
MAX_MESSAGE_CHARS = 2000

EMPTY_MESSAGE_REPLY = "It looks like your message was empty. What can I help you with?"

# Control and format characters (C0/C1, zero-width, bidi overrides) carry no
# meaning for NLU and can break tokenisers and logs.
_INVISIBLE = re.compile(r"[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SPACES = re.compile(r"\s+")


def clean_user_text(text: Any) -> str:
    """Returns `text` normalised (NFC), without control characters, whitespace folded, capped.

    Args:
        text: the message as the channel received it; anything but a string counts as empty.
    """
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    return text[:MAX_MESSAGE_CHARS].rstrip()


def with_clean_text(
    on_new_message: Callable[[UserMessage], Awaitable[Any]]
) -> Callable[[UserMessage], Awaitable[Any]]:
    """Wraps a channel's message handler so NLU only sees cleaned, non-empty text.

    An empty message is answered directly and never reaches the tracker.
    """

    async def handle(message: UserMessage) -> Any:
        message.text = clean_user_text(message.text)
        if not message.text:
            await message.output_channel.send_text_message(message.sender_id, EMPTY_MESSAGE_REPLY)
            return None
        return await on_new_message(message)

    return handle
