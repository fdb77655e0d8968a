"""Builds the reply generator: a byte-level BPE tokenizer and a GPT-2 trained on the project's corpus.

Usage:
    python -m scripts.train_generator [--out DIR] [--epochs N] [--base-model DIR_OR_NAME]

Without --base-model a small GPT-2 is trained from scratch (no pretrained weights are needed);
with it, that pretrained GPT-2 is fine-tuned on the same data.
"""

import argparse
import logging
import math
import os
import random
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from actions.config import DEFAULT_GENERATOR_MODEL_DIR
from actions.generation.acts import ALL_SLOTS, placeholder
from actions.generation.corpus import CORPUS_DIR, Example, load_examples, split
from actions.generation.formulation import END_MARK, PAD_MARK, SPECIAL_TOKENS, prompt
from actions.generation.model import WEIGHTS_FILE

if TYPE_CHECKING:
    import numpy as np

SEED = 2718
BATCH_SIZE = 16
WARMUP_SHARE = 0.05
WEIGHT_DECAY = 0.01
logger = logging.getLogger(__name__)


def training_text(example: Example) -> str:
    return f"{prompt(example.act, example.profile)} {example.reference}{END_MARK}"


def train_tokenizer(texts: List[str], vocab_size: int):
    """A byte-level BPE on the corpus; markers and placeholders are single tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    special = SPECIAL_TOKENS + [placeholder(s) for s in ALL_SLOTS]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(
        texts,
        trainers.BpeTrainer(
            vocab_size=vocab_size, min_frequency=2, special_tokens=special,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        ),
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, bos_token=END_MARK, eos_token=END_MARK, pad_token=PAD_MARK,
        model_input_names=["input_ids", "attention_mask"],  # GPT-2 takes no token types
    )
    tokenizer.add_special_tokens({"additional_special_tokens": special[2:]})
    return tokenizer


def pretrained_tokenizer(base_model: str):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base_model)
    special = SPECIAL_TOKENS[2:] + [placeholder(s) for s in ALL_SLOTS]
    tokenizer.add_special_tokens({"eos_token": END_MARK, "pad_token": PAD_MARK, "additional_special_tokens": special})
    return tokenizer


def build_model(tokenizer, base_model: Optional[str], layers: int, dims: int, heads: int):
    from transformers import GPT2Config, TFGPT2LMHeadModel

    end_id = tokenizer.convert_tokens_to_ids(END_MARK)
    if base_model:
        # A folder with tf_model.h5, or model.safetensors as this script writes it; PyTorch-only
        # checkpoints (pytorch_model.bin) would need torch.
        model = TFGPT2LMHeadModel.from_pretrained(base_model)
        model.resize_token_embeddings(len(tokenizer))
    else:
        config = GPT2Config(
            vocab_size=len(tokenizer), n_positions=160, n_embd=dims, n_layer=layers, n_head=heads,
            bos_token_id=end_id, eos_token_id=end_id,
        )
        model = TFGPT2LMHeadModel(config)
        model(model.dummy_inputs)  # creates the variables
        scale_residual_projections(model)
    model.config.pad_token_id = tokenizer.pad_token_id
    return model


def scale_residual_projections(model) -> None:
    """Initialises the projections into the residual stream as GPT-2 (and transformers'
    PyTorch GPT2LMHeadModel) do, with std 0.02 / sqrt(2 * layers); the TF model uses 0.02."""
    import tensorflow as tf

    std = model.config.initializer_range / math.sqrt(2 * model.config.n_layer)
    for variable, name in zip(model.trainable_weights, pytorch_names(model)):
        if name.endswith("c_proj.weight"):
            variable.assign(tf.random.normal(variable.shape, stddev=std))


def pytorch_names(model) -> List[str]:
    """The GPT2LMHeadModel state-dict name of each of `model`'s trainable weights."""
    from transformers.modeling_tf_pytorch_utils import convert_tf_weight_name_to_pt_weight_name

    return [convert_tf_weight_name_to_pt_weight_name(v.name, tf_weight_shape=v.shape)[0] for v in model.trainable_weights]


def pytorch_state_dict(model) -> Dict[str, "np.ndarray"]:
    """The model's weights as GPT2LMHeadModel holds them (its output layer is the token embedding).

    Conv1D weights are [in, out] in both frameworks, so nothing is transposed; only the TF
    biases carry an extra leading axis.
    """
    return {
        name: variable.numpy().reshape(-1) if name.endswith(".bias") else variable.numpy()
        for name, variable in zip(pytorch_names(model), model.trainable_weights)
    }


def padded_batch(sequences: List[List[int]], pad_id: int) -> Tuple["np.ndarray", "np.ndarray"]:
    """Token ids padded on the right to the longest sequence, and the attention mask."""
    import numpy as np

    ids = np.full((len(sequences), max(map(len, sequences))), pad_id, dtype=np.int32)
    mask = np.zeros_like(ids)
    for row, sequence in enumerate(sequences):
        ids[row, :len(sequence)] = sequence
        mask[row, :len(sequence)] = 1
    return ids, mask


