"""The optional C parts of rnncli, loaded where they were built and not turned off.

``pip install`` compiles them when a C compiler is at hand (``optional = true`` in
pyproject.toml); without one the install goes on and the Python paths do the same work, with
the same results. ``RNNCLI_PURE_PYTHON=1`` turns the C parts off, to compare or to test those
paths.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Optional


def cached(cache: list, name: str) -> Optional[ModuleType]:
    """:func:`load` ``name`` once: ``cache`` is the calling module's one-item list (its
    ``_ACCELERATOR``, which tests replace to choose a path)."""
    if not cache:
        cache.append(load(name))
    return cache[0]


def load(name: str) -> Optional[ModuleType]:
    """The C module ``name``, or None when it was not built or ``RNNCLI_PURE_PYTHON=1``."""
    if os.environ.get("RNNCLI_PURE_PYTHON") == "1":
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None
