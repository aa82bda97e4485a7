"""Entity ↔ row conversion generated from the table's columns and the entity's fields.

A column whose name is a field of the entity is copied as it is (enums as their values,
and back into their enum; bytes from any buffer the driver hands back); only the
conversions that are real are written by hand. Mismatches fail at import, not at run
time: every column must be written and every field read."""

from __future__ import annotations

import dataclasses
import operator
import types
import typing
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, Generic, TypeVar

from sqlalchemy import Table

E = TypeVar("E")
Row = Mapping[Any, Any]  # a RowMapping: keyed by column name


class RowMapper(Generic[E]):
    def __init__(
        self,
        entity: type[E],
        table: Table,
        *,
        to_columns: Mapping[str, Callable[[E], Any]] | None = None,
        from_row: Mapping[str, Callable[[Row], Any]] | None = None,
        supplied: tuple[str, ...] = (),
    ) -> None:
        """`to_columns`: column → its value from the entity, for columns that are not a
        field; `from_row`: field → its value from the row, for fields that are not a column;
        `supplied`: columns and fields the caller gives (a refund's payment_id, a payment's
        refunds)."""
        self._entity = entity
        self._to_columns = dict(to_columns or {})
        self._from_row = dict(from_row or {})
        hints = typing.get_type_hints(entity)
        fields = {f.name: f for f in dataclasses.fields(entity)}  # type: ignore[arg-type]
        columns = set(table.columns.keys())
        self._plain = sorted((columns & fields.keys()) - self._to_columns.keys())
        self._readers = {name: _reader(hints[name]) for name in self._plain}
        # One C-level read of every plain field; enums then become their values.
        self._plain_values = values_of(self._plain)
        self._enums = tuple(name for name in self._plain if _enum(hints[name]) is not None)
        unwritten = columns - set(self._plain) - self._to_columns.keys() - set(supplied)
        required = {
            name for name, f in fields.items()
            if f.init and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        }  # fmt: skip
        unread = required - set(self._plain) - self._from_row.keys() - set(supplied)
        if unwritten or unread:
            raise TypeError(
                f"{entity.__name__} ↔ {table.name}: columns never written {sorted(unwritten)}, "
                f"fields never read {sorted(unread)}"
            )

    def to_row(self, entity: E, **supplied: Any) -> dict[str, Any]:
        row = dict(zip(self._plain, self._plain_values(entity), strict=True))
        for name in self._enums:  # drivers want `str`, not a subclass
            if (value := row[name]) is not None:
                row[name] = value._value_  # `.value` is a descriptor, several times slower
        row.update({name: value(entity) for name, value in self._to_columns.items()})
        row.update(supplied)
        return row

    def from_row(self, row: Row, **supplied: Any) -> E:
        values = {name: read(row[name]) for name, read in self._readers.items()}
        values.update({name: value(row) for name, value in self._from_row.items()})
        values.update(supplied)
        return self._entity(**values)


def values_of(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """The values of `names` of an object, as a tuple, however many they are."""
    if len(names) == 1:
        one = operator.attrgetter(names[0])
        return lambda entity: (one(entity),)
    if not names:
        return lambda _: ()
    return operator.attrgetter(*names)


def _kind(hint: Any) -> Any:
    """The one type a field holds, None aside (None when it may hold several)."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    kinds = [t for t in options if t is not type(None)]
    return kinds[0] if len(kinds) == 1 else None


def _enum(hint: Any) -> type[Enum] | None:
    kind = _kind(hint)
    return kind if isinstance(kind, type) and issubclass(kind, Enum) else None


def _reader(hint: Any) -> Callable[[Any], Any]:
    """How a column's value becomes the field's type: enums and bytes need a hand."""
    if (enum := _enum(hint)) is not None:
        return lambda value: None if value is None else enum(value)
    if _kind(hint) is bytes:
        return lambda value: None if value is None else bytes(value)
    return _same


def _same(value: Any) -> Any:
    return value