def train(
    out_dir: Path,
    corpus_dir: Path = CORPUS_DIR,
    epochs: int = 60,
    base_model: Optional[str] = None,
    layers: int = 3,
    dims: int = 192,
    heads: int = 4,
    vocab_size: int = 2000,
    limit: Optional[int] = None,
) -> Path:
    """Trains on the corpus's train split and saves model + tokenizer to `out_dir`.

    The recipe is transformers' Trainer defaults, written out for TensorFlow: AdamW (no decay
    of biases and LayerNorm weights), linear warm-up over 5% of the steps then linear decay to
    0, gradients clipped to norm 1, dropout on, the next-token loss over all but padding.

    Args:
        limit: use only the first `limit` training examples (for quick tests).
    """
    import numpy as np
    import tensorflow as tf
    from safetensors.numpy import save_file

    random.seed(SEED)
    np.random.seed(SEED)
    tf.random.set_seed(SEED)
    train_examples, _ = split(load_examples(corpus_dir))
    texts = [training_text(e) for e in train_examples[:limit]]
    tokenizer = pretrained_tokenizer(base_model) if base_model else train_tokenizer(texts, vocab_size)
    model = build_model(tokenizer, base_model, layers, dims, heads)
    sequences = [tokenizer(t, truncation=True, max_length=160)["input_ids"] for t in texts]
    pad_id = tokenizer.pad_token_id
    steps_per_epoch = math.ceil(len(sequences) / BATCH_SIZE)
    total_steps = epochs * steps_per_epoch
    peak = 1e-3 if not base_model else 5e-5
    warmup_steps = math.ceil(WARMUP_SHARE * total_steps)
    # Set before every step from learning_rate(); weight decay scales with it, as in transformers.
    optimizer = tf.keras.optimizers.AdamW(
        learning_rate=0.0, weight_decay=WEIGHT_DECAY, beta_1=0.9, beta_2=0.999, epsilon=1e-8, global_clipnorm=1.0
    )
    variables = model.trainable_weights
    optimizer.exclude_from_weight_decay(
        var_list=[v for v, name in zip(variables, pytorch_names(model)) if name.endswith(".bias") or ".ln_" in name]
    )

    # Its slots are created now, or the first step would be traced twice.
    optimizer.build(variables)

    # Dynamic batch and length: one trace for every batch shape. Without autograph: the model's
    # Python needs no conversion, and converting it took seconds.
    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)] * 2, autograph=False)
    def train_step(input_ids, attention_mask):
        with tf.GradientTape() as tape:
            logits = model(input_ids=input_ids, attention_mask=attention_mask, training=True).logits
            # Each position predicts the next token; padding is no target (the end mark is).
            targets = input_ids[:, 1:]
            losses = tf.nn.sparse_softmax_cross_entropy_with_logits(targets, logits[:, :-1])
            counted = tf.cast(tf.not_equal(targets, pad_id), losses.dtype)
            loss = tf.reduce_sum(losses * counted) / tf.reduce_sum(counted)
        gradients = tape.gradient(loss, variables)
        # The embeddings' gradients come as slices with repeated rows; dense, so that the
        # clipping norm counts each row once.
        gradients = [tf.convert_to_tensor(g) for g in gradients]
        optimizer.apply_gradients(zip(gradients, variables))
        return loss

    order = np.random.default_rng(SEED)
    step = 0
    for epoch in range(1, epochs + 1):
        shuffled = order.permutation(len(sequences))
        losses = []
        for first in range(0, len(shuffled), BATCH_SIZE):
            input_ids, attention_mask = padded_batch([sequences[i] for i in shuffled[first:first + BATCH_SIZE]], pad_id)
            optimizer.learning_rate.assign(learning_rate(step, peak, warmup_steps, total_steps))
            losses.append(float(train_step(tf.constant(input_ids), tf.constant(attention_mask))))
            step += 1
        logger.info("epoch %d/%d: loss %.4f", epoch, epochs, sum(losses) / len(losses))

    staging = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    # Readable by the numpy decoder and by transformers' GPT2LMHeadModel and TFGPT2LMHeadModel.
    model.config.architectures = ["GPT2LMHeadModel"]
    model.config.save_pretrained(staging)
    save_file(pytorch_state_dict(model), str(staging / WEIGHTS_FILE), metadata={"format": "pt"})
    tokenizer.save_pretrained(staging)
    # Swapped in whole, so a running action server never sees half a model.
    shutil.rmtree(out_dir, ignore_errors=True)
    staging.rename(out_dir)
    return out_dir


def learning_rate(step: int, peak: float, warmup_steps: int, total_steps: int) -> float:
    """Rises from 0 to `peak` over `warmup_steps`, then falls linearly to 0 at `total_steps`, as
    transformers' get_linear_schedule_with_warmup (so the very first update has rate 0 too)."""
    if step < warmup_steps:
        return peak * step / max(1, warmup_steps)
    return peak * max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_GENERATOR_MODEL_DIR)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--base-model", help="a pretrained GPT-2 folder or hub name to fine-tune")
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--dims", type=int, default=192)
    args = parser.parse_args()
    # The model trains with TensorFlow (installed for Rasa), whatever the caller's environment
    # says, and transformers must not look for PyTorch. Set here, not at import: tests import
    # this module and later start Rasa servers.
    os.environ["USE_TF"] = "1"
    os.environ["USE_TORCH"] = "0"
    logging.basicConfig(level=logging.INFO)
    out = train(args.out, epochs=args.epochs, base_model=args.base_model, layers=args.layers, dims=args.dims)
    print(f"generator saved to {out}")


if __name__ == "__main__":
    main()
