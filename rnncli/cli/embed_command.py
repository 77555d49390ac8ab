"""`rnncli embed`: placeholder, replaced by the embed/vocab work."""


def embed() -> None:
    """Embed words with nn.Embedding."""
