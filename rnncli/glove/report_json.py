"""The JSON of the GloVe reports: ``dataclasses.asdict`` plus the few overrides each needs.

Each report's ``to_dict`` names only what differs from its fields (a rounded number, a derived
count, a field that is an input rather than a result), so a new field reaches the JSON without
a second list of names to keep in step. The key order is the fields' order, with derived keys
placed where the JSON has always had them: ``--json`` output stays byte for byte the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, replace
from typing import Any, Optional


def report_json(
    report: Any,
    *,
    omit: Iterable[str] = (),
    rename: Optional[Mapping[str, str]] = None,
    values: Optional[Mapping[str, Any]] = None,
    after: Optional[Mapping[str, Mapping[str, Any]]] = None,
) -> dict[str, Any]:
    """``asdict(report)`` with overrides, for a report dataclass.

    ``omit``: fields left out (never copied: a large matrix costs nothing); ``values``: new
    values for fields, in their place; ``rename``: field -> JSON key; ``after``: field ->
    extra keys placed right after it.
    """
    omit = tuple(omit)
    data = asdict(replace(report, **dict.fromkeys(omit))) if omit else asdict(report)
    rename = rename or {}
    values = values or {}
    after = after or {}
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in omit:
            continue
        out[rename.get(key, key)] = values.get(key, value)
        out.update(after.get(key, {}))
    return out
