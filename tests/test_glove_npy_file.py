"""The hand-written .npy header and reader agree with numpy.lib.format."""

from __future__ import annotations

import io

import numpy as np
import pytest

from rnncli.glove.npy_file import NPY_HEADER_BYTES, NpyMap, npy_header


@pytest.mark.parametrize("shape", [(0, 50), (400_000, 50), (2_196_017, 300), (10**12, 1024)])
def test_header_is_numpys_own(shape):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": "<f4", "fortran_order": False, "shape": shape}
    )
    assert npy_header(shape) == buf.getvalue() and len(npy_header(shape)) == NPY_HEADER_BYTES


@pytest.mark.parametrize("dtype", ["<f4", "<i8", "<i4", ">f8", "<u4"])
def test_reader_reads_what_numpy_saves(tmp_path, dtype):
    data = (np.arange(24).reshape(4, 6) - 7).astype(dtype)
    if dtype == "<u4":
        data = np.abs(data.astype(np.int64)).astype(dtype)
    path = tmp_path / "a.npy"
    np.save(path, data)
    m = NpyMap(path)
    assert m.shape == (4, 6) and m.row(2) == tuple(data[2].tolist())
    assert np.array_equal(m.array(), data)
    flat = tmp_path / "b.npy"
    np.save(flat, data.ravel())
    f = NpyMap(flat)
    assert [f[i] for i in range(-3, 3)] == data.ravel()[np.r_[-3:0, 0:3]].tolist()
