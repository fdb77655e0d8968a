"""The blind NLU set (tests/nlu_blind/*.yml, written as BRIEF.md says) and its comparison
with the training data."""

import asyncio
import re
from pathlib import Path
from typing import Any, Dict, List

from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.config import PROJECT_DIR

BLIND_DIR = PROJECT_DIR / "tests" / "nlu_blind"
DATA_DIR = PROJECT_DIR / "data"
# fuzz.ratio (0-100) from which two normalised messages count as one written twice.
NEAR_DUPLICATE_SCORE = 90


def blind_files() -> List[Path]:
    return sorted(BLIND_DIR.glob("*.yml"))


def load(files: List[Path]) -> TrainingData:
    return TrainingData().merge(*(load_data(str(path)) for path in files))


def blind_set() -> TrainingData:
    return load(blind_files())


def training_set() -> TrainingData:
    return load([DATA_DIR / "nlu.yml", *sorted((DATA_DIR / "nlu").glob("*.yml"))])


def normalised(text: str) -> str:
    """Lower case, digits as 0 (another order number does not make another message), words only."""
    text = re.sub(r"\d", "0", text.lower())
    return " ".join(re.findall(r"[^\W_]+", text))


def near_duplicates(blind: List[str], training: List[str]) -> Dict[str, str]:
    """Each blind message whose normalised text is (nearly) a training message's -> that message."""
    from rapidfuzz import fuzz, process

    blind_texts = [normalised(text) for text in blind]
    training_texts = [normalised(text) for text in training]
    scores = process.cdist(blind_texts, training_texts, scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE_SCORE,
                           dtype="uint8", workers=-1)
    found = {}
    for row, text in enumerate(blind):
        column = int(scores[row].argmax())
        if scores[row, column] >= NEAR_DUPLICATE_SCORE:
            found[text] = training[column]
    return found


def routes(model: Path) -> List[Dict[str, Any]]:
    """What the trained model makes of each blind message, as the assistant acts on it: the
    intent after both fallbacks (`rasa test nlu` reports the intent a fallback replaced), and
    whether the change it starts offers the other request (actions/unsure_request.py)."""
    from rasa.core.agent import Agent

    from actions.unsure_request import close_alternative

    async def parse_all() -> List[Dict[str, str]]:
        agent = Agent.load(str(model))
        parsed = []
        for message in blind_set().intent_examples:
            result = await agent.parse_message(message.get("text"))
            parsed.append({"text": message.get("text"), "intent": message.get("intent"),
                           "routed": result["intent"]["name"], "offered": close_alternative(result) is not None,
                           "ranking": [[r["name"], round(r["confidence"], 4)] for r in result.get("intent_ranking", [])[:2]]})
        return parsed

    return asyncio.run(parse_all())
