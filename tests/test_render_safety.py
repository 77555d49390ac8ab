"""User text is shown as typed: words, tokens, file and set names are never read as rich markup.

Tokens such as ``[bold]x``, ``[/]`` or ``a[at]b`` (real GloVe has ``parents[at]coxnews.com``)
went through rich's markup parser: styles were applied and the brackets vanished, or ``[/]``
crashed the command. Each command that shows user text is run with such tokens here; the
output must hold them exactly, with exit 0. Also here: the other output-stream findings of the
same review (glove list at 80 columns, diagnostics on stderr, Zipf's cut, empty vocabularies).
"""

from __future__ import annotations

import io
import json

import pytest
from helpers.cli import invoke, run_rnncli
from helpers.glove_files import make_glove_text_set

#: Tokens that rich would read as markup tags if they were not escaped.
MARKUP = ["[bold]x", "[/]", "[red]x", "a[at]b"]

VECTORS = {
    "[bold]x": [1, 0, 0, 0],
    "[/]": [0.9, 0.1, 0, 0],
    "[red]x": [0, 1, 0, 0],
    "a[at]b": [0, 0.9, 0.1, 0],
    "king": [1, 1, 0, 0],
    "queen": [1, 0, 1, 0],
    "man": [0, 1, 0, 0],
    "woman": [0, 0, 1, 0],
}


@pytest.fixture
def cache(cache_dir):
    return make_glove_text_set(cache_dir, VECTORS)


@pytest.fixture
def corpus(tmp_path):
    """A text whose whitespace tokens look like markup."""
    path = tmp_path / "corpus.txt"
    path.write_text("[bold]x [bold]x [/] [red]x a[at]b plain\n", encoding="utf-8")
    return path


# ---- glove ---------------------------------------------------------------------------------


def test_glove_vector_shows_bracketed_words(cache):
    r = invoke("glove", "vector", "a[at]b", "[/]", "[bold]x", "[red]nope", check=True)
    for word in ("a[at]b", "[/]", "[bold]x"):
        assert f"  {word} " in r.stdout
    assert "[red]nope" not in r.stdout
    assert r.stderr == "rnncli: warning: not in GloVe 6B.50d: [red]nope\n"


def test_glove_vector_real_entry_point_keeps_the_brackets(cache):
    r = run_rnncli("glove", "vector", "a[at]b", "[/]")
    assert r.returncode == 0, r.stderr
    assert "a[at]b" in r.stdout and "[/]" in r.stdout and "ab" not in r.stdout.split()


def test_glove_neighbors_analogy_similarity_show_bracketed_words(cache):
    r = invoke("glove", "neighbors", "[bold]x", "-k", "3", check=True)
    assert "Nearest to '[bold]x' in GloVe 6B.50d" in r.stdout
    assert "  1   [/]     0.9939 " in r.stdout
    r = invoke("glove", "analogy", "[bold]x", "[/]", "[red]x", "-k", "2", check=True)
    assert "[bold]x : [/] :: [red]x : " in r.stdout
    assert "Nearest to [/] - [bold]x + [red]x (unit vectors)" in " ".join(r.stdout.split())
    assert "  2   a[at]b   0.9939 " in r.stdout
    r = invoke("glove", "similarity", "[bold]x", "a[at]b", check=True)
    assert "cosine([bold]x, a[at]b) = " in r.stdout


def test_glove_set_names_with_brackets(cache):
    make_glove_text_set(cache, {"w": [1, 2]}, name="[red]set")
    r = invoke("glove", "list", check=True)
    assert "Also cached: [red]set (1 × 2)." in r.stdout
    r = invoke("glove", "vector", "w", "--name", "[red]set", check=True)
    assert "GloVe [red]set (2 numbers a word)" in " ".join(r.stdout.split())


@pytest.mark.parametrize("columns", [80, 60])
def test_glove_list_never_cuts_set_names(columns, monkeypatch):
    from rnncli.glove.catalog import SETS

    monkeypatch.setenv("COLUMNS", str(columns))
    r = invoke("glove", "list", check=True)
    names = [line.split()[0] for line in r.stdout.splitlines() if line.strip()]
    for name in SETS:
        assert name in names, (name, r.stdout)
    assert max(len(line) for line in r.stdout.splitlines()) <= columns


