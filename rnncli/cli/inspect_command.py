"""`rnncli inspect`: placeholder while the library part is written."""


def inspect() -> None:
    """Show every parameter and tensor shape of an RNN, LSTM or GRU."""
