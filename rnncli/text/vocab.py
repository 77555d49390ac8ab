"""A vocabulary: tokens in index order, their counts, and how to turn text into indices.

Order is fixed so that the same corpus always gives the same indices:

1. the special tokens first, in the order given (``<pad>`` = 0, ``<unk>`` = 1 by default);
2. then the other tokens by descending count;
3. ties by code-point order of the token (Python's ``str`` order), as torchtext's
   ``build_vocab_from_iterator`` and GloVe's ``vocab_count`` do.

``min_freq`` drops tokens seen fewer times; ``max_size`` then keeps at most that many tokens
*not counting the specials*. A corpus token equal to a special is not listed twice: it keeps the
special's index.

The file is one JSON object (see :meth:`Vocab.save`) with ``"format": "rnncli-vocab"`` and a
``"version"``, written atomically; :meth:`Vocab.load` refuses anything else with an error that
names the file. A vocabulary always has an entry: building one that would be empty (no specials,
and ``min_freq`` above every count) is a UsageError, and an empty file is refused at load.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

from rnncli.atomic import atomic_write
from rnncli.dataclass_dict import fields_dict
from rnncli.errors import RnncliError, UsageError
from rnncli.text.corpus import CorpusCounts, ProgressCallback, count_tokens
from rnncli.text.tokenize import default_lower, tokenize, tokenizer_name

FORMAT = "rnncli-vocab"
VERSION = 1
DEFAULT_SPECIALS = ("<pad>", "<unk>")
DEFAULT_UNK = "<unk>"

#: Points kept of the frequency-by-rank curve (log-spaced ranks), enough to draw it later.
PROFILE_POINTS = 64

PathLike = Union[str, Path]


def parse_specials(text: str) -> list[str]:
    """``"<pad>,<unk>"`` -> ``["<pad>", "<unk>"]``; an empty string means no specials."""
    if text.strip() == "":
        return []
    specials = [item.strip() for item in text.split(",")]
    return check_specials(specials)


def check_specials(specials: Sequence[str]) -> list[str]:
    """The specials as a list, or a UsageError for an empty or repeated one."""
    seen: set[str] = set()
    for item in specials:
        if not item or any(c.isspace() for c in item):
            raise UsageError(
                f"a special token must be non-empty without spaces, got {item!r}", "--specials"
            )
        if item in seen:
            raise UsageError(f"special token {item!r} is repeated", "--specials")
        seen.add(item)
    return list(specials)


def rank_profile(sorted_counts: Sequence[int], points: int = PROFILE_POINTS) -> list[list[int]]:
    """``[rank, count]`` pairs at log-spaced ranks (1-based) of counts sorted descending."""
    n = len(sorted_counts)
    if n == 0:
        return []
    ranks = sorted({max(1, min(n, round(n ** (i / (points - 1))))) for i in range(points)})
    return [[r, int(sorted_counts[r - 1])] for r in ranks]


@dataclass
class VocabStats:
    """What the vocabulary was built from: the numbers that size an embedding layer."""

    files: list[str] = field(default_factory=list)
    lines: int = 0
    tokens: int = 0  # running tokens in the corpus
    distinct: int = 0  # distinct tokens in the corpus
    covered: int = 0  # running tokens that map to an entry other than unk
    singletons: int = 0  # distinct tokens seen exactly once
    bytes: int = 0
    profile: list[list[int]] = field(default_factory=list)  # [rank, count], all distinct tokens
    cut: Optional[int] = None  # distinct tokens --min-freq/--max-size removed (None: older file)

    @property
    def coverage(self) -> float:
        """Share of running text the vocabulary covers (0 for an empty corpus)."""
        return self.covered / self.tokens if self.tokens else 0.0

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)


@dataclass
class Vocab:
    """Tokens in index order (``itos``) with their corpus counts (0 for specials)."""

    itos: list[str]
    counts: list[int]
    specials: list[str] = field(default_factory=list)
    unk: Optional[str] = None
    tokenizer: str = "basic"
    lower: bool = True
    min_freq: int = 1
    max_size: Optional[int] = None
    stats: VocabStats = field(default_factory=VocabStats)

    @functools.cached_property
    def stoi(self) -> dict[str, int]:
        """Token to index, built on first use (``vocab build`` writes a vocabulary without it)."""
        return dict(zip(self.itos, range(len(self.itos))))

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: object) -> bool:
        return token in self.stoi

    @property
    def unk_index(self) -> Optional[int]:
        return None if self.unk is None else self.stoi[self.unk]

    def tokenize(self, text: str) -> list[str]:
        """Split ``text`` the way this vocabulary's corpus was split."""
        return tokenize(text, self.tokenizer, self.lower)

    def lookup(self, tokens: Iterable[str]) -> tuple[list[int], list[str]]:
        """Indices of ``tokens`` and the tokens that were unknown (mapped to unk).

        Without an unk token an unknown token is an error, since it has no index.
        """
        indices: list[int] = []
        unknown: list[str] = []
        for token in tokens:
            index = self.stoi.get(token)
            if index is None:
                if self.unk is None:
                    raise RnncliError(f"{token!r} is not in the vocabulary and it has no unk token")
                unknown.append(token)
                index = self.stoi[self.unk]
            indices.append(index)
        return indices, unknown

    @property
    def kept(self) -> int:
        """Tokens kept from the corpus (entries that are not specials)."""
        return len(self.itos) - len(self.specials)

    @property
    def capped(self) -> bool:
        """Whether ``max_size`` limited the kept tokens (the vocabulary is full)."""
        return self.max_size is not None and self.kept >= self.max_size

    @property
    def cut_tokens(self) -> int:
        """How many distinct tokens of the text ``--min-freq``/``--max-size`` removed.

        Recorded in the vocabulary when it is built. A file from before that is estimated: not
        ``distinct - kept``, since the stats count every distinct token of the text, a literal
        ``<pad>`` or ``<unk>`` in it too, and a special is never "kept" (it has its own index);
        the running count of the specials other than unk (``covered`` minus the kept counts) is
        taken off, but a literal unk token in a text that was also cut counts as one cut token.
        """
        s = self.stats
        if s.cut is not None:  # recorded at build time (files from before it was: estimated below)
            return s.cut
        if self.min_freq <= 1 and not self.capped:
            return 0  # neither rule can have removed anything
        if s.tokens - s.covered <= 0:
            return 0  # every running token has its own index: nothing was cut
        if not self.capped and s.profile and s.profile[-1][1] >= self.min_freq:
            return 0  # the rarest token of the text reaches --min-freq
        in_text = s.covered - sum(self.counts)  # running count of the non-unk specials in the text
        others = sum(1 for t in self.specials if t != self.unk)
        return max(0, s.distinct - self.kept - min(others, max(0, in_text)))

    def top(self, n: int) -> list[tuple[int, str, int]]:
        """``(index, token, count)`` of the ``n`` most frequent non-special tokens."""
        start = len(self.specials)
        return [
            (i, self.itos[i], self.counts[i]) for i in range(start, min(len(self.itos), start + n))
        ]

    # ---- building -------------------------------------------------------------------------

    @classmethod
    def from_counts(
        cls,
        corpus: CorpusCounts | Counter,
        specials: Sequence[str] = DEFAULT_SPECIALS,
        unk: Optional[str] = DEFAULT_UNK,
        min_freq: int = 1,
        max_size: Optional[int] = None,
        tokenizer: str = "basic",
        lower: Optional[bool] = None,
    ) -> Vocab:
        """Order and cut counted tokens (see the module docstring for the rules).

        ``unk`` must be one of ``specials``; the default ``<unk>`` is dropped silently when the
        specials do not include it (then unknown words have no index).
        """
        if isinstance(corpus, Counter):
            corpus = CorpusCounts(counts=corpus, tokens=sum(corpus.values()))
        specials = check_specials(specials)
        if isinstance(min_freq, bool) or not isinstance(min_freq, int) or min_freq < 1:
            raise UsageError(f"must be a positive integer, got {min_freq}", "--min-freq")
        if max_size is not None and (
            isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 1
        ):
            raise UsageError(
                f"must be a positive integer (tokens besides the specials), got {max_size}",
                "--max-size",
            )
        if unk is not None and unk not in specials:
            if unk != DEFAULT_UNK:
                raise UsageError(f"{unk!r} is not one of the specials {specials}", "--unk")
            unk = None
        name = tokenizer_name(tokenizer).value
        if lower is None:
            lower = default_lower(name)

        counts = corpus.counts
        special_set = set(specials)
        in_text = [t for t in specials if t in counts]  # a literal special in the text
        if min_freq <= 1 and not in_text:
            kept_tokens = sorted(counts)
        else:
            kept_tokens = sorted(
                t for t, c in counts.items() if c >= min_freq and t not in special_set
            )
        # By token, then (stable, reverse keeps ties in order) by descending count: ties stay in
        # code-point order. A list of tokens and a C key, no (token, count) pair per token.
        kept_tokens.sort(key=counts.__getitem__, reverse=True)
        if max_size is not None:
            del kept_tokens[max_size:]
        if not kept_tokens and not specials and counts:
            top = max(counts.values())
            raise UsageError(
                f"no token reaches --min-freq {min_freq} (the most frequent appears {top} "
                f"time{'s' if top != 1 else ''}) and --specials is empty: the vocabulary would "
                "have no entry; lower --min-freq or keep a special token",
                "--min-freq",
            )
        all_sorted = sorted(counts.values(), reverse=True)
        singletons, profile = all_sorted.count(1), rank_profile(all_sorted)
        del all_sorted  # each list here is 8 bytes a token: one at a time where they can be
        kept_counts = list(map(counts.__getitem__, kept_tokens))
        stats = VocabStats(
            files=list(corpus.files),
            lines=corpus.lines,
            tokens=corpus.tokens,
            distinct=len(counts),
            covered=sum(kept_counts) + sum(counts.get(s, 0) for s in specials if s != unk),
            singletons=singletons,
            bytes=corpus.bytes,
            profile=profile,
            cut=len(counts) - len(in_text) - len(kept_tokens),
        )
        kept_tokens[:0] = specials  # in place: the lists become itos and counts, not copies
        kept_counts[:0] = [0] * len(specials)
        return cls(
            itos=kept_tokens,
            counts=kept_counts,
            specials=specials,
            unk=unk,
            tokenizer=name,
            lower=lower,
            min_freq=min_freq,
            max_size=max_size,
            stats=stats,
        )

    @classmethod
    def from_words(cls, words: Iterable[str]) -> Vocab:
        """The notebook's ``word_to_ix``: words in order of first appearance, no specials."""
        words = list(words)
        itos = list(dict.fromkeys(words))
        counts = Counter(words)
        return cls(
            itos=itos,
            counts=[counts.get(w, 0) for w in itos],
            specials=[],
            unk=None,
            tokenizer="whitespace",
            lower=False,
        )

    # ---- the file -------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The file's content: one JSON-able object."""
        return {**self._header(), "itos": list(self.itos), "counts": list(self.counts)}

    def _header(self) -> dict[str, Any]:
        """Every field of the file but the two long lists, which come last."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "tokenizer": self.tokenizer,
            "lower": self.lower,
            "specials": list(self.specials),
            "unk": self.unk,
            "min_freq": self.min_freq,
            "max_size": self.max_size,
            "stats": self.stats.to_dict(),
        }

    def to_json(self) -> str:
        """The file's text (one line, no newline): what :meth:`save` writes and
        ``vocab build --out -`` prints."""
        return "".join(self.json_pieces())

    def json_pieces(self, slice_size: int = 1 << 14) -> Iterator[str]:
        """:meth:`to_json`'s text in pieces, the long lists a slice at a time, so that
        :meth:`save` and ``vocab build --out -`` never hold the whole text; joined, exactly
        ``json.dumps`` of :meth:`to_dict`.
        ``json.dumps`` of each piece, not ``json.dump``: the C encoder."""

        def dumps(value: Any) -> str:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

        yield dumps(self._header())[:-1]
        for name, items in (("itos", self.itos), ("counts", self.counts)):
            yield f',"{name}":['
            for at in range(0, len(items), slice_size):
                yield ("," if at else "") + dumps(items[at : at + slice_size])[1:-1]
            yield "]"
        yield "}"

    def save(self, path: PathLike) -> Path:
        """Write the vocabulary atomically: an interrupted save leaves the old file in place.

        An empty vocabulary is refused (:meth:`load` would refuse the file).
        """
        path = Path(path)
        if not self.itos:
            raise RnncliError(f"not writing {path}: the vocabulary has no entry")
        if path.is_dir():
            raise UsageError(f"{path} is a directory; give a file name", "--out")
        try:
            with atomic_write(path) as handle:
                handle.writelines(self.json_pieces())
                handle.write("\n")
        except OSError as exc:
            raise RnncliError(f"cannot write {path}: {exc.strerror or exc}") from None
        return path

    @classmethod
    def load(cls, path: PathLike, option: Optional[str] = None) -> Vocab:
        """Read a file written by :meth:`save`.

        A file that is missing, a folder or unreadable is the user's mistake: a UsageError on
        ``option`` (the option or argument that named the file: ``--vocab``, ``FILE``), and so
        is a file that is no vocabulary at all (not JSON, or JSON without rnncli's ``"format"``):
        the wrong file was named. A vocabulary file that is damaged, or an empty one, is an
        RnncliError naming the file.
        """
        path = Path(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise UsageError(f"cannot read vocabulary {path}: no such file", option) from None
        except IsADirectoryError:
            raise UsageError(f"cannot read vocabulary {path}: it is a folder", option) from None
        except OSError as exc:
            # EISDIR comes as a plain OSError on some systems; EACCES is a PermissionError.
            why = exc.strerror or str(exc)
            raise UsageError(f"cannot read vocabulary {path}: {why}", option) from None
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise UsageError(
                f"{path} is not an rnncli vocabulary: not JSON ({exc.__class__.__name__}); "
                "build one with `rnncli vocab build`",
                option,
            ) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise UsageError(
                f'{path} is not an rnncli vocabulary (no "format": "{FORMAT}"); '
                "build one with `rnncli vocab build`",
                option,
            )
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: Any, source: str = "<dict>") -> Vocab:
        """Validate and build from the file's object (the inverse of :meth:`to_dict`)."""

        def corrupt(why: str) -> RnncliError:
            return RnncliError(f"{source} is a corrupt rnncli vocabulary: {why}")

        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise RnncliError(
                f'{source} is not an rnncli vocabulary (no "format": "{FORMAT}"); '
                "build one with `rnncli vocab build`"
            )
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise corrupt("no integer version")
        if version > VERSION:
            raise RnncliError(
                f"{source} is a version {version} vocabulary; this rnncli reads {VERSION}"
            )
        itos, counts = data.get("itos"), data.get("counts")
        if not isinstance(itos, list) or not all(isinstance(t, str) for t in itos):
            raise corrupt('"itos" must be a list of strings')
        if not isinstance(counts, list) or not all(
            isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in counts
        ):
            raise corrupt('"counts" must be a list of non-negative integers')
        if len(itos) != len(counts):
            raise corrupt(f'"itos" has {len(itos)} tokens but "counts" has {len(counts)}')
        if not itos:
            raise RnncliError(
                f"{source} is an empty vocabulary (no token, no special): it cannot index any "
                "word; build it again with a lower --min-freq or with --specials"
            )
        if len(set(itos)) != len(itos):
            dup = next(t for t, n in Counter(itos).items() if n > 1)
            raise corrupt(f"token {dup!r} appears twice in itos")
        specials = data.get("specials", [])
        if not isinstance(specials, list) or itos[: len(specials)] != specials:
            raise corrupt('"specials" must be the first entries of "itos"')
        unk = data.get("unk")
        if unk is not None and unk not in specials:
            raise corrupt(f"unk token {unk!r} is not one of its specials")
        tokenizer = data.get("tokenizer", "basic")
        try:
            tokenizer = tokenizer_name(tokenizer).value
        except UsageError:
            raise corrupt(f"unknown tokenizer {tokenizer!r}") from None
        lower = data.get("lower", default_lower(tokenizer))
        if not isinstance(lower, bool):
            raise corrupt('"lower" must be true or false')
        stats_data = data.get("stats") or {}
        if not isinstance(stats_data, dict):
            raise corrupt('"stats" must be an object')
        try:
            stats = VocabStats(
                files=[str(f) for f in stats_data.get("files", [])],
                lines=int(stats_data.get("lines", 0)),
                tokens=int(stats_data.get("tokens", sum(counts))),
                distinct=int(stats_data.get("distinct", len(itos) - len(specials))),
                covered=int(stats_data.get("covered", sum(counts))),
                singletons=int(stats_data.get("singletons", 0)),
                bytes=int(stats_data.get("bytes", 0)),
                profile=[[int(r), int(c)] for r, c in stats_data.get("profile", [])],
                cut=None if stats_data.get("cut") is None else int(stats_data["cut"]),
            )
        except (TypeError, ValueError):
            raise corrupt('"stats" has a value of the wrong type') from None
        min_freq = data.get("min_freq", 1)
        max_size = data.get("max_size")
        return cls(
            itos=itos,
            counts=counts,
            specials=specials,
            unk=unk,
            tokenizer=tokenizer,
            lower=lower,
            min_freq=min_freq if isinstance(min_freq, int) else 1,
            max_size=max_size if isinstance(max_size, int) else None,
            stats=stats,
        )


@dataclass
class VocabSummary:
    """The numbers ``vocab build`` and ``vocab show`` print, as plain data."""

    vocab: Vocab
    top_n: int = 10
    path: Optional[str] = None  # where the vocabulary was written or read
    #: A :class:`~rnncli.glove.coverage.GloveCoverage` when a GloVe set was given, else None.
    glove: Any = None

    @property
    def top(self) -> list[tuple[int, str, int]]:
        return self.vocab.top(self.top_n)

    def to_dict(self) -> dict[str, Any]:
        v, s = self.vocab, self.vocab.stats
        return {
            "path": self.path,
            "files": list(s.files),
            "lines": s.lines,
            "tokens": s.tokens,
            "distinct": s.distinct,
            "singletons": s.singletons,
            "size": len(v),
            "kept": v.kept,
            "specials": list(v.specials),
            "unk": v.unk,
            "coverage": s.coverage,
            "tokenizer": v.tokenizer,
            "lower": v.lower,
            "min_freq": v.min_freq,
            "max_size": v.max_size,
            "top": [{"index": i, "token": t, "count": c} for i, t, c in self.top],
            "profile": [list(p) for p in s.profile],
            "glove": self.glove.to_dict() if self.glove is not None else None,
        }


def build_vocab(
    sources: Sequence[Union[str, Path]],
    out: Optional[PathLike] = None,
    tokenizer: str = "basic",
    lower: Optional[bool] = None,
    min_freq: int = 1,
    max_size: Optional[int] = None,
    specials: Sequence[str] = DEFAULT_SPECIALS,
    unk: Optional[str] = DEFAULT_UNK,
    errors: str = "strict",
    progress: Optional[ProgressCallback] = None,
    jobs: Optional[int] = 1,
) -> Vocab:
    """Count ``sources`` (``-`` for stdin), order and cut the tokens, save to ``out`` if given.

    Options are checked before any file is read; an empty corpus is an error and nothing is
    written, so a previous file at ``out`` survives every failure. ``jobs``: worker processes
    for big files (None: the cores available; see :func:`~rnncli.text.corpus.count_tokens`);
    the vocabulary is the same for any value.
    """
    # Validate everything cheap first: a typo should not cost a pass over a big corpus.
    Vocab.from_counts(Counter(), specials, unk, min_freq, max_size, tokenizer, lower)
    corpus = count_tokens(sources, tokenizer, lower, errors, progress, jobs)
    if corpus.tokens == 0:
        names = ", ".join(corpus.files)
        raise RnncliError(f"empty corpus: no tokens in {names}")
    vocab = Vocab.from_counts(corpus, specials, unk, min_freq, max_size, tokenizer, lower)
    del corpus  # the token counts' dict (5 MB for 150,000 tokens): the vocabulary has them
    if out is not None:
        vocab.save(out)
    return vocab
