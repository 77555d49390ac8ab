/* GloVe lines in C: the optional accelerator of rnncli.glove.parse (see decimal_parse.py).

   scan_lines takes a block's ordinary lines, `TOKEN N1 ... Ndim`, in one pass: where the token
   ends and the numbers, each bit for bit float(x) rounded to float32. A field whose digits
   (without the dot) form an integer m <= 2**53 and whose decimal exponent q (the exponent
   minus the fraction digits) lies in [-22, 22] is m * 10**q or m / 10**-q: one correctly
   rounded IEEE operation on two exact doubles (Clinger's fast path), so the very double
   float(x) makes. Any other plain decimal goes to PyOS_string_to_double, the function float()
   itself uses. A line with anything else (a space in the token, too few or too many numbers,
   two spaces, a sign inside a field, letters, NaN or infinity, a value beyond float32) is left
   to the caller's exact per-line path, which keeps or names it. The loop runs without the GIL.

   scan_block takes a whole block the same way when every line in it is ordinary or blank (the
   common case: a clean file), and also hands back the tokens joined by newlines and their
   CRC-32s, so that no per-token Python object is made; any other block is declined (None) and
   goes line by line as before.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <float.h>
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

/* The fields off the fast path, a list that grows without the GIL (PyMem_Raw*). */
typedef struct {
    Slow *items;
    Py_ssize_t n, cap;
    int failed; /* out of memory */
} SlowList;

static int push_slow(SlowList *list, Py_ssize_t index, Py_ssize_t offset, Py_ssize_t length) {
    if (list->n == list->cap) {
        Py_ssize_t cap = list->cap ? 2 * list->cap : 64;
        Slow *grown = cap <= PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(Slow)
                          ? PyMem_RawRealloc(list->items, (size_t)cap * sizeof(Slow))
                          : NULL;
        if (!grown) {
            list->failed = 1;
            return 0;
        }
        list->items = grown;
        list->cap = cap;
    }
    Slow *slow = &list->items[list->n++];
    slow->index = index;
    slow->offset = offset;
    slow->length = length;
    return 1;
}

/* The run of digits at *p (up to `end`) folded into *m; returns how many. (Eight at a time
   with SWAR was measured no faster here: the time goes to the loop's exit, not the digits.) */
static inline Py_ssize_t take_digits(const unsigned char **pp, const unsigned char *end,
                                     uint64_t *m) {
    const unsigned char *p = *pp;
    unsigned d;
    while (p < end && (d = (unsigned)*p - '0') < 10) {
        *m = *m * 10 + d;
        p++;
    }
    Py_ssize_t taken = p - *pp;
    *pp = p;
    return taken;
}

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
    Py_ssize_t ndigits = take_digits(&p, end, &m), nfrac = 0;
    if (p < end && *p == '.') {
        p++;
        nfrac = take_digits(&p, end, &m);
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
                     Py_ssize_t count, Py_ssize_t first, float *values, SlowList *slow) {
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
            if (!push_slow(slow, first + k, start - base, p - start)) return 0;
            v = 0.0;
        }
        values[first + k] = (float)v;
    }
    return p == end;
}

/* Where the token of a line ends (the offset of the first space), or -1 when it has none or
   is empty. The numbers after it are then checked field by field: exactly dim of them, single
   spaces, so the token holds no space; any other line goes the caller's exact way. */
static Py_ssize_t token_end(const unsigned char *s, const unsigned char *e) {
    const unsigned char *p = e > s ? memchr(s, ' ', e - s) : NULL;
    return p && p > s ? p - s : -1;
}


/* CRC-32 (the zlib polynomial, as zlib.crc32): a token's hash for the word table. Byte by byte:
   tokens are a few bytes long. */
static uint32_t CRC_TABLE[256];

static void crc_table_init(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        CRC_TABLE[n] = c;
    }
}

