"""Sends an act's reply: GPT-2 phrased and checked when enabled, the domain template otherwise."""

import asyncio
import functools
import logging
from typing import Any, Dict, Optional

from rasa_sdk.executor import CollectingDispatcher

from actions import config
from actions.generation.acts import template_response
from actions.customer_profile import Profile
from actions.generation.formulation import lexicalise
from actions.generation.guardrail import rejection
from actions.generation.model import ReplyModel, reply_model

logger = logging.getLogger(__name__)


# Loading happens once per process (tokenizer, weights); it must not count against a reply's time.
MODEL_LOAD_TIMEOUT_SECONDS = 120


def generate(model: ReplyModel, act: str, facts: Dict[str, str], profile: Profile) -> Optional[str]:
    """The model's reply with the facts filled in, or None (logged) if it must not be sent."""
    delexicalised = model.write(act, profile, config.generator_max_tokens(), config.generator_seed_or_none())
    filled = lexicalise(delexicalised, facts)
    reason = rejection(act, delexicalised, filled, facts, profile.tier)
    if reason is not None:
        # The act and the reason only: the reply itself holds customer data.
        logger.warning("generated reply for %s rejected: %s", act, reason)
        return None
    return filled


async def send_reply(
    dispatcher: CollectingDispatcher,
    act: str,
    facts: Dict[str, Any],
    profile: Profile,
    then: str = "",
    **template_only: Any,
) -> None:
    """Sends the reply to `act`; every fact in it comes from `facts`, whichever path writes it.

    Args:
        then: text sent after a generated reply (a tracking timeline), which the template
            shows through `template_only`.
        template_only: further values the template's wording uses.
    """
    facts = {slot: str(value) for slot, value in facts.items()}
    if profile.name:
        facts["name"] = profile.name
    text = None
    if config.generator_backend() == "gpt2":
        loop = asyncio.get_running_loop()
        try:
            model = await asyncio.wait_for(
                loop.run_in_executor(None, reply_model, config.generator_model_dir()), MODEL_LOAD_TIMEOUT_SECONDS
            )
            text = await asyncio.wait_for(
                loop.run_in_executor(None, functools.partial(generate, model, act, facts, profile)),
                config.generator_timeout_seconds(),
            )
        except asyncio.TimeoutError:
            logger.warning("generated reply for %s took too long; template sent", act)
        except Exception as error:  # a missing or broken model must never cost the customer a reply
            logger.warning("generator failed for %s: %s; template sent", act, type(error).__name__)
    if text is None:
        dispatcher.utter_message(response=template_response(act), **facts, **template_only)
    else:
        dispatcher.utter_message(text=f"{text}\n{then}" if then else text)
