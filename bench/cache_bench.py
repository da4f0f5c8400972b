"""Cache benchmark: how much faster an unchanged re-run of ``unspin check`` on a large folder is.

    python bench/cache_bench.py                  # 120 articles, LanguageTool off
    python bench/cache_bench.py --files 400 --languagetool

A folder of articles is built from input/ (each copy gets its own closing sentence, so every file has
its own content hash). ``unspin check FOLDER --format json`` then runs three times as a user would run
it, as a separate process timed on the wall clock (start-up included): cold (empty cache), warm (same
files, same config) and warm after one file changed. The warm run must be at least ``--min-speedup``
times faster than the cold one (exit 1 otherwise), and all reports must agree on the unchanged files.
LanguageTool is off by default: its server start-up would only make the cold run slower and the
ratio larger, so the default is the conservative measurement.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNSPIN = Path(sys.executable).with_name("unspin")


def build_folder(target: Path, count: int) -> list[Path]:
    sources = sorted(p for p in (ROOT / "input").iterdir() if p.suffix in (".txt", ".md", ".html"))
    made: list[Path] = []
    for i in range(count):
        source = sources[i % len(sources)]
        text = source.read_text(encoding="utf-8")
        closing = f"This copy is number {i} of the benchmark folder."
        if source.suffix == ".html":
            text = text.replace("</article>", f"<p>{closing}</p></article>", 1)
        else:
            text = text.rstrip("\n") + f"\n\n{closing}\n"
        path = target / f"{source.stem}-{i:04d}{source.suffix}"
        path.write_text(text, encoding="utf-8")
        made.append(path)
    return made


def timed_check(folder: Path) -> tuple[float, dict]:
    started = time.perf_counter()
    done = subprocess.run(
        [str(UNSPIN), "check", str(folder), "--format", "json", "--fail-level", "never"],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"unspin check failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return elapsed, json.loads(done.stdout)


def by_path(report: dict) -> dict[str, list]:
    return {f["path"]: f["diagnostics"] for f in report["files"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=120)
    parser.add_argument("--languagetool", action="store_true", help="keep the grammar stage on")
    parser.add_argument("--min-speedup", type=float, default=10.0)
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="unspin-cache-bench-"))
    try:
        folder = work / "articles"
        folder.mkdir()
        mode = "auto" if args.languagetool else "off"
        (folder / "unspin.toml").write_text(f'[languagetool]\nmode = "{mode}"\n', encoding="utf-8")
        files = build_folder(folder, args.files)
        cold, cold_report = timed_check(folder)
        warm, warm_report = timed_check(folder)
        changed = files[0]
        changed.write_text(changed.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
        one_changed, changed_report = timed_check(folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    same = by_path(cold_report) == by_path(warm_report)
    unchanged = {k: v for k, v in by_path(changed_report).items() if not k.endswith(changed.name)}
    same_after_change = unchanged == {k: v for k, v in by_path(cold_report).items() if k in unchanged}
    speedup = cold / warm if warm > 0 else float("inf")
    result = {
        "files": args.files,
        "languagetool": mode,
        "cold_s": round(cold, 3),
        "warm_s": round(warm, 3),
        "one_changed_s": round(one_changed, 3),
        "speedup": round(speedup, 1),
        "identical_reports": same and same_after_change,
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if not (same and same_after_change):
        print("cache_bench: cached and fresh reports differ", file=sys.stderr)
        return 1
    if speedup < args.min_speedup:
        print(f"cache_bench: speed-up {speedup:.1f}× is below {args.min_speedup:g}×", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
