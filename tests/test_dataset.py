"""cxlib.data.dataset: column issues and report warnings are translatable sentences (Msg)."""
from __future__ import annotations

from cxlib.data.dataset import ColumnIssue, Report
from cxlib.core.messages import N_, Msg, msg, translate


def test_issue_sentence_without_examples_is_one_template_with_the_phrases_as_messages():
    issue = ColumnIssue("amount", "Сумма", N_("not numbers"), 3)
    s = issue.sentence()
    assert s == "3 cell(s) in column 'Сумма' (amount) are not numbers and were left empty."
    assert isinstance(s, Msg)
    assert s.template == "{count} cell(s) in column '{source}' ({column}) are {problem} and {action}."
    assert s.params["count"] == 3 and s.params["source"] == "Сумма" and s.params["column"] == "amount"
    assert isinstance(s.params["problem"], Msg) and s.params["problem"].template == "not numbers"
    assert isinstance(s.params["action"], Msg) and s.params["action"].template == "were left empty"


def test_issue_sentence_with_examples_lists_them_as_data_in_a_whole_template():
    issue = ColumnIssue("status", "Статус", msg("order statuses we do not know"), 12,
                        ((5, "abc"), (9, "x'y"), (11, "z"), (14, "more")), action=N_("are not counted as valid orders"))
    s = issue.sentence()
    assert s == ("12 cell(s) in column 'Статус' (status) are order statuses we do not know and are not counted as "
                 "valid orders (e.g. row 5: 'abc', row 9: \"x'y\", row 11: 'z').")
    assert s.template.endswith("(e.g. {examples}).")
    examples = s.params["examples"]
    assert examples.template == "{first}, {second}, {third}"
    assert examples.params["first"].template == "row {row}: {value}"
    assert examples.params["first"].params == {"row": 5, "value": "'abc'"}
    one = ColumnIssue("amount", "sum", N_("not numbers"), 1, ((7, "n/a?"),)).sentence()
    assert one.params["examples"].template == "row {row}: {value}"
    two = ColumnIssue("amount", "sum", N_("not numbers"), 2, ((7, "a"), (8, "b"))).sentence()
    assert two.params["examples"].template == "{first}, {second}" and two.endswith("(e.g. row 7: 'a', row 8: 'b').")


def test_issue_sentence_translates_as_a_whole_and_keeps_the_file_text():
    ru = {"{count} cell(s) in column '{source}' ({column}) are {problem} and {action} (e.g. {examples}).":
          "В столбце «{source}» ({column}) ячеек: {count} — {problem}; они {action} (например, {examples}).",
          "not numbers": "не числа", "were left empty": "оставлены пустыми", "row {row}: {value}": "строка {row}: {value}"}
    s = ColumnIssue("amount", "Сумма", N_("not numbers"), 3, ((4, "abc"),)).sentence()
    assert translate(s, lambda t: ru.get(t, t)) == ("В столбце «Сумма» (amount) ячеек: 3 — не числа; они оставлены "
                                                    "пустыми (например, строка 4: 'abc').")


def test_report_warnings_keep_messages_and_add_issue_sentences():
    note = msg("Skipped {count} line(s) above the table header (titles or notes).", count=2)
    report = Report(warnings=(note,), issues=(ColumnIssue("amount", "sum", "not numbers", 1),))
    warnings = report.all_warnings()
    assert warnings[0] is note
    assert all(isinstance(w, Msg) for w in warnings)
    # a report read back from JSON has plain strings: still a sentence, phrases looked up by their text
    assert warnings[1].params["problem"].template == "not numbers"


