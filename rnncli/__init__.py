"""rnncli: sequence embeddings and RNN shape inspection, checked against torch itself.

The command line is a thin layer over this library: every command builds a plain report
(see :mod:`rnncli.rnn.report`) that a renderer turns into rich tables or JSON.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
