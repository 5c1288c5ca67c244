"""Deployment files hold their promises: Dockerfile invariants, make serve, config, documented settings.

Docker itself is not run here (not available on the build machine); the health-check command is
run for real against a hosted server in tests/e2e/test_hosted_e2e.py.
"""
from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def healthcheck_python() -> str:
    """The Python source the Dockerfile's HEALTHCHECK runs."""
    args = next(a for i, a in _instructions() if i == "HEALTHCHECK")
    cmd = shlex.split(args.split("CMD", 1)[1])
    assert cmd[:2] == ["python", "-c"], cmd
    return cmd[2]


def test_dockerfile_is_debian_slim_non_root_with_a_healthcheck_and_a_data_volume():
    ins = _instructions()
    assert ins[0] == ("FROM", "python:3.11-slim")
    users = [a for i, a in ins if i == "USER"]
    assert users and users[-1] not in ("root", "0") and not users[-1].startswith("0:")
    user_at = max(n for n, (i, _) in enumerate(ins) if i == "USER")
    assert all(i != "RUN" for i, _ in ins[user_at:]), "nothing runs as root after USER"
    env = " ".join(a for i, a in ins if i == "ENV")
    assert "CX_MODE=hosted" in env and "CX_DATA_DIR=/data" in env
    assert any(i == "VOLUME" and "/data" in a for i, a in ins)
    check = next(a for i, a in ins if i == "HEALTHCHECK")
    assert "/_stcore/health" in check and "curl" not in check and "wget" not in check
    compile(healthcheck_python(), "<healthcheck>", "exec")                # valid Python
    cmd = next(a for i, a in ins if i == "CMD")
    assert "python -m serve" in cmd and "--host 0.0.0.0" in cmd and "${PORT}" in cmd     # behind the login gate
    assert "streamlit run" not in cmd


def test_dockerignore_keeps_secrets_data_and_the_venv_out():
    ignored = {ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines() if ln.strip()
               and not ln.startswith("#")}
    assert {".venv", ".git", ".cxdata", ".streamlit/secrets.toml"} <= ignored
    assert not {"cxlib", "ui", "pages", "app.py", "sample_data", ".streamlit"} & ignored


def test_make_serve_runs_hosted_mode_behind_the_gate_on_all_interfaces():
    text = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^serve:.*\n((?:\t.*\n)+)", text, re.M).group(1).replace("\\\n", " ")
    assert "CX_MODE=hosted" in recipe and "-m serve" in recipe and "streamlit run" not in recipe
    assert "--host 0.0.0.0" in recipe and "--port $(PORT)" in recipe
    run = re.search(r"^run:.*\n((?:\t.*\n)+)", text, re.M).group(1)
    assert "streamlit run app.py" in run and "-m serve" not in run                    # local mode unchanged
    assert re.search(r"^bench-hosted:.*\n\t.*hosted_sessions\.py", text, re.M)


def test_the_hosted_server_is_streamlit_headless_with_the_gate_and_its_trusted_header():
    from serve.__main__ import server_config
    from serve.gate import HEADER, USER_KEY
    config = server_config("0.0.0.0", 8501)
    assert config["server.headless"] is True and config["server.address"] == "0.0.0.0"
    assert config["server.trustedUserHeaders"] == {HEADER: USER_KEY}
    assert config["server.enableXsrfProtection"] is True and config["server.maxUploadSize"] >= 1


def test_streamlit_config_limits_uploads_and_keeps_xsrf_on():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["maxUploadSize"] > 0


def test_every_cx_setting_the_code_reads_is_documented():
    read = set()
    for folder in ("cxlib", "ui", "pages", "serve"):
        for path in (ROOT / folder).rglob("*.py"):
            read |= set(re.findall(r"\"(CX_[A-Z_]+)\"", path.read_text(encoding="utf-8")))
    readme = (ROOT / "README.md").read_text()
    assert {"CX_MODE", "CX_DATA_DIR", "CX_USERS_FILE", "CX_EDITORS"} <= read
    assert not {name for name in read if f"`{name}`" not in readme}
