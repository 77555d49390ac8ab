"""Shapes on the ``meta`` device from a few short probe runs, whatever the sequence length.

torch's meta forward pass of ``nn.RNN``/``LSTM``/``GRU`` still steps through time one step at a
time (no memory, but Python work per step and per layer): 100,000 steps took 96 s. Every shape of
a recurrent run is an affine function of ``seq_len`` (the sequence dimension of input, output and
``y`` is ``seq_len``; states and batch do not depend on it), so the module is run on meta tensors
of 1, 2 and 3 steps, and each dimension is extended linearly from the first two; the third probe
checks the line. The tests compare the result with real cpu runs over many configurations.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

from rnncli.rnn.running import named_tensors, random_inputs, run_module, shapes_and_dtypes
from rnncli.rnn.spec import ModelSpec, RunSpec

#: Sequence lengths of the probe runs; longer runs are extended from them.
PROBE_STEPS = (1, 2, 3)


def meta_shapes(
    model: ModelSpec, run: RunSpec, module: Any, output_layer: Optional[Any], dtype: Any
) -> tuple[dict[str, tuple[int, ...]], dict[str, str]]:
    """Shapes and dtypes of a random-input run of ``run.seq_len`` steps on the meta device.

    ``module`` (and ``output_layer``, the ``y_t`` layer or None) are built on ``meta``.
    """
    if run.seq_len <= PROBE_STEPS[-1]:
        return shapes_and_dtypes(_probe(model, run, module, output_layer, dtype, run.seq_len))
    probes = [
        shapes_and_dtypes(_probe(model, run, module, output_layer, dtype, steps))
        for steps in PROBE_STEPS
    ]
    (one, dtypes), (two, _), (three, _) = probes
    shapes = {}
    for name in one:
        if extend(one[name], two[name], 3) != three[name]:
            raise AssertionError(
                f"{name}: meta shapes {one[name]}, {two[name]}, {three[name]} for 1, 2, 3 steps "
                "are not linear in seq_len"
            )
        shapes[name] = extend(one[name], two[name], run.seq_len)
    return shapes, dtypes


def extend(one: tuple[int, ...], two: tuple[int, ...], steps: int) -> tuple[int, ...]:
    """The shape at ``steps`` of a shape that is ``one`` at 1 step and ``two`` at 2 steps."""
    if len(one) != len(two):
        raise AssertionError(f"shapes {one} and {two} differ in rank")
    return tuple(a + (b - a) * (steps - 1) for a, b in zip(one, two))


def _probe(
    model: ModelSpec,
    run: RunSpec,
    module: Any,
    output_layer: Optional[Any],
    dtype: Any,
    steps: int,
) -> dict[str, Any]:
    import torch

    x, h0, c0 = random_inputs(model, replace(run, seq_len=steps), "meta", dtype)
    results = run_module(model, module, x, h0, c0)
    tensors = named_tensors(x, h0, c0, results)
    if output_layer is not None:
        with torch.no_grad():
            tensors["y"] = output_layer(results[0])
    return tensors
