"""One check with grammar, with and without a warm LanguageTool server (``unspin languagetool start``).

    python -m bench.languagetool_warm --repeat 2

In turn, ``--repeat`` times: ``unspin check one.md --require-grammar --no-cache`` with no warm server
(the run starts and stops its own JVM), then ``unspin languagetool start`` and the same check again (it
uses the warm server), then ``unspin languagetool stop``. The warm server lives in a private folder
(``UNSPIN_LANGUAGETOOL_WARM_DIR``), so a server the user keeps is neither used nor stopped. The article
is the 400-word one of ``bench.cold_start``. Results: ``bench/results/languagetool-warm.{json,md}``.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from typing import Any

from bench.cold_start import sample_article


def _timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure(repeat: int) -> dict[str, Any]:
    from bench.common import revision

    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="unspin-lt-warm-") as tmp:
        folder = Path(tmp)
        article = sample_article(folder)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([*sys.path[:1], os.environ.get("PYTHONPATH", "")]),
            "UNSPIN_LANGUAGETOOL_WARM_DIR": str(folder / "warm"),
        }
        unspin = [python, "-m", "unspin.cli"]
        check = [*unspin, "check", str(article), "--require-grammar", "--no-cache", "--exit-zero"]
        cold: list[float] = []
        warm: list[float] = []
        starts: list[float] = []
        for _ in range(repeat):
            cold.append(_timed(check, env))
            starts.append(_timed([*unspin, "languagetool", "start", "--idle-timeout", "600"], env))
            try:
                warm.append(_timed(check, env))
            finally:
                subprocess.run([*unspin, "languagetool", "stop"], env=env, check=True, capture_output=True)
        words = len(article.read_text(encoding="utf-8").split())
    return {
        "revision": revision(),
        "words": words,
        "repeat": repeat,
        "cold_seconds": cold,
        "warm_seconds": warm,
        "start_seconds": starts,
        "warm_over_cold": statistics.median(warm) / statistics.median(cold),
    }


def markdown(result: dict[str, Any]) -> str:
    def listed(values: list[float]) -> str:
        return " / ".join(f"{v:.1f}" for v in values)

    return (
        f"# One check with grammar ({result['words']} words), with and without a warm LanguageTool\n\n"
        f"Revision {result['revision']}; {result['repeat']} rounds in turn on a shared 2-core machine.\n\n"
        "| run | seconds |\n|---|---:|\n"
        f"| check, own JVM | {listed(result['cold_seconds'])} |\n"
        f"| check, warm server | {listed(result['warm_seconds'])} |\n"
        f"| `unspin languagetool start` | {listed(result['start_seconds'])} |\n"
        f"| warm / own JVM (medians) | {result['warm_over_cold']:.2f} |\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    from bench.common import write_results

    result = measure(args.repeat)
    write_results("languagetool-warm", result, markdown(result))


if __name__ == "__main__":
    main()
