"""cxlib.core.statuses: stored values stay English keys; their display labels are marked for translation.

(The label tables are tested through conversions in tests/test_schema.py.)
"""
from __future__ import annotations

import pandas as pd
import pytest
from babel.messages.extract import extract_from_file

from cxlib.data import schema
from cxlib.core import statuses
from tests import exports


def _ids() -> set[str]:
    return {m for _, m, _, _ in extract_from_file("python", statuses.__file__,
                                                  keywords={"t": None, "msg": None, "N_": None})}


def test_every_canonical_value_has_a_marked_display_label():
    ids = _ids()
    satisfaction = set(statuses.SATISFACTION_TABLE.values())
    assert set(statuses.ORDER_STATUSES) | {schema.UNKNOWN_STATUS} == set(statuses.STATUS_LABELS)
    assert satisfaction == set(statuses.SATISFACTION_LABELS)
    assert set(statuses.STATUS_LABELS.values()) | set(statuses.SATISFACTION_LABELS.values()) <= ids


def test_display_label_maps_keys_and_leaves_data_alone():
    assert statuses.display_label("in_transit") == "In transit"
    assert statuses.display_label("partially_refunded") == "Partially refunded"
    assert statuses.display_label("unoffered") == "Survey not offered"
    assert statuses.display_label("交易成功") == "交易成功"          # a label from a file is data


# ---------------------------------------------------------------- German, French and Spanish words
LOCAL_WORDS = [(export, lang, word, canonical) for export, langs in exports.LOCAL_EXPORTS.items()
               for lang, spec in langs.items() for word, canonical in spec["statuses"].items()]


@pytest.mark.parametrize("export, lang, word, canonical", LOCAL_WORDS)
def test_shop_system_status_words_in_german_french_spanish(export, lang, word, canonical):
    values, unknown = statuses.map_labels(pd.Series([word, word.upper(), f" {word.lower()} "]),
                                          statuses.ORDER_STATUS_TABLE)
    assert not unknown.any()
    assert list(values) == [canonical] * 3


def test_the_german_shop_list_statuses():
    values, unknown = statuses.map_labels(pd.Series(["bezahlt", "storniert", "erstattet", "Teilweise erstattet"]),
                                          statuses.ORDER_STATUS_TABLE)
    assert list(values) == ["completed", "cancelled", "refunded", "partially_refunded"] and not unknown.any()


@pytest.mark.parametrize("labels", [
    ["Sehr unzufrieden", "Unzufrieden", "Weder zufrieden noch unzufrieden", "Zufrieden", "Sehr zufrieden"],
    ["Très insatisfait", "Insatisfait", "Ni satisfait ni insatisfait", "Satisfait", "Très satisfait"],
    ["Muy insatisfecho", "Insatisfecho", "Ni satisfecho ni insatisfecho", "Satisfecho", "Muy satisfecho"],
])
def test_csat_labels_in_german_french_spanish_run_one_to_five(labels):
    values, unknown = statuses.map_labels(pd.Series(labels), statuses.csat_table(pd.Series(labels)))
    assert list(values) == [1.0, 2.0, 3.0, 4.0, 5.0] and not unknown.any()


@pytest.mark.parametrize("labels", [
    ["Stimme überhaupt nicht zu", "Stimme nicht zu", "Stimme eher nicht zu", "Weder noch", "Stimme eher zu",
     "Stimme zu", "Stimme voll und ganz zu"],
    ["Pas du tout d'accord", "Pas d'accord", "Plutôt pas d'accord", "Ni d'accord ni pas d'accord", "Plutôt d'accord",
     "D'accord", "Tout à fait d'accord"],
    ["Totalmente en desacuerdo", "En desacuerdo", "Algo en desacuerdo", "Ni de acuerdo ni en desacuerdo",
     "Algo de acuerdo", "De acuerdo", "Totalmente de acuerdo"],
])
def test_ces_agreement_labels_in_german_french_spanish_run_one_to_seven(labels):
    values, unknown = statuses.map_labels(pd.Series(labels), statuses.CES_LABELS)
    assert list(values) == [float(i) for i in range(1, 8)] and not unknown.any()


@pytest.mark.parametrize("good, bad", [("Gut", "Schlecht"), ("Bon", "Mauvais"), ("Bueno", "Malo"),
                                       ("Zufrieden", "Unzufrieden"), ("Satisfait", "Insatisfait")])
def test_ticket_ratings_in_german_french_spanish(good, bad):
    values, _ = statuses.map_labels(pd.Series([good, bad]), statuses.SATISFACTION_TABLE)
    assert list(values) == ["good", "bad"]
