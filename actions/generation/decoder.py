"""A lean GPT-2 forward pass with a key/value cache, in numpy, for fast replies on a CPU.

transformers' GPT-2 spends most of a small model's time in framework bookkeeping per layer; this
runs the same arithmetic on the same weights in a few array calls (a test checks the logits and
greedy output match transformers'), so a 40-token reply takes tens of milliseconds, and the
action server needs neither PyTorch nor TensorFlow to write replies.
"""

import math
from typing import TYPE_CHECKING, AbstractSet, Any, Dict, List, Mapping, Optional, Sequence, Tuple

if TYPE_CHECKING:
    import numpy as np

# numpy is imported where it is used: the action server imports this module at start, and a
# template-only server need not pay for it (0.1 s and 20 MB).

# One layer's cache: keys and values, each [heads, positions so far, head dims].
LayerCache = Optional[Tuple["np.ndarray", "np.ndarray"]]


class CachedGpt2Decoder:
    """Greedy or sampled decoding with a GPT-2's weights, with reply constraints."""

    def __init__(self, weights: Mapping[str, "np.ndarray"], config: Any):
        """Args:
            weights: the arrays of a GPT2LMHeadModel's state dict, under its names
                (`transformer.wte.weight`, `transformer.h.0.attn.c_attn.weight`, ...).
            config: a GPT2Config (or anything with n_head, n_embd, n_layer, layer_norm_epsilon).
        """
        import numpy as np

        array = lambda name: np.ascontiguousarray(weights[name], dtype=np.float32)  # noqa: E731
        self.heads, self.dims, self.eps = config.n_head, config.n_embd, float(config.layer_norm_epsilon)
        self.head_dims = self.dims // self.heads
        self.inverse_dims = np.float32(1 / self.dims)
        self.scale = np.float32(1 / math.sqrt(self.head_dims))
        self.token_embedding = array("transformer.wte.weight")
        # The output layer is tied to the token embedding; transposed once, not per token.
        self.output = np.ascontiguousarray(self.token_embedding.T)
        self.position_embedding = array("transformer.wpe.weight")
        self.final_norm = (array("transformer.ln_f.weight"), array("transformer.ln_f.bias"))
        self.layers: List[Dict[str, Tuple["np.ndarray", "np.ndarray"]]] = []
        for i in range(config.n_layer):
            prefix = f"transformer.h.{i}."
            # GPT-2's Conv1D keeps weights as [in, out]: x @ weight, no transpose.
            pair = lambda name: (array(prefix + name + ".weight"), array(prefix + name + ".bias"))  # noqa: E731
            self.layers.append(
                dict(norm1=pair("ln_1"), qkv=pair("attn.c_attn"), proj=pair("attn.c_proj"),
                     norm2=pair("ln_2"), up=pair("mlp.c_fc"), down=pair("mlp.c_proj"))
            )

    def _layer_norm(self, x: "np.ndarray", weight: "np.ndarray", bias: "np.ndarray") -> "np.ndarray":
        import numpy as np

        # Sums rather than np.mean, whose Python wrapper costs more than the arithmetic here.
        centred = x - x.sum(-1, keepdims=True) * self.inverse_dims
        variance = (centred * centred).sum(-1, keepdims=True) * self.inverse_dims
        return centred * (1 / np.sqrt(variance + self.eps)) * weight + bias

    def logits(self, tokens: Sequence[int], start: int, cache: List[LayerCache]) -> "np.ndarray":
        """Next-token logits after `tokens` (positions from `start`), extending `cache` in place."""
        import numpy as np

        ids = np.asarray(tokens, dtype=np.int64)
        count = ids.shape[0]
        x = self.token_embedding[ids] + self.position_embedding[start:start + count]
        mask = None
        if count > 1:
            # Query i sees the cached positions and the new ones up to itself.
            mask = np.triu(np.full((count, start + count), -np.inf, dtype=np.float32), start + 1)
        for index, layer in enumerate(self.layers):
            h = self._layer_norm(x, *layer["norm1"])
            weight, bias = layer["qkv"]
            q, k, v = (h @ weight + bias).reshape(count, 3, self.heads, self.head_dims).transpose(1, 2, 0, 3)
            earlier = cache[index]
            if earlier is not None:
                k, v = np.concatenate([earlier[0], k], 1), np.concatenate([earlier[1], v], 1)
            cache[index] = (k, v)
            scores = (q * self.scale) @ k.transpose(0, 2, 1)
            if mask is not None:
                scores += mask
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            attended = (scores / scores.sum(-1, keepdims=True)) @ v
            weight, bias = layer["proj"]
            x = x + attended.transpose(1, 0, 2).reshape(count, self.dims) @ weight + bias
            h = self._layer_norm(x, *layer["norm2"])
            up_weight, up_bias = layer["up"]
            down_weight, down_bias = layer["down"]
            x = x + _gelu(h @ up_weight + up_bias) @ down_weight + down_bias
        return self._layer_norm(x[-1], *self.final_norm) @ self.output

    def continue_text(
        self,
        prompt: Sequence[int],
        max_tokens: int,
        end_id: int,
        banned: AbstractSet[int] = frozenset(),
        required: AbstractSet[int] = frozenset(),
        seed: Optional[int] = None,
        top_p: float = 0.9,
        temperature: float = 0.8,
    ) -> List[int]:
        """The tokens after `prompt`, up to `end_id` (excluded) or `max_tokens`.

        Args:
            banned: tokens never written.
            required: tokens that must all be written before `end_id` may be.
            seed: sample (top-p) with this seed; None decodes greedily.
        """
        import numpy as np

        cache: List[LayerCache] = [None] * len(self.layers)
        generator = np.random.default_rng(seed) if seed is not None else None
        logits = self.logits(prompt, 0, cache)
        position = len(prompt)
        written: List[int] = []
        banned_ids = np.array(sorted(banned), dtype=np.int64)
        for _ in range(max_tokens):
            logits[banned_ids] = -np.inf
            if not required <= set(written):
                logits[end_id] = -np.inf
            token = _pick(logits, generator, top_p, temperature)
            if token == end_id:
                break
            written.append(token)
            logits = self.logits([token], position, cache)
            position += 1
        return written


def _gelu(x: "np.ndarray") -> "np.ndarray":
    """GPT-2's GELU, the tanh approximation ("gelu_new")."""
    import numpy as np

    return 0.5 * x * (1 + np.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))


def _pick(logits: "np.ndarray", generator: Optional["np.random.Generator"], top_p: float, temperature: float) -> int:
    import numpy as np

    if generator is None:
        return int(logits.argmax())
    # float64: the cumulative sums of thousands of small probabilities stay exact enough.
    scaled = logits.astype(np.float64) / temperature
    probabilities = np.exp(scaled - scaled.max())
    probabilities /= probabilities.sum()
    order = np.argsort(-probabilities, kind="stable")
    ordered = probabilities[order]
    # The smallest set of most likely tokens whose mass reaches top_p (at least the first).
    cumulative = np.cumsum(ordered * (np.cumsum(ordered) - ordered < top_p))
    choice = np.searchsorted(cumulative, generator.random() * cumulative[-1], side="right")
    return int(order[min(choice, len(order) - 1)])
