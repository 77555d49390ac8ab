"""The `rnncli` application: its command groups and its one-line error handling."""

from __future__ import annotations

import sys
from typing import Any, Optional

import typer
from typer import completion

from rnncli import __version__
from rnncli.cli import coercion
from rnncli.cli.help_format import CONTEXT_SETTINGS, HelpGroup, SectionedCommand
from rnncli.errors import RnncliError
from rnncli.terminal import Environment, debug_enabled

# click's exceptions, reached through typer's public ``BadParameter``: typer < 0.26 raises
# click's own, later ones those of the click copy they ship. Click < 8.2 has no
# NoArgsIsHelpError (it prints the help and exits 0 itself): an empty tuple catches nothing.
_click_exceptions = sys.modules[typer.BadParameter.__module__]
ClickException: Any = _click_exceptions.ClickException
NoArgsIsHelpError: Any = getattr(_click_exceptions, "NoArgsIsHelpError", ())


#: The completion options typer adds, and the callbacks of typer.completion behind them.
_COMPLETION_OPTIONS = {
    "--show-completion": "show_callback",
    "--install-completion": "install_callback",
}
_SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def _error_line(message: str, code: int) -> None:
    sys.stderr.write(f"rnncli: error: {message}\n")
    sys.stderr.flush()
    sys.exit(code)


class _Interrupted(Exception):
    """Ctrl-C inside a command, carried past typer (which turns it into a silent exit 130)."""


class RnncliGroup(HelpGroup):
    """A typer group whose errors are one line on stderr, never a box or a traceback.

    Usage mistakes (click's and our :class:`~rnncli.errors.UsageError`) exit 2, failures exit 1,
    Ctrl-C exits 130. ``RNNCLI_DEBUG=1`` lets unexpected exceptions through with a traceback.
    Overriding ``main`` (not ``Typer.__call__``) makes the test runner take the same path.
    """

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        kwargs.setdefault("prog_name", "rnncli")
        coercion.install(self)  # option values without importing pydantic at every start
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except NoArgsIsHelpError as exc:
            # A bare `rnncli` or `rnncli glove` asks for help, not a mistake.
            sys.stdout.write(exc.ctx.get_help() + "\n")
            sys.exit(0)
        except ClickException as exc:
            _error_line(exc.format_message(), exc.exit_code)
        except RnncliError as exc:
            if debug_enabled():
                raise
            _error_line(str(exc), exc.exit_code)
        except (typer.Abort, KeyboardInterrupt, _Interrupted):
            sys.stderr.write("rnncli: interrupted\n")
            sys.exit(130)
        except BrokenPipeError:
            sys.exit(1)
        except Exception as exc:
            if debug_enabled():
                raise
            _error_line(f"{type(exc).__name__}: {exc} (set RNNCLI_DEBUG=1 for the traceback)", 1)
        sys.exit(rv if isinstance(rv, int) else 0)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """``rnncli --show-completion zsh``: the script of the shell named, not the detected one.

        typer makes ``--show-completion`` a plain flag when it can detect the shell, so a shell
        named after it was ignored; typer's own public callback prints the named shell's script.
        """
        if args and args[0].partition("=")[0] in _COMPLETION_OPTIONS:
            option, _, shell = args[0].partition("=")
            shell = shell or (args[1] if len(args) > 1 else "")
            callback = getattr(completion, _COMPLETION_OPTIONS[option], None)
            if shell in _SHELLS and callback is not None:
                callback(ctx, None, shell)  # prints (or installs) and exits 0
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        """Run the command; Ctrl-C becomes :class:`_Interrupted` so :meth:`main` can say so."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise _Interrupted() from None


app = typer.Typer(
    cls=RnncliGroup,
    name="rnncli",
    help="Sequence embeddings and RNN shape inspection, checked against torch itself.",
    no_args_is_help=True,
    add_completion=True,
    context_settings=CONTEXT_SETTINGS,
    rich_markup_mode=None,  # click's plain help: names whole, text reflowed (help_format)
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"rnncli {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    # A plain bool (not Optional) keeps typer from building a pydantic adapter for it.
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the version and exit.",
        callback=_version,
        is_eager=True,
    ),
) -> None:
    """Sequence embeddings and RNN shape inspection, checked against torch itself."""
    if not isinstance(ctx.obj, Environment):  # a test may bring its own
        ctx.obj = Environment.from_process()  # once a run; the commands read it from ctx


def _register() -> None:
    # Each command lives in its own module; none of them imports torch at module level.
    from rnncli.cli import (
        compare_command,
        embed_command,
        glove_command,
        glove_fetch_command,
        inspect_command,
        vocab_command,
    )

    app.command("inspect", cls=SectionedCommand)(inspect_command.inspect)
    app.command("compare", cls=SectionedCommand)(compare_command.compare)
    app.command("embed", cls=SectionedCommand)(embed_command.embed)
    glove_command.app.command("fetch", cls=SectionedCommand)(glove_fetch_command.fetch)
    app.add_typer(vocab_command.app, name="vocab")
    app.add_typer(glove_command.app, name="glove")


_register()


def main(argv: Optional[list[str]] = None) -> None:
    """Console-script entry point."""
    app(args=argv, prog_name="rnncli")
