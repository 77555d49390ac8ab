/* Whitespace-separated chunks counted in C: the optional accelerator of rnncli.text.chunk_table
   (see there for the Python class that does the same work where this was not built).

   ChunkTable.add(data, lower, utf8, punct) splits a block of bytes where bytes.split() splits
   it (the ASCII whitespace bytes space, \t, \n, \v, \f, \r; with punct, also at ASCII
   punctuation, for the basic tokenizer), lowercases ASCII letters first when asked (what
   bytes.lower() does) and counts every chunk in an open-addressing hash table, and its
   newlines; with utf8, only once the block is found to be UTF-8 as Python's strict decoder
   takes it (else it returns -1 and counts nothing). All of it without the GIL: a thread per byte
   range of a file puts every core to work. export() hands back the distinct chunks, in the order
   first seen, joined by single spaces (no chunk holds one), and their counts as native int64, and
   empties the table; add_counts(joined, counts) adds such an export (another range's) to a table.
   One table serves one thread at a time.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

/* 16 bytes a distinct chunk: its bytes end where the next entry's begin (the arena holds them in
   entry order), and its hash is computed again when the slots grow. */
typedef struct {
    Py_ssize_t offset; /* the chunk's bytes in the arena */
    int64_t count;
} Entry;

typedef struct {
    PyObject_HEAD
    unsigned char *arena; /* every distinct chunk's bytes, one after another, in entry order */
    Py_ssize_t arena_used, arena_cap;
    Entry *entries; /* in the order first seen */
    Py_ssize_t n, entries_cap;
    uint32_t *slots; /* entry index + 1; 0 is empty. At most half full. */
    size_t slot_count; /* a power of two */
    unsigned char *scratch; /* the block lowercased */
    Py_ssize_t scratch_cap;
    int busy; /* add() is running (without the GIL) */
} ChunkTable;

static unsigned char SPACE[256];
/* Where a chunk ends: at whitespace; with punct, also before and after each ASCII punctuation
   byte of PUNCTUATION, which is a chunk of its own (STOP_PUNCT); in a chunk that holds a
   non-ASCII byte and is lowercased, only at those of them that are not case-ignorable
   (STOP_PUNCT_CASED; see CASE_IGNORABLE). */
static unsigned char STOP_PUNCT[256], STOP_PUNCT_CASED[256];
/* ASCII punctuation and symbols that the basic tokenizer always makes one token of their own,
   whatever surrounds them: not word characters, not whitespace, never inside a multi-byte
   UTF-8 sequence, never part of an emoji sequence (# and * start keycaps: left out). */
static const char PUNCTUATION[] = "!\"$%&'()+,-./:;<=>?@[\\]^`{|}~";
/* Those of them that str.lower() looks through when it decides whether a capital sigma ends a
   word (Unicode's Case_Ignorable): "\u0391\u03a3.\u0391" lowers to a medial sigma, but
   "\u0391\u03a3" alone to a final one. A chunk with a non-ASCII byte is not cut there when
   lowercased. */
static const char CASE_IGNORABLE[] = ".':^`";
static unsigned char LOWER[256];

/* 64-bit words mixed by multiplication; the last partial word zero-padded, the length mixed in. */
static inline uint64_t hash_chunk(const unsigned char *p, Py_ssize_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, p, (size_t)n);
        h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
        h ^= h >> 29;
    }
    h *= 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 32);
}

/* The table's arrays come straight from the kernel on Linux (mmap, grown by mremap without a
   copy): freed, they leave the process at once, whichever thread made them, where malloc would
   keep them in a per-thread arena; pages never written cost nothing. Else PyMem_Raw*. */
static void *big_resize(void *old, size_t old_size, size_t size) {
#ifdef __linux__
    void *p = old ? mremap(old, old_size, size, MREMAP_MAYMOVE)
                  : mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
#else
    (void)old_size;
    return PyMem_RawRealloc(old, size);
#endif
}

/* A zeroed array. */
static void *big_zeroed(size_t count, size_t size) {
#ifdef __linux__
    return big_resize(NULL, 0, count * size); /* anonymous pages are zero */
#else
    return PyMem_RawCalloc(count, size);
#endif
}

static void big_free(void *p, size_t size) {
    if (!p) return;
#ifdef __linux__
    munmap(p, size);
#else
    (void)size;
    PyMem_RawFree(p);
#endif
}