static inline uint32_t crc32_of(const unsigned char *p, Py_ssize_t n) {
    uint32_t c = 0xFFFFFFFFu;
    while (n-- > 0) c = CRC_TABLE[(c ^ *p++) & 0xFFu] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/* Give the fields off the fast path to PyOS_string_to_double (float()'s own function), with the
   GIL. Returns 0 (and sets line_ok[line] = 0 when line_ok is given) for a field float() refuses
   or that is not finite in float32. */
static int settle_slow(const unsigned char *base, const SlowList *slow, Py_ssize_t dim,
                       float *values, unsigned char *line_ok) {
    char field[FIELD_MAX + 1];
    int all = 1;
    for (Py_ssize_t k = 0; k < slow->n; k++) {
        const Slow *f = &slow->items[k];
        Py_ssize_t line = f->index / dim;
        if (line_ok && !line_ok[line]) continue;
        memcpy(field, base + f->offset, f->length);
        field[f->length] = '\0';
        char *tail = NULL;
        double v = PyOS_string_to_double(field, &tail, NULL);
        if (v == -1.0 && PyErr_Occurred()) PyErr_Clear();
        else if (tail == field + f->length && v > -F32_OVERFLOW && v < F32_OVERFLOW) {
            values[f->index] = (float)v;
            continue;
        }
        all = 0;
        if (!line_ok) break;
        line_ok[line] = 0;
    }
    return all;
}

static PyObject *scan_lines(PyObject *Py_UNUSED(module), PyObject *args) {
    Py_buffer data, starts, ends, out, seps, fast;
    Py_ssize_t dim;
    if (!PyArg_ParseTuple(args, "y*y*y*nw*w*w*", &data, &starts, &ends, &dim, &out, &seps, &fast))
        return NULL;
    PyObject *result = NULL;
    SlowList slow = {NULL, 0, 0, 0};
    Py_ssize_t lines = starts.len / 8;
    if (starts.itemsize != 8 || ends.itemsize != 8 || seps.itemsize != 8 || fast.itemsize != 1 ||
        out.itemsize != 4 || ends.len != starts.len || starts.len % 8 || seps.len != starts.len ||
        fast.len != lines || dim < 1 ||
        dim > PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(float) / (lines > 0 ? lines : 1) ||
        out.len < lines * dim * (Py_ssize_t)sizeof(float)) {
        PyErr_SetString(PyExc_ValueError,
                        "starts, ends, seps: int64 of one length; fast: uint8; out: float32 rows");
        goto done;
    }
    const unsigned char *base = data.buf;
    const int64_t *s = starts.buf, *e = ends.buf;
    int64_t *sep = seps.buf;
    unsigned char *ok = fast.buf;
    float *values = out.buf;
    Py_ssize_t nfast = 0;
    int bad_offsets = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < lines; i++) {
        ok[i] = 0;
        sep[i] = -1;
        if (s[i] < 0 || e[i] < s[i] || e[i] > data.len) {
            bad_offsets = 1;
            break;
        }
        const unsigned char *ls = base + s[i], *le = base + e[i];
        if (le > ls && le[-1] == ' ') le--; /* fastText .vec lines end with a space */
        Py_ssize_t t = token_end(ls, le);
        if (t < 0) continue;
        Py_ssize_t before = slow.n;
        if (!parse_run(base, ls + t + 1, le, dim, i * dim, values, &slow)) {
            slow.n = before; /* the line goes the exact way; its slow fields with it */
            if (slow.failed) break;
            continue;
        }
        sep[i] = s[i] + t;
        ok[i] = 1;
        nfast++;
    }
    Py_END_ALLOW_THREADS
    if (bad_offsets) {
        PyErr_SetString(PyExc_ValueError, "a line's offsets lie outside the data");
        goto done;
    }
    if (slow.failed) {
        PyErr_NoMemory();
        goto done;
    }
    /* Fields off the fast path; a line with one that float() refuses goes the exact way. */
    if (!settle_slow(base, &slow, dim, values, ok))
        for (Py_ssize_t i = 0; i < lines; i++)
            if (!ok[i] && sep[i] >= 0) {
                sep[i] = -1;
                nfast--;
            }
    result = PyLong_FromSsize_t(nfast);
done:
    PyMem_RawFree(slow.items);
    PyBuffer_Release(&data);
    PyBuffer_Release(&starts);
    PyBuffer_Release(&ends);
    PyBuffer_Release(&out);
    PyBuffer_Release(&seps);
    PyBuffer_Release(&fast);
    return result;
}


