"""serve.gate, driven as an ASGI app in front of a stand-in for Streamlit: the login form and its limits,
the cookie, what an anonymous request reaches, the headers. The real server is tested in
tests/e2e/test_hosted_security_e2e.py."""
from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest

from cxlib.saved.users import UsersFile, limiter, logins, reset_process_state
from serve import gate as gate_module
from serve.gate import COOKIE, Gate

PASSWORDS = {"ann": "ann-correct-horse", "vic": "vic-battery-staple"}


@dataclass
class Reply:
    status: int
    headers: dict[str, list[str]]
    body: bytes
    closed: int | None = None                 # websocket close code

    def header(self, name: str) -> str:
        return (self.headers.get(name.lower()) or [""])[0]


@dataclass
class Streamlit:
    """Stands in for Streamlit behind the gate: answers 200 and remembers what reached it."""

    seen: list[dict] = field(default_factory=list)

    async def __call__(self, scope, receive, send) -> None:
        self.seen.append(scope)
        if scope["type"] == "websocket":
            await send({"type": "websocket.accept"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"streamlit"})


class CountingUsers(UsersFile):
    """The users file, counting password checks (each one is an argon2 verification)."""

    def __init__(self, path, delay: float = 0.0) -> None:
        super().__init__(path)
        self.checks, self.delay, self._count_lock = 0, delay, threading.Lock()

    def verify_login(self, name, password):
        with self._count_lock:
            self.checks += 1
        time.sleep(self.delay)
        return super().verify_login(name, password)


@pytest.fixture
def users(tmp_path, monkeypatch):
    monkeypatch.setenv("CX_USERS_FILE", str(tmp_path / "users.json"))
    monkeypatch.delenv("CX_TRUSTED_PROXIES", raising=False)
    monkeypatch.delenv("CX_LOGIN_QUEUE", raising=False)
    reset_process_state()
    u = CountingUsers(tmp_path / "users.json")
    u.add("ann", PASSWORDS["ann"], "editor")
    u.add("vic", PASSWORDS["vic"], "viewer")
    yield u
    reset_process_state()


def make_gate(users, **kw) -> tuple[Gate, Streamlit]:
    inner = Streamlit()
    return Gate(inner, users=users, oidc=False, **kw), inner


async def _call(gate, method="GET", path="/", *, headers=(), body=b"", client="10.0.0.1", kind="http",
                query=b"", scheme="http") -> Reply:
    sent: list[dict] = []
    inbox = ([{"type": "websocket.connect"}] if kind == "websocket"
             else [{"type": "http.request", "body": body, "more_body": False}])

    async def receive():
        return inbox.pop(0) if inbox else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)
    scope = {"type": kind, "method": method, "path": path, "query_string": query, "scheme": scheme,
             "headers": [(k.lower().encode(), v.encode()) for k, v in [("host", "cx.test"), *headers]],
             "client": (client, 50000)}
    await gate(scope, receive, send)
    if kind == "websocket":
        close = next((m for m in sent if m["type"] == "websocket.close"), None)
        return Reply(403 if close else 101, {}, b"", close and close["code"])
    start = next(m for m in sent if m["type"] == "http.response.start")
    heads: dict[str, list[str]] = {}
    for k, v in start["headers"]:
        heads.setdefault(k.decode().lower(), []).append(v.decode())
    return Reply(start["status"], heads, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))


