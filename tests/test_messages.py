"""cxlib.core.messages: English sentences that remember their template, for the interface to translate."""
from __future__ import annotations

import copy
import json
import pickle
import threading

from hypothesis import given
from hypothesis import strategies as st

from cxlib.core.messages import Msg, N_, localize, msg, set_translator, translate

ZH = {"{n} rows in {file}": "{file} 中有 {n} 行", "file {name}": "文件 {name}", "Orders": "订单"}


def test_msg_is_the_english_text_and_keeps_template_and_values():
    m = msg("{n} rows in {file}", n=3, file="a.csv")
    assert m == "3 rows in a.csv" and isinstance(m, str)
    assert (m.template, m.params) == ("{n} rows in {file}", {"n": 3, "file": "a.csv"})
    assert json.dumps([m]) == '["3 rows in a.csv"]'           # the CLI prints plain English


def test_pickle_and_copy_keep_the_structure_even_with_braces_in_values():
    m = msg("{n} rows in {file}", n=2, file=msg("file {name}", name="x{y}.csv"))
    for back in (pickle.loads(pickle.dumps(m)), copy.deepcopy(m)):
        assert back == m == "2 rows in file x{y}.csv"
        assert back.template == m.template and isinstance(back.params["file"], Msg)


def test_translate_walks_nested_messages_and_plain_labels():
    m = msg("{n} rows in {file}", n=2, file=msg("file {name}", name="x.csv"))
    assert translate(m, lambda s: ZH.get(s, s)) == "文件 x.csv 中有 2 行"
    assert translate(N_("Orders"), lambda s: ZH.get(s, s)) == "订单"
    assert translate("not an id", lambda s: ZH.get(s, s)) == "not an id"


def test_a_broken_translation_falls_back_to_english_instead_of_failing():
    m = msg("{n} rows", n=2)
    assert translate(m, lambda s: "{count} 行") == "2 rows"


def test_localize_is_english_until_a_translator_is_installed_and_per_thread():
    assert localize(msg("file {name}", name="a")) == "file a"
    seen = {}

    def other():
        seen["other"] = localize(N_("Orders"))

    set_translator(lambda s: translate(s, lambda x: ZH.get(x, x)))
    try:
        assert localize(N_("Orders")) == "订单"
        th = threading.Thread(target=other)
        th.start()
        th.join()
        assert seen["other"] == "Orders"          # another session's thread is not affected
    finally:
        set_translator(None)
    assert localize(N_("Orders")) == "Orders"


@given(st.text(), st.integers())
def test_any_value_round_trips(text, n):
    m = msg("{text}: {n:,}", text=text, n=n)
    assert m == f"{text}: {n:,}"
    assert pickle.loads(pickle.dumps(m)).params == {"text": text, "n": n}
