"""Model files that would run a command if loaded naively: reading them runs and imports nothing.

Each file names a global a naive loader (``pickle.load``, ``torch.load(weights_only=False)``)
would import and call: ``os.system("touch MARKER")``, ``builtins.eval``, ``subprocess.Popen``,
a module nobody has imported (``this``, ``antigravity``), chains of ``getattr``/``__import__``,
a rebuild function handed ``os.system``, a persistent id that carries a call. They sit inside a
real torch zip, a legacy file and a whole pickled model, at the top, nested in a state dict, as a
module attribute. After ``read_checkpoint``: no MARKER, no newly imported module, and either one
clear RnncliError (exit 1) or the data with the global shown as an inert placeholder.
"""

from __future__ import annotations

import builtins
import encodings.cp437  # noqa: F401  (zipfile's codec for member names; loaded by any zip read)
import os
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Callable

import pytest
import torch
from helpers.checkpoint_files import (
    RAW_PICKLE,
    Call,
    RawGlobal,
    forget_module,
    raw_dumps,
    replace_zip_pickle,
    unimportable_module,
)
from torch import nn

from rnncli.checkpoint.reader import read_checkpoint
from rnncli.errors import RnncliError, UsageError

#: Modules a naive load of these files would import; none is imported by rnncli or torch.
UNIMPORTED = ("this", "antigravity")


def touch(marker: Path) -> Call:
    return Call(os.system, (f"touch {marker}",))  # pickles as posix.system


def weights() -> dict[str, torch.Tensor]:
    return nn.LSTM(2, 3).state_dict()


def save(obj: object, path: Path, legacy: bool = False) -> None:
    torch.save(obj, path, pickle_module=RAW_PICKLE, _use_new_zipfile_serialization=not legacy)


def in_state_dict(path: Path, marker: Path) -> None:
    save({**weights(), "evil": touch(marker)}, path)


def top_level_eval(path: Path, marker: Path) -> None:
    code = f"__import__('os').system('touch {marker}')"
    save(Call(RawGlobal("builtins", "eval"), (code,)), path)


def legacy_popen(path: Path, marker: Path) -> None:
    save(
        {"model": weights(), "hook": Call(subprocess.Popen, (["touch", str(marker)],))}, path, True
    )


def nested_deep(path: Path, marker: Path) -> None:
    evil = Call(RawGlobal("os", "system"), (f"touch {marker}",))
    save({"model": weights(), "meta": [{"x": [evil]}], "epoch": 2}, path)


def imports_unimported(path: Path, marker: Path) -> None:
    save(
        {
            "state_dict": weights(),
            "zen": Call(RawGlobal("this", "d"), ()),
            "fly": Call(RawGlobal("antigravity", "geohash"), (37.4, -122.1, b"2005-05-26")),
        },
        path,
    )


def getattr_chain(path: Path, marker: Path) -> None:
    imported = Call(RawGlobal("builtins", "__import__"), ("os",))
    system = Call(RawGlobal("builtins", "getattr"), (imported, "system"))
    save({"model": weights(), "run": Call(system, (f"touch {marker}",))}, path)


def rebuild_with_system(path: Path, marker: Path) -> None:
    evil = Call(
        RawGlobal("torch._tensor", "_rebuild_from_type_v2"),
        (os.system, RawGlobal("torch", "Tensor"), (f"touch {marker}",), {}),
    )
    save({"model": weights(), "t": evil}, path)


def rebuild_tensor_with_call(path: Path, marker: Path) -> None:
    evil = Call(
        RawGlobal("torch._utils", "_rebuild_tensor_v2"),
        (touch(marker), 0, (1,), (1,), False, {}),
    )
    save({"model": weights(), "t": evil}, path, legacy=True)


def persistent_id_call(path: Path, marker: Path) -> None:
    torch.save(weights(), path)
    storage = torch.zeros(1).untyped_storage()

    def persistent(obj: object) -> object:
        return ("storage", touch(marker), "0", "cpu", 1) if obj is storage else None

    replace_zip_pickle(path, raw_dumps({"w": storage}, persistent))


def persistent_id_storage_type(path: Path, marker: Path) -> None:
    torch.save(weights(), path)
    storage = torch.zeros(1).untyped_storage()

    def persistent(obj: object) -> object:
        return ("storage", RawGlobal("os", "system"), "0", "cpu", 1) if obj is storage else None

    replace_zip_pickle(path, raw_dumps({"w": storage}, persistent))


def plain_pickle(path: Path, marker: Path) -> None:
    path.write_bytes(raw_dumps(touch(marker)))


