"""What to build and how to run it, validated before torch is even imported.

The names follow torch's constructor arguments (``input_size``, ``hidden_size``, ...), so a spec
reads like the ``nn.RNN``/``nn.LSTM``/``nn.GRU`` call it stands for.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any, Optional

from rnncli.errors import UsageError


class Cell(str, Enum):
    """The recurrent modules rnncli builds: ``nn.RNN``, ``nn.LSTM``, ``nn.GRU``."""

    rnn = "rnn"
    lstm = "lstm"
    gru = "gru"


class Nonlinearity(str, Enum):
    """``nn.RNN``'s activation."""

    tanh = "tanh"
    relu = "relu"


class DType(str, Enum):
    """The floating dtypes a module can be built in."""

    float32 = "float32"
    float64 = "float64"
    float16 = "float16"
    bfloat16 = "bfloat16"


class Device(str, Enum):
    """Where a module runs; ``meta`` allocates nothing."""

    cpu = "cpu"
    cuda = "cuda"
    meta = "meta"


#: The notebook's run, ``randn(10, 3, 100)`` through ``nn.RNN(100, 20)``: every default of
#: ``inspect`` is written here once (specs, request and help text read these names).
DEFAULT_INPUT_SIZE = 100
DEFAULT_HIDDEN_SIZE = 20
DEFAULT_SEQ_LEN = 10
DEFAULT_BATCH = 3
#: Embedding width of a text run when neither --embed-dim, --input nor --vectors says.
DEFAULT_EMBED_DIM = 100

CELLS = tuple(c.value for c in Cell)
NONLINEARITIES = tuple(n.value for n in Nonlinearity)
DTYPES = tuple(d.value for d in DType)
DEVICES = tuple(d.value for d in Device)

#: Gate blocks stacked in ``weight_ih``/``weight_hh``, in torch's row order.
GATES = {"rnn": (), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}

#: Seeds run from 0 to this: the range torch.manual_seed (a uint64; it wraps negatives) and
#: numpy.random.default_rng (non-negative only) both accept, so one seed means one thing.
SEED_MAX = 2**64 - 1

#: Bytes per element of each dtype.
DTYPE_BYTES = {"float32": 4, "float64": 8, "float16": 2, "bfloat16": 2}

#: Bytes per element of every tensor a run makes: the float dtypes and int64 token ids.
ELEMENT_BYTES = {**DTYPE_BYTES, "int64": 8}


