"""`rnncli glove evaluate` through the real entry point: JSON, tables, one-line errors."""

from __future__ import annotations

import io
import json

import pytest
from helpers.cli import invoke, run_rnncli
from helpers.eval_files import analogy_questions, analogy_vectors, write
from helpers.glove_files import make_glove_text_set
from typer.testing import CliRunner

from rnncli.cli.app import app
from rnncli.glove import benchmark_data
from rnncli.terminal import Environment


@pytest.fixture
def files(cache_dir, tmp_path):
    make_glove_text_set(cache_dir, analogy_vectors())
    questions = analogy_questions() + "s5w0x s5w0y s5w1x s5w2y\n"  # a designed failure
    pairs = "# two pairs\ns0w0x\ts0w0y\t9\nfiller0\tfiller1\t1\ns0w0x\tnowhere\t4\n"
    return write(tmp_path / "pairs.tsv", pairs), write(tmp_path / "questions.txt", questions)


def _one_error_line(result, code: int, *needles: str) -> str:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rnncli: error: "), result.stderr
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


def test_json_has_the_issues_shape(files):
    pairs, questions = files
    args = ["glove", "evaluate", "--similarity", str(pairs), "--analogies", str(questions)]
    result = run_rnncli(*args, "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress bar off a terminal
    data = json.loads(result.stdout)
    assert data == {
        "name": "6B.50d",
        "restrict_vocab": 300000,
        "similarity": [
            {
                "dataset": "pairs.tsv",
                "pairs": 3,
                "used": 2,
                "skipped": 1,
                "spearman": 1.0,
                "pearson": 1.0,
            }
        ],
        "analogies": {
            "dataset": "questions.txt",
            "questions": 37,
            "used": 37,
            "correct": 36,
            "accuracy": round(36 / 37, 4),
            "sections": [{"name": f"section-{s}", "correct": 6, "total": 6} for s in range(5)]
            + [{"name": "section-5", "correct": 6, "total": 7}],
            "semantic": {"correct": 30, "total": 30},
            "syntactic": {"correct": 6, "total": 7},
        },
    }


def test_tables_at_80_columns_keep_names_and_figures_whole(files):
    pairs, questions = files
    args = ["glove", "evaluate", "--similarity", str(pairs), "--analogies", str(questions)]
    result = run_rnncli(*args, env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert max(len(line) for line in out.splitlines()) <= 80
    for text in ("pairs.tsv: word similarity", "1.0000", "section-5", "97.3 %", "semantic"):
        assert text in out
    # the designed failure: question, expected, got
    assert "s5w1x" in out and "s5w2y" in out and "s5w1y" in out


def test_only_similarity_or_only_analogies(files):
    pairs, questions = files
    r = invoke("glove", "evaluate", "--similarity", str(pairs), "--json", check=True)
    assert json.loads(r.stdout)["analogies"] is None
    r = invoke("glove", "evaluate", "--analogies", str(questions), "--json", check=True)
    assert json.loads(r.stdout)["similarity"] == []


def test_restrict_vocab_changes_what_is_used(files):
    _, questions = files
    # The first 10 rows: 4 fillers and section 0's six words: only its 6 questions are used.
    r = invoke("glove", "evaluate", "--analogies", str(questions), "--restrict-vocab", "10")
    assert r.exit_code == 0, r.stderr
    r = invoke(
        "glove", "evaluate", "--analogies", str(questions), "--restrict-vocab", "10", "--json"
    )
    data = json.loads(r.stdout)["analogies"]
    assert data["used"] == 6 and data["sections"][0] == {
        "name": "section-0",
        "correct": 6,
        "total": 6,
    }


def test_bad_file_names_its_line(files, tmp_path):
    bad = write(tmp_path / "bad.tsv", "# header\na b 1\n")
    result = run_rnncli("glove", "evaluate", "--similarity", str(bad))
    _one_error_line(result, 2, "--similarity", "bad.tsv, line 2", "word1<TAB>word2<TAB>score")


def test_no_usable_pair(files, tmp_path):
    nothing = write(tmp_path / "none.tsv", "zebra\tyak\t3\n")
    result = run_rnncli("glove", "evaluate", "--similarity", str(nothing))
    _one_error_line(result, 2, "no pair has both words")


@pytest.mark.parametrize("value", ["0", "-5"])
def test_restrict_vocab_must_be_positive(files, value):
    _, questions = files
    result = run_rnncli(
        "glove", "evaluate", "--analogies", str(questions), "--restrict-vocab", value
    )
    _one_error_line(result, 2, "--restrict-vocab", "positive")


def test_set_not_fetched_says_how(files):
    _, questions = files
    result = run_rnncli("glove", "evaluate", "--name", "6B.100d", "--analogies", str(questions))
    _one_error_line(result, 1, "rnncli glove fetch 6B.100d")


def test_unknown_dataset(files):
    result = run_rnncli("glove", "evaluate", "--analogies", "googel")
    _one_error_line(result, 2, "--analogies", "unknown dataset 'googel'", "google")


def test_without_gensim_the_standard_sets_say_how_to_get_them(files, monkeypatch):
    monkeypatch.setattr(benchmark_data, "gensim_data_dir", lambda: None)
    r = invoke("glove", "evaluate")
    assert r.exit_code == 1
    assert "pip install 'rnncli[eval]'" in r.stderr and "Traceback" not in r.stderr


def test_standard_sets_by_default(cache_dir):
    """No dataset option: all three; a tiny set shares no pair with SimLex-999: exit 2."""
    pytest.importorskip("gensim")
    make_glove_text_set(cache_dir, {"tiger": [1, 0], "cat": [1, 1], "love": [0, 1], "sex": [1, 2]})
    result = run_rnncli("glove", "evaluate", "--similarity", "wordsim353", "--json")
    assert result.returncode == 0, result.stderr
    (entry,) = json.loads(result.stdout)["similarity"]
    assert (entry["dataset"], entry["pairs"], entry["used"]) == (
        "wordsim353",
        353,
        3,
    )  # love-sex, tiger-cat, tiger-tiger
    result = run_rnncli("glove", "evaluate")
    _one_error_line(result, 2, "simlex999: no pair has both words")


def test_progress_bar_on_a_terminal_stderr_only(files):
    """Where stderr is a terminal the analogy run draws its bar there; stdout keeps the JSON."""
    _, questions = files
    env = Environment(
        stdout=io.StringIO(), stderr=io.StringIO(), stderr_terminal=True, width=80, height=25
    )
    args = ["glove", "evaluate", "--analogies", str(questions), "--json"]
    result = CliRunner().invoke(app, args, obj=env)
    assert result.exit_code == 0, result.stderr
    assert json.loads(env.stdout.getvalue())["analogies"]["correct"] == 36
    assert "analogy questions" in env.stderr.getvalue() and "37/37" in env.stderr.getvalue()


def test_a_folder_as_dataset_is_named_a_folder(files, tmp_path):
    result = run_rnncli("glove", "evaluate", "--similarity", str(tmp_path))
    _one_error_line(result, 2, "--similarity", "it is a folder")
