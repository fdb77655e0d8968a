"""make evaluate: the same cross-validation folds on every run, and the summary table."""

from rasa.nlu.test import generate_folds
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from evaluation.assistant import summary_table
from evaluation.seeded_rasa import seed_folds


def three_intents() -> TrainingData:
    return TrainingData(training_examples=[
        Message(data={"text": f"{intent} example {number}", "intent": intent})
        for intent in ("greet", "goodbye", "track_order") for number in range(10)
    ])


def held_out_texts(seed: int):
    seed_folds(seed)
    return [sorted(message.get("text") for message in test.intent_examples)
            for _, test in generate_folds(5, three_intents())]


def test_the_seed_fixes_rasas_cross_validation_folds():
    assert held_out_texts(0) == held_out_texts(0)
    assert held_out_texts(0) != held_out_texts(1)


def test_summary_table_puts_the_configs_side_by_side():
    def results(accuracy, order_id_f1):
        return {"folds": 5, "intent": {"accuracy": accuracy, "macro avg": {"f1-score": accuracy - 0.01}},
                "entity": {"order_id": {"f1-score": order_id_f1}},
                "story": {"accuracy": 1.0, "conversation_accuracy": {"accuracy": 1.0}}}

    table = summary_table({"bert": results(0.95, 0.99), "baseline": results(0.8, None)})
    assert "| metric | bert | baseline |" in table
    assert "| intent accuracy | 0.950 | 0.800 |" in table
    assert "| `order_id` entity F1 | 0.990 | n/a |" in table
    assert table.startswith("NLU: 5-fold cross-validation")
