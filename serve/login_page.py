"""The login form of the hosted instance: one small HTML page, no script, in the reader's language."""
from __future__ import annotations

import html

from cxlib.core.messages import Msg, msg
from ui.locales import LANGUAGES

TITLE = msg("CX Workbench")
WRONG = msg("Wrong user name or password.")
BUSY = msg("The server is busy checking other logins. Try again in a few seconds.")
TOO_LARGE = msg("The login form was too large. Type the user name and password again.")
NO_USERS = msg("No accounts exist yet. An administrator creates them on the server with: "
               "python -m cxlib users add NAME --role editor")
LOGGED_OUT = msg("You are logged out.")
FOREIGN = msg("This form was sent from another site. Open the app's own address and log in there.")


def too_many(seconds: int) -> Msg:
    # TRANSLATORS: {seconds} is a whole number of seconds.
    return msg("Too many failed attempts. Try again in {seconds} s.", seconds=seconds)


def language(query_lang: str | None, accept_language: str | None) -> str:
    """The form's language: ``?lang=`` if it is one of ours, else the browser's first language we have."""
    if query_lang in LANGUAGES:
        return query_lang
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower().replace("_", "-").split("-")[0]
        if code in LANGUAGES:
            return code
    return "en"


def _t(text: Msg, lang: str) -> str:
    from ui.i18n import tr
    return tr(text, lang)


_STYLE = """
body{font-family:"Source Sans Pro",system-ui,-apple-system,"Segoe UI",sans-serif;background:#fff;color:#31333f;
margin:0;display:flex;justify-content:center}
main{width:22rem;margin-top:12vh}
h1{font-size:1.6rem;margin:0 0 1.5rem}
label{display:block;font-size:.9rem;margin:1rem 0 .3rem}
input[type=text],input[type=password]{box-sizing:border-box;width:100%;padding:.55rem .7rem;font-size:1rem;
border:1px solid #d5d7de;border-radius:.5rem;background:#f0f2f6}
button{margin-top:1.4rem;padding:.55rem 1.2rem;font-size:1rem;border:0;border-radius:.5rem;background:#ff4b4b;
color:#fff;cursor:pointer}
.note{padding:.7rem 1rem;border-radius:.5rem;margin-bottom:1rem}
.error{background:#ffe5e5;color:#7d1a1a}.info{background:#e8f0fe;color:#1c3f7a}
nav{margin-top:2rem;font-size:.85rem}nav a{margin-right:.8rem;color:#31333f}
"""


def render(*, lang: str, next_url: str, message: Msg | None = None, error: bool = True,
           name: str = "", no_users: bool = False) -> bytes:
    """The page; ``message`` shown above the form. The password field is always empty."""
    e = html.escape
    notes = []
    if no_users:
        notes.append(f'<p class="note info">{e(_t(NO_USERS, lang))}</p>')
    if message is not None:
        notes.append(f'<p class="note {"error" if error else "info"}" role="alert">{e(_t(message, lang))}</p>')
    links = " ".join(f'<a href="/_cx/login?lang={code}&amp;next={e(_quote(next_url))}" hreflang="{code}">{e(label)}</a>'
                     for code, label in LANGUAGES.items() if code != lang)
    user_label, password_label, submit = (_t(msg("User name"), lang), _t(msg("Password"), lang),
                                          _t(msg("Log in"), lang))
    page = f"""<!doctype html>
<html lang="{e(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{e(_t(TITLE, lang))}</title><style>{_STYLE}</style></head>
<body><main>
<h1>{e(_t(TITLE, lang))}</h1>
{"".join(notes)}
<form method="post" action="/_cx/login">
<input type="hidden" name="next" value="{e(next_url)}"><input type="hidden" name="lang" value="{e(lang)}">
<label for="user">{e(user_label)}</label>
<input id="user" name="user" type="text" autocomplete="username" maxlength="64" required
 aria-label="{e(user_label)}" value="{e(name)}" autofocus>
<label for="password">{e(password_label)}</label>
<input id="password" name="password" type="password" autocomplete="current-password" maxlength="1024" required
 aria-label="{e(password_label)}">
<button type="submit">{e(submit)}</button>
</form>
<nav>{links}</nav>
</main></body></html>
"""
    return page.encode("utf-8")


def _quote(value: str) -> str:
    from urllib.parse import quote
    return quote(value, safe="")
