"""serve.worker: uploads understood in a worker process within a time and memory budget, and the parse
cache bounded by bytes (finding 3)."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from cxlib.data.dataset import Dataset
from cxlib.data.loader import from_frame
from cxlib.core.errors import CxDataError, CxLimitError, CxNeedsMapping
from cxlib.data.loader import load_bytes
from serve import worker

ROOT = Path(__file__).resolve().parent.parent
ORDERS = (ROOT / "sample_data" / "orders_shopify.csv").read_bytes()


def heavy_csv(columns: int = 1990, rows: int = 60) -> bytes:
    """Under the column limit, but seconds of detection work."""
    header = ",".join(f"col{i}" for i in range(columns))
    return (header + "\n" + "\n".join(",".join(str((i * j) % 10) for i in range(columns))
                                      for j in range(rows)) + "\n").encode()


def _jobs() -> set[int]:
    """Worker processes alive now: children of this process's fork server (read from /proc)."""
    procs = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
                procs[int(d.name)] = (ppid, (d / "cmdline").read_bytes())
            except (OSError, ValueError, IndexError):
                continue
    servers = {pid for pid, (ppid, cmd) in procs.items() if ppid == os.getpid() and b"forkserver" in cmd}
    return {pid for pid, (ppid, _) in procs.items() if ppid in servers}


def test_the_worker_gives_what_the_loader_gives():
    ds = worker.parse(ORDERS, "orders_shopify.csv")
    here = load_bytes(ORDERS, "orders_shopify.csv")
    assert ds.key == here.key and ds.report == here.report and ds.df.equals(here.df) and ds.name == here.name


def test_errors_come_back_whole_from_the_worker():
    with pytest.raises(CxNeedsMapping) as err:
        worker.parse(b"a,b\n1,2\n", "x.csv")
    assert err.value.columns == ["a", "b"] and err.value.file == "x.csv" and "x.csv" in str(err.value)
    assert str(err.value.msg) == str(err.value)                       # still translatable in the page
    with pytest.raises(CxLimitError, match="over the 2,000-column limit"):
        worker.parse(b",".join(b"c%d" % i for i in range(5000)) + b"\n" + b"1," * 4999 + b"1\n", "w.csv")


def test_a_file_over_the_time_budget_is_stopped_with_a_clear_message():
    with pytest.raises(CxLimitError, match=r"heavy.csv: reading the file took more than 2 s, the limit for one file"):
        worker.parse(heavy_csv(), "heavy.csv", seconds=2)
    assert not _jobs()                                                 # the worker was stopped, not left running


def test_a_file_over_the_memory_budget_is_stopped():
    with pytest.raises(CxLimitError, match="needed more than 10 MB of memory"):
        worker.parse(ORDERS, "orders.csv", memory_mb=10)


def test_the_limits_of_the_caller_apply_in_the_worker():
    from cxlib.data.table import Limits
    with pytest.raises(CxLimitError, match="over the 5-column limit"):
        worker.parse(ORDERS, "orders.csv", limits=Limits(max_columns=5))


def _ds(n: int, rows: int = 2000) -> Dataset:
    return from_frame(pd.DataFrame({"user_id": [f"u{n}-{i}" for i in range(rows)],
                                            "event": ["view"] * rows,
                                            "timestamp": ["2024-01-01 10:00"] * rows}), "events", name=f"f{n}.csv")


def test_the_shared_parse_cache_is_bounded_by_bytes_not_entries():
    size = worker.frame_bytes(_ds(0))
    cache = worker.ParseCache(max_bytes=int(size * 3.5))
    for n in range(10):
        cache.put(f"k{n}", _ds(n))
        assert cache.size <= cache.max_bytes
    assert len(cache) == 3 and cache.get("k0") is None and cache.get("k9") is not None
    cache.get("k7")                                                  # used: kept over k8
    cache.put("k10", _ds(10))
    assert cache.get("k7") is not None and cache.get("k8") is None
    huge = worker.ParseCache(max_bytes=size // 2)
    huge.put("big", _ds(1))
    assert len(huge) == 0                                            # larger than the whole cache: not kept


def test_a_cache_hit_is_a_copy_one_session_cannot_change_for_another():
    cache = worker.ParseCache(max_bytes=2**30)
    cache.put("k", _ds(1))
    first = cache.get("k")
    first.df["event"] = "changed"
    first.df.loc[0, "user_id"] = "x"
    again = cache.get("k")
    assert (again.df["event"] == "view").all() and again.df.loc[0, "user_id"] == "u1-0"


def test_hosted_uploads_are_parsed_in_the_worker_and_cached(monkeypatch):
    from ui import state
    monkeypatch.setenv("CX_MODE", "hosted")
    calls = []
    real = worker.parse

    def spy(*args, **kw):
        calls.append(args[1])
        return real(*args, **kw)
    monkeypatch.setattr(worker, "parse", spy)
    worker.CACHE.clear()
    one = state.load_upload("o.csv", ORDERS)
    two = state.load_upload("o.csv", ORDERS)
    assert calls == ["o.csv"] and one.df.equals(two.df)
    monkeypatch.setenv("CX_MAX_COLUMNS", "5")                          # other limits: not the cached answer
    with pytest.raises(CxDataError, match="5-column limit"):
        state.load_upload("o.csv", ORDERS)
    assert calls == ["o.csv", "o.csv"]
    monkeypatch.delenv("CX_MAX_COLUMNS")
    monkeypatch.setenv("CX_MODE", "local")                              # local mode: parsed in-process, as before
    assert state.load_upload("local.csv", ORDERS).key == one.key and calls == ["o.csv", "o.csv"]
