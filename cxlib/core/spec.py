"""One base for every spec and definition: a frozen dataclass that reads and writes JSON strictly.

A spec says what to compute (a funnel's steps, an RFM date, a metric definition). Subclasses are
``@dataclass(frozen=True)`` classes deriving from :class:`Spec`; their defaults are written once, as
the dataclass field defaults, and :meth:`Spec.from_json` fills whatever a JSON object leaves out.

- Unknown keys are an error that names them and the allowed ones (a typo such as ``"alpah"`` never
  silently keeps the default); a missing required key is an error that names it.
- Lists become tuples (specs are hashable and compare equal after a round trip); nested specs are
  read by their own class: annotate the field with the class (``exclude: Step | None``) or a tuple
  of it (``steps: tuple[Step, ...]``).
- ``_aliases`` maps older or friendlier key names to fields; ``_read`` may convert a key's value
  (e.g. ``"7d"`` to seconds) before the dataclass checks it in ``__post_init__``.

Examples
--------
>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Window(Spec):
...     days: int = 7
...     events: tuple[str, ...] = ("purchase",)
>>> Window.from_json({"days": 30}).to_json()
{'days': 30, 'events': ['purchase']}
>>> Window.from_json({"dayz": 30})
Traceback (most recent call last):
...
cxlib.core.errors.CxDataError: invalid settings: unknown key(s) dayz in Window. Did you mean days? Known keys: days, events.
>>> Window.from_json({"days": 30}).replace(days=7) == Window()
True
"""
from __future__ import annotations

import dataclasses
import difflib
import types
from datetime import date
import typing
from collections.abc import Mapping
from typing import ClassVar

from cxlib.core.errors import CxDataError
from cxlib.core.messages import Msg, msg


def _bad(problem: Msg, hint: Msg | None = None) -> CxDataError:
    # TRANSLATORS: {problem} is a whole clause saying what is wrong with saved settings (translated on its own)
    return CxDataError(msg("invalid settings: {problem}.", problem=problem), hint=hint)


class Spec:
    """Base of specs and definitions: ``to_json``, a strict ``from_json``, ``describe`` and ``replace``."""

    __slots__ = ()
    _aliases: ClassVar[dict[str, str]] = {}

    @staticmethod
    def _invalid(problem: Msg, hint: Msg | None = None) -> CxDataError:
        """The error raised for a bad JSON object (definitions say "invalid definition: ...")."""
        return _bad(problem, hint)

    # -- JSON ---------------------------------------------------------------------------------
    def to_json(self) -> dict:
        """A JSON-safe dict of every field (tuples as lists, nested specs as their own JSON)."""
        return {f.name: _dump(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_json(cls, obj: Mapping | None):
        """Read a spec from its JSON object; missing keys take the defaults, unknown keys are refused."""
        if obj is None:
            obj = {}
        if not isinstance(obj, Mapping):
            raise cls._invalid(msg("{spec} must be a JSON object, got {type}", spec=cls.__name__, type=type(obj).__name__))
        fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
        body = {cls._aliases.get(k, k): v for k, v in obj.items()}
        unknown = sorted(set(body) - set(fields), key=str)
        if unknown:
            raise cls._invalid(msg("unknown key(s) {keys} in {spec}", keys=", ".join(map(str, unknown)),
                                   spec=cls.__name__), hint=_known_keys(unknown, fields))
        required = [name for name, f in fields.items() if name not in body
                    and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
        if required:
            raise cls._invalid(msg("{spec} needs {keys}", spec=cls.__name__, keys=", ".join(required)),
                               hint=msg("Known keys: {keys}.", keys=", ".join(sorted(fields))))
        hints = _hints(cls)
        kwargs = {}
        for name, value in body.items():
            value = cls._read(name, value)
            kwargs[name] = _load(hints.get(name), value)
        try:
            return cls(**kwargs)
        except (TypeError, ValueError) as err:     # Python's own wording about the arguments, kept as it is
            if isinstance(err, CxDataError):
                raise
            # TRANSLATORS: {spec} is a settings group's name in the file (e.g. FunnelSpec), {error} the problem found
            raise cls._invalid(msg("{spec}: {error}", spec=cls.__name__, error=str(err))) from None

    @classmethod
    def from_value(cls, value: object):
        """Read a nested spec: its JSON object (subclasses may also accept a short form, e.g. a string)."""
        return cls.from_json(value)

    @classmethod
    def _read(cls, name: str, value: object) -> object:
        """Hook: convert one JSON value before the dataclass is built (default: as is)."""
        return value

    # -- the rest -------------------------------------------------------------------------------
    def describe(self) -> Msg | str:
        """The definition sentence shown next to every figure computed with this spec."""
        return type(self).__name__

    def replace(self, **changes):
        """A copy with some fields changed (checked again by ``__post_init__``)."""
        return dataclasses.replace(self, **changes)


def _known_keys(unknown: list, fields) -> Msg:
    """The hint under an unknown key: the closest known key when there is one, then every known key."""
    known = ", ".join(sorted(fields))
    close = [m for k in unknown for m in difflib.get_close_matches(str(k), list(fields), n=1, cutoff=0.5)]
    if close:
        # TRANSLATORS: {close} is a settings key close to a misspelt one; {keys} lists every key (JSON names)
        return msg("Did you mean {close}? Known keys: {keys}.", close=", ".join(dict.fromkeys(close)), keys=known)
    return msg("Known keys: {keys}.", keys=known)


def _hints(cls: type) -> dict:
    try:
        return typing.get_type_hints(cls)
    except (NameError, TypeError):          # an annotation that names a type only imported for checkers
        return {}


def _dump(value: object) -> object:
    if isinstance(value, Spec):
        return value.to_json()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_dump(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _dump(v) for k, v in value.items()}
    return value


def _spec_class(hint) -> type | None:
    return hint if isinstance(hint, type) and issubclass(hint, Spec) else None


def _load(hint, value: object) -> object:
    """Convert a JSON value to the field's type: nested specs, tuples (also of specs), else as is."""
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            if arg is not type(None) and (_spec_class(arg) or typing.get_origin(arg) is tuple or arg is date):
                return _load(arg, value)
        return _tuples(value)
    if hint is date and not isinstance(value, date):
        return _day(value) if value != "" else None
    if (spec := _spec_class(hint)) is not None:
        return value if isinstance(value, spec) else spec.from_value(value)
    if origin is tuple and isinstance(value, (list, tuple)):
        args = typing.get_args(hint)
        item = _spec_class(args[0]) if args else None
        if item is not None:
            return tuple(v if isinstance(v, item) else item.from_value(v) for v in value)
        return tuple(_tuples(v) for v in value)
    return _tuples(value)


def _day(value: object) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CxDataError(msg("the analysis date {value} is not a date.", value=repr(value)),
                          hint=msg("Write it as YYYY-MM-DD, e.g. 2024-06-30.")) from None


def _tuples(value: object) -> object:
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


__all__ = ["Spec"]
