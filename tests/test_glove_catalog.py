"""The catalogue matches pytorch-nlp's own GloVe table, and names are checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnncli.cache import resolve_cache_dir
from rnncli.errors import UsageError
from rnncli.glove.catalog import SETS, TORCHNLP_URLS, get_set


def test_urls_match_pytorch_nlp_table():
    from torchnlp.word_to_vector import GloVe

    assert GloVe.url == TORCHNLP_URLS
    assert {s.torchnlp_name for s in SETS.values()} == set(GloVe.url)
    for s in SETS.values():
        assert s.torchnlp_url == GloVe.url[s.torchnlp_name]
        # The archive named by the URL is the archive we fetch.
        assert s.torchnlp_url.rsplit("/", 1)[1] == s.archive


def test_names_and_members():
    assert list(SETS) == [
        "6B.50d",
        "6B.100d",
        "6B.200d",
        "6B.300d",
        "42B.300d",
        "840B.300d",
        "twitter.27B.25d",
        "twitter.27B.50d",
        "twitter.27B.100d",
        "twitter.27B.200d",
    ]
    s = get_set("6B.50d")
    assert (s.archive, s.member, s.dim, s.vocab_size) == (
        "glove.6B.zip",
        "glove.6B.50d.txt",
        50,
        400_000,
    )
    assert s.archive_bytes == 862_182_613
    assert get_set("840B.300d").archive_bytes == 2_176_768_927
    assert get_set("840B.300d").cased and not s.cased
    assert get_set("twitter.27B.25d").member == "glove.twitter.27B.25d.txt"
    # torchnlp builds the member name the same way: glove.{name}.{dim}d.txt
    for st in SETS.values():
        assert st.member == f"glove.{st.torchnlp_name}.{st.dim}d.txt"


def test_sha1_values_from_the_issue():
    assert get_set("6B.300d").archive_sha1 == "b64e54f1877d2f735bdd000c1d7d771e25c7dfdc"
    assert get_set("42B.300d").archive_sha1 == "f8e722b39578f776927465b71b231bae2ae8776a"
    assert get_set("840B.300d").archive_sha1 == "8084fbacc2dee3b1fd1ca4cc534cbfff3519ed0d"
    assert get_set("twitter.27B.50d").archive_sha1 == "dce69c404025a8312c323197347695e81fd529fc"


def test_unknown_name_is_a_usage_error_listing_names():
    with pytest.raises(UsageError) as err:
        get_set("6B.64d")
    assert err.value.option == "--name"
    assert "6B.50d" in str(err.value) and "840B.300d" in str(err.value)
    assert err.value.exit_code == 2


def test_cache_dir_resolution(tmp_path, monkeypatch):
    assert resolve_cache_dir(tmp_path / "x") == tmp_path / "x"
    monkeypatch.setenv("RNNCLI_CACHE_DIR", str(tmp_path / "env"))
    assert resolve_cache_dir(None) == tmp_path / "env"
    monkeypatch.delenv("RNNCLI_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert resolve_cache_dir(None) == Path(tmp_path / "xdg" / "rnncli")
