"""The fixed choices of rnncli's options: the library's own enums, so typer lists them."""

from __future__ import annotations

from rnncli.rnn.spec import Cell, Device, DType, Nonlinearity

__all__ = ["Cell", "DType", "Device", "Nonlinearity"]
