"""Hypothesis strategies shared by the test modules."""

from __future__ import annotations


def model_specs(max_layers: int = 3):
    """A hypothesis strategy: ModelSpecs over every torch option, small sizes, any cell."""
    from hypothesis import strategies as st

    from rnncli.rnn.spec import ModelSpec

    @st.composite
    def specs(draw):
        cell = draw(st.sampled_from(["rnn", "lstm", "gru"]))
        hidden = draw(st.integers(2, 7))
        return ModelSpec(
            cell=cell,
            input_size=draw(st.integers(1, 6)),
            hidden_size=hidden,
            num_layers=draw(st.integers(1, max_layers)),
            batch_first=draw(st.booleans()),
            bidirectional=draw(st.booleans()),
            proj_size=draw(st.integers(0, hidden - 1)) if cell == "lstm" else 0,
            bias=draw(st.booleans()),
        )

    return specs()
