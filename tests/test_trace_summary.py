"""Long `inspect --text` runs stay readable: the trace and the token table show their first and
last steps and sequences and say how many are hidden; `--trace all` shows everything, `--trace
none` hides the trace, and the JSON always has it all."""

from __future__ import annotations

import json
import re

import pytest
from helpers.cli import invoke

WORDS = ["the", "cat", "sat", "on", "a", "mat", "dog", "ran", "far", "away"]
#: One sentence of 500 tokens, each a known word at a known place.
LONG = " ".join(WORDS[(i * 7) % len(WORDS)] for i in range(500))


def _trace_rows(out: str) -> list[str]:
    """The trace's step rows: `  t  token  strip  |h_t|`."""
    trace = out[out.index("Hidden state, step by step") :]
    trace = trace[: trace.index("scale:")]
    return [line for line in trace.splitlines() if re.match(r"^\s*\d+\s+\S+\s+[▁-█]", line)]


def test_a_500_token_sentence_prints_about_a_screen():
    result = invoke("inspect", "--text", "-", "--hidden", "8", input=LONG + "\n", check=True)
    out = result.stdout
    assert len(out.splitlines()) < 130, len(out.splitlines())
    rows = _trace_rows(out)
    steps = [int(row.split()[0]) for row in rows]
    assert steps == [0, 1, 2, 3, 4, 5, 497, 498, 499]
    assert "+491" in out  # the gap row counts the hidden steps
    assert "first 6 and last 3 of 500 steps" in " ".join(out.split())
    assert "--trace all" in out
    assert "(+487 tokens)" in " ".join(out.split())  # the token table: first 10, last 3


def test_trace_all_shows_every_step_and_token():
    result = invoke(
        "inspect", "--text", "-", "--hidden", "8", "--trace", "all", input=LONG + "\n", check=True
    )
    steps = [int(row.split()[0]) for row in _trace_rows(result.stdout)]
    assert steps == list(range(500))
    assert "hidden" not in result.stdout.split("Hidden state")[1].split("scale:")[0]
    assert "more" not in result.stdout and "(+" not in result.stdout


def test_trace_none_hides_the_trace_and_json_keeps_everything():
    result = invoke(
        "inspect", "--text", "-", "--hidden", "8", "--trace", "none", input=LONG + "\n", check=True
    )
    assert "Hidden state" not in result.stdout
    assert "Cost of one forward pass" in result.stdout
    data = json.loads(
        invoke("inspect", "--text", "-", "--hidden", "8", "--json", input=LONG + "\n").stdout
    )
    assert len(data["sequences"][0]["tokens"]) == 500
    assert data["sequences"][0]["tokens"] == LONG.split()


def test_many_sentences_show_the_first_and_last():
    sentences = "\n".join(f"sentence number {n} here" for n in range(20)) + "\n"
    out = invoke("inspect", "--text", "-", "--hidden", "4", input=sentences, check=True).stdout
    trace = out[out.index("Hidden state") :]
    shown = re.findall(r"^sequence (\d+)\s*$", trace, flags=re.M)
    assert shown == ["0", "1", "2", "19"]
    assert "16 sequences hidden" in trace
    table = out[: out.index("Parameters")]
    assert "(+13 sequences)" in " ".join(table.split())  # first 6 and the last of 20
    assert "sentence number 19 here" in table and "sentence number 10 here" not in table


def test_short_runs_are_unchanged_by_the_summary():
    out = invoke("inspect", "--text", "a short one", "--text", "b", check=True).stdout
    assert "hidden" not in out.split("Hidden state")[1] and "--trace all" not in out


@pytest.mark.parametrize("mode", ["all", "none"])
def test_trace_needs_text(mode):
    result = invoke("inspect", "--trace", mode)
    assert result.exit_code == 2
    assert "--trace" in result.stderr and "--text" in result.stderr


def test_many_sequence_lengths_are_a_range_not_a_list():
    from rnncli.rnn.text_run import LISTED_LENGTHS, _lengths_phrase

    assert _lengths_phrase([5]) == "length [5]"
    assert _lengths_phrase([5, 3]) == "lengths [5, 3]"
    many = [4] * LISTED_LENGTHS + [1200]
    assert _lengths_phrase(many) == "lengths 4 to 1,200 (--json lists each)"
    assert _lengths_phrase([4] * 20) == "length 4 each"


def test_no_trace_is_trace_none():
    from helpers.cli import invoke

    args = ["inspect", "--hidden", "3", "--text", "the cat sat on the mat"]
    plain = invoke(*args, "--trace", "none")
    short = invoke(*args, "--no-trace")
    assert plain.exit_code == short.exit_code == 0
    assert plain.stdout == short.stdout
    clash = invoke(*args, "--no-trace", "--trace", "all")
    assert clash.exit_code == 2
    assert "--no-trace" in clash.stderr and "--trace all" in clash.stderr
    alone = invoke("inspect", "--no-trace")
    assert alone.exit_code == 2 and "rnncli: error: --no-trace:" in alone.stderr
