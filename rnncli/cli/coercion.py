"""Option values without pydantic: typer 0.29's coercion, for the values it would pass as is.

typer 0.29 turns every non-bool option value into its annotated type through a pydantic
``TypeAdapter``. Importing pydantic for that costs about 65 ms at every start, a third of a warm
``rnncli glove vector``. rnncli's options are plain ``str``, ``int`` and ``float`` (with
``min``/``max``), ``Path``, ``list[str]`` and ``Enum`` choices, for which the value click hands
over is already right or one obvious conversion away. :func:`install` gives each such parameter a
converter that answers for the values it can vouch for and hands every other value to typer's
own coercion, built only then; typer's verdict stands, in rnncli's words for numbers and choices
(``'abc' is not a whole number.`` rather than pydantic's).

typer offers no public hook for this (even ``parser=`` goes through pydantic), so the converter
sits in a private one: ``typer._coercion.build_runtime_param`` and a parameter's
``_runtime_param``. It is used only for the typer releases in :data:`TESTED_TYPER`, where
tests/test_typer_versions.py installs the oldest and the newest and runs the CLI; any other typer
(older ones use click's types and no pydantic; newer ones may have moved the hook) runs as typer
alone would, slower by the pydantic import but never broken, and so does any error while
installing.

The contract, tested with hypothesis against typer itself: a value is accepted exactly when typer
accepts it, and becomes the same value of the same type.
"""

from __future__ import annotations

import math
import os
import re
import stat
from enum import Enum
from pathlib import Path
from typing import Any, Callable, get_args, get_origin

#: typer releases whose private coercion hook :func:`install` uses: [first, last).
TESTED_TYPER = ((0, 29), (0, 30))

UNSURE: Any = object()
"""What a converter returns when typer's own coercion has to decide (and word any error)."""

Converter = Callable[[Any, Any], Any]  # (value, click context) -> value or UNSURE

_PLAIN_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")  # ASCII digits, no sign games, < 2**63
_PLAIN_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})(?:\.[0-9]{1,17})?")  # 0.25, not 1e-3 or nan


def _convert_bool(value: Any, ctx: Any) -> Any:
    return value if type(value) is bool else UNSURE


def _convert_str(value: Any, ctx: Any) -> Any:
    return value if type(value) is str else UNSURE


def _number_converter(kind: type, plain: re.Pattern[str], info: Any) -> Converter | None:
    """``int`` or ``float``: a plain decimal string or a value of the type, within min..max."""
    if info.clamp:
        return None
    low, high = info.min, info.max

    def convert(value: Any, ctx: Any) -> Any:
        if type(value) is str and plain.fullmatch(value):
            value = kind(value)  # float(): correctly rounded, as pydantic's parser
        elif type(value) is not kind or (kind is float and not math.isfinite(value)):
            return UNSURE
        if (low is not None and value < low) or (high is not None and value > high):
            return UNSURE
        return value

    return convert


def _path_converter(info: Any) -> Converter | None:
    if info.resolve_path or info.allow_dash or info.path_type not in (None, Path):
        return None

    def convert(value: Any, ctx: Any) -> Any:
        if type(value) is not str or not value or "\0" in value:
            return UNSURE
        path = Path(value)
        try:
            mode = os.stat(path).st_mode
        except OSError:
            return UNSURE if info.exists else path
        if (not info.file_okay and stat.S_ISREG(mode)) or (
            not info.dir_okay and stat.S_ISDIR(mode)
        ):
            return UNSURE
        if (info.readable and not os.access(path, os.R_OK)) or (
            info.writable and not os.access(path, os.W_OK)
        ):
            return UNSURE
        return path

    return convert


def _enum_converter(annotation: type[Enum], info: Any) -> Converter:
    members = list(annotation)
    fold = (lambda s: s) if info.case_sensitive else str.casefold

    def convert(value: Any, ctx: Any) -> Any:
        if isinstance(value, annotation):
            return value
        if type(value) is not str or getattr(ctx, "token_normalize_func", None) is not None:
            return UNSURE
        wanted = fold(value)
        for member in members:  # the first match, as typer's choice coercion
            if fold(str(member.value)) == wanted:
                return member
        return UNSURE

    return convert


def _str_list_converter(value: Any, ctx: Any) -> Any:
    if isinstance(value, (list, tuple)) and all(type(item) is str for item in value):
        return list(value)
    return UNSURE


