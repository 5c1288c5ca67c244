"""Translation catalogs (gettext .po, read with Babel) and the tools that keep them complete.

``python -m ui.locales extract``  write messages.pot from app.py, pages/, ui/ and cxlib/ and
                                  merge new ids into every catalog (``make messages``)
``python -m ui.locales fill zh FILE.json``  set translations from a JSON object {msgid: text}
``python -m ui.locales missing zh``         print ids without a translation, as JSON
"""

# The interface languages, each named in itself (the sidebar picker, the hosted login form).
LANGUAGES: dict[str, str] = {"en": "English", "zh": "中文（简体）", "ru": "Русский"}
