/* The word table of a GloVe set built in C: the optional accelerator of
   rnncli.glove.word_table.build_table (see there for the table and its rule).

   build_table(hashes, table) fills `table` (int32 or int64, a power of two long, every slot -1)
   with the row numbers 0..n-1 by the rule the numpy path follows round by round: in round p,
   every row not yet placed asks for slot (hash + p) & (size - 1); a free slot goes to the least
   row asking for it, the others wait for the next round. Taking the rows in ascending order
   within a round and placing each as it comes is that rule: the first row to find a slot free
   is the least one asking, and the later ones find it taken. The same slots, bit for bit; the
   loop runs without the GIL.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

static PyObject *build_table(PyObject *Py_UNUSED(module), PyObject *args) {
    Py_buffer hashes, table;
    if (!PyArg_ParseTuple(args, "y*w*:build_table", &hashes, &table)) return NULL;
    PyObject *result = NULL;
    Py_ssize_t n = hashes.len / 4, wide = table.itemsize == 8;
    Py_ssize_t size = table.len / (table.itemsize ? table.itemsize : 1);
    if (hashes.itemsize != 4 || hashes.len % 4 || (table.itemsize != 4 && !wide) ||
        size < 2 * n || size < 1 || (size & (size - 1))) {
        PyErr_SetString(PyExc_ValueError,
                        "build_table: uint32 hashes and an int32/int64 table of a power of two "
                        "slots, at least twice the rows");
        goto done;
    }
    if (!wide && n > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "build_table: too many rows for an int32 table");
        goto done;
    }
    Py_ssize_t *pending = PyMem_RawMalloc((size_t)(n ? n : 1) * sizeof(Py_ssize_t));
    if (!pending) {
        PyErr_NoMemory();
        goto done;
    }
    const uint32_t *h = hashes.buf;
    int32_t *t32 = table.buf;
    int64_t *t64 = table.buf;
    uint64_t mask = (uint64_t)size - 1;
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t k = 0; k < size && !bad; k++) bad = wide ? t64[k] != -1 : t32[k] != -1;
    for (Py_ssize_t k = 0; k < n; k++) pending[k] = k;
    Py_ssize_t count = bad ? 0 : n;
    for (uint64_t probe = 0; count; probe++) {
        Py_ssize_t kept = 0;
        for (Py_ssize_t k = 0; k < count; k++) {
            Py_ssize_t row = pending[k];
            uint64_t slot = ((uint64_t)h[row] + probe) & mask;
            if (wide ? t64[slot] == -1 : t32[slot] == -1) {
                if (wide)
                    t64[slot] = row;
                else
                    t32[slot] = (int32_t)row;
            } else {
                pending[kept++] = row;
            }
        }
        count = kept;
    }
    Py_END_ALLOW_THREADS
    PyMem_RawFree(pending);
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "build_table: the table must start with every slot -1");
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&hashes);
    PyBuffer_Release(&table);
    return result;
}

static PyMethodDef methods[] = {
    {"build_table", build_table, METH_VARARGS,
     "build_table(hashes, table) -> None\n\nPlace rows 0..n-1 (uint32 hashes) in the table\n"
     "(int32 or int64, a power of two slots, all -1), as word_table.build_table's rule does."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_word_table", "The GloVe word table built in C (see word_table.py).",
    -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__word_table(void) { return PyModule_Create(&module); }
