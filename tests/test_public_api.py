"""`import cxlib as cx` exposes the main entry points, each resolving to a real callable."""
import subprocess
import sys

import cxlib


def test_every_public_name_resolves():
    for name in cxlib.__all__:
        assert getattr(cxlib, name) is not None, name


def test_short_names_point_at_the_analysis_functions():
    from cxlib.analyses import experiment, segments
    assert cxlib.rfm is segments.compute_rfm and cxlib.abtest is experiment.analyze


def test_import_is_light():
    code = "import sys, cxlib; print('statsmodels' in sys.modules, 'duckdb' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout.split()
    assert out == ["False", "False"]


def test_load_then_rfm_on_sample_data():
    from pathlib import Path
    ds = cxlib.load(Path(__file__).resolve().parent.parent / "sample_data" / "orders_shopify.csv")
    assert ds.role == "orders" and ds.report.rows == 2460
    assert sum(cxlib.rfm(ds).segment_counts.values()) == 1180


def test_cx_load_stays_a_function_after_every_submodule_is_imported():
    import importlib
    import pkgutil
    for mod in pkgutil.iter_modules(cxlib.__path__):
        if mod.name != "__main__":
            importlib.import_module(f"cxlib.{mod.name}")
    assert callable(cxlib.load) and not isinstance(cxlib.load, type(cxlib))


def _function(name: str):
    """What a public name calls (``cx.orders`` is the callable module cxlib.analyses.orders; it calls summarize)."""
    import importlib
    if name in cxlib._LAZY:
        module, attr = cxlib._LAZY[name]
        return getattr(importlib.import_module(module), attr)
    return getattr(cxlib, name)


# The analysis each page of the app runs, by its public name (the README: "one call away").
PAGES = {"Scorecard": ["scorecard"], "Data": ["load", "load_table"], "Survey": ["survey", "nps", "csat", "ces", "survey_by",
         "survey_over_time", "comments"], "Orders": ["orders", "orders_over_time", "orders_by", "customer_table"],
         "Support": ["support", "support_over_time"], "Funnels": ["funnel", "FunnelSpec", "event_counts"],
         "Segments": ["rfm", "customer_view", "rule_segment", "compare_segments", "segment_groups", "value_tier_frame",
                      "members_frame"],
         "Retention": ["cohort_table", "churn_rate", "churn_trend", "retention_rate", "historical_clv", "predict_clv"],
         "Experiments": ["abtest", "analyze_counts", "sample_size", "achieved_power", "minimum_detectable_effect",
                         "memo_markdown", "memo_html"],
         "Definitions": ["DefinitionSet"], "Saved analysis": ["open_analysis", "make_spec", "spec_to_file"]}


def test_every_page_has_its_analysis_one_call_away():
    names = [n for page in PAGES.values() for n in page]
    assert not [n for n in names if n not in cxlib.__all__]
    for name in names:
        assert callable(getattr(cxlib, name)), name
    for page, first, *_ in [(p, *n) for p, n in PAGES.items()]:
        assert f"cx.{first}(" in cxlib.__doc__ or page in ("Data", "Definitions", "Saved analysis"), page


def test_cx_names_are_functions_whatever_was_imported_first():
    code = ("import cxlib.analyses.orders, cxlib.analyses.survey, cxlib.analyses.support, cxlib.analyses.scorecard\n"
            "import cxlib.analyses.funnel, cxlib.analyses.customers, cxlib.analyses.propensity, types\n"
            "import cxlib as cx\n"
            "ds = cx.load('sample_data/orders_shopify.csv')\n"
            "print(cx.orders(ds).orders, callable(cx.survey), callable(cx.support), callable(cx.scorecard),"
            " callable(cx.funnel), cx.orders_over_time(ds).freq,"
            " any(isinstance(getattr(cx, n), types.ModuleType) for n in cx.__all__))")
    from pathlib import Path
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.split() == ["2460", "True", "True", "True", "True", "month", "False"], out.stderr[-2000:]


def test_the_package_tour_of_every_page_runs(monkeypatch):
    import doctest
    from pathlib import Path
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in doctest.DocTestFinder(recurse=False).find(cxlib, "cxlib"):
        runner.run(test)
    assert runner.tries >= 20 and runner.failures == 0


def test_docstring_examples_of_every_entry_point_run(monkeypatch):
    import doctest
    import inspect
    from pathlib import Path
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)          # examples use sample_data/ paths
    checked = 0
    for name in sorted(set(cxlib.__all__)):
        obj = _function(name)
        if not callable(obj) or isinstance(obj, type) or ">>>" not in (inspect.getdoc(obj) or ""):
            continue
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        module = inspect.getmodule(obj)
        globs = {**(vars(module) if module else {}), "cx": cxlib}     # as the module's own doctests see it
        for test in doctest.DocTestFinder(recurse=False).find(obj, name, globs=globs):
            runner.run(test)
        assert runner.failures == 0, f"docstring example of cx.{name} fails"
        checked += 1
    assert checked >= 30
