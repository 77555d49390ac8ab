"""Atomic writes: the old file survives any failure, and errors name the target, not a temp file."""

from __future__ import annotations

import errno

import pytest

from rnncli.atomic import atomic_path, atomic_write
from rnncli.errors import RnncliError


def test_success_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with atomic_write(target) as handle:
        handle.write("new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_an_exception_in_the_block_keeps_the_old_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(KeyError), atomic_write(target) as handle:
        handle.write("half")
        raise KeyError("interrupted")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_folder_that_cannot_exist_is_named_as_the_target(tmp_path):
    (tmp_path / "a-file").write_text("")
    target = tmp_path / "a-file" / "out.svg"
    with pytest.raises(RnncliError) as caught, atomic_write(target) as handle:
        handle.write("never")
    assert str(caught.value).startswith(f"cannot write {target}: ")
    assert ".tmp" not in str(caught.value)


def test_a_full_disk_while_writing_is_named_as_the_target(tmp_path):
    target = tmp_path / "emb.pt"
    target.write_text("old")
    full = pytest.raises(RnncliError, match="No space left on device")
    with full as caught, atomic_path(target) as tmp:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp))
    assert str(target) in str(caught.value) and ".tmp" not in str(caught.value)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["emb.pt"]


def test_other_os_errors_in_the_block_pass_through(tmp_path):
    """Reading a missing input inside the block is not a write failure: its own error stays."""
    with pytest.raises(FileNotFoundError), atomic_write(tmp_path / "out.txt"):
        open(tmp_path / "no-such-input")  # noqa: SIM115
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_without_a_file_name_is_still_named_as_the_target(tmp_path):
    """A real ENOSPC from a write carries no file name; the message must still say which file."""
    target = tmp_path / "run.svg"
    with pytest.raises(RnncliError) as caught, atomic_write(target) as handle:
        handle.write("x")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert str(caught.value) == f"cannot write {target}: No space left on device"
    assert list(tmp_path.iterdir()) == []


def test_torch_save_failing_on_a_full_disk_is_named_as_the_target(tmp_path, monkeypatch):
    """torch's zip writer reports a full disk as a RuntimeError ("unexpected pos ...")."""
    import torch

    from rnncli.atomic import atomic_torch_save

    target = tmp_path / "emb.pt"
    atomic_torch_save({"a": torch.zeros(2)}, target)
    assert torch.load(target, weights_only=True)["a"].shape == (2,)

    def full(obj, path):
        open(path, "wb").write(b"partial")  # noqa: SIM115
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 4352")

    monkeypatch.setattr(torch, "save", full)
    with pytest.raises(RnncliError, match=r"^cannot write .*emb\.pt: torch\.save failed"):
        atomic_torch_save({"a": torch.ones(2)}, target)
    assert torch.load(target, weights_only=True)["a"].sum() == 0  # the old file, intact
    assert [p.name for p in tmp_path.iterdir()] == ["emb.pt"]
