"""Build a recurrent module and run it: the few torch calls every inspection makes.

Kept apart from the report so that random input and text input (:mod:`rnncli.rnn.text_run`)
build and run the module the same way, in the notebook's order: seed, module, input.
"""

from __future__ import annotations

import warnings
from typing import Any

from rnncli.rnn.spec import ModelSpec, RunSpec


def module_class(cell: str) -> Any:
    """``torch.nn.RNN``, ``LSTM`` or ``GRU``."""
    import torch

    return {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]


def build_module(spec: ModelSpec, device: str, dtype: Any) -> tuple[Any, list[str]]:
    """Construct the module, turning torch's warnings into report lines."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = module_class(spec.cell)(**spec.torch_kwargs(), device=device, dtype=dtype)
    module.eval()
    return module, [str(w.message) for w in caught]


def zero_states(spec: ModelSpec, batch: int, device: str, dtype: Any) -> tuple[Any, Any]:
    """``h0`` (and ``c0`` for an LSTM, else None) as zeros, the notebook's initial state."""
    import torch

    stack = spec.num_layers * spec.num_directions
    h0 = torch.zeros(stack, batch, spec.state_size, device=device, dtype=dtype)
    c0 = None
    if spec.cell == "lstm":
        c0 = torch.zeros(stack, batch, spec.hidden_size, device=device, dtype=dtype)
    return h0, c0


def random_inputs(spec: ModelSpec, run: RunSpec, device: str, dtype: Any) -> tuple[Any, Any, Any]:
    """``x = randn(seq_len, batch, input)`` (batch first if asked) and zero states."""
    import torch

    shape = (run.batch, run.seq_len, spec.input_size)
    if not spec.batch_first:
        shape = (run.seq_len, run.batch, spec.input_size)
    x = torch.randn(shape, device=device, dtype=dtype)
    return (x, *zero_states(spec, run.batch, device, dtype))


def run_module(spec: ModelSpec, module: Any, x: Any, h0: Any, c0: Any) -> tuple[Any, Any, Any]:
    """One forward pass without gradients: ``(output, h_n, c_n)``, ``c_n`` None unless LSTM.

    ``x`` may be a tensor or a ``PackedSequence``.
    """
    import torch

    # torch warns about kernel choices (e.g. oneDNN and proj_size): not the user's concern.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if spec.cell == "lstm":
            output, (h_n, c_n) = module(x, (h0, c0))
            return output, h_n, c_n
        output, h_n = module(x, h0)
        return output, h_n, None


def named_tensors(x: Any, h0: Any, c0: Any, results: tuple) -> dict[str, Any]:
    """A run's tensors by the names the report uses (``c0``/``c_n`` only for an LSTM)."""
    output, h_n, c_n = results
    tensors = {"input": x, "h0": h0, "output": output, "h_n": h_n}
    if c0 is not None:
        tensors.update(c0=c0, c_n=c_n)
    return tensors


def shapes_and_dtypes(
    tensors: dict[str, Any],
) -> tuple[dict[str, tuple[int, ...]], dict[str, str]]:
    """Each tensor's shape and dtype name (``float32``, ``int64``), as torch reports them."""
    shapes = {name: tuple(t.shape) for name, t in tensors.items()}
    dtypes = {name: str(t.dtype).removeprefix("torch.") for name, t in tensors.items()}
    return shapes, dtypes
