"""The `inspect` report: everything about one module and one run, as plain data.

Every shape in it is read from torch (see :mod:`rnncli.rnn.pipeline`, which makes it): the
module is first built on the ``meta`` device (no memory) to learn its parameter shapes and
estimate the memory the run needs; then, unless the user asked for ``meta`` (where short meta
forward passes give the output shapes, see :mod:`rnncli.rnn.meta_shapes`), it is built for real
with the seed and run, and the shapes of that run are reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

from rnncli.rnn.cost import Cost
from rnncli.rnn.equations import Recurrence
from rnncli.rnn.gradients import Gradients
from rnncli.rnn.parameters import ParameterInfo
from rnncli.rnn.spec import ModelSpec, RunSpec
from rnncli.rnn.tensors import TensorInfo
from rnncli.rnn.timing import Timing
from rnncli.rnn.trace import Trace
from rnncli.rnn.unroll import VerifyResult

if TYPE_CHECKING:  # only annotations: random runs never load the text modules
    from rnncli.rnn.text_plan import TextPlan


@dataclass
class InspectReport:
    """Everything `rnncli inspect` shows, as plain data (``to_dict`` gives the JSON schema)."""

    model: ModelSpec
    run: RunSpec
    module_repr: str
    parameters: list[ParameterInfo]
    tensors: dict[str, TensorInfo]
    recurrence: Recurrence
    cost: Cost
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    verify: Optional[VerifyResult] = None
    output_size: int = 0
    text: Optional[TextPlan] = None
    pack: bool = False
    batch_sizes: Optional[list[int]] = None
    padding_effect: list[dict[str, Any]] = field(default_factory=list)
    trace: Optional[Trace] = None
    gradients: Optional[Gradients] = None
    timing: Optional[Timing] = None

    @property
    def total_parameters(self) -> int:
        return sum(p.numel for p in self.parameters)

    @property
    def trainable_parameters(self) -> int:
        return sum(p.numel for p in self.parameters if p.trainable)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "model": self.model.to_dict(),
            "run": self.run.to_dict(),
            "module": self.module_repr,
            "parameters": [p.to_dict() for p in self.parameters],
            "total_parameters": self.total_parameters,
            "trainable_parameters": self.trainable_parameters,
            "parameter_bytes": self.cost.parameter_bytes,
            "tensors": {name: list(t.shape) for name, t in self.tensors.items()},
            "tensor_dims": {
                name: [d.to_dict() for d in t.dims] for name, t in self.tensors.items()
            },
            "macs": self.cost.macs,
            "cost": self.cost.to_dict(),
            "recurrence": self.recurrence.to_dict(),
            "notes": list(self.notes),
            "warnings": list(self.warnings),
        }
        if self.verify is not None:
            data["verify"] = self.verify.to_dict()
        if self.output_size:
            data["output_size"] = self.output_size
        if self.text is not None:
            data.update(self.text.to_dict())
            data["pack"] = self.pack
            if self.batch_sizes is not None:
                data["batch_sizes"] = self.batch_sizes
            if self.padding_effect:
                data["padding_effect"] = self.padding_effect
        if self.gradients is not None:
            data["gradients"] = self.gradients.to_dict()
        if self.timing is not None:
            data["timing"] = self.timing.to_dict()
        return data


def inspect_rnn(
    model: ModelSpec,
    run: Optional[RunSpec] = None,
    *,
    check: bool = False,
    available_bytes: Optional[Callable[[str], int]] = None,
    text: Optional[TextPlan] = None,
    pack: bool = False,
    output_size: int = 0,
) -> InspectReport:
    """Build ``model``, run ``run`` through it and describe it; ``check`` adds ``--verify``.

    With ``run.device == "meta"`` nothing is allocated: shapes and costs come from torch's meta
    tensors. Otherwise a run that would not fit in memory raises :class:`RnncliError` first.
    ``text`` (from :func:`rnncli.rnn.text_plan.plan_text`) runs sentences instead of random
    numbers: ``seq_len`` and ``batch`` then come from the text; ``pack`` runs them as a
    ``PackedSequence``. ``output_size`` adds the output layer ``y_t = h_t·W_hyᵀ + b_y``.
    The stages live in :mod:`rnncli.rnn.pipeline`; :func:`rnncli.rnn.pipeline.inspect` takes a
    whole :class:`~rnncli.rnn.request.InspectRequest` instead.
    """
    from rnncli.rnn.pipeline import Inspection, run_inspection

    state = Inspection(
        model=model,
        run=run or RunSpec(),
        check=check,
        text=text,
        pack=pack,
        output_size=output_size,
        available_bytes=available_bytes,
    )
    return run_inspection(state)
