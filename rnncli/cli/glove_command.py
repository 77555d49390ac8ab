"""`rnncli glove`: the catalogue and questions to a cached set (vector, neighbors, analogy...).

Fast start: only typer here; the store, the query and the renderer are imported inside each
command (the rich tables only when there is no ``--json``), and torch never. ``vector`` and
``similarity`` do not even import numpy: the store reads their rows with ``struct``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(
    help="GloVe vectors: fetch a set once, then look words up, find neighbours and analogies.",
    no_args_is_help=True,
)

_NAME_HELP = "The GloVe set (`rnncli glove list` shows them)."
_CACHE_HELP = "Cache folder (default: $RNNCLI_CACHE_DIR, else the user's cache folder)."


def _name_option():
    return typer.Option("6B.50d", "--name", "-n", help=_NAME_HELP)


def _cache_option():
    return typer.Option(None, "--cache-dir", help=_CACHE_HELP)


def _json_option():
    return typer.Option(False, "--json", help="Print one JSON object instead of tables.")


def _open(name: str, cache_dir: Optional[Path]):
    from rnncli.glove.pretrained import open_vectors

    return open_vectors(name, cache_dir, option="--name")


def _emit(report, renderer: str, json_output: bool) -> None:
    """JSON, or the table drawn by ``rnncli.render.glove.<renderer>`` (imported only then)."""
    from rnncli.terminal import stdout_console, write_json

    if json_output:
        write_json(report.to_dict())
    else:
        from rnncli.render import glove as render

        getattr(render, renderer)(report, stdout_console())


@app.command("list")
def list_command(
    cache_dir: Optional[Path] = _cache_option(),
    json_output: bool = _json_option(),
) -> None:
    """The GloVe sets rnncli knows, and which are in the cache (with their size there)."""
    from rnncli.cache import resolve_cache_dir
    from rnncli.glove.set_listing import list_sets

    _emit(list_sets(resolve_cache_dir(cache_dir)), "render_list", json_output)


@app.command("vector")
def vector_command(
    words: list[str] = typer.Argument(..., help="Words to look up.", metavar="WORD..."),
    name: str = _name_option(),
    cache_dir: Optional[Path] = _cache_option(),
    json_output: bool = _json_option(),
) -> None:
    """The GloVe vector of each word; words the set lacks are listed as missing."""
    from rnncli.glove.query import vectors
    from rnncli.glove.words import hint_text, listed, lowercase_hints
    from rnncli.terminal import warn

    store = _open(name, cache_dir)
    report = vectors(store, words)
    if report.missing:  # a diagnostic: stderr, whatever the output format ("missing" in --json)
        hint = hint_text(store, lowercase_hints(store, words))
        warn(
            f"not in GloVe {report.name}: {listed(report.missing)}" + (f" ({hint})" if hint else "")
        )
    _emit(report, "render_vectors", json_output)


@app.command("neighbors")
def neighbors_command(
    word: str = typer.Argument(..., help="The word whose neighbours to find."),
    k: int = typer.Option(10, "-k", "--k", min=1, help="How many neighbours."),
    name: str = _name_option(),
    cache_dir: Optional[Path] = _cache_option(),
    json_output: bool = _json_option(),
) -> None:
    """The k words most similar to WORD (cosine), WORD itself excluded."""
    from rnncli.glove.query import neighbors

    _emit(neighbors(_open(name, cache_dir), word, k), "render_neighbors", json_output)


@app.command("analogy")
def analogy_command(
    a: str = typer.Argument(..., help="A in 'A is to B as C is to ?'."),
    b: str = typer.Argument(..., help="B."),
    c: str = typer.Argument(..., help="C."),
    k: int = typer.Option(5, "-k", "--k", min=1, help="How many candidates to show."),
    name: str = _name_option(),
    cache_dir: Optional[Path] = _cache_option(),
    json_output: bool = _json_option(),
) -> None:
    """A is to B as C is to ?: nearest to B - A + C on unit vectors (gensim/GloVe order).

    A, B and C are excluded from the answers: `analogy man king woman` gives queen.
    """
    from rnncli.glove.query import analogy

    _emit(analogy(_open(name, cache_dir), a, b, c, k), "render_analogy", json_output)


@app.command("similarity")
def similarity_command(
    word1: str = typer.Argument(..., help="First word."),
    word2: str = typer.Argument(..., help="Second word."),
    name: str = _name_option(),
    cache_dir: Optional[Path] = _cache_option(),
    json_output: bool = _json_option(),
) -> None:
    """Cosine similarity of two words."""
    from rnncli.glove.query import similarity

    _emit(similarity(_open(name, cache_dir), word1, word2), "render_similarity", json_output)
