/* GloVe numbers in C: the optional accelerator of rnncli.glove.decimal_parse.

   Each number is parsed bit for bit as float(x) rounded to float32. A field whose digits
   (without the dot) form an integer m <= 2**53 and whose decimal exponent q (the exponent
   minus the fraction digits) lies in [-22, 22] is m * 10**q or m / 10**-q: one correctly
   rounded IEEE operation on two exact doubles (Clinger's fast path), so the very double
   float(x) makes. Any other plain decimal goes to PyOS_string_to_double, the function float()
   itself uses. Anything else (a sign inside a field, two dots, an empty field, two spaces,
   letters, NaN or infinity, a value beyond float32) makes the call return False: the caller
   then takes its exact, slower paths, which name the bad line. The loops run without the GIL.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

static const double POW10[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* From 2**128 - 2**103 on, a double rounds to infinity in float32 (half to even). */
#define F32_OVERFLOW 3.4028235677973366e38
#define FIELD_MAX 400 /* longer plain decimals are left to the caller's paths */

enum { FIELD_OK, FIELD_SLOW, FIELD_BAD };

/* A field off the fast path: where its value goes and where its bytes are. */
typedef struct {
    Py_ssize_t index, offset, length;
} Slow;

/* Parse the field at *pp (it ends at `end` or at a space) into *value; *pp moves past it. */
static inline int parse_field(const unsigned char **pp, const unsigned char *end,
                              double *value) {
    const unsigned char *p = *pp;
    int negative = 0;
    if (p < end && (*p == '-' || *p == '+')) {
        negative = *p == '-';
        p++;
    }
    uint64_t m = 0; /* wraps beyond 19 digits: such fields go the slow way */
    unsigned d;
    const unsigned char *digits = p;
    while (p < end && (d = (unsigned)*p - '0') < 10) {
        m = m * 10 + d;
        p++;
    }
    Py_ssize_t ndigits = p - digits, nfrac = 0;
    if (p < end && *p == '.') {
        const unsigned char *frac = ++p;
        while (p < end && (d = (unsigned)*p - '0') < 10) {
            m = m * 10 + d;
            p++;
        }
        nfrac = p - frac;
        ndigits += nfrac;
    }
    if (!ndigits) return FIELD_BAD;
    long exponent = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0;
        if (p < end && (*p == '-' || *p == '+')) {
            eneg = *p == '-';
            p++;
        }
        const unsigned char *edigits = p;
        while (p < end && (d = (unsigned)*p - '0') < 10) {
            if (exponent < 100000) exponent = exponent * 10 + d;
            p++;
        }
        if (p == edigits) return FIELD_BAD;
        if (eneg) exponent = -exponent;
    }
    if (p < end && *p != ' ') return FIELD_BAD;
    *pp = p;
    if (ndigits > 19 || m > ((uint64_t)1 << 53)) return FIELD_SLOW;
    long q = exponent - (long)nfrac;
    double v;
    if (m == 0)
        v = 0.0;
    else if (q >= 0 && q <= 22)
        v = (double)m * POW10[q]; /* below 2**53 * 1e22: finite in float32 */
    else if (q < 0 && q >= -22)
        v = (double)m / POW10[-q];
    else
        return FIELD_SLOW;
    *value = negative ? -v : v;
    return FIELD_OK;
}

/* Exactly `count` fields separated by single spaces fill [p, end): values[first..], and the
   fields off the fast path are appended to slow. Returns 0 when the bytes are not that. */
static int parse_run(const unsigned char *base, const unsigned char *p, const unsigned char *end,
                     Py_ssize_t count, Py_ssize_t first, float *values, Slow *slow,
                     Py_ssize_t *nslow) {
    for (Py_ssize_t k = 0; k < count; k++) {
        if (k) {
            if (p >= end || *p != ' ') return 0;
            p++;
        }
        const unsigned char *start = p;
        double v = 0.0;
        int kind = parse_field(&p, end, &v);
        if (kind == FIELD_BAD || p - start > FIELD_MAX) return 0;
        if (kind == FIELD_SLOW) {
            Slow *s = &slow[(*nslow)++];
            s->index = first + k;
            s->offset = start - base;
            s->length = p - start;
            v = 0.0;
        }
        values[first + k] = (float)v;
    }
    return p == end;
}

/* The fields off the fast path, through PyOS_string_to_double (with the GIL). */
static int parse_slow(const unsigned char *base, float *values, const Slow *slow,
                      Py_ssize_t nslow) {
    char field[FIELD_MAX + 1];
    for (Py_ssize_t i = 0; i < nslow; i++) {
        memcpy(field, base + slow[i].offset, slow[i].length);
        field[slow[i].length] = '\0';
        char *tail = NULL;
        double v = PyOS_string_to_double(field, &tail, NULL);
        if (v == -1.0 && PyErr_Occurred()) {
            PyErr_Clear();
            return 0;
        }
        if (tail != field + slow[i].length || !(v > -F32_OVERFLOW && v < F32_OVERFLOW)) return 0;
        values[slow[i].index] = (float)v;
    }
    return 1;
}

static int float32_out(Py_buffer *out, Py_ssize_t count) {
    if (count < 0 || out->len < count * (Py_ssize_t)sizeof(float)) {
        PyErr_SetString(PyExc_ValueError, "out must be a float32 buffer of the values' count");
        return 0;
    }
    return 1;
}

static PyObject *parse_lines(PyObject *Py_UNUSED(module), PyObject *args) {
    Py_buffer data, starts, ends, out;
    Py_ssize_t dim;
    if (!PyArg_ParseTuple(args, "y*y*y*nw*", &data, &starts, &ends, &dim, &out)) return NULL;
    PyObject *result = NULL;
    Slow *slow = NULL;
    Py_ssize_t lines = starts.len / 8;
    if (ends.len != starts.len || starts.len % 8 || dim < 1) {
        PyErr_SetString(PyExc_ValueError, "starts and ends must be int64 buffers of one length");
        goto done;
    }
    if (!float32_out(&out, lines * dim)) goto done;
    slow = PyMem_Malloc(sizeof(Slow) * (lines * dim > 0 ? lines * dim : 1));
    if (!slow) {
        PyErr_NoMemory();
        goto done;
    }
    const unsigned char *base = data.buf;
    const int64_t *s = starts.buf, *e = ends.buf;
    Py_ssize_t nslow = 0;
    int ok = 1;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; ok && i < lines; i++) {
        if (s[i] < 0 || e[i] < s[i] || e[i] > data.len)
            ok = 0;
        else
            ok = parse_run(base, base + s[i], base + e[i], dim, i * dim, out.buf, slow, &nslow);
    }
    Py_END_ALLOW_THREADS
    ok = ok && parse_slow(base, out.buf, slow, nslow);
    result = PyBool_FromLong(ok);
done:
    PyMem_Free(slow);
    PyBuffer_Release(&data);
    PyBuffer_Release(&starts);
    PyBuffer_Release(&ends);
    PyBuffer_Release(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"parse_lines", parse_lines, METH_VARARGS,
     "parse_lines(data, starts, ends, dim, out) -> bool\n\n"
     "dim decimals from each data[starts[i]:ends[i]] (int64 offsets) into row i of the\n"
     "float32 buffer out; False when any line's bytes are not exactly that."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_decimals", "GloVe numbers in C (see decimal_parse.py).", -1,
    methods,  NULL,        NULL,        NULL,                                          NULL};

PyMODINIT_FUNC PyInit__decimals(void) { return PyModule_Create(&module); }
