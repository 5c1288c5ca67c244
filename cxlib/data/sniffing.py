"""Guessing how a text file is written: its encoding, its delimiter, and where its header is.

- ``decode(data, name)``: bytes -> UTF-8 bytes + the source encoding (BOM, UTF-16 by NULs, GBK /
  cp1251 / latin-1 by plausibility of the decoded text), with a note when it was a guess;
- the delimiter sniffer, preamble lines above the header, and 0/1/2 header rows.
"""
from __future__ import annotations

import csv
import io as _io
import re
import unicodedata
from collections import Counter

from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, msg
from cxlib.data.table import UPLOAD_TABLE, MiB

# --------------------------------------------------------------------------------------------
# Text decoding
# --------------------------------------------------------------------------------------------
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_GOOD_PUNCT = set("«»–—“”‘’„…№°€£¥·•×")


def decode(data: bytes, name: str) -> tuple[bytes, str, list[Msg]]:
    """Bytes -> UTF-8 bytes + the source encoding. Strict UTF-8 first (kept as is, no copy); UTF-16
    by BOM or NUL pattern; else GBK/cp1251/latin-1 by plausibility of the decoded text."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            if enc == "utf-8-sig":
                body = data[len(bom):]
                return (body, enc, []) if _valid_utf8(body) else _mostly_utf8(body, name, enc)
            try:
                return data[len(bom):].decode(enc).encode("utf-8"), "utf-16", []
            except UnicodeDecodeError:
                raise CxDataError(msg("the file starts with a UTF-16 marker but is not valid UTF-16 text."),
                                  file=name, hint=msg("Save the file again as UTF-8 CSV.")) from None
    head = data[:8192]
    if b"\x00" in head:
        enc = _utf16_by_nuls(head)
        if enc:
            try:
                return data.decode(enc).encode("utf-8"), enc, []
            except UnicodeDecodeError:
                pass
        raise CxDataError(msg("this is a binary file, not a text or spreadsheet table."), file=name,
                          hint=UPLOAD_TABLE)
    controls = sum(1 for b in head if b < 9 or 13 < b < 32 and b != 27)
    if controls > max(8, len(head) // 50):
        raise CxDataError(msg("this is a binary file, not a text or spreadsheet table."), file=name,
                          hint=UPLOAD_TABLE)
    if _valid_utf8(data):
        return data, "utf-8", []
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    if sum(1 for ch in text[:2_000_000] if ch > "\x7f") >= 20 * broken:   # a few damaged bytes in UTF-8
        return _mostly_utf8(data, name, "utf-8")
    del text
    enc = _guess_legacy_encoding(data)
    if enc == "latin-1-guess":
        return data.decode("latin-1").encode("utf-8"), "latin-1", [
            msg("The text encoding could not be identified with confidence; it was read as latin-1. "
                "If letters look wrong, save the file as UTF-8 CSV and upload it again.")]
    return data.decode(enc, errors="replace").encode("utf-8"), enc, []


def _valid_utf8(data: bytes) -> bool:
    """Strict UTF-8 check in 16 MB steps (no full-size text copy)."""
    import codecs
    dec = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for pos in range(0, len(data), 16 * MiB):
            dec.decode(view[pos:pos + 16 * MiB], final=pos + 16 * MiB >= len(data))
        return True
    except UnicodeDecodeError:
        return False


def _mostly_utf8(data: bytes, name: str, enc: str) -> tuple[bytes, str, list[Msg]]:
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    return text.encode("utf-8"), enc, [
        msg("{count} damaged character(s) (invalid UTF-8 bytes) were replaced by '\ufffd'. "
            "If that matters, export the file again.", count=broken)]


def _utf16_by_nuls(head: bytes) -> str | None:
    even, odd = head[0::2], head[1::2]
    z_even, z_odd = even.count(0) / max(len(even), 1), odd.count(0) / max(len(odd), 1)
    if z_odd > 0.3 and z_even < 0.05:
        return "utf-16-le"
    if z_even > 0.3 and z_odd < 0.05:
        return "utf-16-be"
    return None


def _guess_legacy_encoding(data: bytes) -> str:
    """Pick among GB18030 (GBK), cp1251 and cp1252/latin-1 by how plausible the decoded text is."""
    sample = data[:128 * 1024]
    if len(data) > len(sample):
        cut = sample.rfind(b"\n")
        sample = sample[:cut] if cut > 0 else sample
    scores = []
    for order, enc in enumerate(("gb18030", "cp1251", "cp1252")):
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError:
            continue
        scores.append((_implausibility(text, enc), order, enc))
    if scores:
        best = min(scores)
        if best[0] <= 0.25:
            return "latin-1" if best[2] == "cp1252" and not re.search(rb"[\x80-\x9f]", data) else best[2]
    from charset_normalizer import (
        from_bytes,  # only for encodings outside our three candidates
    )
    match = from_bytes(sample).best()
    if match is not None:
        try:
            data.decode(match.encoding)
            return match.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    return "latin-1-guess"


_WORD = re.compile(r"[^\W\d_]+")


def _implausibility(text: str, enc: str) -> float:
    """Share of non-ASCII characters that would be odd in real text of that encoding's language."""
    bad = 0.0
    nonascii = 0
    for ch in text:
        if ch < "\x80":
            continue
        nonascii += 1
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Co", "Cn", "Cs"):
            bad += 1
        elif enc == "gb18030":
            if "\u4e00" <= ch <= "\u9fff":
                try:
                    lead = ch.encode("gb2312")[0]
                    bad += 0.0 if 0xB0 <= lead <= 0xD7 else 0.7   # GB2312 level 1 = common characters
                except UnicodeEncodeError:
                    bad += 1
            elif not ("\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef" or ch in _GOOD_PUNCT):
                bad += 1
        elif enc == "cp1251":
            if not ("\u0410" <= ch <= "\u044f" or ch in "ЁёІіЇїЄєҐґЎў\xa0" or ch in _GOOD_PUNCT):
                bad += 1
        elif not (cat.startswith("L") or ch in _GOOD_PUNCT or ch in "\xa0°²³½¼¾©®§µ¿¡ªº"):
            bad += 1
    if nonascii == 0:
        return 0.0
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        if enc == "cp1251":
            cyr = sum(1 for c in word if "\u0400" <= c <= "\u04ff")
            if cyr < len(word) or any(a.islower() and b.isupper() for a, b in zip(word, word[1:])):
                bad += 1      # Latin+Cyrillic mix or "иВан": not Russian
        elif enc == "cp1252" and len(word) >= 4 and sum(1 for c in word if c >= "\x80") * 2 > len(word):
            bad += len(word)  # "Ïðèâåò": Cyrillic or Chinese bytes read as latin-1
    return bad / nonascii


