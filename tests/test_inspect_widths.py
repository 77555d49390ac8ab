"""`rnncli inspect` output at any width from 60 columns: nothing cut, nothing split, nothing lost.

Every parameter name, shape and element count of the report must be found whole on one line of
what is printed, no line may be wider than the terminal (in cells), and no `…` may stand where
rich cut a cell (a `…` right after a character other than a space or `/`: the deliberate ones,
"layer 1 forward, …", "─h_3─▶ …" and "the/a/dog/…", follow a space or a slash). Sizes go up to
100,000 on the meta device, so the biggest configurations cost nothing.
"""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

from rnncli.render.inspect import render_inspect
from rnncli.rnn.pipeline import inspect
from rnncli.rnn.report import InspectReport
from rnncli.rnn.request import InspectRequest


def _shape(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def rendered(report: InspectReport, width: int) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    render_inspect(report, console)
    return console.file.getvalue()


def whole_on_a_line(lines: list[str], item: str, number: bool = False) -> bool:
    """``item`` on one line, not as part of a longer name or number."""
    if number:
        pattern = rf"(?<![\d,.]){re.escape(item)}(?!\d|,\d|\.\d)"
    else:
        pattern = rf"(?<![\w.]){re.escape(item)}(?![\w])"
    return any(re.search(pattern, line) for line in lines)


def check_output(report: InspectReport, width: int) -> str:
    out = rendered(report, width)
    lines = out.splitlines()
    wide = [line for line in lines if cell_len(line) > width]
    assert not wide, (width, wide)
    cut = [line for line in lines if re.search(r"[^\s/]…", line)]
    assert not cut, (width, cut)
    for p in report.parameters:
        assert whole_on_a_line(lines, p.name), (width, p.name, out)
        assert whole_on_a_line(lines, _shape(p.shape)), (width, p.shape, out)
        assert whole_on_a_line(lines, f"{p.numel:,}", number=True), (width, p.numel, out)
    assert whole_on_a_line(lines, f"{report.total_parameters:,}", number=True), out
    for t in report.tensors.values():
        assert whole_on_a_line(lines, t.name), (width, t.name, out)
        assert whole_on_a_line(lines, _shape(t.shape)), (width, t.name, t.shape, out)
    for count in (report.cost.macs, *(layer.macs for layer in report.cost.layers)):
        assert whole_on_a_line(lines, f"{count:,}", number=True), (width, count, out)
    return out


@st.composite
def big_requests(draw) -> InspectRequest:
    cell = draw(st.sampled_from(["rnn", "lstm", "gru"]))
    size = st.one_of(st.integers(1, 64), st.integers(65, 100_000), st.just(100_000))
    hidden = draw(size.filter(lambda n: n >= 2))
    proj = 0
    if cell == "lstm" and draw(st.booleans()):
        proj = draw(st.integers(1, hidden - 1))
    return InspectRequest(
        cell=cell,
        input_size=draw(size),
        hidden_size=hidden,
        num_layers=draw(st.integers(1, 4)),
        bidirectional=draw(st.booleans()),
        batch_first=draw(st.booleans()),
        proj_size=proj,
        output_size=draw(st.one_of(st.just(0), size)),
        seq_len=draw(st.one_of(st.integers(1, 20), st.integers(1, 10_000_000))),
        batch=draw(st.one_of(st.integers(1, 8), st.integers(1, 100_000))),
        device="meta",
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=big_requests(), width=st.integers(60, 200))
def test_random_configurations_whole_at_any_width(request, width):
    check_output(inspect(request), width)


@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize("pack", [False, True])
def test_text_run_whole_at_60_80_120(width, pack):
    report = inspect(
        InspectRequest(
            texts=("the cat sat on the mat", "a dog"),
            cell="lstm",
            hidden_size=40,
            bidirectional=True,
            output_size=5,
            pack=pack,
        )
    )
    out = check_output(report, width)
    lines = out.splitlines()
    for token in ("the", "cat", "sat", "on", "mat", "a", "dog"):
        assert whole_on_a_line(lines, token), (width, token, out)
    assert whole_on_a_line(lines, "the cat sat on the mat") or width < 80
    assert whole_on_a_line(lines, "lengths [6, 2],")  # a list in a note is never split
    if pack:
        assert whole_on_a_line(lines, str(report.batch_sizes))


def test_the_largest_model_at_60_columns_stacks_and_keeps_every_figure():
    """Every name, shape and count of the biggest model there is still shows at 60 columns."""
    report = inspect(
        InspectRequest(
            cell="lstm",
            input_size=100_000,
            hidden_size=100_000,
            num_layers=4,
            bidirectional=True,
            proj_size=99_999,
            device="meta",
        )
    )
    out = check_output(report, 60)
    assert "weight_ih_l3_reverse" in out and "[400000, 100000]" in out
    assert "COLUMNS=" in out  # the explanatory columns left out say which width shows them


def test_explanatory_columns_drop_with_a_note_and_come_back_wider():
    request = InspectRequest(
        cell="lstm",
        input_size=1024,
        hidden_size=4096,
        num_layers=3,
        bidirectional=True,
        proj_size=512,
        device="meta",
    )
    report = inspect(request)
    narrow = " ".join(rendered(report, 60).split())
    assert (
        "the dimensions and holds columns are left out to fit the width: COLUMNS=120 shows them"
        in narrow
    )
    assert "W_i[i|f|g|o]" not in narrow
    wide = rendered(report, 120)
    assert "left out" not in wide and "W_i[i|f|g|o]" in wide and "4·hidden × input" in wide
    for width in (80, 100):
        out = rendered(report, width)
        assert "W_i[i|f|g|o]" in out or "holds column" in " ".join(out.split())


def test_unrolled_diagram_measures_cjk_in_cells():
    report = inspect(InspectRequest(texts=("猫が座った 日本語", "a dog"), hidden_size=8))
    out = check_output(report, 120)
    diagram = out[out.index("Unrolled") :]
    box = next(line for line in diagram.splitlines() if "│ RNN │" in line)
    label = next(line for line in diagram.splitlines() if "猫が座った" in line)
    # the label is centred over the box in cells: its middle within a cell of the box's middle
    box_middle = cell_len(box[: box.index("│ RNN │")]) + 3.5
    label_start = len(label) - len(label.lstrip())
    label_middle = label_start + cell_len("猫が座った/a") / 2
    assert abs(label_middle - box_middle) <= 1.5, (label, box)
    narrow = check_output(report, 60)
    assert "猫が座った" in narrow


def test_a_token_wider_than_the_pane_stacks_the_diagram_and_the_text_table():
    word = "pneumonoultramicroscopicsilicovolcanoconiosis"
    report = inspect(InspectRequest(texts=(f"{word} {word}x is long", "a"), hidden_size=8))
    out = check_output(report, 60)
    assert word in out.splitlines() or any(word in line for line in out.splitlines())
    assert "t=0" in out  # the stacked diagram: one block per step
