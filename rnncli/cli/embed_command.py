"""`rnncli embed WORD...`: the notebook's nn.Embedding lookup in one command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from rnncli.glove.pretrained import MissingPolicy


def embed(
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
        help="Embedding size (columns of the weight). Default: 5, or the set's with --vectors.",
        show_default=False,
    ),
    seed: int = typer.Option(
        0,
        "--seed",
        help="torch.manual_seed before nn.Embedding: rows equal your notebook's. With --vectors "
        "and --missing random: the seed of the rows for words GloVe lacks.",
    ),
    vectors: Optional[str] = typer.Option(
        None,
        "--vectors",
        help="Take every row from this GloVe set (e.g. 6B.50d; `rnncli glove list`) through "
        "nn.Embedding.from_pretrained. Fetch it once first: `rnncli glove fetch NAME`.",
        show_default=False,
    ),
    missing: MissingPolicy = typer.Option(
        MissingPolicy.zeros,
        "--missing",
        help="Row for a word GloVe lacks: zeros (as pytorch-nlp), or random (normal, per-dimension "
        "mean/std of the GloVe rows found, seeded by --seed).",
    ),
    cache_dir: Optional[Path] = typer.Option(
        None,
        "--cache-dir",
        help="GloVe cache folder (default: $RNNCLI_CACHE_DIR, else the user's cache folder).",
        show_default=False,
    ),
    vocab: Optional[Path] = typer.Option(
        None,
        "--vocab",
        help="Use a vocabulary from `vocab build`: words are split by its tokenizer and unknown "
        "ones map to its unk token.",
        show_default=False,
    ),
    out: Optional[Path] = typer.Option(
        None,
        "--out",
        "-o",
        help="Save weight and vocabulary for torch.load(FILE, weights_only=True).",
        show_default=False,
    ),
    as_json: bool = typer.Option(
        False,
        "--json",
        help='One JSON object: "vocab", "indices", "shape" (words, dim), "vectors" (exact).',
    ),
) -> None:
    """Embed words with nn.Embedding and show indices, one-hot codes, vectors and shapes.

    `rnncli embed hello world` builds {"hello": 0, "world": 1} (first appearance), runs
    torch.manual_seed(SEED); nn.Embedding(2, DIM) and looks the words up.
    `rnncli embed king queen --vectors 6B.50d` takes the rows from GloVe instead.
    """
    from rnncli.embedding import (
        DEFAULT_DIM,
        check_dim,
        embed_words,
        save_embedding,
        words_from_text,
    )
    from rnncli.errors import UsageError
    from rnncli.terminal import stdout_console, warn, write_json

    words = list(words or [])
    if not words and vocab is None:
        raise UsageError(
            "give at least one word, - to read words from stdin, or --vocab FILE alone "
            "for the whole vocabulary",
            "WORD",
        )
    if dim is not None:
        check_dim(dim)
    store = None
    if vectors is not None:
        from rnncli.glove.pretrained import catalogue_dim, check_dim_matches, open_vectors

        check_dim_matches(dim, vectors, catalogue_dim(vectors))  # before any file is read
        store = open_vectors(vectors, cache_dir)
        check_dim_matches(dim, vectors, store.dim)
    elif missing is not MissingPolicy.zeros:
        raise UsageError("only applies with --vectors", "--missing")
    if words == ["-"]:
        words = words_from_text(sys.stdin.read())
        if not words:
            raise UsageError("no words on stdin", "WORD")
    loaded = None
    if vocab is not None:
        from rnncli.text.vocab import Vocab

        loaded = Vocab.load(vocab)
    report = embed_words(
        words,
        dim=dim if dim is not None else DEFAULT_DIM,
        seed=seed,
        vocab=loaded,
        vocab_source=str(vocab) if vocab is not None else None,
        glove=store,
        missing=missing.value,
    )
    if report.unknown:
        warn(
            f"{len(report.unknown)} word(s) not in {vocab}, looked up as "
            f"{report.vocab.unk}: {', '.join(report.unknown)}"
        )
    if out is not None:
        save_embedding(report, out)
    if as_json:
        data = report.to_dict()
        if out is not None:
            data["out"] = str(out)
        write_json(data)
        return
    from rnncli.render.embed import render_embed

    console = stdout_console()
    render_embed(report, console)
    if out is not None:
        console.print(f"saved weight {report.weight.shape} and vocabulary to {out}")
