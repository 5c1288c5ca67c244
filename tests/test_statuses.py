"""cxlib.statuses: stored values stay English keys; their display labels are marked for translation.

(The label tables are tested through conversions in tests/test_schema.py.)
"""
from __future__ import annotations

from babel.messages.extract import extract_from_file

from cxlib import schema, statuses


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
