"""House rules that can be checked mechanically."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_cxlib_never_imports_streamlit():
    for path in (ROOT / "cxlib").rglob("*.py"):
        assert not re.search(r"^\s*(import|from)\s+streamlit", path.read_text(encoding="utf-8"), re.M), path


def test_no_eval_or_pickle_on_data():
    for folder in ("cxlib", "ui", "pages"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"(?<![\w.])eval\(|pickle\.loads?\(|read_pickle\(", text), path


def test_every_page_calls_shell_before_drawing_anything():
    for path in sorted((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"]:
        lines = path.read_text(encoding="utf-8").splitlines()
        at = next((i for i, ln in enumerate(lines) if ln.startswith("ui.shell(")), None)
        assert at is not None, f"{path.name} must call ui.shell() at module level"
        drawn = [ln for ln in lines[:at] if ln.startswith("st.")]
        assert not drawn, f"{path.name} draws before ui.shell(): {drawn}"
        assert "set_page_config" not in "\n".join(lines), f"{path.name}: page config belongs to ui.shell()"
