"""Drives the conversation mix over the REST channel and reports latency, throughput and memory.

Usage:
    python -m benchmarks.rest_load [--seconds 30] [--concurrency 1 8 32] [--out results/bench]
                                   [--before CHECKOUT ...]

For every variant (the baseline config and config.yml; with `--before`, each earlier checkout
made by scripts/bench_checkout.sh and this one) it starts an action server and a
Rasa server on loopback with the embedded defaults (a freshly seeded SQLite shop, a SQLite
tracker store, the GPT-2 generator); all variants are up at once. After a warm-up it runs
the mix at each concurrency for a bounded time per variant, in slices with the variants
taking turns: the VM's speed drifts from minute to minute, and one variant measured after
another would carry the drift into their ratios. It writes `<out>/report.json`,
`<out>/summary.md` and `<out>/latency.png`; every figure comes with its ratio to the
baseline's (or each earlier checkout's) from the same run.
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import aiohttp

from benchmarks.conversations import MIX, Conversation
from benchmarks.memory import largest_peak_rss_mb, peak_rss_mb
from actions.config import PROJECT_DIR
from harness.local_servers import REPLY_LIMIT_SECONDS, Assistant
from harness.redis_server import RedisServer
from scripts.seed_db import seed


@dataclass(frozen=True)
class Variant:
    name: str
    model: Path
    # Sanic workers of the Rasa server; more than one share a Redis lock store.
    workers: int = 1
    # The checkout whose code and settings the servers run.
    project: Path = PROJECT_DIR


MODELS = PROJECT_DIR / "models"
# The baseline runs as a Rasa user would start it: `rasa run`, one worker.
BASELINE = Variant("baseline", MODELS / "baseline.tar.gz")
VARIANTS = [BASELINE, Variant("bert", MODELS / "assistant.tar.gz"),
            Variant("bert-2-workers", MODELS / "assistant.tar.gz", workers=2)]
# This checkout, measured against earlier ones (`--before`).
AFTER = Variant("after", MODELS / "assistant.tar.gz")
WARM_UP_ROUNDS = 2
# Each level's time per variant is run in this many slices, the variants taking turns.
SLICES = 3


@dataclass
class TurnResult:
    kind: str
    generated: bool
    milliseconds: float
    ok: bool


class Load:
    """Conversations from the mix, each a new one on the server, sent turn by turn.

    Each conversation has a connection of its own, as each customer's browser would. With
    several Sanic workers a connection stays with the worker that accepted it, so a few
    connections kept for the whole run would pin the load to whichever workers got them.
    """

    def __init__(self, url: str):
        self.url = f"{url}/webhooks/rest/webhook"
        self.conversations: Iterator[Conversation] = itertools.cycle(MIX)
        # Whether the client names each conversation: stock Rasa's REST channel (the code
        # before the server issued ids) files every message without a sender under "default".
        self.client_names_conversations = False

    async def find_who_names_conversations(self) -> None:
        """Asks the server once: a conversation's id comes in the answer's header, or the client
        picks it (the project's REST channel before ids were issued refused a message without one)."""
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REPLY_LIMIT_SECONDS)) as session:
            async with session.post(self.url, json={"message": "hi"}) as response:
                self.client_names_conversations = "X-Conversation-Id" not in response.headers

    async def converse(self, conversation: Conversation, results: List[TurnResult]) -> None:
        sender = uuid.uuid4().hex if self.client_names_conversations else None
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REPLY_LIMIT_SECONDS)) as session:
            for turn in conversation.turns:
                started = time.perf_counter()
                ok, sender = await self.send(session, sender, turn.text)
                milliseconds = (time.perf_counter() - started) * 1000
                results.append(TurnResult(conversation.kind, turn.generated, milliseconds, ok))
                if not ok:
                    return

    async def send(
        self, session: aiohttp.ClientSession, sender: Optional[str], text: str
    ) -> Tuple[bool, Optional[str]]:
        """Whether the server answered 200 with at least one reply, and the conversation's id
        (`sender` None: the message starts a conversation, whose id the answer names)."""
        body = {"message": text, **({"sender": sender} if sender else {})}
        try:
            async with session.post(self.url, json=body) as response:
                replies = await response.json() if response.status == 200 else []
                return bool(replies), response.headers.get("X-Conversation-Id", sender)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            return False, sender

    async def drive(self, concurrency: int, seconds: float, results: List[TurnResult]) -> float:
        """`concurrency` users start conversations until `seconds` have passed; each finishes the one it is in.

        Appends every turn to `results`; returns the seconds it took.
        """
        deadline = time.monotonic() + seconds

        async def user() -> None:
            while time.monotonic() < deadline:
                await self.converse(next(self.conversations), results)

        started = time.perf_counter()
        await asyncio.gather(*(user() for _ in range(concurrency)))
        return time.perf_counter() - started