static PyObject *scan_block(PyObject *Py_UNUSED(module), PyObject *args) {
    Py_buffer data, out;
    Py_ssize_t dim;
    if (!PyArg_ParseTuple(args, "y*nw*", &data, &dim, &out)) return NULL;
    PyObject *result = NULL;
    SlowList slow = {NULL, 0, 0, 0};
    unsigned char *tokens = NULL;
    uint32_t *hashes = NULL;
    if (out.itemsize != 4 || dim < 1 || dim > PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(float)) {
        PyErr_SetString(PyExc_ValueError, "out: float32 rows of dim values");
        goto done;
    }
    Py_ssize_t capacity = out.len / (dim * (Py_ssize_t)sizeof(float));
    tokens = PyMem_RawMalloc((size_t)data.len + 1);
    hashes = PyMem_RawMalloc(((size_t)capacity + 1) * sizeof(uint32_t));
    if (!tokens || !hashes) {
        PyErr_NoMemory();
        goto done;
    }
    const unsigned char *base = data.buf, *end = base + data.len;
    float *values = out.buf;
    Py_ssize_t lines = 0, blank = 0, rows = 0, used = 0;
    int declined = 0;
    Py_BEGIN_ALLOW_THREADS
    const unsigned char *p = base;
    while (p < end) {
        const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
        const unsigned char *ls = p, *le = nl ? nl : end;
        p = nl ? nl + 1 : end;
        lines++;
        if (le > ls && le[-1] == '\r') le--; /* as the line logic: one \r dropped */
        if (le == ls) {
            blank++;
            continue;
        }
        if (le[-1] == ' ') le--; /* fastText .vec lines end with a space */
        Py_ssize_t t = token_end(ls, le);
        if (t < 0 || rows == capacity ||
            !parse_run(base, ls + t + 1, le, dim, rows * dim, values, &slow)) {
            declined = 1;
            break;
        }
        memcpy(tokens + used, ls, (size_t)t);
        hashes[rows++] = crc32_of(ls, t);
        used += t;
        tokens[used++] = '\n';
    }
    Py_END_ALLOW_THREADS
    if (slow.failed) {
        PyErr_NoMemory();
        goto done;
    }
    if (declined || !settle_slow(base, &slow, dim, values, NULL)) {
        Py_INCREF(Py_None);
        result = Py_None;
        goto done;
    }
    result = Py_BuildValue("nny#y#", lines, blank, (const char *)tokens, used ? used - 1 : 0,
                           (const char *)hashes, rows * (Py_ssize_t)sizeof(uint32_t));
done:
    PyMem_RawFree(slow.items);
    PyMem_RawFree(tokens);
    PyMem_RawFree(hashes);
    PyBuffer_Release(&data);
    PyBuffer_Release(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"scan_lines", scan_lines, METH_VARARGS,
     "scan_lines(data, starts, ends, dim, out, seps, fast) -> int\n\n"
     "For each line data[starts[i]:ends[i]] (int64 offsets, no newline): when it is a token\n"
     "without a space, then dim plain decimals after single spaces (and maybe one trailing\n"
     "space), sets fast[i] = 1 (uint8), seps[i] to the offset of the space after the token\n"
     "(int64) and row i of out (float32, lines x dim) to the values, each float(x) then\n"
     "float32; else fast[i] = 0 and seps[i] = -1. Returns the number of such lines."},
    {"scan_block", scan_block, METH_VARARGS,
     "scan_block(data, dim, out) -> (lines, blank, tokens, hashes) or None\n\n"
     "The lines of data (split at \\n, one trailing \\r dropped) when each is blank or\n"
     "ordinary (as scan_lines takes it): rows in order fill out (float32, rows x dim);\n"
     "tokens: their tokens joined by \\n; hashes: their CRC-32s (uint32, native order).\n"
     "None when a line is neither, or out holds too few rows: the caller goes line by line."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_decimals", "GloVe numbers in C (see decimal_parse.py).", -1,
    methods,  NULL,        NULL,        NULL,                                          NULL};

PyMODINIT_FUNC PyInit__decimals(void) {
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
    /* x87 arithmetic rounds twice (extended, then double): the fast path would not be exact.
       Python then takes its numpy paths. */
    PyErr_SetString(PyExc_ImportError, "rnncli's C parser needs FLT_EVAL_METHOD == 0");
    return NULL;
#else
    crc_table_init();
    return PyModule_Create(&module);
#endif
}
