"""Analogies: "a is to b as c is to ?", asked of the first N words of a set, all at once.

gensim's ``evaluate_word_analogies`` protocol (3CosAdd): a question with a word outside the
evaluation vocabulary (:mod:`rnncli.glove.eval_vocab`) is skipped and counted; for the others
the answer is the word nearest (cosine) to ``unit(b) - unit(a) + unit(c)`` among the first N
rows, the rows of a, b and c excluded, as ``rnncli glove analogy`` answers; where that word is
only a case variant of a, b or c (``King`` for ``king``) gensim takes the next of its top five,
and so does :func:`answer_rows`. A question is correct when the answer is the expected word
(case-insensitively).

Speed: gensim asks one question at a time (a matrix-vector product over the whole vocabulary
and a partial sort, about 2 ms each). Here the rows are normalised once, a block of the
vocabulary at a time, and each block meets every question in one matrix product
(``questions x block``), whose best column per question updates a running best: memory stays
at one block of the vocabulary and one ``batch x block`` score matrix, whatever N.

Ties: the best score wins; among exactly equal float32 scores the lowest row (the more
frequent word) wins. gensim's partial sort breaks such ties in no defined order, and its
matrix-vector product rounds differently from a matrix product in the last bit, so the two
can differ on a question whose two best words score the same to float32 precision
(``benchmarks/glove_evaluate.py`` lists any).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

from rnncli.dataclass_dict import fields_dict
from rnncli.errors import UsageError
from rnncli.glove.benchmark_data import SEMANTIC_SECTIONS

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from rnncli.glove.benchmark_data import AnalogyDataset
    from rnncli.glove.eval_vocab import EvalVocab

_DIGITS = 4
#: Rows of the vocabulary normalised and scored at a time.
BLOCK_ROWS = 8192
#: Questions scored against a block at a time (the score matrix is BATCH x BLOCK_ROWS float32).
BATCH = 1024
#: gensim looks at its five best answers (after removing a, b, c) for one that is not a case
#: variant of a question word.
GENSIM_TOPN = 5
#: Failures kept as examples in the report.
EXAMPLES = 5

#: ``progress(done, total)``: questions answered so far, of all the usable ones.
Progress = Callable[[int, int], None]


@dataclass
class Tally:
    correct: int = 0
    total: int = 0

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)


@dataclass
class SectionScore:
    """One section: questions answered correctly of those used (``questions`` counts all)."""

    name: str
    correct: int
    total: int
    questions: int

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self, omit=["questions"])


@dataclass
class AnalogyFailure:
    """A question the vectors got wrong: what was expected and what came out."""

    section: str
    a: str
    b: str
    c: str
    expected: str
    got: str


@dataclass
class AnalogyResult:
    """An analogy dataset: counts, accuracy, per section, and a few failures as examples."""

    dataset: str
    questions: int
    used: int
    correct: int
    sections: list[SectionScore] = field(default_factory=list)
    semantic: Tally = field(default_factory=Tally)
    syntactic: Tally = field(default_factory=Tally)
    failures: list[AnalogyFailure] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.used if self.used else 0.0

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(
            self,
            omit=["failures"],
            after={"correct": {"accuracy": round(self.accuracy, _DIGITS)}},
        )


def question_targets(vocab: EvalVocab, rows: np.ndarray) -> np.ndarray:
    """``unit(unit(b) - unit(a) + unit(c))`` for each row triple ``(a, b, c)``, float32."""
    import numpy as np

    matrix = vocab.store.matrix
    norms = vocab.store.norms

    def unit(r: np.ndarray) -> np.ndarray:
        n = norms[r].astype(np.float32)
        return matrix[r] / np.where(n > 0, n, np.float32(1))[:, None]

    target = (unit(rows[:, 1]) + unit(rows[:, 2])) - unit(rows[:, 0])  # gensim's order
    length = np.linalg.norm(target, axis=1)
    return (target / np.where(length > 0, length, 1)[:, None]).astype(np.float32)


def best_rows(
    vocab: EvalVocab,
    rows: np.ndarray,
    *,
    progress: Optional[Progress] = None,
    block_rows: int = BLOCK_ROWS,
    batch: int = BATCH,
) -> tuple[np.ndarray, np.ndarray]:
    """For each row triple ``(a, b, c)``: the best row among the first N other than a, b, c,
    and its cosine with the target (float32). Lowest row first among equal scores."""
    import numpy as np

    n = len(rows)
    size = vocab.size
    matrix = vocab.store.matrix
    norms = vocab.store.norms
    targets = question_targets(vocab, rows)
    best = np.full(n, -np.inf, dtype=np.float32)
    arg = np.zeros(n, dtype=np.int64)
    scores = np.empty((min(batch, n), min(block_rows, size)), dtype=np.float32)
    blocks = range(0, size, block_rows)
    for k, lo in enumerate(blocks):
        hi = min(size, lo + block_rows)
        block_norms = norms[lo:hi]
        unit_block = matrix[lo:hi] / np.where(block_norms > 0, block_norms, 1)[:, None]
        unit_block = unit_block.astype(np.float32, copy=False)
        inside = (rows >= lo) & (rows < hi)
        for q in range(0, n, batch):
            t = targets[q : q + batch]
            out = scores[: len(t), : hi - lo]
            np.matmul(t, unit_block.T, out=out)
            mask = inside[q : q + batch]
            if mask.any():  # a, b and c are never the answer
                who, which = np.nonzero(mask)
                out[who, rows[q + who, which] - lo] = -np.inf
            col = out.argmax(axis=1)
            value = out[np.arange(len(t)), col]
            mine = best[q : q + batch]
            better = value > mine  # strictly: an equal score in a later block loses
            mine[better] = value[better]
            arg[q : q + batch][better] = col[better] + lo
        if progress is not None:
            progress(n * (k + 1) // len(blocks), n)
    return arg, best


def _top_rows(vocab: EvalVocab, triple: Sequence[int], topn: int) -> list[int]:
    """gensim's top ``topn`` rows for one question (a, b, c excluded), best first."""
    import numpy as np

    size = vocab.size
    target = question_targets(vocab, np.asarray([triple], dtype=np.int64))[0]
    norms = vocab.store.norms[:size]
    scores = (vocab.store.matrix[:size] @ target) / np.where(norms > 0, norms, 1)
    scores[list(triple)] = -np.inf
    order = np.lexsort((np.arange(size), -scores))  # best first, lowest row among equals
    return [int(r) for r in order[:topn]]


