"""Measure the router on a labelled set of complaints (tests/data/routing_eval.jsonl).

    python -m infra.tools.routing_eval tests/data/routing_eval.jsonl --split frozen
    python -m infra.tools.routing_eval FILE [--split tuning|frozen] [--kind K]
                                       [--min-accuracy 0.93] [--max-wrong 0.03] [--quiet]
    python -m infra.tools.routing_eval --replay tests/data/routing_replay.jsonl

``--replay``: learning from corrections, replayed. Rows with role "correction" are fed
to the model one by one (as the daily job would fit them); after each, the rows with
role "test" are routed with rules + model and the share routed to their category is
printed; then the rows with role "wrong" (a coordinator's mistaken correction) are added
and the test rows routed again.

Each line: {"id", "split", "kind", "title", "description", "location": {...},
"expected_status": "assigned"|"triage", "expected_unit", "expected_category", "note"}.
A row is *right* when the decision has the expected status and unit, *wrong* when it
is assigned to another unit (or assigned when triage was expected), *triage* when it
went to triage although a unit was expected (a human decides: slower, not harmful).
Prints accuracy, wrong-unit rate, triage rate, per-kind rates, a confusion table by
unit and every miss with the rule and reason the router gave. Exits 1 below the
thresholds. Reads only the catalog directory; no cloud, no emulator.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.adapters.catalog_files import DEFAULT_CATALOG_DIR, load_catalog, load_routing_rules
from shared.domain.catalog import Catalog
from shared.domain.routing import Location, RoutingDecision, RoutingRules, route

RIGHT, WRONG, TRIAGE = "right", "wrong", "triage"


@dataclass(frozen=True)
class Outcome:
    row: dict[str, Any]
    decision: RoutingDecision
    verdict: str  # right / wrong / triage


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def _rate(self, verdict: str, rows: Sequence[Outcome] | None = None) -> float:
        rows = self.outcomes if rows is None else rows
        return sum(1 for o in rows if o.verdict == verdict) / len(rows) if rows else 0.0

    @property
    def accuracy(self) -> float:
        return self._rate(RIGHT)

    @property
    def wrong_rate(self) -> float:
        return self._rate(WRONG)

    @property
    def triage_rate(self) -> float:
        return self._rate(TRIAGE)

    def by_kind(self) -> dict[str, tuple[int, float, float, float]]:
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in self.outcomes:
            groups[str(outcome.row.get("kind", "-"))].append(outcome)
        return {kind: (len(rows), self._rate(RIGHT, rows), self._rate(WRONG, rows), self._rate(TRIAGE, rows))
                for kind, rows in sorted(groups.items())}

    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.verdict != RIGHT]


def read_rows(path: Path, split: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if (split is None or r.get("split") == split) and (kind is None or r.get("kind") == kind)]


def verdict(row: dict[str, Any], decision: RoutingDecision, catalog: Catalog) -> str:
    expected_status = row.get("expected_status") or ("triage" if row.get("expected_category") is None else "assigned")
    if expected_status == "triage":
        # a suggestion filed as "lainnya" lands at the same desk as triage: not harmful
        return RIGHT if decision.unit_id == catalog.triage_unit else WRONG
    if decision.status == "triage":
        return TRIAGE
    return RIGHT if decision.unit_id == row["expected_unit"] else WRONG


def evaluate(rows: Iterable[dict[str, Any]], catalog: Catalog, rules: RoutingRules, **route_kwargs: Any) -> Report:
    report = Report()
    for row in rows:
        location = Location(**row.get("location") or {})
        decision = route(catalog, rules, title=row.get("title", ""), description=row.get("description", ""),
                         location=location, **route_kwargs)
        report.outcomes.append(Outcome(row, decision, verdict(row, decision, catalog)))
    return report


def render(report: Report, *, show_misses: bool = True) -> str:
    n = len(report.outcomes)
    lines = [f"rows {n}   right unit {report.accuracy:.1%}   wrong unit {report.wrong_rate:.1%}   "
             f"triage {report.triage_rate:.1%}", "", f"{'kind':<12}{'n':>4}{'right':>8}{'wrong':>8}{'triage':>8}"]
    for kind, (count, right, wrong, triage) in report.by_kind().items():
        lines.append(f"{kind:<12}{count:>4}{right:>8.0%}{wrong:>8.0%}{triage:>8.0%}")
    lines += ["", "confusion by expected unit (right/n; where the others went):"]
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for o in report.outcomes:
        expected = "TRIAGE" if o.row.get("expected_status") == "triage" else o.row["expected_unit"]
        got = "TRIAGE" if o.decision.status == "triage" else o.decision.unit_id
        table[expected][got] += 1
    for expected in sorted(table):
        counts = table[expected]
        total, right = sum(counts.values()), counts.get(expected, 0)
        others = ", ".join(f"{unit} {count}" for unit, count in counts.most_common() if unit != expected)
        lines.append(f"  {expected:<22}{right:>3}/{total:<3} {others}")
    if show_misses and report.misses():
        lines += ["", "misses:"]
        for o in report.misses():
            got = "TRIAGE" if o.decision.status == "triage" else o.decision.unit_id
            lines.append(f"  [{o.verdict}] {o.row.get('id', '-')} expected {o.row['expected_unit']} got {got} "
                         f"({o.decision.rule}): {o.decision.reason}")
            lines.append(f"      {o.row.get('title', '')!r}  note: {o.row.get('note', '')}")
    return "\n".join(lines)


def replay(rows: Sequence[dict[str, Any]], catalog: Catalog, rules: RoutingRules) -> list[tuple[str, int, float]]:
    """(stage, corrections learned, share of test rows routed to their category), stage by stage."""
    from shared.domain.routing import content_stems
    from shared.domain.routing.learning import Example, fit

    def example(row: dict[str, Any]) -> Example:
        return Example(row["category"], tuple(content_stems(rules, row["title"], row["description"])))

    tests = [r for r in rows if r["role"] == "test"]

    def accuracy(examples: list[Example]) -> float:
        model = fit(examples, rules)
        right = sum(1 for r in tests if route(catalog, rules, title=r["title"], description=r["description"],
                                               model=model).category == r["category"])
        return right / len(tests) if tests else 0.0

    learned: list[Example] = []
    curve = [("rules only", 0, accuracy(learned))]
    for row in (r for r in rows if r["role"] == "correction"):
        learned.append(example(row))
        curve.append(("correction", len(learned), accuracy(learned)))
    wrong = [example(r) for r in rows if r["role"] == "wrong"]
    if wrong:
        curve.append(("+ wrong", len(learned) + len(wrong), accuracy(learned + wrong)))
    return curve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="routing_eval", description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--replay", action="store_true", help="FILE is a replay of corrections (see above)")
    parser.add_argument("--split", choices=["tuning", "frozen"])
    parser.add_argument("--kind")
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG_DIR)
    parser.add_argument("--min-accuracy", type=float, default=0.0)
    parser.add_argument("--max-wrong", type=float, default=1.0)
    parser.add_argument("--quiet", action="store_true", help="no list of misses")
    args = parser.parse_args(argv)
    catalog = load_catalog(args.catalog)
    rules = load_routing_rules(catalog, args.catalog)
    if args.replay:
        rows = read_rows(args.file)
        for stage, learned, share in replay(rows, catalog, rules):
            print(f"{stage:<12}{learned:>4} corrections   test rows routed right {share:.0%}")
        return 0
    rows = read_rows(args.file, args.split, args.kind)
    if not rows:
        print("no rows selected", file=sys.stderr)
        return 2
    report = evaluate(rows, catalog, rules)
    print(render(report, show_misses=not args.quiet))
    failed = []
    if report.accuracy < args.min_accuracy:
        failed.append(f"accuracy {report.accuracy:.1%} < {args.min_accuracy:.1%}")
    if report.wrong_rate > args.max_wrong:
        failed.append(f"wrong unit {report.wrong_rate:.1%} > {args.max_wrong:.1%}")
    if failed:
        print("FAIL: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