def run_async(coro):
    """``asyncio.run`` on a thread of its own: a session-scoped Playwright (sync API) keeps an event loop
    running on the main thread for the rest of the test session when the browser tests ran first."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def call(gate, *args, **kw) -> Reply:
    return run_async(_call(gate, *args, **kw))


def login_form(name: str, password: str, next_url: str = "/") -> dict:
    return {"body": urlencode({"user": name, "password": password, "next": next_url, "lang": "en"}).encode(),
            "headers": [("content-type", "application/x-www-form-urlencoded"), ("origin", "http://cx.test")]}


def cookie_of(reply: Reply) -> str:
    raw = next(c for c in reply.headers["set-cookie"] if c.startswith(COOKIE + "="))
    return raw.split(";")[0].split("=", 1)[1]


def test_anonymous_requests_reach_nothing_but_the_form_and_the_health_check(users):
    """Findings 2 and 9: no session, no upload, no media, no metrics without a login."""
    gate, inner = make_gate(users)
    page = call(gate, "GET", "/Orders", headers=[("accept", "text/html")], query=b"lang=ru")
    assert page.status == 303 and page.header("location") == "/_cx/login?next=%2FOrders%3Flang%3Dru"
    assert call(gate, "GET", "/static/js/index.js").status == 401
    assert call(gate, "PUT", "/_stcore/upload_file/some-session/file-1", body=b"x" * 10_000).status == 401
    assert call(gate, "GET", "/media/abc123.png").status == 401
    assert call(gate, "GET", "/_stcore/host-config").status == 401
    assert call(gate, "GET", "/_stcore/metrics").status == 404
    assert call(gate, kind="websocket", path="/_stcore/stream").closed == 1008          # refused at the handshake
    assert inner.seen == []
    assert call(gate, "GET", "/_stcore/health").status == 200 and len(inner.seen) == 1


def test_every_answer_forbids_framing(users):
    """Finding 9: another site cannot frame the login form or the app."""
    gate, _ = make_gate(users)
    token = cookie_of(call(gate, "POST", "/_cx/login", **login_form("ann", PASSWORDS["ann"])))
    for reply in (call(gate, "GET", "/_cx/login"), call(gate, "GET", "/_stcore/health"),
                  call(gate, "GET", "/", headers=[("cookie", f"{COOKIE}={token}")]),
                  call(gate, "GET", "/x.js")):
        assert reply.header("x-frame-options") == "DENY"
        assert "frame-ancestors 'none'" in reply.header("content-security-policy")
        assert reply.header("x-content-type-options") == "nosniff"


def test_the_form_logs_in_with_an_httponly_cookie_and_never_echoes_the_password(users):
    gate, inner = make_gate(users)
    form = call(gate, "GET", "/_cx/login", query=b"next=%2FOrders")
    assert form.status == 200 and b'aria-label="User name"' in form.body and b'type="password"' in form.body
    assert b'value="/Orders"' in form.body and form.header("cache-control") == "no-store"
    wrong = call(gate, "POST", "/_cx/login", **login_form("ann", "ann-wrong-horse", "/Orders"))
    assert wrong.status == 401 and b"Wrong user name or password." in wrong.body
    assert b"ann-wrong-horse" not in wrong.body and "set-cookie" not in wrong.headers
    nobody = call(gate, "POST", "/_cx/login", **login_form("nobody", "ann-wrong-horse"))
    assert nobody.status == 401 and b"Wrong user name or password." in nobody.body   # no user enumeration
    ok = call(gate, "POST", "/_cx/login", **login_form("ann", PASSWORDS["ann"], "/Orders?lang=zh"))
    assert ok.status == 303 and ok.header("location") == "/Orders?lang=zh"
    cookie = ok.header("set-cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie and "Secure" not in cookie
    token = cookie_of(ok)
    assert logins().check(token, users).name == "ann"
    again = call(gate, "GET", "/Orders", headers=[("cookie", f"{COOKIE}={token}"), ("accept", "text/html")])
    assert again.status == 200 and again.body == b"streamlit"                             # a reload keeps the login
    secure = call(gate, "POST", "/_cx/login", scheme="https", **login_form("vic", PASSWORDS["vic"]))
    assert "Secure" in secure.header("set-cookie")


def test_the_websocket_carries_the_login_and_never_a_client_supplied_one(users):
    """Finding 6: Streamlit binds the session to the gate's header; a forged header is dropped."""
    gate, inner = make_gate(users)
    token = cookie_of(call(gate, "POST", "/_cx/login", **login_form("ann", PASSWORDS["ann"])))
    call(gate, kind="websocket", path="/_stcore/stream",
         headers=[("cookie", f"{COOKIE}={token}"), ("x-cx-login", "forged")])
    sent = [v for k, v in inner.seen[-1]["headers"] if k == b"x-cx-login"]
    assert sent == [token.encode()]
    forged = call(gate, kind="websocket", path="/_stcore/stream", headers=[("x-cx-login", token)])
    assert forged.closed == 1008                                                          # the header alone is nothing