def explain_rejection(annotation: Any, info: Any, value: Any) -> str | None:
    """rnncli's wording for a value typer rejected, where typer's (pydantic's) is opaque."""
    if annotation in (int, float):
        try:
            number = annotation(value)  # int(" 5"), float("1e3"): what a user would mean
        except (TypeError, ValueError):
            kind = "a whole number" if annotation is int else "a number"
            return f"{value!r} is not {kind}."
        if info.min is not None and number < info.min:  # worded as rnncli's own checks are
            if annotation is int and info.min == 1:
                return f"must be a positive integer, got {value}."
            return f"must be at least {info.min}, got {value}."
        if info.max is not None and number > info.max:
            return f"must be at most {info.max}, got {value}."
        return None
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        names = ", ".join(str(member.value) for member in annotation)
        return f"{value!r} is not one of: {names}."
    return None


def converter_for(annotation: Any, info: Any) -> Converter | None:
    """The converter for a parameter of this annotation and typer ``ParameterInfo``, if any."""
    if getattr(info, "parser", None) is not None or getattr(info, "click_type", None) is not None:
        return None
    if annotation is bool:  # flags typer skips anyway; others (--help) start out None
        return _convert_bool
    if annotation is str:
        return _convert_str
    if annotation is int:
        return _number_converter(int, _PLAIN_INT, info)
    if annotation is float:
        return _number_converter(float, _PLAIN_FLOAT, info)
    if annotation is Path:
        return _path_converter(info)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _enum_converter(annotation, info)
    if get_origin(annotation) is list and get_args(annotation) == (str,):
        return _str_list_converter
    return None


class FastRuntimeParam:
    """Stands in for typer's ``RuntimeParam``: converts, or defers to typer's own coercion.

    When typer rejects a value, the error keeps typer's form (``Invalid value for '--k': ...``)
    with rnncli's wording where :func:`explain_rejection` has one.
    """

    def __init__(
        self,
        convert: Converter,
        typer_runtime: Callable[[], Any],
        explain: Callable[[Any], str | None] = lambda value: None,
    ) -> None:
        self._convert = convert
        self._typer_runtime = typer_runtime
        self._explain = explain
        self._typer_param: Any = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None:  # typer's rule, before any adapter: nothing given
            return () if (param.multiple or param.nargs == -1) else None
        try:
            result = self._convert(value, ctx)
        except Exception:  # a typer whose internals moved on: let typer itself answer
            result = UNSURE
        if result is not UNSURE:
            return result
        if self._typer_param is None:
            self._typer_param = self._typer_runtime()
        from typer import BadParameter

        try:
            return self._typer_param.coerce(value, param=param, ctx=ctx)
        except BadParameter as exc:
            message = self._explain(value)
            if message is None:
                raise
            raise BadParameter(message, ctx=exc.ctx, param=exc.param) from None


def typer_version() -> tuple[int, ...]:
    """typer's ``(major, minor, patch)``, from ``typer.__version__`` (free) or its metadata."""
    import typer

    text = getattr(typer, "__version__", None)
    if not isinstance(text, str):
        from importlib.metadata import version

        text = version("typer")
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if match is None:
        return ()
    return tuple(int(part or 0) for part in match.groups())


def hook_supported(version: tuple[int, ...] | None = None) -> bool:
    """Whether this typer is one whose private coercion hook rnncli has tested."""
    low, high = TESTED_TYPER
    version = typer_version() if version is None else version
    return bool(version) and low <= version < high


def install(command: Any) -> int:
    """Give the parameters of ``command`` and its subcommands the fast coercion; how many got it.

    Also wraps each command's ``get_help_option``: click builds ``--help`` only when parsing, and
    typer coerces its unset value too. Does nothing outside :data:`TESTED_TYPER`, and nothing
    more once anything goes wrong: a parameter without the converter is coerced by typer itself.
    """
    try:
        if not hook_supported():
            return 0
        from typer._coercion import build_runtime_param

        return _install(command, build_runtime_param)
    except Exception:  # a typer that moved its internals: it works alone, only slower
        return 0


def _install(command: Any, build_runtime_param: Callable[[Any], Any]) -> int:
    def give(param: Any) -> int:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "_runtime_param", UNSURE) is not None:
            return 0
        convert = converter_for(descriptor.annotation, descriptor.parameter_info)
        if convert is None:
            return 0
        annotation, info = descriptor.annotation, descriptor.parameter_info
        param._runtime_param = FastRuntimeParam(
            convert,
            lambda: build_runtime_param(descriptor),
            lambda value: explain_rejection(annotation, info, value),
        )
        return 1

    def visit(command: Any) -> int:
        count = sum(give(param) for param in command.params)
        if not getattr(command, "_rnncli_help_wrapped", False):  # main() may run twice
            command._rnncli_help_wrapped = True
            _wrap_help_option(command, give)
        return count + sum(visit(sub) for sub in getattr(command, "commands", {}).values())

    return visit(command)


def _wrap_help_option(command: Any, give: Callable[[Any], int]) -> None:
    build_help_option = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = build_help_option(ctx)
        if option is not None:
            give(option)
        return option

    command.get_help_option = get_help_option
