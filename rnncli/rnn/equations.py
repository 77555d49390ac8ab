"""The recurrence each cell computes, written as torch documents it, with shapes filled in.

:mod:`rnncli.rnn.unroll` computes exactly these equations step by step, so ``--verify`` checks the
text printed here against torch's own kernel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rnncli.dataclass_dict import fields_dict
from rnncli.rnn.spec import ModelSpec, RunSpec


@dataclass(frozen=True)
class Symbol:
    """One symbol of the equations: its shape and where its values live in the module."""

    name: str
    shape: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)


@dataclass(frozen=True)
class Recurrence:
    """The equations of one time step of layer 0, and the symbols they use."""

    cell: str
    equations: tuple[str, ...]
    symbols: tuple[Symbol, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)


def _affine(x: str, w: str, b: str, bias: bool) -> str:
    return f"{x}·{w}ᵀ + {b}" if bias else f"{x}·{w}ᵀ"


def recurrence(
    spec: ModelSpec, run: RunSpec, *, output_size: int = 0, text: bool = False
) -> Recurrence:
    """The equations for ``spec``'s cell, layer 0, with this run's batch size.

    ``text`` adds the embedding lookup that makes ``x_t``; ``output_size`` the output layer.
    """
    b, h, i = run.batch, spec.hidden_size, spec.input_size
    r = spec.state_size
    state = "proj" if spec.proj_size else "hidden"
    x_shape = f"[batch={b}, input={i}]"
    h_shape = f"[batch={b}, {state}={r}]"
    symbols = [Symbol("x_t", x_shape, "input at step t")]
    symbols.append(Symbol("h_(t-1)", h_shape, "previous hidden state; h0 at t=0"))
    notes = []
    bias = spec.bias

    if spec.cell == "rnn":
        f = spec.nonlinearity
        equations = (
            f"h_t = {f}({_affine('x_t', 'W_ih', 'b_ih', bias)} + "
            f"{_affine('h_(t-1)', 'W_hh', 'b_hh', bias)})",
        )
        symbols += [
            Symbol("W_ih", f"[hidden={h}, input={i}]", "weight_ih_l0"),
            Symbol("W_hh", f"[hidden={h}, hidden={h}]", "weight_hh_l0"),
        ]
        if bias:
            symbols += [
                Symbol("b_ih", f"[hidden={h}]", "bias_ih_l0"),
                Symbol("b_hh", f"[hidden={h}]", "bias_hh_l0"),
            ]
        symbols.append(Symbol("h_t", f"[batch={b}, hidden={h}]", "output at step t"))
    else:
        gates = spec.gates
        acts = {"i": "σ", "f": "σ", "g": "tanh", "o": "σ", "r": "σ", "z": "σ", "n": "tanh"}
        equations_list = []
        for g in gates:
            x_part = _affine("x_t", f"W_i{g}", f"b_i{g}", bias)
            h_part = _affine("h_(t-1)", f"W_h{g}", f"b_h{g}", bias)
            if spec.cell == "gru" and g == "n":
                equations_list.append(f"n_t = tanh({x_part} + r_t ⊙ ({h_part}))")
            else:
                equations_list.append(f"{g}_t = {acts[g]}({x_part} + {h_part})")
        if spec.cell == "lstm":
            equations_list.append("c_t = f_t ⊙ c_(t-1) + i_t ⊙ g_t")
            if spec.proj_size:
                equations_list.append("h_t = (o_t ⊙ tanh(c_t))·W_hrᵀ")
            else:
                equations_list.append("h_t = o_t ⊙ tanh(c_t)")
        else:
            equations_list.append("h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_(t-1)")
        equations = tuple(equations_list)
        k = len(gates)
        names = ", ".join(f"W_i{g}" for g in gates)
        rows = ", ".join(f"{n * h}:{(n + 1) * h}" for n in range(k))
        symbols.append(
            Symbol(names, f"[hidden={h}, input={i}] each", f"rows {rows} of weight_ih_l0")
        )
        names = ", ".join(f"W_h{g}" for g in gates)
        symbols.append(
            Symbol(names, f"[hidden={h}, {state}={r}] each", f"rows {rows} of weight_hh_l0")
        )
        if bias:
            symbols.append(
                Symbol(
                    ", ".join(f"b_i{g}" for g in gates),
                    f"[hidden={h}] each",
                    f"slices {rows} of bias_ih_l0",
                )
            )
            symbols.append(
                Symbol(
                    ", ".join(f"b_h{g}" for g in gates),
                    f"[hidden={h}] each",
                    f"slices {rows} of bias_hh_l0",
                )
            )
        symbols.append(
            Symbol(", ".join(f"{g}_t" for g in gates), f"[batch={b}, hidden={h}] each", "gates")
        )
        if spec.cell == "lstm":
            symbols.append(Symbol("c_t", f"[batch={b}, hidden={h}]", "cell state; c0 at t=0"))
            if spec.proj_size:
                symbols.append(Symbol("W_hr", f"[proj={r}, hidden={h}]", "weight_hr_l0"))
        symbols.append(Symbol("h_t", h_shape, "output at step t"))
        notes.append("σ is the logistic sigmoid; ⊙ is the element-wise product.")
        if spec.cell == "gru":
            scaled = "h_(t-1)·W_hnᵀ + b_hn" if bias else "h_(t-1)·W_hnᵀ"
            notes.append(f"GRU: r_t scales {scaled}, after the matrix product (torch).")

    if text:
        equations = ("x_t = E[token_t]", *equations)
        symbols.insert(
            0, Symbol("E", f"[vocab, input={i}]", "embedding.weight; token_t's row is x_t")
        )
    if output_size:
        out_features = spec.num_directions * r
        feature = f"2·{state}" if spec.bidirectional else state
        equations = (*equations, "y_t = h_t·W_hyᵀ + b_y")
        symbols += [
            Symbol("W_hy", f"[output={output_size}, {feature}={out_features}]", "output.weight"),
            Symbol("b_y", f"[output={output_size}]", "output.bias"),
            Symbol("y_t", f"[batch={b}, output={output_size}]", "output layer at step t"),
        ]
        if spec.num_layers > 1 or spec.bidirectional:
            notes.append("The output layer reads the top layer's h_t (both directions joined).")
    if spec.num_layers > 1:
        above = "Layer 1 uses" if spec.num_layers == 2 else f"Layers 1-{spec.num_layers - 1} use"
        feature = f"2·{state}" if spec.bidirectional else state
        notes.append(
            f"{above} the same equations with x_t = the layer below's h_t "
            f"[batch={b}, {feature}={spec.layer_input_size(1)}] and their own *_l<k> weights."
        )
    if spec.bidirectional:
        notes.append(
            "The reverse direction runs the same equations from t = seq_len-1 down to 0 with "
            "its own *_reverse weights."
        )
    return Recurrence(spec.cell, equations, tuple(symbols), tuple(notes))
