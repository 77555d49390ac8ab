"""The README's console blocks show what rnncli prints today (a cog-style check).

A console block preceded by a marker line is produced by rnncli itself::

    <!-- rnncli: embed --vocab vocab.json "The cat sat on a rug." (setup: vocab) -->
    ```console
    $ rnncli embed --vocab vocab.json "The cat sat on a rug."
    ...what it prints at 80 columns, colour off...
    ```

Everything from the block's ``$ rnncli ARGS`` line to its end is the command's output (stderr
first, then stdout), rendered with ``helpers.console_output`` exactly as the golden outputs are,
in a folder of its own that the named setups fill first (``corpus``: corpus.txt as the README
writes it; ``vocab``: vocab.json built from it; ``glove``: the GloVe 6B.50d cache, shown as
``~/.cache/rnncli``; see ``SETUPS``); lines before it (a ``cat > corpus.txt`` heredoc) are kept
as written. With ``(from: TEXT)`` after the arguments the block is an excerpt: a ``...`` line,
then the output from its first line that starts with TEXT. A block that differs fails;
``pytest tests/test_readme_blocks.py --update-golden`` rewrites the marked blocks.

Left unmarked, because their output is not reproducible here: ``make demo`` / ``make test``;
``--verify`` and ``--grad`` (differences at rounding level, 1e-07 and 1e-15, that vary with the
CPU's vector instructions); the memory refusal of a big model (the machine's free memory); the
example scripts (``examples/*.sh``) and the pipes through ``python3`` and ``jq``; ``embed -``
reading stdin; ``vocab build gpl3.txt`` (a file from the system); ``glove fetch`` (timings,
download progress, the package's install path, the network); ``inspect --text`` and ``inspect
FILE`` (excerpts with several gaps, of a trained model).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import pytest
from helpers.cli import REPO
from helpers.console_output import SETUPS, Case, glove_cache, prepare, render

README = REPO / "README.md"
WIDTH = 80

#: ``<!-- rnncli: ARGS -->``, optionally followed by ``(setup: NAME NAME)`` and ``(from: TEXT)``,
#: right before a ```` ```console ```` block.
MARKER = re.compile(
    r"^<!-- rnncli: (?P<args>.+?)"
    r"(?: \(setup: (?P<setup>[\w -]+)\))?(?: \(from: (?P<start>[^)]+)\))? -->\n"
    r"```console\n(?P<body>.*?)^```$",
    flags=re.M | re.S,
)
#: The line that stands for the output left out before an excerpt's first line.
ELIDED = "..."


@dataclass(frozen=True)
class Block:
    """One marked console block: its command, its setups, and its text as the README has it."""

    args: str
    setup: tuple[str, ...]
    body: str
    #: An excerpt starts at the first line of output that starts with this (None: all of it).
    start: Optional[str] = None

    @property
    def case(self) -> Case:
        return Case(self.args, setup=self.setup)

    @property
    def prompt(self) -> str:
        return f"$ rnncli {self.args}"


def marked_blocks(text: str) -> list[Block]:
    return [
        Block(m["args"], tuple((m["setup"] or "").split()), m["body"], m["start"])
        for m in MARKER.finditer(text)
    ]


def rendered_body(block: Block, output: str) -> str:
    """The block as it should read: what precedes the prompt, the prompt, the output (or, for
    an excerpt, ``...`` and the output from its first line on)."""
    if block.start is not None:
        out = output.splitlines(keepends=True)
        first = next((i for i, line in enumerate(out) if line.startswith(block.start)), None)
        assert first is not None, f"`rnncli {block.args}` prints no line starting {block.start!r}"
        output = ELIDED + "\n" + "".join(out[first:])
    lines = block.body.splitlines(keepends=True)
    start = next(
        (i for i, line in enumerate(lines) if line.rstrip("\n") == block.prompt), len(lines)
    )
    return "".join(lines[:start]) + block.prompt + "\n" + output


@pytest.fixture(scope="module")
def glove(tmp_path_factory: pytest.TempPathFactory):
    return glove_cache(tmp_path_factory.mktemp("glove-cache"))


def test_readme_has_marked_blocks_with_their_prompt():
    blocks = marked_blocks(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 5
    for block in blocks:
        assert block.prompt in block.body.splitlines(), (
            f"the block marked `rnncli: {block.args}` must hold the line `{block.prompt}`"
        )
        unknown = set(block.setup) - set(SETUPS)
        assert not unknown, f"unknown setup {unknown} for `{block.args}`: choose from {set(SETUPS)}"


@pytest.mark.parametrize("index", range(len(marked_blocks(README.read_text(encoding="utf-8")))))
def test_readme_block_matches_real_output(index, glove, tmp_path, request):
    text = README.read_text(encoding="utf-8")
    block = marked_blocks(text)[index]
    prepare(block.case, tmp_path, glove)
    output, _ = render(block.case, WIDTH, tmp_path)  # an error's message is output too
    expected = rendered_body(block, output)
    if request.config.getoption("--update-golden"):
        match = list(MARKER.finditer(text))[index]
        start, end = match.span("body")
        README.write_text(text[:start] + expected + text[end:], encoding="utf-8")
        return
    assert block.body == expected, (
        f"README block `rnncli {block.args}` differs from what rnncli prints at {WIDTH} "
        "columns; if the change is meant, rewrite it with --update-golden and review the diff"
    )


def test_an_excerpt_keeps_what_precedes_the_prompt_and_starts_at_its_line():
    block = Block("inspect --verify", (), "$ cat x\n$ rnncli inspect --verify\nold\n", "verify:")
    body = rendered_body(block, "RNN(100, 20)\ntables\nverify: PASS\n")
    assert body == "$ cat x\n$ rnncli inspect --verify\n...\nverify: PASS\n"
    whole = Block("embed a", (), "$ rnncli embed a\nold\n")
    assert rendered_body(whole, "new\n") == "$ rnncli embed a\nnew\n"
    marker = (
        "<!-- rnncli: inspect --verify (setup: vocab) (from: verify:) -->\n```console\nx\n```\n"
    )
    [found] = marked_blocks(marker)
    assert (found.args, found.setup, found.start) == ("inspect --verify", ("vocab",), "verify:")