def _answer_word(vocab: EvalVocab, triple: Sequence[int], first: int, ignore: set[str]) -> str:
    """gensim's pick among its top five: the first not a case variant of a, b or c."""
    word = vocab.store.word(first)
    if word.upper() not in ignore:
        return word
    for row in _top_rows(vocab, triple, GENSIM_TOPN)[1:]:
        word = vocab.store.word(row)
        if word.upper() not in ignore:
            break
    return word


def evaluate_analogies(
    vocab: EvalVocab,
    data: AnalogyDataset,
    *,
    progress: Optional[Progress] = None,
    examples: int = EXAMPLES,
    option: str = "--analogies",
) -> AnalogyResult:
    """Accuracy on ``data`` with gensim's protocol; no usable question: UsageError on ``option``."""
    import numpy as np

    used_questions = []  # (section index, question, row triple, expected row)
    for s, section in enumerate(data.sections):
        for question in section.questions:
            found = [vocab.row(w) for w in (question.a, question.b, question.c, question.expected)]
            if None in found:
                continue
            used_questions.append((s, question, found[:3], found[3]))
    if not used_questions:
        raise UsageError(
            f"{data.name}: no question has all four words among the first {vocab.size:,} "
            f"words of GloVe {vocab.store.name}",
            option,
        )
    triples = np.asarray([u[2] for u in used_questions], dtype=np.int64)
    answers, _ = best_rows(vocab, triples, progress=progress)

    right = [0] * len(data.sections)
    used = [0] * len(data.sections)
    first_failure: dict[int, AnalogyFailure] = {}  # section -> its first failure
    # A row whose word is a case variant of an earlier row's (only in cased sets): gensim's
    # top-five rule, on the word itself. Elsewhere the row alone decides.
    canonical = _canonical_rows(vocab, answers)
    for i, (s, question, triple, expected) in enumerate(used_questions):
        used[s] += 1
        row = int(answers[i])
        if canonical[i]:
            correct = row == expected
            got = None
        else:
            ignore = {question.a.upper(), question.b.upper(), question.c.upper()}
            got = _answer_word(vocab, triple, row, ignore)
            correct = got.upper() == question.expected.upper()
        if correct:
            right[s] += 1
        elif s not in first_failure:
            first_failure[s] = AnalogyFailure(
                data.sections[s].name,
                question.a,
                question.b,
                question.c,
                question.expected,
                got if got is not None else vocab.store.word(row),
            )
    sections = [
        SectionScore(sec.name, right[s], used[s], len(sec.questions))
        for s, sec in enumerate(data.sections)
    ]
    semantic = Tally(
        sum(x.correct for x in sections[:SEMANTIC_SECTIONS]),
        sum(x.total for x in sections[:SEMANTIC_SECTIONS]),
    )
    syntactic = Tally(
        sum(x.correct for x in sections[SEMANTIC_SECTIONS:]),
        sum(x.total for x in sections[SEMANTIC_SECTIONS:]),
    )
    return AnalogyResult(
        dataset=data.name,
        questions=data.count,
        used=len(used_questions),
        correct=sum(right),
        sections=sections,
        semantic=semantic,
        syntactic=syntactic,
        failures=_spread(list(first_failure.values()), examples),
    )


def _spread(items: list[AnalogyFailure], count: int) -> list[AnalogyFailure]:
    """At most ``count`` of ``items`` (one a section), evenly spaced: the examples cover the
    semantic and the syntactic sections alike."""
    if len(items) <= count:
        return items
    if count <= 1:
        return items[:count]
    return [items[round(i * (len(items) - 1) / (count - 1))] for i in range(count)]


def _canonical_rows(vocab: EvalVocab, answers: np.ndarray) -> list[bool]:
    """For each answer row, whether it is the row its upper-cased word maps to (no variant)."""
    word = vocab.store.word
    rows = vocab.rows
    return [rows.get(word(int(r)).upper()) == int(r) for r in answers]
