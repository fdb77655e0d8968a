"""Evaluates the reply generator on the corpus's held-out references.

Usage:
    python -m evaluation.generator [--model DIR] [--out results/generator]

Reports: raw slot error rate (unconstrained model output), slot error rate and guardrail
rejections of the constrained output customers would get, delivered slot error rate (after
the template fallback), BLEU against the references, distinct-2 and latency p50/p95 per reply.
"""

import argparse
import json
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

import yaml

from actions.config import DEFAULT_GENERATOR_MODEL_DIR, PROJECT_DIR
from actions.generation.acts import required_slots, template_response
from actions.generation.corpus import Example, load_examples, split
from actions.generation.formulation import lexicalise, placeholders_in, without_placeholders
from actions.generation.guardrail import FACT_LIKE, rejection
from actions.generation.model import ReplyModel

MAX_TOKENS = 60
TIMING_ROUNDS = 3
# Realistic values for every slot, as the actions would fill them.
SAMPLE_FACTS = {
    "order_id": "100032", "items": "1 x StrideFit GPS smartwatch, 2 x Yoga mat", "status_text": "packed and waiting for the carrier",
    "carrier": "DHL", "tracking_number": "JJD000390007153214", "eta": "Thu 26 Nov",
    "latest_checkpoint": "Tue 24 Nov 08:10, Leipzig: Parcel at hub", "delivered_on": "Tue 17 Nov",
    "refund_days": "5-7 business days", "return_window": "30 days", "kind_text": "return", "reference": "RF-482913",
    "amount": "€114.50", "window_closed_on": "Thu 17 Dec", "masked_address": "Li***, 20*** Hamburg, Germany",
    "refund_status_text": "approved", "change_text": "change Yoga mat to 2", "total": "€165.50",
    "invoice_number": "INV-100032", "issued_on": "Mon 16 Nov", "net": "€139.08", "vat": "€26.42",
    "products": "- AeroBuds Pro wireless earbuds (BC-EL-0001), €129.00\n- PowerPack 20000 mAh power bank (BC-EL-0004), €34.90",
    "promotions": "- GOLD15: 15% off everything for Gold members (until Fri 22 Jan)",
    "position": "3", "support_phone": "+49 30 901820", "name": "Lea",
}


def slot_errors(act: str, delexicalised: str, name_known: bool) -> Dict[str, int]:
    """Missing required slots, slots not allowed (hallucinated), and facts written out (wrong)."""
    used = placeholders_in(delexicalised)
    allowed = set(required_slots(act)) | ({"name"} if name_known else set())
    return {
        "slots": len(required_slots(act)),
        "missing": sum(1 for s in required_slots(act) if s not in used),
        "hallucinated": sum(1 for s in used if s not in allowed),
        "wrong": len(FACT_LIKE.findall(without_placeholders(delexicalised))),
    }


def slot_error_rate(counts: List[Dict[str, int]]) -> float:
    errors = sum(c["missing"] + c["hallucinated"] + c["wrong"] for c in counts)
    return errors / max(1, sum(c["slots"] for c in counts))


def template_text(act: str, facts: Dict[str, str], responses: Dict) -> str:
    text = responses[template_response(act)][0]["text"]
    return text.format_map(defaultdict(str, facts))


def missing_facts(act: str, text: str, facts: Dict[str, str]) -> int:
    """Required facts absent from what the customer reads. Invented facts cannot reach it:
    the guardrail rejects them and the template states only facts."""
    return sum(1 for s in required_slots(act) if facts[s] not in text)


def distinct_2(texts: List[str]) -> float:
    bigrams = [tuple(words[i:i + 2]) for t in texts for words in [t.split()] for i in range(len(words) - 1)]
    return len(set(bigrams)) / max(1, len(bigrams))


def bleu(hypotheses: List[str], tests: List[Example]) -> float:
    import sacrebleu

    by_act = defaultdict(list)
    for example in tests:
        by_act[example.act].append(example.reference)
    streams = max(len(refs) for refs in by_act.values())
    references = [[by_act[e.act][i % len(by_act[e.act])] for e in tests] for i in range(streams)]
    return sacrebleu.corpus_bleu(hypotheses, references).score


def evaluate(model_dir: Path) -> Dict:
    _, tests = split(load_examples())
    model = ReplyModel(model_dir)
    responses = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text())["responses"]
    raw, constrained, rejected, delivered, latencies, outputs, tokens = [], [], 0, [], [], [], []
    for example in tests:
        facts = {s: SAMPLE_FACTS[s] for s in required_slots(example.act)}
        if example.profile.name:
            facts["name"] = SAMPLE_FACTS["name"]
        name_known = bool(example.profile.name)
        raw.append(slot_errors(example.act, model.write(example.act, example.profile, MAX_TOKENS, constrained=False), name_known))
        for _ in range(TIMING_ROUNDS):
            started = time.perf_counter()
            reply = model.write(example.act, example.profile, MAX_TOKENS)
            latencies.append((time.perf_counter() - started) * 1000)
        tokens.append(len(model.tokenizer(reply)["input_ids"]))
        outputs.append(reply)
        constrained.append(slot_errors(example.act, reply, name_known))
        filled = lexicalise(reply, facts)
        if rejection(example.act, reply, filled, facts, example.profile.tier) is not None:
            rejected += 1
            filled = template_text(example.act, facts, responses)
        delivered.append(missing_facts(example.act, filled, facts))
    return {
        "test_replies": len(tests),
        "acts": len({e.act for e in tests}),
        "raw_slot_error_rate": round(slot_error_rate(raw), 4),
        "constrained_slot_error_rate": round(slot_error_rate(constrained), 4),
        "guardrail_rejected_share": round(rejected / len(tests), 4),
        "delivered_slot_error_rate": round(sum(delivered) / sum(len(required_slots(e.act)) for e in tests), 4),
        "bleu": round(bleu(outputs, tests), 2),
        "distinct_2": round(distinct_2(outputs), 4),
        "latency_ms_p50": round(statistics.median(latencies), 1),
        "latency_ms_p95": round(statistics.quantiles(latencies, n=20)[-1], 1),
        "tokens_per_reply_mean": round(statistics.mean(tokens), 1),
        "examples": [{"act": e.act, "tier": e.profile.tier, "mood": e.profile.mood, "reply": r}
                     for e, r in list(zip(tests, outputs))[:: max(1, len(tests) // 12)]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_GENERATOR_MODEL_DIR)
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "results" / "generator")
    args = parser.parse_args()
    report = evaluate(args.model)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    for key, value in report.items():
        if key != "examples":
            print(f"{key:32} {value}")
    print("examples:")
    for example in report["examples"]:
        print(f"  {example['act']:26} {example['tier']:8} {example['mood']:7} {example['reply']}")
    print(f"report: {args.out / 'report.json'}")


if __name__ == "__main__":
    main()
