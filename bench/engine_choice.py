"""The contextual model's weight format, chosen by measurement: int8 against float32 on CTranslate2.

    python -m bench.engine_choice                 # converts both into a temporary folder, then measures

On the sentences of the tune split's clean articles (and their moby-spun versions): scoring speed
(tokens/s, batched as the engine batches), peak RSS of a process that only scores, and whether the two
formats agree on what the judge asks: for every gold spin edit, is the sentence with the original more
probable than the spun one, and by how much.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import RESULTS, load_corpus, spun_versions

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]")

_WORKER = """
import json, resource, sys, time
from pathlib import Path
from unspin.neural.engine import ContextualLM
lm = ContextualLM(Path(sys.argv[1]), sys.argv[2])
data = json.loads(Path(sys.argv[3]).read_text())
lm.score(data["sentences"][:8]); lm.clear_caches()
started = time.perf_counter()
lm.score(data["sentences"])
seconds = time.perf_counter() - started
tokens = lm.tokens_run
pairs = lm.score([t for pair in data["pairs"] for t in pair])
print(json.dumps({"seconds": seconds, "tokens": tokens, "pairs": pairs,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _pairs(limit: int | None) -> tuple[list[str], list[tuple[str, str]]]:
    articles = load_corpus(split="tune", limit=limit)
    sentences = [s.strip() for a in articles for s in _SENTENCE.findall(a.text) if len(s.split()) > 4]
    pairs = []
    for version in spun_versions(articles, ("moby",), (0.12,)):
        spun = version.spun.text
        for edit in version.spun.edits:
            if edit.type != "spin":
                continue
            left = max(spun.rfind(".", 0, edit.spun_start), spun.rfind("\n", 0, edit.spun_start)) + 1
            right_dot = spun.find(".", edit.spun_end)
            right = right_dot + 1 if right_dot >= 0 else len(spun)
            sentence = spun[left:right].strip()
            restored = (spun[left : edit.spun_start] + edit.orig_text + spun[edit.spun_end : right]).strip()
            if 3 < len(sentence.split()) < 60:
                pairs.append((restored, sentence))
    return sentences, pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="only the first N tune articles")
    parser.add_argument("--out", type=Path, default=RESULTS / "engine-choice.json")
    args = parser.parse_args(argv)
    from unspin.neural.convert import convert

    sentences, pairs = _pairs(args.limit)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.json"
        data.write_text(json.dumps({"sentences": sentences, "pairs": pairs}), encoding="utf-8")
        for compute in ("float32", "int8"):
            folder = Path(tmp) / compute
            started = time.perf_counter()
            convert(folder, compute)
            converted = time.perf_counter() - started
            done = subprocess.run(
                [sys.executable, "-c", _WORKER, str(folder), compute, str(data)],
                capture_output=True,
                text=True,
                check=True,
            )
            row = json.loads(done.stdout)
            scores = row.pop("pairs")
            gains = [scores[2 * k] - scores[2 * k + 1] for k in range(len(pairs))]
            results[compute] = {
                "convert_seconds": round(converted, 1),
                "model_mb": round((folder / "model.bin").stat().st_size / 1e6, 1),
                "tokens_per_second": round(row["tokens"] / row["seconds"], 1),
                "peak_rss_mb": round(row["peak_rss_mb"], 1),
                "original_preferred": round(sum(g > 0 for g in gains) / max(1, len(gains)), 4),
                "_gains": gains,
            }
    reference, quantised = results["float32"].pop("_gains"), results["int8"].pop("_gains")
    agree = sum((a > 0) == (b > 0) for a, b in zip(reference, quantised, strict=True)) / max(
        1, len(reference)
    )
    mean_abs = sum(abs(a - b) for a, b in zip(reference, quantised, strict=True)) / max(1, len(reference))
    summary = {
        "sentences": len(sentences),
        "gold_pairs": len(pairs),
        **results,
        "int8_float32_same_verdict": round(agree, 4),
        "int8_float32_mean_abs_gain_difference_nats": round(mean_abs, 3),
    }
    print(json.dumps(summary, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
