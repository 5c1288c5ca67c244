"""`python -m cxlib inspect|normalize`: the public contract and the error rules."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
EVENTS = b"user_id,event,timestamp\n00123,view,2024-01-01 10:00:00+02:00\n00124,=cmd|' /C calc'!A0,2024-01-01 11:00\n"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cxlib", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


@pytest.fixture
def events_file(tmp_path) -> Path:
    path = tmp_path / "events.csv"
    path.write_bytes(EVENTS)
    return path


def test_inspect_contract_shape(events_file, contract_problems):
    assert contract_problems("inspect", str(events_file)) == []


def test_inspect_reports_role_and_mapping(events_file):
    out = json.loads(run("inspect", str(events_file), "--json").stdout)
    assert out["role"] == "events" and out["rows"] == 2 and out["encoding"].lower().replace("_", "-") in ("utf-8", "ascii")
    assert out["columns"] == {"user_id": "user_id", "event": "event", "timestamp": "timestamp"}


def test_normalize_writes_canonical_csv(events_file, tmp_path, contract_problems):
    target = tmp_path / "clean.csv"
    assert contract_problems("normalize", str(events_file), "-o", str(target)) == []
    clean = pd.read_csv(target, dtype=str, encoding="utf-8-sig")
    assert list(clean["user_id"]) == ["00123", "00124"]                  # ids stay text
    assert clean["timestamp"].iloc[0] == "2024-01-01T08:00:00Z"          # ISO-8601 UTC
    assert clean["event"].iloc[1].startswith("'=")                       # formula neutralized


@pytest.mark.parametrize("content,needle", [
    (b"", "empty"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" + bytes(range(256)) * 4, ""),
])
def test_unreadable_input_exits_2_with_one_line(tmp_path, content, needle, contract_problems):
    path = tmp_path / "report.csv"
    path.write_bytes(content)
    p = run("inspect", str(path), "--json")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.startswith("error: ") and len(p.stderr.strip().splitlines()) == 1
    assert "report.csv" in p.stderr and needle in p.stderr
    assert contract_problems("inspect", str(path)) == []


def test_missing_file_and_bad_options_exit_2(tmp_path):
    p = run("inspect", str(tmp_path / "nope.csv"))
    assert p.returncode == 2 and p.stderr.startswith("error: ") and "not found" in p.stderr
    p = run("normalize", str(tmp_path / "nope.csv"))            # -o is required
    assert p.returncode == 2 and p.stderr.startswith("error: ")


def test_normalize_to_unwritable_path_is_a_clear_error(events_file, tmp_path):
    p = run("normalize", str(events_file), "-o", str(tmp_path / "no" / "such" / "dir" / "x.csv"))
    assert p.returncode == 2 and "cannot write" in p.stderr


def test_wrong_role_for_command_says_what_to_do(events_file):
    p = run("orders", str(events_file), "--json")
    assert p.returncode == 2
    assert p.stderr.startswith("error: ") and ("events" in p.stderr or "not available" in p.stderr)


def test_upload_limit_from_environment_applies_on_the_command_line(events_file):
    import os
    env = {**os.environ, "CX_MAX_UPLOAD_MB": "0.00001"}          # ~10 bytes
    p = subprocess.run([sys.executable, "-m", "cxlib", "inspect", str(events_file), "--json"], capture_output=True,
                       text=True, cwd=ROOT, timeout=120, env=env)
    assert p.returncode == 2 and "limit" in p.stderr and p.stderr.startswith("error: ")


@pytest.mark.parametrize("columns", [5_000, 1_000_000])
def test_a_too_wide_file_is_a_clear_error_on_the_command_line(tmp_path, columns):
    """Finding 3 on the CLI: exit 2 and one error line naming the limit, not minutes of work."""
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(columns)) + "\n" + ",".join("1" for _ in range(columns)) + "\n")
    p = run("inspect", str(path), "--json")
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.startswith("error: wide.csv") and "over the 2,000-column limit" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_unwritable_output_error_is_a_translatable_message_with_the_system_reason(events_file, tmp_path):
    import argparse

    from cxlib.cli import inspect as cli_core
    from cxlib.core.errors import CxDataError
    from cxlib.data.loader import load_path
    from cxlib.core.messages import Msg
    target = tmp_path / "no" / "such" / "x.csv"
    with pytest.raises(CxDataError) as info:
        cli_core.normalize_run(load_path(events_file), argparse.Namespace(output=str(target)))
    err = info.value
    assert str(err) == f"{target}: cannot write the output (No such file or directory). Choose a writable path with -o."
    message = err.msg.params["text"].params["message"]
    assert isinstance(message, Msg) and message.template == "cannot write the output ({reason})."
    assert message.params == {"reason": "No such file or directory"}
    assert err.msg.params["hint"].template == "Choose a writable path with -o."


def test_command_line_errors_are_messages_and_print_the_same_english(monkeypatch, capsys, events_file):
    from cxlib.cli import main as cli
    from cxlib.data import loader
    from cxlib.core.messages import msg
    made = []

    def recording_msg(template, /, **params):
        made.append((template, params))
        return msg(template, **params)
    monkeypatch.setattr(cli, "msg", recording_msg)
    monkeypatch.setitem(cli.COMMANDS, "ghost", cli.Command("ghost", None, None, "not built", "cxlib.no_such_module"))
    assert cli.main(["ghost", str(events_file)]) == 2
    assert capsys.readouterr().err == "error: the 'ghost' command is not available in this version.\n"
    assert made == [("the '{command}' command is not available in this version.", {"command": "ghost"})]

    def out_of_memory(*_args, **_kwargs):
        raise MemoryError
    monkeypatch.setattr(loader, "load_path", out_of_memory)
    assert cli.main(["inspect", "big.csv"]) == 2
    assert capsys.readouterr().err == ("error: big.csv: the file is too large to analyse in memory; split it or "
                                       "filter it first.\n")
    assert made[-1] == ("{file}: the file is too large to analyse in memory; split it or filter it first.",
                        {"file": "big.csv"})


def test_normalize_of_a_file_the_engine_converts_is_the_careful_csv(tmp_path):
    """A file above the engine's threshold is written from its canonical Parquet file a part at a time: the same
    bytes as the careful reader's table gives (formulas neutralized, ISO times, an all-empty column kept)."""
    import os

    import numpy as np
    rng = np.random.default_rng(4)
    n = 60_000                                               # ~2.9 MB: more than the 2 MB the careful reader samples
    rows = "".join(f"u{u},{e},2026-03-{1 + d:02d}T10:{m:02d}:00Z,\n" for u, e, d, m in
                   zip(rng.integers(0, 5000, n), rng.choice(["page_view", "=cmd()", "purchase"], n),
                       rng.integers(0, 28, n), rng.integers(0, 60, n)))
    path = tmp_path / "events.csv"
    path.write_text("user_id,event,timestamp,coupon\n" + rows)
    outs = {}
    for way, min_mb in (("engine", "1"), ("careful", "100")):
        env = {**os.environ, "CX_ENGINE_LOAD_MIN_MB": min_mb, "CX_CACHE_DIR": str(tmp_path / "cache")}
        target = tmp_path / f"{way}.csv"
        p = subprocess.run([sys.executable, "-m", "cxlib", "normalize", str(path), "-o", str(target), "--json"],
                           capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)
        assert p.returncode == 0, p.stderr
        outs[way] = target.read_bytes()
    assert list((tmp_path / "cache" / "canonical").glob("*.parquet"))          # the engine did convert it
    assert outs["engine"] == outs["careful"] and outs["engine"].count(b"'=cmd()") > 10_000
