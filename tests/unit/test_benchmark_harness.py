"""The bench harness's arithmetic: percentiles, error counts, ratios, memory."""

import asyncio
import os

import pytest
from aiohttp import web

from benchmarks.conversations import MIX, Conversation, Turn
from benchmarks.memory import peak_rss_mb
from benchmarks.report import markdown_summary
from benchmarks.rest_load import (
    SLICES, Load, TurnResult, before_variant, compare, measure, percentiles, summarise, turn_order,
)


def test_percentiles_of_a_known_series():
    figures = percentiles([float(v) for v in range(1, 101)])
    assert figures["p50"] == 50.5
    assert 94 <= figures["p95"] <= 96
    assert 98 <= figures["p99"] <= 100
    assert figures["turns"] == 100


@pytest.mark.parametrize("values, expected", [([], None), ([12.34], 12.3)])
def test_percentiles_of_too_few_turns(values, expected):
    assert percentiles(values) == {"p50": expected, "p95": expected, "p99": expected, "turns": len(values)}


def test_failed_turns_are_errors_and_not_in_the_latencies():
    results = [
        TurnResult("faq", False, 10.0, True),
        TurnResult("faq", False, 5000.0, False),
        TurnResult("order_status", True, 30.0, True),
    ]
    summary = summarise(results, elapsed=2.0)
    assert summary["errors"] == 1
    assert summary["messages_per_second"] == 1.0
    assert summary["not_generated"]["p50"] == 10.0
    assert summary["generated"]["p50"] == 30.0
    assert summary["by_kind"]["faq"]["turns"] == 1
    assert set(summary["by_kind"]) == {c.kind for c in MIX}


def run(messages_per_second, p50):
    quiet = {"p50": p50, "p95": p50 * 2, "p99": p50 * 3}
    return {"messages_per_second": messages_per_second, "errors": 0, "all": quiet, "not_generated": quiet,
            "generated": quiet}


def variant(messages_per_second, p50, rss, train_seconds, workers=1):
    memory = {"rasa": rss * workers, "rasa_largest_process": rss, "actions": 500.0}
    return {"runs": {"8": run(messages_per_second, p50)}, "rasa_workers": workers, "peak_rss_mb": memory,
            "train_seconds": train_seconds}


def test_ratios_are_against_the_baseline_of_the_same_run():
    report = {"baseline": variant(40.0, 20.0, 1000.0, 300.0), "bert": variant(60.0, 25.0, 1500.0, None),
              "bert-2-workers": variant(80.0, 25.0, 1500.0, None, workers=2)}
    ratios = compare(report, ["baseline"])
    assert list(ratios) == ["bert / baseline", "bert-2-workers / baseline"]
    bert, two_workers = ratios["bert / baseline"], ratios["bert-2-workers / baseline"]
    assert bert["c8"]["messages_per_second"] == 1.5
    assert bert["c8"]["p50_not_generated"] == 1.25
    assert bert["rasa_peak_rss_mb"] == 1.5
    assert two_workers["rasa_peak_rss_mb"] == 3.0
    assert two_workers["rasa_largest_process_peak_rss_mb"] == 1.5
    assert bert["train_seconds"] is None  # not recorded: no ratio rather than a wrong one
    summary = markdown_summary(report, ratios)
    assert "| bert | 1 | 8 | 60.0 |" in summary
    assert "| bert-2-workers | 2 | 3000.0 | 1500.0 |" in summary
    assert "Ratios bert / baseline (same run):" in summary
    assert "messages_per_second 1.5" in summary


def test_after_is_compared_with_each_earlier_checkout():
    report = {"before-6180c3d": variant(40.0, 20.0, 1000.0, 300.0),
              "before-97548c2": variant(50.0, 10.0, 1000.0, 300.0),
              "after": variant(50.0, 11.0, 1000.0, 300.0)}
    ratios = compare(report, ["before-6180c3d", "before-97548c2"])
    assert list(ratios) == ["after / before-6180c3d", "after / before-97548c2"]
    assert ratios["after / before-6180c3d"]["c8"]["p50_all"] == 0.55
    assert ratios["after / before-97548c2"]["c8"]["p50_all"] == 1.1


