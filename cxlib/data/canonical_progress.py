"""Progress of the engine's long passes: a caller that wants to show how far a conversion is sets a callback
(:func:`reporting`); :func:`run` then runs the query in a thread and reports DuckDB's progress from the caller's
own thread (so an app may draw a progress bar from it)."""
from __future__ import annotations

import contextlib
import contextvars

_PROGRESS: contextvars.ContextVar = contextvars.ContextVar("cx_load_progress", default=None)


@contextlib.contextmanager
def reporting(callback):
    """While the block runs, a file converted by the engine reports how far it is: ``callback(fraction)`` with
    0..1, called from the caller's own thread (so an app may draw a progress bar from it)."""
    token = _PROGRESS.set(callback)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def run(con, sql: str) -> None:
    """Run ``sql``; with a progress callback set (:func:`reporting`), in a thread while this one reports
    DuckDB's progress of the query every 0.2 s."""
    callback = _PROGRESS.get()
    if callback is None:
        con.execute(sql)
        return
    import threading
    failed: list[BaseException] = []

    def work() -> None:
        try:
            con.execute(sql)
        except BaseException as err:  # noqa: BLE001 - raised again in the caller's thread
            failed.append(err)
    worker = threading.Thread(target=work, name="cx-convert", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.2)
        try:
            done = float(con.query_progress())
        except Exception:                          # noqa: BLE001 - progress is a nicety, never an error
            done = -1.0
        if 0 <= done <= 100:
            callback(done / 100)
    if failed:
        raise failed[0]
    callback(1.0)


__all__ = ["reporting", "run"]
