"""Text from files is shown literally: esc() survives a CommonMark renderer unchanged."""
import html
import re

from hypothesis import given, settings, strategies as st
from markdown_it import MarkdownIt

from ui.text import ZWSP, esc

MD = MarkdownIt("commonmark")


def rendered_text(markdown: str) -> str:
    out = MD.render(markdown)
    assert "<script" not in out and "<a " not in out and "<strong>" not in out and "<em>" not in out
    return html.unescape(re.sub(r"<[^>]+>", "", out)).strip().replace(ZWSP, "")


def test_script_and_markdown_are_shown_literally():
    for s in ["<script>alert(1)</script>", "**bold** _it_", "[x](http://evil)", "# title", "=HYPERLINK(\"x\")",
              ":red[alarm] :smile:", "1. not a list", "a | b", "orders >= 2 -> x <= 3"]:
        assert rendered_text(esc(s)) == s


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40))
def test_any_single_line_text_round_trips(s):
    s = " ".join(s.replace(ZWSP, "").split())   # markdown folds whitespace; compare on normalized spacing
    assert rendered_text(esc(s)) == s


def test_typographic_pairs_are_broken_up():
    assert "\u2265" not in esc(">=")                           # Streamlit would render >= as a symbol
    assert esc("a >= 2").replace("\\", "").replace(ZWSP, "") == "a >= 2"
    assert ZWSP in esc("->") and ZWSP in esc("<=") and ZWSP in esc("~=")
