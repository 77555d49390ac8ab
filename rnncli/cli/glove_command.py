"""`rnncli glove`: the catalogue and questions to a cached set (vector, neighbors, analogy...).

Fast start: only typer here; the store, the query and the renderer are imported inside each
command (the rich tables only when there is no ``--json``), and torch never. ``vector`` and
``similarity`` do not even import numpy: the store reads their rows with ``struct``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from rnncli.cli.help_format import HelpGroup, SectionedCommand
from rnncli.cli.options import CacheDir, Json
from rnncli.cli.output import emit, environment

app = typer.Typer(
    help="GloVe vectors: fetch a set once, then look words up, find neighbours and analogies.",
    no_args_is_help=True,
    cls=HelpGroup,
    rich_markup_mode=None,
)

#: ``--name NAME``, the set every query reads (default 6B.50d).
SetName = Annotated[
    str,
    typer.Option(
        "--name", "-n", metavar="NAME", help="The GloVe set (`rnncli glove list` shows them)."
    ),
]


def _open(name: str, cache_dir: Optional[Path]):
    from rnncli.glove.pretrained import open_vectors

    return open_vectors(name, cache_dir, option="--name")


@app.command("list", cls=SectionedCommand)
def list_command(
    ctx: typer.Context,
    cache_dir: CacheDir = None,
    as_json: Json = False,
) -> None:
    """The GloVe sets rnncli knows, and which are in the cache (with their size there)."""
    from rnncli.cache import resolve_cache_dir
    from rnncli.glove.set_listing import list_sets

    emit(
        list_sets(resolve_cache_dir(cache_dir)),
        "rnncli.render.glove:render_list",
        as_json,
        environment(ctx),
    )


@app.command("vector", cls=SectionedCommand)
def vector_command(
    ctx: typer.Context,
    words: list[str] = typer.Argument(..., help="Words to look up.", metavar="WORD..."),
    name: SetName = "6B.50d",
    cache_dir: CacheDir = None,
    as_json: Json = False,
) -> None:
    """The GloVe vector of each word; words the set lacks are listed as missing.

    Exit status 1 when the set has none of the words (a script sees the failure); when it
    has some, 0 with a warning naming the others.
    """
    from rnncli.glove.query import vectors
    from rnncli.glove.words import hint_text, listed, lowercase_hints

    store = _open(name, cache_dir)
    report = vectors(store, words)
    if report.missing:  # a diagnostic: stderr, whatever the output format ("missing" in --json)
        hint = hint_text(store, lowercase_hints(store, words))
        environment(ctx).warn(
            f"not in GloVe {report.name}: {listed(report.missing)}" + (f" ({hint})" if hint else "")
        )
    emit(report, "rnncli.render.glove:render_vectors", as_json, environment(ctx))
    if not report.vectors:
        raise typer.Exit(1)


@app.command("neighbors", cls=SectionedCommand)
def neighbors_command(
    ctx: typer.Context,
    word: str = typer.Argument(..., metavar="WORD", help="The word whose neighbours to find."),
    k: int = typer.Option(10, "-k", "--k", min=1, metavar="N", help="How many neighbours."),
    name: SetName = "6B.50d",
    cache_dir: CacheDir = None,
    as_json: Json = False,
) -> None:
    """The k words most similar to WORD (cosine), WORD itself excluded."""
    from rnncli.glove.query import neighbors

    emit(
        neighbors(_open(name, cache_dir), word, k),
        "rnncli.render.glove:render_neighbors",
        as_json,
        environment(ctx),
    )


@app.command("analogy", cls=SectionedCommand)
def analogy_command(
    ctx: typer.Context,
    a: str = typer.Argument(..., metavar="A", help="A in 'A is to B as C is to ?'."),
    b: str = typer.Argument(..., metavar="B", help="B."),
    c: str = typer.Argument(..., metavar="C", help="C."),
    k: int = typer.Option(5, "-k", "--k", min=1, metavar="N", help="How many candidates to show."),
    name: SetName = "6B.50d",
    cache_dir: CacheDir = None,
    as_json: Json = False,
) -> None:
    """A is to B as C is to ?: nearest to B - A + C on unit vectors (gensim/GloVe order).

    A, B and C are excluded from the answers: `analogy man king woman` gives queen.
    """
    from rnncli.glove.query import analogy

    emit(
        analogy(_open(name, cache_dir), a, b, c, k),
        "rnncli.render.glove:render_analogy",
        as_json,
        environment(ctx),
    )


@app.command("similarity", cls=SectionedCommand)
def similarity_command(
    ctx: typer.Context,
    word1: str = typer.Argument(..., metavar="WORD1", help="First word."),
    word2: str = typer.Argument(..., metavar="WORD2", help="Second word."),
    name: SetName = "6B.50d",
    cache_dir: CacheDir = None,
    as_json: Json = False,
) -> None:
    """Cosine similarity of two words."""
    from rnncli.glove.query import similarity

    emit(
        similarity(_open(name, cache_dir), word1, word2),
        "rnncli.render.glove:render_similarity",
        as_json,
        environment(ctx),
    )


@app.command("evaluate", cls=SectionedCommand)
def evaluate_command(
    ctx: typer.Context,
    name: SetName = "6B.50d",
    similarity: Optional[list[str]] = typer.Option(
        None,
        "--similarity",
        help="A word-similarity dataset: wordsim353, simlex999, or a file of "
        "word1<TAB>word2<TAB>score lines. Repeat for more.",
        metavar="DATASET",
        show_default=False,
    ),
    analogies: Optional[str] = typer.Option(
        None,
        "--analogies",
        help="An analogy dataset: google, or a file of ': section' lines and 'a b c d' lines.",
        metavar="DATASET",
        show_default=False,
    ),
    restrict_vocab: int = typer.Option(
        300_000,
        "--restrict-vocab",
        help="Use only the set's first N words (the most frequent), as gensim does.",
        metavar="N",
    ),
    cache_dir: CacheDir = None,
    as_json: Json = False,
) -> None:
    """How good are these vectors: word similarity (Spearman's ρ) and analogy accuracy.

    With no dataset option it runs WordSim353, SimLex-999 and the Google analogy set, with
    gensim's protocol, so the figures compare with published ones. The standard datasets come
    with gensim: pip install 'rnncli[eval]'.
    """
    from rnncli.glove.evaluation import evaluate
    from rnncli.render.progress import ByteProgress

    env = environment(ctx)
    with ByteProgress(env, "{task.description}", transient=True, counts=True) as bar:

        def progress(done: int, total: int) -> None:
            bar.update("analogies", done, total, description="analogy questions")

        report = evaluate(
            name,
            similarity=similarity or None,
            analogies=analogies,
            restrict_vocab=restrict_vocab,
            cache_dir=cache_dir,
            progress=progress,
        )
    emit(report, "rnncli.render.evaluation:render_evaluation", as_json, env)
