"""A report dataclass as the plain dict its JSON is written from.

``dataclasses.asdict`` would do, but it deep-copies every value through a recursive Python call
(a vocabulary's million tokens one by one) and turns a nested report into its raw fields, skipping
the ``to_dict`` that adds its computed keys (a layer's ``macs``). :func:`fields_dict` walks the
fields the same way, in declaration order, with those two differences, and gives lists where the
dataclass holds tuples, as ``json.loads`` would read them back.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import fields, is_dataclass
from typing import Any

_SCALARS = (str, int, float, bool, type(None))


def fields_dict(report: Any, omit: Collection[str] = ()) -> dict[str, Any]:
    """The dataclass ``report``'s fields by name, in order, less ``omit``, as JSON-able values."""
    return {f.name: plain(getattr(report, f.name)) for f in fields(report) if f.name not in omit}


def plain(value: Any) -> Any:
    """``value`` as JSON-able data: a nested report through its own ``to_dict``, tuples as lists.

    Lists and dicts are copied, so editing the result never edits the report.
    """
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, (list, tuple)):
        return [v if isinstance(v, _SCALARS) else plain(v) for v in value]
    if isinstance(value, dict):
        return {k: v if isinstance(v, _SCALARS) else plain(v) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        to_dict = getattr(value, "to_dict", None)
        return to_dict() if to_dict is not None else fields_dict(value)
    return value
