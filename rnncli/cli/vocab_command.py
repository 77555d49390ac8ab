"""`rnncli vocab`: placeholder, replaced by the embed/vocab work."""

import typer

app = typer.Typer(help="Build and show vocabularies.", no_args_is_help=True)