# --------------------------------------------------------------------------------------------
# Delimited text
# --------------------------------------------------------------------------------------------
DELIMS = (",", ";", "\t", "|")


def line_offset(data: bytes, start: int, lines: int) -> int:
    """Byte offset just after ``lines`` newlines counted from ``start``."""
    pos = start
    for _ in range(lines):
        nxt = data.find(b"\n", pos)
        if nxt < 0:
            return len(data)
        pos = nxt + 1
    return pos


def sniff(sample: str) -> tuple[str, list[tuple[int, list[str]]]]:
    """Choose the delimiter that splits the sample's records most consistently into > 1 field.

    Returns the delimiter (" " means whitespace-aligned) and the sample's records as
    (last physical line number of the record, fields)."""
    best = None
    for rank, delim in enumerate(DELIMS):
        recs = split_records(sample, delim)
        counts = [len(r) for _, r in recs[:100]]
        mode = table_width(counts)
        if mode < 2:
            continue
        start = counts.index(mode)
        tail = counts[start:]
        score = (tail.count(mode) / len(tail) - start / len(counts), mode, -rank)
        if best is None or score > best[0]:
            best = (score, delim, recs)
    if best and best[0][0] >= 0.6:
        return best[1], best[2]
    if _whitespace_aligned([ln for ln in sample.splitlines() if ln.strip()][:100]):
        recs = [(number, raw.split()) for number, raw in enumerate(sample.split("\n"), start=1) if raw.strip()]
        return " ", recs
    if best:
        return best[1], best[2]
    return ",", split_records(sample, ",")


def _whitespace_aligned(lines: list[str]) -> bool:
    """Columns separated by runs of spaces (CDNOW style): same count > 1 on every line, and either
    wide gaps or mostly numbers (so a list of two-word names is not split in two)."""
    splits = [ln.split() for ln in lines]
    if not lines or len({len(f) for f in splits}) != 1 or len(splits[0]) < 2:
        return False
    gaps = sum(1 for ln in lines if re.search(r"\S(?: {2,}|\t)\S", ln) or ln[:1] == " ")
    fields = [f for parts in splits for f in parts]
    return gaps * 2 >= len(lines) or sum(map(_data_like, fields)) * 2 >= len(fields)


