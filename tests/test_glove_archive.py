"""Opening a GloVe source: text, zip member, gzip, by magic bytes; damage is a clear error."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import pytest
from helpers.glove_files import HTML_PAGE, corrupt_crc_zip, glove_text, glove_zip

from rnncli.errors import RnncliError, UsageError
from rnncli.glove.archive import ArchiveError, check_readable, detect_kind, open_source, sniff

MEMBER = "glove.6B.50d.txt"


def read_all(path, member=MEMBER, progress=None) -> bytes:
    with open_source(path, member, progress=progress) as opened:
        return opened.stream.read()


def test_plain_text_is_streamed_as_is(tmp_path):
    path = tmp_path / "glove.6B.50d.txt"
    path.write_bytes(glove_text())
    with open_source(path, MEMBER) as opened:
        assert (opened.kind, opened.member, opened.total) == ("text", None, len(glove_text()))
        lines = list(opened.stream)
    assert b"".join(lines) == glove_text()
    assert lines[2].startswith(b"hello ")


def test_zip_reads_only_the_needed_member(tmp_path):
    path = tmp_path / "glove.6B.zip"
    path.write_bytes(glove_zip())
    seen = []
    with open_source(path, MEMBER, progress=lambda d, t: seen.append((d, t))) as opened:
        assert opened.kind == "zip" and opened.member == MEMBER
        assert opened.description == "glove.6B.zip:glove.6B.50d.txt"
        data = opened.stream.read()
    assert data == glove_text()
    assert seen[-1] == (len(data), len(data))
    assert read_all(path, "glove.6B.100d.txt") == glove_text(dim=100)


def test_zip_member_inside_a_folder_is_found(tmp_path):
    path = tmp_path / "mine.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("vectors/glove.6B.50d.txt", glove_text())
    assert read_all(path) == glove_text()


def test_missing_member_lists_the_members(tmp_path):
    path = tmp_path / "glove.6B.zip"
    path.write_bytes(glove_zip())
    with pytest.raises(ArchiveError, match=r"no member glove\.6B\.300d\.txt.*glove\.6B\.100d\.txt"):
        read_all(path, "glove.6B.300d.txt")


def test_gzip_of_the_text(tmp_path):
    path = tmp_path / "glove.6B.50d.txt.gz"
    path.write_bytes(gzip.compress(glove_text()))
    with open_source(path, MEMBER) as opened:
        assert opened.kind == "gzip" and opened.total == path.stat().st_size
        assert opened.stream.read() == glove_text()


def test_kind_comes_from_the_bytes_not_the_name(tmp_path):
    gz_named_txt = tmp_path / "vectors.txt"
    gz_named_txt.write_bytes(gzip.compress(glove_text()))
    zip_named_bin = tmp_path / "vectors.bin"
    zip_named_bin.write_bytes(glove_zip())
    assert detect_kind(gz_named_txt) == "gzip" and read_all(gz_named_txt) == glove_text()
    assert detect_kind(zip_named_bin) == "zip" and read_all(zip_named_bin) == glove_text()


def test_html_page_saved_as_zip_is_named_for_what_it_is(tmp_path):
    path = tmp_path / "glove.6B.zip"
    path.write_bytes(HTML_PAGE)
    with pytest.raises(ArchiveError, match="HTML page"):
        open_source(path, MEMBER)
    assert sniff(b"  \n<HTML><body>") == "html"


def test_text_named_zip_is_not_taken_for_a_zip(tmp_path):
    path = tmp_path / "glove.6B.zip"
    path.write_bytes(glove_text())
    with pytest.raises(ArchiveError, match="not a zip archive"):
        open_source(path, MEMBER)


def test_bad_crc_is_an_archive_error_at_the_end_of_the_member(tmp_path):
    path = tmp_path / "glove.6B.zip"
    path.write_bytes(corrupt_crc_zip())
    with pytest.raises(ArchiveError, match="CRC"):
        read_all(path)


def test_truncated_zip_is_a_clear_error(tmp_path):
    path = tmp_path / "glove.6B.zip"
    path.write_bytes(glove_zip()[:300])
    with pytest.raises(ArchiveError, match="truncated"):
        open_source(path, MEMBER)


def test_truncated_gzip_is_a_clear_error_not_a_traceback(tmp_path):
    data = gzip.compress(glove_text() * 20)
    path = tmp_path / "glove.6B.50d.txt.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ArchiveError, match="damaged or truncated"):
        read_all(path)


def test_gzip_with_a_bad_crc_is_caught(tmp_path):
    data = bytearray(gzip.compress(glove_text()))
    data[-6] ^= 0xFF  # inside the CRC-32 trailer
    path = tmp_path / "x.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match="damaged"):
        read_all(path)


def test_missing_empty_and_folder_sources(tmp_path):
    with pytest.raises(RnncliError, match="no such file") as info:
        open_source(tmp_path / "nope.txt", MEMBER)
    assert not isinstance(info.value, UsageError)  # a file rnncli itself named: a failure
    with pytest.raises(RnncliError, match="it is a folder"):
        open_source(tmp_path, MEMBER)
    # Named by the user (--from): a usage mistake, exit 2, naming the option.
    with pytest.raises(UsageError, match=r"^--from: cannot read .*nope.txt: no such file$"):
        open_source(tmp_path / "nope.txt", MEMBER, option="--from")
    with pytest.raises(UsageError, match=r"^--from: cannot read .*: it is a folder$"):
        open_source(tmp_path, MEMBER, option="--from")
    with pytest.raises(UsageError, match=r"^--from: cannot read .*: it is a folder$"):
        check_readable(tmp_path, "--from")
    check_readable(Path(__file__), "--from")
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(ArchiveError, match="empty"):
        open_source(tmp_path / "empty.txt", MEMBER)


def test_stream_reads_in_blocks_like_the_parser_does(tmp_path):
    path = tmp_path / "glove.6B.zip"
    path.write_bytes(glove_zip())
    with open_source(path, MEMBER) as opened:
        parts = iter(lambda: opened.stream.read(100), b"")
        assert b"".join(parts) == glove_text()
    assert isinstance(opened.stream, io.BufferedReader) and opened.stream.closed
