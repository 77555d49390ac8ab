"""The edges a new user hit (issue 12), each through the real entry point: one clear line and the
right exit code, never a traceback, a C++ frame dump or a message that points the wrong way."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys

import pytest
from helpers.cli import REPO, invoke, run_rnncli
from helpers.glove_files import glove_text, make_glove_text_set
from helpers.interrupt import default_sigint

from rnncli.errors import UsageError
from rnncli.rnn.request import InspectRequest

BOM = "\ufeff"


def _one_error_line(result, code: int) -> str:
    """The single stderr line of a failed run, after checking its exit code."""
    stderr = result.stderr if hasattr(result, "stderr") else ""
    returncode = getattr(result, "returncode", getattr(result, "exit_code", None))
    assert returncode == code, (returncode, stderr)
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("rnncli: error: "), lines
    assert "Traceback" not in stderr and "frame #" not in stderr
    return lines[0]


# -- stdin -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["embed", "-"], "WORD"),
        (["inspect", "--text", "-"], "--text"),
        (["vocab", "build", "-"], "FILE"),
    ],
)
def test_closed_stdin_is_one_usage_error(args, option):
    """`rnncli embed - <&-`: stdin closed by the shell (sys.stdin is None in Python)."""
    result = subprocess.run(
        ["sh", "-c", 'exec "$0" -m rnncli "$@" <&-', sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    line = _one_error_line(result, 2)
    assert line.startswith(f"rnncli: error: {option}: ") and "stdin is closed" in line


def test_a_bom_at_the_start_of_text_stdin_is_dropped():
    result = invoke("inspect", "--text", "-", "--json", input=f"{BOM}the cat\n", check=True)
    sequences = json.loads(result.stdout)["sequences"]
    assert sequences[0]["tokens"] == ["the", "cat"] and BOM not in json.dumps(sequences)


def test_a_bom_at_the_start_of_embed_stdin_is_dropped():
    result = invoke("embed", "-", "--json", input=f"{BOM}hello world\n", check=True)
    assert json.loads(result.stdout)["vocab"] == {"hello": 0, "world": 1}


# -- absurd sizes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--hidden", "99999999999999999999999"],
        ["--hidden", "9999999999", "--device", "meta"],
    ],
)
def test_a_size_no_tensor_can_hold_names_the_option_and_its_limit(args):
    line = _one_error_line(run_rnncli("inspect", *args), 2)
    assert line.startswith("rnncli: error: --hidden: ")
    assert "weight_hh_l0" in line and "2**63 - 1" in line
    assert "--hidden can be at most 1,518,500,249" in line


def test_the_stated_limit_is_the_boundary():
    """float32 weight_hh [h, h] of 4 bytes a number: the largest h with 4·h² < 2**63."""
    InspectRequest(hidden_size=1_518_500_249, device="meta")
    with pytest.raises(UsageError, match="at most 1,518,500,249"):
        InspectRequest(hidden_size=1_518_500_250, device="meta")
    assert 4 * 1_518_500_249**2 <= 2**63 - 1 < 4 * 1_518_500_250**2


def test_a_long_batch_names_the_option_that_overflows():
    line = _one_error_line(
        run_rnncli("inspect", "--seq-len", "99999999999999999", "--device", "meta"), 2
    )
    assert line.startswith("rnncli: error: --seq-len: ") and "at most" in line


def test_embed_refuses_an_embedding_that_does_not_fit_in_memory():
    line = _one_error_line(run_rnncli("embed", "--dim", "20000000000", "hello"), 1)
    assert "this embedding needs about" in line and "--dim" in line
    assert "RuntimeError" not in line and "DefaultCPUAllocator" not in line


# -- vocab build --out ---------------------------------------------------------------------------


def test_vocab_build_without_out_writes_nothing_and_says_how_to_save(tmp_path):
    (tmp_path / "c.txt").write_text("the cat sat\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "rnncli", "vocab", "build", "c.txt"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.txt"]  # no vocab.json appeared
    assert "not saved" in result.stdout and "--out FILE" in result.stdout


def test_vocab_build_out_dash_prints_only_the_vocabulary_json():
    from rnncli.text.vocab import Vocab

    result = run_rnncli("vocab", "build", "-", "--out", "-", input="the cat sat the\n")
    assert result.returncode == 0, result.stderr
    vocab = Vocab.from_dict(json.loads(result.stdout))  # stdout is the file, nothing else
    assert vocab.itos == ["<pad>", "<unk>", "the", "cat", "sat"]
    assert "written    <stdout>" in result.stderr  # the summary went to stderr


def test_vocab_build_out_dash_with_json_is_refused():
    line = _one_error_line(
        run_rnncli("vocab", "build", "-", "--out", "-", "--json", input="a\n"), 2
    )
    assert line.startswith("rnncli: error: --out: ")


def test_vocab_build_replaces_a_file_named_explicitly(tmp_path):
    out = tmp_path / "v.json"
    out.write_text("old", encoding="utf-8")
    invoke("vocab", "build", "-", "--out", str(out), input="new words\n", check=True)
    assert json.loads(out.read_text(encoding="utf-8"))["format"] == "rnncli-vocab"


# -- glove ---------------------------------------------------------------------------------------

VECTORS = {"king": [1, 1, 0, 0], "queen": [1, 0, 1, 0], "man": [0, 1, 0, 0]}


@pytest.fixture
def cache(cache_dir):
    return make_glove_text_set(cache_dir, VECTORS)


def test_glove_vector_with_no_word_found_exits_1(cache):
    result = run_rnncli("glove", "vector", "zzz", "yyy")
    assert result.returncode == 1
    assert result.stderr == "rnncli: warning: not in GloVe 6B.50d: zzz, yyy\n"


def test_glove_vector_with_some_words_found_exits_0_with_the_warning(cache):
    result = run_rnncli("glove", "vector", "king", "zzz", "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["missing"] == ["zzz"]
    assert result.stderr == "rnncli: warning: not in GloVe 6B.50d: zzz\n"


def test_the_damaged_cache_hint_keeps_cache_dir(tmp_path):
    other = make_glove_text_set(tmp_path / "other", VECTORS)
    with open(other / "glove" / "6B.50d" / "norms.npy", "ab") as handle:
        handle.write(b"xx")
    line = _one_error_line(run_rnncli("glove", "vector", "king", "--cache-dir", str(other)), 1)
    assert "damaged" in line
    assert f"rnncli glove fetch 6B.50d --cache-dir {other}` again" in line


def test_glove_list_shows_a_damaged_set_as_damaged(cache):
    (cache / "glove" / "6B.50d" / "vectors.npy").write_bytes(b"cut")
    result = run_rnncli("glove", "list")
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.strip().startswith("6B.50d"))
    assert "damaged" in row
    assert "6B.50d is damaged (vectors.npy has 3 bytes" in result.stdout
    listed = json.loads(run_rnncli("glove", "list", "--json").stdout)["sets"][0]
    assert listed["cached"] is False and listed["damaged"].startswith("vectors.npy has 3 bytes")


def test_fetch_from_a_file_of_another_dimension_names_it(tmp_path):
    source = tmp_path / "glove.6B.50d.txt"
    source.write_bytes(glove_text())
    line = _one_error_line(run_rnncli("glove", "fetch", "6B.100d", "--from", str(source)), 2)
    assert f"--from: {source} holds 50-d vectors" in line
    assert "not the 100 of 6B.100d" in line and "rnncli glove fetch 6B.50d --from" in line


def test_fetch_from_a_binary_file_says_it_is_not_text(tmp_path):
    source = tmp_path / "vectors.bin"
    source.write_bytes(bytes(range(256)) * 8)
    line = _one_error_line(run_rnncli("glove", "fetch", "6B.50d", "--from", str(source)), 1)
    assert "not text" in line and "truncated" not in line


def test_the_missing_from_glove_warning_lists_only_the_words_run(cache, tmp_path):
    vocab = tmp_path / "v.json"
    corpus = "king zzz\nman qqq yyy\n"
    invoke("vocab", "build", "-", "--out", str(vocab), input=corpus, check=True)
    result = invoke("inspect", "--text", "king zzz", "--vocab", str(vocab), "--vectors", "6B.50d")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "missing from GloVe" in line]
    assert warnings == ["rnncli: warning: 1 token missing from GloVe 6B.50d, given zero rows: zzz"]


def test_a_set_name_in_the_wrong_case_suggests_the_right_one(cache):
    line = _one_error_line(run_rnncli("glove", "vector", "king", "--name", "6b.50d"), 2)
    assert "did you mean 6B.50d?" in line


# -- other messages ------------------------------------------------------------------------------


def test_cache_dir_variable_naming_a_file(tmp_path):
    afile = tmp_path / "notes.txt"
    afile.write_text("x", encoding="utf-8")
    line = _one_error_line(run_rnncli("glove", "list", env={"RNNCLI_CACHE_DIR": str(afile)}), 2)
    assert line.startswith("rnncli: error: RNNCLI_CACHE_DIR: ") and "not a folder" in line


def test_cache_dir_option_naming_a_file(tmp_path):
    afile = tmp_path / "notes.txt"
    afile.write_text("x", encoding="utf-8")
    line = _one_error_line(run_rnncli("glove", "vector", "king", "--cache-dir", str(afile)), 2)
    assert line.startswith("rnncli: error: --cache-dir: ") and "not a folder" in line


def test_vocab_show_on_a_file_that_is_no_vocabulary_exits_2(tmp_path):
    other = tmp_path / "glove.txt"
    other.write_bytes(glove_text())
    line = _one_error_line(run_rnncli("vocab", "show", str(other)), 2)
    assert "is not an rnncli vocabulary" in line


def test_output_size_0_is_refused_like_minus_1():
    zero = _one_error_line(run_rnncli("inspect", "--output-size", "0"), 2)
    minus = _one_error_line(run_rnncli("inspect", "--output-size", "-1"), 2)
    assert zero.startswith("rnncli: error: --output-size: must be a positive integer, got 0")
    assert minus.startswith("rnncli: error: --output-size: must be a positive integer, got -1")


def test_embed_one_argument_with_spaces_explains_words_and_sentences():
    line = _one_error_line(run_rnncli("embed", "The cat sat."), 2)
    assert "each argument is one word" in line
    assert "rnncli embed The cat sat." in line and "rnncli embed -" in line


def test_save_below_a_file_says_not_a_folder(tmp_path):
    afile = tmp_path / "notes.txt"
    afile.write_text("x", encoding="utf-8")
    line = _one_error_line(run_rnncli("inspect", "--save", str(afile / "run.svg")), 2)
    assert (
        line == f"rnncli: error: --save: cannot write {afile / 'run.svg'}: {afile} is not a folder"
    )


def test_show_completion_zsh_gives_the_zsh_script():
    for args in (["--show-completion", "zsh"], ["--show-completion=zsh"]):
        result = run_rnncli(*args, env={"SHELL": "/bin/bash"})
        assert result.returncode == 0, result.stderr
        assert "compdef" in result.stdout and "COMPREPLY" not in result.stdout


# -- Ctrl-C --------------------------------------------------------------------------------------


def test_ctrl_c_says_interrupted_and_exits_130():
    """SIGINT while `vocab build -` counts: 1 MB is written first, so the process is surely past
    its start-up and reading (a pipe holds 64 kB), whatever the machine's speed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "rnncli", "vocab", "build", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        preexec_fn=default_sigint,  # as a terminal's Ctrl-C meets it
    )
    try:
        assert process.stdin is not None
        line = b"the cat sat on the mat " * 40 + b"\n"
        for _ in range((1 << 20) // len(line)):
            process.stdin.write(line)
        process.stdin.flush()
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    assert stderr.decode() == "rnncli: interrupted\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("packed", [False, True])
def test_glove_fetch_from_a_pipe_reads_every_byte(tmp_path, packed):
    """`--from <(zcat glove.gz)`: a pipe is read once, its kind sniffed from the stream itself
    (opening it twice lost the first bytes: "holds 28-d vectors" for a 50-d file)."""
    import gzip
    import threading

    data = glove_text()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as handle:
            handle.write(gzip.compress(data) if packed else data)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    result = invoke("glove", "fetch", "6B.50d", "--from", str(fifo), "--json")
    writer.join(timeout=10)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["imported"]["count"] == len(data.splitlines())


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_bad_line_from_a_pipe_is_named_while_its_writer_still_holds_it(tmp_path):
    """Review: a pipe read ahead in a thread held an error back until its writer sent 1 MB more
    or closed (forever, for a writer that waits). A pipe is read as it comes: the bad line is
    named at once."""
    import threading

    good = glove_text()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    done = threading.Event()

    def feed() -> None:
        with open(fifo, "wb") as handle, contextlib.suppress(BrokenPipeError):
            # A little more than a block (256 KB), so that the first read ends, but less than a
            # reader ahead would wait for; then the writer waits, the pipe open.
            handle.write(good + b"broken 1 2 3\n" + good * 87)
            handle.flush()
            done.wait(timeout=60)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        cache = ["--cache-dir", str(tmp_path / "cache")]
        result = run_rnncli("glove", "fetch", "6B.50d", "--from", str(fifo), *cache, timeout=30)
    finally:
        done.set()
        writer.join(timeout=10)
    assert result.returncode == 1
    assert f"line {len(good.splitlines()) + 1}: too few numbers" in result.stderr


def test_absurd_layers_are_refused_before_building_anything():
    result = invoke("inspect", "--layers", "99999999999", "--device", "meta")
    assert result.exit_code == 2
    assert result.stderr.startswith("rnncli: error: --layers: at most 1,000, got 99,999,999,999")
