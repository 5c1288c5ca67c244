"""cxlib.data.recognizers: export names are marked labels (keys that stay English), notes are Msg sentences.

(Recognition of every export is tested in tests/test_schema.py.)
"""
from __future__ import annotations

from babel.messages.extract import extract_from_file

from cxlib.data import recognizers
from cxlib.core.messages import Msg, translate


def test_every_export_name_and_note_is_an_extracted_message_id():
    ids = {m for _, m, _, _ in extract_from_file("python", recognizers.__file__,
                                                 keywords={"t": None, "msg": None, "N_": None})}
    assert set(recognizers.RECOGNIZERS_BY_NAME) <= ids
    notes = [r.note for r in recognizers.RECOGNIZERS_BY_NAME.values() if r.note]
    assert notes and all(isinstance(n, Msg) and n.template in ids for n in notes)


def test_names_stay_plain_english_keys():
    for name, rec in recognizers.RECOGNIZERS_BY_NAME.items():
        assert type(rec.name) is str and rec.name == name


def test_display_name_lets_a_sentence_translate_a_known_export_only():
    shown = recognizers.display_name("Ozon seller postings report")
    assert isinstance(shown, Msg) and shown.template == "Ozon seller postings report"
    assert translate(shown, {"Ozon seller postings report": "отчёт Ozon"}.get) == "отчёт Ozon"
    assert not isinstance(recognizers.display_name("my_file.csv"), Msg)
