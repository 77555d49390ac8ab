"""The word-similarity and analogy datasets: the standard ones by name, any file by path.

Two formats, gensim's (so its files and published figures can be compared):

* pairs (``wordsim353``, ``simlex999``): ``word1<TAB>word2<TAB>score`` a line, ``#`` comments;
* analogies (``google``): ``: section`` headers, then ``a b c d`` lines ("a is to b as c is
  to d"), split at whitespace.

A line that fits neither is a :class:`~rnncli.errors.UsageError` naming the file and the line
number (gensim skips such lines silently; here a typo does not quietly change the figures).
Blank lines are skipped.

The standard files are not shipped with rnncli (their licences do not clearly allow it; the
README says where each comes from). They are read from gensim's package data, the files
``gensim.test.utils.datapath(NAME)`` names, installed by ``pip install 'rnncli[eval]'``; the
folder is found with :func:`importlib.util.find_spec`, which does not import gensim (its import
costs about a second and pulls in scipy).
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from rnncli.errors import RnncliError, UsageError

SIMILARITY = "similarity"
ANALOGIES = "analogies"


@dataclass(frozen=True)
class StandardDataset:
    """A dataset known by name: its kind, the file in gensim's test data, where it comes from."""

    name: str
    kind: str
    filename: str
    source: str


STANDARD: dict[str, StandardDataset] = {
    d.name: d
    for d in (
        StandardDataset(
            "wordsim353",
            SIMILARITY,
            "wordsim353.tsv",
            "WordSimilarity-353, Finkelstein et al. 2002 (gabrilovich.com/resources/data)",
        ),
        StandardDataset(
            "simlex999",
            SIMILARITY,
            "simlex999.txt",
            "SimLex-999, Hill, Reichart and Korhonen 2015 (fh295.github.io/simlex.html)",
        ),
        StandardDataset(
            "google",
            ANALOGIES,
            "questions-words.txt",
            "word2vec's questions-words.txt, Mikolov et al. 2013 (Apache-2.0)",
        ),
    )
}

#: What runs when no dataset is named.
DEFAULT_SIMILARITY = ("wordsim353", "simlex999")
DEFAULT_ANALOGIES = "google"

#: How many sections of an analogy set count as semantic (the Google set's first five).
SEMANTIC_SECTIONS = 5


@dataclass(frozen=True)
class WordPair:
    word1: str
    word2: str
    score: float
    line: int


@dataclass
class PairDataset:
    """Word pairs with human scores, in file order."""

    name: str
    path: Path
    pairs: list[WordPair] = field(default_factory=list)


@dataclass(frozen=True)
class AnalogyQuestion:
    """``a`` is to ``b`` as ``c`` is to ``expected``."""

    a: str
    b: str
    c: str
    expected: str
    line: int


@dataclass
class AnalogySection:
    name: str
    questions: list[AnalogyQuestion] = field(default_factory=list)


@dataclass
class AnalogyDataset:
    """Analogy questions in their sections, in file order."""

    name: str
    path: Path
    sections: list[AnalogySection] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(s.questions) for s in self.sections)


def gensim_data_dir() -> Optional[Path]:
    """gensim's test-data folder (``gensim/test/test_data``), or None without gensim.

    Found without importing gensim: the same folder ``gensim.test.utils.datapath`` joins onto.
    """
    try:
        spec = importlib.util.find_spec("gensim")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = Path(location) / "test" / "test_data"
        if folder.is_dir():
            return folder
    return None


def _how_to_get(name: str, option: str) -> str:
    return (
        f"the dataset {name!r} comes from gensim's package data, and gensim is not installed: "
        f"pip install 'rnncli[eval]' (or give a file: {option} FILE)"
    )


def resolve(spec: str, kind: str, option: str) -> tuple[str, Path]:
    """``(display name, file)`` for a dataset named ``spec`` or a file path ``spec``.

    A standard name of the other kind, or neither a name nor a file: UsageError on ``option``.
    A standard name without gensim installed: RnncliError saying how to get it.
    """
    known = STANDARD.get(spec.lower())
    if known is not None and not Path(spec).is_file():
        if known.kind != kind:
            other = "--analogies" if known.kind == ANALOGIES else "--similarity"
            raise UsageError(f"{known.name!r} is a dataset for {other}", option)
        folder = gensim_data_dir()
        path = folder / known.filename if folder is not None else None
        if path is None or not path.is_file():
            raise RnncliError(_how_to_get(known.name, option))
        return known.name, path
    path = Path(spec).expanduser()
    if path.is_file():
        return path.name, path
    if path.is_dir():
        from rnncli.input_files import unreadable

        raise unreadable(path, "it is a folder", option)
    names = ", ".join(d.name for d in STANDARD.values() if d.kind == kind)
    what = "no such file" if path.suffix or "/" in spec else "unknown dataset"
    raise UsageError(f"{what} {spec!r}: give {names} or a file", option)


def _lines(path: Path, option: str):
    """``(line number, text)`` of a dataset file, each line decoded as UTF-8 on its own."""
    try:
        with open(path, "rb") as handle:
            raw_lines = handle.read().split(b"\n")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}", option) from None
    if raw_lines and not raw_lines[-1]:
        raw_lines.pop()  # the newline that ends the last line
    for number, raw in enumerate(raw_lines, 1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"{path}, line {number}: not UTF-8 text", option) from None
        yield number, text.rstrip("\r")


def read_pairs(spec: str, option: str = "--similarity") -> PairDataset:
    """A pairs dataset (a standard name or a file): ``word1<TAB>word2<TAB>score`` lines."""
    name, path = resolve(spec, SIMILARITY, option)
    data = PairDataset(name, path)
    for number, text in _lines(path, option):
        if not text.strip() or text.startswith("#"):
            continue
        fields = text.split("\t")
        score = _number(fields[2]) if len(fields) == 3 else None
        if score is None or not fields[0] or not fields[1]:
            raise UsageError(
                f"{path}, line {number}: expected word1<TAB>word2<TAB>score, got {text[:60]!r}",
                option,
            )
        data.pairs.append(WordPair(fields[0], fields[1], score, number))
    if not data.pairs:
        raise UsageError(f"{path}: no word pairs in it", option)
    return data


def _number(text: str) -> Optional[float]:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_analogies(spec: str, option: str = "--analogies") -> AnalogyDataset:
    """An analogy dataset (a standard name or a file): ``: section`` headers, ``a b c d`` lines."""
    name, path = resolve(spec, ANALOGIES, option)
    data = AnalogyDataset(name, path)
    for number, text in _lines(path, option):
        if not text.strip():
            continue
        if text.startswith(": "):
            data.sections.append(AnalogySection(text.lstrip(": ").strip()))
            continue
        words = text.split()
        if len(words) != 4:
            raise UsageError(
                f"{path}, line {number}: expected 'a b c d' (four words), got {text[:60]!r}",
                option,
            )
        if not data.sections:
            raise UsageError(
                f"{path}, line {number}: a question before the first ': section' line", option
            )
        data.sections[-1].questions.append(AnalogyQuestion(*words, line=number))
    if not data.count:
        raise UsageError(f"{path}: no analogy questions in it", option)
    return data
