"""A report dataclass as the plain dict its JSON is written from.

``dataclasses.asdict`` would do, but it deep-copies every value through a recursive Python call
(a vocabulary's million tokens one by one) and turns a nested report into its raw fields, skipping
the ``to_dict`` that adds its computed keys (a layer's ``macs``). :func:`fields_dict` walks the
fields the same way, in declaration order, with those two differences, and gives lists where the
dataclass holds tuples, as ``json.loads`` would read them back.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import fields, is_dataclass
from typing import Any, Optional

_SCALARS = (str, int, float, bool, type(None))


def fields_dict(
    report: Any,
    omit: Collection[str] = (),
    *,
    values: Optional[Mapping[str, Any]] = None,
    rename: Optional[Mapping[str, str]] = None,
    after: Optional[Mapping[str, Mapping[str, Any]]] = None,
) -> dict[str, Any]:
    """The dataclass ``report``'s fields by name, in order, less ``omit``, as JSON-able values.

    The few overrides a report's JSON needs, so that it never lists its fields by hand:
    ``values`` gives a field a computed value in its place (a rounded number); ``rename`` maps a
    field to the JSON key scripts read; ``after`` places extra keys right after a field. Omitted
    fields are never read, so a large matrix costs nothing.
    """
    values, rename, after = values or {}, rename or {}, after or {}
    out: dict[str, Any] = {}
    for f in fields(report):
        if f.name in omit:
            continue
        value = values[f.name] if f.name in values else plain(getattr(report, f.name))
        out[rename.get(f.name, f.name)] = value
        out.update(after.get(f.name, {}))
    return out


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
