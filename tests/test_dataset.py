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
