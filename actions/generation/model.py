"""The GPT-2 that writes delexicalised replies; loaded once per process, on first use."""

import functools
import os
import sys
import threading
from pathlib import Path
from typing import Optional

from actions.generation.acts import ALL_SLOTS, placeholder, required_slots
from actions.customer_profile import Profile
from actions.generation.formulation import END_MARK, prompt

# The weights under GPT2LMHeadModel's state-dict names, as scripts/train_generator.py writes them.
WEIGHTS_FILE = "model.safetensors"


class ReplyModel:
    """A trained GPT-2 and its tokenizer, with decoding constrained to the act's placeholders."""

    def __init__(self, model_dir: Path):
        # Imported here: the action server imports every module under actions/ at start. Only
        # the tokenizer and config come from transformers, which would otherwise import
        # TensorFlow (installed for Rasa) or PyTorch (if present); numpy runs the model.
        os.environ.setdefault("USE_TF", "0")
        os.environ.setdefault("USE_TORCH", "0")
        # One BLAS thread: the matrices are small, and waking a second thread on 2 shared cores
        # cost more than it saved (p50 38 against 34 ms, p95 55-230 against 48 ms). numpy reads
        # it when first imported, which in the action server is here; set only then, so that
        # a process that already uses numpy (and the servers it starts) keeps its setting.
        if "numpy" not in sys.modules:
            os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        from safetensors.numpy import load_file
        from transformers import GPT2Config, PreTrainedTokenizerFast

        from actions.generation.decoder import CachedGpt2Decoder

        self.tokenizer = PreTrainedTokenizerFast.from_pretrained(str(model_dir))
        self.decoder = CachedGpt2Decoder(
            load_file(str(model_dir / WEIGHTS_FILE)), GPT2Config.from_pretrained(str(model_dir))
        )
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