def test_logout_ends_the_login_and_clears_the_cookie(users):
    gate, _ = make_gate(users)
    token = cookie_of(call(gate, "POST", "/_cx/login", **login_form("ann", PASSWORDS["ann"])))
    out = call(gate, "POST", "/_cx/logout", headers=[("cookie", f"{COOKIE}={token}")])
    assert out.status == 200 and b"You are logged out." in out.body and "Max-Age=0" in out.header("set-cookie")
    assert call(gate, "GET", "/", headers=[("cookie", f"{COOKIE}={token}"), ("accept", "text/html")]).status == 303


def test_a_password_change_ends_the_login_at_the_gate(users):
    gate, _ = make_gate(users)
    token = cookie_of(call(gate, "POST", "/_cx/login", **login_form("ann", PASSWORDS["ann"])))
    users.add("ann", "a brand new password", "editor")
    stale = call(gate, "GET", "/x.js", headers=[("cookie", f"{COOKIE}={token}")])
    assert stale.status == 401 and "Max-Age=0" in stale.header("set-cookie")


def test_forty_wrong_logins_sent_at_once_check_at_most_the_limit(users):
    """Finding 1: the attempt is reserved before the argon2 check, so concurrency cannot bypass the limit."""
    gate, _ = make_gate(users)

    async def burst():
        forms = [login_form("ann", f"guess-{i:02d}-wrong") for i in range(39)] + [login_form("ann", PASSWORDS["ann"])]
        return await asyncio.gather(*[_call(gate, "POST", "/_cx/login", **f) for f in forms])
    replies = run_async(burst())
    assert users.checks <= 5
    assert {r.status for r in replies} <= {303, 401, 429, 503}
    assert sum(r.status == 401 for r in replies) <= 5
    assert all(b"Too many failed attempts" in r.body for r in replies if r.status == 429)


def test_guesses_from_one_address_leave_the_real_user_at_another_address_alone(users):
    """Finding 4: five wrong guesses from one address do not lock ann out elsewhere."""
    gate, _ = make_gate(users)
    for i in range(5):
        call(gate, "POST", "/_cx/login", client="203.0.113.7", **login_form("ann", f"guess-{i}-wrong"))
    blocked = call(gate, "POST", "/_cx/login", client="203.0.113.7", **login_form("ann", PASSWORDS["ann"]))
    assert blocked.status == 429 and int(blocked.header("retry-after")) > 0
    real = call(gate, "POST", "/_cx/login", client="198.51.100.2", **login_form("ann", PASSWORDS["ann"]))
    assert real.status == 303 and cookie_of(real)


def test_the_client_address_comes_from_a_trusted_proxy_only(users, monkeypatch):
    monkeypatch.setenv("CX_TRUSTED_PROXIES", "10.9.9.9")
    gate, _ = make_gate(users)
    fwd = [("x-forwarded-for", "198.51.100.2, 203.0.113.7")]
    assert gate.address({"client": ("10.9.9.9", 1), "headers": [(b"x-forwarded-for", fwd[0][1].encode())]}) == "203.0.113.7"
    assert gate.address({"client": ("10.0.0.5", 1), "headers": [(b"x-forwarded-for", b"1.2.3.4")]}) == "10.0.0.5"