def test_distinct_values_and_counts_are_the_same_on_the_engine_and_make_no_copy(tmp_path):
    import numpy as np
    import pandas as pd

    from cxlib.data.dataset import Dataset
    from cxlib.data.loader import from_frame
    frame = pd.DataFrame({"order_id": [f"o{i}" for i in range(8)], "customer_id": list("aabbccdd"),
                          "ordered_at": pd.date_range("2024-01-01", periods=8, tz="UTC"),
                          "amount": [1.0, np.nan, 2.0, 2.0, np.nan, 3.0, 1.0, 1.0],
                          "currency": ["usd", "USD", None, "USD", "usd", None, "USD", "usd"],
                          "channel": ["web"] * 8})
    ds = from_frame(frame, "orders")
    path = tmp_path / "orders.parquet"
    ds.df.to_parquet(path)
    kept = Dataset(ds.name, "orders", None, ds.mapping, ds.report, ds.content_hash, parquet=str(path))
    cols = ["customer_id", "amount", "currency", "channel", "nowhere"]
    want = {c: int(ds.df[c].nunique()) for c in cols[:-1]}
    assert kept.distinct_counts(cols) == ds.distinct_counts(cols) == want == {
        "customer_id": 4, "amount": 3, "currency": 2, "channel": 1}
    assert sorted(kept.distinct("currency")) == sorted(ds.distinct("currency")) == ["USD", "usd"]
    assert len(kept.distinct("customer_id", limit=2)) == 2
    assert kept.time_range("ordered_at") == ds.time_range("ordered_at")
    assert kept.on_engine                                  # no pandas copy of the table was made


def test_a_canonical_file_removed_by_the_cache_s_pruning_is_a_sentence_to_show_and_use_keeps_it(tmp_path):
    """A session open while the cache folder's pruning removed its file: every way in (the engine table, pandas, the
    columns, the first rows) says so as a CxDataError naming the file, not a missing-file error from DuckDB. While
    the file is there, each use marks it as recently used, so the pruning (oldest first) spares it."""
    import os

    import pandas as pd
    import pytest

    from cxlib.core.errors import CxDataError
    from cxlib.data.dataset import Dataset
    from cxlib.data.loader import from_frame
    ds = from_frame(pd.DataFrame({"user_id": ["a", "b"], "event": ["page_view", "purchase"],
                                  "timestamp": pd.to_datetime(["2026-01-01", "2026-01-02"], utc=True)}), "events")
    path = tmp_path / "events.parquet"
    ds.df.to_parquet(path)
    kept = Dataset("My events.csv", "events", None, ds.mapping, ds.report, ds.content_hash, parquet=str(path))
    os.utime(path, (1_700_000_000, 1_700_000_000))
    assert kept.columns == ["user_id", "event", "timestamp"]
    assert os.path.getmtime(path) > 1_700_000_000                  # used now
    path.unlink()
    for use in (lambda: kept.engine_table(), lambda: kept.df, lambda: kept.columns, lambda: kept.head(5)):
        with pytest.raises(CxDataError, match="removed from the cache folder") as err:
            use()
        assert err.value.file == "My events.csv" and "Load the file again" in str(err.value.hint)


def test_the_most_common_value_is_the_same_on_the_engine_and_in_pandas(tmp_path):
    """Ties go to the smallest value, as ``Series.mode`` orders them; a column with no value gives None."""
    import pandas as pd

    from cxlib.data.dataset import Dataset
    from cxlib.data.loader import from_frame
    frame = pd.DataFrame({"order_id": [f"o{i}" for i in range(7)], "customer_id": list("abcdefg"),
                          "ordered_at": pd.date_range("2024-01-01", periods=7, tz="UTC"), "amount": [1.0] * 7,
                          "currency": ["USD", "EUR", None, "EUR", "USD", "GBP", None],
                          "channel": [None] * 7})
    ds = from_frame(frame, "orders")
    path = tmp_path / "orders.parquet"
    ds.df.to_parquet(path)
    kept = Dataset(ds.name, "orders", None, ds.mapping, ds.report, ds.content_hash, parquet=str(path))
    assert kept.most_common("currency") == ds.most_common("currency") == "EUR"
    assert kept.most_common("channel") is ds.most_common("channel") is None
    assert kept.on_engine