def test_glove_fetch_summary_shows_names_and_paths_as_text(tmp_path):
    from rich.console import Console

    from rnncli.glove.fetch import ArchiveRead, FetchReport
    from rnncli.glove.parse import ParseStats
    from rnncli.glove.set_import import ImportReport
    from rnncli.render.glove_fetch import render_fetch

    imported = ImportReport(
        name="[red]mine",
        path=str(tmp_path / "[bold]cache"),
        dim=2,
        count=1,
        bytes_on_disk=10,
        seconds=0.1,
        source="x",
        stats=ParseStats(lines=2, rows=1, bad_lines=1, examples=["[/] line 3"]),
    )
    report = FetchReport(
        name="[red]mine",
        source="file",
        origin=str(tmp_path / "[/]glove.zip"),
        cache_dir=str(tmp_path / "[bold]cache"),
        archive=ArchiveRead(str(tmp_path / "[/]glove.zip"), "zip", "[i]m.txt", 9, True),
        imported=imported,
    )
    console = Console(file=io.StringIO(), width=300)
    render_fetch(report, console)
    out = console.file.getvalue()
    assert "GloVe [red]mine: ready" in out and "[bold]cache" in out
    assert "[/]glove.zip → [i]m.txt (zip)" in out
    assert "1 word × 2 dimensions" in out and "1 malformed line skipped" in out


# ---- vocab ---------------------------------------------------------------------------------


def test_vocab_build_and_show_keep_markup_tokens(cache, corpus, tmp_path):
    out = tmp_path / "[red]v.json"
    r = invoke(
        "vocab",
        "build",
        str(corpus),
        "--tokenizer",
        "whitespace",
        "-o",
        str(out),
        "--specials",
        "<pad>,[b]",
        "--unk",
        "[b]",
        "--vectors",
        "6B.50d",
        check=True,
    )
    assert "written    " in r.stdout and str(out) in r.stdout
    assert "specials (<pad> [b])" in r.stdout
    top = r.stdout.split("Top ")[1]
    for token in MARKUP:
        assert f"   {token} " in top, token
    assert "  plain  " in r.stdout.split("lacks")[1]  # the GloVe table of missing tokens
    r = invoke("vocab", "show", str(out), check=True)
    assert f"file       {out}" in r.stdout
    for token in MARKUP:
        assert f"   {token} " in r.stdout, token


def test_vocab_build_closing_tag_token_does_not_crash(tmp_path):
    r = run_rnncli(
        "vocab", "build", "-", "--tokenizer", "whitespace", "-o", str(tmp_path / "v.json"),
        input="[/] a\n",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "[/]" in r.stdout and r.stderr == ""


def test_vocab_file_names_with_brackets(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "[bold]a.txt").write_text("x y\n", encoding="utf-8")
    r = invoke("vocab", "build", "[bold]a.txt", "-o", "v.json", check=True)
    assert "files      [bold]a.txt" in r.stdout


# ---- Zipf's cut ----------------------------------------------------------------------------


def _zipf_line(text: str, *options: str) -> str:
    r = invoke("vocab", "build", "-", "--tokenizer", "whitespace", "-o", "/dev/null",
               "--top", "0", *options, input=text + "\n", check=True)  # fmt: skip
    return r.stdout.split("(Zipf's curve)")[1].strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        # specials in the text are not a cut: nothing can be removed without the options
        ("a a b <unk> <pad>", (), "every distinct token kept"),
        ("a a b <pad> <pad>", ("--max-size", "5"), "every distinct token kept"),
        ("a a b c", ("--min-freq", "1"), "every distinct token kept"),
        ("a a b b", ("--min-freq", "2"), "every distinct token kept"),
        # real cuts, counted without the specials the text holds
        ("a a b c", ("--max-size", "2"), "┆ cut after rank 2 (--max-size 2): 1 rarer token maps"),
        ("a a b c <pad> <pad>", ("--min-freq", "2"), "┆ cut after rank 2 (--min-freq 2): 2 rarer"),
        ("a a a b b c <pad>", ("--min-freq", "2"), "┆ cut after rank 3 (--min-freq 2): 1 rarer"),
        ("a b", ("--min-freq", "3"), "nothing kept (--min-freq 3): all 2 distinct tokens map"),
        ("a a b c", ("--min-freq", "2", "--specials", ""), "2 rarer tokens have no index"),
    ],
)
def test_zipf_cut_only_when_tokens_were_removed(text, options, expected):
    assert expected in _zipf_line(text, *options)


# ---- embed ---------------------------------------------------------------------------------


def test_embed_words_and_out_path_with_brackets(tmp_path):
    out = tmp_path / "[red]x.pt"
    r = invoke("embed", "[bold]x", "[/]", "a[at]b", "--out", str(out), check=True)
    for word in ("[bold]x", "[/]", "a[at]b"):
        assert f"\n {word} " in r.stdout, word
    assert out.exists()
    # the "saved" line is a diagnostic: stderr, with the path exactly as given
    assert r.stderr == f"saved weight [3, 5] and vocabulary to {out}\n"
    assert "saved" not in r.stdout


def test_embed_vocab_unknown_markup_words(tmp_path, corpus):
    vocab = tmp_path / "v.json"
    invoke("vocab", "build", str(corpus), "--tokenizer", "whitespace", "-o", str(vocab), check=True)
    r = invoke("embed", "[bold]x", "[green]q", "--vocab", str(vocab), check=True)
    assert "[bold]x " in r.stdout and "[green]q → <unk>" in r.stdout
    assert "looked up as <unk>: [green]q" in r.stdout
    assert "[green]q" in r.stderr


