"""`rnncli glove`: placeholder, replaced by the GloVe work."""

import typer

app = typer.Typer(help="GloVe vectors.", no_args_is_help=True)
