"""The gate: an ASGI middleware that every request of the hosted instance passes first.

Password login (no identity provider configured):

- ``GET /_cx/login`` is the login form, ``POST /_cx/login`` checks it. A check is *reserved* in
  :func:`cxlib.saved.users.limiter` before the password is verified (so attempts sent at once count), per
  client address and per user name; at most ``CHECKS`` argon2 checks run at once, in threads, and at
  most ``CX_LOGIN_QUEUE`` (8) wait: beyond that the answer is "busy, try again" at once. The form
  body is capped (4 KB) and names that cannot be accounts are refused without a check.
- A successful login sets the cookie ``cx_login``: a random token (HttpOnly, SameSite=Lax, Secure
  over HTTPS, ``CX_LOGIN_HOURS``) whose hash the server keeps (:func:`cxlib.saved.users.logins`).
  ``/_cx/logout``, the app's Log out button, a password change or removing the user end it.
- Every other request needs a live login: pages redirect to the form, everything else (the
  websocket, uploads, media, assets, host config) is refused. Only ``/_stcore/health`` stays open.
- The websocket gets the trusted header ``X-Cx-Login`` (the token; any copy sent by the client is
  dropped). Streamlit stores it as the session's ``st.user["cx_login"]`` and resumes a session only
  for the same value, so presenting another login's session id gives a fresh session; the pages
  look the login up on every run (``ui.auth.current``).
- Uploads are accepted only into a session of the same user; a ``/media`` file that belongs to
  other users' sessions is not served.

With an identity provider (``[auth]`` in secrets) Streamlit's own login is used: the app loads for
anyone (its login button), but uploads and media need Streamlit's signed user cookie.

Always: ``/_stcore/metrics`` and the agent API answer 404, and every HTTP answer carries
``X-Frame-Options: DENY``, ``Content-Security-Policy: frame-ancestors 'none'``, ``nosniff`` and
``Referrer-Policy: same-origin``.
"""
from __future__ import annotations

import asyncio
import math
import os
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, quote, urlsplit

from cxlib.core.errors import CxDataError
from cxlib.saved.users import UsersFile, limiter, logins, valid_name
from serve import login_page

