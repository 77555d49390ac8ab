"""The printed rebuild code runs as printed, in a fresh interpreter, on a real saved file."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from torch import nn

from rnncli.checkpoint.grouping import join_name
from rnncli.checkpoint.modules import find_modules
from rnncli.checkpoint.rebuild import rebuild_code, variable_names

#: Appended to the printed code: save what it rebuilt, so the test can compare.
TRAILER = """
torch.save(
    {{name: value.state_dict() for name, value in dict(globals()).items()
      if isinstance(value, nn.Module)}},
    {out!r},
)
"""


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.word_emb = nn.Embedding(30, 6, padding_idx=0)
        self.lstm = nn.LSTM(6, 5, num_layers=2, bidirectional=True, proj_size=3)
        self.head = nn.Linear(6, 4)
        self.cell = nn.GRUCell(4, 3, bias=False)
        self.rnn = nn.RNN(3, 2, bias=False)
        self.norm = nn.LayerNorm(4)


def run_printed(code: str, tmp_path, name="rebuilt.pt") -> dict:
    out = tmp_path / name
    script = tmp_path / "rebuild.py"
    script.write_text(code + TRAILER.format(out=str(out)))
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return torch.load(out, weights_only=True)


def check_rebuilt(rebuilt: dict, found, original: dict) -> None:
    names = variable_names(found)
    loaded = [m for m in found if m.loaded]
    assert set(rebuilt) == set(names.values()) and len(names) == len(loaded)
    for module in loaded:
        state = rebuilt[names[module.name]]
        assert set(state) == set(module.tensors)
        for local, tensor in state.items():
            assert torch.equal(tensor, original[join_name(module.name, local)])


@pytest.mark.parametrize("prefix", ["", "module.", "_orig_mod."])
def test_the_code_rebuilds_a_training_checkpoint(tmp_path, prefix):
    torch.manual_seed(0)
    state_dict = {prefix + k: v for k, v in Tagger().state_dict().items()}
    path = tmp_path / "tagger.pt"
    torch.save({"epoch": 3, "train": {"model_state_dict": state_dict}}, path)
    found = find_modules(state_dict)

    code = rebuild_code(str(path), found, ["train", "model_state_dict"])

    assert "weights_only=True" in code and 'map_location="cpu"' in code
    assert "nn.LSTM(6, 5, num_layers=2, bidirectional=True, proj_size=3)" in code
    assert "nn.Embedding(30, 6)" in code  # padding_idx is not in a bare state dict
    rebuilt = run_printed(code, tmp_path)
    check_rebuilt(rebuilt, found, state_dict)
    assert names_of(found) == {f"{prefix}word_emb", f"{prefix}lstm", f"{prefix}head"} | {
        f"{prefix}cell",
        f"{prefix}rnn",
    }


def names_of(found) -> set[str]:
    return {m.name for m in found if m.loaded}


def test_a_bare_lstm_file_at_the_root(tmp_path):
    original = nn.LSTM(4, 3)
    path = tmp_path / "lstm.pt"
    torch.save(original.state_dict(), path)
    found = find_modules(original.state_dict())
    code = rebuild_code(str(path), found, [])
    assert "state_dict = checkpoint\n" in code
    rebuilt = run_printed(code, tmp_path)
    (state,) = rebuilt.values()
    for name, tensor in original.state_dict().items():
        assert torch.equal(state[name], tensor)


def test_a_path_and_names_that_are_not_python_stay_strings(tmp_path):
    folder = tmp_path / 'it\'s a "folder" \\ x'
    folder.mkdir()
    path = folder / "m.pt"
    state_dict = {
        "0.weight_ih_l0": torch.randn(4, 2),
        "0.weight_hh_l0": torch.randn(4, 4),
        "class.weight": torch.randn(3, 4),
        "class.bias": torch.randn(3),
        "a-b.weight": torch.randn(3, 4),
        "a_b.weight": torch.randn(3, 4),
    }
    torch.save(state_dict, path)
    found = find_modules(state_dict)
    names = variable_names(found)
    assert len(set(names.values())) == 4
    assert all(v.isidentifier() for v in names.values())
    rebuilt = run_printed(rebuild_code(str(path), found, []), tmp_path)
    check_rebuilt(rebuilt, found, state_dict)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_safetensors_and_torchscript_files(tmp_path):
    from safetensors.torch import save_file

    torch.manual_seed(2)
    model = nn.Sequential(nn.Embedding(10, 4), nn.GRU(4, 3, batch_first=True))
    state_dict = model.state_dict()
    path = tmp_path / "m.safetensors"
    save_file({k: v.contiguous() for k, v in state_dict.items()}, str(path))
    found = find_modules(state_dict)
    code = rebuild_code(str(path), found, [], format="safetensors")
    assert "# the same tensors also fit nn.Embedding(10, 4)" in code  # "0" is no embedding name
    check_rebuilt(run_printed(code, tmp_path), found, state_dict)

    scripted = torch.jit.script(nn.Sequential(nn.Linear(3, 2), nn.LSTMCell(2, 5)))
    path = tmp_path / "m.ts"
    scripted.save(str(path))
    state_dict = scripted.state_dict()
    found = find_modules(state_dict)
    code = rebuild_code(str(path), found, [], format="torchscript")
    assert "torch.jit" not in code and "read_checkpoint" in code  # never runs the archive's code
    check_rebuilt(run_printed(code, tmp_path, "ts.pt"), found, state_dict)


def test_a_file_with_nothing_rebuildable_says_so(tmp_path):
    found = find_modules({"norm.weight": torch.ones(3), "norm.bias": torch.zeros(3)})
    code = rebuild_code("x.pt", found, [])
    assert "recognised no module" in code
    compile(code, "rebuild.py", "exec")
    with pytest.raises(ValueError):
        rebuild_code("x.pt", found, [], format="onnx")


def test_a_whole_pickled_model_is_read_with_rnnclis_own_reader():
    found = find_modules(nn.GRU(2, 3).state_dict())
    code = rebuild_code("whole.pt", found, ["ignored"], format="rnncli")
    assert "from rnncli.checkpoint.reader import read_checkpoint" in code
    assert "checkpoint = read_checkpoint('whole.pt').tensors" in code
    assert "state_dict = checkpoint\n" in code and "weights_only" not in code
    compile(code, "rebuild.py", "exec")


@pytest.mark.parametrize(
    ("layout", "expected_path"),
    [
        (lambda sd: [sd], [0]),
        (lambda sd: ({"epoch": 1}, sd), [1]),
        (lambda sd: {"models": [sd]}, ["models", 0]),
        (lambda sd: {7: sd, "7": "not this one"}, [7]),
        (lambda sd: {"runs": {3: [{"seed": 1}, {"state": sd}]}}, ["runs", 3, 1, "state"]),
    ],
)
def test_the_code_walks_lists_and_int_keys_as_the_file_has_them(tmp_path, layout, expected_path):
    from rnncli.checkpoint.reader import read_checkpoint

    torch.manual_seed(0)
    state_dict = nn.LSTM(3, 4).state_dict()
    path = tmp_path / "nested.pt"
    torch.save(layout(state_dict), path)
    read = read_checkpoint(path)
    assert read.state_dict_path == expected_path
    assert [type(step) for step in read.state_dict_path] == [type(s) for s in expected_path]
    found = find_modules(read.tensors)
    code = rebuild_code(str(path), found, read.state_dict_path)
    walk = "".join(f"[{step!r}]" for step in expected_path)
    assert f"state_dict = checkpoint{walk}\n" in code
    rebuilt = run_printed(code, tmp_path)
    check_rebuilt(rebuilt, found, state_dict)
