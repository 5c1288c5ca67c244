"""The engine's cache folder (``CX_CACHE_DIR``): canonical files named by the sha256 of the bytes they were read
from, the digests of files already hashed (as git's index keeps them), and its size bound (``CX_CACHE_MAX_MB``)."""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
from pathlib import Path


def min_bytes() -> int:
    return int(float(os.environ.get("CX_ENGINE_LOAD_MIN_MB") or 8) * 2**20)


def cache_dir() -> Path:
    return Path(os.environ.get("CX_CACHE_DIR") or Path.home() / ".cache" / "cxlib") / "canonical"


def known_digest(path: Path) -> str | None:
    """The sha256 of a file unchanged since it was last hashed (same size, modification time and inode, as git's
    index tells), read back from the cache folder; None when it must be hashed."""
    st = path.stat()
    try:
        known = json.loads(_memo_file(path).read_text())
        if (known.get("stamp") == [st.st_size, st.st_mtime_ns, st.st_ino]
                and re.fullmatch(r"[0-9a-f]{64}", str(known.get("sha256")))):
            return known["sha256"]
    except (OSError, ValueError, AttributeError):
        pass
    return None


def file_digest(path: Path) -> str:
    """sha256 of the file's bytes, read in 16 MB blocks (never the whole file in memory). Like git's index, the
    digest of a file unchanged since it was last hashed is read back instead (:func:`known_digest`); a file
    changed in the last 2 s is not remembered (a change within the clock's tick could keep its stamp)."""
    known = known_digest(path)
    return known if known is not None else hash_file(path)


def hash_file(path: Path) -> str:
    """:func:`file_digest` of a file whose digest is not known: its bytes hashed, and the digest remembered."""
    st = path.stat()
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 24):
            h.update(block)
    if time.time() - st.st_mtime > 2:
        try:
            memo = _memo_file(path)
            memo.parent.mkdir(parents=True, exist_ok=True)
            memo.write_text(json.dumps({"stamp": [st.st_size, st.st_mtime_ns, st.st_ino], "sha256": h.hexdigest()}))
        except OSError:
            pass
    return h.hexdigest()


SMALL = 32 * 2**20      # a file this small (or just changed) is hashed before it is converted: < 30 ms


def digest_now(path: Path) -> bool:
    """True when :func:`file_digest` should run before converting (a small or just-changed file: its canonical
    file may already exist), False when it may run alongside the conversion (a large file not seen before)."""
    st = path.stat()
    return st.st_size <= SMALL or time.time() - st.st_mtime <= 2


class Hashing:
    """:func:`hash_file` in a thread (hashlib and DuckDB both release the GIL, so the two overlap)."""

    def __init__(self, path: Path) -> None:
        import threading
        self._out: list = []
        self._thread = threading.Thread(target=self._work, args=(path,), name="cx-hash", daemon=True)
        self._thread.start()

    def _work(self, path: Path) -> None:
        try:
            self._out.append(hash_file(path))
        except Exception as err:  # noqa: BLE001 - raised again in the caller's thread by result()
            self._out.append(err)

    def result(self) -> str:
        self._thread.join()
        if isinstance(self._out[0], BaseException):
            raise self._out[0]
        return self._out[0]


def _memo_file(path: Path) -> Path:
    where = hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:32]
    return cache_dir() / "digests" / f"{where}.json"


def max_cache_bytes() -> int:
    return int(float(os.environ.get("CX_CACHE_MAX_MB") or 4096) * 2**20)


def scratch(folder: Path, name: str) -> Path:
    """Where to write ``name`` in ``folder`` before it is renamed into place: unique to this call (process id and a
    random part), so two sessions of one server converting the same upload at once never write the same file, and
    hidden (a dot name), so :func:`prune` leaves it alone."""
    return folder / f".{name}.{os.getpid()}-{secrets.token_hex(6)}.tmp"


def prune(folder: Path, keep: Path | None = None) -> int:
    """Remove the least recently used canonical files until the folder holds at most ``CX_CACHE_MAX_MB``
    (default 4 GB); ``keep`` is never removed, nor a file being written (:func:`scratch`). Returns how many files
    were removed."""
    files = []
    for f in folder.glob("*.parquet"):
        if f.name.startswith("."):
            continue
        try:
            st = f.stat()
        except OSError:                       # removed meanwhile (by another pruning)
            continue
        files.append((st.st_mtime, st.st_size, f))
    files.sort(key=lambda x: x[0])
    total = sum(size for _, size, _ in files)
    removed = 0
    for _, size, f in files:
        if total <= max_cache_bytes():
            break
        if keep is not None and f == keep:
            continue
        total -= size
        f.unlink(missing_ok=True)
        f.with_suffix(".json").unlink(missing_ok=True)
        removed += 1
    return removed


__all__ = ["SMALL", "Hashing", "cache_dir", "digest_now", "file_digest", "hash_file", "known_digest", "max_cache_bytes",
           "min_bytes", "prune", "scratch"]