COOKIE = "cx_login"
HEADER = "X-Cx-Login"              # trusted header -> st.user["cx_login"] (server.trustedUserHeaders)
USER_KEY = "cx_login"
LOGIN_PATH, LOGOUT_PATH = "/_cx/login", "/_cx/logout"
OPEN_PATHS = {"/_stcore/health"}
CLOSED_PREFIXES = ("/_stcore/metrics", "/_stcore/agent")
UPLOAD_PREFIX = "/_stcore/upload_file/"
MEDIA_PREFIX = "/media/"
OIDC_OPEN_PREFIXES = ("/auth/", "/oauth2callback")
MAX_FORM_BYTES = 4096
CHECKS = 2                          # argon2 checks at once (~64 MiB and ~0.4 s of a core each)
SECURITY_HEADERS = [(b"x-frame-options", b"DENY"), (b"content-security-policy", b"frame-ancestors 'none'"),
                    (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
LOGIN_PAGE_CSP = (b"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "
                  b"frame-ancestors 'none'")


def trusted_user_headers() -> dict[str, str]:
    """The Streamlit setting ``server.trustedUserHeaders`` the gate relies on."""
    return {HEADER: USER_KEY}


class Gate:
    """ASGI middleware (``starlette.middleware.Middleware(Gate)`` in ``st.App``)."""

    def __init__(self, app, *, users: UsersFile | None = None, oidc: bool | None = None) -> None:
        self.app = app
        self._users = users
        self._oidc = oidc
        self._queue = int(os.environ.get("CX_LOGIN_QUEUE") or 8)
        self._admitted = 0
        self._checks: asyncio.Semaphore | None = None
        self._pool = ThreadPoolExecutor(max_workers=CHECKS, thread_name_prefix="cx-login")
        self._trusted = {a.strip() for a in os.environ.get("CX_TRUSTED_PROXIES", "").split(",") if a.strip()}
        self._hours = float(os.environ.get("CX_LOGIN_HOURS") or 12)

    # -- the request's facts ----------------------------------------------------------------------
    @property
    def users(self) -> UsersFile:
        return self._users or UsersFile()

    @property
    def oidc(self) -> bool:
        if self._oidc is None:
            try:
                from streamlit.runtime.secrets import secrets_singleton
                section = secrets_singleton.get("auth") if secrets_singleton.load_if_toml_exists() else None
            except Exception:                       # noqa: BLE001 - no or unreadable secrets: password login
                section = None
            self._oidc = bool(section)
        return self._oidc

    def address(self, scope) -> str:
        """The client's address; behind a proxy listed in ``CX_TRUSTED_PROXIES``, the one it forwarded."""
        peer = (scope.get("client") or ("",))[0] or ""
        if peer in self._trusted:
            forwarded = _header(scope, b"x-forwarded-for")
            hops = [h.strip() for h in forwarded.split(",") if h.strip()]
            while hops and hops[-1] in self._trusted:
                hops.pop()
            if hops:
                return hops[-1]
        return peer

    def https(self, scope) -> bool:
        if scope.get("scheme") in ("https", "wss"):
            return True
        peer = (scope.get("client") or ("",))[0]
        return peer in self._trusted and _header(scope, b"x-forwarded-proto").lower() == "https"

    def identity(self, cookies: dict[str, str]) -> str | None:
        """Who a request (or a session's connection) belongs to: the user name of a live login, the
        provider's user under OIDC, else None."""
        if self.oidc:
            return _oidc_identity(cookies)
        user = logins().check(cookies.get(COOKIE), self.users) if cookies.get(COOKIE) else None
        return user.name if user else None

    # -- ASGI ---------------------------------------------------------------------------------------
    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        scope = dict(scope)
        scope["headers"] = [(k, v) for k, v in scope.get("headers", []) if k.lower() != HEADER.lower().encode()]
        path = scope.get("path", "")
        if scope["type"] == "http":
            send = _with_headers(send, path)
        if path.startswith(CLOSED_PREFIXES):
            await _respond(send, 404, b"Not found")
            return
        if path in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        if path in (LOGIN_PATH, LOGOUT_PATH) and scope["type"] == "http":
            await (self.login(scope, receive, send) if path == LOGIN_PATH else self.logout(scope, send))
            return
        cookies = _cookies(scope)
        who = self.identity(cookies)
        if who is None and not (self.oidc and not path.startswith((UPLOAD_PREFIX, MEDIA_PREFIX))):
            await self.refuse(scope, receive, send, stale=COOKIE in cookies)
            return
        if path.startswith(UPLOAD_PREFIX) and not self.owns_session(who, path[len(UPLOAD_PREFIX):].split("/")[0]):
            await _respond(send, 403, b"This upload does not belong to your session.")
            return
        if path.startswith(MEDIA_PREFIX) and not self.may_read_media(who, path[len(MEDIA_PREFIX):]):
            await _respond(send, 404, b"Not found")
            return
        if scope["type"] == "websocket" and not self.oidc:
            scope["headers"].append((HEADER.lower().encode(), cookies[COOKIE].encode("latin-1")))
        await self.app(scope, receive, send)

    async def refuse(self, scope, receive, send, *, stale: bool) -> None:
        """No live login: a page goes to the form (next = where it was going), anything else is refused."""
        if scope["type"] == "websocket":                  # refused at the handshake: HTTP 403, no session
            await receive()
            await send({"type": "websocket.close", "code": 1008})
            return
        accept = _header(scope, b"accept")
        extra = [_clear_cookie()] if stale else []
        if scope.get("method") == "GET" and "text/html" in accept:
            target = scope.get("path", "/") + (("?" + scope["query_string"].decode("latin-1"))
                                               if scope.get("query_string") else "")
            await _redirect(send, f"{LOGIN_PATH}?next={quote(target, safe='')}", extra)
            return
        await _respond(send, 401, b"Log in first.", extra)

    # -- login and logout ---------------------------------------------------------------------------
    async def login(self, scope, receive, send) -> None:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        lang = login_page.language((query.get("lang") or [None])[0], _header(scope, b"accept-language"))
        next_url = _safe_next((query.get("next") or ["/"])[0])
        if self.oidc:
            await _redirect(send, "/")
            return
        if scope.get("method") != "POST":
            if self.identity(_cookies(scope)) is not None:
                await _redirect(send, next_url)
                return
            await self.page(send, 200, lang, next_url)
            return
        origin = _header(scope, b"origin")
        if origin and origin != "null" and urlsplit(origin).netloc != _header(scope, b"host"):
            await self.page(send, 403, lang, next_url, login_page.FOREIGN)
            return
        body = await _read_body(receive, MAX_FORM_BYTES)
        if body is None:
            await self.page(send, 413, lang, next_url, login_page.TOO_LARGE)
            return
        form = parse_qs(body.decode("utf-8", "replace"), max_num_fields=8)
        field = lambda k: (form.get(k) or [""])[0]          # noqa: E731
        lang = login_page.language(field("lang"), _header(scope, b"accept-language"))
        next_url = _safe_next(field("next") or "/")
        name, password = field("user").strip(), field("password")
        await self.check(scope, send, lang, next_url, name, password)

    async def check(self, scope, send, lang: str, next_url: str, name: str, password: str) -> None:
        address = self.address(scope)
        ticket = limiter().reserve(address, name if valid_name(name) else None)
        if not ticket.granted:                     # do not even check: a blocked name learns nothing
            seconds = math.ceil(ticket.wait)
            await self.page(send, 429, lang, next_url, login_page.too_many(seconds),
                            name=name, headers=[(b"retry-after", str(seconds).encode())])
            return
        if ticket.name is None:                    # not a possible account: wrong, without an argon2 check
            limiter().finish(ticket, ok=False)
            await self.page(send, 401, lang, next_url, login_page.WRONG, name=name[:64])
            return
        if self._admitted >= self._queue:          # a bounded queue: say so instead of waiting without end
            limiter().cancel(ticket)
            await self.page(send, 503, lang, next_url, login_page.BUSY, name=name,
                            headers=[(b"retry-after", b"3")])
            return
        self._admitted += 1
        try:
            if self._checks is None:
                self._checks = asyncio.Semaphore(CHECKS)
            async with self._checks:
                found = await asyncio.get_running_loop().run_in_executor(
                    self._pool, self.users.verify_login, name, password)
        except CxDataError:                        # unreadable users file: nobody logs in
            found = None
        finally:
            self._admitted -= 1
        limiter().finish(ticket, ok=found is not None)
        if found is None:
            await self.page(send, 401, lang, next_url, login_page.WRONG, name=name)
            return
        user, fingerprint = found
        token = logins().create(user.name, fingerprint)
        cookie = (f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={int(self._hours * 3600)}"
                  + ("; Secure" if self.https(scope) else ""))
        await _redirect(send, next_url, [(b"set-cookie", cookie.encode("latin-1"))])

    async def logout(self, scope, send) -> None:
        logins().revoke(_cookies(scope).get(COOKIE))
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        lang = login_page.language((query.get("lang") or [None])[0], _header(scope, b"accept-language"))
        await self.page(send, 200, lang, "/", login_page.LOGGED_OUT, error=False, headers=[_clear_cookie()])

    async def page(self, send, status: int, lang: str, next_url: str, message=None, *, error: bool = True,
                   name: str = "", headers: list | None = None) -> None:
        body = login_page.render(lang=lang, next_url=next_url, message=message, error=error, name=name,
                                 no_users=not self.users.path.exists())
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"cache-control", b"no-store"),
                                (b"content-security-policy", LOGIN_PAGE_CSP), *(headers or [])]})
        await send({"type": "http.response.body", "body": body})

    # -- what a login may reach -----------------------------------------------------------------------
    def owns_session(self, who: str | None, session_id: str) -> bool:
        """Whether the Streamlit session ``session_id`` was opened by the same user (its websocket's cookies)."""
        client = _session_client(session_id)
        if client is None:
            return who is not None            # no such session: Streamlit itself refuses the upload
        return who is not None and self.identity(dict(client.client_context.cookies)) == who

    def may_read_media(self, who: str | None, file_id: str) -> bool:
        """A media file shown in other users' sessions only is not theirs to read; a file no session
        shows (a download made on request) is served to a live login."""
        if who is None:
            return False
        sessions = _media_sessions(file_id.split("/")[0].split(".")[0])
        if not sessions:
            return True
        return any(self.owns_session(who, sid) for sid in sessions)


