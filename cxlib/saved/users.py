"""Hosted-mode accounts: a users file with salted argon2 password hashes, login rate limiting, and the
server-side store of logins (the token in a browser's cookie -> the user).

The file (default ``.cxdata/users.json`` or ``$CX_USERS_FILE``) maps user name -> ``{"role", "hash"}``.
It never holds a plain password: ``argon2-cffi`` produces salted, self-describing hashes
(``$argon2id$v=19$m=...,t=...,p=...$salt$hash``). Roles: ``editor`` (upload, save, delete own) and
``viewer`` (open shared analyses only). Create users with ``python -m cxlib users add NAME --role editor``;
adding an existing name again changes the password, which ends that user's open logins.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cxlib.core.errors import CxDataError

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
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)   # never readable by others, not even briefly
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps({"version": 1, "users": users}, indent=2, sort_keys=True))
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

    def get(self, name: str) -> User | None:
        entry = self._load().get(name)
        return User(name, entry["role"]) if entry else None

    def fingerprint(self, name: str) -> str | None:
        """A short digest of the user's stored hash: it changes when the password changes (None: no user)."""
        entry = self._load().get(name)
        return _fingerprint(entry["hash"]) if entry else None

    def verify(self, name: str, password: str) -> User | None:
        """The user when the password matches, else None (same work either way: no user enumeration)."""
        found = self.verify_login(name, password)
        return found[0] if found else None

    def verify_login(self, name: str, password: str) -> tuple[User, str] | None:
        """(user, fingerprint of the hash that matched) when the password matches, else None."""
        entry = self._load().get(name)
        stored = entry["hash"] if entry else _DUMMY_HASH
        try:
            _HASHER.verify(stored, password or "")
        except (VerificationError, InvalidHashError):
            return None
        return (User(name, entry["role"]), _fingerprint(stored)) if entry else None


def valid_name(name: str) -> bool:
    """Whether ``name`` could be an account (letters, digits, . _ @ + -; at most 64 characters)."""
    return bool(_NAME.match(name or ""))


def _fingerprint(stored_hash: str) -> str:
    return hashlib.sha256(stored_hash.encode("utf-8")).hexdigest()[:32]


_DUMMY_HASH = _HASHER.hash("not-a-real-password-" + os.urandom(8).hex())


@dataclass(frozen=True)
class Ticket:
    """The answer of :meth:`LoginLimiter.reserve`: ``wait`` > 0 means refused for that many seconds;
    otherwise one password check is reserved and must be settled with :meth:`LoginLimiter.finish`."""

    address: str
    name: str | None
    wait: float = 0.0

    @property
    def granted(self) -> bool:
        return self.wait <= 0


class _Count:
    """Failures (times) within the window, checks in flight, and when a slowed name may be tried next."""

    __slots__ = ("failures", "pending", "next_at")

    def __init__(self) -> None:
        self.failures: deque[float] = deque()
        self.pending = 0
        self.next_at = 0.0

    def load(self) -> int:
        return len(self.failures) + self.pending


class LoginLimiter:
    """Failed-login limits that hold under concurrency and never lock a user out everywhere.

    A password check is *reserved* before it runs (:meth:`reserve`, under one lock) and counts as a
    failure until :meth:`finish` says otherwise, so forty simultaneous attempts check at most the limit.
    Three counts, each over the last ``window_s`` seconds:

    - per client address and user name: ``max_failures`` (default 5), then that address waits;
    - per client address, all names: ``per_address`` (default 4 x ``max_failures``), then it waits;
    - per user name, all addresses: after ``slow_after`` failures (default 4 x ``max_failures``) the
      name is *slowed*, not locked: one check per 1, 2, 4 ... ``max_delay_s`` (60) seconds, from
      addresses that never logged in as that user. An address that did (in this process) is exempt.

    So guesses from one address block that address only, the real user at another address is let
    through (at worst after ``max_delay_s`` seconds while many addresses attack one name), and memory
    stays bounded: at most ``max_keys`` counters (least recently used dropped), names cut to 64 chars.
    """

    def __init__(self, max_failures: int = 5, window_s: float = 300.0, *, per_address: int | None = None,
                 slow_after: int | None = None, max_delay_s: float = 60.0, max_keys: int = 10_000,
                 clock=time.monotonic) -> None:
        self.max_failures, self.window_s, self.clock = max_failures, window_s, clock
        self.per_address = per_address or 4 * max_failures
        self.slow_after = slow_after or 4 * max_failures
        self.max_delay_s, self.max_keys = max_delay_s, max_keys
        self._counts: OrderedDict[tuple, _Count] = OrderedDict()
        self._known: OrderedDict[tuple[str, str], None] = OrderedDict()   # (name, address) that logged in
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls) -> LoginLimiter:
        """``CX_LOGIN_MAX_FAILURES`` (5) per name and address within ``CX_LOGIN_WINDOW_S`` (300) seconds."""
        return cls(max_failures=int(os.environ.get("CX_LOGIN_MAX_FAILURES") or 5),
                   window_s=float(os.environ.get("CX_LOGIN_WINDOW_S") or 300))

    def __len__(self) -> int:
        return len(self._counts)

    def _count(self, key: tuple, now: float) -> _Count:
        c = self._counts.get(key)
        if c is None:
            c = self._counts[key] = _Count()
            while len(self._counts) > self.max_keys:
                self._counts.popitem(last=False)
        else:
            self._counts.move_to_end(key)
        while c.failures and now - c.failures[0] > self.window_s:
            c.failures.popleft()
        return c

    def _keys(self, address: str, name: str | None) -> list[tuple]:
        keys: list[tuple] = [("address", address)]
        if name is not None:
            keys += [("pair", address, name[:64]), ("name", name[:64])]
        return keys

    def _wait(self, c: _Count, limit: int, now: float) -> float:
        if c.load() < limit:
            return 0.0
        oldest = c.failures[0] if c.failures else now      # only checks in flight: ask again shortly
        return max(1.0, self.window_s - (now - oldest))

    def reserve(self, address: str, name: str | None) -> Ticket:
        """Reserve one password check for ``name`` from ``address`` (``name=None``: a name that cannot
        exist, counted against the address only), or say how long to wait."""
        with self._lock:
            now = self.clock()
            counts = [self._count(k, now) for k in self._keys(address, name)]
            waits = [self._wait(counts[0], self.per_address, now)]
            slowed = False
            if name is not None:
                waits.append(self._wait(counts[1], self.max_failures, now))
                named = counts[2]
                slowed = (name[:64], address) not in self._known and named.load() >= self.slow_after
                if slowed and now < named.next_at:
                    waits.append(named.next_at - now)
            wait = max(waits)
            if wait > 0:
                return Ticket(address, name, wait)
            for c in counts:
                c.pending += 1
            if slowed:
                over = counts[2].load() - self.slow_after
                counts[2].next_at = now + min(self.max_delay_s, 2.0 ** min(over, 16))
            return Ticket(address, name)

    def cancel(self, ticket: Ticket) -> None:
        """Give back a granted reservation whose check did not run (the server was busy)."""
        if not ticket.granted:
            return
        with self._lock:
            now = self.clock()
            for key in self._keys(ticket.address, ticket.name):
                c = self._count(key, now)
                c.pending = max(0, c.pending - 1)

    def finish(self, ticket: Ticket, ok: bool) -> None:
        """Settle a granted reservation: a failure is counted, a success clears this address's
        failures for the name and exempts the address from the name's slow-down."""
        if not ticket.granted:
            return
        with self._lock:
            now = self.clock()
            for key in self._keys(ticket.address, ticket.name):
                c = self._count(key, now)
                c.pending = max(0, c.pending - 1)
                if not ok:
                    c.failures.append(now)
                elif key[0] == "pair":
                    c.failures.clear()
            if ok and ticket.name is not None:
                self._known[(ticket.name[:64], ticket.address)] = None
                self._known.move_to_end((ticket.name[:64], ticket.address))
                while len(self._known) > self.max_keys:
                    self._known.popitem(last=False)