def test_a_flood_of_logins_gets_busy_answers_at_once_instead_of_a_queue_without_end(users, monkeypatch):
    """Finding 5: at most two checks run and CX_LOGIN_QUEUE wait; the rest are told to try again."""
    monkeypatch.setenv("CX_LOGIN_QUEUE", "4")
    users.delay = 0.3
    gate, _ = make_gate(users)

    async def flood():
        forms = [(f"10.2.0.{i}", login_form(f"invented{i}", "some password")) for i in range(30)]
        return await asyncio.gather(*[_call(gate, "POST", "/_cx/login", client=a, **f) for a, f in forms])
    replies = run_async(flood())
    busy = [r for r in replies if r.status == 503]
    assert users.checks <= 4 and len(busy) >= 26
    assert all(b"The server is busy" in r.body and r.header("retry-after") for r in busy)
    assert all(limiter()._counts[("address", f"10.2.0.{i}")].pending == 0 for i in range(30))    # given back


def test_names_that_cannot_be_accounts_and_huge_forms_cost_no_password_check(users):
    """Finding 5: a 5 MB name is refused unread; an impossible name is wrong without argon2."""
    gate, _ = make_gate(users)
    huge = call(gate, "POST", "/_cx/login", **login_form("x" * 5_000_000, "pw"))
    assert huge.status == 413
    odd = call(gate, "POST", "/_cx/login", **login_form("not a name!" * 10, "pw"))
    assert odd.status == 401 and b"Wrong user name or password." in odd.body
    assert users.checks == 0 and len(limiter()) <= 1


def test_a_form_posted_from_another_site_is_refused(users):
    gate, _ = make_gate(users)
    form = login_form("ann", PASSWORDS["ann"])
    form["headers"] = [("content-type", "application/x-www-form-urlencoded"), ("origin", "https://evil.example")]
    reply = call(gate, "POST", "/_cx/login", **form)
    assert reply.status == 403 and "set-cookie" not in reply.headers and users.checks == 0


@pytest.mark.parametrize("target, expected", [("//evil.example/x", "/"), ("https://evil.example", "/"),
                                              ("/\\evil.example", "/"), ("/_cx/logout", "/"),
                                              ("/Saved_analysis?analysis=abc&lang=ru", "/Saved_analysis?analysis=abc&lang=ru")])
def test_after_login_the_form_goes_only_to_a_page_of_this_app(users, target, expected):
    gate, _ = make_gate(users)
    ok = call(gate, "POST", "/_cx/login", **login_form("vic", PASSWORDS["vic"], target))
    assert ok.status == 303 and ok.header("location") == expected


def test_the_form_speaks_the_browsers_language_and_says_how_to_create_accounts(users, tmp_path):
    gate, _ = make_gate(users)
    ru = call(gate, "GET", "/_cx/login", headers=[("accept-language", "ru-RU,ru;q=0.9,en;q=0.8")])
    assert 'lang="ru"'.encode() in ru.body and "Пароль".encode() in ru.body
    empty, _ = make_gate(UsersFile(tmp_path / "none.json"))
    assert b"python -m cxlib users add" in call(empty, "GET", "/_cx/login").body


def test_an_upload_into_another_users_session_is_refused(users, monkeypatch):
    """Finding 6: a session id learned from a URL does not let another login upload into that session."""
    gate, inner = make_gate(users)
    ann = cookie_of(call(gate, "POST", "/_cx/login", **login_form("ann", PASSWORDS["ann"])))
    vic = cookie_of(call(gate, "POST", "/_cx/login", **login_form("vic", PASSWORDS["vic"])))

    class Client:
        class client_context:
            cookies = {COOKIE: ann}
    monkeypatch.setattr(gate_module, "_session_client", lambda sid: Client if sid == "ann-session" else None)
    path = "/_stcore/upload_file/ann-session/f1"
    assert call(gate, "PUT", path, headers=[("cookie", f"{COOKIE}={vic}")]).status == 403
    assert call(gate, "PUT", path, headers=[("cookie", f"{COOKIE}={ann}")]).status == 200
    monkeypatch.setattr(gate_module, "_media_sessions", lambda fid: ["ann-session"])
    assert call(gate, "GET", "/media/abc.png", headers=[("cookie", f"{COOKIE}={vic}")]).status == 404
    assert call(gate, "GET", "/media/abc.png", headers=[("cookie", f"{COOKIE}={ann}")]).status == 200