# -- Streamlit's runtime (same process) ------------------------------------------------------------
def _session_client(session_id: str):
    try:
        from streamlit.runtime import Runtime
        return Runtime.instance().get_client(session_id) if Runtime.exists() else None
    except Exception:                          # noqa: BLE001 - no runtime (tests of the gate alone)
        return None


def _media_sessions(file_id: str) -> list[str]:
    """Sessions whose page currently shows media file ``file_id`` (Streamlit 1.67's media manager)."""
    try:
        from streamlit.runtime import Runtime
        if not Runtime.exists():
            return []
        by_session = getattr(Runtime.instance().media_file_mgr, "_files_by_session_and_coord", {})
        return [sid for sid, files in list(by_session.items()) if file_id in set(files.values())]
    except Exception:                          # noqa: BLE001 - another Streamlit: login check only
        return []


def _oidc_identity(cookies: dict[str, str]) -> str | None:
    """The provider's user in Streamlit's signed user cookie (None when absent, forged or logged out)."""
    try:
        import json

        from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME
        from streamlit.web.server.starlette.starlette_websocket import _get_signed_cookie_with_chunks
        raw = _get_signed_cookie_with_chunks(cookies, USER_COOKIE_NAME)
        payload = json.loads(raw) if raw else {}
    except Exception:                          # noqa: BLE001 - unreadable cookie: not logged in
        return None
    if not payload.get("is_logged_in"):
        return None
    return str(payload.get("email") or payload.get("sub") or "") or None


