"""`rnncli vocab build` and `rnncli vocab show`: count a corpus, save and inspect vocabularies.

Neither command imports torch: a vocabulary is counts and JSON; GloVe coverage (--vectors) is
a numpy hash probe into the memory-mapped set.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from rnncli.text.corpus import DecodeErrors
from rnncli.text.tokenize import TokenizerName

app = typer.Typer(help="Build and show vocabularies.", no_args_is_help=True)

_VECTORS_HELP = (
    "Add GloVe coverage for this set (e.g. 6B.50d): share of kept tokens it has, share of the "
    "running text those make up, and the most frequent tokens it lacks."
)
_CACHE_HELP = "GloVe cache folder (default: $RNNCLI_CACHE_DIR, else the user's cache folder)."


def _vectors_option():
    return typer.Option(None, "--vectors", help=_VECTORS_HELP, show_default=False)


def _cache_option():
    return typer.Option(None, "--cache-dir", help=_CACHE_HELP, show_default=False)


def _coverage(vocab, store, top: int):
    from rnncli.glove.coverage import glove_coverage

    return None if store is None else glove_coverage(vocab, store, top=top)


def _progress_callback():
    """A rich progress bar on stderr when it is a terminal, else no callback at all."""
    from rnncli.terminal import stderr_console

    console = stderr_console()
    if not console.is_terminal:
        return None, None
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TransferSpeedColumn,
    )

    progress = Progress(
        TextColumn("counting {task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=console,
        transient=True,
    )
    tasks: dict[str, int] = {}

    def callback(done: int, total: Optional[int], name: str) -> None:
        if name not in tasks:
            tasks[name] = progress.add_task(name, total=total)
        progress.update(tasks[name], completed=done)

    return progress, callback


@app.command("build")
def build(
    files: list[str] = typer.Argument(
        ..., metavar="FILE...", help="Text files (UTF-8), or - for stdin.", show_default=False
    ),
    out: Path = typer.Option(
        Path("vocab.json"), "--out", "-o", help="Where to write the vocabulary (JSON, atomically)."
    ),
    tokenizer: TokenizerName = typer.Option(
        TokenizerName.basic,
        "--tokenizer",
        help="basic: lowercase, split punctuation from words; whitespace: split on spaces only.",
    ),
    lower: Optional[bool] = typer.Option(
        None,
        "--lower/--no-lower",
        help="Lowercase before splitting. Default: yes for basic, no for whitespace.",
        show_default=False,
    ),
    min_freq: int = typer.Option(1, "--min-freq", help="Keep tokens seen at least N times (>= 1)."),
    max_size: Optional[int] = typer.Option(
        None,
        "--max-size",
        help="Keep at most N tokens besides the specials (>= 1). Default: no limit.",
        show_default=False,
    ),
    specials: str = typer.Option(
        "<pad>,<unk>", "--specials", help='Comma-separated special tokens, first; "" for none.'
    ),
    unk: str = typer.Option(
        "<unk>", "--unk", help="The special that unknown tokens map to (one of --specials)."
    ),
    errors: DecodeErrors = typer.Option(
        DecodeErrors.strict,
        "--errors",
        help="Bytes that are not UTF-8: strict stops with the file and offset; replace reads on.",
    ),
    top: int = typer.Option(10, "--top", help="How many of the most frequent tokens to list."),
    vectors: Optional[str] = _vectors_option(),
    cache_dir: Optional[Path] = _cache_option(),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
) -> None:
    """Count tokens in text files and save the vocabulary.

    Order: the specials first (as given), then tokens by descending count, ties by code-point
    order of the token. The summary shows how much of the text the kept tokens cover and
    Zipf's curve with the --min-freq/--max-size cut.
    """
    from rnncli.errors import UsageError
    from rnncli.render.vocab import render_vocab
    from rnncli.terminal import stdout_console, warn, write_json
    from rnncli.text.vocab import VocabSummary, build_vocab, parse_specials

    if top < 0:
        raise UsageError(f"must be >= 0, got {top}", "--top")
    store = None
    if vectors is not None:  # before counting: a missing set should not cost a pass over the text
        from rnncli.glove.pretrained import open_vectors

        store = open_vectors(vectors, cache_dir)
    progress, callback = (None, None) if as_json else _progress_callback()
    if progress is not None:
        progress.start()
    try:
        vocab = build_vocab(
            files,
            out=out,
            tokenizer=tokenizer.value,
            lower=lower,
            min_freq=min_freq,
            max_size=max_size,
            specials=parse_specials(specials),
            unk=unk,
            errors=errors.value,
            progress=callback,
        )
    finally:
        if progress is not None:
            progress.stop()
    if vocab.kept == 0:
        warn(f"no token reaches --min-freq {min_freq}: the vocabulary holds only the specials")
    summary = VocabSummary(vocab, top_n=top, path=str(out), glove=_coverage(vocab, store, top))
    if as_json:
        write_json(summary.to_dict())
    else:
        render_vocab(summary, stdout_console(), written=str(out))


@app.command("show")
def show(
    file: Path = typer.Argument(..., metavar="FILE", help="A vocabulary from `vocab build`."),
    top: int = typer.Option(20, "--top", help="How many of the most frequent tokens to list."),
    vectors: Optional[str] = _vectors_option(),
    cache_dir: Optional[Path] = _cache_option(),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
) -> None:
    """Print a saved vocabulary's summary, Zipf's curve and its top tokens."""
    from rnncli.errors import UsageError
    from rnncli.render.vocab import render_vocab
    from rnncli.terminal import stdout_console, write_json
    from rnncli.text.vocab import Vocab, VocabSummary

    if top < 0:
        raise UsageError(f"must be >= 0, got {top}", "--top")
    loaded = Vocab.load(file, option="FILE")
    store = None
    if vectors is not None:
        from rnncli.glove.pretrained import open_vectors

        store = open_vectors(vectors, cache_dir)
    summary = VocabSummary(loaded, top_n=top, path=str(file), glove=_coverage(loaded, store, top))
    if as_json:
        write_json(summary.to_dict())
    else:
        render_vocab(summary, stdout_console())
    sys.stdout.flush()
