"""cxlib is an installable package (issue 20, finding 9): pyproject.toml, the `cxlib` command, notebooks
without sys.path tricks, and the built wheel working in a clean virtualenv outside the repository.

requirements*.txt are the pinned versions the Makefile installs; pyproject.toml names the same
packages (with the pins as lower bounds) so `pip install .[app,hosted]` gives the same set.
"""
from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]


def _pins(name: str) -> dict[str, str]:
    """``{canonical name: pinned version}`` of a requirements file (``-r`` lines and comments skipped)."""
    out = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            req = Requirement(line)
            (spec,) = req.specifier
            out[canonicalize_name(req.name)] = spec.version
    return out


def _declared(reqs: list[str]) -> dict[str, Requirement]:
    return {canonicalize_name(r.name): r for r in map(Requirement, reqs) if canonicalize_name(r.name) != "cx-workbench"}


def test_pyproject_names_the_pinned_requirements():
    runtime, core = _pins("requirements.txt"), _declared(PROJECT["dependencies"])
    extras = {k: _declared(v) for k, v in PROJECT["optional-dependencies"].items()}
    assert set(core) | set(extras["app"]) == set(runtime) and "streamlit" in extras["app"]
    assert set(extras["hosted"]) == set(_pins("requirements-hosted.txt"))
    assert set(extras["dev"]) == set(_pins("requirements-dev.txt"))
    assert set(extras["engines"]) == set(_pins("requirements-engines.txt"))
    assert "cx-workbench[app]" in PROJECT["optional-dependencies"]["dev"]
    for group, pins in ((core | extras["app"], runtime), (extras["hosted"], _pins("requirements-hosted.txt")),
                        (extras["dev"], _pins("requirements-dev.txt")),
                        (extras["engines"], _pins("requirements-engines.txt"))):
        for name, req in group.items():                   # the pinned version satisfies the declared range
            assert req.specifier.contains(pins[name]), f"{name}: {pins[name]} not in {req.specifier}"


def _third_party_imports() -> set[str]:
    found = set()
    for path in (ROOT / "cxlib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m != "cxlib"}


def test_every_package_cxlib_imports_is_a_core_dependency():
    """Every third-party import is a core dependency, except the engine drivers (the ``engines`` extra),
    which cxlib.data.sources imports only when a URL names that engine."""
    core = set(_declared(PROJECT["dependencies"]))
    engines = set(_declared(PROJECT["optional-dependencies"]["engines"]))
    dists = importlib.metadata.packages_distributions()
    for module in sorted(_third_party_imports()):
        names = {canonicalize_name(d) for d in dists.get(module, [])}
        assert names & core or names & engines, \
            f"cxlib imports {module} ({names or 'not installed'}) but pyproject does not depend on it"


def test_the_cxlib_command_is_python_dash_m_cxlib():
    assert PROJECT["scripts"] == {"cxlib": "cxlib.cli.console:main"}
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "cxlib.core.version.__version__"}
    via_entry = subprocess.run([sys.executable, "-c", "import sys; sys.argv = ['cxlib', *sys.argv[1:]]; "
                                "from cxlib.cli.console import main; main()", "orders", "missing.csv"],
                               capture_output=True, text=True, cwd=ROOT, timeout=120)
    via_module = subprocess.run([sys.executable, "-m", "cxlib", "orders", "missing.csv"],
                                capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert via_entry.returncode == via_module.returncode == 2
    assert via_entry.stderr == via_module.stderr and via_entry.stderr.startswith("error: ")


def test_notebooks_need_no_sys_path_tricks():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        source = "".join("".join(c["source"]) for c in json.loads(path.read_text(encoding="utf-8"))["cells"])
        assert "sys.path" not in source, path.name


def test_the_makefile_installs_the_project_editable():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"pip install .*-e \.", makefile) and "pyproject.toml" in makefile


