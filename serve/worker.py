"""Understanding an upload in a separate process, within a time and a memory budget, and a parse cache
bounded by bytes. No Streamlit here: ``ui.state`` calls it.

Why: reading and detecting a file is CPU-bound Python; on the server's script threads it holds the
interpreter lock and slows every other session's pages. In a worker process (started from a fork
server that has ``cxlib`` loaded, scheduled only on CPU time the server leaves idle) it uses another
core, and a file that takes
longer than ``CX_PARSE_SECONDS`` (60) or more memory than ``CX_PARSE_MEMORY_MB`` (3072) is stopped
with a clear message. At most ``CX_PARSE_WORKERS`` (2) run at once.

The cache keeps parsed datasets for every session of the process, keyed by the upload's content hash,
name, role and mapping, and holds at most ``CX_PARSE_CACHE_MB`` (256) of tables (least recently used
dropped first). A hit returns a shallow copy: pandas copy-on-write keeps one session's changes from
reaching another's.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import sys
import threading
import time
import types
from collections import OrderedDict
from dataclasses import replace

from cxlib.data.dataset import Dataset
from cxlib.core.errors import CxDataError, CxLimitError
from cxlib.core.messages import msg

_POLL_S = 0.1


def _env(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name) or default)
    except ValueError:
        return default
    return value if value > 0 else default


# -- the worker ------------------------------------------------------------------------------------
def _work(conn, data: bytes, name: str, role: str | None, mapping: dict | None, limits,
          values: dict | None = None) -> None:
    """In the child: lowest priority, parse, send ("ok", dataset) or ("error", class, fields, text)."""
    _lowest_priority()
    from cxlib.data.loader import load_bytes
    try:
        ds = load_bytes(data, name, role=role, mapping=mapping, limits=limits, values=values)
        conn.send(("ok", ds))
    except CxDataError as err:                       # errors with keyword-only fields: sent field by field
        conn.send(("error", type(err).__module__, type(err).__qualname__, dict(err.__dict__), str(err)))
    except MemoryError:
        conn.send(("memory",))
    finally:
        conn.close()


def _lowest_priority() -> None:
    """Run only on CPU time the web server does not want: SCHED_IDLE where Linux offers it, else nice 19."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        try:
            os.nice(19)
        except OSError:
            pass


def _rebuild(module: str, qualname: str, fields: dict, text: str) -> CxDataError:
    import importlib
    cls = getattr(importlib.import_module(module), qualname, CxDataError)
    if not (isinstance(cls, type) and issubclass(cls, CxDataError)):
        cls = CxDataError
    err = cls.__new__(cls)
    Exception.__init__(err, text)
    err.__dict__.update(fields)
    return err


_CONTEXT = None
_CONTEXT_LOCK = threading.Lock()
_SLOTS: threading.BoundedSemaphore | None = None


def _context():
    """A fork server with cxlib loaded: children start in milliseconds and share no threads or locks
    with the web server's process."""
    global _CONTEXT, _SLOTS
    with _CONTEXT_LOCK:
        if _CONTEXT is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["cxlib.data.loader", "serve.worker"])
            _CONTEXT = ctx
            _SLOTS = threading.BoundedSemaphore(int(_env("CX_PARSE_WORKERS", 2)))
        return _CONTEXT


_NEUTRAL_MAIN = types.ModuleType("__main__")


def _start(proc) -> None:
    """Start ``proc`` without the child re-running our ``__main__``: during a Streamlit run that is the
    page script itself (Streamlit swaps ``sys.modules["__main__"]`` for every run the same way)."""
    with _CONTEXT_LOCK:
        saved = sys.modules["__main__"]
        sys.modules["__main__"] = _NEUTRAL_MAIN
        try:
            proc.start()
        finally:
            sys.modules["__main__"] = saved