def percentiles(values: List[float]) -> Dict[str, Optional[float]]:
    if len(values) < 2:
        only = round(values[0], 1) if values else None
        return {"p50": only, "p95": only, "p99": only, "turns": len(values)}
    cuts = statistics.quantiles(values, n=100)
    return {"p50": round(statistics.median(values), 1), "p95": round(cuts[94], 1), "p99": round(cuts[98], 1),
            "turns": len(values)}


def summarise(results: List[TurnResult], elapsed: float) -> Dict:
    answered = [r for r in results if r.ok]
    by_kind = {kind: percentiles([r.milliseconds for r in answered if r.kind == kind])
               for kind in sorted({c.kind for c in MIX})}
    return {
        "seconds": round(elapsed, 1),
        "turns": len(results),
        "errors": len(results) - len(answered),
        "messages_per_second": round(len(answered) / elapsed, 2),
        "all": percentiles([r.milliseconds for r in answered]),
        "not_generated": percentiles([r.milliseconds for r in answered if not r.generated]),
        "generated": percentiles([r.milliseconds for r in answered if r.generated]),
        "by_kind": by_kind,
        "latencies_ms": [round(r.milliseconds, 1) for r in answered],
    }


def turn_order(names: List[str], slice_number: int) -> List[str]:
    """The variants rotated by one per slice, so none is always measured first or last."""
    shift = slice_number % len(names)
    return names[shift:] + names[:shift]


async def measure(loads: Dict[str, Load], concurrencies: List[int], seconds: float) -> Dict[str, Dict[str, Dict]]:
    """Each variant's figures per concurrency level: `seconds` of load, in SLICES turns."""
    for load in loads.values():
        await load.find_who_names_conversations()
        for _ in range(WARM_UP_ROUNDS):
            for conversation in MIX:
                await load.converse(conversation, [])
    names = list(loads)
    runs: Dict[str, Dict[str, Dict]] = {name: {} for name in names}
    for concurrency in concurrencies:
        results: Dict[str, List[TurnResult]] = {name: [] for name in names}
        elapsed = dict.fromkeys(names, 0.0)
        for slice_number in range(SLICES):
            for name in turn_order(names, slice_number):
                elapsed[name] += await loads[name].drive(concurrency, seconds / SLICES, results[name])
        for name in names:
            runs[name][str(concurrency)] = summarise(results[name], elapsed[name])
    return runs


def rasa_env(variant: Variant, work_dir: Path, stack: contextlib.ExitStack) -> Dict[str, str]:
    """The Rasa server's extra environment; starts the Redis lock store several workers need."""
    if variant.workers == 1:
        return {}
    redis_server = RedisServer(work_dir).start()
    stack.callback(redis_server.stop)
    return {"SANIC_WORKERS": str(variant.workers), "LOCK_STORE_TYPE": "redis",
            "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis_server.port)}


def start_variant(variant: Variant, stack: contextlib.ExitStack) -> Assistant:
    """The variant's servers on loopback with a freshly seeded shop of their own; `stack` stops them."""
    work_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"bench-{variant.name}-")))
    shop_url = f"sqlite:///{work_dir / 'shop.db'}"
    seed(shop_url)
    assistant = Assistant(work_dir, shop_url, model=variant.model, generator_backend="gpt2",
                          rasa_env=rasa_env(variant, work_dir, stack), project=variant.project)
    print(f"{variant.name}: starting servers", flush=True)
    assistant.start()
    stack.callback(assistant.stop)
    return assistant


