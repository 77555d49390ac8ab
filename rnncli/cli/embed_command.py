"""`rnncli embed WORD...`: the notebook's nn.Embedding lookup in one command."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import typer

from rnncli.cli.help_format import choices
from rnncli.cli.options import CacheDir, Json, Seed, Vectors
from rnncli.cli.output import emit, environment
from rnncli.glove.pretrained import MissingPolicy
from rnncli.render.words import plural


def embed(
    ctx: typer.Context,
    words: Optional[list[str]] = typer.Argument(
        None,
        metavar="WORD...",
        help="Words to look up, exactly as typed; - alone reads them from stdin.",
        show_default=False,
    ),
    dim: Optional[int] = typer.Option(
        None,
        "--dim",
        "-d",
        metavar="N",
        help="Embedding size (columns of the weight). Default: 5, or the set's with --vectors.",
        show_default=False,
    ),
    seed: Seed = 0,
    vectors: Vectors = None,
    missing: MissingPolicy = typer.Option(
        MissingPolicy.zeros,
        "--missing",
        metavar=choices(MissingPolicy),
        help="Row for a word GloVe lacks: zeros (as pytorch-nlp), or random (normal, per-dimension "
        "mean/std of the GloVe rows found, seeded by --seed).",
    ),
    cache_dir: CacheDir = None,
    vocab: Optional[Path] = typer.Option(
        None,
        "--vocab",
        metavar="FILE",
        help="Use a vocabulary from `vocab build`: words are split by its tokenizer and unknown "
        "ones map to its unk token.",
        show_default=False,
    ),
    out: Optional[Path] = typer.Option(
        None,
        "--out",
        "-o",
        metavar="FILE",
        help="Save weight and vocabulary for torch.load(FILE, weights_only=True).",
        show_default=False,
    ),
    as_json: Json = False,
) -> None:
    """Embed words with nn.Embedding and show indices, one-hot codes, vectors and shapes.

    `rnncli embed hello world` builds {"hello": 0, "world": 1} (first appearance), runs
    torch.manual_seed(SEED); nn.Embedding(2, DIM) and looks the words up.
    `rnncli embed king queen --vectors 6B.50d` takes every row from GloVe instead, through
    nn.Embedding.from_pretrained; --seed then seeds the rows of words GloVe lacks
    (--missing random). --json gives "vocab", "indices", "shape" (words, dim) and "vectors"
    (exact).
    """
    from rnncli.embedding import (
        DEFAULT_DIM,
        check_dim,
        embed_words,
        save_embedding,
        words_from_text,
    )
    from rnncli.errors import UsageError
    from rnncli.rnn.spec import check_seed

    words = list(words or [])
    if not words and vocab is None:
        raise UsageError(
            "give at least one word, - to read words from stdin, or --vocab FILE alone "
            "for the whole vocabulary",
            "WORD",
        )
    if vocab is None:
        _check_one_word_each(words)
    if out is not None:
        from rnncli.input_files import check_writable_place

        check_writable_place(out, "--out")
    if dim is not None:
        check_dim(dim)
    check_seed(seed)  # before any GloVe file is opened
    store = None
    if vectors is not None:
        from rnncli.glove.pretrained import catalogue_dim, check_dim_matches, open_vectors

        check_dim_matches(dim, vectors, catalogue_dim(vectors))  # before any file is read
        store = open_vectors(vectors, cache_dir)
        check_dim_matches(dim, vectors, store.dim)
    elif missing is not MissingPolicy.zeros:
        raise UsageError("only applies with --vectors", "--missing")
    if words == ["-"]:
        from rnncli.input_files import read_stdin

        words = words_from_text(read_stdin("WORD"))
        if not words:
            raise UsageError("no words on stdin", "WORD")
    loaded = None
    if vocab is not None:
        from rnncli.text.vocab import Vocab

        loaded = Vocab.load(vocab, option="--vocab")
    report = embed_words(
        words,
        dim=dim if dim is not None else DEFAULT_DIM,
        seed=seed,
        vocab=loaded,
        vocab_source=str(vocab) if vocab is not None else None,
        glove=store,
        missing=missing.value,
    )
    env = environment(ctx)
    if report.unknown:
        env.warn(
            f"{plural(len(report.unknown), 'word')} not in {vocab}, looked up as "
            f"{report.vocab.unk}: {', '.join(report.unknown)}"
        )
    if report.pretrained is not None:
        for message in glove_warnings(report, store, whole_vocab=vocab is not None):
            env.warn(message)
    if out is not None:
        save_embedding(report, out)
        from rnncli.render.export import saved

        saved(f"saved weight {report.weight.shape} and vocabulary to {out}", env.stderr_console())
    data = None
    if as_json and out is not None:
        data = {**report.to_dict(), "out": str(out)}
    emit(report, "rnncli.render.embed:render_embed", as_json, env, data=data)


#: ASCII spaces: an argument holding one was meant as several words (GloVe's tokens may hold a
#: no-break space, so that one is left alone).
_ASCII_SPACE = re.compile(r"[ \t\r\n\v\f]")


def _check_one_word_each(words: list[str]) -> None:
    """``embed "The cat sat."``: one argument is one word; say how to embed a sentence."""
    from rnncli.errors import UsageError

    for word in words:
        if word != "-" and _ASCII_SPACE.search(word.strip()):
            shown = " ".join(word.split())
            raise UsageError(
                f"{word!r} is one argument holding spaces, but each argument is one word "
                f"(one row of the embedding): type them apart (rnncli embed {shown}), pipe the "
                "sentence to `rnncli embed -`, or add --vocab FILE to split it with a "
                "vocabulary's tokenizer",
                "WORD",
            )


#: Tokens named in a warning before "+N more"; --json lists them all.
WARN_LISTED = 20


def glove_warnings(report, store, whole_vocab: bool = False) -> list[str]:
    """Which entries GloVe lacks and the row they got; for an uncased set, the cased words
    whose lowercase form it has (``King`` is missing from 6B, ``king`` is not)."""
    from rnncli.glove.words import is_lowercase_set, listed, lowercase_hints

    rows = report.pretrained
    if not rows.missing:
        return []
    name = rows.name
    one = len(rows.missing) == 1
    what = ("vocabulary entry" if one else "vocabulary entries") if whole_vocab else "word"
    what += "" if one or whole_vocab else "s"
    row = "random rows" if rows.policy.value == "random" else "zero rows"
    messages = [
        f"{len(rows.missing):,} {what} not in GloVe {name}, given {row} "
        f"(--missing {rows.policy.value}): {listed(rows.missing, WARN_LISTED)}"
    ]
    hints = lowercase_hints(store, rows.missing) if is_lowercase_set(name) else {}
    if hints:
        pairs = ", ".join(f"{t} -> {low}" for t, low in list(hints.items())[:WARN_LISTED])
        verb = "is" if len(hints) == 1 else "are"
        them = "it" if len(hints) == 1 else "them"
        fix = "build the vocabulary with --lower" if whole_vocab else f"type {them} in lowercase"
        messages.append(f"{name} is lowercase: {pairs} {verb} in it ({fix})")
    return messages
