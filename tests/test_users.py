"""Hosted-mode accounts: salted hashes only, wrong passwords rejected, failures rate-limited, logins stored."""
from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cxlib.core.errors import CxDataError
from cxlib.saved.users import LoginLimiter, LoginSessions, Ticket, User, UsersFile

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


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _fail(lim: LoginLimiter, address: str, name: str | None) -> Ticket:
    ticket = lim.reserve(address, name)
    if ticket.granted:
        lim.finish(ticket, ok=False)
    return ticket


def test_limiter_blocks_an_address_after_failures_and_forgets_after_the_window():
    clock = Clock()
    lim = LoginLimiter(max_failures=3, window_s=60, clock=clock)
    for _ in range(3):
        assert _fail(lim, "10.0.0.1", "ann").granted
    refused = lim.reserve("10.0.0.1", "ann")
    assert not refused.granted and refused.wait == pytest.approx(60)
    assert lim.reserve("10.0.0.1", "bob").granted                   # another name from that address: allowed
    clock.now += 61
    assert lim.reserve("10.0.0.1", "ann").granted


def test_concurrent_attempts_reserve_at_most_the_limit():
    """Finding 1: the check and the count are one atomic step, so attempts sent at once cannot all pass."""
    lim = LoginLimiter(max_failures=5, window_s=300)
    barrier = threading.Barrier(40)
    tickets: list[Ticket] = []

    def attempt() -> None:
        barrier.wait()
        tickets.append(lim.reserve("10.0.0.9", "ann"))
    threads = [threading.Thread(target=attempt) for _ in range(40)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    granted = [t for t in tickets if t.granted]
    assert len(granted) == 5 and all(t.wait >= 1 for t in tickets if not t.granted)


def test_guesses_from_one_address_never_lock_the_user_out_at_another():
    """Finding 4: failures count per address (and name), not for the whole server."""
    lim = LoginLimiter(max_failures=5, window_s=300)
    for _ in range(5):
        _fail(lim, "203.0.113.7", "ann")
    assert not lim.reserve("203.0.113.7", "ann").granted
    real = lim.reserve("198.51.100.2", "ann")
    assert real.granted
    lim.finish(real, ok=True)


def test_one_address_guessing_many_names_is_stopped():
    lim = LoginLimiter(max_failures=5, window_s=300, per_address=8)
    results = [_fail(lim, "203.0.113.7", f"user{i}").granted for i in range(12)]
    assert results == [True] * 8 + [False] * 4
    assert lim.reserve("198.51.100.2", "user1").granted


def test_many_addresses_on_one_name_slow_it_down_but_its_known_address_passes():
    clock = Clock()
    lim = LoginLimiter(max_failures=5, window_s=300, slow_after=4, max_delay_s=60, clock=clock)
    ok = lim.reserve("198.51.100.2", "ann")                     # the real user logged in here before
    lim.finish(ok, ok=True)
    for i in range(4):
        _fail(lim, f"203.0.113.{i}", "ann")
    first = lim.reserve("203.0.113.50", "ann")                  # over the threshold: one check, then a pause
    assert first.granted
    lim.finish(first, ok=False)
    slowed = lim.reserve("203.0.113.51", "ann")
    assert not slowed.granted and 0 < slowed.wait <= 60
    assert lim.reserve("198.51.100.2", "ann").granted          # never locked out where she logs in
    clock.now += 61
    assert lim.reserve("192.0.2.1", "ann").granted              # and anyone may try again after the pause


def test_the_limiter_stays_bounded_whatever_names_arrive():
    """Finding 5: invented names are forgotten (least recently used) and long names are cut."""
    lim = LoginLimiter(max_failures=5, window_s=300, max_keys=1000)
    for i in range(5000):
        _fail(lim, f"10.1.{i // 250}.{i % 250}", f"name{i}-" + "x" * 5000)
    assert len(lim) <= 1000
    assert all(len(k[-1]) <= 64 for k in lim._counts if k[0] != "address")


def test_a_login_lives_until_logout_idle_time_or_a_password_change(tmp_path):
    users = UsersFile(tmp_path / "users.json")
    users.add("ann", "correct horse battery", "editor")
    users.add("bob", "correct horse battery", "viewer")
    clock = Clock()
    store = LoginSessions(ttl_s=3600, clock=clock)
    user, fp = users.verify_login("ann", "correct horse battery")
    token = store.create(user.name, fp)
    assert token not in repr(store._logins) and len(token) >= 40          # only a hash of the token is kept
    assert store.check(token, users) == User("ann", "editor")
    assert store.check("x" + token, users) is None and store.check(None, users) is None
    clock.now += 3000
    assert store.check(token, users) is not None                         # used: idle time restarts
    clock.now += 3000
    assert store.check(token, users) is not None
    users.add("ann", "a brand new password", "editor")                   # password changed
    assert store.check(token, users) is None
    bob = store.create("bob", users.fingerprint("bob"))
    store.revoke(bob)                                                    # log out
    assert store.check(bob, users) is None
    bob = store.create("bob", users.fingerprint("bob"))
    users.remove("bob")
    assert store.check(bob, users) is None
    idle = store.create("ann", users.fingerprint("ann"))
    clock.now += 3601
    assert store.check(idle, users) is None


def test_the_login_store_is_bounded():
    store = LoginSessions(max_logins=100)
    tokens = [store.create("ann", "fp") for _ in range(500)]
    assert len(store) == 100 and store.get(tokens[0]) is None and store.get(tokens[-1]) is not None


def test_the_users_file_is_written_private_from_the_first_byte(tmp_path, monkeypatch):
    seen = []
    real_replace = Path.replace

    def spy(self, target):
        seen.append(self.stat().st_mode & 0o777)
        return real_replace(self, target)
    monkeypatch.setattr(Path, "replace", spy)
    UsersFile(tmp_path / "users.json").add("ann", "correct horse battery", "editor")
    assert seen == [0o600] and not list(tmp_path.glob("*.tmp"))


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
