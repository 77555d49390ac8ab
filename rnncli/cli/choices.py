"""The fixed choices of rnncli's options, as enums so typer lists them in help and errors."""

from __future__ import annotations

from enum import Enum


class Cell(str, Enum):
    rnn = "rnn"
    lstm = "lstm"
    gru = "gru"


class Nonlinearity(str, Enum):
    tanh = "tanh"
    relu = "relu"


class DType(str, Enum):
    float32 = "float32"
    float64 = "float64"
    float16 = "float16"
    bfloat16 = "bfloat16"


class Device(str, Enum):
    cpu = "cpu"
    cuda = "cuda"
    meta = "meta"
