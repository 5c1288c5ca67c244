"""Hosted-mode accounts: a users file with salted argon2 password hashes, and login rate limiting.

The file (default ``.cxdata/users.json`` or ``$CX_USERS_FILE``) maps user name -> ``{"role", "hash"}``.
It never holds a plain password: ``argon2-cffi`` produces salted, self-describing hashes
(``$argon2id$v=19$m=...,t=...,p=...$salt$hash``). Roles: ``editor`` (upload, save, delete own) and
``viewer`` (open shared analyses only). Create users with ``python -m cxlib users add NAME --role editor``.
"""
from __future__ import annotations

import json
import os
import re
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cxlib.errors import CxDataError

Role = Literal["editor", "viewer"]
ROLES: tuple[str, ...] = ("editor", "viewer")
_NAME = re.compile(r"^[A-Za-z0-9_.@+-]{1,64}$")
_HASHER = PasswordHasher()
MIN_PASSWORD = 10


def users_path() -> Path:
    return Path(os.environ.get("CX_USERS_FILE") or Path(os.environ.get("CX_DATA_DIR") or ".cxdata") / "users.json")


@dataclass(frozen=True)
class User:
    name: str
    role: Role


class UsersFile:
    """Read/write the users file. Writes are atomic (temp file + rename), mode 0600."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else users_path()

    def _load(self) -> dict:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise CxDataError(f"the users file cannot be read ({err}).", file=str(self.path),
                              hint="Restore it from a backup or recreate users with `python -m cxlib users add`.")
        return data.get("users", {}) if isinstance(data, dict) else {}

    def _save(self, users: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"version": 1, "users": users}, indent=2, sort_keys=True), encoding="utf-8")
        os.chmod(tmp, 0o600)
        tmp.replace(self.path)

    def add(self, name: str, password: str, role: str) -> User:
        """Add or replace a user. Raises CxDataError for a bad name, role or a short password."""
        if not _NAME.match(name or ""):
            raise CxDataError(f"'{name}' is not a valid user name.",
                              hint="Use letters, digits and . _ @ + - (at most 64 characters).")
        if role not in ROLES:
            raise CxDataError(f"unknown role '{role}'.", hint=f"Choose one of: {', '.join(ROLES)}.")
        if len(password or "") < MIN_PASSWORD:
            raise CxDataError(f"the password is too short (at least {MIN_PASSWORD} characters).")
        users = self._load()
        users[name] = {"role": role, "hash": _HASHER.hash(password)}
        self._save(users)
        return User(name, role)                          # type: ignore[arg-type]

    def remove(self, name: str) -> bool:
        users = self._load()
        found = users.pop(name, None) is not None
        if found:
            self._save(users)
        return found

    def list(self) -> list[User]:
        return [User(n, u["role"]) for n, u in sorted(self._load().items())]

    def verify(self, name: str, password: str) -> User | None:
        """The user when the password matches, else None (same work either way: no user enumeration)."""
        entry = self._load().get(name)
        stored = entry["hash"] if entry else _DUMMY_HASH
        try:
            _HASHER.verify(stored, password or "")
        except (VerificationError, InvalidHashError):
            return None
        return User(name, entry["role"]) if entry else None


_DUMMY_HASH = _HASHER.hash("not-a-real-password-" + os.urandom(8).hex())


class LoginLimiter:
    """At most ``max_failures`` failed logins per key (user name, client) within ``window_s`` seconds."""

    def __init__(self, max_failures: int = 5, window_s: float = 300.0, clock=time.monotonic) -> None:
        self.max_failures, self.window_s, self.clock = max_failures, window_s, clock
        self._failures: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key: str) -> deque:
        q, now = self._failures[key], self.clock()
        while q and now - q[0] > self.window_s:
            q.popleft()
        return q

    def blocked_for(self, key: str) -> float:
        """Seconds until ``key`` may try again (0 when allowed)."""
        with self._lock:
            q = self._trim(key)
            if len(q) < self.max_failures:
                return 0.0
            return max(0.0, self.window_s - (self.clock() - q[0]))

    def failed(self, key: str) -> None:
        with self._lock:
            self._trim(key).append(self.clock())

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


def cli(argv: list[str]) -> int:
    """``python -m cxlib users add NAME --role editor|viewer [--password-stdin]``, ``users list``,
    ``users remove NAME``. Prints one line; exit 2 with ``error: ...`` on bad input."""
    import argparse
    import getpass
    import sys
    p = argparse.ArgumentParser(prog="python -m cxlib users")
    sub = p.add_subparsers(dest="action", required=True)
    a = sub.add_parser("add")
    a.add_argument("name")
    a.add_argument("--role", choices=ROLES, default="viewer")
    a.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    r = sub.add_parser("remove")
    r.add_argument("name")
    sub.add_parser("list")
    args = p.parse_args(argv)
    users = UsersFile()
    try:
        if args.action == "add":
            if args.password_stdin:
                password = sys.stdin.readline().rstrip("\n")
            else:
                password = getpass.getpass("Password: ")
                if password != getpass.getpass("Repeat password: "):
                    raise CxDataError("the two passwords differ.")
            user = users.add(args.name, password, args.role)
            print(f"user {user.name} saved with role {user.role} in {users.path}")
        elif args.action == "remove":
            print(f"user {args.name} " + ("removed" if users.remove(args.name) else "not found"))
        else:
            for u in users.list():
                print(f"{u.name}\t{u.role}")
    except CxDataError as err:
        sys.stderr.write("error: " + " ".join(str(err).split()) + "\n")
        return 2
    return 0
