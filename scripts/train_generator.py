"""Builds the reply generator: a byte-level BPE tokenizer and a GPT-2 trained on the project's corpus.

Usage:
    python -m scripts.train_generator [--out DIR] [--epochs N] [--base-model DIR_OR_NAME]

Without --base-model a small GPT-2 is trained from scratch (no pretrained weights are needed);
with it, that pretrained GPT-2 is fine-tuned on the same data.
"""

import argparse
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import List, Optional

from actions.config import DEFAULT_GENERATOR_MODEL_DIR
from actions.generation.acts import ALL_SLOTS, placeholder
from actions.generation.corpus import CORPUS_DIR, Example, load_examples, split
from actions.generation.formulation import END_MARK, PAD_MARK, SPECIAL_TOKENS, prompt

SEED = 2718
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
    from transformers import GPT2Config, GPT2LMHeadModel

    end_id = tokenizer.convert_tokens_to_ids(END_MARK)
    if base_model:
        model = GPT2LMHeadModel.from_pretrained(base_model)
        model.resize_token_embeddings(len(tokenizer))
    else:
        config = GPT2Config(
            vocab_size=len(tokenizer), n_positions=160, n_embd=dims, n_layer=layers, n_head=heads,
            bos_token_id=end_id, eos_token_id=end_id,
        )
        model = GPT2LMHeadModel(config)
    model.config.pad_token_id = tokenizer.pad_token_id
    return model


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

    Args:
        limit: use only the first `limit` training examples (for quick tests).
    """
    import torch
    from transformers import DataCollatorForLanguageModeling, Trainer, TrainingArguments, set_seed

    set_seed(SEED)
    torch.use_deterministic_algorithms(True, warn_only=True)
    train_examples, _ = split(load_examples(corpus_dir))
    texts = [training_text(e) for e in train_examples[:limit]]
    tokenizer = pretrained_tokenizer(base_model) if base_model else train_tokenizer(texts, vocab_size)
    model = build_model(tokenizer, base_model, layers, dims, heads)
    dataset = [{"input_ids": tokenizer(t, truncation=True, max_length=160)["input_ids"]} for t in texts]
    with tempfile.TemporaryDirectory() as scratch:
        arguments = TrainingArguments(
            output_dir=scratch, num_train_epochs=epochs, per_device_train_batch_size=16, learning_rate=1e-3
            if not base_model else 5e-5, warmup_ratio=0.05, weight_decay=0.01, seed=SEED, data_seed=SEED,
            save_strategy="no", report_to=[], logging_steps=50, disable_tqdm=True, no_cuda=True,
        )
        trainer = Trainer(
            model=model, args=arguments, train_dataset=dataset,
            data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
        )
        trainer.train()
    staging = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    # Swapped in whole, so a running action server never sees half a model.
    shutil.rmtree(out_dir, ignore_errors=True)
    staging.rename(out_dir)
    return out_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_GENERATOR_MODEL_DIR)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--base-model", help="a pretrained GPT-2 folder or hub name to fine-tune")
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--dims", type=int, default=192)
    args = parser.parse_args()
    # transformers would otherwise import TensorFlow too (Rasa installs it): slow and noisy.
    # Set here, not at import: tests import this module and later start Rasa servers.
    os.environ.setdefault("USE_TF", "0")
    logging.basicConfig(level=logging.INFO)
    out = train(args.out, epochs=args.epochs, base_model=args.base_model, layers=args.layers, dims=args.dims)
    print(f"generator saved to {out}")


if __name__ == "__main__":
    main()
