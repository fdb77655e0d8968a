"""The project's generator corpus (actions/generation/corpus/*.yml, outside data/ because Rasa
reads every YAML file there): act + profile -> reference replies."""

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Tuple

import yaml

from actions.customer_profile import Profile
from actions.generation.formulation import placeholders_in

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
# Every HELD_OUT_EVERY-th reference of each act is the test split; the rest train.
HELD_OUT_EVERY = 5


@dataclass(frozen=True)
class Example:
    act: str
    profile: Profile
    reference: str  # delexicalised


def load_examples(corpus_dir: Path = CORPUS_DIR) -> List[Tuple[Example, bool]]:
    """Every reference with whether it is held out, in file and act order."""
    examples = []
    for path in sorted(corpus_dir.glob("*.yml")):
        for act, spec in (yaml.safe_load(path.read_text()) or {}).get("acts", {}).items():
            for index, ref in enumerate(spec["references"]):
                # The model learns to use [name] only when the profile says a name is known.
                name = "Name" if "name" in placeholders_in(ref["text"]) else None
                profile = Profile(tier=ref["tier"], mood=ref["mood"], name=name)
                examples.append((Example(act, profile, ref["text"].strip()), index % HELD_OUT_EVERY == HELD_OUT_EVERY - 1))
    return examples


def split(examples: Iterable[Tuple[Example, bool]]) -> Tuple[List[Example], List[Example]]:
    """(train, test) lists."""
    pairs = list(examples)
    return [e for e, held_out in pairs if not held_out], [e for e, held_out in pairs if held_out]
