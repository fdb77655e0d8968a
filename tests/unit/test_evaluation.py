"""make evaluate: the same cross-validation folds on every run, kept folds, and the summary table."""

import subprocess

import pytest
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from evaluation.assistant import offered_rate, frequent_confusions, misroute_rate, run, summary_table, worst_intents
from evaluation.cross_validation import FoldStore, code_of, fold_key, fold_splits, threads_per_job


def three_intents() -> TrainingData:
    return TrainingData(training_examples=[
        Message(data={"text": f"{intent} example {number}", "intent": intent})
        for intent in ("greet", "goodbye", "track_order") for number in range(10)
    ])


def held_out_texts(seed: int):
    return [sorted(message.get("text") for message in test.intent_examples)
            for _, test in fold_splits(three_intents(), 5, seed)]


def test_the_seed_fixes_rasas_cross_validation_folds():
    assert held_out_texts(0) == held_out_texts(0)
    assert held_out_texts(0) != held_out_texts(1)
    assert sorted(text for fold in held_out_texts(0) for text in fold) == sorted(
        message.get("text") for message in three_intents().intent_examples)


def test_a_kept_fold_is_read_back_only_under_its_key(tmp_path):
    store = FoldStore(tmp_path)
    predictions = {"intent": ["a"], "entity": [], "response": []}
    assert store.load(0, "key-1") is None
    store.save(0, "key-1", predictions)
    assert store.load(0, "key-1") == predictions
    assert store.load(0, "key-2") is None
    assert store.load(1, "key-1") is None


def test_predictions_without_their_key_count_as_unfinished(tmp_path):
    store = FoldStore(tmp_path)
    store.save(0, "key-1", {"intent": [], "entity": [], "response": []})
    (tmp_path / "folds" / "0.key").unlink()  # as if stopped between the two writes
    assert store.load(0, "key-1") is None


def test_the_key_follows_the_config_the_fold_and_the_components_code(tmp_path):
    config = tmp_path / "config.yml"
    config.write_text("pipeline:\n  - name: WhitespaceTokenizer\n")
    key = fold_key(config, "train", "test")
    assert fold_key(config, "train", "test") == key
    assert fold_key(config, "train 2", "test") != key
    assert fold_key(config, "train", "test 2") != key
    config.write_text("pipeline:\n  - name: components.onnx_bert_featurizer.OnnxLanguageModelFeaturizer\n")
    assert fold_key(config, "train", "test") != key


def test_only_the_project_packages_a_config_names_are_part_of_its_key(tmp_path):
    config = tmp_path / "config.yml"
    config.write_text("pipeline:\n  - name: WhitespaceTokenizer\n")
    assert code_of(config) == b""
    config.write_text("pipeline:\n  - name: components.onnx_bert_featurizer.OnnxLanguageModelFeaturizer\n")
    assert b"class OnnxLanguageModelFeaturizer" in code_of(config)


def test_folds_side_by_side_share_the_cores(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert threads_per_job(jobs=1, folds=5)["TF_INTRA_OP_PARALLELISM_THREADS"] == "2"
    assert threads_per_job(jobs=2, folds=5)["TF_INTRA_OP_PARALLELISM_THREADS"] == "1"
    assert threads_per_job(jobs=3, folds=5)["TF_INTER_OP_PARALLELISM_THREADS"] == "1"
    assert threads_per_job(jobs=2, folds=1)["TF_INTRA_OP_PARALLELISM_THREADS"] == "2"  # the last fold alone


def test_summary_table_puts_the_configs_side_by_side():
    def results(accuracy, order_id_f1):
        return {"folds": 5, "intent": {"accuracy": accuracy, "macro avg": {"f1-score": accuracy - 0.01}},
                "entity": {"order_id": {"f1-score": order_id_f1}},
                "story": {"accuracy": 1.0, "conversation_accuracy": {"accuracy": 1.0}}}

    table = summary_table({}, {"bert": results(0.95, 0.99), "baseline": results(0.8, None)})
    assert "| metric | bert | baseline |" in table
    assert "| intent accuracy | 0.950 | 0.800 |" in table
    assert "| `order_id` entity F1 | 0.990 | n/a |" in table
    assert table.startswith("In-distribution: 5-fold cross-validation")


def error(wanted, predicted):
    return {"text": "...", "intent": wanted, "intent_prediction": {"name": predicted, "confidence": 0.5}}


BLIND_REPORT = {
    "accuracy": 0.9, "macro avg": {"f1-score": 0.88, "support": 100},
    "out_of_scope": {"precision": 0.8, "recall": 0.7, "f1-score": 0.75},
    "cancel_order": {"precision": 1.0, "recall": 0.9, "f1-score": 0.95},
    "change_order": {"precision": 0.9, "recall": 0.6, "f1-score": 0.72},
}


def route(wanted, routed, offered=False):
    return {"text": "...", "intent": wanted, "routed": routed, "offered": offered}


def test_a_misroute_starts_an_order_change_the_customer_did_not_ask_for():
    routed = [route("change_order", "cancel_order"), route("change_order", "cancel_order"),
              route("faq", "return_item"), route("cancel_order", "track_order"), route("get_refund", "return_item"),
              route("change_order", "nlu_fallback"), route("cancel_order", "cancel_order")] + [route("faq", "faq")] * 93
    # change_order -> cancel_order twice, a question -> a return, a refund -> a return: 4 of 100;
    # the message NLU fell back on started nothing.
    assert misroute_rate(routed) == 0.04
    # Offering the other request does not undo the start.
    routed[0] = route("change_order", "cancel_order", offered=True)
    assert misroute_rate(routed) == 0.04 and offered_rate(routed) == 0.01
    errors = [error("change_order", "cancel_order"), error("change_order", "cancel_order"), error("faq", "return_item")]
    assert frequent_confusions(errors)[0] == "change_order → cancel_order (2)"
    assert worst_intents(BLIND_REPORT)[:2] == ["change_order 0.72", "out_of_scope 0.75"]


def test_the_blind_set_leads_the_summary():
    blind = {"bert": {"intent": BLIND_REPORT, "entity": {"order_id": {"f1-score": 0.96}},
                      "errors": [error("change_order", "cancel_order")],
                      "routes": [route("change_order", "cancel_order")] + [route("faq", "faq")] * 99}}
    cross_validation = {"bert": {"folds": 5, "intent": {"accuracy": 0.95, "macro avg": {"f1-score": 0.94}}, "entity": {},
                                 "story": {"accuracy": 1.0, "conversation_accuracy": {"accuracy": 1.0}}}}
    summary = summary_table(blind, cross_validation)
    assert summary.startswith("Blind set: 100 messages")
    assert "| out-of-scope recall | 0.700 |" in summary
    assert "| misroute rate | 0.010 |" in summary
    assert "bert: most frequent confusions change_order → cancel_order (1)" in summary
    assert summary.index("Blind set") < summary.index("In-distribution")


def test_a_failed_step_stops_the_evaluation_with_a_message_not_a_traceback(monkeypatch):
    monkeypatch.setattr(subprocess, "run", lambda command, cwd: subprocess.CompletedProcess(command, 1))
    with pytest.raises(SystemExit) as stopped:
        run(["rasa", "test", "core"])
    assert "make evaluate stopped" in str(stopped.value)
    assert "folds are kept" in str(stopped.value)
