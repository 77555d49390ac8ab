"""Widths and seeds are validated in the library under the option's own name, before torch.

``0`` is a given value, not "not given"; a seed outside what both torch.manual_seed and
numpy.random.default_rng accept is a usage error naming --seed, not a ValueError from deep
inside a generator.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from helpers.cli import invoke, run_rnncli

from rnncli.embedding import build_weight, embed_words
from rnncli.errors import UsageError
from rnncli.glove.set_import import import_arrays
from rnncli.rnn.spec import SEED_MAX, RunSpec, check_seed
from rnncli.rnn.text_plan import DEFAULT_EMBED_DIM, plan_text


def one_line_usage_error(args: list[str], option: str) -> str:
    result = invoke(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rnncli: error: "), result.stderr
    assert option in lines[0], lines[0]
    return lines[0]


# --- widths of a text run (finding 1) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "option"),
    [
        ({"embed_dim": 0}, "--embed-dim"),
        ({"embed_dim": -2}, "--embed-dim"),
        ({"input_size": 0}, "--input"),
        ({"input_size": -3}, "--input"),
        ({"embed_dim": 0, "input_size": 0}, "--embed-dim"),
    ],
)
def test_text_plan_refuses_non_positive_widths_under_their_own_name(kwargs, option):
    with pytest.raises(UsageError) as info:
        plan_text(["hello world"], **kwargs)
    assert info.value.option == option
    assert "positive integer" in str(info.value)


def test_text_plan_width_defaults_only_when_nothing_is_given():
    assert plan_text(["hello world"]).input_size == DEFAULT_EMBED_DIM
    assert plan_text(["hello world"], embed_dim=1).input_size == 1
    assert plan_text(["hello world"], input_size=1).input_size == 1


def test_width_checked_before_glove_is_opened():
    # Nothing is fetched: a bad --input must still be named, not "not in the cache".
    with pytest.raises(UsageError) as info:
        plan_text(["hello world"], vectors="6B.50d", input_size=0)
    assert info.value.option == "--input"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--embed-dim", "0"], "--embed-dim"),
        (["--input", "0"], "--input"),
        (["--input", "-3"], "--input"),
        (["--embed-dim", "-3"], "--embed-dim"),
    ],
)
def test_cli_text_widths(args, option):
    line = one_line_usage_error(["inspect", "--text", "hello world", *args, "--json"], option)
    other = "--input" if option == "--embed-dim" else "--embed-dim"
    assert other not in line


# --- seeds (finding 3) ------------------------------------------------------------------------


def test_seed_range_is_what_torch_and_numpy_both_accept():
    for seed in (0, 1, 2**63, SEED_MAX):
        torch.Generator().manual_seed(seed)
        np.random.default_rng(seed)
        assert check_seed(seed) == seed
    with pytest.raises((ValueError, RuntimeError)):
        torch.Generator().manual_seed(SEED_MAX + 1)
    with pytest.raises(ValueError):
        np.random.default_rng(-1)


@pytest.mark.parametrize("seed", [-1, SEED_MAX + 1, 99999999999999999999, True])
def test_run_spec_refuses_seeds_out_of_range(seed):
    with pytest.raises(UsageError) as info:
        RunSpec(seed=seed)
    assert info.value.option == "--seed"
    assert str(SEED_MAX) in str(info.value)


@pytest.mark.parametrize("seed", [-1, SEED_MAX + 1])
def test_embed_words_and_build_weight_refuse_seeds_out_of_range(seed):
    state = torch.get_rng_state()
    for call in (lambda: embed_words(["hello"], seed=seed), lambda: build_weight(2, 3, seed)):
        with pytest.raises(UsageError) as info:
            call()
        assert info.value.option == "--seed"
    assert torch.equal(torch.get_rng_state(), state)  # refused before torch.manual_seed


def test_embed_words_refuses_the_seed_before_glove_draws_rows(tmp_path):
    from rnncli.glove.store import open_store

    import_arrays("6B.50d", ["the", "cat"], np.ones((2, 50), dtype=np.float32), tmp_path)
    store = open_store("6B.50d", tmp_path)
    with pytest.raises(UsageError) as info:
        embed_words(["zzqqxx"], glove=store, missing="random", seed=-1)
    assert info.value.option == "--seed"


def test_largest_seed_works_and_is_torchs():
    report = embed_words(["hello", "world"], dim=3, seed=SEED_MAX)
    torch.manual_seed(SEED_MAX)
    assert report.vectors == torch.nn.Embedding(2, 3).weight.tolist()


@pytest.mark.parametrize(
    "args",
    [
        ["inspect", "--seed", "99999999999999999999"],
        ["inspect", "--seed", "-1"],
        ["inspect", "--text", "hello", "--seed", "18446744073709551616"],
        ["embed", "hello", "--seed", "99999999999999999999"],
        ["embed", "hello", "--seed", "-1"],
    ],
)
def test_cli_seed_out_of_range(args):
    line = one_line_usage_error(args, "--seed")
    assert "Overflow" not in line and "ValueError" not in line


def test_cli_embed_glove_random_rows_with_negative_seed(monkeypatch, tmp_path):
    import_arrays("6B.50d", ["the", "cat"], np.ones((2, 50), dtype=np.float32), tmp_path)
    args = ["embed", "zzqqxx", "--vectors", "6B.50d", "--missing", "random", "--seed", "-1"]
    one_line_usage_error([*args, "--cache-dir", str(tmp_path)], "--seed")


def test_cli_largest_seed_through_the_real_entry_point():
    result = run_rnncli(
        "inspect", "--hidden", "2", "--input", "2", "--seed", str(SEED_MAX), "--json"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["run"]["seed"] == SEED_MAX


def test_a_bad_seed_is_named_before_an_unfetched_set_is_looked_for():
    """The user's mistake first: --seed, not "6B.100d is not in the cache"."""
    message = one_line_usage_error(
        ["embed", "zz", "--vectors", "6B.100d", "--missing", "random", "--seed", "-1"], "--seed"
    )
    assert "not in the cache" not in message


def test_text_on_the_meta_device_is_refused_before_any_file_is_read(tmp_path):
    message = one_line_usage_error(
        ["inspect", "--text", "hi", "--device", "meta", "--vocab", str(tmp_path / "no.json")],
        "--device",
    )
    assert "no.json" not in message


def test_packed_output_layer_macs_say_real_pairs():
    text = ["--text", "the cat sat", "--text", "a dog", "--embed-dim", "3"]
    result = invoke("inspect", *text, "--hidden", "4", "--pack", "--output-size", "3")
    assert result.exit_code == 0, result.stderr
    line = next(row for row in result.stdout.splitlines() if "MACs output layer" in row)
    assert "60" in line and "5 real (step, sequence) pairs × W_hy" in line


def test_inspect_names_a_bad_seed_before_reading_vocab_or_glove(tmp_path):
    (tmp_path / "bad.json").write_text("not json", encoding="utf-8")
    for extra in (["--vectors", "6B.100d"], ["--vocab", str(tmp_path / "bad.json")]):
        one_line_usage_error(["inspect", "--text", "a", *extra, "--seed", "-1"], "--seed")


def test_inspect_text_names_a_missing_vocab_option(tmp_path):
    message = one_line_usage_error(
        ["inspect", "--text", "a b", "--vocab", str(tmp_path / "nosuch.json")], "--vocab"
    )
    assert message.startswith("rnncli: error: --vocab: cannot read vocabulary")