MODEL_SOURCE = """
    from torch import nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(2, 3)
"""


def _whole_model(path: Path, marker: Path, legacy: bool) -> None:
    name = f"evilnet_{os.getpid()}_{int(legacy)}"
    folder = path.parent / "src"
    model = unimportable_module(folder, name, MODEL_SOURCE).Net()
    model.callback = touch(marker)  # an attribute a naive load would build by calling os.system
    model.rnn.hook = Call(RawGlobal("this", "d"), ())
    save(model, path, legacy)
    forget_module(folder, name)


def whole_model_zip(path: Path, marker: Path) -> None:
    _whole_model(path, marker, legacy=False)


def whole_model_legacy(path: Path, marker: Path) -> None:
    _whole_model(path, marker, legacy=True)


MAKERS: dict[str, Callable[[Path, Path], None]] = {
    f.__name__: f
    for f in (
        in_state_dict,
        top_level_eval,
        legacy_popen,
        nested_deep,
        imports_unimported,
        getattr_chain,
        rebuild_with_system,
        rebuild_tensor_with_call,
        persistent_id_call,
        persistent_id_storage_type,
        plain_pickle,
        whole_model_zip,
        whole_model_legacy,
    )
}


@pytest.mark.parametrize("kind", sorted(MAKERS))
@pytest.mark.parametrize("mmap", [True, False])
def test_reading_runs_and_imports_nothing(tmp_path, kind, mmap):
    marker = tmp_path / "MARKER"
    path = tmp_path / "model.pt"
    MAKERS[kind](path, marker)
    assert not marker.exists()
    before = set(sys.modules)
    assert not any(m in before for m in UNIMPORTED)
    try:
        read = read_checkpoint(path, mmap=mmap)
    except RnncliError as exc:  # a clear refusal: one line, exit 1
        assert not isinstance(exc, UsageError) and exc.exit_code == 1
        assert str(path) in str(exc) and "\n" not in str(exc)
        read = None
    assert not marker.exists()
    assert set(sys.modules) - before == set(), set(sys.modules) - before
    if read is not None:  # data, with every dangerous global an inert placeholder
        placeholders = [v for v in read.other_entries.values() if "not called" in str(v)]
        assert placeholders or read.modules, read.other_entries
        assert any("restricted unpickler" in note for note in read.notes)
        assert any("no code from the file was imported or run" in n for n in read.notes)
        if kind != "top_level_eval":
            assert read.tensors, "the weights beside the evil entry are still read"


EXPECTED_OUTCOME = {
    "in_state_dict": "data",
    "top_level_eval": "data",
    "legacy_popen": "data",
    "nested_deep": "data",
    "imports_unimported": "data",
    "whole_model_zip": "data",
    "whole_model_legacy": "data",
    "getattr_chain": "refused",
    "rebuild_with_system": "refused",
    "rebuild_tensor_with_call": "refused",
    "persistent_id_call": "refused",
    "persistent_id_storage_type": "refused",
    "plain_pickle": "refused",
}


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_each_file_is_refused_or_read_as_inert_data(tmp_path, kind):
    path = tmp_path / "model.pt"
    MAKERS[kind](path, tmp_path / "MARKER")
    if EXPECTED_OUTCOME[kind] == "refused":
        with pytest.raises(RnncliError):
            read_checkpoint(path)
        return
    read = read_checkpoint(path)
    text = " ".join(read.notes)
    assert "WARNING" in text or kind.startswith("imports") or kind.startswith("whole")
    assert read.read_with == "restricted-unpickler"
    if kind == "in_state_dict":
        assert read.dangerous == ["posix.system"] and read.placeholders == ["posix.system"]
        assert read.state_dict_path == [] and sorted(read.tensors) == sorted(weights())
        assert read.other_entries["evil"].startswith("posix.system(")
        assert "posix.system" in text
    if kind == "top_level_eval":
        assert read.tensors == {} and "builtins.eval" in text
    if kind == "legacy_popen":
        assert read.format == "torch-legacy" and read.state_dict_path == ["model"]
        assert read.other_entries["hook"].startswith("subprocess.Popen(")
    if kind == "imports_unimported":
        assert "this.d" in text and "antigravity.geohash" in text
    if kind.startswith("whole_model"):
        assert list(read.tensors) == [f"rnn.{k}" for k in nn.GRU(2, 3).state_dict()]
        assert read.modules["rnn"].class_name == "torch.nn.modules.rnn.GRU"
        assert "posix.system" in text and "WARNING" in text


