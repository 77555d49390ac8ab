"""`rnncli embed WORD...`: the notebook's nn.Embedding lookup in one command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer


def embed(
    words: Optional[list[str]] = typer.Argument(
        None,
        metavar="WORD...",
        help="Words to look up, exactly as typed; - alone reads them from stdin.",
        show_default=False,
    ),
    dim: int = typer.Option(5, "--dim", "-d", help="Embedding size (columns of the weight)."),
    seed: int = typer.Option(
        0, "--seed", help="torch.manual_seed before nn.Embedding: rows equal your notebook's."
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
    """
    from rnncli.embedding import check_dim, embed_words, save_embedding, words_from_text
    from rnncli.errors import UsageError
    from rnncli.terminal import stdout_console, warn, write_json

    words = list(words or [])
    if not words:
        raise UsageError("give at least one word, or - to read words from stdin", "WORD")
    check_dim(dim)
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
        dim=dim,
        seed=seed,
        vocab=loaded,
        vocab_source=str(vocab) if vocab is not None else None,
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
