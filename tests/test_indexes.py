"""The memory-mapped indexes in the cache answer exactly what the in-memory ones answered."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from unspin.spin import cache as spin_cache
from unspin.spin import thesaurus_store
from unspin.spin.thesaurus import Thesaurus

REPO = Path(__file__).resolve().parents[1]


def _small_index() -> dict[str, object]:
    heads = ["risk", "block", "well-being", "hazard", "dam"]
    return {
        "heads": heads,
        "fanout": [12, 30, 4, 7, 9],
        "inverse": {
            "hazard": (0 * 8 + 1, 3 * 8 + 3),
            "dam": (1 * 8 + 2,),
            "perfectly-becoming": (2 * 8 + 1,),
            "chance": (0 * 8 + 7, 3 * 8 + 1),
        },
        "pos": {"risk": "nv", "block": "nv", "hazard": "n", "chance": "an"},
        "compounds": ["perfectly-becoming", "well-being"],
    }


def test_mapped_thesaurus_answers_as_the_dictionaries(tmp_path: Path) -> None:
    data = _small_index()
    thesaurus_store.write(data, tmp_path)
    mapped = Thesaurus(thesaurus_store.MappedIndex(tmp_path))
    plain = Thesaurus(data)
    terms = {*data["inverse"], *data["heads"], *data["pos"], "absent", "risk factor"}  # type: ignore[misc]
    for term in sorted(terms):
        assert mapped.codes_of(term) == plain.codes_of(term), term
        assert mapped.originals_of(term) == plain.originals_of(term), term
        assert mapped.lists(term) == plain.lists(term), term
        assert mapped.listing(term) == plain.listing(term), term
        assert mapped.heads_of(term) == plain.heads_of(term), term
        assert mapped.is_head(term) == plain.is_head(term), term
        assert mapped.fanout(term) == plain.fanout(term), term
        assert mapped.pos_of(term) == plain.pos_of(term), term
    assert mapped.compounds == plain.compounds
    assert mapped.head_count == plain.head_count
    assert [mapped.head(i) for i in range(5)] == [plain.head(i) for i in range(5)]
    assert all(type(mapped.head(i)[1]) is int for i in range(5))


def test_real_thesaurus_opens_from_the_cache() -> None:
    thesaurus = Thesaurus.load()
    assert "risk" in {c.text for c in thesaurus.originals_of("hazard")}
    assert thesaurus.head_count > 100_000


def test_a_cache_folder_is_built_once_with_a_note(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("UNSPIN_CACHE_DIR", str(tmp_path))
    writes: list[Path] = []

    def write(folder: Path) -> None:
        writes.append(folder)
        (folder / "value.txt").write_text("42", encoding="utf-8")

    def read(folder: Path) -> str:
        return (folder / "value.txt").read_text(encoding="utf-8")

    assert spin_cache.open_or_build_folder("probe", {"v": "1"}, write, read, "probe index") == "42"
    assert "building the probe index" in capsys.readouterr().err
    assert spin_cache.open_or_build_folder("probe", {"v": "1"}, write, read, "probe index") == "42"
    assert capsys.readouterr().err == ""
    assert len(writes) == 1
    assert spin_cache.is_built("probe", {"v": "1"})
    # A folder left without its completion mark (a build that died) is built again.
    (spin_cache.versioned_folder("probe", {"v": "1"}) / spin_cache.COMPLETE_MARK).unlink()
    assert not spin_cache.is_built("probe", {"v": "1"})
    folder = spin_cache.versioned_folder("probe", {"v": "1"})
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
    assert spin_cache.open_or_build_folder("probe", {"v": "1"}, write, read, "probe index") == "42"
    assert len(writes) == 2
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left behind


def test_word_vectors_from_the_cache_equal_spacys_table() -> None:
    from spacy.strings import hash_string
    from spacy.vectors import Vectors

    from unspin.spin import semantics

    vectors = semantics.WordVectors.load()
    spec_folder = Path(__import__(semantics.PACKAGE).__file__).parent / semantics.MODEL_FOLDER / "vocab"
    reference = Vectors()
    reference.from_disk(spec_folder)
    table = np.asarray(reference.data, dtype=np.float32)
    norms = np.linalg.norm(table, axis=1, keepdims=True)
    table = table / np.where(norms > 0, norms, 1.0)
    for word in ("house", "plant", "injury", "running", "zzzqx", "Lisbon", "photosynthesis"):
        row = reference.key2row.get(hash_string(word.lower()))
        found = vectors.unit(word)
        if row is None:
            assert found is None, word
        else:
            assert found is not None and np.array_equal(found, table[row]), word
    keys = list(reference.key2row.items())[::97]
    assert all(vectors._key2row.get(key) == row for key, row in keys)


def _run(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=REPO
    ).stdout


def test_reading_ease_from_the_table_equals_textstat_over_nltk() -> None:
    texts = sorted(str(p) for p in (REPO / "bench" / "corpus" / "articles").glob("*.txt"))[:12]
    with_table = _run(
        "import json, sys; from unspin.readability import flesch_reading_ease as f\n"
        f"print(json.dumps([f(open(p).read()) for p in {texts!r}]))\n"
        "assert 'nltk' not in sys.modules"
    )
    with_nltk = _run(
        "import json; from unspin.readability import ensure_cmudict; ensure_cmudict(); import textstat\n"
        f"print(json.dumps([float(textstat.flesch_reading_ease(open(p).read())) for p in {texts!r}]))"
    )
    assert json.loads(with_table) == json.loads(with_nltk)
    assert len(json.loads(with_table)) == 12


def test_help_and_rules_do_not_import_spacy() -> None:
    for argv in (["--help"], ["rules"], ["rules", "SPIN002"]):
        out = _run(
            "import contextlib, io, sys\nfrom unspin.cli import main\n"
            f"with contextlib.redirect_stdout(io.StringIO()): status = main({argv!r})\n"
            "print(status, sorted(m for m in ('spacy', 'numpy', 'nltk', 'textstat') if m in sys.modules))"
        )
        assert out.split()[0] == "0", argv
        assert "spacy" not in out and "nltk" not in out, (argv, out)