@dataclass(frozen=True)
class Login:
    """A logged-in browser: the user, the fingerprint of the password hash it logged in with, and times."""

    name: str
    fingerprint: str
    created: float
    last_used: float


class LoginSessions:
    """Server-side logins, keyed by a random token that only the browser's HttpOnly cookie holds.

    The store keeps a hash of each token, never the token. A login ends when it is revoked (log out),
    when it was idle for ``ttl_s`` seconds, when the user's password changed (the fingerprint of the
    stored hash differs) or the user was removed; at most ``max_logins`` are kept (oldest dropped).
    """

    def __init__(self, ttl_s: float = 12 * 3600.0, max_logins: int = 10_000, clock=time.time) -> None:
        self.ttl_s, self.max_logins, self.clock = ttl_s, max_logins, clock
        self._logins: OrderedDict[str, Login] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(token: str) -> str:
        return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()

    def create(self, name: str, fingerprint: str) -> str:
        """A new login for ``name``; returns its token (to be put in the cookie, never stored here)."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            self._logins[self._key(token)] = Login(name, fingerprint, now, now)
            while len(self._logins) > self.max_logins:
                self._logins.popitem(last=False)
        return token

    def get(self, token: str | None) -> Login | None:
        """The live login of ``token`` (its idle time restarts), or None."""
        if not token or len(token) > 128:
            return None
        key, now = self._key(token), self.clock()
        with self._lock:
            login = self._logins.get(key)
            if login is None:
                return None
            if now - login.last_used > self.ttl_s:
                del self._logins[key]
                return None
            login = self._logins[key] = Login(login.name, login.fingerprint, login.created, now)
            self._logins.move_to_end(key)
            return login

    def check(self, token: str | None, users: UsersFile) -> User | None:
        """The user of a live login whose password is unchanged (a changed or removed user ends it)."""
        login = self.get(token)
        if login is None:
            return None
        user = users.get(login.name)
        if user is None or users.fingerprint(login.name) != login.fingerprint:
            self.revoke(token)
            return None
        return user

    def revoke(self, token: str | None) -> None:
        if token:
            with self._lock:
                self._logins.pop(self._key(token), None)

    def __len__(self) -> int:
        return len(self._logins)


_PROCESS: dict[str, object] = {}
_PROCESS_LOCK = threading.Lock()


def logins() -> LoginSessions:
    """This process's login store (shared by the login endpoint and the app's pages)."""
    with _PROCESS_LOCK:
        if "logins" not in _PROCESS:
            hours = float(os.environ.get("CX_LOGIN_HOURS") or 12)
            _PROCESS["logins"] = LoginSessions(ttl_s=hours * 3600)
        return _PROCESS["logins"]                        # type: ignore[return-value]


def limiter() -> LoginLimiter:
    """This process's failed-login limiter."""
    with _PROCESS_LOCK:
        if "limiter" not in _PROCESS:
            _PROCESS["limiter"] = LoginLimiter.from_env()
        return _PROCESS["limiter"]                       # type: ignore[return-value]


def reset_process_state() -> None:
    """Forget this process's logins and limiter (tests; a new settings environment)."""
    with _PROCESS_LOCK:
        _PROCESS.clear()


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