def warm() -> None:
    """Start the fork server now (it imports cxlib once), so the first upload does not wait for it."""
    ctx = _context()
    proc = ctx.Process(target=os.getpid, daemon=True)
    _start(proc)
    proc.join(60)


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def parse(data: bytes, name: str, *, role: str | None = None, mapping: dict | None = None, limits=None,
          seconds: float | None = None, memory_mb: float | None = None, values: dict | None = None) -> Dataset:
    """``cxlib.data.loader.load_bytes`` in a worker process; raises its CxDataError, or CxLimitError when
    the file takes more than ``seconds`` or ``memory_mb`` (the worker is stopped then). ``limits``
    default to this process's environment (``cxlib.data.table.Limits.from_env``)."""
    from cxlib.data.table import Limits
    limits = limits or Limits.from_env()
    seconds = seconds or _env("CX_PARSE_SECONDS", 60)
    memory_mb = memory_mb or _env("CX_PARSE_MEMORY_MB", 3072)
    ctx = _context()
    deadline = time.monotonic() + seconds
    if not _SLOTS.acquire(timeout=seconds):
        raise _too_slow(name, seconds)
    try:
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_work, args=(child, data, name, role, mapping, limits, values), daemon=True)
        _start(proc)
        child.close()
        try:
            while not parent.poll(_POLL_S):
                if time.monotonic() > deadline:
                    raise _too_slow(name, seconds)
                if _rss_mb(proc.pid) > memory_mb:
                    raise _too_big(name, memory_mb)
                if not proc.is_alive() and not parent.poll(0):
                    raise _too_big(name, memory_mb)      # killed from outside (the kernel's OOM killer)
            try:
                answer = parent.recv()
            except EOFError:
                raise _too_big(name, memory_mb) from None
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join(5)
            parent.close()
    finally:
        _SLOTS.release()
    if answer[0] == "ok":
        return answer[1]
    if answer[0] == "memory":
        raise _too_big(name, memory_mb)
    raise _rebuild(*answer[1:])


def _too_slow(name: str, seconds: float) -> CxLimitError:
    return CxLimitError(msg("reading the file took more than {seconds:,.0f} s, the limit for one file, so it was "
                            "stopped.", seconds=seconds), file=name,
                        hint=msg("Upload a smaller extract (fewer rows or columns), or try again when the server "
                                 "is less busy."))


def _too_big(name: str, memory_mb: float) -> CxLimitError:
    return CxLimitError(msg("reading the file needed more than {limit:,.0f} MB of memory, the limit for one file, "
                            "so it was stopped.", limit=memory_mb), file=name,
                        hint=msg("Upload a smaller extract (fewer rows or columns)."))


# -- the cache -------------------------------------------------------------------------------------
def frame_bytes(ds: Dataset) -> int:
    """Memory a dataset's table takes (deep: text cells included). A table the engine keeps in its canonical
    Parquet file is not read for this: its file size stands for it (the frame is read only if a page asks)."""
    if ds.on_engine:
        import os
        return os.path.getsize(ds.parquet)
    return int(ds.df.memory_usage(index=True, deep=True).sum())


class ParseCache:
    """Parsed datasets by key, least recently used dropped first, at most ``max_bytes`` of tables."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[Dataset, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    @staticmethod
    def key(data: bytes, name: str, role: str | None, mapping: dict | None) -> str:
        head = json.dumps([name, role, mapping], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(data).hexdigest() + ":" + hashlib.sha256(head.encode()).hexdigest()

    def get(self, key: str) -> Dataset | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
        return replace(item[0], df=item[0].df.copy(deep=False))

    def put(self, key: str, ds: Dataset) -> None:
        size = frame_bytes(ds)
        if size > self.max_bytes:                      # would push everything else out: not kept
            return
        with self._lock:
            old = self._items.pop(key, None)
            self._size -= old[1] if old else 0
            self._items[key] = (ds, size)
            self._size += size
            while self._size > self.max_bytes and self._items:
                _, (_, dropped) = self._items.popitem(last=False)
                self._size -= dropped

    @property
    def size(self) -> int:
        return self._size

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


CACHE = ParseCache(int(_env("CX_PARSE_CACHE_MB", 256) * 2**20))
