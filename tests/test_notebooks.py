"""The example notebooks run top to bottom on the sample data (executed by nbclient, cwd = notebooks/)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TIMEOUT = 120                        # seconds per cell


def test_the_four_example_notebooks_exist():
    assert [p.name for p in NOTEBOOKS] == ["01_quickstart.ipynb", "02_funnels.ipynb", "03_segments_clv.ipynb",
                                           "04_ab_test.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path):
    book = json.loads(path.read_text(encoding="utf-8"))
    assert book["nbformat"] == 4
    for cell in book["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_without_errors(path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    book = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(book, timeout=TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    # The notebooks import cxlib as an installed package (make installs this checkout editable); the
    # kernel gets this checkout first on its path, as the editable install would, so a worktree tests
    # its own code whatever else the interpreter has installed.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    client.execute(env=env)          # raises CellExecutionError on the first failing cell
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    shown = [o for c in book.cells if c.cell_type == "code" for o in c.outputs
             if o.output_type in ("display_data", "execute_result")]
    html_cards = [o for o in shown if "cx-result" in o.get("data", {}).get("text/html", "")]
    charts = [o for o in shown if any(k.startswith("application/vnd.vegalite") for k in o.get("data", {}))
              or "vegaEmbed" in o.get("data", {}).get("text/html", "")]       # Altair's html or mimetype renderer
    assert html_cards and charts, "each notebook shows result cards and charts"
