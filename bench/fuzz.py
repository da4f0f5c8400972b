"""Fuzzing at scale: the invariants of ``tests/test_fuzz.py`` on many more generated articles.

    python -m bench.fuzz                        # 10,000 examples, no grammar checks
    python -m bench.fuzz --examples 500 --seed 7
    python -m bench.fuzz --grammar              # with a real LanguageTool server (slower)
    python -m bench.fuzz --jobs 2               # shards in parallel processes (shard k: seed S*1000+k)

Every example goes through :func:`tests.fuzz_documents.check_document` (the same checks as CI: one-line
refusals, finding offsets, lines and columns, protected spans, schema and SARIF validity, idempotence).
A failing example does not stop the run: it is counted by the first line of its message and kept (up to
20 per kind) in ``bench/results/fuzz.json``; the summary is ``bench/results/fuzz.md``. Results are written
every 25 examples, so an interrupted run still leaves its figures. Exit status 1 if any example failed.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json
import signal
import subprocess
import time
import traceback
from collections import Counter
from typing import Any

from bench.common import REPO, peak_rss_mb, revision

sys.path.insert(0, str(REPO / "tests"))

import fuzz_documents  # the tests' helper module, found through the path above

RESULTS = REPO / "bench" / "results"


class Tally:
    def __init__(self, target: int, seed: int, grammar: bool, fast: bool = False):
        self.target, self.seed, self.grammar, self.fast = target, seed, grammar, fast
        self.examples = 0
        self.formats: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.findings = 0
        self.spin_refires = 0
        self.examples_with_spin_refires = 0
        self.other_refires = 0
        self.examples_with_other_refires = 0
        self.failures: Counter[str] = Counter()
        self.refired: Counter[str] = Counter()  # examples whose second clean applied a rule's fixes
        self.samples: dict[str, list[dict[str, Any]]] = {}
        self.started = time.perf_counter()
        self.revision = revision()  # the code this run started with, whatever the tree holds later
        self.shard_peak_rss_mb = 0.0  # the largest shard's, when the run was split over processes
        self.jobs = 1

    def add(self, text: str, fmt: str, outcome: Any, error: BaseException | None) -> None:
        self.examples += 1
        self.formats[fmt] += 1
        if error is not None:
            kind = (str(error).splitlines() or [error.__class__.__name__])[0][:160]
            kind = f"{error.__class__.__name__}: {kind}"
            self.failures[kind] += 1
            kept = self.samples.setdefault(kind, [])
            if len(kept) < 20:
                trace = "".join(traceback.format_exception(error))[-2000:]
                kept.append({"format": fmt, "text": text[:4000], "trace": trace})
            return
        if outcome.refused:
            self.refused[outcome.refused.split(": ", 1)[1].split(" (")[0]] += 1
        self.findings += outcome.findings
        self.spin_refires += outcome.spin_refires
        self.examples_with_spin_refires += bool(outcome.spin_refires)
        self.other_refires += outcome.other_refires
        self.examples_with_other_refires += bool(outcome.other_refires)
        if outcome.refired:
            self.refired.update(outcome.refired)
            kept = self.samples.setdefault("refired " + ",".join(outcome.refired), [])
            if len(kept) < 5:
                kept.append({"format": fmt, "text": text[:4000]})

    def as_dict(self) -> dict[str, Any]:
        return {
            "revision": self.revision,
            "seed": self.seed,
            "grammar": self.grammar,
            "spin_engine": "trigram (--fast)" if self.fast else "contextual",
            "target": self.target,
            "jobs": self.jobs,
            "examples": self.examples,
            "seconds": round(time.perf_counter() - self.started, 1),
            "peak_rss_mb": round(max(peak_rss_mb(), self.shard_peak_rss_mb), 1),
            "formats": dict(self.formats),
            "refused": dict(self.refused),
            "findings": self.findings,
            "examples_with_spin_refires": self.examples_with_spin_refires,
            "spin_refires": self.spin_refires,
            "examples_with_other_refires": self.examples_with_other_refires,
            "other_refires": self.other_refires,
            "refired_rules": dict(self.refired.most_common()),
            "failed_examples": sum(self.failures.values()),
            "failures": dict(self.failures.most_common()),
            "samples": self.samples,
        }

    def absorb(self, data: dict[str, Any]) -> None:
        """Add one shard's results (its ``as_dict``)."""
        self.examples += data["examples"]
        self.formats.update(data["formats"])
        self.refused.update(data["refused"])
        self.findings += data["findings"]
        self.spin_refires += data["spin_refires"]
        self.examples_with_spin_refires += data["examples_with_spin_refires"]
        self.other_refires += data["other_refires"]
        self.examples_with_other_refires += data["examples_with_other_refires"]
        self.refired.update(data["refired_rules"])
        self.failures.update(data["failures"])
        for kind, kept in data["samples"].items():
            self.samples.setdefault(kind, []).extend(kept[: 20 - len(self.samples.get(kind, []))])
        self.shard_peak_rss_mb = max(self.shard_peak_rss_mb, data["peak_rss_mb"])

    def write(self, name: str) -> None:
        data = self.as_dict()
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", "utf-8")
        lines = [
            "# Fuzzing (`python -m bench.fuzz`)",
            "",
            f"Revision {data['revision']}, seed {self.seed}"
            + (
                f" ({self.jobs} shards in parallel, seeds {self.seed * 1000}–"
                f"{self.seed * 1000 + self.jobs - 1})"
                if self.jobs > 1
                else ""
            )
            + f", grammar {'on' if self.grammar else 'off'}, "
            f"spin engine {data['spin_engine']}: "
            f"{data['examples']:,} of {self.target:,} examples in {data['seconds']:,.0f} s, "
            f"peak RSS {data['peak_rss_mb']:,.0f} MB.",
            "",
            f"- formats: {', '.join(f'{k} {v:,}' for k, v in sorted(self.formats.items()))}",
            f"- refused with one line (exit 2): {sum(self.refused.values()):,} "
            f"({', '.join(f'{k}: {v:,}' for k, v in self.refused.most_common())})",
            f"- findings checked: {self.findings:,}",
            f"- failed examples: {data['failed_examples']:,}",
            f"- examples where cleaning the clean output applied spin repairs again: "
            f"{self.examples_with_spin_refires:,} ({self.spin_refires:,} repairs)",
            f"- examples where it applied other fixes again: {self.examples_with_other_refires:,} "
            f"({self.other_refires:,} fixes)"
            + (
                f"; rules: {', '.join(f'{k} {v:,}' for k, v in self.refired.most_common())}"
                if self.refired
                else ""
            ),
        ]
        lines += [f"  - {count:,} × {kind}" for kind, count in self.failures.most_common()]
        (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--grammar", action="store_true", help="with a real LanguageTool server")
    parser.add_argument("--results", default="fuzz", help="name of the results files in bench/results/")
    parser.add_argument("--fast", action="store_true", help="the trigram spin path (unspin --fast)")
    parser.add_argument("--jobs", type=int, default=1, help="shards run in parallel processes")
    args = parser.parse_args(argv)
    # SIGTERM stops a run as Ctrl-C does (a shard, or a run started in the background, may ignore SIGINT).
    signal.signal(signal.SIGTERM, _interrupted)
    if args.jobs > 1:
        return _sharded(args)

    from hypothesis import HealthCheck, given, seed, settings

    from unspin.config import Settings
    from unspin.pipeline import Context

    run_settings = (
        Settings(cache=False, fast=args.fast)
        if args.grammar
        else Settings(disabled_stages=("grammar",), cache=False, fast=args.fast)
    )
    tally = Tally(args.examples, args.seed, args.grammar, args.fast)

    with Context(run_settings) as ctx:

        @seed(args.seed)
        @settings(
            max_examples=args.examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(document=fuzz_documents.documents())
        def run(document: tuple[str, str]) -> None:
            text, fmt = document
            outcome, error = None, None
            try:
                outcome = fuzz_documents.check_document(text, fmt, run_settings, ctx)
            except Exception as exc:  # counted, not raised: the run goes on
                error = exc
            tally.add(text, fmt, outcome, error)
            if tally.examples % 50 == 0:
                print(
                    f"{tally.examples:>6} examples  {sum(tally.failures.values())} failed  "
                    f"{time.perf_counter() - tally.started:,.0f} s",
                    flush=True,
                )
            if tally.examples % 25 == 0:
                tally.write(args.results)

        try:
            run()
        finally:
            tally.write(args.results)
    print((RESULTS / f"{args.results}.md").read_text(encoding="utf-8"))
    return 1 if tally.failures else 0


def _interrupted(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: the results are being written
    raise KeyboardInterrupt


def _sharded(args: argparse.Namespace) -> int:
    """Split the examples over ``args.jobs`` processes (shard k: seed ``S*1000+k``), then merge."""
    flags = [f for f, on in (("--grammar", args.grammar), ("--fast", args.fast)) if on]
    shares = [args.examples // args.jobs + (k < args.examples % args.jobs) for k in range(args.jobs)]
    names = [f"{args.results}-shard{k}" for k in range(args.jobs)]
    tally = Tally(args.examples, args.seed, args.grammar, args.fast)
    tally.jobs = args.jobs
    module = [sys.executable, "-m", "bench.fuzz"]
    children = [
        subprocess.Popen(
            [
                *module,
                "--examples",
                str(share),
                "--seed",
                str(args.seed * 1000 + k),
                "--results",
                names[k],
                *flags,
            ],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
        )
        for k, share in enumerate(shares)
    ]
    try:
        for child in children:
            child.wait()
    except KeyboardInterrupt:  # stop the shards; each writes what it has done, and that is merged
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            child.wait()
    for name in names:
        tally.absorb(json.loads((RESULTS / f"{name}.json").read_text(encoding="utf-8")))
    tally.write(args.results)
    for name in names:
        for suffix in (".json", ".md"):
            (RESULTS / f"{name}{suffix}").unlink()
    print((RESULTS / f"{args.results}.md").read_text(encoding="utf-8"))
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
