"""Test helpers for the engine paths of the analyses: the same data as a Dataset the engine keeps (its canonical
Parquet file) and as the careful reader's, and a command run both ways."""
from __future__ import annotations

import json
import os

import pandas as pd

from cxlib.data.dataset import Dataset
from tests.test_canonical import both, write_csv


def orders_pair(kind: str, folder, frame: pd.DataFrame) -> tuple[Dataset, Dataset]:
    """(engine Dataset, careful Dataset) of an orders file: converted by the engine (``kind`` "file"), or the
    careful frame with unrecognized statuses (the engine's converter declines such files) written to Parquet
    ("frame"). ``folder`` holds the file and its cache (module-scoped fixtures cannot monkeypatch)."""
    old = os.environ.get("CX_CACHE_DIR")
    path = folder / "orders.csv"
    os.environ["CX_CACHE_DIR"] = str(folder / "cache")
    try:
        write_csv(path, frame)
        engine, careful = both(path)
    finally:
        os.environ.pop("CX_CACHE_DIR") if old is None else os.environ.__setitem__("CX_CACHE_DIR", old)
    if kind == "frame":
        df = careful.df.assign(status=careful.df["status"].where(careful.df.index % 29 != 0, "on hold?"))
        careful = Dataset(careful.name, "orders", df, careful.mapping, careful.report, careful.content_hash)
        df.to_parquet(path.with_suffix(".parquet"))
        engine = Dataset(careful.name, "orders", None, careful.mapping, careful.report, careful.content_hash,
                         parquet=str(path.with_suffix(".parquet")))
    assert engine is not None and engine.on_engine
    return engine, careful


def cli_both_ways(monkeypatch, capsys, args: list[str]) -> tuple[dict, dict]:
    """(JSON of ``python -m cxlib ARGS`` with the file converted by the engine, JSON the careful way)."""
    from cxlib.cli.main import main
    from cxlib.data import canonical
    monkeypatch.setattr(canonical, "SAMPLE_BYTES", 4_000)
    out = {}
    for way, min_mb in (("engine", "0.01"), ("careful", "1000")):
        monkeypatch.setenv("CX_ENGINE_LOAD_MIN_MB", min_mb)
        assert main(args) == 0
        out[way] = json.loads(capsys.readouterr().out)
    return out["engine"], out["careful"]
