"""The options several commands share, declared once: ``cache_dir: CacheDir = None``.

Each is a typer ``Annotated`` alias; its default goes in the command's signature. The
``*option(panel)`` factories give the same option in a rich help panel (``inspect`` groups its
options so): ``TextCacheDir = cache_dir_option("Text input")``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

CACHE_DIR_HELP = "GloVe cache folder (default: $RNNCLI_CACHE_DIR, else the user's cache folder)."
JSON_HELP = "Print one JSON object instead of tables."
VECTORS_HELP = (
    "Word vectors from a GloVe set, e.g. 6B.50d (`rnncli glove list`), fetched once with "
    "`rnncli glove fetch NAME`."
)
SEED_HELP = "torch.manual_seed(SEED) first: random weights and rows equal your notebook's."
JOBS_HELP = (
    "Ranges of a big file worked on at once (default: the cores available; 1: one at a "
    "time): {how}; the result is the same for any value. {whole}, and a file up to 16 MB, "
    "are read in one piece."
)


def option(annotation: Any, name: str, help: str, panel: Optional[str], **options: Any) -> Any:
    """An ``Annotated`` alias for one option: ``Hidden = option(int, "--hidden", "...", panel)``."""
    return Annotated[annotation, typer.Option(name, help=help, rich_help_panel=panel, **options)]


def cache_dir_option(panel: Optional[str] = None) -> Any:
    """``--cache-dir PATH``: where fetched GloVe sets live; default ``None`` (the usual place)."""
    return option(
        Optional[Path], "--cache-dir", CACHE_DIR_HELP, panel, show_default=False, metavar="DIR"
    )


def json_option(panel: Optional[str] = None) -> Any:
    """``--json``: the report as one JSON object on stdout; default ``False``."""
    return option(bool, "--json", JSON_HELP, panel)


def vectors_option(panel: Optional[str] = None) -> Any:
    """``--vectors NAME``: a fetched GloVe set; default ``None`` (none)."""
    return option(
        Optional[str], "--vectors", VECTORS_HELP, panel, show_default=False, metavar="NAME"
    )


def seed_option(panel: Optional[str] = None) -> Any:
    """``--seed N``: torch's seed; default ``0``."""
    return option(int, "--seed", SEED_HELP, panel, metavar="SEED")


def jobs_option(whole: str, how: str, panel: Optional[str] = None) -> Any:
    """``--jobs N`` / ``-j N``: ranges at once; default ``None`` (the cores available).
    ``whole`` names the inputs that cannot be cut into ranges (stdin, an archive), ``how`` who
    works on the ranges."""
    return Annotated[
        Optional[int],
        typer.Option(
            "--jobs",
            "-j",
            help=JOBS_HELP.format(whole=whole, how=how),
            rich_help_panel=panel,
            show_default=False,
            metavar="N",
        ),
    ]


CacheDir = cache_dir_option()
Json = json_option()
Vectors = vectors_option()
Seed = seed_option()


def given(ctx: typer.Context, name: str) -> bool:
    """Whether the user typed this option (or set it in the environment), not its default."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT")
