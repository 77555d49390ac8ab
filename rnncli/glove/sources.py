"""Where a GloVe archive can be downloaded from, in the order rnncli tries them.

GloVe's own README lists the Hugging Face copy first and Stanford's ``wordvecs`` folder as its
mirror; pytorch-nlp (and torchtext) still point at ``http://nlp.stanford.edu/data/``, which has
returned 404 at times, so it comes last and is upgraded to https.

``RNNCLI_GLOVE_MIRRORS`` (comma-separated base URLs) replaces the whole list: for a local mirror
inside a company network, and for the tests, which serve archives from 127.0.0.1 and must never
reach the real hosts. Each base URL gets ``/<archive>`` appended, e.g. with
``RNNCLI_GLOVE_MIRRORS=http://mirror.local/glove`` the 6B sets come from
``http://mirror.local/glove/glove.6B.zip``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from rnncli.glove.catalog import GloveSet

MIRRORS_ENV = "RNNCLI_GLOVE_MIRRORS"

DEFAULT_BASE_URLS: tuple[str, ...] = (
    "https://huggingface.co/stanfordnlp/glove/resolve/main",
    "https://nlp.stanford.edu/data/wordvecs",
)


def mirror_override() -> list[str] | None:
    """The base URLs from ``RNNCLI_GLOVE_MIRRORS``, or None when it is unset or empty."""
    raw = os.environ.get(MIRRORS_ENV, "")
    bases = [part.strip() for part in raw.split(",") if part.strip()]
    return bases or None


def upgrade_to_https(url: str) -> str:
    """``http://host/...`` becomes ``https://host/...``; other URLs are returned unchanged."""
    return "https://" + url[len("http://") :] if url.startswith("http://") else url


def source_urls(glove_set: GloveSet) -> list[str]:
    """The URLs to try for ``glove_set``'s archive, best first, without duplicates."""
    override = mirror_override()
    if override is not None:
        urls = [f"{base.rstrip('/')}/{glove_set.archive}" for base in override]
    else:
        urls = [f"{base}/{glove_set.archive}" for base in DEFAULT_BASE_URLS]
        torchnlp_url = getattr(glove_set, "torchnlp_url", None)
        if torchnlp_url:
            urls.append(upgrade_to_https(torchnlp_url))
    seen: set[str] = set()
    return [url for url in urls if not (url in seen or seen.add(url))]