static int grow(void **items, Py_ssize_t *cap, Py_ssize_t need, size_t size) {
    if (need <= *cap) return 1;
    Py_ssize_t target = *cap ? *cap : 1024;
    while (target < need) {
        if (target > PY_SSIZE_T_MAX / 2) return 0;
        target *= 2;
    }
    if ((size_t)target > (size_t)PY_SSIZE_T_MAX / size) return 0;
    void *grown = big_resize(*items, (size_t)*cap * size, (size_t)target * size);
    if (!grown) return 0;
    *items = grown;
    *cap = target;
    return 1;
}

static inline Py_ssize_t entry_length(const ChunkTable *t, Py_ssize_t k) {
    return (k + 1 < t->n ? t->entries[k + 1].offset : t->arena_used) - t->entries[k].offset;
}

/* Twice the slots, every entry placed again by its hash. */
static int grow_slots(ChunkTable *t) {
    size_t count = t->slot_count ? t->slot_count * 2 : 4096;
    if (count > ((size_t)1 << 33) || count > SIZE_MAX / sizeof(uint32_t)) return 0;
    uint32_t *slots = big_zeroed(count, sizeof(uint32_t));
    if (!slots) return 0;
    size_t mask = count - 1;
    for (Py_ssize_t k = 0; k < t->n; k++) {
        size_t i = (size_t)hash_chunk(t->arena + t->entries[k].offset, entry_length(t, k)) & mask;
        while (slots[i]) i = (i + 1) & mask;
        slots[i] = (uint32_t)(k + 1);
    }
    big_free(t->slots, t->slot_count * sizeof(uint32_t));
    t->slots = slots;
    t->slot_count = count;
    return 1;
}

/* count += add (add >= 1) for the chunk p[0:n]; a new chunk gets an entry. 0 when out of
   memory, -1 when the count would pass INT64_MAX (the table is unchanged then). */
static int count_chunk(ChunkTable *t, const unsigned char *p, Py_ssize_t n, int64_t add) {
    if ((size_t)t->n >= t->slot_count / 2) {
        if (t->n >= (Py_ssize_t)UINT32_MAX - 1 || !grow_slots(t)) return 0;
    }
    uint64_t h = hash_chunk(p, n);
    size_t mask = t->slot_count - 1, i = (size_t)h & mask;
    uint32_t s;
    while ((s = t->slots[i]) != 0) {
        Entry *e = &t->entries[s - 1];
        if (entry_length(t, s - 1) == n && memcmp(t->arena + e->offset, p, (size_t)n) == 0) {
            if (add > INT64_MAX - e->count) return -1;
            e->count += add;
            return 1;
        }
        i = (i + 1) & mask;
    }
    if (n > PY_SSIZE_T_MAX - t->arena_used ||
        !grow((void **)&t->arena, &t->arena_cap, t->arena_used + n, 1) ||
        !grow((void **)&t->entries, &t->entries_cap, t->n + 1, sizeof(Entry)))
        return 0;
    memcpy(t->arena + t->arena_used, p, (size_t)n);
    Entry *e = &t->entries[t->n];
    e->offset = t->arena_used;
    e->count = add;
    t->arena_used += n;
    t->slots[i] = (uint32_t)(++t->n);
    return 1;
}

/* Whether data[0:len] is UTF-8 as Python's strict decoder takes it: no stray continuation
   byte, no overlong form, no surrogate (ED A0-BF), nothing past U+10FFFF, nothing cut short. */
static int valid_utf8(const unsigned char *p, Py_ssize_t len) {
    const unsigned char *end = p + len;
    while (p < end) {
        uint64_t w;
        if (end - p >= 8 && (memcpy(&w, p, 8), !(w & 0x8080808080808080ull))) {
            p += 8; /* eight ASCII bytes */
            continue;
        }
        unsigned c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        Py_ssize_t need;
        unsigned lo = 0x80, hi = 0xBF; /* the second byte's range */
        if (c >= 0xC2 && c <= 0xDF)
            need = 1;
        else if (c == 0xE0)
            need = 2, lo = 0xA0;
        else if (c == 0xED)
            need = 2, hi = 0x9F;
        else if (c >= 0xE1 && c <= 0xEF)
            need = 2;
        else if (c == 0xF0)
            need = 3, lo = 0x90;
        else if (c == 0xF4)
            need = 3, hi = 0x8F;
        else if (c >= 0xF1 && c <= 0xF3)
            need = 3;
        else
            return 0;
        if (end - p <= need || p[1] < lo || p[1] > hi) return 0;
        for (Py_ssize_t k = 2; k <= need; k++)
            if ((p[k] & 0xC0) != 0x80) return 0;
        p += need + 1;
    }
    return 1;
}

/* Count every chunk of data[0:len] and its newlines (*newlines). Runs without the GIL.
   0 when out of memory. */