def preamble_rows(rows: list[list[str | None]], width: int) -> int:
    """Leading title/note rows above the header: short rows (<= 2 filled cells) in a table >= 3 wide."""
    skip = 0
    while skip < min(10, len(rows) - 1) and width >= 3 and len(rows[skip]) < width \
            and sum(1 for c in rows[skip] if c is not None) <= 2:
        skip += 1
    return skip


def table_width(counts: list[int]) -> int:
    """The table's field count: the most frequent count above 1 (ties: the wider), else 1."""
    wide = Counter(c for c in counts if c > 1)
    return max(wide.items(), key=lambda kv: (kv[1], kv[0]))[0] if wide else 1


def backslash_quoted(sample: str, delim: str) -> bool:
    """True for MySQL/PHP-style CSV that escapes quotes as \\" : chosen only when reading the sample
    that way splits records more consistently than standard CSV (so "C:\\dir\\" paths stay standard)."""
    if '\\"' not in sample:
        return False

    def consistency(escape: bool) -> float:
        counts = [len(r) for _, r in split_records(sample, delim, escape)]
        return counts.count(counts[0]) / len(counts) if counts else 0.0
    return consistency(True) > consistency(False)


def csv_options(delim: str, escape: bool) -> dict:
    """Python csv module options: standard doubled quotes, or backslash escapes."""
    return {"delimiter": delim, "doublequote": not escape, "escapechar": "\\" if escape else None}


def split_records(sample: str, delim: str, escape: bool = False) -> list[tuple[int, list[str]]]:
    reader = csv.reader(_io.StringIO(sample), **csv_options(delim, escape))
    out = []
    try:
        for rec in reader:
            if rec and any(c.strip() for c in rec):
                out.append((reader.line_num, rec))
            if len(out) >= 200:
                break
    except csv.Error:
        pass
    return out


_DATA_LIKE = re.compile(r"[\s(+\-−$€£¥￥₽]*\d[\d\s.,'’:/\-+T Z%年月日)APMapm\u00a0\u202f]*(?:UTC|GMT)?")


def _data_like(cell: str | None) -> bool:
    return cell is not None and bool(_DATA_LIKE.fullmatch(cell.strip()))


def count_header_rows(rows: list[list[str | None]]) -> int:
    """0 (headerless: the first row is data), 1, or 2 (a question row above an option row)."""
    first = rows[0]
    filled = [i for i, c in enumerate(first) if c is not None]
    if filled and all(_data_like(first[i]) for i in filled) and all(
            sum(_data_like(r[i]) for r in rows[1:20] if i < len(r) and r[i] is not None) * 2
            >= sum(1 for r in rows[1:20] if i < len(r) and r[i] is not None) for i in filled):
        return 0                       # the first row looks like the data below it: no header
    if len(rows) < 3:
        return 1
    second = rows[1]
    labels = {(c or "").strip().casefold() for c in second}
    if labels & {"response", "open-ended response"}:
        return 2
    width = min(len(first), len(second))
    fills = sum(1 for i in range(1, width) if first[i] is None and second[i] is not None
                and any(first[j] is not None for j in range(i)))
    if fills == 0 or any(_data_like(c) for c in second if c is not None):
        return 1
    below = [r for r in rows[2:12]]
    typed = any(second[i] is not None and sum(_data_like(r[i]) for r in below if i < len(r)) > len(below) / 2
                for i in range(width))
    return 2 if typed else 1


_DROP_LABELS = {"response", "open-ended response", "responses"}


def merge_header(rows: list[list[str | None]]) -> list[str | None]:
    if len(rows) == 1:
        return [None if c is None else str(c) for c in rows[0]]
    top, sub = rows[0], rows[1]
    width = max(len(top), len(sub))
    top = list(top) + [None] * (width - len(top))
    sub = list(sub) + [None] * (width - len(sub))
    names, current = [], None
    for q, o in zip(top, sub):
        if q is not None:
            current = q.strip()
        elif o is None:
            current = None
        question = q.strip() if q is not None else current
        option = o.strip() if o is not None else None
        if option is None or option.casefold() in _DROP_LABELS:
            names.append(question)
        elif not question:
            names.append(option)
        else:
            names.append(f"{question} - {option}")
    return names
