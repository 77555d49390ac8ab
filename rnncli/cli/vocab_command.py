"""`rnncli vocab build` and `rnncli vocab show`: count a corpus, save and inspect vocabularies.

Neither command imports torch: a vocabulary is counts and JSON; GloVe coverage (--vectors) is
a numpy hash probe into the memory-mapped set.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Optional

import typer

from rnncli.cli.help_format import HelpGroup, SectionedCommand, choices
from rnncli.cli.options import CacheDir, Json, Vectors, jobs_option
from rnncli.cli.output import emit, environment, resolve
from rnncli.terminal import Environment
from rnncli.text.corpus import DecodeErrors
from rnncli.text.tokenize import TokenizerName

Jobs = jobs_option(
    "stdin", "a thread each (a worker process each where rnncli's C part was not built)"
)

app = typer.Typer(
    help="Build and show vocabularies.", no_args_is_help=True, cls=HelpGroup, rich_markup_mode=None
)

_RENDER = "rnncli.render.vocab:render_vocab"


@contextmanager
def _counting_progress(env: Environment, as_json: bool) -> Iterator[Optional[Callable]]:
    """The library's progress callback drawing a bar on stderr; None (no calls at all) where
    stderr is no terminal or the output is JSON."""
    if as_json or not env.stderr_terminal:
        yield None
        return
    from rnncli.render.progress import ByteProgress

    with ByteProgress(env, "counting {task.description}", transient=True) as bar:
        yield lambda done, total, name: bar.update(name, done, total)


def _coverage(vocab, store, top: int):
    from rnncli.glove.coverage import glove_coverage

    return None if store is None else glove_coverage(vocab, store, top=top)


@app.command("build", cls=SectionedCommand)
def build(
    ctx: typer.Context,
    files: list[str] = typer.Argument(
        ..., metavar="FILE...", help="Text files (UTF-8), or - for stdin.", show_default=False
    ),
    out: Optional[Path] = typer.Option(
        None,
        "--out",
        "-o",
        metavar="FILE",
        help="Write the vocabulary to FILE (JSON, atomically; an existing FILE is replaced), "
        "or to stdout with - (the summary then goes to stderr). Without it nothing is saved.",
        show_default=False,
    ),
    tokenizer: TokenizerName = typer.Option(
        TokenizerName.basic,
        "--tokenizer",
        metavar=choices(TokenizerName),
        help="basic: lowercase, split punctuation from words; whitespace: split on spaces only.",
    ),
    lower: Optional[bool] = typer.Option(
        None,
        "--lower/--no-lower",
        help="Lowercase before splitting. Default: yes for basic, no for whitespace.",
        show_default=False,
    ),
    min_freq: int = typer.Option(
        1, "--min-freq", metavar="N", help="Keep tokens seen at least N times (>= 1)."
    ),
    max_size: Optional[int] = typer.Option(
        None,
        "--max-size",
        metavar="N",
        help="Keep at most N tokens besides the specials (>= 1). Default: no limit.",
        show_default=False,
    ),
    specials: str = typer.Option(
        "<pad>,<unk>",
        "--specials",
        metavar="TOKENS",
        help='Comma-separated special tokens, first; "" for none.',
    ),
    unk: str = typer.Option(
        "<unk>",
        "--unk",
        metavar="TOKEN",
        help="The special that unknown tokens map to (one of --specials).",
    ),
    errors: DecodeErrors = typer.Option(
        DecodeErrors.strict,
        "--errors",
        metavar=choices(DecodeErrors),
        help="Bytes that are not UTF-8: strict stops with the file and offset; replace reads on.",
    ),
    top: int = typer.Option(
        10, "--top", metavar="N", help="How many of the most frequent tokens to list."
    ),
    jobs: Jobs = None,
    vectors: Vectors = None,
    cache_dir: CacheDir = None,
    as_json: Json = False,
) -> None:
    """Count tokens in text files; save the vocabulary with --out FILE (or --out - for stdout).

    Order: the specials first (as given), then tokens by descending count, ties by code-point
    order of the token. The summary shows how much of the text the kept tokens cover and
    Zipf's curve with the --min-freq/--max-size cut.

    With --vectors NAME, the set's coverage: the share of kept tokens it has, the share of the
    running text those make up, and the most frequent tokens it lacks.
    """
    from rnncli.errors import UsageError
    from rnncli.text.vocab import VocabSummary, build_vocab, parse_specials

    if top < 0:
        raise UsageError(f"must be >= 0, got {top}", "--top")
    to_stdout = out is not None and str(out) == "-"
    if to_stdout and as_json:
        raise UsageError(
            "- writes the vocabulary to stdout; --json would print the summary there too: drop one",
            "--out",
        )
    if out is not None and not to_stdout:
        from rnncli.input_files import check_writable_place

        check_writable_place(out, "--out")
    store = None
    if vectors is not None:  # before counting: a missing set should not cost a pass over the text
        from rnncli.glove.pretrained import open_vectors

        store = open_vectors(vectors, cache_dir)
    env = environment(ctx)
    with _counting_progress(env, as_json) as callback:
        vocab = build_vocab(
            files,
            out=None if to_stdout else out,
            tokenizer=tokenizer.value,
            lower=lower,
            min_freq=min_freq,
            max_size=max_size,
            specials=parse_specials(specials),
            unk=unk,
            errors=errors.value,
            progress=callback,
            jobs=jobs,
        )
    if vocab.kept == 0:
        env.warn(f"no token reaches --min-freq {min_freq}: the vocabulary holds only the specials")
    saved_to = None if out is None else ("<stdout>" if to_stdout else str(out))
    summary = VocabSummary(vocab, top_n=top, path=saved_to, glove=_coverage(vocab, store, top))
    if to_stdout:  # the vocabulary is the output; the summary is a diagnostic
        env.stdout.writelines(vocab.json_pieces())
        env.stdout.write("\n")
        env.stdout.flush()
        resolve(_RENDER)(summary, env.stderr_console(), written=saved_to)
        return
    emit(summary, _RENDER, as_json, env, written=saved_to)


@app.command("show", cls=SectionedCommand)
def show(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="FILE", help="A vocabulary from `vocab build`."),
    top: int = typer.Option(
        20, "--top", metavar="N", help="How many of the most frequent tokens to list."
    ),
    vectors: Vectors = None,
    cache_dir: CacheDir = None,
    as_json: Json = False,
) -> None:
    """Print a saved vocabulary's summary, Zipf's curve and its top tokens.

    With --vectors NAME, the set's coverage: the share of kept tokens it has, the share of the
    running text those make up, and the most frequent tokens it lacks.
    """
    from rnncli.errors import UsageError
    from rnncli.text.vocab import Vocab, VocabSummary

    if top < 0:
        raise UsageError(f"must be >= 0, got {top}", "--top")
    loaded = Vocab.load(file, option="FILE")
    store = None
    if vectors is not None:
        from rnncli.glove.pretrained import open_vectors

        store = open_vectors(vectors, cache_dir)
    summary = VocabSummary(loaded, top_n=top, path=str(file), glove=_coverage(loaded, store, top))
    emit(summary, _RENDER, as_json, environment(ctx))
