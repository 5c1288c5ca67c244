"""Keep the catalogs complete: extract ids, merge them into the catalogs, fill translations."""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SOURCES = ("app.py", "pages", "ui", "cxlib", "serve")
KEYWORDS = {"t": None, "msg": None, "N_": None}
LANGS = ("zh", "ru")
# Fixed header fields so that re-extracting unchanged code leaves the files unchanged.
HEADER = dict(project="CX Workbench", copyright_holder="CX Workbench contributors", fuzzy=False,
              creation_date=datetime(2026, 11, 24, tzinfo=timezone.utc),
              revision_date=datetime(2026, 11, 24, tzinfo=timezone.utc))


def source_files() -> list[Path]:
    files = []
    for name in SOURCES:
        p = ROOT / name
        files += [p] if p.is_file() else sorted(q for q in p.rglob("*.py") if "locales" not in q.parts)
    return files


def extract(comments: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Every message id used in the code -> where it is used (file:line).

    ``comments`` (optional) receives the ``# TRANSLATORS:`` notes written above each id.
    """
    found: dict[str, list[str]] = {}
    for path in source_files():
        for lineno, message, notes, _ctx in extract_from_file(
                "python", str(path), keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
                strip_comment_tags=True):
            if isinstance(message, str) and message:
                found.setdefault(message, []).append(f"{path.relative_to(ROOT)}:{lineno}")
                if comments is not None and notes:
                    comments.setdefault(message, []).extend(n for n in notes if n not in comments.get(message, []))
    manifest = ROOT / "sample_data" / "MANIFEST.json"      # demo file titles shown on the Data page
    if manifest.exists():
        for item in json.loads(manifest.read_text(encoding="utf-8")):
            if item.get("title"):
                found.setdefault(item["title"], []).append("sample_data/MANIFEST.json:1")
    return found


def _po(lang: str) -> Path:
    return HERE / lang / "LC_MESSAGES" / "messages.po"


def load(lang: str) -> Catalog:
    path = _po(lang)
    if not path.exists():
        return Catalog(locale=lang, **HEADER)
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


def save(cat: Catalog, lang: str) -> None:
    path = _po(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, cat, sort_output=True, omit_header=False, width=100)


def cmd_extract() -> None:
    notes: dict[str, list[str]] = {}
    ids = extract(notes)
    pot = Catalog(**HEADER)
    for mid, where in ids.items():
        pot.add(mid, locations=[(f, int(n)) for f, n in (w.rsplit(":", 1) for w in where[:3])],
                auto_comments=notes.get(mid, []))
    with (HERE / "messages.pot").open("wb") as fh:
        write_po(fh, pot, sort_output=True, width=100)
    for lang in LANGS:
        cat = load(lang)
        keep = {m.id: m.string for m in cat if m.id}
        new = Catalog(locale=lang, **HEADER)
        for mid, where in ids.items():
            new.add(mid, keep.get(mid, ""), auto_comments=notes.get(mid, []))   # no locations: stable as code moves
        save(new, lang)
        missing = sum(1 for mid in ids if not keep.get(mid))
        print(f"{lang}: {len(ids)} ids, {missing} without a translation")


def cmd_fill(lang: str, path: str) -> None:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    cat = load(lang)
    n = 0
    for mid, text in data.items():
        if mid in cat and text:
            cat[mid].string = text
            cat[mid].flags.discard("fuzzy")
            n += 1
        elif mid not in cat:
            print(f"not in catalog (skipped): {mid!r}", file=sys.stderr)
    save(cat, lang)
    print(f"{lang}: {n} translations set")


def cmd_missing(lang: str) -> None:
    cat = load(lang)
    print(json.dumps({m.id: "" for m in cat if m.id and not m.string}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    cmd, *args = sys.argv[1:] or ["extract"]
    {"extract": cmd_extract, "fill": cmd_fill, "missing": cmd_missing}[cmd](*args)