# -- small ASGI helpers -------------------------------------------------------------------------------
def _header(scope, name: bytes) -> str:
    for k, v in scope.get("headers", []):
        if k.lower() == name:
            return v.decode("latin-1")
    return ""


def _cookies(scope) -> dict[str, str]:
    from starlette.requests import cookie_parser
    return cookie_parser(_header(scope, b"cookie"))


def _safe_next(target: str) -> str:
    """Only a path of this app (no scheme, no other host, not the login itself)."""
    target = "".join(ch for ch in target if ch >= " ")[:2000]
    if not target.startswith("/") or target.startswith(("//", "/\\")) or target.startswith("/_cx/"):
        return "/"
    return target


def _clear_cookie() -> tuple[bytes, bytes]:
    return (b"set-cookie", f"{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0".encode())


def _with_headers(send, path: str):
    """``send`` that adds the security headers to the response start."""
    async def sender(message) -> None:
        if message["type"] == "http.response.start":
            have = {k.lower() for k, _ in message.get("headers", [])}
            message = {**message, "headers": [*message.get("headers", []),
                                              *[(k, v) for k, v in SECURITY_HEADERS if k not in have]]}
        await send(message)
    return sender


async def _respond(send, status: int, text: bytes, headers: list | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store"),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": text})


async def _redirect(send, location: str, headers: list | None = None) -> None:
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", location.encode("latin-1", "replace")), (b"cache-control", b"no-store"),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": b""})


async def _read_body(receive, limit: int) -> bytes | None:
    """The request body, or None when it is over ``limit`` bytes (the rest is not read)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)