static int add_block(ChunkTable *t, const unsigned char *data, Py_ssize_t len, int lower,
                     int punct, Py_ssize_t *newlines) {
    Py_ssize_t lines = 0;
    if (lower) {
        if (!grow((void **)&t->scratch, &t->scratch_cap, len, 1)) return 0;
        for (Py_ssize_t k = 0; k < len; k++) t->scratch[k] = LOWER[data[k]];
        data = t->scratch;
    }
    const unsigned char *p = data, *end = data + len;
    while (p < end) {
        while (p < end && SPACE[*p]) lines += *p++ == '\n';
        if (p == end) break;
        const unsigned char *last = p; /* the whitespace-separated chunk is [p, last) */
        unsigned char high = 0;
        while (last < end && !SPACE[*last]) high |= *last++;
        if (!punct) {
            if (count_chunk(t, p, last - p, 1) != 1) return 0; /* 2**63 chunks: never */
            p = last;
            continue;
        }
        const unsigned char *stop = lower && (high & 0x80) ? STOP_PUNCT_CASED : STOP_PUNCT;
        while (p < last) {
            const unsigned char *start = p;
            if (stop[*p]) /* a punctuation byte */
                p++;
            else
                while (p < last && !stop[*p]) p++;
            if (count_chunk(t, start, p - start, 1) != 1) return 0;
        }
    }
    *newlines = lines;
    return 1;
}

static void release(ChunkTable *t) {
    big_free(t->arena, (size_t)t->arena_cap);
    big_free(t->entries, (size_t)t->entries_cap * sizeof(Entry));
    big_free(t->slots, t->slot_count * sizeof(uint32_t));
    big_free(t->scratch, (size_t)t->scratch_cap);
    t->arena = t->scratch = NULL;
    t->entries = NULL;
    t->slots = NULL;
    t->arena_used = t->arena_cap = t->n = t->entries_cap = t->scratch_cap = 0;
    t->slot_count = 0;
}

static int check_idle(ChunkTable *t) {
    if (t->busy) {
        PyErr_SetString(PyExc_RuntimeError, "a ChunkTable is used by one thread at a time");
        return 0;
    }
    return 1;
}

static PyObject *table_add(ChunkTable *self, PyObject *args) {
    Py_buffer buf;
    int lower, utf8 = 0, punct = 0, ok = 1;
    Py_ssize_t newlines = -1;
    if (!PyArg_ParseTuple(args, "y*p|pp:add", &buf, &lower, &utf8, &punct)) return NULL;
    if (!check_idle(self)) {
        PyBuffer_Release(&buf);
        return NULL;
    }
    self->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    if (!utf8 || valid_utf8((const unsigned char *)buf.buf, buf.len))
        ok = add_block(self, (const unsigned char *)buf.buf, buf.len, lower, punct, &newlines);
    Py_END_ALLOW_THREADS
    self->busy = 0;
    PyBuffer_Release(&buf);
    if (!ok) return PyErr_NoMemory();
    return PyLong_FromSsize_t(newlines);
}

/* The i-th chunk of an export: where it starts and ends; 0 when the bytes are not an export. */
static int check_export(const unsigned char *p, const unsigned char *end, const char *counts,
                        Py_ssize_t n) {
    for (Py_ssize_t k = 0; k < n; k++) {
        const unsigned char *stop = memchr(p, ' ', (size_t)(end - p));
        if (!stop) stop = end;
        int64_t count;
        memcpy(&count, counts + 8 * k, 8);
        if (stop == p || (k + 1 < n) != (stop < end) || count < 1) return 0;
        p = stop + 1;
    }
    return 1;
}

static PyObject *table_add_counts(ChunkTable *self, PyObject *args) {
    Py_buffer joined, counts;
    if (!PyArg_ParseTuple(args, "y*y*:add_counts", &joined, &counts)) return NULL;
    PyObject *result = NULL;
    Py_ssize_t n = counts.len / 8;
    const unsigned char *p = joined.buf, *end = p + joined.len;
    /* Checked whole first: a refused export changes nothing. */
    if (counts.len % 8 || (n == 0) != (joined.len == 0) ||
        !check_export(p, end, counts.buf, n)) {
        PyErr_SetString(PyExc_ValueError, "add_counts: not an export (chunks and counts)");
        goto done;
    }
    if (!check_idle(self)) goto done;
    for (Py_ssize_t k = 0; k < n; k++) {
        const unsigned char *stop = memchr(p, ' ', (size_t)(end - p));
        if (!stop) stop = end;
        int64_t count;
        memcpy(&count, (const char *)counts.buf + 8 * k, 8);
        int added = count_chunk(self, p, stop - p, count);
        if (added == 0) {
            PyErr_NoMemory();
            goto done;
        }
        if (added < 0) {
            PyErr_SetString(PyExc_OverflowError, "add_counts: a count passes 2**63 - 1");
            goto done;
        }
        p = stop + 1;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&joined);
    PyBuffer_Release(&counts);
    return result;
}