# ---------------------------------------------------------------------------------------------
# The wheel in a clean virtualenv outside the repository (CI: `make test` runs it; ~1-2 min with a
# warm pip cache, which it reuses; the first run downloads the dependencies from PyPI).
def _run(args: list, *, cwd: Path, env: dict | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    out = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"{args[:4]} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


def _clean_env(work: Path) -> dict:
    """No PYTHONPATH (nothing from the repository), Jupyter and IPython settings of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "JUPYTER", "IPYTHON", "VIRTUAL_ENV"))}
    return {**env, "JUPYTER_CONFIG_DIR": str(work / "jupyter"), "JUPYTER_DATA_DIR": str(work / "jupyter"),
            "IPYTHONDIR": str(work / "ipython"), "JUPYTER_PLATFORM_DIRS": "1"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(work dir, venv) with the wheel built from this checkout installed from PyPI into a fresh venv."""
    work = tmp_path_factory.mktemp("installed_wheel")
    assert not work.resolve().is_relative_to(ROOT)
    started = time.monotonic()
    src = work / "src"                                  # a copy: building never writes into the repository
    shutil.copytree(ROOT / "cxlib", src / "cxlib", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-w", work / "wheels",
          src], cwd=work)
    (wheel,) = (work / "wheels").glob("cx_workbench-*.whl")
    _run([sys._base_executable, "-m", "venv", work / "venv"], cwd=work)      # the base Python: nothing inherited
    venv = work / "venv"
    dev = _pins("requirements-dev.txt")
    _run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
          "-c", ROOT / "requirements.txt", wheel, f"nbclient=={dev['nbclient']}", f"ipykernel=={dev['ipykernel']}"],
         cwd=work, env=_clean_env(work))
    print(f"\nwheel built and installed in a clean venv in {time.monotonic() - started:.0f} s")
    return work, venv               # ~1 GB; pytest keeps only its last three temp dirs (deleting it here took 80 s)


@pytest.mark.slow
def test_installed_wheel_has_cxlib_only_from_the_venv_and_a_cxlib_command(installed):
    work, venv = installed
    env = _clean_env(work)
    where = _run([venv / "bin" / "python", "-c", "import cxlib, sys; print(cxlib.__file__); "
                  "print(sys.flags.no_site, 'streamlit' in sys.modules)"], cwd=work, env=env).stdout.split()
    assert Path(where[0]).is_relative_to(venv), where           # the installed copy, not the repository
    pkgs = _run([venv / "bin" / "python", "-m", "pip", "list", "--format=json"], cwd=work, env=env).stdout
    assert "streamlit" not in {p["name"].lower() for p in json.loads(pkgs)}     # the core needs no Streamlit
    helped = _run([venv / "bin" / "cxlib", "--help"], cwd=work, env=env).stdout
    assert "orders" in helped and "funnel" in helped


@pytest.mark.slow
def test_installed_cxlib_command_keeps_the_cli_contract(installed, contract_problems):
    work, venv = installed
    data = work / "data"
    shutil.copytree(ROOT / "sample_data", data)
    (data / "empty.csv").write_bytes(b"")
    shim = work / "cxlib-as-python"                    # check_contract runs `PYTHON -m cxlib ...`: run `cxlib ...`
    shim.write_text(f'#!/bin/sh\n[ "$1" = "-m" ] && [ "$2" = "cxlib" ] && shift 2\ncd "{work}"\n'
                    f'exec "{venv / "bin" / "cxlib"}" "$@"\n')
    shim.chmod(0o755)
    cases = [("orders", data / "orders_shopify.csv"), ("survey", data / "survey_responses.csv"),
             ("support", data / "tickets_zendesk.csv"), ("abtest", data / "experiment_checkout.csv"),
             ("inspect", data / "events.csv"), ("orders", data / "empty.csv")]          # the last one: exit 2
    for command, path in cases:
        assert contract_problems(command, str(path), python=str(shim)) == [], (command, path.name)
    installed_out = _run([venv / "bin" / "cxlib", "orders", data / "orders_shopify.csv", "--json"], cwd=work,
                         env=_clean_env(work)).stdout
    checkout_out = _run([sys.executable, "-m", "cxlib", "orders", data / "orders_shopify.csv", "--json"],
                        cwd=ROOT).stdout
    assert json.loads(installed_out) == json.loads(checkout_out)  # the same numbers as the checkout


@pytest.mark.slow
def test_a_notebook_runs_on_the_installed_package(installed):
    work, venv = installed
    project = work / "project"
    shutil.copytree(ROOT / "sample_data", project / "sample_data")
    (project / "notebooks").mkdir()
    book = json.loads((ROOT / "notebooks" / "01_quickstart.ipynb").read_text(encoding="utf-8"))
    book["cells"].append({"cell_type": "code", "execution_count": None, "id": "where", "metadata": {}, "outputs": [],
                          "source": ["import cxlib, sys\n", "print('CXLIB', cxlib.__file__, sys.prefix)"]})
    path = project / "notebooks" / "01_quickstart.ipynb"
    path.write_text(json.dumps(book), encoding="utf-8")
    runner = ("import sys, nbformat, nbclient\n"
              "book = nbformat.read(sys.argv[1], as_version=4)\n"
              "nbclient.NotebookClient(book, timeout=300, kernel_name='python3').execute()\n"
              "print(book.cells[-1].outputs[0]['text'])\n")
    out = _run([venv / "bin" / "python", "-c", runner, path], cwd=path.parent, env=_clean_env(work)).stdout
    file, prefix = out.split("CXLIB", 1)[1].split()
    assert Path(file).is_relative_to(venv) and Path(prefix) == venv