def bench(variants: List[Variant], concurrencies: List[int], seconds: float) -> Dict[str, Dict]:
    with contextlib.ExitStack() as stack:
        assistants = {variant.name: start_variant(variant, stack) for variant in variants}
        runs = asyncio.run(measure({name: Load(assistant.url) for name, assistant in assistants.items()},
                                   concurrencies, seconds))
        memory = {name: {"rasa": peak_rss_mb(assistant.rasa.process.pid),
                         "rasa_largest_process": largest_peak_rss_mb(assistant.rasa.process.pid),
                         "actions": peak_rss_mb(assistant.actions.process.pid)}
                  for name, assistant in assistants.items()}
    for name, levels in runs.items():
        for concurrency, run in levels.items():
            print(f"{name:14} c={concurrency:>3}  {run['messages_per_second']:7.2f} msg/s  "
                  f"p50 {run['all']['p50']} ms  p95 {run['all']['p95']} ms  errors {run['errors']}", flush=True)
    return {variant.name: {"model": variant.model.name, "rasa_workers": variant.workers,
                           "peak_rss_mb": memory[variant.name], "train_seconds": recorded_train_seconds(variant.model),
                           "runs": runs[variant.name]}
            for variant in variants}


def recorded_train_seconds(model: Path) -> Optional[float]:
    """`rasa train` wall time, recorded by the Makefile when it built `model`."""
    record = model.with_suffix("").with_suffix(".train_seconds")
    return float(record.read_text()) if record.exists() else None


def ratio(value: Optional[float], baseline: Optional[float]) -> Optional[float]:
    return round(value / baseline, 2) if value and baseline else None


def compare(report: Dict[str, Dict], base_names: List[str]) -> Dict[str, Dict]:
    """The headline figures of every variant but the bases as ratios to each base's:
    `{"<variant> / <base>": figures}`."""
    return {f"{name} / {base_name}": figures(variant, report[base_name])
            for base_name in base_names for name, variant in report.items() if name not in base_names}


def figures(variant: Dict, base: Dict) -> Dict:
    ratios = {
        "train_seconds": ratio(variant["train_seconds"], base["train_seconds"]),
        "rasa_peak_rss_mb": ratio(variant["peak_rss_mb"]["rasa"], base["peak_rss_mb"]["rasa"]),
        "rasa_largest_process_peak_rss_mb": ratio(variant["peak_rss_mb"]["rasa_largest_process"],
                                                  base["peak_rss_mb"]["rasa_largest_process"]),
    }
    for concurrency, run in variant["runs"].items():
        base_run = base["runs"][concurrency]
        ratios[f"c{concurrency}"] = {
            "messages_per_second": ratio(run["messages_per_second"], base_run["messages_per_second"]),
            "p50_not_generated": ratio(run["not_generated"]["p50"], base_run["not_generated"]["p50"]),
            "p95_not_generated": ratio(run["not_generated"]["p95"], base_run["not_generated"]["p95"]),
            "p50_all": ratio(run["all"]["p50"], base_run["all"]["p50"]),
        }
    return ratios


def before_variant(checkout: Path) -> Variant:
    """An earlier checkout with its own trained model, named after its commit."""
    checkout = checkout.resolve()
    return Variant(f"before-{checkout.name}", checkout / "models" / "assistant.tar.gz", project=checkout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30, help="load time per concurrency level")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "results" / "bench")
    parser.add_argument("--before", type=Path, nargs="*", default=[], metavar="CHECKOUT",
                        help="earlier checkouts (scripts/bench_checkout.sh) to measure this one against")
    args = parser.parse_args()

    before = [before_variant(checkout) for checkout in args.before]
    variants = before + [AFTER] if before else VARIANTS
    report = bench(variants, args.concurrency, args.seconds)
    ratios = compare(report, [variant.name for variant in before] or [BASELINE.name])
    args.out.mkdir(parents=True, exist_ok=True)
    from benchmarks.report import markdown_summary, plot_latencies

    plot_latencies(report, args.out / "latency.png")
    for variant in report.values():  # the histogram has them; the JSON keeps the figures
        for run in variant["runs"].values():
            run.pop("latencies_ms")
    summary = markdown_summary(report, ratios)
    (args.out / "summary.md").write_text(summary)
    (args.out / "report.json").write_text(json.dumps(
        {"seconds_per_level": args.seconds, "mix": [c.kind for c in MIX], "variants": report,
         "ratios": ratios}, indent=1))
    print(summary)
    print(f"report: {args.out / 'report.json'}")


if __name__ == "__main__":
    main()
