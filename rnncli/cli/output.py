"""Every command's output: one JSON object, or a renderer's tables, on this run's streams.

The :class:`~rnncli.terminal.Environment` of a run is built once, from the process, by the root
command (``rnncli.cli.app``) and handed down in the click context; a test passes its own with
``CliRunner().invoke(app, args, obj=Environment(...))`` to render the terminal or the piped
path without patching anything.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable, Optional, Union

from rnncli.terminal import Environment

#: A renderer, ``(report, console, **options) -> None``, or where to find one,
#: ``"rnncli.render.glove:render_list"``: imported only when there is something to draw, so a
#: ``--json`` run never loads rich.
Renderer = Union[Callable[..., None], str]


def environment(ctx: Any = None) -> Environment:
    """This run's environment: the one in the click context (set once by the root command, or
    by a test), else one read from the process now."""
    while ctx is not None:
        if isinstance(ctx.obj, Environment):
            return ctx.obj
        ctx = ctx.parent
    return Environment.from_process()


def emit(
    report: Any,
    renderer: Renderer,
    as_json: bool,
    env: Environment,
    *,
    data: Optional[dict[str, Any]] = None,
    **options: Any,
) -> None:
    """Print ``report``: ``data`` (default ``report.to_dict()``) as JSON, or drawn by
    ``renderer(report, console, **options)`` on a console of ``env``'s stdout."""
    if as_json:
        env.write_json(report.to_dict() if data is None else data)
        return
    resolve(renderer)(report, env.stdout_console(), **options)


def resolve(renderer: Renderer) -> Callable[..., None]:
    """The renderer itself, imported now if it was given as ``"module:function"``."""
    if isinstance(renderer, str):
        module, _, name = renderer.partition(":")
        return getattr(import_module(module), name)
    return renderer