static PyObject *table_export(ChunkTable *self, PyObject *Py_UNUSED(ignored)) {
    if (!check_idle(self)) return NULL;
    Py_ssize_t n = self->n;
    Py_ssize_t size = n ? self->arena_used + n - 1 : 0;
    if (n > PY_SSIZE_T_MAX / 8) return PyErr_NoMemory();
    /* The slots and the scratch play no part in an export: freed first, they make room for it
       (4 to 8 bytes a chunk, when every thread's table is exported at about the same time). */
    big_free(self->slots, self->slot_count * sizeof(uint32_t));
    big_free(self->scratch, (size_t)self->scratch_cap);
    self->slots = NULL;
    self->slot_count = 0;
    self->scratch = NULL;
    self->scratch_cap = 0;
    PyObject *joined = PyBytes_FromStringAndSize(NULL, size);
    PyObject *counts = joined ? PyBytes_FromStringAndSize(NULL, n * 8) : NULL;
    if (!counts) {
        Py_XDECREF(joined);
        release(self); /* empty, as after an export: a table without slots holds nothing */
        return NULL;
    }
    char *out = PyBytes_AS_STRING(joined);
    char *numbers = PyBytes_AS_STRING(counts);
    for (Py_ssize_t k = 0; k < n; k++) {
        const Entry *e = &self->entries[k];
        if (k) *out++ = ' ';
        Py_ssize_t length = entry_length(self, k);
        memcpy(out, self->arena + e->offset, (size_t)length);
        out += length;
        memcpy(numbers + 8 * k, &e->count, 8);
    }
    release(self);
    return Py_BuildValue("(NN)", joined, counts);
}

static Py_ssize_t table_len(ChunkTable *self) { return check_idle(self) ? self->n : -1; }

static void table_dealloc(ChunkTable *self) {
    release(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef table_methods[] = {
    {"add", (PyCFunction)table_add, METH_VARARGS,
     "add(data, lower, utf8=False, punct=False) -> int\n\nCount the chunks of the bytes-like\n"
     "data, split at ASCII whitespace as bytes.split() splits, ASCII letters lowercased first\n"
     "when lower is true, each ASCII punctuation byte but # and * a chunk of its own when punct\n"
     "is true; return its newlines, or -1 (counting nothing) when utf8 is true and data is not\n"
     "UTF-8 as bytes.decode('utf-8') takes it."},
    {"add_counts", (PyCFunction)table_add_counts, METH_VARARGS,
     "add_counts(joined, counts) -> None\n\nAdd the chunks and counts of an export() to this\n"
     "table (ValueError when they are not one)."},
    {"export", (PyCFunction)table_export, METH_NOARGS,
     "export() -> (joined, counts)\n\nThe distinct chunks in the order first seen, joined by\n"
     "single spaces (bytes), and their counts (native int64 bytes); the table is emptied."},
    {NULL, NULL, 0, NULL}};

static PySequenceMethods table_sequence = {.sq_length = (lenfunc)table_len};

static PyTypeObject ChunkTableType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "rnncli.text._chunk_table.ChunkTable",
    .tp_basicsize = sizeof(ChunkTable),
    .tp_dealloc = (destructor)table_dealloc,
    .tp_as_sequence = &table_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Counts of whitespace-separated byte chunks (see the module's comment).",
    .tp_methods = table_methods,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_chunk_table", "Corpus chunks counted in C (see chunk_table.py).",
    -1, NULL, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__chunk_table(void) {
    for (int c = 0; c < 256; c++) LOWER[c] = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    SPACE[' '] = SPACE['\t'] = SPACE['\n'] = SPACE['\v'] = SPACE['\f'] = SPACE['\r'] = 1;
    memcpy(STOP_PUNCT, SPACE, sizeof SPACE);
    for (const char *c = PUNCTUATION; *c; c++) STOP_PUNCT[(unsigned char)*c] = 1;
    memcpy(STOP_PUNCT_CASED, STOP_PUNCT, sizeof STOP_PUNCT);
    for (const char *c = CASE_IGNORABLE; *c; c++) STOP_PUNCT_CASED[(unsigned char)*c] = 0;
    if (PyType_Ready(&ChunkTableType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    Py_INCREF(&ChunkTableType);
    if (PyModule_AddObject(m, "ChunkTable", (PyObject *)&ChunkTableType) < 0) {
        Py_DECREF(&ChunkTableType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
