"""One base for every analysis result: title, definition sentence, summary, table, HTML card, chart.

Result classes (frozen dataclasses in ``cxlib.analyses``) inherit :class:`Result`. How a result is
*shown* (its title, the definition sentence under its figures, its charts, the notebook card) lives
in the presentation layer (``cxlib.present.display``, one view registered per result type). Results
never import the layer that draws them: the package installs that layer here as the *presenter*
(:func:`set_presenter`, called by ``cxlib/__init__.py``), the same inversion
:func:`cxlib.core.messages.set_translator` uses for languages. The presenter is loaded on first use,
so computing a result imports no Altair.

A class's own methods always win over these fallbacks (``summary()``, ``to_frame()``).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from cxlib.core.errors import CxDataError
from cxlib.core.messages import N_, Msg, msg

if TYPE_CHECKING:                    # pragma: no cover - typing only
    import altair as alt
    import pandas as pd

    from cxlib.core.definitions import DefinitionSet


class Presenter(Protocol):
    """What the presentation layer provides for results."""

    def title_of(self, result: object) -> Msg | str: ...

    def definition_of(self, result: object) -> Msg | str: ...

    def chart(self, result: object, kind: str | None = None, *, defs: Any = None, **options) -> Any: ...

    def chart_kinds(self, result: object) -> tuple[str, ...]: ...

    def to_html(self, result: object) -> str: ...


_loader: Callable[[], Presenter] | None = None


def set_presenter(loader: Callable[[], Presenter] | None) -> None:
    """Install the function that returns the presenter (called when a result is first shown)."""
    global _loader
    _loader = loader


def presenter() -> Presenter:
    """The installed presentation layer; a clear error when there is none."""
    if _loader is None:
        raise CxDataError(msg("results cannot be shown: the presentation layer is not installed."),
                          hint=msg("Import the package (import cxlib) before asking for a chart."))
    return _loader()


class Result:
    """Mixin base of result objects: ``title()``, ``definition()``, ``summary()``, ``to_frame()``,
    ``chart()``, ``chart_kinds()`` and the notebook card (``_repr_html_``)."""

    __slots__ = ()

    def title(self) -> Msg | str:
        """What the result is, in a few words (a ``Msg``: the app shows it in the reader's language)."""
        return presenter().title_of(self)

    def definition(self) -> Msg | str:
        """The one-sentence definition shown under the result's figures ("" when none)."""
        return presenter().definition_of(self)

    def summary(self) -> str:
        describe = getattr(self, "describe", None)
        return describe() if callable(describe) else self.title()

    def to_frame(self) -> pd.DataFrame:
        """``field, value`` rows from the scalar entries of ``to_json()``."""
        import pandas as pd
        data = self.to_json() if hasattr(self, "to_json") else {}
        rows = [(k, v) for k, v in data.items() if v is None or isinstance(v, (str, int, float, bool))]
        return pd.DataFrame(rows, columns=[N_("field"), N_("value")])

    def chart(self, kind: str | None = None, *, defs: DefinitionSet | None = None, **options) -> alt.TopLevelMixin:
        """The Altair chart the app shows for this result (``kind``: one of :meth:`chart_kinds`)."""
        return presenter().chart(self, kind, defs=defs, **options)

    def chart_kinds(self) -> tuple[str, ...]:
        """Names accepted by :meth:`chart`, the default first."""
        return presenter().chart_kinds(self)

    def _repr_html_(self) -> str:
        return presenter().to_html(self)


__all__ = ["Presenter", "Result", "presenter", "set_presenter"]
