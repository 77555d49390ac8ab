/* The word table of a GloVe set built in C: the optional accelerator of
   rnncli.glove.word_table.build_table (see there for the table and its rule).

   build_table(hashes, table) fills `table` (int32 or int64, a power of two long, every slot -1)
   with the row numbers 0..n-1 by the rule the numpy path follows round by round: in round p,
   every row not yet placed asks for slot (hash + p) & (size - 1); a free slot goes to the least
   row asking for it, the others wait for the next round. Taking the rows in ascending order
   within a round and placing each as it comes is that rule: the first row to find a slot free
   is the least one asking, and the later ones find it taken. The same slots, bit for bit; the
   loop runs without the GIL.

   With a third argument `shared` (uint8, one per row), it also marks the rows whose hash an
   earlier row has: two such rows ask for the same slots in the same rounds until the earlier
   one is placed, so the later one then fails at a slot holding a row of its own hash. That is
   where a token given twice shows, without sorting the hashes (rnncli.glove.set_writer).
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

static PyObject *build_table(PyObject *Py_UNUSED(module), PyObject *args) {
    Py_buffer hashes, table, shared = {0};
    if (!PyArg_ParseTuple(args, "y*w*|w*:build_table", &hashes, &table, &shared)) return NULL;
    PyObject *result = NULL;
    Py_ssize_t marked = 0;
    Py_ssize_t n = hashes.len / 4, wide = table.itemsize == 8;
    Py_ssize_t size = table.len / (table.itemsize ? table.itemsize : 1);
    if (hashes.itemsize != 4 || hashes.len % 4 || (table.itemsize != 4 && !wide) ||
        size < 2 * n || size < 1 || (size & (size - 1)) ||
        (shared.obj && (shared.itemsize != 1 || shared.len != n))) {
        PyErr_SetString(PyExc_ValueError,
                        "build_table: uint32 hashes and an int32/int64 table of a power of two "
                        "slots, at least twice the rows; shared: uint8, one per row");
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
    unsigned char *flag = shared.buf;
    int32_t *t32 = table.buf;
    int64_t *t64 = table.buf;
    uint64_t mask = (uint64_t)size - 1;
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t k = 0; k < size && !bad; k++) bad = wide ? t64[k] != -1 : t32[k] != -1;
    for (Py_ssize_t k = 0; k < n; k++) pending[k] = k;
    if (flag && !bad) memset(flag, 0, (size_t)n);
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
                if (flag && !flag[row] && h[wide ? t64[slot] : t32[slot]] == h[row]) {
                    flag[row] = 1;
                    marked++;
                }
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
    if (shared.obj) {
        result = PyLong_FromSsize_t(marked);
    } else {
        result = Py_None;
        Py_INCREF(result);
    }
done:
    PyBuffer_Release(&hashes);
    PyBuffer_Release(&table);
    if (shared.obj) PyBuffer_Release(&shared);
    return result;
}

static PyMethodDef methods[] = {
    {"build_table", build_table, METH_VARARGS,
     "build_table(hashes, table[, shared]) -> None or int\n\nPlace rows 0..n-1 (uint32 hashes)\n"
     "in the table (int32 or int64, a power of two slots, all -1), as word_table.build_table's\n"
     "rule does. shared (uint8, one per row): set to 1 for each row whose hash an earlier row\n"
     "has; then returns how many."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_word_table", "The GloVe word table built in C (see word_table.py).",
    -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__word_table(void) { return PyModule_Create(&module); }
