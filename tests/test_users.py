"""Hosted-mode accounts: salted hashes only, wrong passwords rejected, failures rate-limited."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cxlib.errors import CxDataError
from cxlib.users import LoginLimiter, UsersFile

ROOT = Path(__file__).resolve().parent.parent


def test_users_file_never_holds_the_password(tmp_path):
    users = UsersFile(tmp_path / "users.json")
    users.add("ann", "correct horse battery", "editor")
    users.add("bob", "correct horse battery", "viewer")
    text = (tmp_path / "users.json").read_text()
    assert "correct horse" not in text and text.count("$argon2id$") == 2
    hashes = [line for line in text.splitlines() if "argon2id" in line]
    assert hashes[0] != hashes[1]                                    # salted: same password, other hash
    assert (tmp_path / "users.json").stat().st_mode & 0o077 == 0     # not readable by others


def test_verify_accepts_right_and_rejects_wrong(tmp_path):
    users = UsersFile(tmp_path / "users.json")
    users.add("ann", "correct horse battery", "editor")
    assert users.verify("ann", "correct horse battery").role == "editor"
    assert users.verify("ann", "correct horse batterY") is None
    assert users.verify("nobody", "correct horse battery") is None
    assert users.verify("ann", "") is None


@pytest.mark.parametrize("name,password,role", [("a b", "long enough pw", "editor"), ("ann", "short", "editor"),
                                                ("ann", "long enough pw", "admin")])
def test_bad_accounts_are_refused(tmp_path, name, password, role):
    with pytest.raises(CxDataError):
        UsersFile(tmp_path / "u.json").add(name, password, role)


def test_limiter_blocks_after_failures_and_forgets_after_window():
    now = [0.0]
    lim = LoginLimiter(max_failures=3, window_s=60, clock=lambda: now[0])
    for _ in range(3):
        assert lim.blocked_for("ann") == 0
        lim.failed("ann")
    assert lim.blocked_for("ann") == pytest.approx(60)
    assert lim.blocked_for("bob") == 0                 # per key
    now[0] = 61
    assert lim.blocked_for("ann") == 0


def test_cli_users_add_and_list(tmp_path):
    env = {"CX_USERS_FILE": str(tmp_path / "users.json"), "PATH": "/usr/bin:/bin"}
    p = subprocess.run([sys.executable, "-m", "cxlib", "users", "add", "ann", "--role", "editor", "--password-stdin"],
                       input="correct horse battery\n", capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    p = subprocess.run([sys.executable, "-m", "cxlib", "users", "list"], capture_output=True, text=True, cwd=ROOT,
                       env=env, timeout=60)
    assert p.stdout.strip() == "ann\teditor"
    p = subprocess.run([sys.executable, "-m", "cxlib", "users", "add", "bob", "--password-stdin"], input="short\n",
                       capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert p.returncode == 2 and p.stderr.startswith("error: ") and "too short" in p.stderr
