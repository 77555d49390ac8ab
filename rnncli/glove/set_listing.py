"""Which sets the cache holds, beside pytorch-nlp's catalogue: ``rnncli glove list``.

Reads each set's ``meta.json`` only; no array is opened.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

from rnncli.dataclass_dict import fields_dict
from rnncli.glove.set_layout import FILES, folder_bytes


@dataclass
class CachedSetInfo:
    """A set found in the cache, for ``glove list``."""

    name: str
    path: str
    dim: int
    count: int
    bytes_on_disk: int
    source: str
    damaged: Optional[str] = None  #: why the set cannot be used as it is (None: it can)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def cached_sets(cache_dir: Path) -> dict[str, CachedSetInfo]:
    """Sets present in the cache (by their meta.json; no array is opened), with size on disk."""
    root = Path(cache_dir) / "glove"
    found: dict[str, CachedSetInfo] = {}
    if not root.is_dir():
        return found
    for path in sorted(root.iterdir()):
        if path.name.startswith(".") or not path.is_dir():
            continue
        try:
            size = folder_bytes(path)
        except OSError:
            continue
        try:
            meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
            info = CachedSetInfo(
                name=path.name,
                path=str(path),
                dim=int(meta["dim"]),
                count=int(meta["count"]),
                bytes_on_disk=size,
                source=str(meta.get("source", "")),
                damaged=_size_damage(path, meta),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            why = (
                "meta.json is missing"
                if isinstance(exc, FileNotFoundError)
                else ("meta.json is unreadable")
            )
            info = CachedSetInfo(path.name, str(path), 0, 0, size, "", damaged=why)
        found[path.name] = info
    return found


def _size_damage(path: Path, meta: dict[str, Any]) -> Optional[str]:
    """What a look at the files' sizes (no content read) finds wrong with a set, if anything."""
    for fname in FILES:
        try:
            size = (path / fname).stat().st_size
        except OSError:
            return f"{fname} is missing"
        try:
            expected = int(meta["files"][fname]["size"])
        except (KeyError, TypeError, ValueError):
            return f"meta.json lacks {fname}"
        if size != expected:
            return f"{fname} has {size:,} bytes, expected {expected:,}"
    return None


@dataclass
class SetListing:
    """One catalogue entry and its state in the cache."""

    name: str
    archive: str
    dim: int
    vocab_size: int
    cached: bool
    bytes_on_disk: Optional[int]
    path: Optional[str]
    damaged: Optional[str] = None  #: in the cache but unusable, and why: fetch it again

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SetListReport:
    """The catalogue (pytorch-nlp's GloVe sources), with what the cache holds."""

    cache_dir: str
    sets: list[SetListing]
    extra: list[CachedSetInfo] = field(default_factory=list)  #: cached sets outside the catalogue

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self, rename={"extra": "other_cached"})  # the JSON key scripts read


def list_sets(cache_dir: Path) -> SetListReport:
    """Every catalogue set, whether it is cached and its size there (reads meta.json only)."""
    from rnncli.glove.catalog import SETS

    cached = cached_sets(cache_dir)
    rows = []
    for s in SETS.values():
        info = cached.pop(s.name, None)
        rows.append(
            SetListing(
                name=s.name,
                archive=s.archive,
                dim=s.dim,
                vocab_size=info.count if info and not info.damaged else s.vocab_size,
                cached=info is not None and info.damaged is None,
                bytes_on_disk=info.bytes_on_disk if info else None,
                path=info.path if info else None,
                damaged=info.damaged if info else None,
            )
        )
    return SetListReport(str(cache_dir), rows, list(cached.values()))
