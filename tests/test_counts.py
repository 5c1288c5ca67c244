"""cxlib.data.counts: the rows of an assignment log every analysis keeps, counted once."""
from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import cxlib as cx
from cxlib.data.loader import from_frame
from cxlib.data import counts
from cxlib.analyses import experiment


def _by_pandas(df: pd.DataFrame) -> tuple[int, int, int, int]:
    """(duplicate rows, rows without unit/variant, units in several variants, units kept), plain pandas."""
    present = df.dropna(subset=["unit_id", "variant"])
    deduped = present.drop_duplicates()
    per_unit = deduped.groupby("unit_id")["variant"].nunique()
    return (len(present) - len(deduped), len(df) - len(present), int((per_unit > 1).sum()),
            int((per_unit == 1).sum()))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["u1", "u2", "u3", "u4", None]), st.sampled_from(["A", "B", None]),
                          st.sampled_from([0, 1])), min_size=1, max_size=30))
def test_assignment_rows_agree_with_pandas(rows):
    df = pd.DataFrame(rows, columns=["unit_id", "variant", "converted"])
    kept = counts.assignment_rows(from_frame(df, "experiment").df)
    dups, missing, multi, units = _by_pandas(df)
    assert (int(kept.duplicate.sum()), int(kept.missing.sum()), kept.units_in_multiple_variants, kept.units) == (
        dups, missing, multi, units)


def test_the_sample_log_counts_are_the_readme_ones_and_the_analysis_reads_them():
    ds = cx.load("sample_data/experiment_checkout.csv")
    raw = pd.read_csv("sample_data/experiment_checkout.csv", dtype=str)
    assert (ds.report.rows_in, ds.report.duplicates, ds.report.rows) == (12_016, 6, 11_990)   # README
    assert len(raw) - len(raw.drop_duplicates()) == 6
    res = experiment.analyze(ds)
    assert (res.checks.rows, res.checks.duplicate_rows, res.checks.units) == (12_016, 6, ds.report.rows)
    assert sum(v.users for v in res.variants) == ds.report.rows
    # stated once: by loading; the analysis does not repeat it
    notes = counts.assignment_notes(counts.assignment_rows(ds.df))
    assert all(n in ds.warnings for n in notes) and not any(n in res.warnings for n in notes)


def test_notes_are_empty_when_every_row_counts():
    ds = from_frame(pd.DataFrame({"unit_id": ["a", "b"], "variant": ["A", "B"]}), "experiment")
    assert counts.assignment_notes(counts.assignment_rows(ds.df)) == []
