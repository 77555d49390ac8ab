"""Where rnncli keeps downloaded and derived data (the GloVe store)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

from rnncli.errors import UsageError

PathLike = Union[str, "os.PathLike[str]"]

ENV_VAR = "RNNCLI_CACHE_DIR"


def resolve_cache_dir(override: Optional[PathLike] = None) -> Path:
    """``--cache-dir`` if given, else ``$RNNCLI_CACHE_DIR``, else the user's cache folder (XDG).

    The folder is not created here: read-only commands must not leave folders behind. One that
    exists and is not a folder (a file) is a UsageError naming the option or the variable that
    chose it, before anything reads or writes under it.
    """
    if override is not None and str(override) != "":
        return _folder(Path(override).expanduser(), "--cache-dir")
    env = os.environ.get(ENV_VAR, "")
    if env:
        return _folder(Path(env).expanduser(), ENV_VAR)
    import platformdirs

    return _folder(Path(platformdirs.user_cache_path("rnncli")), None)


def _folder(path: Path, source: Optional[str]) -> Path:
    """``path`` when it is a folder or can become one; else a UsageError naming ``source``."""
    for part in (path, *path.parents):  # the first that exists must be a folder
        if part.exists() or part.is_symlink():
            if part.is_dir():
                return path
            where = source or "the cache folder"
            what = f"{path} is a file" if part == path else f"{part} (in {path}) is a file"
            raise UsageError(
                f"{what}, not a folder; point {where} at a folder (it is created if missing)",
                source,
            )
    return path