@pytest.mark.parametrize("kind", ["in_state_dict", "legacy_popen", "nested_deep", "top_level_eval"])
def test_the_files_really_would_run_a_command(tmp_path, kind):
    """Proof the fixtures are dangerous: torch.load(weights_only=False) runs the command."""
    marker = tmp_path / "MARKER"
    path = tmp_path / "model.pt"
    MAKERS[kind](path, marker)
    result = torch.load(path, weights_only=False)
    if isinstance(result, dict) and isinstance(result.get("hook"), subprocess.Popen):
        result["hook"].wait()
    assert marker.exists()


def test_a_plain_pickle_is_never_unpickled(tmp_path, monkeypatch):
    path = tmp_path / "model.pkl"
    plain_pickle(path, tmp_path / "MARKER")

    def forbidden(*args, **kwargs):
        raise AssertionError("unpickled")

    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(builtins, "eval", forbidden)
    with pytest.raises(RnncliError, match="plain Python pickle"):
        read_checkpoint(path)


# --- files built to make a reader explode --------------------------------------------------------


def test_a_model_whose_submodules_repeat_exponentially_is_refused_quickly(tmp_path):
    module: nn.Module = nn.Linear(1, 1)
    for _ in range(40):  # state_dict() would list 2**40 copies of the Linear's weight
        module = nn.Sequential(module, module)
    torch.save(module, tmp_path / "bomb.pt")
    with pytest.raises(RnncliError, match="over 100000 modules"):
        read_checkpoint(tmp_path / "bomb.pt")


def test_a_model_that_contains_itself_is_read_once(tmp_path):
    model = nn.Linear(2, 3)
    model.loop = model  # registers itself as its own submodule
    torch.save(model, tmp_path / "loop.pt")
    read = read_checkpoint(tmp_path / "loop.pt")
    assert list(read.tensors) == ["weight", "bias"]


def test_deeply_nested_entries_are_summarised_not_walked_forever(tmp_path):
    deep: list = [Call(RawGlobal("os", "system"), ("touch MARKER",))]
    for _ in range(300):
        deep = [deep]
    save({"model": weights(), "deep": deep}, tmp_path / "deep.pt")
    read = read_checkpoint(tmp_path / "deep.pt")
    assert read.state_dict_path == ["model"]
    assert read.other_entries["deep"] == "list of 1 item"


@pytest.mark.parametrize(
    "target", [("torch._utils", "_rebuild_tensor_v2"), ("torch", "FloatStorage")]
)
def test_a_pickle_cannot_change_the_functions_it_is_allowed_to_call(tmp_path, target):
    """BUILD on an allowed global would set attributes (``__defaults__``) of a function shared
    by every later read: refused, and the next file still reads."""
    path = tmp_path / "tamper.pt"
    torch.save(weights(), path)
    module, name = target
    tamper = (
        b"\x80\x02c" + f"{module}\n{name}\n".encode() + b"N}X\x0c\x00\x00\x00__defaults__K\x01"
        b"\x85s\x86b."
    )  # GLOBAL, (None, {"__defaults__": (1,)}), BUILD
    replace_zip_pickle(path, tamper)
    with pytest.raises(RnncliError, match="tries to change"):
        read_checkpoint(path)
    torch.save(weights(), tmp_path / "next.pt")
    assert sorted(read_checkpoint(tmp_path / "next.pt").tensors) == sorted(weights())


def test_a_zip_bomb_is_refused_unread(tmp_path):
    import zipfile

    path = tmp_path / "bomb.pt"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb/data.pkl", pickle.dumps({}, protocol=2))
        with zf.open("bomb/data/0", "w") as member:  # 300 MB of zeros, a few hundred KB packed
            block = bytes(1 << 20)
            for _ in range(300):
                member.write(block)
    assert path.stat().st_size < 2 << 20
    with pytest.raises(RnncliError, match="zip bomb"):
        read_checkpoint(path)


def test_a_small_legacy_file_cannot_reserve_more_than_it_holds(tmp_path):
    """Each storage key may claim up to the file's size, but never all of them together: a
    few KB naming thousands of keys must not reserve thousands of times its size."""
    from rnncli.checkpoint.safe_unpickle import LEGACY_MAGIC, load_legacy

    class Ref:
        def __init__(self, key: str) -> None:
            self.key = key

    numel, keys = 2000, 500  # 8 KB each, 4 MB together
    float_storage = RawGlobal("torch", "FloatStorage")
    refs = [Ref(str(i)) for i in range(keys)]
    body = raw_dumps(
        {"padding": "x" * 12_000, "storages": refs},
        lambda obj: (
            ("storage", float_storage, obj.key, "cpu", numel, None)
            if isinstance(obj, Ref)
            else None
        ),
    )
    path = tmp_path / "greedy.pt"
    head = LEGACY_MAGIC + pickle.dumps(1001, protocol=2) + pickle.dumps({}, protocol=2)
    path.write_bytes(head + body + pickle.dumps([r.key for r in refs], protocol=2))
    size = path.stat().st_size
    assert numel * 4 < size < keys * numel * 4  # each claim alone fits; together they do not
    with pytest.raises(RnncliError, match="claim more bytes than the file holds"):
        load_legacy(path)
    with pytest.raises(RnncliError, match="claim more bytes than the file holds"):
        read_checkpoint(path)


