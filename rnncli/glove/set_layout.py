"""Where a cached GloVe set lives and which files make it.

Each set lives in ``<cache>/glove/<name>/``:

* ``vectors.npy``: float32 ``[count, dim]`` (:mod:`rnncli.glove.npy_file`);
* ``norms.npy``: float32 ``[count]``, the L2 norm of every row (cosine without a normalised copy);
* ``words.bin``, ``offsets.npy`` and ``table.npy``: the tokens and their hash table
  (:mod:`rnncli.glove.word_table`);
* ``meta.json``: name, dim, count, source, parse statistics, and each file's size, mtime and
  CRC-32 (:mod:`rnncli.glove.integrity`).
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Optional

from rnncli.errors import UsageError

FORMAT_VERSION = 1
#: The set's data files, in the order meta.json lists them.
FILES = ("vectors.npy", "norms.npy", "words.bin", "offsets.npy", "table.npy")


def downloads_dir(cache_dir: Path) -> Path:
    """The cache's folder for archives being downloaded (``<archive>.part``) or kept."""
    return Path(cache_dir) / "downloads"


def set_dir(name: str, cache_dir: Path) -> Path:
    """The folder of set ``name`` inside ``cache_dir``."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise UsageError(f"not a valid set name: {name!r}", option="--name")
    return Path(cache_dir) / "glove" / name


def fetch_hint(name: str, cache_dir: Optional[Path] = None) -> str:
    """The command that (re)builds set ``name``, for error messages.

    ``cache_dir`` (the cache the set was looked for in) adds ``--cache-dir`` when a plain
    ``rnncli glove fetch`` would write elsewhere, so the hint rebuilds the very set that failed.
    """
    command = f"rnncli glove fetch {shlex.quote(name)}"
    if cache_dir is not None:
        from rnncli.cache import resolve_cache_dir

        try:
            usual: Optional[Path] = resolve_cache_dir()
        except UsageError:  # $RNNCLI_CACHE_DIR names a file: the flag is needed
            usual = None
        if usual is None or _same(usual, Path(cache_dir)) is False:
            command += f" --cache-dir {shlex.quote(str(cache_dir))}"
    return f"run `{command}`"


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b


def folder_bytes(path: Path) -> int:
    """A set's size on disk: every file of its folder, ``meta.json`` included."""
    return sum(p.stat().st_size for p in Path(path).iterdir() if p.is_file())
