"""The clean article as Markdown with YAML front matter."""

from __future__ import annotations

from typing import Any

import yaml


def front_matter(doc_meta: dict[str, Any]) -> str:
    body = yaml.safe_dump(doc_meta, sort_keys=False, allow_unicode=True, width=100).strip()
    return f"---\n{body}\n---\n\n"


def render(
    title: str | None,
    keyphrase: str | None,
    source_label: str,
    scores: dict[str, Any],
    metadata: dict[str, Any],
    body_markdown: str,
    keyphrase_inferred: bool = False,
) -> str:
    meta: dict[str, Any] = {}
    # Front matter the author wrote comes first and is kept; unspin's own keys follow.
    for key, value in metadata.items():
        if key not in ("title", "keyphrase", "keyphrase_source", "source", "scores"):
            meta[key] = value
    # An inferred keyphrase says so: read back as plain ``keyphrase`` it would count as the author's, and
    # cleaning the clean file again would remove with that trust what the first clean only reported.
    provenance = {"keyphrase_source": "inferred"} if keyphrase and keyphrase_inferred else {}
    meta = {
        "title": title or "",
        "keyphrase": keyphrase,
        **provenance,
        "source": source_label,
        **meta,
        "scores": {
            key: scores.get(key)
            for key in ("overall", "spin", "stuffing", "grammar", "readability", "boilerplate")
        }
        | {"overall_before": scores.get("before", {}).get("overall")},
    }
    return front_matter(meta) + body_markdown.rstrip("\n") + "\n"
