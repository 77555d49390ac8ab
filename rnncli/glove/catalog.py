"""The GloVe sets rnncli knows, taken from pytorch-nlp's own table of sources.

pytorch-nlp (`torchnlp.word_to_vector.GloVe.url`) names four archives; each holds one text file
per dimension. This table spells out every (archive, dimension) pair as one named set, with what
we know to verify a download: SHA-1 values from Apache MXNet's embedding table and the archive
sizes where they are published. A test checks it against pytorch-nlp's table itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional

from rnncli.errors import UsageError


@dataclass(frozen=True)
class GloveSet:
    """One GloVe text file: where it lives in which archive, and what it holds."""

    name: str  #: rnncli's name, e.g. ``6B.50d``
    archive: str  #: archive file name, e.g. ``glove.6B.zip``
    member: str  #: text file inside the archive, e.g. ``glove.6B.50d.txt``
    dim: int
    vocab_size: int
    archive_sha1: Optional[str]  #: published SHA-1 of the archive, None where unknown
    archive_bytes: Optional[int]  #: published archive size, None where unknown
    torchnlp_name: str  #: ``name=`` for ``torchnlp.word_to_vector.GloVe``
    torchnlp_url: str  #: pytorch-nlp's download URL for the archive

    @property
    def cased(self) -> bool:
        """Only 840B keeps case; the others are lower-cased."""
        return self.torchnlp_name == "840B"

    def to_dict(self) -> dict:
        return asdict(self)


_ARCHIVES = {
    # torchnlp name: (archive, vocabulary size, dims, sha1, bytes)
    "6B": (
        "glove.6B.zip",
        400_000,
        (50, 100, 200, 300),
        "b64e54f1877d2f735bdd000c1d7d771e25c7dfdc",
        862_182_613,
    ),
    "42B": (
        "glove.42B.300d.zip",
        1_917_494,
        (300,),
        "f8e722b39578f776927465b71b231bae2ae8776a",
        None,
    ),
    "840B": (
        "glove.840B.300d.zip",
        2_196_017,
        (300,),
        "8084fbacc2dee3b1fd1ca4cc534cbfff3519ed0d",
        2_176_768_927,
    ),
    "twitter.27B": (
        "glove.twitter.27B.zip",
        1_193_514,
        (25, 50, 100, 200),
        "dce69c404025a8312c323197347695e81fd529fc",
        None,
    ),
}

#: pytorch-nlp 0.5's `GloVe.url`, copied so `rnncli glove list` needs no torch import.
TORCHNLP_URLS = {
    "42B": "http://nlp.stanford.edu/data/glove.42B.300d.zip",
    "840B": "http://nlp.stanford.edu/data/glove.840B.300d.zip",
    "twitter.27B": "http://nlp.stanford.edu/data/glove.twitter.27B.zip",
    "6B": "http://nlp.stanford.edu/data/glove.6B.zip",
}


def _build() -> dict[str, GloveSet]:
    sets: dict[str, GloveSet] = {}
    for tname in ("6B", "42B", "840B", "twitter.27B"):
        archive, vocab, dims, sha1, size = _ARCHIVES[tname]
        for dim in dims:
            name = f"{tname}.{dim}d"
            sets[name] = GloveSet(
                name=name,
                archive=archive,
                member=f"glove.{tname}.{dim}d.txt",
                dim=dim,
                vocab_size=vocab,
                archive_sha1=sha1,
                archive_bytes=size,
                torchnlp_name=tname,
                torchnlp_url=TORCHNLP_URLS[tname],
            )
    return sets


#: Every known set by name, in catalogue order.
SETS: dict[str, GloveSet] = _build()

DEFAULT_SET = "6B.50d"


def set_names() -> list[str]:
    """The valid set names, in catalogue order."""
    return list(SETS)


def get_set(name: str) -> GloveSet:
    """The set called ``name``; a UsageError on ``--name`` listing the valid names otherwise."""
    try:
        return SETS[name]
    except KeyError:
        raise unknown_set(name, "--name") from None


def unknown_set(name: str, option: str) -> UsageError:
    """The error for a name outside the catalogue: the set it differs from only by case (names
    are case-sensitive: ``6b.50d`` means ``6B.50d``), else every valid name."""
    close = [known for known in SETS if known.casefold() == name.strip().casefold()]
    if close:
        return UsageError(
            f"unknown GloVe set {name!r}; did you mean {close[0]}? (set names are case-sensitive)",
            option,
        )
    return UsageError(f"unknown GloVe set {name!r}; choose one of: {', '.join(SETS)}", option)