def test_embed_vectors_warns_on_stderr_about_missing_words(cache):
    r = invoke("embed", "King", "queen", "[bold]X", "zzz", "--vectors", "6B.50d", check=True)
    lines = r.stderr.splitlines()
    assert lines[0] == (
        "rnncli: warning: 3 words not in GloVe 6B.50d, given zero rows (--missing zeros): "
        "King, [bold]X, zzz"
    )
    assert lines[1] == (
        "rnncli: warning: 6B.50d is lowercase: King -> king, [bold]X -> [bold]x are in it "
        "(type them in lowercase)"
    )
    assert len(lines) == 2
    r = invoke("embed", "zzz", "--vectors", "6B.50d", "--missing", "random", "--json", check=True)
    assert r.stderr.startswith("rnncli: warning: 1 word not in GloVe 6B.50d, given random rows")
    assert json.loads(r.stdout)["pretrained"]["missing"] == ["zzz"]


def test_embed_vocab_vectors_hint_says_build_with_lower(cache, tmp_path):
    vocab = tmp_path / "v.json"
    (tmp_path / "c.txt").write_text("King Queen zzz\n", encoding="utf-8")
    invoke("vocab", "build", str(tmp_path / "c.txt"), "--no-lower", "-o", str(vocab), check=True)
    r = invoke("embed", "--vocab", str(vocab), "--vectors", "6B.50d", "--json", check=True)
    assert r.stderr.splitlines() == [
        "rnncli: warning: 5 vocabulary entries not in GloVe 6B.50d, given zero rows "
        "(--missing zeros): <pad>, <unk>, King, Queen, zzz",
        "rnncli: warning: 6B.50d is lowercase: King -> king, Queen -> queen are in it "
        "(build the vocabulary with --lower)",
    ]
    r = invoke("embed", "King", "--vectors", "6B.50d", check=True)
    assert r.stderr.splitlines()[1].endswith("King -> king is in it (type it in lowercase)")


def test_embed_vectors_cased_set_gets_no_lowercase_hint(cache):
    make_glove_text_set(cache, {"king": [1.0, 2.0]}, name="840B.300d")
    r = invoke("embed", "King", "--vectors", "840B.300d", check=True)
    assert r.stderr == (
        "rnncli: warning: 1 word not in GloVe 840B.300d, given zero rows (--missing zeros): King\n"
    )


def test_embed_vectors_with_every_word_found_is_quiet(cache):
    assert invoke("embed", "king", "queen", "--vectors", "6B.50d", check=True).stderr == ""


def test_embed_table_of_an_empty_vocabulary():
    from rich.console import Console

    from rnncli.embedding import embed_words
    from rnncli.render.embed import render_embed
    from rnncli.text.vocab import Vocab

    empty = Vocab(itos=[], counts=[], specials=[], unk=None)
    report = embed_words([], dim=3, seed=0, vocab=empty, vocab_source="empty.json")
    console = Console(file=io.StringIO(), width=100)
    render_embed(report, console)
    assert "vocabulary empty.json: 0 entries, 0 words looked up" in console.file.getvalue()


# ---- inspect -------------------------------------------------------------------------------


def test_inspect_text_stages_trace_and_diagram_keep_markup_tokens(tmp_path, corpus):
    vocab = tmp_path / "v.json"
    invoke("vocab", "build", str(corpus), "--tokenizer", "whitespace", "-o", str(vocab), check=True)
    save = tmp_path / "[red]i.html"
    text = "[bold]x [/] a[at]b [green]q"
    r = invoke(
        "inspect",
        "--text",
        text,
        "--vocab",
        str(vocab),
        "--hidden",
        "3",
        "--save",
        str(save),
        check=True,
    )
    out = r.stdout
    assert f"│ {text} │ {text} │" in out  # text → tokens → ids
    assert "   [bold]x    " in out and "   [/]   " in out  # the unrolled diagram
    for token in ("[bold]x", "[/]", "a[at]b", "[green]q"):
        assert f"  {token}  " in out, token  # the hidden-state trace
    assert save.exists() and "[bold]x" in save.read_text(encoding="utf-8")
    assert r.stderr.splitlines() == [
        "rnncli: warning: 1 token not in the vocabulary, mapped to <unk>: [green]q",
        f"saved the tables to {save}",
    ]


def test_inspect_save_says_where_on_stderr(tmp_path):
    save = tmp_path / "out.svg"
    r = invoke("inspect", "--device", "meta", "--save", str(save), check=True)
    assert r.stderr == f"saved the tables to {save}\n"
    assert "saved" not in r.stdout and save.read_text(encoding="utf-8").startswith("<svg")