def test_an_earlier_checkout_runs_its_own_code_and_model(tmp_path):
    checkout = tmp_path / "6180c3d"
    checkout.mkdir()
    before = before_variant(checkout)
    assert before.name == "before-6180c3d"
    assert before.project == checkout
    assert before.model == checkout / "models" / "assistant.tar.gz"


def test_peak_rss_of_this_process_is_counted():
    assert peak_rss_mb(os.getpid()) > 10


def test_every_variant_takes_each_place_in_the_turn_order():
    names = ["baseline", "bert", "bert-2-workers"]
    orders = [turn_order(names, slice_number) for slice_number in range(len(names))]
    assert all(sorted(order) == sorted(names) for order in orders)
    assert {order[0] for order in orders} == set(names)
    assert {order[-1] for order in orders} == set(names)


class RecordingLoad:
    """Stands in for a server's load: one answered turn per slice, each slice logged in order."""

    def __init__(self, name, log):
        self.name, self.log = name, log

    async def find_who_names_conversations(self):
        self.log.append((self.name, "probe"))

    async def converse(self, conversation, results):
        self.log.append((self.name, "warm-up"))

    async def drive(self, concurrency, seconds, results):
        self.log.append((self.name, concurrency, seconds))
        results.append(TurnResult("faq", False, 10.0, True))
        return 2.0


def test_the_variants_take_turns_and_each_pools_its_slices():
    log = []
    loads = {name: RecordingLoad(name, log) for name in ("baseline", "bert")}
    runs = asyncio.run(measure(loads, [1, 8], seconds=30))

    slices = [entry for entry in log if entry[1] not in ("probe", "warm-up")]
    assert all(entry[1] in ("probe", "warm-up") for entry in log[: len(log) - len(slices)])  # warm-ups come first
    assert len(slices) == 2 * 2 * SLICES
    assert {seconds for _, _, seconds in slices} == {30 / SLICES}
    at_concurrency_1 = [name for name, concurrency, _ in slices if concurrency == 1]
    assert at_concurrency_1[:4] == ["baseline", "bert", "bert", "baseline"]
    for name in loads:
        for level in ("1", "8"):
            assert runs[name][level]["turns"] == SLICES
            assert runs[name][level]["seconds"] == 2.0 * SLICES
            assert runs[name][level]["messages_per_second"] == 0.5


async def serve_rest(issues_ids: bool, senders: list) -> web.AppRunner:
    """A REST endpoint that records each message's sender and, like the server since
    conversation ids are issued, may name the conversation in a header."""

    async def webhook(request):
        sender = (await request.json()).get("sender")
        senders.append(sender)
        if sender is None and not issues_ids:
            return web.json_response({"error": "sender is required"}, status=400)
        headers = {"X-Conversation-Id": sender or f"issued-{len(senders)}"} if issues_ids else {}
        return web.json_response([{"text": "ok"}], headers=headers)

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


@pytest.mark.parametrize("issues_ids", [True, False])
async def test_each_conversation_is_its_own_whoever_names_it(issues_ids):
    """Stock Rasa's REST channel (code from before issued ids) files messages without a sender
    under one "default" conversation: the load must name its conversations there."""
    senders = []
    runner = await serve_rest(issues_ids, senders)
    try:
        port = runner.addresses[0][1]
        load = Load(f"http://127.0.0.1:{port}")
        await load.find_who_names_conversations()
        conversation = Conversation("faq", (Turn("hi"), Turn("what is your return policy?")))
        for _ in range(2):
            await load.converse(conversation, [])
    finally:
        await runner.cleanup()
    first, second = senders[1:3], senders[3:5]
    if issues_ids:
        assert first == [None, "issued-2"] and second == [None, "issued-4"]
    else:
        assert None not in first + second
        assert first[0] == first[1] != second[0] == second[1]
