"""rnncli's pydantic-free option coercion agrees with typer's own, value for value.

`rnncli.cli.coercion` answers for the values it can vouch for and defers everything else to
typer. The property: for every parameter of the real command tree and any value click could hand
over, the result (value and type, or the error message) equals what typer's own coercion gives.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import pytest
import typer.main
from helpers.cli import imported_modules, run_rnncli
from helpers.glove_files import make_glove_text_set
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer import Context

from rnncli.cli import coercion
from rnncli.cli.app import ClickException, app

if not coercion.hook_supported():
    pytest.skip(
        f"typer {typer.__version__} is outside {coercion.TESTED_TYPER}: typer coerces alone",
        allow_module_level=True,
    )
import typer._coercion as typer_coercion  # the hook, in the tested range only


def _tree():
    root = typer.main.get_command(app)
    coercion.install(root)
    return root


def _params(command, path=()):
    """(command path, command, parameter) for every parameter, --help included."""
    ctx = Context(command, info_name=path[-1] if path else "rnncli")
    for param in [*command.params, command.get_help_option(ctx)]:
        if param is not None:
            yield path, command, param
    for name, sub in getattr(command, "commands", {}).items():
        yield from _params(sub, (*path, name))


class Colour(str, Enum):
    red = "red"
    Red = "RED"  # a second member equal to the first once case is folded: typer takes the first
    blue = "blue"


_synthetic = typer.Typer()


@_synthetic.command()
def _every_kind(
    words: list[str] = typer.Argument(None),
    tags: list[str] = typer.Option(None, "--tag"),
    name: str = typer.Option("x"),
    n: int = typer.Option(0),
    ranged: int = typer.Option(1, min=-3, max=5),
    clamped: int = typer.Option(1, min=0, max=5, clamp=True),
    rate: float = typer.Option(0.5),
    share: float = typer.Option(0.0, min=0.0, max=1.0),
    colour: Colour = typer.Option(Colour.red),
    exact_colour: Colour = typer.Option(Colour.red, case_sensitive=False),
    anywhere: Path = typer.Option(None),
    existing: Path = typer.Option(None, exists=True),
    a_file: Path = typer.Option(None, exists=True, dir_okay=False),
    a_dir: Path = typer.Option(None, file_okay=False),
    writable: Path = typer.Option(None, writable=True, readable=False),
    resolved: Path = typer.Option(None, resolve_path=True),
    dash: Path = typer.Option(None, allow_dash=True),
    flag: bool = typer.Option(False),
) -> None:
    """Every kind of parameter the converters know, with every flag that changes the answer."""


def _synthetic_tree():
    command = typer.main.get_command(_synthetic)
    coercion.install(command)
    return command


PARAMS = list(_params(_tree())) + list(_params(_synthetic_tree(), ("synthetic",)))
FAST = [
    (path, cmd, p)
    for path, cmd, p in PARAMS
    if isinstance(p._runtime_param, coercion.FastRuntimeParam)
]


def _id(item):
    path, _, param = item
    return " ".join(path) + ":" + param.name


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    """Existing paths of each kind, as strings, for the Path parameters."""
    root = tmp_path_factory.mktemp("places")
    (root / "file.txt").write_text("x")
    (root / "dir").mkdir()
    return [str(root / "file.txt"), str(root / "dir"), str(root / "missing.json"), "-", "", "."]


def _values(param, places):
    annotation = param.type_descriptor.annotation
    text = st.text(max_size=12)
    if annotation is bool:
        return st.one_of(st.none(), st.booleans(), text)
    if annotation is int:
        digits = st.from_regex(r"\A[ +-]?[0-9_]{0,22}[ ]?\Z")
        near = st.integers(-8, 8)
        return st.one_of(
            st.none(),
            st.integers(-(2**70), 2**70),
            near,
            near.map(str),
            digits,
            text,
            st.booleans(),
        )
    if annotation is float:
        decimals = st.from_regex(r"\A[ +-]?[0-9]{0,20}[.]?[0-9]{0,20}(e-?[0-9])?\Z")
        numbers = st.floats(allow_nan=True, allow_infinity=True)
        near = st.floats(-3, 3).map(lambda x: round(x, 2))  # around the bounds, e.g. 1.25
        return st.one_of(
            st.none(), numbers, near, near.map(str), decimals, st.integers(-5, 5), text
        )
    if annotation is Path:
        return st.one_of(st.none(), st.sampled_from(places), text)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        names = [str(m.value) for m in annotation]
        cased = st.sampled_from(names).map(str.upper) | st.sampled_from(names)
        return st.one_of(st.none(), st.sampled_from(list(annotation)), cased, text)
    if annotation == list[str]:
        return st.one_of(st.none(), st.lists(text, max_size=3).map(tuple), text)
    return st.one_of(st.none(), text)


def _outcome(runtime, value, param, ctx):
    """("value", type, value), or ("error", exception type) and the message apart."""
    try:
        result = runtime.coerce(value, param=param, ctx=ctx)
    except ClickException as exc:
        return ("error", type(exc).__name__), exc.format_message()
    if isinstance(result, float) and result != result:  # NaN: equal to itself here
        return ("value", float, "nan"), None
    return ("value", type(result), result), None


@pytest.mark.parametrize("item", FAST, ids=_id)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fast_coercion_gives_what_typer_gives(item, places, data):
    path, command, param = item
    value = data.draw(_values(param, places))
    ctx = Context(command, info_name=path[-1] if path else "rnncli")
    ours, our_message = _outcome(param._runtime_param, value, param, ctx)
    typers, typer_message = _outcome(
        typer_coercion.build_runtime_param(param.type_descriptor), value, param, ctx
    )
    assert ours == typers, (value, ours, typers)
    if our_message != typer_message:  # only rnncli's wording for numbers and choices differs
        explained = coercion.explain_rejection(
            param.type_descriptor.annotation, param.type_descriptor.parameter_info, value
        )
        assert explained is not None and explained in our_message, (value, our_message)


def test_every_rnncli_option_is_fast():
    """No rnncli option falls back to pydantic at start (only values typer must judge do)."""
    slow = {_id(item) for item in PARAMS} - {_id(item) for item in FAST}
    assert slow == {"synthetic:clamped", "synthetic:resolved", "synthetic:dash"}


def test_installing_twice_changes_nothing():
    root = _tree()
    help_option = root.get_help_option
    assert coercion.install(root) == 0 and root.get_help_option is help_option


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["glove", "neighbors", "king", "-k", "0"],
            "'-k' / '--k': must be a positive integer, got 0.",
        ),
        (["glove", "neighbors", "king", "-k", "x"], "'-k' / '--k': 'x' is not a whole number."),
        (["inspect", "--hidden", "abc"], "'--hidden': 'abc' is not a whole number."),
        (["inspect", "--dropout", "lots"], "'--dropout': 'lots' is not a number."),
        (
            ["inspect", "--cell", "transformer"],
            "'--cell': 'transformer' is not one of: rnn, lstm, gru.",
        ),
    ],
)
def test_a_rejected_value_gets_one_plain_line(args, message):
    """typer decides, rnncli words it: no pydantic phrasing ('Input should be ...')."""
    result = run_rnncli(*args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"rnncli: error: Invalid value for {message}\n"


@pytest.mark.parametrize(
    ("version", "supported"),
    [((0, 28, 0), False), ((0, 29, 0), True), ((0, 29, 9), True), ((0, 30, 0), False), ((), False)],
)
def test_the_hook_is_used_only_in_the_tested_range(version, supported):
    assert coercion.hook_supported(version) is supported


def test_outside_the_range_or_on_any_error_typer_coerces_alone(monkeypatch):
    monkeypatch.setattr(coercion, "hook_supported", lambda version=None: False)
    command = typer.main.get_command(app)
    assert coercion.install(command) == 0
    assert all(p._runtime_param is None for p in command.commands["glove"].commands["list"].params)
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["glove", "neighbors", "king", "-k", "x"])
    assert result.exit_code == 2 and "Invalid value for '-k' / '--k'" in result.stderr

    def broken(command, build):
        raise AttributeError("typer moved its internals")

    monkeypatch.setattr(coercion, "hook_supported", lambda version=None: True)
    monkeypatch.setattr(coercion, "_install", broken)
    assert coercion.install(typer.main.get_command(app)) == 0


def test_values_typer_accepts_beyond_the_fast_path_still_work():
    root = _tree()
    k = next(p for p in root.commands["glove"].commands["neighbors"].params if p.name == "k")
    ctx = Context(root.commands["glove"].commands["neighbors"])
    assert k._runtime_param.coerce("12", param=k, ctx=ctx) == 12
    assert k._runtime_param.coerce(" 1_2 ", param=k, ctx=ctx) == 12  # pydantic's leniency, kept


def test_queries_and_help_start_without_pydantic(tmp_path):
    make_glove_text_set(tmp_path, {"king": [1.0, 0.5], "queen": [0.9, 0.6], "man": [0.2, 0.1]})
    cache = ["--cache-dir", str(tmp_path)]
    (tmp_path / "corpus.txt").write_text("the cat sat on the mat\n", encoding="utf-8")
    vocab = str(tmp_path / "vocab.json")
    modules = imported_modules(
        ["vocab", "build", str(tmp_path / "corpus.txt"), "--out", vocab, "--min-freq", "1"],
        ["vocab", "show", vocab, "--top", "3"],
        ["glove", "vector", "king", "--json", *cache],
        ["glove", "neighbors", "king", "-k", "1", *cache],
        ["glove", "list", *cache],
        ["glove", "vector", "--help"],
        ["--version"],
        tmp_path=tmp_path,
    )
    assert "pydantic" not in modules and "typer" in modules
