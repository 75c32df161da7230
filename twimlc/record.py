"""Value classes without :mod:`dataclasses`: the base of twimlc's data types.

A :class:`Record` subclass lists its fields in ``_fields`` (the ``__init__`` order) and
gets what a frozen dataclass would give it: ``==`` and ``hash`` over the fields (or over
``_compared``), a dataclass-style ``repr`` (of ``_shown``), and :meth:`Record.replace`
(``dataclasses.replace``; also ``copy.replace`` on Python 3.13+). Records are immutable
by convention: slotted, no setters, nothing assigns to one after building it (a change
builds a new one with ``replace``).

Why not dataclasses: importing :mod:`dataclasses` imports :mod:`inspect` (with ``ast``,
``dis`` and ``tokenize``), and every decorated class compiles its methods at import; for
``twimlc check one.twl`` that was about a fifth of its start-up (see the README's
performance notes).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name)
if TYPE_CHECKING:
    from typing import Any, TypeVar

    R = TypeVar("R", bound="Record")


class Record:
    """``_fields`` in ``__init__`` order; ``==`` and ``hash`` over ``_compared`` (all fields
    unless a class says otherwise), ``repr`` of ``_shown`` (likewise)."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()
    _compared: tuple[str, ...] | None = None  # None: all of _fields
    _shown: tuple[str, ...] | None = None  # None: all of _fields

    def _key(self) -> tuple[object, ...]:
        return tuple(getattr(self, f) for f in (self._fields if self._compared is None else self._compared))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        shown = self._fields if self._shown is None else self._shown
        return f"{type(self).__qualname__}({', '.join(f'{f}={getattr(self, f)!r}' for f in shown)})"

    def replace(self: R, **changes: object) -> R:
        """A copy with ``changes`` (field names), as ``dataclasses.replace`` makes one; an
        unknown name is a ``TypeError``."""
        values: dict[str, object] = {f: getattr(self, f) for f in self._fields}
        values.update(changes)
        cls: Any = type(self)
        built: R = cls(**values)
        return built

    __replace__ = replace
