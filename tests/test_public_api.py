"""`import cxlib as cx` exposes the main entry points, each resolving to a real callable."""
import subprocess
import sys

import cxlib


def test_every_public_name_resolves():
    for name in cxlib.__all__:
        assert getattr(cxlib, name) is not None, name


def test_short_names_point_at_the_analysis_functions():
    from cxlib import experiment, segments
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


def test_docstring_examples_of_every_entry_point_run(monkeypatch):
    import doctest
    import inspect
    from pathlib import Path
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)          # examples use sample_data/ paths
    checked = 0
    for name in sorted(set(cxlib.__all__)):
        obj = getattr(cxlib, name)
        if not callable(obj) or isinstance(obj, type) or ">>>" not in (inspect.getdoc(obj) or ""):
            continue
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        module = inspect.getmodule(obj)
        globs = {**(vars(module) if module else {}), "cx": cxlib}     # as the module's own doctests see it
        for test in doctest.DocTestFinder(recurse=False).find(obj, name, globs=globs):
            runner.run(test)
        assert runner.failures == 0, f"docstring example of cx.{name} fails"
        checked += 1
    assert checked >= 20
