"""The GloVe reports' JSON: derived from their dataclass fields, keys and order as they were.

Scripts read these keys; the ``to_dict`` methods now come from ``dataclasses.asdict`` plus a few
overrides (rnncli.dataclass_dict), so the key lists are pinned here, in order.
"""

from __future__ import annotations

import json

import numpy as np

from rnncli.dataclass_dict import fields_dict
from rnncli.glove.catalog import SETS
from rnncli.glove.coverage import GloveCoverage, MissingToken
from rnncli.glove.download import DownloadReport, SourceAttempt
from rnncli.glove.fetch import ArchiveRead, CachedSet, FetchReport
from rnncli.glove.parse import ParseStats
from rnncli.glove.pretrained import MissingPolicy, PretrainedRows, Spread
from rnncli.glove.query import AnalogyReport, Neighbor, NeighborsReport, SimilarityReport
from rnncli.glove.set_import import ImportReport
from rnncli.glove.set_listing import CachedSetInfo, SetListing, SetListReport

STATS_KEYS = [
    "lines",
    "rows",
    "header_skipped",
    "blank_lines",
    "duplicates",
    "bad_utf8",
    "bad_lines",
    "examples",
    "bytes_read",
]


def _imported() -> ImportReport:
    stats = ParseStats(lines=5, rows=3, duplicates=1, bad_lines=1, examples=["line 2: x"])
    return ImportReport("6B.50d", "/c/glove/6B.50d", 50, 3, "f.txt", 1.23456, 999, stats)


def test_fetch_report_json_keys_and_overrides():
    download = DownloadReport(
        "http://m/glove.6B.zip", "/c/d/glove.6B.zip", 10, 0, 2.71828, "ab", "ab", 10,
        True, True, True, [SourceAttempt("http://a", "HTTP 404 Not Found")], 1,
    )  # fmt: skip
    report = FetchReport(
        name="6B.50d",
        source="download",
        origin="http://m/glove.6B.zip",
        cache_dir="/c",
        download=download,
        archive=ArchiveRead("/c/d/glove.6B.zip", "zip", "glove.6B.50d.txt", 77, True),
        imported=_imported(),
        seconds=3.14159,
        cache_dir_given="/c",
    )
    data = report.to_dict()
    assert list(data) == [
        "name", "source", "origin", "cache_dir", "already_cached", "download", "archive",
        "imported", "words", "archive_kept", "torchnlp_cache", "seconds", "notes", "warnings",
    ]  # fmt: skip
    assert data["seconds"] == 3.142 and data["words"] == 3
    assert data["download"]["seconds"] == 2.718 and list(data["download"])[-2:] == [
        "attempts",
        "resumes",
    ]
    assert data["download"]["attempts"] == [{"url": "http://a", "outcome": "HTTP 404 Not Found"}]
    assert data["archive"] == {
        "path": "/c/d/glove.6B.zip",
        "kind": "zip",
        "member": "glove.6B.50d.txt",
        "bytes": 77,
        "crc_checked": True,
    }
    imported = data["imported"]
    assert list(imported) == [
        "name", "path", "dim", "count", "source", "seconds", "bytes_on_disk", "stats",
    ]  # fmt: skip
    assert imported["seconds"] == 1.235 and list(imported["stats"]) == STATS_KEYS
    json.dumps(data)  # plain JSON types only


def test_fetch_report_of_a_cached_set():
    cached = CachedSet("6B.50d", "/c/glove/6B.50d", 50, 7, "pkg", "2026-01-01T00:00:00Z", 5,
                       ParseStats.from_dict({"rows": 7, "lines": 7, "unknown_key": 1}))  # fmt: skip
    data = FetchReport(
        "6B.50d", "cache", "/c", "/c", already_cached=True, imported=cached
    ).to_dict()
    assert data["words"] == 7 and data["download"] is None and data["archive"] is None
    assert list(data["imported"]) == [
        "name", "path", "dim", "count", "source", "created", "bytes_on_disk", "stats",
    ]  # fmt: skip
    assert data["imported"]["stats"]["rows"] == 7 and list(data["imported"]["stats"]) == STATS_KEYS


def test_query_reports():
    n = [Neighbor("queen", 0.123456), Neighbor("prince", 0.1)]
    assert NeighborsReport("6B.50d", "king", 2, n).to_dict() == {
        "name": "6B.50d",
        "word": "king",
        "k": 2,
        "neighbors": [
            {"word": "queen", "similarity": 0.1235},
            {"word": "prince", "similarity": 0.1},
        ],
    }
    analogy = AnalogyReport("6B.50d", "man", "king", "woman", 2, n).to_dict()
    assert list(analogy) == ["name", "a", "b", "c", "rule", "answer", "candidates"]
    assert analogy["answer"] == "queen" and analogy["candidates"][0]["similarity"] == 0.1235
    assert SimilarityReport("6B.50d", "a", "b", 0.987654).to_dict()["similarity"] == 0.9877


def test_coverage_and_pretrained_reports():
    coverage = GloveCoverage("6B.50d", 50, 4, 3, 10, 8, [MissingToken(5, "zz", 2)]).to_dict()
    assert coverage == {
        "name": "6B.50d",
        "dim": 50,
        "kept": 4,
        "found": 3,
        "missing": 1,
        "distinct_share": 0.75,
        "running_tokens": 10,
        "running_found": 8,
        "running_share": 0.8,
        "missing_top": [{"index": 5, "token": "zz", "count": 2}],
    }
    rows = PretrainedRows(
        "6B.50d", 2, ["a", "b", "c"], np.zeros((3, 2), np.float32), ["c"],
        MissingPolicy.random, 7, Spread("set sample", 3, [0.0, 1.0], [1.0, 2.0]),
    )  # fmt: skip
    assert rows.to_dict() == {
        "name": "6B.50d",
        "dim": 2,
        "rows": 3,
        "found": 2,
        "missing_policy": "random",
        "missing_count": 1,
        "missing": ["c"],
        "seed": 7,
        "spread": {"source": "set sample", "rows": 3, "mean": [0.0, 1.0], "std": [1.0, 2.0]},
    }


def test_listing_and_catalogue():
    info = CachedSetInfo("mine", "/c/glove/mine", 3, 2, 100, "x")
    listing = SetListing("6B.50d", "glove.6B.zip", 50, 400_000, False, None, None)
    data = SetListReport("/c", [listing], [info]).to_dict()
    assert list(data) == ["cache_dir", "sets", "other_cached"]
    assert data["other_cached"] == [
        {"name": "mine", "path": "/c/glove/mine", "dim": 3, "count": 2, "bytes_on_disk": 100,
         "source": "x", "damaged": None}
    ]  # fmt: skip
    assert list(data["sets"][0]) == [
        "name", "archive", "dim", "vocab_size", "cached", "bytes_on_disk", "path", "damaged",
    ]  # fmt: skip
    assert list(SETS["6B.50d"].to_dict()) == [
        "name", "archive", "member", "dim", "vocab_size", "archive_sha1", "archive_bytes",
        "torchnlp_name", "torchnlp_url",
    ]  # fmt: skip


def test_omitted_fields_are_never_copied():
    class NoCopy:
        def __deepcopy__(self, memo):
            raise AssertionError("copied")

    rows = PretrainedRows("s", 1, ["a"], NoCopy(), [], MissingPolicy.zeros, None)
    assert fields_dict(rows, omit=["matrix", "policy", "tokens"])["missing"] == []