# --- TorchScript archives: their code is never compiled, their __setstate__ never runs -------

SETSTATE_MARKER = "SETSTATE-RAN-7f3a"


class _Scribbler(nn.Module):
    """A scripted module whose ``__setstate__`` prints and writes into a file when loaded."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target
        self.mapped = torch.zeros(4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x

    @torch.jit.export
    def __getstate__(self) -> tuple[str, bool]:
        return (self.target, self.training)

    @torch.jit.export
    def __setstate__(self, state: tuple[str, bool]) -> None:
        print("SETSTATE-RAN-7f3a")  # SETSTATE_MARKER: TorchScript reads no Python globals
        self.mapped = torch.from_file(state[0], shared=True, size=4)
        self.mapped.fill_(1.0)
        self.target = state[0]
        self.training = state[1]


def scribbling_archive(tmp_path: Path) -> tuple[Path, Path]:
    target = tmp_path / "target.bin"
    target.write_bytes(bytes(16))
    path = tmp_path / "scribbler.pt"
    torch.jit.script(_Scribbler(str(target))).save(str(path))
    assert target.read_bytes() == bytes(16)  # saving ran __getstate__ only
    return path, target


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("mmap", [True, False])
def test_a_torchscript_setstate_never_runs(tmp_path, capfd, monkeypatch, mmap):
    path, target = scribbling_archive(tmp_path)
    capfd.readouterr()

    def refuse(*args, **kwargs):
        raise AssertionError("torch.jit.load must not be called")

    monkeypatch.setattr(torch.jit, "load", refuse)
    read = read_checkpoint(path, mmap=mmap)
    out, err = capfd.readouterr()
    assert SETSTATE_MARKER not in out + err and out == ""
    assert target.read_bytes() == bytes(16)
    assert read.format == "torchscript" and read.read_with == "restricted-unpickler"
    assert read.modules[""].class_name.endswith("_Scribbler")
    text = " ".join(read.notes)
    assert "no code from the archive was compiled or run" in text
    assert "own TorchScript __setstate__" in text and "_Scribbler" in text
    assert read.tensors == {}  # its state is what its __getstate__ returned: not named tensors


def test_the_torchscript_archive_really_would_run_its_setstate(tmp_path):
    """Proof the fixture is dangerous: torch.jit.load prints and writes into the file."""
    path, target = scribbling_archive(tmp_path)
    code = f"import torch; torch.jit.load({str(path)!r})"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert SETSTATE_MARKER in result.stdout
    assert target.read_bytes() != bytes(16)


class _ScriptModule:
    """Pickles as a TorchScript module object: ``__torch__.<name>`` with a state dict."""

    def __init__(self, name: str, state: dict) -> None:
        self.name, self.state = name, state

    def __reduce__(self) -> tuple:
        return (RawGlobal("__torch__", self.name), (), self.state)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_torchscript_data_pkl_naming_os_system_runs_nothing(tmp_path):
    marker = tmp_path / "MARKER"
    path = tmp_path / "archive.pt"
    torch.jit.script(nn.Linear(2, 2)).save(str(path))
    with zipfile.ZipFile(path) as zf:
        storages = [n for n in zf.namelist() if "/data/" in n]
    assert storages  # the weight's record is still there, now unnamed by data.pkl
    evil = _ScriptModule("Evil", {"training": True, "hook": touch(marker)})
    replace_zip_pickle(path, raw_dumps(evil))
    read = read_checkpoint(path)
    assert not marker.exists()
    assert read.dangerous == ["posix.system"] and "posix.system" in read.placeholders
    assert any("WARNING" in note and "posix.system" in note for note in read.notes)
    replace_zip_pickle(path, raw_dumps({"x": touch(marker)}))  # not even a module
    with pytest.raises(RnncliError, match="does not hold a scripted module") as refused:
        read_checkpoint(path)
    assert str(path) in str(refused.value) and "\n" not in str(refused.value)
    assert not marker.exists()