@dataclass(frozen=True)
class ModelSpec:
    """The constructor arguments of one ``nn.RNN``, ``nn.LSTM`` or ``nn.GRU``."""

    cell: str = "rnn"
    input_size: int = DEFAULT_INPUT_SIZE
    hidden_size: int = DEFAULT_HIDDEN_SIZE
    num_layers: int = 1
    nonlinearity: Optional[str] = None  # "tanh" by default for rnn; None for lstm/gru
    bias: bool = True
    batch_first: bool = False
    dropout: float = 0.0
    bidirectional: bool = False
    proj_size: int = 0

    def __post_init__(self) -> None:
        check_cell(self.cell)
        for option, value in (
            ("--input", self.input_size),
            ("--hidden", self.hidden_size),
            ("--layers", self.num_layers),
        ):
            check_positive(option, value)
        if self.cell == "rnn":
            if self.nonlinearity is None:
                object.__setattr__(self, "nonlinearity", "tanh")
            else:
                check_nonlinearity(self.nonlinearity)
        elif self.nonlinearity is not None:
            raise UsageError(
                f"only the rnn cell takes a nonlinearity; {self.cell} has fixed gate activations",
                "--nonlinearity",
            )
        check_dropout(self.dropout)
        if self.proj_size:
            if self.cell != "lstm":
                raise UsageError(f"only lstm supports a projection, not {self.cell}", "--proj-size")
            if self.proj_size < 0 or self.proj_size >= self.hidden_size:
                raise UsageError(
                    f"must be between 1 and hidden_size - 1 = {self.hidden_size - 1}, "
                    f"got {self.proj_size}",
                    "--proj-size",
                )
        elif self.proj_size < 0:
            raise UsageError(f"must not be negative, got {self.proj_size}", "--proj-size")

    # Derived sizes, named as in torch's documentation.
    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def gates(self) -> tuple[str, ...]:
        return GATES[self.cell]

    @property
    def gate_count(self) -> int:
        """How many hidden-size blocks are stacked in ``weight_ih``: 1, 4 (lstm) or 3 (gru)."""
        return max(1, len(self.gates))

    @property
    def state_size(self) -> int:
        """The size of ``h_t``: ``proj_size`` when projecting, else ``hidden_size``."""
        return self.proj_size or self.hidden_size

    def layer_input_size(self, layer: int) -> int:
        """The feature size layer ``layer`` reads: the input, or the layer below's output."""
        return self.input_size if layer == 0 else self.num_directions * self.state_size

    def torch_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for the torch constructor."""
        kwargs: dict[str, Any] = {
            "input_size": self.input_size,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "bias": self.bias,
            "batch_first": self.batch_first,
            "dropout": float(self.dropout),
            "bidirectional": self.bidirectional,
        }
        if self.cell == "rnn":
            kwargs["nonlinearity"] = self.nonlinearity
        if self.cell == "lstm":
            kwargs["proj_size"] = self.proj_size
        return kwargs

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["dropout"] = float(self.dropout)
        return data


@dataclass(frozen=True)
class RunSpec:
    """How the module is run: the random input's shape, the seed, dtype and device."""

    seq_len: int = DEFAULT_SEQ_LEN
    batch: int = DEFAULT_BATCH
    seed: int = 0
    dtype: str = "float32"
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_positive("--seq-len", self.seq_len)
        check_positive("--batch", self.batch)
        check_seed(self.seed)
        if self.dtype not in DTYPES:
            raise UsageError(
                f"unknown dtype {self.dtype!r}; choose one of {', '.join(DTYPES)}", "--dtype"
            )
        if self.device not in DEVICES:
            raise UsageError(
                f"unknown device {self.device!r}; choose one of {', '.join(DEVICES)}", "--device"
            )

    @property
    def dtype_bytes(self) -> int:
        return DTYPE_BYTES[self.dtype]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_cell(cell: str) -> None:
    """Refuse a cell torch has no module for, naming ``--cell``."""
    if cell not in CELLS:
        raise UsageError(f"unknown cell {cell!r}; choose one of {', '.join(CELLS)}", "--cell")


def check_nonlinearity(nonlinearity: str) -> None:
    """Refuse an activation ``nn.RNN`` does not take, naming ``--nonlinearity``."""
    if nonlinearity not in NONLINEARITIES:
        raise UsageError(
            f"unknown nonlinearity {nonlinearity!r}; choose tanh or relu", "--nonlinearity"
        )


def check_dropout(dropout: float) -> None:
    """Refuse a dropout outside ``[0, 1)``, naming ``--dropout``."""
    if not isinstance(dropout, (int, float)) or not 0.0 <= dropout < 1.0:
        raise UsageError(f"must be in [0, 1), got {dropout}", "--dropout")


def check_positive(option: str, value: int) -> None:
    """Refuse anything but a positive ``int`` (0, negatives, bools), naming ``option``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"must be a positive integer, got {value}", option)


def check_seed(seed: int, option: str = "--seed") -> int:
    """Refuse a seed outside ``0 .. 2**64 - 1`` before any random generator sees it."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= SEED_MAX:
        raise UsageError(
            f"must be an integer from 0 to 2**64 - 1 = {SEED_MAX}, the seeds torch.manual_seed "
            f"and numpy.random.default_rng both accept; got {seed}",
            option,
        )
    return seed
