"""Where rnncli keeps downloaded and derived data (the GloVe store)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

PathLike = Union[str, "os.PathLike[str]"]

ENV_VAR = "RNNCLI_CACHE_DIR"


def resolve_cache_dir(override: Optional[PathLike] = None) -> Path:
    """``--cache-dir`` if given, else ``$RNNCLI_CACHE_DIR``, else the user's cache folder (XDG).

    The folder is not created here: read-only commands must not leave folders behind.
    """
    if override is not None and str(override) != "":
        return Path(override).expanduser()
    env = os.environ.get(ENV_VAR, "")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_path("rnncli"))
