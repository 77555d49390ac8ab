"""What the chosen device can do: whether it exists, which dtypes its kernels run, free memory."""

from __future__ import annotations

import os
import warnings
from typing import Any

from rnncli.errors import UsageError
from rnncli.rnn.spec import ModelSpec


def check_device(device: str) -> None:
    """Refuse ``cuda`` on a machine without it, as a usage error naming ``--device``."""
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        raise UsageError(
            "CUDA is not available here (torch.cuda.is_available() is False); "
            "use --device cpu, or --device meta for shapes and costs without memory",
            "--device",
        )


def check_text_device(device: str) -> None:
    """Refuse text input on ``meta``: tokens, the trace and padding need real numbers."""
    if device == "meta":
        raise UsageError("text runs need real numbers; use --device cpu or cuda", "--device")


def check_dtype_runs(spec: ModelSpec, dtype: Any, device: str) -> None:
    """Run a tiny module of the same kind to learn whether torch has kernels for this pair.

    Probing beats a hand-kept table: the answer changes between torch versions and devices.
    """
    import torch

    if device == "meta":
        return
    tiny = ModelSpec(
        cell=spec.cell,
        input_size=2,
        hidden_size=2,
        num_layers=1,
        nonlinearity=spec.nonlinearity if spec.cell == "rnn" else None,
        proj_size=1 if spec.proj_size else 0,
        bias=spec.bias,
    )
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[spec.cell]
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = cls(**tiny.torch_kwargs(), device=device, dtype=dtype)
            module(torch.zeros(1, 1, 2, device=device, dtype=dtype))
    except (RuntimeError, NotImplementedError, TypeError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(
            f"{dtype} cannot run a {spec.cell} on {device} with this torch ({first_line}); "
            "choose another dtype or device",
            "--dtype",
        ) from exc


def available_bytes(device: str) -> int:
    """Memory a run may use on ``device`` now: free GPU memory, or the OS's MemAvailable."""
    if device == "cuda":
        import torch

        free, _total = torch.cuda.mem_get_info()
        return int(free)
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 2**63
