"""The shell scripts in examples/ run as a user would run them, with rnncli on PATH."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers.cli import REPO


def run_example(name: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    return subprocess.run(
        ["bash", str(REPO / "examples" / name), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_notebook_walkthrough():
    result = run_example("notebook_walkthrough.sh")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "weight_ih_l0 [10, 100]" in out and "weight_hh_l0 [10, 10]" in out
    assert "[seq_len=10, batch=3, hidden=20]" in out
    assert "passed: True" in out


def test_hidden_sweep_prints_lstm_sizes():
    result = run_example("hidden_sweep.sh", "300")
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()[1:]]
    assert [int(r[0]) for r in rows] == [64, 128, 256, 512, 1024]
    for hidden, params, _macs in rows:
        h = int(hidden)
        assert int(params.replace(",", "")) == 4 * h * (300 + h) + 8 * h


def test_sentences_through_gru_with_random_rows():
    result = run_example("sentences_through_gru.sh")
    assert result.returncode == 0, result.stderr
    assert "embedding: random, 50-dimensional" in result.stdout
    assert "GRU(50, 8)" in result.stdout
    assert "batch_sizes [2, 2, 1, 1, 1, 1]" in " ".join(result.stdout.split())


def test_sentences_through_gru_with_glove_rows(cache_dir):
    import numpy as np

    from rnncli.glove.set_import import import_arrays

    words = ["the", "king", "spoke", "to", "people", "a", "queen"]
    rng = np.random.default_rng(0)
    import_arrays("6B.50d", words, rng.standard_normal((7, 50)).astype(np.float32), cache_dir)
    result = run_example("sentences_through_gru.sh")
    assert result.returncode == 0, result.stderr
    assert "embedding: GloVe 6B.50d" in result.stdout
    assert "GloVe 6B.50d rows, frozen" in " ".join(result.stdout.split())


def test_every_example_says_so_when_rnncli_is_not_on_path(tmp_path):
    """Run before activating the venv, a script stops at once with the fix, not a traceback."""
    bash = subprocess.run(["bash", "-c", "command -v bash"], capture_output=True, text=True)
    (tmp_path / "bash").symlink_to(bash.stdout.strip())  # a PATH with bash and nothing else
    for script in sorted((REPO / "examples").glob("*.sh")):
        result = subprocess.run(
            ["bash", str(script)],
            capture_output=True,
            text=True,
            env={"PATH": str(tmp_path), "HOME": str(tmp_path)},
            timeout=60,
        )
        assert result.returncode == 127, script.name
        assert result.stdout == "", script.name
        assert "source .venv/bin/activate" in result.stderr, script.name


def test_check_checkpoint_agrees_then_differs(tmp_path):
    import torch

    path = tmp_path / "model.pt"
    torch.save({"epoch": 1, "model": torch.nn.LSTM(4, 6, num_layers=2).state_dict()}, path)
    agrees = run_example("check_checkpoint.sh", str(path), "6", "2")
    assert agrees.returncode == 0, agrees.stderr
    assert "ok: " in agrees.stdout
    differs = run_example("check_checkpoint.sh", str(path), "12", "2")
    assert differs.returncode == 1, differs.stderr
    assert "differs: hidden_size is 6 in the file, 12 in the config" in differs.stdout
    assert "weight_hh_l0 [24, 6]" in differs.stdout
    missing = run_example("check_checkpoint.sh", str(tmp_path / "nope.pt"))
    assert missing.returncode == 2 and "nope.pt" in missing.stderr


def _equal_params_rows(stdout: str) -> dict[str, tuple[int, int, float]]:
    lines = stdout.splitlines()
    table = lines[lines.index(next(line for line in lines if line.startswith("cell"))) + 1 :]
    return {
        cell: (int(hidden), int(params.replace(",", "")), float(ratio))
        for cell, hidden, params, ratio in (line.split() for line in table)
    }


def test_equal_params_gradients_with_random_rows():
    result = run_example("equal_params_gradients.sh")
    assert result.returncode == 0, result.stderr
    assert "embedding: random, 50-dimensional" in result.stdout
    rows = _equal_params_rows(result.stdout)
    assert list(rows) == ["rnn", "lstm", "gru"]
    budget = int(result.stdout.split("budget: ")[1].split()[0].replace(",", ""))
    assert rows["rnn"][:2] == (32, budget)  # the rnn at --hidden 32 sets the budget
    for _hidden, params, ratio in rows.values():
        assert 0 < ratio < 1  # the first word gets less gradient than the last
        assert abs(params - budget) < budget // 10
    assert "20 words" in result.stdout


def test_equal_params_gradients_with_glove_rows(cache_dir):
    import numpy as np

    from rnncli.glove.set_import import import_arrays

    sentence = "the old king who had ruled the land for forty years spoke at last to the people"
    words = sorted(set(sentence.split()) | {"in", "square"})
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((len(words), 50)).astype(np.float32)
    import_arrays("6B.50d", words, vectors, cache_dir)
    result = run_example("equal_params_gradients.sh", "16")
    assert result.returncode == 0, result.stderr
    assert "embedding: GloVe 6B.50d" in result.stdout
    rows = _equal_params_rows(result.stdout)
    assert rows["rnn"][0] == 16 and set(rows) == {"rnn", "lstm", "gru"}
