"""One registry of analyses and commands: every command takes --definitions and --by the same way,
every analysis the app shows is a command, `run SPEC.json` replays a saved page, and --help stays light."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import cxlib as cx
from cxlib.analyses import registry
from cxlib.cli import main as cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
ORDERS, SURVEY = str(SAMPLE / "orders_shopify.csv"), str(SAMPLE / "survey_responses.csv")
EVENTS, TEST = str(SAMPLE / "events.csv"), str(SAMPLE / "experiment_checkout.csv")
HEAVY = ("pandas", "numpy", "scipy", "duckdb", "altair", "ibis", "pyarrow", "statsmodels")


def _loaded_after(code: str) -> list[str]:
    """Heavy modules in sys.modules after running ``code`` in a fresh interpreter (never a time)."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    p = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout.split()


@pytest.mark.parametrize("code", [
    "import cxlib",
    "import cxlib.core.definitions",
    "import contextlib, io, runpy, sys\nsys.argv = ['cxlib', '--help']\n"
    "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
    "    runpy.run_module('cxlib', run_name='__main__')",
], ids=["import cxlib", "import definitions", "--help"])
def test_import_and_help_load_no_heavy_module(code):
    assert _loaded_after(code) == []


def test_every_page_is_an_analysis_and_a_command():
    from cxlib.saved import replay
    assert replay.PAGES is registry.ANALYSES
    shown = {c.analysis for c in registry.COMMANDS}
    assert {a.name for a in registry.ANALYSES} <= shown
    assert {"clv", "churn", "cohorts", "compare", "scorecard", "run"} <= set(cli.COMMANDS)
    assert len(cli.COMMANDS) == len({c.name for c in cli.COMMANDS.values()})


def _cli(capsys, *argv: str) -> tuple[int, dict | str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else err)


@pytest.mark.parametrize("command", [c for c in cli.COMMANDS if c != "users"])
def test_every_command_takes_definitions(command):
    parser = cli.build_parser(command)
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    assert "--definitions" in sub._option_string_actions


def test_a_bad_definitions_file_is_one_error_for_every_command(capsys, tmp_path):
    bad = tmp_path / "defs.json"
    bad.write_text('{"version": 1, "nps": {"promoters": 9}}', encoding="utf-8")
    for argv in (["funnel", EVENTS, "--steps", "view_item,purchase"], ["abtest", TEST], ["orders", ORDERS]):
        code, err = _cli(capsys, *argv, "--definitions", str(bad))
        assert code == 2 and err.startswith("error: ") and "defs.json" in err and "promoters" in err, argv


def test_definitions_change_the_figures(capsys, tmp_path):
    defs = cx.DefinitionSet().replace(net_revenue=cx.DefinitionSet().net_revenue.replace(valid_statuses=("completed",)))
    path = tmp_path / "defs.json"
    path.write_text(json.dumps(defs.to_json()), encoding="utf-8")
    code, plain = _cli(capsys, "orders", ORDERS)
    code2, strict = _cli(capsys, "orders", ORDERS, "--definitions", str(path))
    assert code == code2 == 0
    # the independent count: orders whose normalized status is completed (or missing)
    expected = cx.orders(cx.load(ORDERS), defs).valid_orders
    assert strict["valid_orders"] == expected < plain["valid_orders"]


@pytest.mark.parametrize("by", ["Country", "country", "Billing Country"])
def test_by_takes_a_header_or_a_canonical_name_in_every_command(capsys, by):
    code, out = _cli(capsys, "orders", ORDERS, "--by", by)
    assert code == 0 and {row["country"] for row in out["by"]} >= {"DE", "NL"}
    if by != "Billing Country":                          # the orders file's header; the events file has none
        code, out = _cli(capsys, "funnel", EVENTS, "--steps", "view_item,purchase", "--by", by)
        assert code == 0 and "DE" in out["breakdown"]
        code, out = _cli(capsys, "survey", SURVEY, "--by", by)
        assert code == 0 and out["by"]


def test_unknown_by_is_one_error(capsys):
    code, err = _cli(capsys, "orders", ORDERS, "--by", "planet")
    assert code == 2 and "no column 'planet'" in err and "country" in err


def test_clv_command_keeps_the_contract(contract_problems):
    assert contract_problems("clv", ORDERS, "--horizon", "180d") == []


def test_clv_churn_and_scorecard_print_what_the_library_computes(capsys):
    ds = cx.load(ORDERS)
    code, clv = _cli(capsys, "clv", ORDERS, "--horizon", "180d")
    direct = cx.predict_clv(ds, cx.CLVSpec(horizon_days=180)).to_json()
    assert code == 0 and clv["expected_revenue"] == pytest.approx(direct["predicted_clv_total"])
    assert clv["bgnbd"]["r"] == pytest.approx(direct["bgnbd"]["r"])
    code, churn = _cli(capsys, "churn", ORDERS, "--inactive-days", "60")
    assert code == 0 and churn["count"] == cx.churn_rate(ds, cx.ChurnSpec(inactive_days=60)).count
    assert churn["retention"]["metric"] == "retention_rate" and churn["trend"]
    code, card = _cli(capsys, "scorecard", ORDERS, "--with", SURVEY)
    assert code == 0 and {t["metric"] for t in card["tiles"]} >= {"net_revenue", "nps"}


def test_compare_command_matches_the_library(capsys):
    code, out = _cli(capsys, "compare", ORDERS, "--groups", "rfm:Champions,rule:1", "--metric", "aov",
                     "--rule", "DE=country = DE")
    assert code == 0 and [g["segment"] for g in out["groups"]] == ["Champions", "DE"]
    view = cx.customer_view(cx.rfm(cx.load(ORDERS)))
    de = view.customers[view.customers["country"] == "DE"]
    assert out["groups"][1]["n"] == int(de["orders"].sum())        # AOV: one observation per valid order


def test_run_replays_a_saved_spec_like_the_page(capsys, tmp_path):
    ds = cx.load(ORDERS)
    for options, page in (({"view": "by", "by": "channel"}, "orders"), ({"view": "churn"}, "retention"),
                          ({"view": "cohorts"}, "retention")):
        spec = cx.spec_to_file(cx.make_spec(page, ds, options), tmp_path / f"{page}.json")
        code, out = _cli(capsys, "run", str(spec), "--data", ORDERS)
        expected = cx.open_analysis(spec, data=ORDERS).to_json()
        assert code == 0 and json.dumps(out, sort_keys=True, default=str) == json.dumps(
            cli._clean({**expected, "warnings": out["warnings"]}), sort_keys=True, default=str)
    events = cx.load(EVENTS)
    res = cx.funnel(events, cx.FunnelSpec((cx.Step("view_item"), cx.Step("purchase"))))
    spec = cx.spec_to_file(cx.make_spec(res, events), tmp_path / "funnel.json")
    code, out = _cli(capsys, "run", str(spec), "--data", EVENTS)
    assert code == 0 and out["users"] == list(res.to_json()["users"])


def test_run_with_the_wrong_file_is_one_error(capsys, tmp_path):
    spec = cx.spec_to_file(cx.make_spec("orders", cx.load(ORDERS)), tmp_path / "s.json")
    code, err = _cli(capsys, "run", str(spec), "--data", SURVEY)
    assert code == 2 and err.startswith("error: ") and "not the data this analysis was saved with" in err


def test_readme_lists_every_command_once():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert cli.command_table() in readme                 # the generated table, as the registry says today
    for name in cli.COMMANDS:
        assert readme.count(f"| `{name}` |") == 1, name
