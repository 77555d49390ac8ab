"""`rnncli glove fetch`: placeholder, replaced by the GloVe fetch work."""


def fetch() -> None:
    """Fetch a GloVe set."""
