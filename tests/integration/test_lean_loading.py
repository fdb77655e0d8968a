"""The trained model loaded lean predicts exactly what Rasa's own loading of it predicts."""

import asyncio
from pathlib import Path

import numpy as np
import pytest
from rasa.core.agent import Agent
from rasa.core.policies.ted_policy import TED, TEDPolicy
from rasa.engine.constants import PLACEHOLDER_TRACKER
from rasa.nlu.classifiers.diet_classifier import DIET
from rasa.nlu.selectors.response_selector import DIET2BOW, DIET2DIET, ResponseSelector
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.tensorflow.models import RasaModel

from rasa_server import lean_loading

MODEL = Path(__file__).resolve().parents[2] / "models" / "assistant.tar.gz"
MESSAGES = [
    "hi there",
    "where is my order #482913",
    "what are your opening hours",
    "do you have a shop in berlin i could visit",
    "tell me a joke",
    "I want to return my shoes, they are too small",
    "my email is jo@example.com",
    "blorp flibber quaxx",
]
# Messages of retrieval intents (faq/*, chitchat/*) and of others.
RETRIEVAL_INTENTS = ("faq", "chitchat")
ANSWERED = ["do you sell gift cards", "do you have a shop in berlin i could visit", "tell me a joke"]
NOT_ANSWERED = ["hi there", "where is my order #482913", "I want to return my shoes, they are too small"]
# (intent, entities) of the last customer turn of a conversation that has just begun.
TURNS = [("greet", []), ("track_order", [{"entity": "order_id", "value": "#482913"}]), ("faq", []), ("deny", [])]


@pytest.fixture(scope="module")
def loaded_lean():
    """(lean agent, Rasa's agent, the model classes the lean loading built, the number of
    direct graph calls so far) for one model."""
    if not MODEL.exists():
        pytest.fail("models/assistant.tar.gz is missing: run `make train`")
    built, direct_calls = [], []
    load_for_prediction, direct_call = lean_loading.load_for_prediction, lean_loading.direct_call

    def recording_load(model, *args):
        built.append(type(model))
        return load_for_prediction(model, *args)

    def recording_direct_call(traced):
        call = direct_call(traced)

        def recorded(batch_in):
            direct_calls.append(1)
            return call(batch_in)

        return recorded

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lean_loading, "load_for_prediction", recording_load)
        patch.setattr(lean_loading, "direct_call", recording_direct_call)
        lean = Agent.load(str(MODEL))
    with pytest.MonkeyPatch.context() as patch:  # the same model as Rasa loads and runs it
        patch.setattr(RasaModel, "load", classmethod(RasaModel.load.__func__.rasa_load))
        # Graph nodes keep the function they call from load time on.
        patch.setattr(ResponseSelector, "process", ResponseSelector.process.rasa_process)
        stock = Agent.load(str(MODEL))
    return lean, stock, built, direct_calls


@pytest.fixture(scope="module")
def lean_and_stock(loaded_lean):
    return loaded_lean[:2]


def test_rasa_loads_diet_response_selector_and_ted_through_the_lean_loading(loaded_lean):
    """Fails if Rasa stops loading its models through `RasaModel.load`: the hook would then
    silently do nothing, and the server would need twice the memory."""
    built = loaded_lean[2]
    assert DIET in built and TED in built
    assert DIET2BOW in built or DIET2DIET in built


def test_predictions_call_the_traced_graphs_directly(loaded_lean):
    """Fails if Rasa stops predicting through `_tf_predict_step`."""
    lean, direct_calls = loaded_lean[0], loaded_lean[3]
    before = len(direct_calls)
    parse(lean, "where is my order #482913")
    assert len(direct_calls) > before


def parse(agent: Agent, text: str) -> dict:
    return asyncio.run(agent.parse_message(text))


def answer(parse_result: dict) -> dict:
    return parse_result["response_selector"]["default"]["response"]


@pytest.mark.parametrize("text", MESSAGES)
def test_intents_and_entities_match_rasa_loading(lean_and_stock, text):
    lean, stock = (parse(agent, text) for agent in lean_and_stock)

    assert lean["intent"]["name"] == stock["intent"]["name"]
    assert lean["intent"]["confidence"] == pytest.approx(stock["intent"]["confidence"], abs=1e-5)
    assert [(e["entity"], e["value"]) for e in lean["entities"]] == [(e["entity"], e["value"]) for e in stock["entities"]]


@pytest.mark.parametrize("text", ANSWERED)
def test_answers_of_retrieval_intents_match_rasa_loading(lean_and_stock, text):
    lean, stock = (parse(agent, text) for agent in lean_and_stock)

    assert lean["intent"]["name"] in RETRIEVAL_INTENTS
    assert answer(lean)["intent_response_key"] == answer(stock)["intent_response_key"]
    assert answer(lean)["confidence"] == pytest.approx(answer(stock)["confidence"], abs=1e-5)


@pytest.mark.parametrize("text", NOT_ANSWERED)
def test_messages_of_other_intents_get_no_answer(lean_and_stock, text):
    """Fails if Rasa stops selecting answers through `ResponseSelector.process`."""
    lean, stock = (parse(agent, text) for agent in lean_and_stock)

    assert lean["intent"]["name"] not in RETRIEVAL_INTENTS
    assert "default" not in lean.get("response_selector", {})
    assert answer(stock)["intent_response_key"]  # Rasa's selector picks one anyway


@pytest.mark.parametrize("intent, entities", TURNS)
def test_ted_action_scores_match_rasa_loading(lean_and_stock, intent, entities):
    scores = []
    for agent in lean_and_stock:
        tracker = DialogueStateTracker.from_events(
            "lean-loading", [ActionExecuted("action_listen"), UserUttered(intent, {"name": intent, "confidence": 1.0}, entities)],
            slots=agent.domain.slots,
        )
        ted_node = next(name for name, node in agent.processor.model_metadata.predict_schema.nodes.items() if node.uses is TEDPolicy)
        scores.append(agent.processor.graph_runner.run(inputs={PLACEHOLDER_TRACKER: tracker}, targets=[ted_node])[ted_node].probabilities)

    lean_scores, stock_scores = scores
    assert max(lean_scores) > 0
    np.testing.assert_allclose(lean_scores, stock_scores, atol=1e-5)
