"""One BLAS thread for work that does no linear algebra: parsing and counting.

numpy's OpenBLAS starts a thread per core as numpy is imported, and each spins a while before it
sleeps: on this 2-core machine ``python -c "import numpy; import time; time.sleep(1)"`` takes
0.25 s of CPU, against 0.15 s with ``OPENBLAS_NUM_THREADS=1``. That is taken from the cores a
parse needs: ``rnncli glove fetch --from`` the 6B text with two workers ran 0.05 to 0.08 s
faster with one BLAS thread (``benchmarks/glove_parse.py``). So worker processes (which never
multiply matrices) always get one, and the commands that only parse set it for their own
process before numpy is first imported; a user's own setting wins there. Commands that do
multiply matrices (``glove similar``, ``glove evaluate``) keep numpy's default.
"""

from __future__ import annotations

import os
import sys

#: The variables OpenBLAS, MKL and OpenMP read as they load.
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def worker_environment() -> dict[str, str]:
    """This process's environment, with one BLAS thread: for a worker process."""
    return {**os.environ, **ONE_THREAD}


def use_one_blas_thread() -> bool:
    """Give this process one BLAS thread, unless numpy is loaded already (too late) or the user
    set the variables. Returns whether it could still take effect. For a command that parses;
    never for a library call (it changes the process's environment)."""
    if "numpy" in sys.modules:
        return False
    for name, value in ONE_THREAD.items():
        os.environ.setdefault(name, value)
    return True
