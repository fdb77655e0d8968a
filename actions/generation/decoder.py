"""A lean GPT-2 forward pass with a key/value cache, for fast replies on a CPU.

transformers' GPT-2 spends most of a small model's time in Python bookkeeping per layer; this
runs the same arithmetic on the same weights in a few tensor calls (a test checks the logits
and greedy output match transformers'), so a 40-token reply takes tens of milliseconds.
"""

from typing import AbstractSet, List, Optional, Sequence

# torch is imported where it is used: the action server imports this module at start, and
# torch costs seconds and hundreds of MB that a template-only server should not pay.


class CachedGpt2Decoder:
    """Greedy or sampled decoding for a GPT2LMHeadModel's weights, with reply constraints."""

    def __init__(self, model):
        import torch
        import torch.nn.functional

        self._torch, self._functional = torch, torch.nn.functional
        config, weights = model.config, {k: v.detach() for k, v in model.state_dict().items()}
        self.heads, self.dims, self.eps = config.n_head, config.n_embd, config.layer_norm_epsilon
        self.token_embedding = weights["transformer.wte.weight"]
        self.position_embedding = weights["transformer.wpe.weight"]
        self.final_norm = (weights["transformer.ln_f.weight"], weights["transformer.ln_f.bias"])
        self.layers = []
        for i in range(config.n_layer):
            prefix = f"transformer.h.{i}."
            pair = lambda name: (weights[prefix + name + ".weight"], weights[prefix + name + ".bias"])  # noqa: E731
            self.layers.append(
                dict(norm1=pair("ln_1"), qkv=pair("attn.c_attn"), proj=pair("attn.c_proj"),
                     norm2=pair("ln_2"), up=pair("mlp.c_fc"), down=pair("mlp.c_proj"))
            )

    def logits(self, tokens, start: int, cache: List[Optional[tuple]]):
        """Next-token logits after `tokens` (positions from `start`), extending `cache` in place."""
        torch, F = self._torch, self._functional
        count, head_dims = tokens.shape[0], self.dims // self.heads
        x = self.token_embedding[tokens] + self.position_embedding[start:start + count]
        for index, layer in enumerate(self.layers):
            h = F.layer_norm(x, (self.dims,), *layer["norm1"], self.eps)
            weight, bias = layer["qkv"]
            q, k, v = torch.addmm(bias, h, weight).view(count, 3, self.heads, head_dims).permute(1, 2, 0, 3)
            earlier = cache[index]
            if earlier is not None:
                k, v = torch.cat([earlier[0], k], 1), torch.cat([earlier[1], v], 1)
            cache[index] = (k, v)
            attended = F.scaled_dot_product_attention(q[None], k[None], v[None], is_causal=count > 1)[0]
            weight, bias = layer["proj"]
            x = x + torch.addmm(bias, attended.transpose(0, 1).reshape(count, self.dims), weight)
            h = F.layer_norm(x, (self.dims,), *layer["norm2"], self.eps)
            up_weight, up_bias = layer["up"]
            down_weight, down_bias = layer["down"]
            x = x + torch.addmm(down_bias, F.gelu(torch.addmm(up_bias, h, up_weight), approximate="tanh"), down_weight)
        last = F.layer_norm(x[-1:], (self.dims,), *self.final_norm, self.eps)
        return (last @ self.token_embedding.T)[0]

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
        torch = self._torch
        with torch.inference_mode():
            cache: List[Optional[tuple]] = [None] * len(self.layers)
            generator = torch.Generator().manual_seed(seed) if seed is not None else None
            logits = self.logits(torch.tensor(list(prompt)), 0, cache)
            position = len(prompt)
            written: List[int] = []
            banned_ids = torch.tensor(sorted(banned), dtype=torch.long)
            for _ in range(max_tokens):
                logits[banned_ids] = -float("inf")
                if not required <= set(written):
                    logits[end_id] = -float("inf")
                token = self._pick(logits, generator, top_p, temperature)
                if token == end_id:
                    break
                written.append(token)
                logits = self.logits(torch.tensor([token]), position, cache)
                position += 1
            return written

    def _pick(self, logits, generator, top_p: float, temperature: float) -> int:
        torch = self._torch
        if generator is None:
            return int(logits.argmax())
        probabilities = torch.softmax(logits / temperature, -1)
        ordered, order = probabilities.sort(descending=True)
        keep = ordered.cumsum(0) - ordered < top_p
        choice = torch.multinomial(ordered * keep, 1, generator=generator)
        return int(order[choice])
