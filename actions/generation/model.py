"""The GPT-2 that writes delexicalised replies; loaded once per process, on first use."""

import functools
import os
import threading
from pathlib import Path
from typing import Optional

from actions.generation.acts import ALL_SLOTS, placeholder, required_slots
from actions.customer_profile import Profile
from actions.generation.formulation import END_MARK, prompt


class ReplyModel:
    """A trained GPT-2 and its tokenizer, with decoding constrained to the act's placeholders."""

    def __init__(self, model_dir: Path):
        # Imported here: the action server imports every module under actions/ at start, and
        # transformers would import TensorFlow (installed for Rasa) unless told not to.
        os.environ.setdefault("USE_TF", "0")
        from transformers import GPT2LMHeadModel, PreTrainedTokenizerFast

        from actions.generation.decoder import CachedGpt2Decoder

        self.tokenizer = PreTrainedTokenizerFast.from_pretrained(str(model_dir))
        self.decoder = CachedGpt2Decoder(GPT2LMHeadModel.from_pretrained(str(model_dir)).eval())
        self.end_id = self.tokenizer.convert_tokens_to_ids(END_MARK)
        self.placeholder_ids = {s: self.tokenizer.convert_tokens_to_ids(placeholder(s)) for s in ALL_SLOTS}
        # One generation at a time: a second would only slow the first down on 2 cores.
        self._lock = threading.Lock()

    def write(
        self, act: str, profile: Profile, max_tokens: int, seed: Optional[int] = None, constrained: bool = True
    ) -> str:
        """The delexicalised reply to `act`: greedy, or sampled with `seed`.

        Constrained (the default, what customers get): only the act's placeholders (and [name]
        when the name is known) can be written, and the reply cannot end before each required
        placeholder has appeared. Unconstrained output is what the evaluation calls raw.
        """
        allowed = set(required_slots(act)) | ({"name"} if profile.name else set())
        banned = {token for slot, token in self.placeholder_ids.items() if slot not in allowed}
        required = {self.placeholder_ids[s] for s in required_slots(act)}
        prompt_ids = self.tokenizer(prompt(act, profile), return_token_type_ids=False)["input_ids"]
        with self._lock:
            tokens = self.decoder.continue_text(
                prompt_ids, max_tokens, self.end_id,
                banned=banned if constrained else set(), required=required if constrained else set(), seed=seed,
            )
        return self.tokenizer.decode(tokens).strip()


@functools.lru_cache(maxsize=4)
def reply_model(model_dir: Path) -> ReplyModel:
    """The process's model for `model_dir`, loaded on the first call."""
    return ReplyModel(model_dir)
