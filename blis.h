/* blis.h - the Blackbox Inference Simulator as one C header.        v0.1.0
 *
 * PURPOSE
 *   blis predicts the latency (TTFT, ITL, E2E) and throughput of an LLM
 *   inference server (vLLM-style continuous batching, chunked prefill, paged
 *   KV cache) from a model config, a GPU description and a workload, without
 *   a GPU. It is a C port of BLIS (inference-sim, Apache-2.0), written from
 *   its specification. The header holds all of it: strict parsers for the
 *   input formats (JSON, CSV, a YAML subset, gzip), exact locale-free number
 *   conversion, model and GPU configs, the roofline step-time models and
 *   kernel MFU tables, workload generators, the event engine, scheduler and
 *   paged KV cache, the cluster and its routing, metrics and reports,
 *   evaluation against real vLLM runs, capacity planning, and a whole run
 *   from named options (blis_run_json). blis_fetch.h adds what needs POSIX
 *   or the network (directory listing, HuggingFace downloads through curl).
 *
 * DO THIS
 *   In exactly one C or C++ file:
 *       #define BLIS_IMPLEMENTATION
 *       #include "blis.h"
 *   Everywhere else include "blis.h" without the define. Link with -lm.
 *
 * QUICK START  (examples/c/quickstart.c; from the repository root:
 *               cc -std=c99 -I. quickstart.c -lm && ./a.out)
 *   #define BLIS_IMPLEMENTATION
 *   #include "blis.h"
 *
 *   #include <stdio.h>
 *
 *   static int to_stdout(void *user, const char *data, size_t len) {
 *       return fwrite(data, 1, len, (FILE *)user) == len ? 0 : -1;
 *   }
 *
 *   int main(void) {
 *       const char *options = "{\"model\": \"meta-llama/llama-3.1-8b-instruct\", \"rate\": 4,"
 *                             " \"num_requests\": 200, \"defaults_filepath\": \"data/defaults.yaml\"}";
 *       blis_err err;
 *       if (blis_run_json(options, strlen(options), NULL, to_stdout, stdout, &err) != BLIS_OK) {
 *           fprintf(stderr, "quickstart: %s\n", err.msg);
 *           return 2;
 *       }
 *       return 0;
 *   }
 *   The options are simulation_worker run's flags by name; the output is the
 *   document `run --json` prints (TTFT, ITL, E2E, throughput, capacity).
 *   Lower-level calls (model and GPU files, workload generators, one
 *   instance, a cluster) are in examples/c/simulate.c.
 *
 * TABLE OF CONTENTS  (declarations and implementation follow the same order;
 *                     grep for ">>tag" to jump; a section calls only those above it)
 *   >>config   compile-time options, version, limits
 *   >>base     status codes, errors, allocator, arena, bignum, exact number
 *              conversion (decimal <-> double, Go-compatible formatting)
 *   >>json     the document model (shared with YAML), RFC 8259 parser, writer
 *   >>csv      RFC 4180 reader: streaming rows and whole tables, typed cells
 *   >>yaml     the YAML subset below, parsed into the same document model
 *   >>gzip     inflate (RFC 1951) and gzip members (RFC 1952), CRC-32
 *   >>model    HF config.json -> model config; hardware configs
 *   >>roofline roofline v1/v2 step times, the analyzer (TRA), KV capacity
 *   >>mfu      the kernel MFU database (bench_data CSVs)
 *   >>workload RNG streams, legacy generator, CSV traces, workload specs,
 *              defaults files
 *   >>evq      the instance event heap (Go container/heap order)
 *   >>kv       paged KV cache, prefix caching, CPU tier
 *   >>sched    priority policies, schedulers, the wait queue
 *   >>sim      one vLLM instance: latency models, the step, the run loop
 *   >>cluster  instances behind admission and routing, one shared clock
 *   >>metrics  statistics and the metrics block
 *   >>report   the results file, the KV metrics and cluster reports
 *   >>eval     ground-truth records and traces as simulations
 *   >>bench    bench_data tables: the validator, the aiconfigurator importer
 *   >>plan     capacity planning: SLOs, goodput, cost, sweep grids, the Pareto
 *              front, the knee, SVG charts
 *   >>run      a whole run from named options (the CLI's `run`, blis_run_json):
 *              configuration resolution, the run, its JSON document
 *
 * COMPILE-TIME OPTIONS
 *   BLIS_IMPLEMENTATION   emit the implementation in this translation unit.
 *   BLIS_STATIC           make every function static (private copy per TU).
 *   BLIS_MALLOC(sz) / BLIS_FREE(p)
 *                         the default allocator; define both or neither.
 *   BLIS_ARENA_EXACT      debugging: every arena allocation is its own block
 *                         of the exact size, so a sanitizer sees overruns
 *                         (used by the fuzz targets and the ASan test build).
 *   BLIS_DEFAULT_MAX_DEPTH        nesting limit of JSON/YAML (default 128).
 *   BLIS_DEFAULT_MAX_INPUT_BYTES  input size limit (default 64 MiB).
 *   BLIS_DEFAULT_MAX_CSV_COLUMNS  CSV column limit (default 1024).
 *   BLIS_MAX_REQUEST_TOKENS  longest generated input/output (default 2^24).
 *   Each limit can also be set per call in blis_parse_opts.
 *
 * ERRORS
 *   Every fallible call returns a blis_status (BLIS_OK == 0) and fills a
 *   caller-owned blis_err: code, source name, 1-based line and column (bytes),
 *   a message, and for document getters the field path ("clients[2].rate").
 *   The library never prints, exits or aborts. No global mutable state.
 *
 * THE YAML SUBSET (what blis_yaml_parse accepts; everything else is an error
 * that names the construct and its line and column)
 *   - One document. A single "---" line may open it; a second "---" or a
 *     "..." line is rejected ("multiple documents are not supported").
 *   - Block mappings ("key: value", "key:" followed by a more indented block
 *     or by a "- " sequence at the key's own indentation) and block sequences
 *     ("- item", including "- key: value" compact mappings and "- - x").
 *   - Keys: plain or quoted scalars on one line. Duplicate keys are errors.
 *   - Scalars on one line: plain, 'single-quoted' ('' is a quote) and
 *     "double-quoted" (escapes \0 \a \b \t \n \v \f \r \e \" \/ \\ \xHH
 *     \uHHHH \UHHHHHHHH; invalid escapes are errors).
 *   - Flow collections nested to any depth (up to the depth limit), which
 *     may span lines: [1, 2, 3], {process: gamma, cv: 2.0},
 *     {type: gaussian, params: {mean: 256, std_dev: 64}}.
 *   - Comments (#) after whitespace or on their own line; blank lines.
 *   - "key:" with no value is null.
 *   - Plain scalars resolve as in the YAML 1.2 core schema: null (~, null,
 *     Null, NULL, empty), booleans (true/True/TRUE/false/False/FALSE),
 *     integers (decimal, 0x hex, 0o octal), floats (1.5, 2.0e6, .5, .inf,
 *     -.inf, .nan); anything else is a string. Quoted scalars are strings.
 *   Rejected: anchors (&), aliases (*), tags (!), block scalars (| and >),
 *   directives (%), complex keys (?), tabs in indentation, multi-line plain
 *   or quoted scalars, mappings as inline values ("a: b: c"), implicit
 *   mappings inside flow sequences ([a: b]), reserved indicators (@ `).
 *
 * DETERMINISM
 *   Number parsing and printing never use the C locale or the libc
 *   conversion functions: decimal -> double is correctly rounded (round half
 *   to even) and double -> decimal is the shortest string that round-trips,
 *   so the same input gives the same bytes on every platform with IEEE-754
 *   doubles, whatever setlocale() says. The code is ISO C99 (C++ compatible).
 *
 * LICENCE AND HISTORY: at the end of this file.
 */
#ifndef BLIS_H
#define BLIS_H

#include <signal.h> /* sig_atomic_t: a cancel flag a signal handler may set */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ==== >>config  compile-time options, version, limits ==== */

#define BLIS_VERSION_MAJOR 0
#define BLIS_VERSION_MINOR 1
#define BLIS_VERSION_PATCH 0
#define BLIS_VERSION       "0.1.0"
/* The upstream release whose behaviour blis reproduces (see the spec). */
#define BLIS_REFERENCE_VERSION "v0.6.1"

#ifdef BLIS_STATIC
#if defined(__GNUC__) || defined(__clang__)
#define BLIS_DEF static __attribute__((unused)) /* a unit need not call every function */
#else
#define BLIS_DEF static
#endif
#else
#define BLIS_DEF extern
#endif

#ifdef __cplusplus
extern "C" {
#endif

#if defined(BLIS_MALLOC) != defined(BLIS_FREE)
#error "blis.h: define both BLIS_MALLOC and BLIS_FREE, or neither"
#endif

/* Nesting limit for JSON and YAML; real configs nest fewer than 10 levels. */
#ifndef BLIS_DEFAULT_MAX_DEPTH
#define BLIS_DEFAULT_MAX_DEPTH 128
#endif
/* Input size limit; the largest input we know (a ground-truth file) is ~1 MiB. */
#ifndef BLIS_DEFAULT_MAX_INPUT_BYTES
#define BLIS_DEFAULT_MAX_INPUT_BYTES ((size_t)64 * 1024 * 1024)
#endif
/* CSV column limit; trace and bench_data CSVs have fewer than 20 columns. */
#ifndef BLIS_DEFAULT_MAX_CSV_COLUMNS
#define BLIS_DEFAULT_MAX_CSV_COLUMNS 1024
#endif
/* The longest input or output of one generated request, in tokens: a spec
 * whose distribution draws more is an input error, not an allocation of
 * terabytes. */
#ifndef BLIS_MAX_REQUEST_TOKENS
#define BLIS_MAX_REQUEST_TOKENS 16777216
#endif

/* ==== >>base  status codes, errors, allocator, exact number conversion ==== */

/* X-macro: one table of status codes and their descriptions. */
#define BLIS_STATUS_LIST(X)                        \
    X(BLIS_OK, "ok")                               \
    X(BLIS_E_SYNTAX, "syntax error")               \
    X(BLIS_E_UNSUPPORTED, "unsupported construct") \
    X(BLIS_E_LIMIT, "limit exceeded")              \
    X(BLIS_E_NOMEM, "out of memory")               \
    X(BLIS_E_MISSING, "missing field")             \
    X(BLIS_E_TYPE, "wrong type")                   \
    X(BLIS_E_RANGE, "value out of range")          \
    X(BLIS_E_DUPLICATE, "duplicate key")           \
    X(BLIS_E_INVALID, "invalid value")             \
    X(BLIS_E_IO, "input/output error")             \
    X(BLIS_E_CANCELLED, "cancelled")               \
    X(BLIS_E_INTERNAL, "internal error")

typedef enum blis_status {
#define BLIS__STATUS_ENUM(name, text) name,
    BLIS_STATUS_LIST(BLIS__STATUS_ENUM)
#undef BLIS__STATUS_ENUM
        BLIS_STATUS_COUNT
} blis_status;

#define BLIS_ERR_SOURCE_MAX 256
#define BLIS_ERR_PATH_MAX   256
#define BLIS_ERR_MSG_MAX    1024

/* An error report, owned by the caller. line/col are 1-based (col counts
 * bytes); 0 means "no position" (e.g. out of memory, missing file). */
typedef struct blis_err {
    blis_status status;
    char source[BLIS_ERR_SOURCE_MAX]; /* file name or "<input>" */
    uint32_t line;
    uint32_t col;
    char path[BLIS_ERR_PATH_MAX]; /* field path, "" when none */
    char msg[BLIS_ERR_MSG_MAX];
} blis_err;

/* The allocator. Zero-initialised (all NULL) means BLIS_MALLOC/BLIS_FREE. */
typedef struct blis_alloc {
    void *(*alloc_fn)(void *user, size_t size_bytes);
    void (*free_fn)(void *user, void *ptr);
    void *user;
} blis_alloc;

/* A byte string that is not necessarily NUL-terminated. */
typedef struct blis_str {
    const char *ptr;
    size_t len;
} blis_str;

BLIS_DEF const char *blis_status_str(blis_status status);
/* Clears *err and sets its source ("<input>" when source is NULL). */
BLIS_DEF void blis_err_clear(blis_err *err, const char *source);
/* Sets status, position and a printf-style message; returns status. */
BLIS_DEF blis_status blis_err_set(blis_err *err, blis_status status, uint32_t line, uint32_t col, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
/* Formats "source:line:col: error: [path: ]message" into buf (always
 * NUL-terminated when size > 0); returns the length it needed. */
BLIS_DEF size_t blis_err_format(const blis_err *err, char *buf, size_t size);

/* Reads a whole file (ISO C stdio) into memory from alloc (NULL: default);
 * the buffer is NUL-terminated. BLIS_E_IO names the path and the reason
 * (missing, unreadable, a directory); BLIS_E_LIMIT when the file exceeds
 * max_bytes (0: BLIS_DEFAULT_MAX_INPUT_BYTES). Free with blis_file_free. */
BLIS_DEF blis_status blis_file_read(const char *path, size_t max_bytes, const blis_alloc *alloc, char **out,
                                    size_t *out_len, blis_err *err);
BLIS_DEF void blis_file_free(const blis_alloc *alloc, char *data);

/* Exact, locale-free conversion. blis_parse_f64 accepts the JSON number
 * grammar, optionally with a leading '+' and without digits before or after
 * the point when flags allow (YAML); see BLIS_NUM_* below. It fails with
 * BLIS_E_SYNTAX on any other text and BLIS_E_RANGE when the value overflows
 * a double. Values below the smallest subnormal round to (signed) zero. */
#define BLIS_NUM_JSON       0u /* RFC 8259 grammar exactly */
#define BLIS_NUM_ALLOW_PLUS 1u /* "+1.5" */
#define BLIS_NUM_LOOSE_DOT  2u /* ".5", "5.", "05" (YAML 1.2 core schema floats) */
BLIS_DEF blis_status blis_parse_f64(const char *s, size_t len, unsigned flags, double *out);
/* Parses a decimal integer (optional sign per flags) exactly into int64. */
BLIS_DEF blis_status blis_parse_i64(const char *s, size_t len, unsigned flags, int64_t *out);

/* The shortest decimal that round-trips to v: digits d[0..n-1] (no leading
 * or trailing zeros) and exponent such that |v| = 0.d1d2..dn * 10^exp10.
 * v must be finite and non-zero. Returns n (1..17). */
BLIS_DEF int blis_f64_shortest(double v, char digits[17], int *exp10);
/* Formats v as Go's encoding/json does: shortest round-trip digits, 'f'
 * notation for 1e-6 <= |v| < 1e21, else 'e' notation (1e-07 -> "1e-7",
 * 1e+21 stays). buf needs BLIS_F64_BUF_MAX bytes; it is NUL-terminated.
 * Returns the length, or 0 when v is NaN or infinite (JSON has no such
 * values; Go's encoder refuses them too). */
#define BLIS_F64_BUF_MAX 32
BLIS_DEF size_t blis_f64_format_go(double v, char *buf);
/* "%.<decimals>f" (0..9 decimals) of a finite v, correctly rounded (ties to
 * even, as glibc's printf), locale-free (a non-finite v is written as 0).
 * Writes at most size - 1 characters and a NUL; returns the number written
 * (never more: the result is cut when buf is short). A buffer of
 * BLIS_F64_FIXED_BUF_MAX bytes holds every double at 9 decimals. */
#define BLIS_F64_FIXED_BUF_MAX 330
BLIS_DEF size_t blis_f64_format_fixed(double v, int decimals, char *buf, size_t size);

/* Random numbers: a port of Go's math/rand (v1) source and the methods the
 * reference uses, bit for bit (spec §2.1). The state lives in the struct;
 * the constant tables are computed by tools/gen_rng_tables.c. */
#define BLIS_RNG_LEN 607
typedef struct blis_rng {
    int tap;
    int feed;
    uint64_t vec[BLIS_RNG_LEN];
} blis_rng;

/* rand.NewSource(seed): seed mod 2^31-1 (negative made positive, 0 -> 89482311). */
BLIS_DEF void blis_rng_seed(blis_rng *r, int64_t seed);
BLIS_DEF int64_t blis_rng_int63(blis_rng *r); /* [0, 2^63) */
BLIS_DEF uint32_t blis_rng_uint32(blis_rng *r);
BLIS_DEF int32_t blis_rng_int31(blis_rng *r);           /* [0, 2^31) */
BLIS_DEF int64_t blis_rng_intn(blis_rng *r, int64_t n); /* [0, n), n > 0 (Go's Intn) */
BLIS_DEF double blis_rng_float64(blis_rng *r);          /* [0, 1) */
BLIS_DEF double blis_rng_norm_float64(blis_rng *r);     /* standard normal (ziggurat) */
BLIS_DEF double blis_rng_exp_float64(blis_rng *r);      /* exponential, rate 1 (ziggurat) */
/* FNV-1a 64 of a name, as an int64 (the reference's subsystem hash). */
BLIS_DEF int64_t blis_fnv1a64(const char *name);
/* A subsystem's seed: the master seed itself for "workload", else
 * master XOR fnv1a64(name) (the reference's PartitionedRNG). */
BLIS_DEF int64_t blis_rng_subsystem_seed(int64_t master, const char *name);

/* ==== >>json  document model (shared with YAML), parser, writer ==== */

typedef enum blis_node_kind {
    BLIS_NODE_NULL,
    BLIS_NODE_BOOL,
    BLIS_NODE_NUMBER,
    BLIS_NODE_STRING,
    BLIS_NODE_ARRAY,
    BLIS_NODE_OBJECT
} blis_node_kind;

/* Node flags. */
#define BLIS_NODE_F_INT_LITERAL 1u /* number written as an integer (no '.', no exponent) */
#define BLIS_NODE_F_QUOTED      2u /* YAML: the scalar was quoted */

/* One value in a document. Strings and raw texts are NUL-terminated and live
 * in the document's arena. For objects, children come in (key, value)
 * pairs; keys are STRING nodes. */
typedef struct blis_node {
    uint8_t kind;  /* blis_node_kind */
    uint8_t flags; /* BLIS_NODE_F_* */
    uint32_t line; /* 1-based position of the value's first byte */
    uint32_t col;
    uint32_t parent; /* index of the containing node; the root's is UINT32_MAX */
    uint32_t count;  /* array: items; object: members; string: bytes */
    uint32_t first;  /* index of the first child in blis_doc.kids */
    union {
        double number;
        int boolean;
        const char *string;
    } as;
    const char *raw; /* scalar source text (numbers; YAML plain scalars); else NULL */
} blis_node;

typedef struct blis__arena_chunk blis__arena_chunk;
typedef struct blis__arena {
    blis_alloc alloc;
    blis__arena_chunk *head;
    size_t used_bytes; /* total bytes handed out, for reporting */
} blis__arena;

/* A parsed document (JSON or YAML). Read-only after parsing. */
typedef struct blis_doc {
    blis_node *nodes;
    uint32_t node_count;
    uint32_t node_cap;
    uint32_t *kids; /* child node indices; objects store key, value pairs */
    uint32_t kid_count;
    uint32_t kid_cap;
    blis__arena arena;
    const char *source; /* name used in error messages */
} blis_doc;

/* Parsing options; NULL or zero fields mean the defaults. */
typedef struct blis_parse_opts {
    const char *source;       /* name for errors, e.g. the file path */
    size_t max_input_bytes;   /* default BLIS_DEFAULT_MAX_INPUT_BYTES */
    uint32_t max_depth;       /* default BLIS_DEFAULT_MAX_DEPTH */
    uint32_t max_csv_columns; /* default BLIS_DEFAULT_MAX_CSV_COLUMNS */
    int allow_duplicate_keys; /* JSON only: keep all members; lookups find the last (as Go) */
    blis_alloc alloc;         /* default BLIS_MALLOC/BLIS_FREE */
} blis_parse_opts;

/* Parses RFC 8259 JSON (any value at the top level; UTF-8 checked; a
 * leading UTF-8 byte order mark is skipped). Duplicate keys are errors unless
 * opts->allow_duplicate_keys. On failure *doc is left empty (safe to free). */
BLIS_DEF blis_status blis_json_parse(const char *src, size_t len, const blis_parse_opts *opts, blis_doc *doc,
                                     blis_err *err);
BLIS_DEF void blis_doc_free(blis_doc *doc);
BLIS_DEF const blis_node *blis_doc_root(const blis_doc *doc);
/* Children: index i of an array, member i of an object (value and key). */
BLIS_DEF const blis_node *blis_node_at(const blis_doc *doc, const blis_node *node, size_t i);
BLIS_DEF const blis_node *blis_node_key_at(const blis_doc *doc, const blis_node *obj, size_t i);
/* Member by key (the last one if duplicates were allowed); NULL if missing
 * or if obj is not an object. */
BLIS_DEF const blis_node *blis_node_get(const blis_doc *doc, const blis_node *obj, const char *key);
BLIS_DEF const blis_node *blis_node_get_n(const blis_doc *doc, const blis_node *obj, const char *key, size_t key_len);
BLIS_DEF const char *blis_node_kind_name(blis_node_kind kind);
/* The field path of a node from the root, e.g. "clients[2].rate"; "" for
 * the root. Returns the length it needed. */
BLIS_DEF size_t blis_doc_path(const blis_doc *doc, const blis_node *node, char *buf, size_t size);

/* Structural invariants of a parsed document (parents, child ranges,
 * string termination, object keys): 0 when they hold, else a code > 0. */
BLIS_DEF int blis_doc_check(const blis_doc *doc);

/* Typed value getters. BLIS_E_TYPE when the node has another kind (or, for
 * integers, a non-integral value), BLIS_E_RANGE when an integer does not fit.
 * err gets the node's position and path. */
BLIS_DEF blis_status blis_node_f64(const blis_doc *doc, const blis_node *node, double *out, blis_err *err);
BLIS_DEF blis_status blis_node_i64(const blis_doc *doc, const blis_node *node, int64_t *out, blis_err *err);
BLIS_DEF blis_status blis_node_bool(const blis_doc *doc, const blis_node *node, int *out, blis_err *err);
BLIS_DEF blis_status blis_node_str(const blis_doc *doc, const blis_node *node, const char **out, blis_err *err);
/* Scalar text: a string's value, a number's or YAML plain scalar's source
 * text ("0.6.1", "1e3"), "true"/"false"/"null"; BLIS_E_TYPE for collections. */
BLIS_DEF blis_status blis_node_text(const blis_doc *doc, const blis_node *node, const char **out, blis_err *err);
/* Member getters: BLIS_E_MISSING when obj has no such key (err points at
 * obj), BLIS_E_TYPE when obj is not an object or the value's kind is wrong. */
BLIS_DEF blis_status blis_doc_get_f64(const blis_doc *doc, const blis_node *obj, const char *key, double *out,
                                      blis_err *err);
BLIS_DEF blis_status blis_doc_get_i64(const blis_doc *doc, const blis_node *obj, const char *key, int64_t *out,
                                      blis_err *err);
BLIS_DEF blis_status blis_doc_get_bool(const blis_doc *doc, const blis_node *obj, const char *key, int *out,
                                       blis_err *err);
BLIS_DEF blis_status blis_doc_get_str(const blis_doc *doc, const blis_node *obj, const char *key, const char **out,
                                      blis_err *err);

/* Output: a writer callback returns 0 on success, non-zero on failure. */
typedef int (*blis_write_fn)(void *user, const char *data, size_t len_bytes);

/* A growable in-memory buffer usable as a blis_write_fn target. */
typedef struct blis_buf {
    char *data; /* NUL-terminated when len > 0 */
    size_t len;
    size_t cap;
    blis_alloc alloc;
} blis_buf;
BLIS_DEF int blis_buf_write(void *buf, const char *data, size_t len_bytes);
BLIS_DEF void blis_buf_free(blis_buf *buf);

/* Deeper than any document the parsers accept (their hard cap is 1000
 * levels), so that every parsed document can be written back. */
#define BLIS_JW_MAX_DEPTH 1001
/* JSON writer. indent_spaces 0 gives compact output; 2 gives exactly what
 * Go's json.MarshalIndent(v, "", "  ") prints (same escaping: <, >, & and
 * U+2028/U+2029 as \u escapes; invalid UTF-8 as \ufffd). Errors (a write
 * failure, misuse such as a value where a key is due, NaN) are sticky: check
 * blis_jw_finish. */
typedef struct blis_jw {
    blis_write_fn write;
    void *user;
    int indent_spaces;
    int depth;
    int after_key;
    blis_status status;
    uint8_t count_at[BLIS_JW_MAX_DEPTH]; /* 0: container empty so far, 1: has items */
    uint8_t is_object[BLIS_JW_MAX_DEPTH];
} blis_jw;
BLIS_DEF void blis_jw_init(blis_jw *w, blis_write_fn write, void *user, int indent_spaces);
BLIS_DEF void blis_jw_object_begin(blis_jw *w);
BLIS_DEF void blis_jw_object_end(blis_jw *w);
BLIS_DEF void blis_jw_array_begin(blis_jw *w);
BLIS_DEF void blis_jw_array_end(blis_jw *w);
BLIS_DEF void blis_jw_key(blis_jw *w, const char *key);
BLIS_DEF void blis_jw_str(blis_jw *w, const char *s);
BLIS_DEF void blis_jw_str_n(blis_jw *w, const char *s, size_t len);
BLIS_DEF void blis_jw_f64(blis_jw *w, double v); /* Go format; NaN/Inf -> BLIS_E_INVALID */
BLIS_DEF void blis_jw_i64(blis_jw *w, int64_t v);
BLIS_DEF void blis_jw_bool(blis_jw *w, int v);
BLIS_DEF void blis_jw_null(blis_jw *w);
/* A member in one call: key, then the value. */
BLIS_DEF void blis_jw_key_f64(blis_jw *w, const char *key, double v);
BLIS_DEF void blis_jw_key_i64(blis_jw *w, const char *key, int64_t v);
BLIS_DEF void blis_jw_key_str(blis_jw *w, const char *key, const char *s);
/* Writes a whole document subtree (numbers re-printed in Go format). */
BLIS_DEF void blis_jw_node(blis_jw *w, const blis_doc *doc, const blis_node *node);
/* BLIS_OK if everything was written and every container closed. */
BLIS_DEF blis_status blis_jw_finish(const blis_jw *w);

/* ==== >>csv  RFC 4180 reader ==== */

/* One field of the current row: its unquoted text (NUL-terminated; valid
 * until the next row is read) and where it starts. */
typedef struct blis_csv_field {
    const char *ptr;
    size_t len;
    uint32_t line;
    uint32_t col;
} blis_csv_field;

/* Streaming reader: one row at a time, memory bounded by the longest row. */
typedef struct blis_csv_reader {
    const char *src;
    size_t len;
    size_t pos;
    uint32_t line;     /* line of pos */
    size_t line_start; /* offset of that line's first byte */
    uint32_t row;      /* 1-based number of the row last read (the header is row 1) */
    uint32_t max_columns;
    const char *source;
    blis_alloc alloc;
    blis_csv_field *fields; /* the current row */
    uint32_t field_count;
    uint32_t field_cap;
    char *text; /* unquoted texts of the current row */
    size_t text_len;
    size_t text_cap;
} blis_csv_reader;

BLIS_DEF blis_status blis_csv_reader_init(blis_csv_reader *r, const char *src, size_t len, const blis_parse_opts *opts,
                                          blis_err *err);
/* Reads the next row into r->fields/r->field_count. Returns BLIS_OK with
 * *has_row = 1 for a row, *has_row = 0 at the end of input. */
BLIS_DEF blis_status blis_csv_reader_next(blis_csv_reader *r, int *has_row, blis_err *err);
BLIS_DEF void blis_csv_reader_free(blis_csv_reader *r);

/* A whole table: a header row and data rows, all with the header's width. */
typedef struct blis_csv {
    uint32_t columns;
    uint32_t rows;          /* data rows, header excluded */
    blis_csv_field *header; /* columns entries */
    blis_csv_field *cells;  /* rows * columns entries, row-major */
    blis__arena arena;
    const char *source;
} blis_csv;

/* Parses a table with a header row (column names must be non-empty and
 * unique). Every data row must have as many fields as the header. A UTF-8
 * byte order mark is skipped; CRLF and LF line ends are both accepted; a
 * final line end is optional. On failure *csv is left empty. */
BLIS_DEF blis_status blis_csv_parse(const char *src, size_t len, const blis_parse_opts *opts, blis_csv *csv,
                                    blis_err *err);
BLIS_DEF void blis_csv_free(blis_csv *csv);
/* Table invariants (cell texts, positions, header names): 0 when they hold. */
BLIS_DEF int blis_csv_check(const blis_csv *csv);
/* Column index by header name, or -1. */
BLIS_DEF int32_t blis_csv_column(const blis_csv *csv, const char *name);
BLIS_DEF const blis_csv_field *blis_csv_cell(const blis_csv *csv, uint32_t row, uint32_t col);
/* Typed cells (row is 0-based among data rows). Errors name the row (as
 * the 1-based file row, header = row 1), the column and the text found. */
BLIS_DEF blis_status blis_csv_get_f64(const blis_csv *csv, uint32_t row, uint32_t col, double *out, blis_err *err);
BLIS_DEF blis_status blis_csv_get_i64(const blis_csv *csv, uint32_t row, uint32_t col, int64_t *out, blis_err *err);
BLIS_DEF blis_status blis_csv_get_str(const blis_csv *csv, uint32_t row, uint32_t col, const char **out, blis_err *err);

/* ==== >>yaml  the YAML subset (see the doc block), into a blis_doc ==== */

BLIS_DEF blis_status blis_yaml_parse(const char *src, size_t len, const blis_parse_opts *opts, blis_doc *doc,
                                     blis_err *err);
/* A whole file parsed (yaml = 1: the YAML subset, else JSON), errors named
 * by the path; a file that cannot be opened is BLIS_E_MISSING. */
BLIS_DEF blis_status blis_doc_load(const char *path, int yaml, blis_doc *doc, blis_err *err);

/* ==== >>gzip  RFC 1951 inflate and RFC 1952 gzip members ====
 * Contract: blis_gunzip decodes every member of a gzip file (stored, fixed
 * and dynamic Huffman blocks), checks each member's CRC-32 and length, and
 * returns the bytes NUL-terminated; errors name the byte offset. Used to
 * read compressed traces (the ground truth's *.csv.gz) without zlib. */
BLIS_DEF blis_status blis_gunzip(const unsigned char *in, size_t len, size_t max_out_bytes, const blis_alloc *alloc,
                                 char **out, size_t *out_len, blis_err *err);
/* The CRC-32 of IEEE 802.3 / gzip (init ~0, reflected, final xor). */
BLIS_DEF uint32_t blis_crc32(const unsigned char *p, size_t n);

/* ==== >>model  model and hardware configuration ==== */

/* The model_type registry: name, family, whether the model uses
 * multi-head latent attention (MLA: the reference's rooflines approximate it
 * with the config's heads; blis's arch extension models it), and whether
 * only blis's arch extension models the type (the last five: the
 * reference does not know them, and its formulas would cost another
 * architecture). An unsupported type is an error that lists these. */
#define BLIS_MODEL_TYPE_LIST(X)           \
    X("llama", BLIS_ARCH_DENSE, 0, 0)     \
    X("mistral", BLIS_ARCH_DENSE, 0, 0)   \
    X("qwen2", BLIS_ARCH_DENSE, 0, 0)     \
    X("qwen3", BLIS_ARCH_DENSE, 0, 0)     \
    X("mixtral", BLIS_ARCH_MOE, 0, 0)     \
    X("qwen3_moe", BLIS_ARCH_MOE, 0, 0)   \
    X("llama4", BLIS_ARCH_MOE, 0, 0)      \
    X("deepseek_v2", BLIS_ARCH_MOE, 1, 0) \
    X("glm_moe_dsa", BLIS_ARCH_MOE, 1, 0) \
    X("deepseek_v3", BLIS_ARCH_MOE, 1, 1) \
    X("kimi_k2", BLIS_ARCH_MOE, 1, 1)     \
    X("kimi_k25", BLIS_ARCH_MOE, 1, 1)    \
    X("minimax_m2", BLIS_ARCH_MOE, 0, 1)  \
    X("gpt_oss", BLIS_ARCH_MOE, 0, 1)

/* The parts of a layer whose weights a checkpoint may store in different
 * formats (an FP4 checkpoint's experts beside BF16 attention): attention
 * projections, the dense layers' MLP, the shared experts, the routed
 * experts. */
typedef enum blis_part { BLIS_PART_ATTN, BLIS_PART_MLP, BLIS_PART_SHARED, BLIS_PART_EXPERT, BLIS_PART_COUNT } blis_part;
/* One part's format: bytes per weight (with the block scales a 4-bit format
 * stores: NVFP4 4.5 bits, MXFP4 4.25, INT4 with a 16-bit scale per group of
 * g, 4 + 16/g) and the tensor cores its GEMMs run on: 16 (the dtype's),
 * 8 (FP8 weights and activations), 4 (FP4 weights and activations). */
typedef struct blis_part_format {
    double weight_bytes;
    int gemm_bits;
} blis_part_format;

typedef enum blis_arch { BLIS_ARCH_DENSE, BLIS_ARCH_MOE } blis_arch;

/* A model's architecture as read from a HuggingFace config.json. Counts are
 * plain integers; sizes are in elements unless the name says bytes. */
typedef struct blis_model_config {
    char model_type[32];
    blis_arch arch;
    int latent_attention;             /* MLA (deepseek_v2, glm_moe_dsa) */
    int64_t num_layers;               /* num_hidden_layers */
    int64_t hidden_size;              /* hidden_size (d) */
    int64_t num_heads;                /* num_attention_heads (H) */
    int64_t num_kv_heads;             /* num_key_value_heads | num_kv_heads | multi_query_group_num; H when absent */
    int64_t head_dim;                 /* head_dim as written; 0 when absent (the reference rooflines use d/H) */
    int64_t intermediate_size;        /* intermediate_size | ffn_hidden_size; 0 when absent (formulas use 4d) */
    int64_t vocab_size;               /* vocab_size; 0 when absent */
    char dtype[24];                   /* torch_dtype | dtype */
    double bytes_per_param;           /* from dtype, as the reference maps it (its BytesPerParam) */
    double weight_bytes_per_param;    /* after quantization_config (fp8: 1, 4-bit: 0.5); else bytes_per_param */
    double kv_bytes_per_param;        /* KV cache elements: bytes_per_param; 1 with kv_cache_scheme num_bits 8, or
                                         blis_model_config_set_kv_dtype (vLLM's --kv-cache-dtype) */
    int fp8_gemm;                     /* 8-bit float weights and activations (fp8, fbgemm_fp8, compressed-tensors
                                         float 8-bit): GEMMs on the FP8 tensor cores */
    char quant_method[32];            /* quantization_config.quant_method, "" when none */
    int64_t num_experts;              /* num_local_experts | num_experts | n_routed_experts; 0 when dense */
    int64_t experts_per_token;        /* num_experts_per_tok */
    int64_t num_shared_experts;       /* n_shared_experts (1 when only shared_expert_intermediate_size is set) */
    int64_t expert_intermediate_size; /* moe_intermediate_size, else intermediate_size */
    int64_t shared_expert_intermediate_size; /* shared_expert_intermediate_size, else expert size */
    int64_t moe_layer_step;                  /* interleave_moe_layer_step | moe_layer_freq; 1 for other MoE models */
    int64_t first_dense_layers;              /* first_k_dense_replace */
    int64_t dense_intermediate_size;         /* intermediate_size_mlp (llama4), else intermediate_size */
    /* blis's own reading (the reference's rooflines read none of these) */
    int arch_only;            /* a model_type only the arch extension models (the registry's last column) */
    int dtype_assumed;        /* no torch_dtype in a quantized config: bfloat16 assumed (vLLM's "auto") */
    int64_t q_lora_rank;      /* MLA: q_lora_rank (0: the query projected directly) */
    int64_t kv_lora_rank;     /* MLA: the compressed KV latent's width */
    int64_t qk_nope_head_dim; /* MLA: per-head query/key dims without and with RoPE, value dims */
    int64_t qk_rope_head_dim;
    int64_t v_head_dim;
    int64_t sliding_window;                 /* tokens a sliding-window layer attends to (0: no such layers) */
    int64_t window_layers;                  /* layers with sliding-window attention (layer_types "sliding_attention") */
    blis_part_format part[BLIS_PART_COUNT]; /* each part's format after quantization_config and its
                                               ignore / modules_to_not_convert lists */
} blis_model_config;

/* Reads a config.json document. Keys of a "text_config" object override
 * the top level (multimodal configs). A present key of the wrong type is an
 * error with its position; an unsupported model_type or dtype is an error
 * listing the supported ones. Call blis_model_config_validate afterwards. */
BLIS_DEF blis_status blis_model_config_from_doc(const blis_doc *doc, blis_model_config *out, blis_err *err);
/* Parses JSON text and reads it (source names the file in errors). */
BLIS_DEF blis_status blis_model_config_parse(const char *src, size_t len, const char *source, blis_model_config *out,
                                             blis_err *err);
/* vLLM's --kv-cache-dtype: "auto" (the config's: kv_cache_scheme, else the
 * dtype), "fp8", "fp8_e4m3", "fp8_e5m2" (1 byte), "bfloat16", "float16",
 * "half" (2), "float32", "float" (4); anything else BLIS_E_INVALID. */
BLIS_DEF blis_status blis_model_config_set_kv_dtype(blis_model_config *m, const char *kv_cache_dtype, blis_err *err);
/* Cross-field rules: positive sizes, heads dividing the hidden size (when
 * head_dim is absent), KV heads dividing heads, sane MoE fields. */
BLIS_DEF blis_status blis_model_config_validate(const blis_model_config *m, blis_err *err);
/* A tensor-parallel degree the model can run at, as vLLM requires: tp >= 1
 * dividing num_attention_heads, and num_key_value_heads a multiple of tp
 * or dividing it (KV heads are then replicated). BLIS_E_INVALID naming the
 * field otherwise. */
BLIS_DEF blis_status blis_model_config_check_tp(const blis_model_config *m, int64_t tp, blis_err *err);
/* "llama, mistral, ..." */
BLIS_DEF const char *blis_model_supported_types(void);
/* Looks a model name up in a model-config index document ({"models":
 * {name: directory}}): the name as given ignoring case, else its part after
 * the last '/'. Writes the directory name; BLIS_E_MISSING when unknown. */
BLIS_DEF blis_status blis_model_index_lookup(const blis_doc *index, const char *name, char *dir, size_t size,
                                             blis_err *err);

/* One GPU's datasheet numbers and roofline calibration. Our files name every
 * field unambiguously; the reference's files are read as they are (their
 * "perLayerOverhead" means the v1 per-step-per-layer overhead in v1-schema
 * entries and the v2 per-layer CPU overhead, divided by TP, otherwise). */
typedef struct blis_hw_config {
    char gpu[64];                    /* the entry's key */
    double tflops_peak;              /* TFlopsPeak: dense BF16/FP16 TFLOP/s */
    double tflops_peak_fp8;          /* TFlopsPeakFP8: dense FP8 TFLOP/s; 0 when none */
    double tflops_peak_fp4;          /* TFlopsPeakFP4: dense FP4 (NVFP4/MXFP4) TFLOP/s; 0 when none */
    double bw_peak_tbs;              /* BwPeakTBs: HBM TB/s */
    double memory_gib;               /* MemoryGiB; 0 when unknown */
    double nvlink_gbs;               /* NVLinkGBs: per-GPU NVLink GB/s; 0 when none */
    double pcie_gen;                 /* PCIeGen: the host link's PCIe generation (3-6); 0 when unknown */
    double pcie_lanes;               /* PCIeLanes: its lanes (1-16); 0 when unknown (16 with a generation) */
    double v1_bw_efficiency;         /* BwEffConstant */
    double v1_step_overhead_us;      /* TOverheadMicros */
    double v1_layer_overhead_us;     /* v1LayerOverheadUs (v1 files: perLayerOverhead) */
    double v1_mfu_prefill;           /* mfuPrefill */
    double v1_mfu_decode;            /* mfuDecode */
    double v1_allreduce_us;          /* allReduceLatency: us, x2 per layer when TP > 1 */
    double v1_seq_overhead_us;       /* v1SeqOverheadUs (blis's own; 0 when absent): us per request in the batch
                                      * per step (scheduling, input preparation, sampling on the CPU) */
    double v1_request_overhead_us;   /* v1RequestOverheadUs (blis's own; 0 when absent): us from a request's arrival
                                      * to its queueing (HTTP, tokenization), added to alpha0 in roofline v1 */
    double v2_bw_efficiency;         /* bwEfficiencyFactor; 0 = disabled (1.0) */
    double v2_layer_cpu_overhead_us; /* v2LayerCpuOverheadUs (v2 files: perLayerOverhead), divided by TP */
    int has_v1;                      /* the v1 calibration fields are present */
    char calibrated_on[64];          /* CalibratedOn: the GPU whose vLLM measurements fitted the step-time
                                      * constants ("H100"); "" when the file does not say. An entry whose
                                      * value is not its own name predicts from another GPU's fit: runs say so */
} blis_hw_config;

/* Reads entry gpu (exact key, else the one key equal ignoring case) of a
 * hardware_config.json document. Field names match ignoring case, as Go's
 * encoding/json does; unknown fields are ignored. A missing GPU is an error
 * listing the available ones. */
BLIS_DEF blis_status blis_hw_config_from_doc(const blis_doc *doc, const char *gpu, blis_hw_config *out, blis_err *err);
/* The hardware entry a GPU name stands for, by the alias table (README,
 * "GPUs"): the name upper-cased, '-', '_' and blanks as one space,
 * parentheses dropped, a leading "NVIDIA " or "Tesla " dropped, then
 * matched exactly ("NVIDIA H100 80GB HBM3" and "h100-sxm5-80gb" are H100;
 * "NVIDIA GB200" is GB200, never B200). "" when the table does not know it: a name
 * is never matched by a part of it. */
BLIS_DEF const char *blis_gpu_alias(const char *name);
/* 1 when the entry's step-time constants were fitted on another GPU
 * (CalibratedOn names one that is not the entry, ignoring case): its
 * predictions are that fit over this GPU's datasheet, not validated. */
BLIS_DEF int blis_hw_transferred(const blis_hw_config *hw);
/* Writes "GPU": {every field blis reads, by blis's names}: one entry of a
 * hardware file that blis_hw_config_from_doc reads back as it was. */
BLIS_DEF void blis_hw_config_write(blis_jw *w, const blis_hw_config *hw);
/* PCIe's data rate per lane per direction after line encoding, GB/s, of
 * generation gen (PCI-SIG: 8, 16, 32, 64 GT/s; 128b/130b, and gen 6's
 * 242/256-byte FLITs): 0.985, 1.969, 3.938, 7.563; 0 for any other gen. */
BLIS_DEF double blis_pcie_lane_gbs(double gen);
/* The GPU-to-GPU link blis charges tensor-parallel traffic to: NVLink when
 * the entry has it, else PCIe (generation x lanes). */
typedef enum { BLIS_LINK_NONE, BLIS_LINK_NVLINK, BLIS_LINK_PCIE } blis_link_kind;
BLIS_DEF blis_link_kind blis_hw_link(const blis_hw_config *hw);
/* One all-reduce of bytes over tp GPUs, in seconds, beyond the fixed
 * allReduceLatency: NVLink, the ring's 2(tp-1)/tp x bytes at 0.65 of the
 * per-direction rate (NVLinkGBs/2); PCIe, the cheaper of NCCL's ring (2(tp-1)
 * steps, 2(tp-1)/tp x bytes) and tree (2 ceil(log2 tp) steps, 2 x bytes)
 * at BLIS_PCIE_ALLREDUCE_EFF of the link's per-direction rate and
 * BLIS_PCIE_STEP_US per step; -1 when the entry names no link (neither
 * NVLinkGBs nor PCIeGen). 0 for tp <= 1. */
BLIS_DEF double blis_hw_allreduce_s(const blis_hw_config *hw, int tp, double bytes);
/* version 1: the v1 fields must be finite and > 0; version 2: peaks > 0,
 * bwEfficiencyFactor in (0,1] or 0, overhead >= 0, MemoryGiB >= 0. */
BLIS_DEF blis_status blis_hw_config_validate(const blis_hw_config *hw, int version, blis_err *err);
/* File helpers: a config.json read and checked (tp > 0: also that the model
 * runs at that tensor-parallel degree); entry gpu of a hardware file read
 * and validated for roofline version 1 or 2. Errors name the file. */
BLIS_DEF blis_status blis_model_config_load(const char *path, int64_t tp, blis_model_config *m, blis_err *err);
BLIS_DEF blis_status blis_hw_config_load(const char *path, const char *gpu, int version, blis_hw_config *hw,
                                         blis_err *err);

/* ==== >>roofline  analytical step time: batch shape, breakdown, roofline v1 ==== */

/* One request's share of a step: tokens already processed before the step
 * (the reference's ProgressIndex) and tokens processed in it. */
typedef struct blis_step_req {
    int64_t progress_tokens;
    int64_t new_tokens;
} blis_step_req;

/* A step's batch: requests prefilling (a chunk of their prompt) and
 * requests decoding (one token each). */
typedef struct blis_step_batch {
    const blis_step_req *prefill;
    size_t prefill_count;
    const blis_step_req *decode;
    size_t decode_count;
} blis_step_batch;

/* One phase of a step, per GPU (after the tensor-parallel split). */
typedef struct blis_phase {
    int present;
    double gemm_flops;    /* matrix multiplications */
    double other_flops;   /* v1: vector ops (softmax, masks, RoPE); v2: attention core (QK^T, AV) */
    double weight_bytes;  /* weights read */
    double dynamic_bytes; /* KV cache and activations read and written */
    double compute_s;
    double memory_s;
    double time_s; /* max(compute_s, memory_s) */
    int memory_bound;
} blis_phase;

/* The step-time breakdown every roofline returns. */
typedef struct blis_step_breakdown {
    int version; /* 1 or 2 */
    blis_phase prefill;
    blis_phase decode;
    double hardware_s;        /* v1: prefill + decode times; v2: the larger */
    double layer_overhead_us; /* v1: layers x perLayerOverhead; v2: layers x per-layer CPU overhead / TP */
    double comm_us;           /* v1: 2 all-reduces per layer when TP > 1; v2: 0 */
    double step_overhead_us;  /* v1: TOverheadMicros; v2: 0 */
    int64_t step_time_us;     /* round(sum of the above, in us), as the reference computes it */
    /* the bytes per weight and per KV element the step was costed at: a
     * quantized model's own under v2 (weights) and BLIS_V1X_QUANT, else the
     * dtype's */
    double weight_bytes_per_param, kv_bytes_per_param;
} blis_step_breakdown;

/* Roofline v1's per-request FLOPs and bytes (spec §4.3; the components the
 * reference's calculateTransformerFlops / calculateMemoryAccessBytes give). */
typedef struct blis_v1_flops {
    double gemm_ops;
    double sram_ops;
    double total;
} blis_v1_flops;
typedef struct blis_mem_bytes {
    double activations_tokens;
    double kv_cache_access;
    double kv_cache_growth;
    double model_weights;
    double total; /* summed in key order: activations, kv access, kv growth, weights */
} blis_mem_bytes;

BLIS_DEF void blis_roofline_v1_flops(const blis_model_config *m, double seq_tokens, double new_tokens,
                                     blis_v1_flops *out);
/* version 1 or 2 (v2 scales KV reads and activations by empirical factors). */
BLIS_DEF void blis_roofline_mem(const blis_model_config *m, int version, double seq_tokens, double new_tokens,
                                int with_kv, blis_mem_bytes *out);
/* Writes a breakdown as a JSON object (phases with FLOPs, bytes, seconds and
 * the binding bound; overheads; step_time_us). */
BLIS_DEF void blis_step_breakdown_write(blis_jw *w, const blis_step_breakdown *b);
/* Roofline v1 step time. m and hw must have passed validation (hw as
 * version 1); BLIS_E_INVALID for tp < 1 or negative token counts. */
BLIS_DEF blis_status blis_roofline_v1_step(const blis_model_config *m, const blis_hw_config *hw, int tp,
                                           const blis_step_batch *batch, blis_step_breakdown *out, blis_err *err);

/* Roofline v1 extensions (blis's own; 0 is the reference's v1 exactly). Each
 * is switchable (evaluate --roofline-ext, the latency model's v1_ext) and
 * measured against real vLLM runs in the README:
 *  MOE        mixture-of-experts MLPs: FLOPs of the k routed (and shared)
 *             experts per token, and weight bytes of the experts a step's
 *             tokens are expected to touch, E(1 - (1 - k/E)^T) for T tokens
 *             (the reference counts one expert, as if the model were dense);
 *             dense models are unchanged.
 *  FUSED      one roofline per step: a mixed chunked-prefill + decode step
 *             reads the weights once and is bound by its summed compute or
 *             its summed bytes (the reference adds two phases, each reading
 *             every weight).
 *  ALLREDUCE  the tensor-parallel all-reduces move bytes: each of the 2 per
 *             layer costs allReduceLatency plus the ring's 2(tp-1)/tp x
 *             tokens x d x bytes over the bus bandwidth, 0.65 x NVLinkGBs/2
 *             (vLLM's custom all-reduce on H100 reaches 0.55-0.79 of the
 *             per-direction NVLink rate at 4-64 MiB: NVIDIA aiconfigurator's
 *             published measurements); no NVLink (0): latency only.
 *  LMHEAD     the vocabulary projection v1 leaves out: its V x d weights
 *             read once per step and 2 d V FLOPs per request in the batch
 *             (vLLM computes the logits of each scheduled request's last
 *             position); no vocab_size: nothing.
 *  GEMM       the step's tokens share its GEMMs (vLLM concatenates them):
 *             every GEMM FLOP of the step, prefill and decode, runs at the
 *             prefill efficiency (mfuPrefill), in one roofline with the
 *             step's bytes (so GEMM implies FUSED); mfuDecode, v1's rate
 *             for decode phases' FLOPs, is then unused.
 *  QUANT      a quantized model (quantization_config): its layers' weights
 *             at weight_bytes_per_param (the LM head stays at the dtype's
 *             bytes: quantized checkpoints leave it unquantized), its KV
 *             cache at kv_bytes_per_param, and with 8-bit float weights and
 *             activations (fp8_gemm) its GEMMs at TFlopsPeakFP8. v1 reads
 *             torch_dtype only.
 *  ARCH       the layers as the config describes them (blis_model_shape):
 *             attention projections from head_dim (v1 uses hidden/heads),
 *             MLA (the latent and RoPE key as the KV cache, on every TP
 *             GPU; absorbed decode attention, prefill attention over the
 *             decompressed heads), sliding-window layers (context and KV
 *             reads bounded by the window), GQA KV heads replicated when
 *             TP exceeds them, the router, and each part's weight format
 *             (blis_part_format: GEMMs on FP8 or FP4 tensor cores where the
 *             checkpoint and GPU have them). Counts the MoE experts, the LM
 *             head and the quantized bytes its own way (MOE, LMHEAD and QUANT
 *             then change nothing). The only v1 for the model types the
 *             reference does not know (deepseek_v3, kimi_k2, kimi_k25,
 *             minimax_m2, gpt_oss) and for sliding-window layers. */
#define BLIS_V1X_MOE       1u
#define BLIS_V1X_FUSED     2u
#define BLIS_V1X_ALLREDUCE 4u
#define BLIS_V1X_LMHEAD    8u
#define BLIS_V1X_GEMM      16u
#define BLIS_V1X_QUANT     32u
#define BLIS_V1X_ARCH      64u
#define BLIS_V1X_ALL       127u
BLIS_DEF blis_status blis_roofline_v1x_step(const blis_model_config *m, const blis_hw_config *hw, int tp, unsigned ext,
                                            const blis_step_batch *batch, blis_step_breakdown *out, blis_err *err);
/* 1 when only roofline v1 with BLIS_V1X_ARCH models m (a model_type the
 * reference does not know, or sliding-window layers); the other rooflines
 * refuse it (BLIS_E_UNSUPPORTED) rather than cost another architecture. */
BLIS_DEF int blis_model_needs_arch(const blis_model_config *m);
/* What a roofline (version 1 with extensions v1_ext, or 2) does not model of
 * m: "MLA" (costed as standard attention over the config's heads), "DSA"
 * (glm_moe_dsa's sparse attention: costed as full MLA attention), NULL
 * when nothing. */
BLIS_DEF const char *blis_model_not_modelled(const blis_model_config *m, int roofline_version, unsigned v1_ext);

/* A model's layers as BLIS_V1X_ARCH counts them, all GPUs together (per
 * layer that holds the part; elements unless the name says bytes). */
typedef struct blis_model_shape {
    double layers, window_layers, window_tokens; /* all layers; those with sliding-window attention, its width */
    double dense_layers, moe_layers;
    /* weights per layer: attention (every layer), dense MLP (dense layers),
     * shared experts together and one routed expert (MoE layers) */
    double part_params[BLIS_PART_COUNT];
    blis_part_format part[BLIS_PART_COUNT];
    double router_params;  /* per MoE layer: hidden x experts */
    double mla_up_params;  /* per layer: MLA's kv_b up-projection (0 without MLA) */
    double lm_head_params; /* vocab x hidden (0: no vocab_size) */
    double experts, experts_per_token;
    double heads, hidden;
    double kv_elems; /* KV cache elements per token per layer: 2 x KV heads x head dim, or MLA's latent + RoPE key */
    double kv_heads; /* KV heads split over TP GPUs (0: MLA's latent, whole on every GPU) */
    double pair_flops_prefill, pair_flops_decode; /* attention FLOPs per (query, context) token pair per layer */
    double dtype_bytes, kv_bytes;                 /* the dtype's bytes; the KV cache's bytes per element */
} blis_model_shape;
BLIS_DEF void blis_model_shape_of(const blis_model_config *m, blis_model_shape *s);
/* Weight bytes a step of tokens reads, all GPUs together: every layer's
 * attention, dense MLP and shared experts, the routed experts tokens are
 * expected to touch (E(1 - (1 - k/E)^tokens); tokens < 0: every expert),
 * the routers and the LM head (at the dtype's bytes). */
BLIS_DEF double blis_model_shape_weight_bytes(const blis_model_shape *s, double tokens);
/* KV cache bytes one token adds on one GPU at TP tp: per layer (layer) or
 * summed over the full-attention layers (layer < 0; a sliding-window layer
 * holds at most its window per request). */
BLIS_DEF double blis_model_shape_kv_token_bytes(const blis_model_shape *s, int tp, int layer);
/* Writes the shape as a JSON object for people checking it by hand: layer
 * counts, each part's parameters and weight bytes per layer, the weight
 * bytes of the whole model (every expert), and the KV cache bytes one token
 * adds per layer, all GPUs together and on one GPU at TP tp. */
BLIS_DEF void blis_model_shape_write(blis_jw *w, const blis_model_shape *s, int tp);
/* "moe,fused,allreduce,lmhead,gemm", "all" or "none" -> flags; -1 for an
 * unknown name. */
BLIS_DEF int blis_v1x_parse(const char *list);
/* The names of flags joined by sep, in the order above ("none" for 0);
 * out holds at least 32 bytes. */
BLIS_DEF void blis_v1x_format(unsigned flags, char sep, char *out, size_t size);

/* ---- the Transformer Roofline Analyzer (per-layer FLOPs, bytes, intensity) ---- */

#define BLIS_TRA_MAX_ROWS 24
#define BLIS_TRA_QUIRKS   1u /* reproduce the reference analyzer's defects (see README) */

/* One layer ("node") of one block, for the whole batch of queries. */
typedef struct blis_tra_row {
    char name[40];
    int64_t blocks; /* blocks containing this layer */
    double compute_flops;
    double weight_bytes;
    double input_bytes;
    double output_bytes;
} blis_tra_row;

typedef struct blis_tra_report {
    int64_t layers;
    size_t row_count;
    blis_tra_row rows[BLIS_TRA_MAX_ROWS];
    int64_t total_compute_flops, total_weight_bytes, total_input_bytes, total_output_bytes;
    int64_t kv_cache_bytes;
    int64_t additional_experts_bytes; /* MoE experts beyond the ones a token uses */
    int has_additional_experts;
    int64_t embedding_bytes;
    int64_t storage_bytes;
} blis_tra_report;

/* Analyses a batch of queries (cached[i] tokens already in the KV cache,
 * input[i] > 0 new tokens each) as spec tra-output §3 describes. flags:
 * BLIS_TRA_QUIRKS reproduces the reference's two defects (the SiLU-mul
 * FLOPs not multiplied by the token count; the MoE router counted in every
 * block). dtype bytes: bf16/fp16 2, fp32 4, fp8/int8 1. */
BLIS_DEF blis_status blis_tra_analyze(const blis_model_config *m, const int64_t *cached, const int64_t *input,
                                      size_t queries, unsigned flags, blis_tra_report *out, blis_err *err);
/* Formats v as the reference does: "%.2f" of v scaled by the largest power
 * of the base (1000, SI, with m/μ/n below 1; or 1024, IEC) not above |v|,
 * then " ", the prefix and unit ("1.31 kFLOPs", "8.00 KiB", "0.00 B"). */
BLIS_DEF size_t blis_tra_quantity(double v, int iec, const char *unit, char *buf, size_t size);
/* Writes the table, a blank line and the storage line. With hw (not NULL),
 * two more columns: each layer's roofline time at TP tp and its bound. */
BLIS_DEF int blis_tra_write_table(const blis_tra_report *r, const blis_hw_config *hw, int tp, blis_write_fn write,
                                  void *user);
/* The same as JSON (for machines). */
BLIS_DEF void blis_tra_write_json(const blis_tra_report *r, const blis_hw_config *hw, int tp, blis_jw *w);
/* The KV cache capacity in blocks vLLM would find for the model on tp GPUs
 * of hw: gpu_memory_utilization (vLLM's default 0.9) of the GPUs' memory,
 * minus the weights and embeddings (as the analyzer counts them), divided by
 * the bytes one block of block_tokens holds across all layers. Activations
 * and CUDA graphs are not subtracted. BLIS_E_INVALID when the GPU's memory
 * is unknown or the weights do not fit. */
BLIS_DEF blis_status blis_kv_capacity_blocks(const blis_model_config *m, const blis_hw_config *hw, int tp,
                                             int64_t block_tokens, double gpu_memory_utilization, int64_t *blocks,
                                             blis_err *err);

/* ==== >>mfu  the MFU database (bench_data/) and roofline v2 ==== */

typedef struct blis_mfu_gemm_row {
    int64_t m, k, n;
    double mfu;
} blis_mfu_gemm_row;

/* One attention table. Rows keep file order (the zero-MFU fallbacks scan
 * them in that order); the lookup structures are built at load time. */
typedef struct blis_mfu_table {
    char name[48]; /* "32-8-128" (prefill) or "32-8-128-tp2" (decode) */
    int64_t heads, kv_heads, head_dim, tp;
    size_t rows;
    double *x;   /* prefill: seq_len; decode: batch size */
    double *y;   /* decode: kv_len */
    double *mfu; /* file order */
    /* prefill: points sorted by seq_len (sx, smfu); decode: sorted unique
     * batch sizes (ux), kv lengths (uy) and the grid[ix * nuy + iy] (last
     * duplicate wins, missing corners 0) */
    double *sx, *smfu, *ux, *uy, *grid;
    size_t nux, nuy;
} blis_mfu_table;

/* GEMM rows grouped by (k, n): m ascending, for the two-stage lookup. */
typedef struct blis_mfu_gemm_group {
    int64_t k, n;
    size_t first, count; /* into blis_mfu_db.gemm_sorted */
    double usable_mfu;   /* the group's first row in file order with MFU >= 1e-4 (else 1e-4) */
} blis_mfu_gemm_group;

/* Kernel MFU tables for one GPU, and the attention config they resolve to
 * for one model. Build with blis_mfu_db_add_* (or blis_mfu_db_load_dir),
 * then blis_mfu_db_select_model. */
typedef struct blis_mfu_db {
    blis_mfu_gemm_row *gemm; /* file order */
    size_t gemm_rows;
    size_t gemm_cap;
    blis_mfu_gemm_row *gemm_sorted; /* grouped by (k, n) in first-seen order, m ascending */
    blis_mfu_gemm_group *gemm_groups;
    size_t gemm_group_count;
    blis_mfu_table *prefill; /* sorted by name, as a directory glob lists them */
    size_t prefill_count;
    blis_mfu_table *decode;
    size_t decode_count;
    blis__arena arena;
    char attn_key[48];           /* the model's "<H>-<Hkv>-<dh>" */
    char attn_config[48];        /* the nearest prefill config */
    int attn_config_is_fallback; /* attn_config differs from attn_key */
} blis_mfu_db;

BLIS_DEF void blis_mfu_db_init(blis_mfu_db *db, const blis_alloc *alloc);
BLIS_DEF void blis_mfu_db_free(blis_mfu_db *db);
/* CSV readers (spec §4.4 layout). Malformed rows are errors naming the
 * source, row and column. name is the file's base name without ".csv". */
BLIS_DEF blis_status blis_mfu_db_add_gemm_csv(blis_mfu_db *db, const char *src, size_t len, const char *source,
                                              blis_err *err);
BLIS_DEF blis_status blis_mfu_db_add_prefill_csv(blis_mfu_db *db, const char *name, const char *src, size_t len,
                                                 const char *source, blis_err *err);
BLIS_DEF blis_status blis_mfu_db_add_decode_csv(blis_mfu_db *db, const char *name, const char *src, size_t len,
                                                const char *source, blis_err *err);

/* Lists a directory's entries (ISO C cannot): appends each name followed by
 * a NUL to names. Returns 0, or -1 when the directory cannot be read.
 * blis_fetch.h provides blis_posix_list_dir. */
typedef int (*blis_list_dir_fn)(void *user, const char *dir, blis_buf *names);
/* Messages (the run's log, loaders' notes): level is "debug", "info",
 * "warn" or "error". */
typedef void (*blis_log_fn)(void *user, const char *level, const char *msg);
/* Loads bench_dir/gemm/<gpu>/data.csv, bench_dir/mha/prefill/<gpu>/NAME.csv and
 * bench_dir/mha/decode/<gpu>/NAME-tp<N>.csv, the <gpu> directory matched
 * ignoring case. */
BLIS_DEF blis_status blis_mfu_db_load_dir(blis_mfu_db *db, const char *bench_dir, const char *gpu,
                                          blis_list_dir_fn list, void *list_user, blis_err *err);
/* Resolves a model's attention key to the nearest prefill config (Euclidean
 * over heads, KV heads, head dim; the first in name order on ties). */
BLIS_DEF blis_status blis_mfu_db_select_model(blis_mfu_db *db, const blis_model_config *m, blis_err *err);

/* Lookups (spec §4.4), never below 1e-4. */
BLIS_DEF double blis_mfu_gemm(const blis_mfu_db *db, int64_t m, int64_t k, int64_t n);
BLIS_DEF double blis_mfu_attn_prefill(const blis_mfu_db *db, int64_t seq_len);
BLIS_DEF double blis_mfu_attn_decode(const blis_mfu_db *db, int64_t batch_size, int64_t kv_len, int tp);
/* max(2mkn / (peak * mfu), k*n*bytes_per_param / bw), seconds. */
BLIS_DEF double blis_mfu_gemm_time_s(const blis_mfu_db *db, const blis_hw_config *hw, double bytes_per_param, int64_t m,
                                     int64_t k, int64_t n);

/* Roofline v2 step time (spec §4.4): per-shape GEMM MFU, FLOPs-weighted
 * decode attention MFU, prefill buckets, phases combined by max. hw must
 * have passed validation as version 2; db must have a model selected. */
BLIS_DEF blis_status blis_roofline_v2_step(const blis_model_config *m, const blis_hw_config *hw, const blis_mfu_db *db,
                                           int tp, const blis_step_batch *batch, blis_step_breakdown *out,
                                           blis_err *err);

/* ==== >>workload  requests and workload generators ==== */

/* Token IDs are random integers in [0, BLIS_MAX_TOKEN_ID) (reference: MaxTokenID). */
#define BLIS_MAX_TOKEN_ID 128000

/* Prefix identity of KV blocks: a 64-bit chained hash, block k's hash
 * covering every token of blocks 0..k of the request's token sequence
 * (input then output). Only equality matters (spec §3.6). */
typedef struct blis_block_hasher {
    uint64_t chain; /* hash of the last full block, 0 before the first */
    uint64_t acc;   /* running hash of the current block's tokens */
    int32_t fill;   /* tokens in the current block */
    int32_t block_tokens;
} blis_block_hasher;

BLIS_DEF void blis_block_hasher_init(blis_block_hasher *h, int32_t block_tokens);
/* Feeds one token; returns 1 and sets *block_hash when it completes a block. */
BLIS_DEF int blis_block_hasher_push(blis_block_hasher *h, int64_t token, uint64_t *block_hash);
/* A hash of every token pushed so far (full blocks and the partial one). */
BLIS_DEF uint64_t blis_block_hasher_key(const blis_block_hasher *h);

/* One request. Token IDs are not stored: the KV cache needs only the hashes
 * of the sequence's full blocks (input ++ output), computed at generation. */
typedef struct blis_request {
    /* read or written for every running request in every step: together in
     * the first 128 bytes (with several instances these miss the cache) */
    int64_t input_tokens;
    int64_t output_tokens;
    int64_t progress_tokens; /* ProgressIndex (engine state, spec §3.1) */
    int64_t new_tokens;      /* NumNewTokens of the current step */
    int64_t computed_tokens; /* ComputedTokens entry; -1 when absent */
    int64_t kv_count;        /* entries in kv_blocks */
    uint64_t *block_hashes;  /* (input + output) / block size entries; owned by the simulator */
    int64_t block_hash_count;
    int32_t kv_tail;               /* kv_blocks[kv_count - 1] when kv_count > 0 */
    int state;                     /* BLIS_REQ_QUEUED / RUNNING / COMPLETED */
    int64_t itl_count, itl_sum_us; /* inter-token latencies so far: how many, their sum */
    /* the steps whose ITLs it holds (their values are in the instance's
     * step log), as runs of consecutive step numbers: the current run and,
     * after a preemption, the earlier ones as (first, last) pairs */
    int64_t itl_run_first, itl_run_last;
    int32_t *kv_blocks; /* the request's KV blocks (RequestMap entry) */
    int64_t kv_cap;
    int kv_has_map; /* the RequestMap entry exists */
    int ttft_set;
    /* the rest */
    int64_t index; /* "request_<index>" */
    int64_t arrival_us;
    int64_t first_token_us; /* relative to arrival */
    int64_t *itl_runs;
    int64_t itl_run_count, itl_run_cap;
    int64_t scheduled_step, finished_step;
    double priority;
    int64_t sched_delay_us; /* the last scheduling delay (-1: never scheduled) */
    int64_t e2e_us;         /* completed: first token + the ITLs */
    int injected;           /* routed to the instance (registered in the results) */
    size_t live_slot;       /* index in blis_sim.requests */
    /* cluster: the instance that served it; workload-spec metadata (point
     * into the spec, NULL when none); the routing key of an input without a
     * full block (a hash of its tokens) */
    int32_t instance;
    const char *slo_class, *tenant_id;
    uint64_t input_key;
} blis_request;

enum { BLIS_REQ_QUEUED = 0, BLIS_REQ_RUNNING = 1, BLIS_REQ_COMPLETED = 2 };

/* The legacy generator (v0.6.1 --workload distribution and the presets;
 * spec §2.2): evenly spaced arrivals, gaussian lengths clamped to
 * [min, max], a shared prefix; requests produced lazily, in arrival order. */
/* An arrival process: evenly spaced (constant), Poisson (exponential gaps),
 * or gamma or Weibull gaps of a given coefficient of variation (cv: the
 * gaps' standard deviation over their mean; 1 is Poisson's burstiness,
 * above 1 burstier). */
typedef enum blis_arrival_kind {
    BLIS_ARRIVAL_CONSTANT,
    BLIS_ARRIVAL_POISSON,
    BLIS_ARRIVAL_GAMMA,
    BLIS_ARRIVAL_WEIBULL
} blis_arrival_kind;
/* "constant", "poisson", "gamma", "weibull" -> the kind; -1 otherwise. */
BLIS_DEF int blis_arrival_kind_parse(const char *name);
BLIS_DEF const char *blis_arrival_kind_name(blis_arrival_kind k);
/* The cv range gamma and Weibull gaps accept. */
#define BLIS_ARRIVAL_CV_MIN 0.01
#define BLIS_ARRIVAL_CV_MAX 10.4

/* One arrival process at a rate: draws gaps (us, >= 1) from a caller's RNG. */
typedef struct blis_arrival_proc {
    blis_arrival_kind kind;
    double rate_per_us;
    double shape, scale, k; /* gamma (shape, scale), Weibull (k, scale) */
    int as_poisson;         /* gamma so close to Poisson that it is drawn as one */
} blis_arrival_proc;
/* cv: gamma (0: 1) and Weibull (in [BLIS_ARRIVAL_CV_MIN, _MAX]); unused
 * otherwise. */
BLIS_DEF void blis_arrival_proc_init(blis_arrival_proc *p, blis_arrival_kind kind, double cv, double rate_per_us);
BLIS_DEF int64_t blis_arrival_proc_gap_us(const blis_arrival_proc *p, blis_rng *rng);

typedef struct blis_legacy_workload {
    double rate_per_s;
    int64_t num_requests;
    int64_t prefix_tokens;
    int64_t prompt_mean, prompt_std, prompt_min, prompt_max;
    int64_t output_mean, output_std, output_min, output_max;
    /* the arrivals (--arrival, --arrival-cv): CONSTANT (0) is the
     * reference's evenly spaced requests, 1/rate apart with the gap
     * truncated to whole us; the others draw each gap from an RNG stream of
     * their own ("arrival"), so the requests' lengths and tokens are those
     * of the constant run. The first request arrives at 0 in every case. */
    blis_arrival_kind arrival;
    double arrival_cv;
} blis_legacy_workload;

/* Observes generated token IDs (tests); kind 0 prefix, 1 prompt, 2 output. */
typedef void (*blis_token_fn)(void *user, int kind, int64_t request, int64_t position, int64_t token);

typedef struct blis_legacy_gen {
    blis_legacy_workload w;
    blis_rng rng;
    blis_rng arrival_rng; /* the gaps of a random arrival process */
    blis_arrival_proc arrivals;
    int64_t horizon_us;
    int64_t block_tokens;
    int64_t t_us;
    int64_t next_index;
    int done;
    int64_t *prefix;                /* the shared prefix's token IDs */
    blis_block_hasher prefix_chain; /* the hasher after the prefix's full blocks */
    int64_t prefix_full_blocks;
    uint64_t *prefix_hashes;
    uint64_t *scratch; /* one request's hashes before the exact-size copy */
    size_t scratch_cap;
    int64_t *tokens; /* one prompt's or output's token IDs */
    size_t tokens_cap;
    blis_alloc alloc;
    blis_token_fn on_token;
    void *on_token_user;
    /* bare: requests without block hashes (token IDs drawn, not hashed): the
     * leading source of compact waiting requests, whose hashes come from the
     * lag source (blis_sim_config.bare_arrivals) */
    int bare;
} blis_legacy_gen;

/* Checks the configuration as the reference does (rate > 0 and finite; each
 * mean and stdev within [min, max]; non-negative prefix). */
BLIS_DEF blis_status blis_legacy_workload_validate(const blis_legacy_workload *w, blis_err *err);
/* Draws the prefix from the "workload" stream of master_seed. */
BLIS_DEF blis_status blis_legacy_gen_init(blis_legacy_gen *g, const blis_legacy_workload *w, int64_t master_seed,
                                          int64_t horizon_us, int64_t block_tokens, const blis_alloc *alloc,
                                          blis_token_fn on_token, void *user, blis_err *err);
/* Produces the next request into *r (block_hashes allocated from the
 * generator's allocator; free with blis_request_free). *has = 0 at the end. */
BLIS_DEF blis_status blis_legacy_gen_next(blis_legacy_gen *g, blis_request *r, int *has, blis_err *err);
BLIS_DEF void blis_legacy_gen_free(blis_legacy_gen *g);

/* CSV trace replay (v0.6.1 --workload traces; spec §2.3): a header row, then
 * one request per row: column 0 the arrival in seconds, columns 3 and 4 JSON
 * integer arrays of the input and output token IDs (columns 1, 2 and any
 * after 4 are ignored); IDs request_<data row index>. Rows are read one at a
 * time (memory: the file's bytes plus the requests in flight); reading stops
 * at the first row arriving after the horizon. Arrivals must not decrease
 * (the reference would reorder them; blis names the row instead). */
typedef struct blis_trace_gen {
    blis_csv_reader rd;
    int64_t horizon_us;
    int64_t block_tokens;
    int64_t next_index;
    int64_t last_arrival_us;
    int header_read, done;
    uint64_t *scratch; /* one request's hashes before the exact-size copy */
    size_t scratch_cap;
    blis_alloc alloc;
    double time_scale; /* > 0: every arrival time multiplied by it (run --rate on a trace); 0: as written */
} blis_trace_gen;

/* src/len: the CSV text (kept by the caller until blis_trace_gen_free);
 * opts->source names the file in errors. */
BLIS_DEF blis_status blis_trace_gen_init(blis_trace_gen *g, const char *src, size_t len, const blis_parse_opts *opts,
                                         int64_t horizon_us, int64_t block_tokens, blis_err *err);
/* The next request, as blis_legacy_gen_next; errors name the file, line and
 * column of the offending cell. */
BLIS_DEF blis_status blis_trace_gen_next(blis_trace_gen *g, blis_request *r, int *has, blis_err *err);
BLIS_DEF void blis_trace_gen_free(blis_trace_gen *g);

/* The workload-spec generator (--workload-spec; spec §2.4-§2.5): clients
 * with rate fractions, arrival processes and length distributions, shared
 * prefix groups, lifecycle windows, SLO classes and tenants. Requests are
 * produced lazily, in arrival order: each client has its own RNG stream, so
 * a k-way merge of the clients' next requests (ties in client order) gives
 * the reference's stable sort without holding the workload in memory.
 * inference_perf expands into its clients. Reasoning multi-turn sessions
 * draw all their rounds at the session's start (the reference's order) and
 * hold them in a per-client heap until no later session can precede them.
 * Cohorts (spec §2.7) expand into their population of clients, after the
 * clients, with the lifecycle windows of their diurnal, spike and drain
 * shapes. A multimodal client's prompt is its text tokens plus, per image,
 * audio and video, a count of items of sampled sizes (spec §2.5).
 * servegen_data is read by blis_spec_load_servegen (file I/O, after
 * parsing). */
typedef enum blis_dist_kind {
    BLIS_DIST_GAUSSIAN,
    BLIS_DIST_EXPONENTIAL,
    BLIS_DIST_PARETO_LOGNORMAL,
    BLIS_DIST_CONSTANT,
    BLIS_DIST_EMPIRICAL
} blis_dist_kind;

typedef struct blis_length_dist {
    blis_dist_kind kind;
    double mean, std_dev, min, max;          /* gaussian (mean: also exponential) */
    double alpha, xm, mu, sigma, mix_weight; /* pareto_lognormal */
    double value;                            /* constant */
    int64_t *emp_values;                     /* empirical: sorted token counts with p > 0 */
    double *emp_cdf;
    size_t emp_n;
} blis_length_dist;

typedef struct blis_spec_window {
    int64_t start_us, end_us;
} blis_spec_window;

typedef struct blis_spec_client {
    const char *id, *tenant_id, *slo_class, *prefix_group; /* point into the document */
    double rate_fraction;
    blis_arrival_kind arrival;
    double cv; /* gamma, weibull */
    blis_length_dist input, output;
    int64_t prefix_length; /* 0: 50 */
    blis_spec_window *windows;
    size_t window_count;
    /* reasoning: multi-turn sessions (max_rounds 0: none) and the ratio */
    int64_t max_rounds, think_time_us;
    int accumulate, has_ratio;
    blis_length_dist reason_ratio;
    /* multimodal: the text length, then per image, audio and video a count
     * and each item's tokens (BLIS_MM_*; mm_set bit k: distribution k given) */
    unsigned mm_set;
    blis_length_dist mm[7];
    int shared; /* a cohort's member after the first: its distributions and windows are the first's */
} blis_spec_client;
enum {
    BLIS_MM_TEXT,
    BLIS_MM_IMAGE,
    BLIS_MM_IMAGE_COUNT,
    BLIS_MM_AUDIO,
    BLIS_MM_AUDIO_COUNT,
    BLIS_MM_VIDEO,
    BLIS_MM_VIDEO_COUNT
};

typedef struct blis_workload_spec {
    int64_t seed;
    int has_seed;
    double aggregate_rate; /* req/s */
    int64_t horizon_us;
    int has_horizon;
    int64_t num_requests; /* 0: unlimited */
    blis_spec_client *clients;
    size_t client_count;
    char *strings;      /* the ids and tenants of expanded clients (inference_perf) */
    char *cohort_ids;   /* the ids of clients expanded from cohorts ("<cohort>-<j>") */
    void *owned;        /* strings copied by blis_spec_compose (a chain of blocks) */
    char category[16];  /* "", language, multimodal, reasoning */
    const char *source; /* the document's name, for generation errors */
    blis_alloc alloc;
    /* servegen_data (read when the spec has no clients): the directory and
     * the span in seconds (end 0: to the end); its clients come with
     * blis_spec_load_servegen (sg_loaded: done). */
    const char *servegen_path;
    double servegen_span_start_s, servegen_span_end_s;
    int sg_loaded;
} blis_workload_spec;

/* Reads and validates a parsed spec document (strict: unknown fields are
 * errors naming the field path). Strings point into doc: keep it alive. */
BLIS_DEF blis_status blis_workload_spec_from_doc(const blis_doc *doc, blis_workload_spec *spec, const blis_alloc *alloc,
                                                 blis_err *err);
BLIS_DEF void blis_workload_spec_free(blis_workload_spec *spec);
/* Logs (level "warn") what the spec leaves to a default, naming the
 * client: an empirical table with no positive weight samples 1 token, as
 * the reference does. Returns how many it logged (log may be NULL). */
BLIS_DEF size_t blis_workload_spec_warn(const blis_workload_spec *spec, blis_log_fn log, void *user);
/* servegen_data's clients (the spec must name one; a no-op otherwise or
 * once loaded). ServeGen's published layout, our reading (the spec gives
 * none): spec->servegen_path holds chunk-<id>-trace.csv and
 * chunk-<id>-dataset.json per client (ids from list, else 0, 1, ... up to
 * the first missing trace). Each chunk with requests in the span becomes
 * client "servegen-<id>": its active windows (rate > 0) are its lifecycle
 * windows, relative to span_start; its rate fraction is its mean rate over
 * them (req/s); its arrival process the family (Gamma, Weibull, else
 * Poisson) carrying most of its requests, with the request-weighted mean
 * cv; its input and output lengths the request-weighted mixture of the
 * dataset windows covering its active windows. The clients come before any
 * cohort's. A spec without aggregate_rate gets the sum of the clients'
 * rates (each runs at its own rate), one without horizon the span's length.
 * log (may be NULL) gets an info line and a warning naming dataset fields
 * not used (only input_tokens and output_tokens are). */
BLIS_DEF blis_status blis_spec_load_servegen(blis_workload_spec *spec, blis_list_dir_fn list, void *list_user,
                                             blis_log_fn log, void *log_user, blis_err *err);

typedef struct blis__spec_stream blis__spec_stream;
typedef struct blis_spec_gen {
    blis__spec_stream *streams; /* one per client with a positive rate */
    size_t stream_count;
    int64_t horizon_us, max_requests, per_client_cap, block_tokens, next_index;
    const char *source;
    int64_t **prefixes; /* per client: its group's prefix tokens (shared), or NULL */
    int64_t *prefix_lens;
    int64_t *prefix_store;
    uint64_t *scratch;
    size_t scratch_cap;
    blis_alloc alloc;
    /* the request last returned: its client and first 5 input (prefix
     * included) and output token IDs (conformance tests) */
    size_t last_client;
    int64_t last_in5[5], last_out5[5];
} blis_spec_gen;

/* seed, horizon and max_requests after the CLI overrides (§2.4). */
BLIS_DEF blis_status blis_spec_gen_init(blis_spec_gen *g, const blis_workload_spec *spec, int64_t seed,
                                        int64_t horizon_us, int64_t max_requests, int64_t block_tokens,
                                        const blis_alloc *alloc, blis_err *err);
/* The next request, as blis_legacy_gen_next. */
BLIS_DEF blis_status blis_spec_gen_next(blis_spec_gen *g, blis_request *r, int *has, blis_err *err);
BLIS_DEF void blis_spec_gen_free(blis_spec_gen *g);

/* defaults.yaml (spec §1.5): a preset workload (rate not included). */
BLIS_DEF blis_status blis_defaults_workload(const blis_doc *defaults, const char *name, blis_legacy_workload *w,
                                            blis_err *err);
/* defaults[model]: the default GPU, TP and vLLM version ("", 0, "" when absent). */
BLIS_DEF blis_status blis_defaults_specs(const blis_doc *defaults, const char *model, char *gpu, size_t gpu_size,
                                         int *tp, char *vllm, size_t vllm_size, blis_err *err);
/* The first models[] entry with this id, TP, GPU and vLLM version:
 * *found = 0 when none (the reference then gets no coefficients, kv 0). */
/* defaults[model].hf_repo, "" when absent (a410740f schema). */
BLIS_DEF blis_status blis_defaults_hf_repo(const blis_doc *defaults, const char *model, char *repo, size_t size,
                                           blis_err *err);
BLIS_DEF blis_status blis_defaults_coefficients(const blis_doc *defaults, const char *model, int tp, const char *gpu,
                                                const char *vllm, double alpha[3], double beta[3], int64_t *kv_blocks,
                                                int *found, blis_err *err);
BLIS_DEF void blis_request_free(const blis_alloc *alloc, blis_request *r);

/* ==== >>evq  the instance event queue ==== */

/* Instance event kinds (spec §3.3); the no-op kinds still occupy the queue
 * and advance the clock, as in the reference. */
#define BLIS_EVENT_KIND_LIST(X) \
    X(BLIS_EV_ARRIVAL)          \
    X(BLIS_EV_QUEUED)           \
    X(BLIS_EV_STEP)             \
    X(BLIS_EV_SCHEDULED)        \
    X(BLIS_EV_PREEMPTION)       \
    X(BLIS_EV_REQUEST_LEFT)

typedef enum blis_event_kind {
#define BLIS__EV_ENUM(name) name,
    BLIS_EVENT_KIND_LIST(BLIS__EV_ENUM)
#undef BLIS__EV_ENUM
        BLIS_EV_KIND_COUNT
} blis_event_kind;

typedef struct blis_event {
    int64_t time_us;
    blis_event_kind kind;
    blis_request *req; /* NULL for steps */
} blis_event;

/* A binary min-heap on time only, with exactly the sift-up and sift-down of
 * Go's container/heap, so events at equal times come out in the reference's
 * order (spec §3.2). */
typedef struct blis_evq {
    blis_event *heap;
    size_t len, cap;
    blis_alloc alloc;
} blis_evq;

BLIS_DEF void blis_evq_init(blis_evq *q, const blis_alloc *alloc);
BLIS_DEF blis_status blis_evq_push(blis_evq *q, int64_t time_us, blis_event_kind kind, blis_request *req);
BLIS_DEF int blis_evq_pop(blis_evq *q, blis_event *out); /* 0 when empty */
BLIS_DEF void blis_evq_free(blis_evq *q);
BLIS_DEF const char *blis_event_kind_name(blis_event_kind k);

/* ==== >>kv  the paged KV cache with prefix caching ==== */

/* One slot of the prefix-hash index: key and block together (one cache
 * line per probe). */
typedef struct blis_kv_map_entry {
    uint64_t key;
    int32_t val;
} blis_kv_map_entry;

typedef struct blis_kv_block {
    int32_t ref_count;
    int32_t fill;  /* tokens held (0..block size) */
    uint64_t fpos; /* its entry in the free ring (BLIS_KV_NOT_FREE: not free) */
    uint8_t in_use;
    uint8_t has_hash;
    uint64_t hash;
} blis_kv_block;
#define BLIS_KV_NOT_FREE UINT64_MAX

/* KVCacheState (spec §3.6): blocks, an LRU free list (head evicted first),
 * a prefix-hash index, per-request block lists (in the requests). A failed
 * allocation changes nothing (the reference's rollback leak is not
 * reproduced: blocks are conserved and runs always end). The free list is a
 * ring of block ids in list order: a block leaving it from the middle (a
 * cache hit) leaves a stale entry behind, skipped when reached (an entry is
 * live while its block's fpos names its position); the blocks the next pops
 * take are known ahead, so they and their index slots are fetched early. */
typedef struct blis_kv_cache {
    int64_t total_blocks;
    int64_t block_tokens;
    blis_kv_block *blocks;
    int32_t *fring;        /* fcap entries (a power of two >= 2 x total_blocks) */
    uint64_t fhead, ftail; /* the list's entries are at positions [fhead, ftail) */
    size_t fcap;
    int64_t used_blocks;
    int64_t hits, misses;
    blis_kv_map_entry *map; /* hash -> block (open addressing, linear probing; key 0 = empty) */
    size_t map_cap, map_len;
    blis_alloc alloc;
    /* The CPU tier (TieredKVCache, spec §3.6; cpu_blocks = 0: single tier).
     * Offloaded blocks are kept by their GPU block id: present, hash and the
     * clock at offload. */
    int64_t cpu_blocks, cpu_used;
    double offload_threshold; /* offload while used/total exceeds it */
    double transfer_blocks_per_us;
    int64_t transfer_base_us;
    uint8_t *cpu_present;
    uint64_t *cpu_hash;
    int64_t *cpu_offload_us;
    int64_t clock_us;           /* SetClock: the current step's time */
    int64_t pending_latency_us; /* reload time not yet added to a step */
    int64_t cpu_hits, cpu_misses, offloads, thrashing;
} blis_kv_cache;

BLIS_DEF blis_status blis_kv_init(blis_kv_cache *kv, int64_t total_blocks, int64_t block_tokens,
                                  const blis_alloc *alloc, blis_err *err);
BLIS_DEF void blis_kv_free(blis_kv_cache *kv);
/* Leading full input blocks of req already cached (GetCachedBlocks): writes
 * up to max block ids and returns how many. A pure query. */
BLIS_DEF int64_t blis_kv_cached_blocks(const blis_kv_cache *kv, const blis_request *req, int32_t *ids, int64_t max);
/* AllocateKVBlocks(req, start, end, cached): 1 on success, 0 when the cache
 * cannot hold it (nothing changed). BLIS_E_NOMEM aside, never fails otherwise. */
BLIS_DEF int blis_kv_allocate(blis_kv_cache *kv, blis_request *req, int64_t start, int64_t end, const int32_t *cached,
                              int64_t n_cached, blis_status *st);
/* Adds the CPU tier: cpu_blocks > 0 blocks, offloading while the GPU's
 * used/total exceeds threshold (0..1), reloads costing base_us + ceil(block
 * tokens / blocks_per_us) each. */
BLIS_DEF blis_status blis_kv_tier_init(blis_kv_cache *kv, int64_t cpu_blocks, double threshold, double blocks_per_us,
                                       int64_t base_us, blis_err *err);
/* The tiered AllocateKVBlocks: the GPU first; on failure reload every CPU
 * block whose hash the GPU lacks (tryReloadFromCPU), recompute the cached
 * prefix into scratch (input / block + 1 entries) and retry once. */
BLIS_DEF int blis_kv_allocate_tiered(blis_kv_cache *kv, blis_request *req, int64_t start, int64_t end,
                                     const int32_t *cached, int64_t n_cached, int32_t *scratch, blis_status *st);
/* The tiered ReleaseKVBlocks: release, then offload (maybeOffload). */
BLIS_DEF void blis_kv_release_tiered(blis_kv_cache *kv, blis_request *req);
/* ConsumePendingTransferLatency: the reload time since the last call. */
BLIS_DEF int64_t blis_kv_consume_transfer_us(blis_kv_cache *kv);
BLIS_DEF double blis_kv_thrashing_rate(const blis_kv_cache *kv);
/* The free list, head to tail (up to max ids to out); returns its length. */
BLIS_DEF int64_t blis_kv_free_list(const blis_kv_cache *kv, int32_t *out, int64_t max);
/* ReleaseKVBlocks(req): the request's blocks, last first, to the free tail. */
BLIS_DEF void blis_kv_release(blis_kv_cache *kv, blis_request *req);
BLIS_DEF double blis_kv_hit_rate(const blis_kv_cache *kv);
/* Block conservation and list consistency; 0 when they hold. */
BLIS_DEF int blis_kv_check(const blis_kv_cache *kv);

/* ==== >>sched  wait queue, priorities, schedulers, vLLM batch formation ==== */

typedef enum blis_priority_policy {
    BLIS_PRIO_CONSTANT,
    BLIS_PRIO_SLO_BASED,
    BLIS_PRIO_INVERTED_SLO
} blis_priority_policy;
typedef enum blis_scheduler_kind {
    BLIS_SCHED_FCFS,
    BLIS_SCHED_PRIORITY_FCFS,
    BLIS_SCHED_SJF,
    BLIS_SCHED_REVERSE_PRIORITY
} blis_scheduler_kind;

/* Name <-> enum ("constant", "slo-based", "inverted-slo"; "fcfs",
 * "priority-fcfs", "sjf", "reverse-priority"); -1 for unknown names. */
BLIS_DEF int blis_priority_policy_parse(const char *name);
BLIS_DEF int blis_scheduler_parse(const char *name);

/* A double-ended queue of requests (the WaitQ). */
/* A u64 -> i32 map (linear probing; the library's small index maps). */
typedef struct blis__u64map {
    uint64_t *keys; /* 0: empty slot */
    int32_t *vals;
    size_t cap, len;
} blis__u64map;

/* The wait queue: a ring of requests, then (compact waiting requests,
 * blis_sim_set_lag_source) the indices of requests not held: never
 * scheduled, they are generated again when they reach the head. The
 * indices are a byte ring of differences from the one before (a byte
 * 128 + d for |d| <= 127, else 0 and the index's 8 bytes): about a byte per
 * waiting request. len counts the ring, vlen the indices; the queue is
 * both. */
typedef struct blis_waitq {
    blis_request **ring;
    size_t head, len, cap;
    blis_request **scratch; /* sort buffer */
    size_t scratch_cap;
    blis_alloc alloc;
    uint8_t *vbytes;
    size_t vb_head, vb_len, vb_cap;
    int64_t vlen;           /* indices held */
    int64_t v_base, v_last; /* the index before the first held one; the last one pushed */
} blis_waitq;

/* ==== >>sim  one vLLM instance: latency models, the step, the run loop ==== */

typedef enum blis_latency_kind {
    BLIS_LATENCY_BLACKBOX,
    BLIS_LATENCY_ROOFLINE_V1,
    BLIS_LATENCY_ROOFLINE_V2
} blis_latency_kind;

/* The latency model (spec §4.1): alpha (queueing, per-token output
 * processing) applies to every model; the step time is blackbox
 * int64(b0 + b1*prefill_tokens + b2*decode_tokens) or a roofline. */
typedef struct blis_latency_model {
    blis_latency_kind kind;
    double alpha[3];
    double beta[3];
    const blis_model_config *model; /* rooflines */
    const blis_hw_config *hw;
    const blis_mfu_db *mfu; /* v2 */
    int tp;
    unsigned v1_ext; /* roofline v1 extensions (BLIS_V1X_*; 0: the reference) */
} blis_latency_model;

BLIS_DEF blis_status blis_latency_model_validate(const blis_latency_model *lm, blis_err *err);

/* Everything that defines one instance's run (the reference's flags). */
typedef struct blis_sim_config {
    int64_t total_kv_blocks;        /* --total-kv-blocks */
    int64_t block_tokens;           /* --block-size-in-tokens (16) */
    int64_t max_running;            /* --max-num-running-reqs (256) */
    int64_t max_scheduled_tokens;   /* --max-num-scheduled-tokens (2048) */
    int64_t long_prefill_threshold; /* --long-prefill-token-threshold (0 = none) */
    int64_t horizon_us;             /* --horizon (INT64_MAX) */
    blis_priority_policy priority;
    blis_scheduler_kind scheduler;
    blis_latency_model latency;
    /* 1 (the default): every request stays in blis_sim.requests until
     * blis_sim_destroy, for per-request results (blis_results_write).
     * 0: a request is freed when it leaves (completed or dropped) and only
     * its timings are kept for the metrics: memory follows the requests in
     * flight plus 8 bytes per completed request (its E2E, needed for exact
     * percentiles) plus one entry per distinct TTFT, ITL and delay value. */
    int keep_requests;
    /* percentiles from log-bucketed histograms (BLIS_SKETCH_REL_ERROR) and
     * E2Es not kept one by one: memory flat in the number of requests */
    int streaming_metrics;
    /* the CPU KV tier (--kv-cpu-blocks 0: none; --kv-offload-threshold 0.9,
     * --kv-transfer-bandwidth 100 blocks/us, --kv-transfer-base-latency 0 us) */
    int64_t kv_cpu_blocks;
    double kv_offload_threshold;
    double kv_transfer_bandwidth;
    int64_t kv_transfer_base_latency_us;
    /* A client timeout (0, the reference: none). A request not finished
     * request_timeout_us after its arrival is aborted at the next step, as
     * vLLM aborts a request whose client disconnected: it leaves the wait
     * queue or the running batch, its KV blocks are released, and it counts
     * in blis_sim.timed_out, not in the latency statistics. */
    int64_t request_timeout_us;
    /* 0 (the default): one step chain per instance. A request queued at an
     * idle instance schedules a step and marks it pending, so requests that
     * queue at the same microsecond share that step (vLLM's one engine
     * loop). 1 (--compat reference): the reference's parallel chains (spec
     * §3.3): each such request schedules its own unmarked step, and the
     * chains then run side by side over one batch, serving it up to k times
     * too fast. Only the conformance vectors need it. */
    int reference_step_chains;
} blis_sim_config;

/* Fills the reference's defaults (blackbox with zero coefficients). */
BLIS_DEF void blis_sim_config_defaults(blis_sim_config *c);

/* A counted multiset of values >= 0 (open addressing; -1 marks an empty
 * slot): exact statistics without one stored value per token. In sketch
 * mode (streaming metrics) it is a log-bucketed histogram instead: counts
 * per bucket (values NULL, len the buckets in use), exact below 2048 and
 * 1024 buckets per power of two above (a bucket's midpoint is within 1/2048
 * of any value in it), and the exact sum of the values added. */
typedef struct blis_counts {
    int64_t *values, *counts;
    size_t cap, len;
    int64_t total;
    int sketch;
    double sum_us;
} blis_counts;
/* Streaming metrics' relative error bound on percentiles (1/2048). */
#define BLIS_SKETCH_REL_ERROR (1.0 / 2048)
/* --waiting-requests compact: a spec of more clients keeps them whole. */
#ifndef BLIS_COMPACT_MAX_CLIENTS
#define BLIS_COMPACT_MAX_CLIENTS 1024
#endif
/* --metrics-mode auto: exact up to this many requests, streaming above. */
#ifndef BLIS_EXACT_METRICS_MAX_REQUESTS
#define BLIS_EXACT_METRICS_MAX_REQUESTS 2000000
#endif

/* A run that keeps every request (keep_requests: a workload spec,
 * --results-path, --slo, --fitness, a priority policy; about 260 bytes
 * each) holds at most this many: blis_run refuses a larger count up front
 * (a horizon-bound spec by aggregate_rate x horizon) and fails a run whose
 * source goes past it (blis_cluster_config.max_kept_requests). */
#ifndef BLIS_RUN_MAX_KEPT_REQUESTS
#define BLIS_RUN_MAX_KEPT_REQUESTS 10000000
#endif

/* Where requests come from, in arrival order; *has = 0 at the end. */
typedef struct blis_request_source {
    blis_status (*next)(void *user, blis_request *r, int *has, blis_err *err);
    void *user;
} blis_request_source;

/* The load an instance saw over time, for steady-state analysis
 * (blis_flow_steady): requests that arrived, completed, and left otherwise
 * (dropped, timed out), counted in BLIS_FLOW_BUCKETS buckets of width_us
 * from time 0. A time past the last bucket doubles the width (pairs of
 * buckets merged): fixed memory, no allocation, resolution 1/256 of the
 * run at worst. Times are each request's arrival and its completion
 * (arrival + E2E). */
#define BLIS_FLOW_BUCKETS 512
typedef struct blis_flow {
    int64_t width_us; /* a power of two; 0 before the first event (then 1) */
    int64_t arrived[BLIS_FLOW_BUCKETS], completed[BLIS_FLOW_BUCKETS], left[BLIS_FLOW_BUCKETS];
    int64_t first_arrival_us, last_arrival_us, n_arrived;
} blis_flow;
/* kind: 0 arrived, 1 completed, 2 left without completing. */
BLIS_DEF void blis_flow_add(blis_flow *f, int kind, int64_t t_us);
/* Adds src's counts to dst (coarsened to the wider of the two widths). */
BLIS_DEF void blis_flow_merge(blis_flow *dst, const blis_flow *src);

/* One simulated instance. Lifecycle: blis_sim_init, then blis_sim_run (or
 * blis_sim_step / blis_sim_run_until), read the counters, blis_sim_destroy. */
typedef struct blis_sim {
    blis_sim_config cfg;
    blis_alloc alloc;
    blis_request_source source;
    blis_evq events;
    blis_kv_cache kv;
    blis_waitq waitq;
    blis_request **running;
    size_t running_len, running_cap;
    blis_request **scratch_reqs; /* snapshot, preempted, scheduled, remaining */
    size_t scratch_cap;
    int32_t *cached_ids;
    size_t cached_cap;
    int32_t *reload_ids; /* the cached prefix recomputed after a CPU reload */
    size_t reload_cap;
    blis_step_req *step_reqs; /* roofline batches */
    size_t step_reqs_cap;
    /* the ITL value (us) of each step from itl_log_base_step on: the values
     * of the ITLs requests still queued or running hold (blis_request's
     * runs), to take them out of `itl` when they leave uncompleted */
    int64_t *itl_log;
    size_t itl_log_cap;
    int64_t itl_log_base_step;
    /* arrivals (the cluster path's order for one instance) */
    blis_request *next_arrival; /* generated, not yet admitted */
    int source_done;
    blis_request **requests; /* keep_requests: every request generated, in order;
                              * else the requests not yet left, in no order */
    size_t request_count, request_cap;
    int64_t generated;  /* requests taken from the source */
    int64_t in_transit; /* arrived, not yet in the wait queue */
    int64_t clock_us;   /* the last instance event executed */
    int step_pending;   /* the reference's stepEvent != nil */
    int finished;
    /* counters (spec §3.4, §8.1) */
    int64_t step_count;
    int64_t completed, dropped_unservable, preemptions, kv_allocation_failures;
    int64_t timed_out;      /* aborted by request_timeout_us */
    int64_t next_expiry_us; /* no request can time out before this */
    int64_t total_input_tokens, total_output_tokens;
    int64_t
        first_tokens; /* requests that got their first token (each one generated token beyond total_output_tokens) */
    int64_t peak_kv_blocks;
    double kv_blocks_integral; /* sum of used blocks x step time */
    int64_t waitq_len_sum, waitq_samples;
    int64_t stalls;            /* steps that formed an empty batch with requests waiting */
    int kv_waiting_free;       /* after the first stall that freed blocks: waiting requests hold none (vLLM) */
    int64_t dropped_too_large; /* of dropped_unservable: input and output need more blocks than the cache has */
    /* compact waiting requests (blis_sim_set_lag_source) */
    blis_request_source lag; /* the same requests again, for those that reach the queue's head as indices */
    int lazy;
    int32_t lazy_instance;
    int64_t lag_next;      /* the index after the lag source's last request */
    uint8_t *compact_bits; /* bit i: request i waits as its index */
    size_t compact_bytes;
    blis__u64map side_index; /* index + 1 -> slot in side */
    blis_request **side;     /* whole requests the queue holds as indices (out of index order) */
    size_t side_len, side_cap;
    int64_t compacted, held_aside; /* requests queued as indices; of them, held aside whole (tests) */
    int lead_bare;                 /* injected requests carry no block hashes: the lag source's copies replace them */
    uint8_t *arrived_bits;         /* lead_bare: bit i: request i reached the queue (or was dropped there) */
    size_t arrived_bytes;
    /* timings as counted multisets: the ITLs of every request not timed
     * out (added a step at a time; those of requests still queued or
     * running are taken out when the metrics are read), the TTFTs and
     * scheduling delays of completed requests; E2Es one per completed
     * request (all distinct in practice) */
    blis_counts itl, ttft_done, sched_done;
    blis_counts e2e_done; /* streaming_metrics: the E2Es (e2e_us stays empty) */
    int64_t *e2e_us;
    size_t e2e_len, e2e_cap;
    blis_flow flow; /* arrivals and departures over time (steady state) */
} blis_sim;

BLIS_DEF blis_status blis_sim_init(blis_sim *s, const blis_sim_config *cfg, blis_request_source source,
                                   const blis_alloc *alloc, blis_err *err);
/* Compact waiting requests: lag yields the instance's requests again, in
 * the same order (a second source opened as the first was). A request that
 * reaches the wait queue never scheduled is then held as its index only and
 * generated again from lag when it reaches the queue's head: the same run
 * (same bytes), with a few bits per waiting request instead of the request
 * and its block hashes. Only with the FCFS scheduler, the constant priority
 * policy, no request timeout and without keep_requests; instance is what
 * routing set (r->instance). bare_arrivals: the injected requests carry no
 * block hashes (nothing before the instance reads them) and every one of
 * them reaches the queue; the lag source's copies replace them. Returns 1
 * when on, 0 (nothing changed) when the configuration does not allow it.
 * Call before the first event. */
BLIS_DEF int blis_sim_set_lag_source(blis_sim *s, blis_request_source lag, int32_t instance, int bare_arrivals);
/* Processes one event; *done = 1 when the run is over. */
BLIS_DEF blis_status blis_sim_step(blis_sim *s, int *done, blis_err *err);
BLIS_DEF blis_status blis_sim_run_until(blis_sim *s, int64_t until_us, blis_err *err);
BLIS_DEF blis_status blis_sim_run(blis_sim *s, blis_err *err);
BLIS_DEF void blis_sim_destroy(blis_sim *s);
/* Driven by a cluster (a source with next == NULL): blis_sim_inject takes
 * a request the cluster routed here (allocated with the sim's allocator; the
 * sim owns it from then on) and schedules its arrival at t_us;
 * blis_sim_next_event_us is the earliest pending event (INT64_MAX: none);
 * blis_sim_execute_next runs it, whatever the horizon, and tells its kind. */
BLIS_DEF blis_status blis_sim_inject(blis_sim *s, blis_request *r, int64_t t_us, blis_err *err);
BLIS_DEF int64_t blis_sim_next_event_us(const blis_sim *s);
BLIS_DEF blis_status blis_sim_execute_next(blis_sim *s, blis_event_kind *kind, blis_err *err);
/* Conservation, KV blocks, causality and the ITL step log; 0 when they
 * hold. */
BLIS_DEF int blis_sim_check(const blis_sim *s);

/* ==== >>cluster  instances behind admission and routing, one clock ==== */

typedef enum blis_admission_kind {
    BLIS_ADMIT_ALWAYS,
    BLIS_ADMIT_TOKEN_BUCKET,
    BLIS_ADMIT_REJECT_ALL
} blis_admission_kind;

typedef enum blis_routing_kind {
    BLIS_ROUTE_ROUND_ROBIN,
    BLIS_ROUTE_LEAST_LOADED,
    BLIS_ROUTE_WEIGHTED,
    BLIS_ROUTE_PREFIX_AFFINITY,
    BLIS_ROUTE_ALWAYS_BUSIEST
} blis_routing_kind;

typedef enum blis_scorer_kind {
    BLIS_SCORER_PREFIX_AFFINITY,
    BLIS_SCORER_QUEUE_DEPTH,
    BLIS_SCORER_KV_UTILIZATION,
    BLIS_SCORER_LOAD_BALANCE
} blis_scorer_kind;

#define BLIS_MAX_SCORERS         4
#define BLIS_PREFIX_LRU_CAPACITY 10000

typedef struct blis_scorer {
    blis_scorer_kind kind;
    double weight;
} blis_scorer;

/* The cluster's flags (spec §1.2, §3.9); every instance runs `instance`. */
typedef struct blis_cluster_config {
    blis_sim_config instance;
    int num_instances;                                       /* --num-instances (1) */
    int64_t admission_latency_us, routing_latency_us;        /* (0, 0) */
    blis_admission_kind admission;                           /* always-admit */
    double token_bucket_capacity, token_bucket_refill_per_s; /* 10000, 1000 */
    blis_routing_kind routing;                               /* round-robin */
    blis_scorer scorers[BLIS_MAX_SCORERS]; /* weighted: prefix-affinity:3,queue-depth:2,kv-utilization:2 */
    size_t scorer_count;
    int64_t snapshot_refresh_us; /* 0: KV figures fresh at every decision */
    int trace_decisions;         /* --trace-level decisions */
    int64_t counterfactual_k;    /* candidates kept per routing decision (regret) */
    /* A closed-loop client (0, the reference: open loop). At most
     * client_max_inflight requests are out at once: an arrival finding them
     * all out waits for one to finish (complete, time out, be dropped or be
     * rejected) and is sent then, its arrival time becoming the send time
     * (latencies count from the send, as a load generator measures them). */
    int64_t client_max_inflight;
    /* > 0, with instance.keep_requests: reading request max_kept_requests + 1
     * from the source fails the run (BLIS_E_LIMIT), memory bounded (0: none) */
    int64_t max_kept_requests;
} blis_cluster_config;

BLIS_DEF void blis_cluster_config_defaults(blis_cluster_config *c);
/* Names <-> enums; -1 for an unknown name. */
BLIS_DEF int blis_admission_parse(const char *name);
BLIS_DEF int blis_routing_parse(const char *name);
BLIS_DEF int blis_scorer_parse(const char *name);
BLIS_DEF const char *blis_scorer_name(blis_scorer_kind k);
/* "name:weight,..." (--routing-scorers): known names, each at most once,
 * finite weights > 0 (the reference's messages). */
BLIS_DEF blis_status blis_scorers_parse(const char *text, blis_scorer *out, size_t *count, blis_err *err);
/* Cross-flag checks (spec §1.3 step 7). */
BLIS_DEF blis_status blis_cluster_config_validate(const blis_cluster_config *c, blis_err *err);

/* What the router sees of one instance at a decision (spec §3.9). */
typedef struct blis_router_snapshot {
    int64_t queue_depth, batch_size, pending, effective_load, free_kv_blocks;
    double kv_utilization, cache_hit_rate;
    int64_t refreshed_us;
} blis_router_snapshot;

typedef struct blis__cluster_event blis__cluster_event;
typedef struct blis__lru blis__lru;

/* The cluster. Lifecycle: blis_cluster_init, blis_cluster_run,
 * blis_cluster_metrics, blis_cluster_destroy. Requests come from the source
 * in arrival order; an arrival schedules its admission decision after the
 * admission latency, an admitted request its routing decision after the
 * routing latency, and routing hands it to an instance at that time. */
typedef struct blis_cluster {
    blis_cluster_config cfg;
    blis_alloc alloc;
    blis_request_source source;
    int source_done;
    blis_request *next_arrival;
    blis_sim *instances;
    int n_instances;
    blis__cluster_event *events; /* heap by (time, kind, seq) */
    size_t event_len, event_cap;
    int64_t event_seq;
    int64_t clock_us;
    int finished;
    int64_t *pending; /* routed, not yet queued, per instance */
    blis_router_snapshot *snap;
    double *scores, *scorer_values;
    double bucket_tokens;
    int64_t bucket_last_us;
    uint64_t rr_counter;
    blis__u64map affinity; /* prefix-affinity policy: routing key -> instance */
    blis__lru *lru;        /* weighted prefix-affinity scorer: per-instance block LRU */
    int64_t generated, admitted, rejected, routed;
    int64_t client_inflight; /* sent, not yet finished (client_max_inflight) */
    int64_t client_delayed;  /* arrivals the client held back */
    /* --trace-level decisions */
    int64_t *target_counts;
    double regret_sum, regret_max;
    int32_t *order;
    /* optional: called every progress_every events (0: never) while
     * blis_cluster_run runs, e.g. for a progress line */
    void (*progress)(void *user, const struct blis_cluster *c);
    void *progress_user;
    int64_t progress_every, events_done;
    /* optional: blis_cluster_run stops before the next event with
     * BLIS_E_CANCELLED once *cancel is non-zero (a signal handler's flag) */
    const volatile sig_atomic_t *cancel;
    /* optional: run blis_sim_check on an instance after each of its events;
     * a violation stops the run with BLIS_E_INTERNAL naming the check, the
     * event, the time and the instance (BLIS_PARANOID, --check-invariants) */
    int check_invariants;
} blis_cluster;

BLIS_DEF blis_status blis_cluster_init(blis_cluster *c, const blis_cluster_config *cfg, blis_request_source source,
                                       const blis_alloc *alloc, blis_err *err);
BLIS_DEF blis_status blis_cluster_run(blis_cluster *c, blis_err *err);
BLIS_DEF void blis_cluster_destroy(blis_cluster *c);

/* ==== >>metrics  statistics and the metrics block ==== */

/* Steady state (blis_flow_steady). The window excludes warm-up (the first
 * third of the arrival span) and drain (after the last arrival); the
 * judgement reads its second half, where a stable server's requests in
 * flight no longer rise. */
typedef enum {
    BLIS_STEADY_NONE,      /* no arrivals */
    BLIS_STEADY_OK,        /* requests in flight did not grow: throughput met the offered load */
    BLIS_STEADY_SATURATED, /* requests in flight grew: the server falls behind the offered load */
    BLIS_STEADY_SHORT      /* too few arrivals in the window's second half, or completions in the window
                            * (fewer than BLIS_STEADY_MIN_REQUESTS), or in flight flat in the second half while
                            * the window completed under 90% of its arrivals: the run is short for its latency */
} blis_steady_status;
#define BLIS_STEADY_MIN_REQUESTS 10
typedef struct blis_steady {
    blis_steady_status status;
    double window_start_s, window_end_s;
    int64_t window_arrived, window_completed;
    double offered_per_s;  /* arrivals in the window per second */
    double achieved_per_s; /* completions in the window per second */
    int64_t growth;        /* requests in flight at the window's end minus at its midpoint */
    int64_t growth_limit;  /* the most growth still counted steady: max(5% of the half's arrivals, 3 sqrt(2 N)), N in
                            * flight at the midpoint */
} blis_steady;
BLIS_DEF void blis_flow_steady(const blis_flow *f, blis_steady *out);
BLIS_DEF const char *blis_steady_status_name(blis_steady_status s);

typedef struct blis_metrics {
    int64_t completed, still_queued, still_running, injected, dropped_unservable;
    int64_t timed_out; /* request_timeout_us aborts (not in the metrics block) */
    int64_t total_input_tokens, total_output_tokens;
    /* every generated token: total_output_tokens (the reference's: each
     * request's tokens after its first) plus each request's first token */
    int64_t generated_tokens;
    int64_t sim_ended_us;
    double duration_s, responses_per_s, tokens_per_s;
    double generated_tokens_per_s;
    double e2e_mean_ms, e2e_p90_ms, e2e_p95_ms, e2e_p99_ms;
    double ttft_mean_ms, ttft_p90_ms, ttft_p95_ms, ttft_p99_ms;
    double itl_mean_ms, itl_p90_ms, itl_p95_ms, itl_p99_ms;
    double scheduling_delay_p99_ms;
    int64_t kv_allocation_failures, preemptions;
    double cache_hit_rate, preemption_rate, kv_thrashing_rate;
    blis_steady steady; /* blis's own (not in the metrics block) */
} blis_metrics;

BLIS_DEF blis_status blis_sim_metrics(const blis_sim *s, blis_metrics *m, blis_err *err);
/* The aggregate of several instances (spec §3.9): per-request timings
 * merged, counters summed, the end time the latest, the cache hit and
 * thrashing rates the mean over instances. */
BLIS_DEF blis_status blis_sims_metrics(const blis_sim *const *sims, size_t n_sims, blis_metrics *m, blis_err *err);
/* One instance's metrics (0..n-1), or with instance -1 the cluster's. */
BLIS_DEF blis_status blis_cluster_metrics(const blis_cluster *c, int instance, blis_metrics *m, blis_err *err);
/* The reference's "=== Simulation Metrics ===" JSON object (spec §8.1). */
BLIS_DEF void blis_metrics_write(const blis_metrics *m, const char *instance_id, blis_jw *w);

/* ==== >>report  the results file ==== */

/* The --results-path object (spec §8.2): the metrics, then "requests", one
 * entry per injected request (dropped ones excluded), ordered by arrival then
 * request ID, with arrived_at (s), requestID, token counts, ttft_ms, itl_ms,
 * e2e_ms, scheduling_delay_ms and handled_by. */
BLIS_DEF blis_status blis_results_write(const blis_sim *s, const blis_metrics *m, const char *instance_id,
                                        const char *handled_by, blis_jw *w, blis_err *err);
/* The cluster's results file: instance_id "cluster", every instance's
 * requests (handled_by "instance_<i>", slo_class and tenant_id when set). */
BLIS_DEF blis_status blis_cluster_results_write(const blis_cluster *c, const blis_metrics *m, blis_jw *w,
                                                blis_err *err);
/* The "=== KV Cache Metrics ===" lines (printed by the CLI when non-zero). */
BLIS_DEF size_t blis_kv_metrics_format(const blis_metrics *m, char *buf, size_t size);

/* The reports printed after the metrics (spec §8.3). They read the
 * instances' requests, so the instances must keep them (keep_requests). */
typedef struct blis_anomalies {
    int64_t priority_inversions, hol_blocking, rejected, dropped_unservable;
} blis_anomalies;
/* Priority inversions are counted only under a priority policy other than
 * constant: per instance and SLO class, the pairs of completed requests
 * (in arrival order) where the earlier one's E2E exceeds twice the later
 * one's. HOL blocking: instances whose mean wait-queue length exceeds twice
 * the mean over instances (two instances at least). */
BLIS_DEF blis_status blis_cluster_anomalies(const blis_cluster *c, blis_anomalies *a, blis_err *err);
/* "=== Anomaly Counters ===" when any is > 0; returns -1 on a write error. */
BLIS_DEF int blis_anomalies_write(const blis_anomalies *a, blis_write_fn write, void *user);
/* "=== Per-SLO Metrics ===": TTFT and E2E mean and p99 (us) per SLO class,
 * written only when more than one class is present. */
BLIS_DEF blis_status blis_cluster_slo_write(const blis_cluster *c, blis_write_fn write, void *user, blis_err *err);
/* Means over the completed requests that arrived (were sent) in each time
 * window: window k is [start_us[k], start_us[k + 1]), the last one open;
 * for comparing a run's load stages with measured ones. ITL: the sum of
 * the window's requests' ITLs over their count. Needs keep_requests. */
typedef struct blis_window_metrics {
    int64_t completed;
    double ttft_mean_ms, e2e_mean_ms, itl_mean_ms; /* NaN when the window completed nothing */
} blis_window_metrics;
BLIS_DEF blis_status blis_cluster_window_metrics(const blis_cluster *c, const int64_t *start_us, size_t n,
                                                 blis_window_metrics *out, blis_err *err);

/* --fitness-weights "key:value,...": keys throughput, tokens_per_sec,
 * p99_ttft, p50_ttft, mean_ttft, p99_e2e, p50_e2e, mean_e2e. */
#define BLIS_FITNESS_KEYS 8
typedef struct blis_fitness_weights {
    double weight[BLIS_FITNESS_KEYS]; /* in the order of blis_fitness_key_name */
    int set[BLIS_FITNESS_KEYS];
} blis_fitness_weights;
BLIS_DEF const char *blis_fitness_key_name(int k);
BLIS_DEF blis_status blis_fitness_parse(const char *text, blis_fitness_weights *w, blis_err *err);
/* "=== Fitness Evaluation ===", the score and each component (keys in
 * sorted order). */
BLIS_DEF blis_status blis_cluster_fitness_write(const blis_cluster *c, const blis_metrics *m,
                                                const blis_fitness_weights *w, blis_write_fn write, void *user,
                                                blis_err *err);
/* "=== Trace Summary ===" (--trace-level decisions --summarize-trace). */
BLIS_DEF int blis_cluster_trace_summary_write(const blis_cluster *c, blis_write_fn write, void *user);

/* The policy bundle (--policy-config, spec §1.6): strict YAML; each part
 * present only when has_* is set (the CLI's explicit flags win). */
typedef struct blis_policy_bundle {
    int has_admission, has_capacity, has_refill, has_routing, has_scorers, has_priority, has_scheduler;
    int admission, routing, priority, scheduler; /* enums */
    double capacity, refill;
    blis_scorer scorers[BLIS_MAX_SCORERS];
    size_t scorer_count;
} blis_policy_bundle;
BLIS_DEF blis_status blis_policy_bundle_from_doc(const blis_doc *doc, blis_policy_bundle *b, blis_err *err);

/* ==== >>eval  ground truth: real vLLM runs to simulations ====
 * Contract: blis_gt_experiment_from_doc reads one record of the ground-truth
 * JSON (groundtruth/README.md schema) into an experiment: model, GPU (the
 * driver's device name mapped to a hardware entry), TP, DP, the vLLM config
 * and the measured summary; a record missing what a simulation needs is an
 * error naming the field. blis_eval_trace_load reads its per-request trace
 * (gzip CSV, columns by name) into arrival/input/output arrays sorted by
 * arrival; blis_eval_trace_from_profile builds the same arrays from the
 * record's workload description instead (blis_gt_profile: inference-perf
 * stages and prompt sets, Poisson tenants, guidellm strategies), with each
 * request's prompt and system prompt; blis_eval_source turns them into
 * requests (each request's tokens unique, except in inference-perf's
 * shared-prefix profiles: see blis_gt_experiment.unique_prompts, and the
 * profile's prompt ids). blis_gt_stage_windows gives the measured load
 * stages' windows for blis_cluster_window_metrics. */

typedef struct blis_gt_measured {
    double ttft_mean, ttft_p90, ttft_p99, e2e_mean, e2e_p90, e2e_p99, itl_mean; /* ms; NaN: not measured */
} blis_gt_measured;

/* A record's workload as its description states it, for simulating it
 * without its trace (blis_eval_trace_from_profile). */
#define BLIS_GT_MAX_STAGES  16
#define BLIS_GT_MAX_TENANTS 32
/* inference-perf's shared-prefix prompts, tokenized, are this much longer
 * than system_prompt_len + question_len (chat template, random words split
 * into sub-word tokens): 1.041-1.051 in the 16 inference-perf records of the
 * shared ground truth (mean input tokens over the two lengths' sum). */
#define BLIS_GT_PROMPT_TOKEN_FACTOR 1.047
/* ... and their lengths spread this much either side (the records' input
 * tokens range about +-2.2% around the mean). */
#define BLIS_GT_PROMPT_SPREAD 0.02
/* A description is expanded into at most 10^8 draws and keeps at most
 * 10^7 requests (max_requests, or workload.num_requests, bounds what is
 * kept: the earliest, in O(kept) memory); beyond either it is refused
 * before anything is allocated. */
#define BLIS_GT_MAX_DRAWN_REQUESTS 100000000
#define BLIS_GT_MAX_KEPT_REQUESTS  10000000
typedef enum blis_gt_profile_kind {
    BLIS_GT_PROFILE_NONE = 0,      /* not simulable from its description: see reason */
    BLIS_GT_PROFILE_SHARED_PREFIX, /* inference-perf: stages x shared_prefix */
    BLIS_GT_PROFILE_TENANTS,       /* fixed-length Poisson tenants over duration_s */
    BLIS_GT_PROFILE_GUIDELLM       /* guidellm: strategy x synthetic_data */
} blis_gt_profile_kind;
typedef enum blis_gt_strategy {
    BLIS_GT_SYNCHRONOUS = 0, /* one request in flight */
    BLIS_GT_THROUGHPUT,      /* max_concurrency in flight, all queued at once */
    BLIS_GT_CONCURRENT,      /* worker_count (or max_concurrency) in flight */
    BLIS_GT_CONSTANT,        /* evenly spaced arrivals at rate */
    BLIS_GT_POISSON          /* Poisson arrivals at rate */
} blis_gt_strategy;
typedef struct blis_gt_length {
    double mean_tokens, std_tokens, min_tokens, max_tokens; /* a normal clamped to [min, max] */
} blis_gt_length;
typedef struct blis_gt_profile {
    blis_gt_profile_kind kind;
    char reason[512]; /* kind NONE: why the description cannot be simulated */
    int invalid;      /* kind NONE because a value is wrong (not because there is no description) */
    /* SHARED_PREFIX: stages back to back, Poisson at each one's rate */
    size_t stage_count;
    double stage_rate_per_s[BLIS_GT_MAX_STAGES], stage_duration_s[BLIS_GT_MAX_STAGES];
    int64_t system_prompts, users_per_prompt, system_prompt_tokens, question_tokens;
    /* TENANTS: each tenant's requests spread as Poisson over duration_s */
    size_t tenant_count;
    int64_t tenant_requests[BLIS_GT_MAX_TENANTS], tenant_input_tokens[BLIS_GT_MAX_TENANTS];
    double duration_s;
    /* GUIDELLM */
    blis_gt_strategy strategy;
    int64_t concurrency; /* THROUGHPUT, CONCURRENT: requests in flight */
    double rate_per_s;   /* CONSTANT, POISSON */
    int64_t prefix_tokens;
    blis_gt_length prompt, output;
    int64_t output_tokens; /* SHARED_PREFIX, TENANTS: every request's output */
    int64_t max_requests;  /* > 0: at most this many requests (workload.num_requests / max_requests) */
} blis_gt_profile;

typedef struct blis_gt_experiment {
    const char *id, *dataset, *model, *device, *trace_path; /* point into the document */
    char gpu[32];                                           /* the hardware entry ("" if unknown) */
    int64_t tp, dp;
    int64_t max_num_seqs, max_num_batched_tokens, block_size;
    int64_t gpu_kv_blocks; /* 0: not stated (derive it) */
    int64_t cpu_kv_blocks; /* 0: no CPU offload */
    double gpu_memory_utilization;
    int64_t output_len;                 /* > 0: every request generates this many tokens (ignore_eos) */
    int64_t shared_prompts, shared_len; /* inference-perf system prompts (0: none) */
    /* Set by the caller, for shared-prefix records. 0: inference-perf's
     * prompt set, as its generator makes it: a fixed set of prompts (system
     * prompt + question per user), request after request drawn from it, so
     * an input equal in length to an earlier one is taken to be the same
     * prompt and finds its full blocks cached. 1: only the system prompt is
     * shared (the prompts assigned in turn), every question unique. */
    int unique_prompts;
    int client_limited, overloaded;
    int disaggregated; /* flags.disaggregated or mode "disagg": prefill and decode on separate pools */
    /* parallelism.moe_ep_size and parallelism.attention_dp_size (1 when absent
     * or null): experts spread over GPUs, attention data-parallel */
    int64_t expert_parallel, attention_dp;
    /* The load generator, for a closed-loop replay: its in-flight cap when
     * client-limited (set by the caller; 0 replays the actual send times
     * instead of the intended arrivals) and its timeout, inferred from the
     * failed requests' E2E median (0: none failed). */
    int64_t client_max_inflight;
    double client_timeout_ms;
    int64_t num_requests;
    blis_gt_measured measured;
    const char *itl_source;  /* which measured field itl_mean came from */
    blis_gt_profile profile; /* the workload's description (always read; used without a trace) */
    /* metrics.stages: each load stage's measured TTFT, E2E and ITL means (the
     * other fields NaN); 0 when the record has none */
    size_t stage_count;
    blis_gt_measured stages[BLIS_GT_MAX_STAGES];
} blis_gt_experiment;

/* "NVIDIA H100 80GB HBM3 (SXM)" -> "H100"; "" when no bundled entry fits
 * (blis_gpu_alias: exact names and the alias table, never a substring). */
BLIS_DEF const char *blis_gpu_from_device_name(const char *device);
BLIS_DEF blis_status blis_gt_experiment_from_doc(const blis_doc *doc, const blis_node *record, blis_gt_experiment *e,
                                                 blis_err *err);

typedef struct blis_eval_trace {
    int64_t *arrival_us, *input_tokens, *output_tokens;
    /* From a profile only (NULL from a trace): request i's prompt (same id:
     * the same input, its full blocks shared; -1: unique) and system prompt
     * (same id: the first group_blocks blocks shared; -1: none). */
    int64_t *prompt_id, *group_id;
    int64_t group_blocks;
    int64_t origin_us; /* subtracted from every arrival (the first at 0) */
    size_t n;
    blis_alloc alloc;
} blis_eval_trace;

/* Reads the gzip CSV trace: arrival_time_us (send_time_rel_us when the run
 * was client-limited and e->client_max_inflight is 0: no closed-loop
 * client), server_input_tokens or input_tokens, output_tokens (the
 * experiment's output_len when set); rows with an error status are kept
 * (the server saw them). max_requests > 0 keeps the first ones. */
/* The most a per-request trace may inflate to (256 MiB, some millions of
 * rows); past it the trace is an error, not gigabytes of memory. */
#ifndef BLIS_EVAL_MAX_TRACE_BYTES
#define BLIS_EVAL_MAX_TRACE_BYTES ((size_t)256 << 20)
#endif
BLIS_DEF blis_status blis_eval_trace_load(const blis_gt_experiment *e, const char *path, int64_t max_requests,
                                          const blis_alloc *alloc, blis_eval_trace *t, blis_err *err);
BLIS_DEF void blis_eval_trace_free(blis_eval_trace *t);
/* Builds the requests a record's description implies (e->profile, kind not
 * NONE), sorted by arrival, the first at 0: inference-perf's prompt set
 * (system prompts x users, every request drawing one at random) over its
 * stages, Poisson tenants, guidellm's strategies (synchronous, throughput
 * and concurrent arrive at 0 and rely on the closed-loop client:
 * blis_gt_profile_inflight). seed fixes every draw; max_requests > 0 keeps
 * the first ones. */
BLIS_DEF blis_status blis_eval_trace_from_profile(const blis_gt_experiment *e, int64_t seed, int64_t block_tokens,
                                                  int64_t max_requests, const blis_alloc *alloc, blis_eval_trace *t,
                                                  blis_err *err);
/* The simulated start times of the record's measured load stages (the
 * profile's stage durations, back to back, moved by t->origin_us) into
 * start_us; the number of windows (0: the record has no per-stage metrics
 * matching its stages, or only one stage). For blis_cluster_window_metrics. */
BLIS_DEF size_t blis_gt_stage_windows(const blis_gt_experiment *e, const blis_eval_trace *t, int64_t *start_us,
                                      size_t cap);
/* The client's in-flight cap a profile implies (guidellm synchronous 1,
 * throughput/concurrent their concurrency); 0: open loop. */
BLIS_DEF int64_t blis_gt_profile_inflight(const blis_gt_profile *p);

typedef struct blis_eval_source {
    const blis_eval_trace *t;
    const blis_gt_experiment *e;
    int64_t block_tokens;
    size_t next;
    uint64_t *scratch;
    size_t scratch_cap;
    blis_alloc alloc;
} blis_eval_source;

BLIS_DEF void blis_eval_source_init(blis_eval_source *s, const blis_eval_trace *t, const blis_gt_experiment *e,
                                    int64_t block_tokens, const blis_alloc *alloc);
BLIS_DEF blis_status blis_eval_source_next(void *user, blis_request *r, int *has, blis_err *err);
BLIS_DEF void blis_eval_source_free(blis_eval_source *s);

/* Nelder-Mead minimisation of f over n <= 16 parameters, deterministic:
 * the simplex starts at x and x + step[i] e_i; reflection 1, expansion 2,
 * contraction 1/2, shrink 1/2; stops after max_evals evaluations or when
 * the simplex's values differ by less than tol. x returns the best point;
 * the best value is returned (NaN values count as +infinity). */
typedef double (*blis_objective_fn)(void *user, const double *x);
BLIS_DEF double blis_nelder_mead(blis_objective_fn f, void *user, double *x, const double *step, int n, int max_evals,
                                 double tol, int *evals);

/* ==== >>bench  bench_data tables: validation and import ====
 * Contract: blis_bench_validate_csv checks one kernel table (header, every
 * row's numbers, order, duplicates, the decode grid) and
 * blis_bench_validate_dir a whole bench_data/ tree (layout, file names, each
 * table, a GPU's tables together); every finding goes to the report callback
 * with its file, line and column, errors and warnings counted. The importer
 * turns NVIDIA aiconfigurator tables (GEMM, context and generation attention;
 * CSV, gzip or not) into bench_data/ files with MFUs defined so that roofline
 * v2 reproduces the measured latencies; it hands each file to a callback
 * (blis.h writes no files). */

typedef enum blis_bench_kind { BLIS_BENCH_GEMM = 0, BLIS_BENCH_PREFILL = 1, BLIS_BENCH_DECODE = 2 } blis_bench_kind;

/* One finding: is_error 1 (the table is unusable or ambiguous) or 0 (a
 * warning); line and col are 0 when the finding is not about a place. */
typedef void (*blis_bench_report_fn)(void *user, int is_error, const char *source, uint32_t line, uint32_t col,
                                     const char *msg);

typedef struct blis_bench_validation {
    blis_bench_report_fn report; /* may be NULL: count only */
    void *user;
    size_t max_per_file; /* findings reported per file, then a summary line (0: 50) */
    size_t errors, warnings, files, rows;
} blis_bench_validation;

/* The columns of each kind, in the order the reference reads them. */
BLIS_DEF const char *blis_bench_header(blis_bench_kind kind);
BLIS_DEF void blis_bench_validate_csv(blis_bench_validation *v, blis_bench_kind kind, const char *src, size_t len,
                                      const char *source);
/* dir/gemm/<gpu>/data.csv, dir/mha/prefill/<gpu>/<H>-<Hkv>-<dh>.csv,
 * dir/mha/decode/<gpu>/<H>-<Hkv>-<dh>-tp<N>.csv and dir/<gpu>.json
 * (provenance, a JSON object); anything else is an error. */
BLIS_DEF void blis_bench_validate_dir(blis_bench_validation *v, const char *dir, blis_list_dir_fn list,
                                      void *list_user);

/* Receives one output file: relpath like "gemm/h100/data.csv". */
typedef blis_status (*blis_bench_emit_fn)(void *user, const char *relpath, const char *data, size_t len_bytes,
                                          blis_err *err);

typedef struct blis_bench_import_opts {
    const char *gemm_path;        /* gemm_perf.csv[.gz] (NULL: no GEMM table) */
    const char *context_path;     /* context_attention_perf.csv[.gz] */
    const char *generation_path;  /* generation_attention_perf.csv[.gz] */
    const char *gpu;              /* output folder name; NULL/"": from the rows' device (lower case) */
    const char *dtype;            /* GEMM and attention dtype kept (NULL: "bfloat16") */
    double peak_tflops;           /* dense peak the MFUs are relative to; 0: the GPU's TFlopsPeak */
    const blis_doc *hardware_doc; /* hardware_config.json, for peak_tflops 0 */
} blis_bench_import_opts;

typedef struct blis_bench_import_stats {
    size_t gemm_rows, prefill_tables, prefill_rows, decode_tables, decode_rows;
    size_t rows_read, rows_skipped; /* skipped: other dtypes, batch > 1 prefill */
    size_t duplicates_merged;       /* repeated measurements averaged */
    char gpu[32];
} blis_bench_import_stats;

/* Converts, validates the result (an error if it would not validate) and
 * emits every file; nothing is emitted when anything fails. MFU
 * definitions (per layer, matching roofline v2): GEMM 2mkn/(t*peak);
 * prefill 4*H*s^2*dh/(1.8*t*peak) at batch 1; decode (per TP shard of
 * h = H/tp heads) 4*h*B*kv*dh/(t*peak), kv_len = step + 1. */
BLIS_DEF blis_status blis_bench_import_aiconfigurator(const blis_bench_import_opts *o, blis_bench_emit_fn emit,
                                                      void *emit_user, blis_bench_import_stats *stats, blis_err *err);

/* ==== >>plan  capacity planning: SLOs, goodput, cost, grids, Pareto, charts ====
 * Contract: blis_slo_parse reads objectives such as
 * "ttft_p99<500ms,itl_p99<50ms,e2e_p90<=10s" (metric ttft, itl or e2e with
 * mean, p90, p95 or p99, or scheduling_delay_p99, as the metrics block has
 * them; "<" or "<="; a limit in us, ms or s). blis_cluster_slo_eval judges
 * a finished run: each objective on its aggregate (the metrics block's
 * value) and, for every offered request, on the request's own TTFT, mean
 * ITL, E2E or scheduling delay against the same limit; goodput counts the
 * requests within every limit. blis_capacity_compute gives throughput per
 * GPU and per user and the cost per million output tokens.
 * blis_grid_from_doc reads a sweep grid (axes of values, fixed settings);
 * blis_grid_point_values gives a point's values (last axis fastest).
 * blis_pareto marks non-dominated points; blis_knee finds the knee of an
 * increasing curve. blis_svg_chart writes a chart as SVG 1.1. All of it is
 * deterministic (numbers through blis's own formatter) and does no I/O. */

#define BLIS_MAX_SLOS 16
typedef enum blis_slo_metric { BLIS_SLO_TTFT, BLIS_SLO_ITL, BLIS_SLO_E2E, BLIS_SLO_SCHED } blis_slo_metric;
typedef struct blis_slo {
    char name[32];  /* "ttft_p99": the metrics block's name less "_ms" */
    int metric;     /* blis_slo_metric */
    int percentile; /* 90, 95, 99; 0 for the mean */
    int inclusive;  /* "<=" (else "<") */
    double limit_ms;
} blis_slo;
typedef struct blis_slo_set {
    blis_slo slo[BLIS_MAX_SLOS];
    size_t n;
    /* --slo-attainment: > 0, a run passes when at least this fraction of
     * the offered requests met every objective (the goodput rule); 0, when
     * every aggregate objective holds and every request was served */
    double min_attainment;
} blis_slo_set;
/* Comma-separated objectives; spaces around items are ignored. Errors name
 * the item and what was expected (BLIS_E_INVALID). */
BLIS_DEF blis_status blis_slo_parse(const char *text, blis_slo_set *set, blis_err *err);
/* The set as text in canonical form ("ttft_p99<500ms,itl_p99<50ms"); returns
 * the length it needed. */
BLIS_DEF size_t blis_slo_format(const blis_slo_set *set, char *buf, size_t size);
/* The objective's aggregate value in ms from a metrics block. */
BLIS_DEF double blis_slo_value_ms(const blis_metrics *m, const blis_slo *s);

typedef struct blis_slo_result {
    int pass; /* every objective met, >= 1 request completed, none left unserved */
    int met[BLIS_MAX_SLOS];
    double value_ms[BLIS_MAX_SLOS];
    double attainment[BLIS_MAX_SLOS]; /* fraction of offered requests within the objective's limit */
    int64_t offered;                  /* requests generated (rejected, dropped, unfinished ones miss) */
    int64_t unserved;                 /* offered less completed */
    int64_t good_requests, good_output_tokens;
    double attainment_all;         /* good_requests / offered */
    double goodput_requests_per_s; /* good requests over the run's duration */
    double goodput_tokens_per_s;   /* their generated tokens (every one, the prefill's first
                                      included) over the duration */
} blis_slo_result;
/* Needs the instances' requests (blis_sim_config.keep_requests = 1). */
BLIS_DEF blis_status blis_cluster_slo_eval(const blis_cluster *c, const blis_metrics *m, const blis_slo_set *set,
                                           blis_slo_result *r, blis_err *err);

typedef struct blis_capacity {
    int64_t gpus; /* instances x TP */
    double tokens_per_s_per_gpu, requests_per_s_per_gpu;
    double tokens_per_s_per_user;         /* 1000 / itl_mean_ms: one stream's decode speed; 0 with no ITL */
    double usd_per_gpu_hour;              /* NaN: no price */
    double usd_per_hour;                  /* gpus x price; NaN: no price */
    double usd_per_million_output_tokens; /* NaN: no price or no output */
} blis_capacity;
BLIS_DEF void blis_capacity_compute(const blis_metrics *m, int64_t gpus, double usd_per_gpu_hour, blis_capacity *out);
/* A GPU's price in a price table ({"gpus": {"H100": {"usd_per_gpu_hour":
 * 3.0, "source": "..."}}}; names compared without case): *usd is NaN when
 * the table has no entry; an entry without a positive finite price is an
 * error naming its field. */
BLIS_DEF blis_status blis_price_lookup(const blis_doc *doc, const char *gpu, double *usd_per_gpu_hour, blis_err *err);

/* A sweep grid (YAML or JSON):
 *     slo: ttft_p99<500ms,itl_p99<50ms      (optional)
 *     fixed: {num-requests: 1000, model: qwen/qwen2.5-7b-instruct}   (optional)
 *     axes:                                  (required; in this order)
 *       hardware: [H100, A100-80]            (a list, or one value)
 *       rate: {from: 2, to: 20, step: 2}     (a range: from + k x step <= to)
 * Names are kept as written (the caller maps them to its settings); values
 * as text: scalars as written, range values with at most 9 decimals. */
#define BLIS_GRID_MAX_AXES   16
#define BLIS_GRID_MAX_FIXED  64
#define BLIS_GRID_MAX_VALUES 100000
#define BLIS_GRID_MAX_POINTS 10000000
typedef struct blis_grid_axis {
    const char *name;
    const char **values;
    size_t n;
    uint32_t line, col; /* where the axis is written (0: not from a document) */
} blis_grid_axis;
typedef struct blis_grid {
    blis_grid_axis axes[BLIS_GRID_MAX_AXES];
    size_t n_axes;
    const char *fixed_name[BLIS_GRID_MAX_FIXED], *fixed_value[BLIS_GRID_MAX_FIXED];
    uint32_t fixed_line[BLIS_GRID_MAX_FIXED];
    size_t n_fixed;
    const char *slo; /* NULL when none */
    size_t points;   /* the product of the axes' sizes (1 with no axis) */
    blis__arena arena;
} blis_grid;
BLIS_DEF void blis_grid_init(blis_grid *g);
BLIS_DEF blis_status blis_grid_from_doc(const blis_doc *doc, blis_grid *g, blis_err *err);
/* Adds an axis (name and values copied). */
BLIS_DEF blis_status blis_grid_add_axis(blis_grid *g, const char *name, const char *const *values, size_t n,
                                        blis_err *err);
/* Values from "a,b,c" or a range "from:to:step"; for axes given as flags. */
BLIS_DEF blis_status blis_grid_add_axis_text(blis_grid *g, const char *name, const char *text, blis_err *err);
/* values[k] for axis k of point i (0 <= i < points). */
BLIS_DEF void blis_grid_point_values(const blis_grid *g, size_t i, const char **values);
/* The grid's identity: FNV-1a 64 over its axes (names and values, in
 * order) and the settings every point shares (fixed flags, the search's
 * own), each length-prefixed; rows carry it so that a resumed or merged
 * output joins only rows of the same sweep. The grid's own fixed and slo
 * are not read: pass them in settings as the points apply them. */
BLIS_DEF uint64_t blis_grid_digest(const blis_grid *g, const char *const *settings, size_t n_settings);
BLIS_DEF void blis_grid_free(blis_grid *g);

/* on_front[i] = 1 for the points no other point dominates, maximizing both
 * x and y (a point with a NaN is never on the front); returns their count. */
BLIS_DEF size_t blis_pareto(const double *x, const double *y, size_t n, unsigned char *on_front, blis_err *err);
/* The knee of a convex curve y(x) (x ascending; latency against load):
 * the point farthest below the chord from the first point to the last,
 * both axes scaled to [0, 1] (Kneedle). For a concave curve (throughput
 * against load) pass -y. -1 with fewer than 3 points or a flat curve. */
BLIS_DEF long blis_knee(const double *x, const double *y, size_t n);

/* A chart: lines (or markers) per series, an optional horizontal line (an
 * SLO) and an optional marked point (a knee, a chosen configuration). A
 * linear axis starts at 0 when the data are >= 0 and their minimum is at
 * most half their maximum; ticks at 1, 2 or 5 x 10^k (powers of 10 on a
 * logarithmic axis). */
typedef struct blis_chart_series {
    const char *label;
    const double *x, *y; /* NaN points are skipped */
    size_t n;
    int markers; /* 1: markers only (a scatter), 2: line and markers, 0: line */
} blis_chart_series;
typedef struct blis_chart {
    const char *title, *x_label, *y_label; /* labels carry their units: "offered load (req/s)" */
    const blis_chart_series *series;
    size_t n_series;
    int has_hline;
    double hline_y;
    const char *hline_label;
    int has_mark;
    double mark_x, mark_y;
    const char *mark_label;
    int width_px, height_px; /* 0: 760 x 460 */
    int log_x;               /* a logarithmic x axis (points with x <= 0 are skipped) */
    int log_y;               /* a logarithmic y axis (points with y <= 0 are skipped) */
    const char *subtitle;    /* a second line under the title (NULL: none) */
    /* Out (optional): the box of every label the writer placed (title,
     * subtitle, axis labels, legend, SLO and mark labels; not the ticks), in px,
     * estimated from the font size (0.6 em per character); the writer
     * moves the SLO and mark labels so that they do not overlap. */
    struct blis_chart_box *boxes;
    size_t boxes_cap, boxes_len;
} blis_chart;
typedef struct blis_chart_box {
    double x0, y0, x1, y1;
    int kind; /* 0 title/subtitle, 2 axis label, 3 legend, 4 SLO label, 5 mark label */
} blis_chart_box;
/* 1 when two boxes overlap (touching edges do not). */
BLIS_DEF int blis_chart_boxes_overlap(const blis_chart_box *a, const blis_chart_box *b);
BLIS_DEF blis_status blis_svg_chart(const blis_chart *c, blis_write_fn write, void *user, blis_err *err);

/* ==== >>run  a whole run from named options: the CLI's `run`, the JSON call ====
 * Contract: blis_run_options holds every setting of `simulation_worker run`
 * under its flag's name: "num-requests", "num_requests" and
 * "--num-requests" are one name. Values are set from text as the command
 * line gives them (blis_run_option_set) or from a JSON object
 * (blis_run_options_from_json: numbers, strings, booleans; the coefficient
 * lists as arrays of numbers or "a,b,c"). blis_run_prepare resolves the
 * configuration as spec §1.3 does (the defaults file, the model and
 * hardware configs, the latency model, the KV cache size, the workload,
 * the cluster and its policies) and opens the workload; blis_run_execute
 * simulates; blis_run_write_json writes the document `run --json` prints
 * (the settings, every metric, capacity and cost, the SLO verdict, each
 * instance's block when there are several); blis_run_json does all of it
 * from a JSON text. Files are read with libc; what needs POSIX or the
 * network (listing a bench_data directory, downloading a model config)
 * comes through blis_run_env's callbacks, which blis_fetch.h's
 * blis_run_env_posix fills. Messages go to env->log at or above the "log"
 * option's level. Errors: err.source names the file at fault, else it is
 * "" and err.msg names the option and what was expected; run->hint may
 * hold advice for the user. Statuses: BLIS_E_NOMEM, BLIS_E_IO (a failed
 * download) and BLIS_E_INTERNAL are the machine's; BLIS_E_CANCELLED is
 * env->cancel; every other status is the input's. */

/* A log level's rank (trace 0, debug, info, warn, error, fatal, panic 6);
 * -1 for an unknown name. */
BLIS_DEF int blis_log_level(const char *name);

/* A model name to the directory holding its config.json (spec §6): the
 * cache, then a download when allow_download (--roofline). model is the
 * name lower-cased, model_typed as the user wrote it (its case names the
 * HuggingFace repository), defaults_path the defaults file (its hf_repo
 * entries, its model_configs/ directory) or NULL. Messages go to log (may
 * be NULL: none); the run passes its own, at its level and prefix. On an
 * error, hint may receive advice (hint_size > 0). */
typedef blis_status (*blis_model_resolve_fn)(void *user, const char *model, const char *model_typed,
                                             const char *defaults_path, int allow_download, char *dir_out,
                                             size_t dir_size, char *hint, size_t hint_size, blis_log_fn log,
                                             void *log_user, blis_err *err);

typedef struct blis_run_env {
    const char *data_dir; /* bundled data (defaults.yaml, hardware_config.json, gpu_prices.json); NULL: none */
    blis_log_fn log;      /* NULL: messages dropped */
    void *log_user;       /* passed to log */
    blis_model_resolve_fn resolve_model; /* NULL: model_configs/ beside the defaults file and in data_dir only */
    void *resolve_user;                  /* passed to resolve_model */
    blis_list_dir_fn list_dir;           /* NULL: no bench_data directory is read (no roofline v2 from a path) */
    void *list_user;                     /* passed to list_dir */
    const volatile sig_atomic_t *cancel; /* non-zero stops the run at the next event (BLIS_E_CANCELLED) */
    void (*progress)(void *user, const blis_cluster *c); /* every progress_every events, or NULL */
    void *progress_user;
    int64_t progress_every;
} blis_run_env;

typedef enum blis_opt_type { BLIS_OPT_STR, BLIS_OPT_I64, BLIS_OPT_F64, BLIS_OPT_LIST, BLIS_OPT_BOOL } blis_opt_type;
typedef struct blis_opt_def {
    const char *flag; /* "--num-requests" */
    int type;         /* blis_opt_type */
    size_t offset;    /* of the field in blis_run_options */
} blis_opt_def;

#define BLIS_RUN_MAX_OPTIONS 80
typedef struct blis_run_options {
    const char *model, *log, *defaults, *model_dir, *hw_file, *workload, *gpu, *vllm, *results, *bench_dir, *priority,
        *scheduler, *traces, *spec;
    const char *admission, *routing, *scorers, *policy_config, *fitness, *trace_level;
    int64_t admission_latency_us, routing_latency_us, counterfactual_k, snapshot_refresh_us;
    double bucket_cap, bucket_refill_per_s;
    int summarize_trace, quiet, check_invariants, roofline, json;
    int64_t seed, horizon_us, kv_blocks, max_running, max_tokens, block_tokens, max_model_len, threshold, tp,
        num_requests, prefix, p_mean, p_std, p_min, p_max, o_mean, o_std, o_min, o_max, instances, kv_cpu, kv_base_us;
    double rate_per_s, alpha[3], beta[3], kv_threshold, kv_bandwidth;
    int alpha_n, beta_n; /* numbers given in --alpha-coeffs, --beta-coeffs (3 are needed) */
    const char *roofline_ext, *kv_dtype, *slo, *prices;
    const char *metrics_mode;                  /* auto, exact, streaming */
    const char *waiting_requests;              /* compact, full */
    const char *compat;                        /* blis, reference (--compat) */
    const char *arrival;                       /* constant, poisson, gamma, weibull (--arrival) */
    double slo_attainment;                     /* --slo-attainment (0: the aggregate rule) */
    double arrival_cv;                         /* --arrival-cv (gamma, weibull) */
    double gpu_usd_per_hour;                   /* --gpu-hourly-usd (0: from the price table) */
    unsigned char given[BLIS_RUN_MAX_OPTIONS]; /* by index in blis_run_option_defs(): set explicitly */
    blis__arena arena;                         /* copies of the string values */
} blis_run_options;

/* The option table (every flag of `run`, in --help's order). */
BLIS_DEF const blis_opt_def *blis_run_option_defs(size_t *count);
/* The option's index for a name ("num_requests", "num-requests",
 * "--num-requests"), or -1. */
BLIS_DEF long blis_run_option_find(const char *name);
/* The name of names closest to given by edit distance (insertions,
 * deletions, substitutions; '-' and '_' and a leading "--" ignored), when
 * within max(2, a third of its length); NULL otherwise. For "did you mean". */
BLIS_DEF const char *blis_closest_name(const char *given, const char *const *names, size_t n);
/* The run flag closest to name ("--num-request" -> "--num-requests"), or NULL. */
BLIS_DEF const char *blis_run_option_closest(const char *name);
/* The defaults of `run` (no model: it must be set). */
BLIS_DEF void blis_run_options_init(blis_run_options *o);
/* One option from text (a bool takes true/false/1/0; a list "a,b,c"). */
BLIS_DEF blis_status blis_run_option_set(blis_run_options *o, const char *name, const char *value, blis_err *err);
/* 1 when the option was set explicitly (a policy bundle's value yields to it). */
BLIS_DEF int blis_run_option_given(const blis_run_options *o, const char *name);
/* Every member of a JSON object (obj: an object in doc) as an option; an
 * unknown name is an error naming it. */
BLIS_DEF blis_status blis_run_options_from_json(blis_run_options *o, const blis_doc *doc, const blis_node *obj,
                                                blis_err *err);
BLIS_DEF void blis_run_options_free(blis_run_options *o);

/* A finished run as flat named values (one sweep row, the JSON document's
 * top level): the settings, the metrics block's values, capacity and cost,
 * and with SLOs their verdict and attainments. */
enum { BLIS_RV_NULL, BLIS_RV_STR, BLIS_RV_I64, BLIS_RV_F64, BLIS_RV_BOOL };
typedef struct blis_run_field {
    const char *name;
    int kind; /* BLIS_RV_*; a non-finite number is BLIS_RV_NULL */
    const char *s;
    int64_t i; /* BLIS_RV_I64, BLIS_RV_BOOL */
    double f;
} blis_run_field;
#define BLIS_RUN_MAX_FIELDS (72 + 2 * BLIS_MAX_SLOS)
typedef struct blis_run_record {
    blis_run_field f[BLIS_RUN_MAX_FIELDS];
    size_t n;
    char obj_names[BLIS_MAX_SLOS][2][48];
    char slo_text[600];
    char workload[1100];
    char text[2048]; /* copies of the strings: the record outlives the run */
    size_t text_used;
} blis_run_record;

typedef struct blis_run {
    blis_run_options opt; /* the options as resolved (strings point into the caller's options and into *this) */
    blis_run_env env;
    char hint[512];
    const char *model_typed; /* the model as written (its case names the HF repo) */
    char model_lc[256], gpu[64], vllm[128], model_dir[1100], hw_path[1100], defaults_path[1100], bench_path[1100];
    const char *log_prefix; /* "--roofline: " while the --roofline chain resolves */
    int log_threshold;
    int kv_trained;         /* total_kv_blocks from the defaults file's coefficients */
    int64_t progress_total; /* requests the run completes when known ahead (else 0) */
    blis_sim_config cfg;
    blis_cluster_config cc;
    blis_model_config model;
    blis_hw_config hw;
    blis_mfu_db db;
    blis_doc defaults, spec_doc, policy_doc;
    blis_legacy_gen gen;
    blis_trace_gen trace;
    double trace_time_scale; /* --rate on a trace: the trace's own mean rate over --rate (0: as written) */
    char *trace_src;
    blis_workload_spec spec;
    blis_spec_gen spec_gen;
    /* the workload opened a second time: the lag source of compact waiting
     * requests (blis_sim_set_lag_source; --waiting-requests compact) */
    blis_legacy_gen gen_lag;
    blis_trace_gen trace_lag;
    blis_spec_gen spec_gen_lag;
    blis_request_source lag_source;
    int have_gen_lag, have_trace_lag, have_spec_gen_lag;
    blis_legacy_workload legacy_w; /* what opening the workload again takes */
    int64_t lag_seed, lag_max_requests;
    size_t trace_len;
    blis_fitness_weights fitness;
    blis_request_source source; /* the workload (blis_run_configure) */
    blis_cluster cluster;       /* after blis_run_prepare */
    int have_cluster, have_db, have_defaults, have_spec_doc, have_policy_doc, have_gen, have_trace, have_spec,
        have_spec_gen;
    int executed;
} blis_run;

/* Resolves the configuration and opens the workload, without building the
 * cluster (cheap: what a flag checker wants). opts must outlive run. Free
 * run with blis_run_free either way. */
BLIS_DEF blis_status blis_run_configure(blis_run *run, const blis_run_options *opts, const blis_run_env *env,
                                        blis_err *err);
/* blis_run_configure, then the cluster initialised (the first request is
 * read): ready for blis_run_execute. */
BLIS_DEF blis_status blis_run_prepare(blis_run *run, const blis_run_options *opts, const blis_run_env *env,
                                      blis_err *err);
BLIS_DEF blis_status blis_run_execute(blis_run *run, blis_err *err);
BLIS_DEF void blis_run_free(blis_run *run);
/* The GPU's price: --gpu-hourly-usd, else the price table (--gpu-prices,
 * else data_dir/gpu_prices.json when there is one); NaN when unknown. */
BLIS_DEF blis_status blis_run_price(const blis_run *run, double *usd_per_gpu_hour, blis_err *err);
/* The record of an executed run (run NULL: the names only, values null). */
BLIS_DEF blis_status blis_run_record_fill(blis_run_record *r, const blis_run *run, const blis_slo_set *slo,
                                          double usd_per_gpu_hour, blis_err *err);
/* *dst = *src with its pointers into src moved to dst. */
BLIS_DEF void blis_run_record_copy(blis_run_record *dst, const blis_run_record *src);
BLIS_DEF void blis_run_field_write(blis_jw *w, const blis_run_field *x);
/* The `run --json` document of an executed run (its --slo and prices read). */
BLIS_DEF blis_status blis_run_write_json(const blis_run *run, blis_jw *w, blis_err *err);
/* Options as a JSON object in, the document out through write (indented
 * by 2, a newline at the end). env may be NULL (no download, no bench_data
 * directories, no bundled data). On an error nothing is written and
 * err.msg is whole: the file, line and field at fault in front of it, any
 * hint after it. */
BLIS_DEF blis_status blis_run_json(const char *json, size_t len, const blis_run_env *env, blis_write_fn write,
                                   void *user, blis_err *err);

/* `step`: one step's time from the roofline model (v1 with its extensions,
 * or v2 with bench_data tables) for a batch written as the command line
 * writes it: prefill requests "CACHED+NEW" (tokens already in the KV cache,
 * new tokens), decode requests "CONTEXT" or "CONTEXTxCOUNT". The model is
 * found as `run --roofline` finds it (env->resolve_model may download it),
 * the hardware file is --hardware-config or the bundled one. */
#define BLIS_STEP_MAX_REQUESTS 1000000
typedef struct blis_step_options {
    const char *model, *model_dir, *gpu, *hw_file, *bench_dir, *kv_dtype, *roofline_ext;
    int64_t tp; /* 0: 1 */
    const char *const *prefill;
    size_t n_prefill;
    const char *const *decode;
    size_t n_decode;
} blis_step_options;
/* The step's document: step_time_us, the roofline version and extensions,
 * the model and hardware files used, the batch as given, the breakdown. */
BLIS_DEF blis_status blis_step_write_json(const blis_step_options *o, const blis_run_env *env, blis_jw *w,
                                          blis_err *err);
/* The same from a JSON object ("model", "hardware", "tp", "prefill":
 * ["0+2048"], "decode": ["512x8"], "model_config_folder",
 * "hardware_config", "bench_data_path", "roofline_ext", "kv_cache_dtype"),
 * as blis_run_json. */
BLIS_DEF blis_status blis_step_json(const char *json, size_t len, const blis_run_env *env, blis_write_fn write,
                                    void *user, blis_err *err);

/* `evaluate`: blis against real vLLM runs. blis_evaluation_open reads a
 * ground-truth file (the groundtruth README schema: {"records": [...]});
 * blis_evaluate simulates every wanted record (roofline v1, or v2 with
 * bench_dir) from its per-request trace or its workload description and
 * compares TTFT, E2E and ITL with what was measured; a record that cannot
 * be simulated gets a reason. blis_evaluation_write_json is `evaluate
 * --json`. The pieces (blis_eval_prepare, blis_eval_run) let calibrate run
 * a record many times with other hardware constants. */
#define BLIS_EVAL_METRICS 7 /* ttft_mean, ttft_p90, ttft_p99, e2e_mean, e2e_p90, e2e_p99, itl_mean */
BLIS_DEF const char *blis_eval_metric_name(int k);
typedef struct blis_eval_options {
    const char *ground_truth, *bench_dir, *hw_file;
    const char *const *ids; /* --id: only these records (n_ids 0: all) */
    size_t n_ids;
    int open_loop, unique_prompts, ignore_traces;
    int64_t max_requests;    /* each trace's first N (0: all) */
    int64_t seed;            /* the draws of records simulated from their description (42) */
    int64_t client_cap;      /* --client-max-inflight (256) */
    double client_timeout_s; /* --client-timeout (< 0: from the record) */
    unsigned v1_ext;         /* --roofline-ext (BLIS_V1X_ALL) */
    double alpha[3];
} blis_eval_options;
BLIS_DEF void blis_eval_options_init(blis_eval_options *o);

typedef struct blis_eval_result {
    char id[160], model[128], gpu[32], reason[BLIS_ERR_MSG_MAX];
    char precision[32]; /* the weights' format: the config's quant_method, else its dtype ("" before the model) */
    int64_t tp, dp, requests, kv_blocks, kv_derived;
    double measured[BLIS_EVAL_METRICS], predicted[BLIS_EVAL_METRICS];
    int ran, from_profile; /* from_profile: the requests from the record's description, not its trace */
    int bad_input;         /* skipped because a value in the record is wrong */
    size_t n_stages;       /* the load stages the record measured separately: TTFT, E2E, ITL means */
    double stage_measured[BLIS_GT_MAX_STAGES][3], stage_predicted[BLIS_GT_MAX_STAGES][3];
    double cpu_s; /* processor time of the simulation */
} blis_eval_result;

/* One record made ready to simulate (model, hardware, trace read once). */
typedef struct blis_eval_prep {
    blis_gt_experiment e;
    blis_model_config m;
    blis_hw_config hw;
    blis_mfu_db db;
    blis_eval_trace tr;
    int have_db, have_trace, ready;
    blis_eval_result res;
} blis_eval_prep;

typedef struct blis_evaluation {
    blis_eval_options opt;
    blis_run_env env;
    blis_doc doc;
    const blis_node *recs;
    char gt_dir[1024], defaults_path[1100];
    const char *defaults;  /* data_dir/defaults.yaml when there is one */
    blis_eval_result *res; /* blis_evaluate's, n of them, run of which ran */
    size_t n, run;
} blis_evaluation;

/* The ground truth read and checked (and bench_dir's tables, as run checks
 * them). opts's strings must outlive ev. */
BLIS_DEF blis_status blis_evaluation_open(blis_evaluation *ev, const blis_eval_options *opts, const blis_run_env *env,
                                          blis_err *err);
/* 1 when record i is one of the --id ones (all when none was given). */
BLIS_DEF int blis_evaluation_wanted(const blis_evaluation *ev, size_t i);
BLIS_DEF void blis_eval_prepare(const blis_evaluation *ev, size_t i, blis_eval_prep *p);
/* Simulates a prepared record with the hardware config hw (NULL: its own). */
BLIS_DEF void blis_eval_run(const blis_evaluation *ev, blis_eval_prep *p, const blis_hw_config *hw);
BLIS_DEF void blis_eval_prep_free(blis_eval_prep *p);
/* Every wanted record, progress(user, done, total, id) after each (may be
 * NULL); an --id naming no record is an error. */
BLIS_DEF blis_status blis_evaluate(blis_evaluation *ev, void (*progress)(void *, size_t, size_t, const char *),
                                   void *user, blis_err *err);
BLIS_DEF double blis_eval_err_pct(const blis_eval_result *r, int k);
/* Mean and median absolute percentage error of metric k over the runs that
 * measured it; *count how many. */
BLIS_DEF void blis_eval_summary(const blis_eval_result *res, size_t n, int k, double *mape, double *median,
                                size_t *count);
BLIS_DEF double blis_eval_stage_err_pct(const blis_eval_result *r, size_t stage, int k);
/* The MAPE of stage metric k (0 TTFT, 1 E2E, 2 ITL means) over every compared stage. */
BLIS_DEF double blis_eval_stage_mape(const blis_eval_result *res, size_t n, int k, size_t *count);
BLIS_DEF const char *blis_eval_stage_name(int k);
/* evaluate --by: the errors per group of records (model, GPU, TP, DP,
 * precision, workload: trace or description). blis_eval_by_parse reads
 * "model,gpu,tp"; blis_eval_groups groups the records that ran by those
 * keys, in the order each group first appears, with each metric's MAPE
 * (NaN where no record of the group measured it) and count; free *out. */
#define BLIS_EVAL_BY_MODEL     1u
#define BLIS_EVAL_BY_GPU       2u
#define BLIS_EVAL_BY_TP        4u
#define BLIS_EVAL_BY_DP        8u
#define BLIS_EVAL_BY_PRECISION 16u
#define BLIS_EVAL_BY_WORKLOAD  32u
typedef struct blis_eval_group {
    char key[360]; /* "model=Qwen/Qwen3-14B gpu=H100 tp=1" */
    size_t n;      /* records */
    double mape[BLIS_EVAL_METRICS];
    size_t count[BLIS_EVAL_METRICS];
} blis_eval_group;
BLIS_DEF blis_status blis_eval_by_parse(const char *list, unsigned *by, blis_err *err);
BLIS_DEF void blis_eval_group_key(const blis_eval_result *r, unsigned by, char *key, size_t size);
BLIS_DEF blis_status blis_eval_groups(const blis_eval_result *res, size_t n, unsigned by, blis_eval_group **out,
                                      size_t *n_out, blis_err *err);
BLIS_DEF void blis_evaluation_write_json(const blis_evaluation *ev, blis_jw *w);
/* The same with "by": {"keys", "groups": [{"key", "n", "mape", "count"}]} when by is not 0. */
BLIS_DEF void blis_evaluation_write_json_by(const blis_evaluation *ev, unsigned by, blis_jw *w);
/* Records skipped because a value in them is wrong. */
BLIS_DEF size_t blis_evaluation_bad_inputs(const blis_evaluation *ev);
BLIS_DEF void blis_evaluation_free(blis_evaluation *ev);
/* The same from a JSON object ("ground_truth", "bench_data_path",
 * "hardware_config", "id": [...], "open_loop", "unique_prompts",
 * "ignore_traces", "max_requests", "seed", "client_max_inflight",
 * "client_timeout", "roofline_ext", "alpha_coeffs"), as blis_run_json.
 * Records that cannot be simulated are listed in the document with their
 * reasons (the CLI also exits 2 for those skipped for bad input). */
BLIS_DEF blis_status blis_evaluate_json(const char *json, size_t len, const blis_run_env *env, blis_write_fn write,
                                        void *user, blis_err *err);

/* `convert` and `compose` (spec §1.1, §2.3, §2.6): workload specs built
 * from the other workload sources and written back as YAML (version "2").
 * blis_spec_from_legacy is a410740f's SynthesizeFromDistribution /
 * SynthesizeFromPreset: one client "distribution" at rate fraction 1 with
 * constant arrivals and gaussian lengths from w, prefix group "shared" of
 * w->prefix_tokens when > 0, category language, the aggregate rate and
 * request count of w, the seed given. blis_spec_from_trace is the lossy
 * csv-trace conversion: N rows become one client at the constant rate N /
 * ((last - first arrival) / 1 s) (N when they all arrive at once), lengths
 * the rows' rounded averages (a gaussian with no spread), num_requests N.
 * blis_spec_compose concatenates specs' clients: the aggregate rate is the
 * sum of theirs and each client's fraction is rescaled so that its own rate
 * is kept; the seed is the first spec's, num_requests the sum (0 when any is
 * unlimited), the horizon the latest given. Output specs own their strings. */
BLIS_DEF blis_status blis_spec_from_legacy(const blis_legacy_workload *w, int64_t seed, blis_workload_spec *spec,
                                           blis_err *err);
BLIS_DEF blis_status blis_spec_from_trace(const char *src, size_t len, const char *source, blis_workload_spec *spec,
                                          blis_err *err);
BLIS_DEF blis_status blis_spec_compose(const blis_workload_spec *const *specs, size_t n, blis_workload_spec *out,
                                       blis_err *err);
/* The spec as YAML that blis_workload_spec_from_doc reads back to the same
 * requests (cohorts and inference_perf appear expanded into clients). */
BLIS_DEF blis_status blis_workload_spec_write_yaml(const blis_workload_spec *spec, blis_write_fn write, void *user);

/* `calibrate`: roofline v1's constants for one GPU fitted (Nelder-Mead in
 * log space) to the TTFT and E2E means of its records. The objective's
 * evaluations go through map (NULL: one after the other), which must fill
 * out[2i], out[2i+1] for every experiment i through blis_calib_one; a
 * caller with processes or threads spreads them. */
#define BLIS_CALIB_PARAMS 8
enum { BLIS_CALIB_CAPPED, BLIS_CALIB_LOG, BLIS_CALIB_MAPE };
BLIS_DEF const char *blis_calib_name(int k);
BLIS_DEF double *blis_calib_field(blis_hw_config *hw, int k);
/* "NAME[,NAME...]" -> a mask of constants kept at their starting values. */
BLIS_DEF blis_status blis_calib_parse_fix(const char *text, unsigned *mask, blis_err *err);
struct blis_calibration;
typedef void (*blis_calib_map_fn)(void *user, struct blis_calibration *c, const blis_hw_config *hw,
                                  const char *only_model, double *out);
typedef struct blis_calibration {
    const blis_evaluation *ev;
    blis_eval_prep *preps; /* the wanted records on the GPU (and skipped ones: ready 0) */
    size_t n;
    char models[16][128];
    int n_models;
    size_t bad_skipped;
    const char *skip_model; /* leave-one-model-out: not fitted on */
    blis_hw_config base;
    int evals, max_evals;
    int objective, balance;
    double *errs, *scratch; /* 2 per experiment */
    int moved[BLIS_CALIB_PARAMS], n_moved;
    unsigned fixed;
    double x_full[BLIS_CALIB_PARAMS];
    double best;
    const char *phase;
    blis_calib_map_fn map;
    void *map_user;
    void (*progress)(void *user, const struct blis_calibration *c, double value); /* after each evaluation */
    void *progress_user;
} blis_calibration;
/* The records of ev on gpu prepared (ev from blis_evaluation_open). */
BLIS_DEF blis_status blis_calibration_init(blis_calibration *c, const blis_evaluation *ev, const char *gpu,
                                           blis_err *err);
BLIS_DEF void blis_calib_one(blis_calibration *c, const blis_hw_config *hw, const char *only_model, size_t i,
                             double *out);
/* The objective (percent) with hw over the records (only_model: its records
 * only); *count the experiments counted; abs_sums their absolute TTFT and
 * E2E mean errors summed. */
BLIS_DEF double blis_calib_error(blis_calibration *c, const blis_hw_config *hw, const char *only_model, size_t *count,
                                 double abs_sums[2]);
/* Fits from c->base; x receives every constant (log space). */
BLIS_DEF double blis_calib_fit(blis_calibration *c, double *x, int max_evals);
BLIS_DEF void blis_calib_apply(const blis_calibration *c, const double *x, blis_hw_config *hw);
BLIS_DEF int blis_calib_fixed(const blis_calibration *c, int k);
/* A whole hardware file: every GPU of base, the fitted one's constants (with
 * transfer every GPU's) replaced by fit's. */
BLIS_DEF blis_status blis_calib_write_hw(const blis_doc *base, const blis_hw_config *fit, int transfer, blis_jw *w,
                                         blis_err *err);
BLIS_DEF void blis_calibration_free(blis_calibration *c);

#ifdef __cplusplus
}
#endif

#endif /* BLIS_H */

/* ======================================================================== */
/*                            IMPLEMENTATION                                */
/* ======================================================================== */
#if defined(BLIS_IMPLEMENTATION) && !defined(BLIS_IMPLEMENTATION_INCLUDED)
#define BLIS_IMPLEMENTATION_INCLUDED

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>  /* vsnprintf for messages: integers and strings only, never %f */
#include <stdlib.h> /* malloc, free, qsort */
#include <time.h>   /* clock: evaluate's processor time per record */

#ifndef BLIS_MALLOC
#define BLIS_MALLOC(sz) malloc(sz)
#define BLIS_FREE(p)    free(p)
#endif

/* Recursion in the JSON and YAML parsers is bounded by max_depth; this hard
 * cap keeps the stack use under ~1 MiB whatever a caller asks for. */
#define BLIS__HARD_MAX_DEPTH 1000u

/* A hint to fetch memory ahead (no effect on results; a no-op elsewhere). */
#if defined(__GNUC__) || defined(__clang__)
#define BLIS__PREFETCH(p) __builtin_prefetch(p)
#else
#define BLIS__PREFETCH(p) ((void)(p))
#endif
#define BLIS__NONE UINT32_MAX
/* C99's restrict (C++ has no such keyword: GCC's and clang's spelling, else none). */
#if !defined(__cplusplus)
#define BLIS__RESTRICT restrict
#elif defined(__GNUC__) || defined(__clang__)
#define BLIS__RESTRICT __restrict__
#else
#define BLIS__RESTRICT
#endif

/* ==== >>base  implementation ====
 * Owns: status strings, blis_err, the allocator shim, the arena, the bignum
 * and the two exact conversions (decimal text -> double, double -> shortest
 * decimal). Uses: libc only. Used by: every section below.
 * Invariants: no function here allocates except the arena and buffers; the
 * conversions never consult the C locale; blis__big never overflows its
 * fixed capacity for any double or any <= BLIS__DEC_DIGITS-digit decimal
 * (the sizes are derived next to BLIS__BIG_LIMBS). Checked by the number
 * tests (tests/test_number.c), which compare with libc in the "C" locale. */

static const char *const blis__status_text[] = {
#define BLIS__STATUS_TEXT(name, text) text,
    BLIS_STATUS_LIST(BLIS__STATUS_TEXT)
#undef BLIS__STATUS_TEXT
};

BLIS_DEF const char *blis_status_str(blis_status status) {
    if ((int)status < 0 || (int)status >= (int)BLIS_STATUS_COUNT) return "unknown status";
    return blis__status_text[status];
}

static void blis__copy_cstr(char *dst, size_t size, const char *src) {
    size_t n = 0;
    if (size == 0) return;
    if (src) {
        n = strlen(src);
        if (n >= size) n = size - 1;
        memcpy(dst, src, n);
    }
    dst[n] = '\0';
}

/* strcmp ignoring ASCII case (Go's encoding/json key rule; GPU and model names). */
static int blis__ascii_casecmp(const char *a, const char *b) {
    for (;; a++, b++) {
        int ca = (unsigned char)*a, cb = (unsigned char)*b;
        if (ca >= 'A' && ca <= 'Z') ca += 32;
        if (cb >= 'A' && cb <= 'Z') cb += 32;
        if (ca != cb || !ca) return ca - cb;
    }
}

BLIS_DEF void blis_err_clear(blis_err *err, const char *source) {
    if (!err) return;
    memset(err, 0, sizeof *err);
    blis__copy_cstr(err->source, sizeof err->source, source ? source : "<input>");
}

BLIS_DEF blis_status blis_err_set(blis_err *err, blis_status status, uint32_t line, uint32_t col, const char *fmt,
                                  ...) {
    va_list ap;
    if (!err) return status;
    err->status = status;
    err->line = line;
    err->col = col;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return status;
}

BLIS_DEF size_t blis_err_format(const blis_err *err, char *buf, size_t size) {
    int n;
    const char *src = err->source[0] ? err->source : "<input>";
    const char *sep = err->path[0] ? ": " : "";
    if (err->line > 0)
        n = snprintf(buf, size, "%s:%lu:%lu: error: %s%s%s", src, (unsigned long)err->line, (unsigned long)err->col,
                     err->path, sep, err->msg);
    else
        n = snprintf(buf, size, "%s: error: %s%s%s", src, err->path, sep, err->msg);
    return n < 0 ? 0 : (size_t)n;
}

static blis_status blis__nomem(blis_err *err) { return blis_err_set(err, BLIS_E_NOMEM, 0, 0, "out of memory"); }

/* ---- allocator shim and arena ---- */

static void *blis__alloc(const blis_alloc *a, size_t size_bytes) {
    if (size_bytes == 0) size_bytes = 1;
    if (a && a->alloc_fn) return a->alloc_fn(a->user, size_bytes);
    return BLIS_MALLOC(size_bytes);
}

static void blis__free(const blis_alloc *a, void *p) {
    if (!p) return;
    if (a && a->alloc_fn) {
        if (a->free_fn) a->free_fn(a->user, p);
        return;
    }
    BLIS_FREE(p);
}

/* a + b for times in us (b >= 0), saturating at INT64_MAX; *overflow = 1
 * when it saturated. */
static int64_t blis__add_us_sat(int64_t a, int64_t b, int *overflow) {
    if (b > 0 && a > INT64_MAX - b) {
        *overflow = 1;
        return INT64_MAX;
    }
    return a + b;
}
static int64_t blis__sat_add(int64_t t, int64_t d) {
    int overflow = 0;
    return blis__add_us_sat(t, d, &overflow);
}

/* Grows *p (holding *cap elements of elem_bytes) to at least need elements,
 * doubling. Returns 0 on success, -1 on overflow or out of memory (then *p is
 * unchanged). The one growth routine of the library. */
static int blis__grow(const blis_alloc *a, void **p, size_t *cap, size_t need, size_t elem_bytes) {
    size_t new_cap = *cap ? *cap : 16;
    void *np;
    if (need <= *cap) return 0;
    while (new_cap < need) {
        if (new_cap > SIZE_MAX / 2) return -1;
        new_cap *= 2;
    }
    if (new_cap > SIZE_MAX / elem_bytes) return -1;
    np = blis__alloc(a, new_cap * elem_bytes);
    if (!np) return -1;
    if (*p && *cap) memcpy(np, *p, *cap * elem_bytes);
    blis__free(a, *p);
    *p = np;
    *cap = new_cap;
    return 0;
}

/* A binary min-heap in an array of elements of `size` bytes, ordered by
 * less (a strict order: ties broken inside less keep the heap stable).
 * blis__heap_up after appending element n-1; blis__heap_pop moves the least
 * element to out and shrinks the heap to n-1. The Go container/heap of the
 * instance event queue (>>evq) has its own exact tie order and does not
 * use these. */
static void blis__heap_swap(unsigned char *a, unsigned char *b, size_t size) {
    size_t i;
    for (i = 0; i < size; i++) {
        unsigned char t = a[i];
        a[i] = b[i];
        b[i] = t;
    }
}

static void blis__heap_up(void *base, size_t n, size_t size, int (*less)(const void *, const void *)) {
    unsigned char *h = (unsigned char *)base;
    size_t j = n - 1;
    while (j > 0 && less(h + j * size, h + (j - 1) / 2 * size)) {
        blis__heap_swap(h + j * size, h + (j - 1) / 2 * size, size);
        j = (j - 1) / 2;
    }
}

static void blis__heap_pop(void *base, size_t n, size_t size, int (*less)(const void *, const void *), void *out) {
    unsigned char *h = (unsigned char *)base;
    size_t i = 0;
    memcpy(out, h, size);
    n--;
    memcpy(h, h + n * size, size);
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && less(h + l * size, h + m * size)) m = l;
        if (l + 1 < n && less(h + (l + 1) * size, h + m * size)) m = l + 1;
        if (m == i) break;
        blis__heap_swap(h + i * size, h + m * size, size);
        i = m;
    }
}

struct blis__arena_chunk {
    blis__arena_chunk *next;
    size_t cap_bytes;
    size_t used_bytes;
};
#define BLIS__ARENA_ALIGN       16u
#define BLIS__ARENA_CHUNK_BYTES ((size_t)64 * 1024)
#define BLIS__ARENA_HEADER_BYTES \
    ((sizeof(blis__arena_chunk) + BLIS__ARENA_ALIGN - 1) / BLIS__ARENA_ALIGN * BLIS__ARENA_ALIGN)

static void blis__arena_init(blis__arena *a, const blis_alloc *alloc) {
    memset(a, 0, sizeof *a);
    if (alloc) a->alloc = *alloc;
}

static void *blis__arena_alloc(blis__arena *a, size_t size_bytes) {
    blis__arena_chunk *c = a->head;
    size_t need = (size_bytes + BLIS__ARENA_ALIGN - 1) / BLIS__ARENA_ALIGN * BLIS__ARENA_ALIGN;
    if (size_bytes > SIZE_MAX - BLIS__ARENA_CHUNK_BYTES - BLIS__ARENA_HEADER_BYTES) return NULL;
    if (need == 0) need = BLIS__ARENA_ALIGN;
#ifdef BLIS_ARENA_EXACT
    need = size_bytes ? size_bytes : 1; /* one exact block per allocation: overruns reach the sanitizer */
    c = NULL;
#endif
    if (!c || c->cap_bytes - c->used_bytes < need) {
        size_t cap = need > BLIS__ARENA_CHUNK_BYTES ? need : BLIS__ARENA_CHUNK_BYTES;
#ifdef BLIS_ARENA_EXACT
        cap = need;
#endif
        c = (blis__arena_chunk *)blis__alloc(&a->alloc, BLIS__ARENA_HEADER_BYTES + cap);
        if (!c) return NULL;
        c->next = a->head;
        c->cap_bytes = cap;
        c->used_bytes = 0;
        a->head = c;
    }
    c->used_bytes += need;
    a->used_bytes += need;
    return (char *)c + BLIS__ARENA_HEADER_BYTES + (c->used_bytes - need);
}

static char *blis__arena_strndup(blis__arena *a, const char *s, size_t n) {
    char *p = (char *)blis__arena_alloc(a, n + 1);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void blis__arena_free(blis__arena *a) {
    blis__arena_chunk *c = a->head;
    while (c) {
        blis__arena_chunk *next = c->next;
        blis__free(&a->alloc, c);
        c = next;
    }
    a->head = NULL;
    a->used_bytes = 0;
}

/* ---- files ---- */

BLIS_DEF blis_status blis_file_read(const char *path, size_t max_bytes, const blis_alloc *alloc, char **out,
                                    size_t *out_len, blis_err *err) {
    FILE *f;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    blis_status st = BLIS_OK;
    *out = NULL;
    *out_len = 0;
    blis_err_clear(err, path);
    if (!max_bytes) max_bytes = BLIS_DEFAULT_MAX_INPUT_BYTES;
    errno = 0;
    f = fopen(path, "rb");
    if (!f) return blis_err_set(err, BLIS_E_IO, 0, 0, "cannot open: %s", errno ? strerror(errno) : "unknown reason");
    for (;;) {
        size_t got;
        if (blis__grow(alloc, (void **)&buf, &cap, len + 65536 + 1, 1)) {
            st = blis__nomem(err);
            break;
        }
        errno = 0;
        got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (len > max_bytes) {
            st = blis_err_set(err, BLIS_E_LIMIT, 0, 0, "file is larger than the limit of %lu bytes",
                              (unsigned long)max_bytes);
            break;
        }
        if (got == 0) {
            if (ferror(f))
                st = blis_err_set(err, BLIS_E_IO, 0, 0, "cannot read: %s", errno ? strerror(errno) : "read error");
            break;
        }
    }
    fclose(f);
    if (st != BLIS_OK) {
        blis__free(alloc, buf);
        return st;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return BLIS_OK;
}

BLIS_DEF void blis_file_free(const blis_alloc *alloc, char *data) { blis__free(alloc, data); }

/* ---- UTF-8 ---- */

/* Decodes one scalar value (strict: no overlongs, surrogates or values
 * above U+10FFFF). Returns its length 1..4, or 0 when s[0..avail) does not
 * start with a valid sequence. */
static size_t blis__utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp) {
    unsigned char c = s[0];
    size_t n, i;
    uint32_t v, lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        v = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        v = c & 0x0Fu;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        v = c & 0x07u;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (avail < n) return 0;
    for (i = 1; i < n; i++) {
        unsigned char b = s[i];
        if (b < lo || b > hi) return 0;
        lo = 0x80;
        hi = 0xBF;
        v = (v << 6) | (b & 0x3Fu);
    }
    *cp = v;
    return n;
}

/* Encodes cp (<= 0x10FFFF, not a surrogate) into out; returns 1..4. */
static size_t blis__utf8_encode(uint32_t cp, char *out) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* 1 when s holds a control character (C0, DEL, C1), a bidirectional
 * override or isolate (U+202A..U+202E, U+2066..U+2069) or invalid UTF-8:
 * text that would print as something other than it is. */
static int blis__text_unsafe(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    size_t avail = strlen(s), n;
    uint32_t cp;
    while (avail) {
        if (!(n = blis__utf8_decode(p, avail, &cp))) return 1;
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
            return 1;
        p += n, avail -= n;
    }
    return 0;
}

static int blis__hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Describes byte c for a message: "'x'", "newline", "byte 0xC3". */
static const char *blis__describe_byte(char c, char buf[16]) {
    unsigned char u = (unsigned char)c;
    if (u == '\n') return "a line feed";
    if (u == '\r') return "a carriage return";
    if (u == '\t') return "a tab";
    if (u >= 0x20 && u < 0x7F) {
        buf[0] = '\'';
        buf[1] = c;
        buf[2] = '\'';
        buf[3] = '\0';
        return buf;
    }
    snprintf(buf, 16, "byte 0x%02X", (unsigned)u);
    return buf;
}

/* ---- bignum: fixed-capacity unsigned integers, 32-bit limbs ----
 * Capacity: decimal -> double needs D * 2^s and 10^k * 2^t with D below
 * 10^800 and 10^k below 10^1131 plus 66 bits: < 3830 bits. double ->
 * decimal needs < 1200 bits. 130 limbs hold 4160 bits. */
#define BLIS__BIG_LIMBS 130
typedef struct blis__big {
    uint32_t d[BLIS__BIG_LIMBS]; /* little-endian limbs */
    int n;                       /* limbs in use; d[n-1] != 0 unless n == 0 */
} blis__big;

static void blis__big_set_u64(blis__big *b, uint64_t v) {
    b->n = 0;
    while (v) {
        b->d[b->n++] = (uint32_t)v;
        v >>= 32;
    }
}

static int blis__big_mul_add_small(blis__big *b, uint32_t m, uint32_t add) {
    uint64_t carry = add;
    int i;
    for (i = 0; i < b->n; i++) {
        uint64_t t = (uint64_t)b->d[i] * m + carry;
        b->d[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry) {
        if (b->n >= BLIS__BIG_LIMBS) return -1;
        b->d[b->n++] = (uint32_t)carry;
    }
    return 0;
}

static int blis__big_mul_pow10(blis__big *b, int k) {
    static const uint32_t pow10_u32[10] = {1u,      10u,      100u,      1000u,      10000u,
                                           100000u, 1000000u, 10000000u, 100000000u, 1000000000u};
    while (k >= 9) {
        if (blis__big_mul_add_small(b, pow10_u32[9], 0)) return -1;
        k -= 9;
    }
    if (k > 0) return blis__big_mul_add_small(b, pow10_u32[k], 0);
    return 0;
}

static int blis__big_shl(blis__big *b, int bits) {
    int limbs = bits / 32, sh = bits % 32, i;
    if (b->n == 0 || bits == 0) return 0;
    if (b->n + limbs + 1 > BLIS__BIG_LIMBS) return -1;
    if (sh) {
        b->d[b->n] = 0;
        for (i = b->n; i > 0; i--) b->d[i] = (b->d[i] << sh) | (b->d[i - 1] >> (32 - sh));
        b->d[0] <<= sh;
        b->n++;
    }
    if (limbs) {
        memmove(b->d + limbs, b->d, (size_t)b->n * sizeof b->d[0]);
        memset(b->d, 0, (size_t)limbs * sizeof b->d[0]);
        b->n += limbs;
    }
    while (b->n > 0 && b->d[b->n - 1] == 0) b->n--;
    return 0;
}

/* b >>= bits; returns 1 if any bit shifted out was set. */
static int blis__big_shr(blis__big *b, int bits) {
    int limbs = bits / 32, sh = bits % 32, i, lost = 0;
    if (limbs >= b->n) {
        lost = b->n > 0;
        b->n = 0;
        return lost;
    }
    for (i = 0; i < limbs; i++) lost |= b->d[i] != 0;
    if (sh && (b->d[limbs] & ((1u << sh) - 1))) lost = 1;
    for (i = 0; i + limbs < b->n; i++) {
        uint32_t lo = b->d[i + limbs], hi = (i + limbs + 1 < b->n) ? b->d[i + limbs + 1] : 0u;
        b->d[i] = sh ? (lo >> sh) | (hi << (32 - sh)) : lo;
    }
    b->n -= limbs;
    while (b->n > 0 && b->d[b->n - 1] == 0) b->n--;
    return lost;
}

static int blis__big_cmp(const blis__big *a, const blis__big *b) {
    int i;
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    for (i = a->n - 1; i >= 0; i--)
        if (a->d[i] != b->d[i]) return a->d[i] < b->d[i] ? -1 : 1;
    return 0;
}

/* a -= b; requires a >= b. */
static void blis__big_sub(blis__big *a, const blis__big *b) {
    int64_t borrow = 0;
    int i;
    for (i = 0; i < a->n; i++) {
        int64_t t = (int64_t)a->d[i] - (i < b->n ? (int64_t)b->d[i] : 0) - borrow;
        borrow = t < 0;
        a->d[i] = (uint32_t)(t + (borrow ? ((int64_t)1 << 32) : 0));
    }
    while (a->n > 0 && a->d[a->n - 1] == 0) a->n--;
}

/* out = a + b (out may alias neither). */
static int blis__big_add(blis__big *out, const blis__big *a, const blis__big *b) {
    uint64_t carry = 0;
    int i, n = a->n > b->n ? a->n : b->n;
    for (i = 0; i < n; i++) {
        uint64_t t = carry + (i < a->n ? a->d[i] : 0u) + (i < b->n ? b->d[i] : 0u);
        out->d[i] = (uint32_t)t;
        carry = t >> 32;
    }
    out->n = n;
    if (carry) {
        if (n >= BLIS__BIG_LIMBS) return -1;
        out->d[out->n++] = (uint32_t)carry;
    }
    return 0;
}

static int blis__big_bitlen(const blis__big *b) {
    uint32_t top;
    int bits = 0;
    if (b->n == 0) return 0;
    top = b->d[b->n - 1];
    while (top) {
        bits++;
        top >>= 1;
    }
    return (b->n - 1) * 32 + bits;
}

/* ---- decimal text -> double, correctly rounded ---- */

/* Significant digits kept; more than the 767 that can matter, and any
 * non-zero digit dropped beyond is remembered in 'truncated'. */
#define BLIS__DEC_DIGITS 800
typedef struct blis__dec {
    char d[BLIS__DEC_DIGITS]; /* significant digits '0'..'9', no leading zeros */
    int nd;                   /* digits in d */
    int dp;                   /* value = 0.d[0]d[1]... * 10^dp */
    int neg;
    int truncated;
} blis__dec;

/* Scans a number from s[0..len): the JSON grammar, or looser per flags.
 * Stops at the first byte that cannot continue it; *end gets its offset and
 * *is_int whether there was neither a fraction nor an exponent. Returns
 * BLIS_E_SYNTAX (with *end at the offending byte) on a malformed number. */
static blis_status blis__dec_scan(const char *s, size_t len, unsigned flags, blis__dec *dec, size_t *end, int *is_int) {
    size_t i = 0, int_digits = 0, frac_digits = 0;
    int loose = (flags & BLIS_NUM_LOOSE_DOT) != 0;
    long exp10 = 0;
    dec->nd = dec->dp = dec->neg = dec->truncated = 0;
    *is_int = 1;
    if (i < len && (s[i] == '-' || (s[i] == '+' && (flags & BLIS_NUM_ALLOW_PLUS)))) {
        dec->neg = s[i] == '-';
        i++;
    }
    if (!loose && i < len && s[i] == '0' && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9') {
        *end = i + 1;
        return BLIS_E_SYNTAX;
    }
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, int_digits++) {
        if (dec->nd == 0 && s[i] == '0') continue;
        if (dec->nd < BLIS__DEC_DIGITS)
            dec->d[dec->nd++] = s[i];
        else if (s[i] != '0')
            dec->truncated = 1;
        if (dec->dp < INT_MAX / 2) dec->dp++;
    }
    if (int_digits == 0 && !(loose && i < len && s[i] == '.')) {
        *end = i;
        return BLIS_E_SYNTAX;
    }
    if (i < len && s[i] == '.') {
        *is_int = 0;
        i++;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, frac_digits++) {
            if (dec->nd == 0 && s[i] == '0') {
                if (dec->dp > INT_MIN / 2) dec->dp--;
                continue;
            }
            if (dec->nd < BLIS__DEC_DIGITS)
                dec->d[dec->nd++] = s[i];
            else if (s[i] != '0')
                dec->truncated = 1;
        }
        if (frac_digits == 0 && !(loose && int_digits > 0)) {
            *end = i;
            return BLIS_E_SYNTAX;
        }
        if (int_digits == 0 && frac_digits == 0) {
            *end = i;
            return BLIS_E_SYNTAX;
        }
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0;
        size_t exp_digits = 0;
        *is_int = 0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, exp_digits++)
            if (exp10 < 100000000L) exp10 = exp10 * 10 + (s[i] - '0');
        if (exp_digits == 0) {
            *end = i;
            return BLIS_E_SYNTAX;
        }
        if (eneg) exp10 = -exp10;
    }
    while (dec->nd > 0 && dec->d[dec->nd - 1] == '0') dec->nd--;
    if (dec->nd == 0)
        dec->dp = 0;
    else
        dec->dp = (int)((long)dec->dp + exp10);
    *end = i;
    return BLIS_OK;
}

/* Rounds q * 2^(-s) (with 'sticky' meaning "a little more than that") to
 * the nearest double, ties to even. Returns BLIS_E_RANGE on overflow. */
static blis_status blis__round_to_f64(uint64_t q, int s, int sticky, int neg, double *out) {
    int b = 0, e2, keep, shift;
    uint64_t m, rest, half, t = q;
    double v;
    while (t) {
        b++;
        t >>= 1;
    }
    if (b == 0) {
        *out = neg ? -0.0 : 0.0;
        return BLIS_OK;
    }
    e2 = b - 1 - s; /* value in [2^e2, 2^(e2+1)) */
    keep = 53;
    if (e2 < -1022) keep = 53 - (-1022 - e2);
    if (keep < 0) {
        *out = neg ? -0.0 : 0.0;
        return BLIS_OK;
    }
    shift = b - keep;
    if (shift <= 0) {
        m = q << (-shift);
        rest = 0;
        half = 1;
        shift = 0;
    } else {
        m = shift >= 64 ? 0 : q >> shift;
        rest = shift >= 64 ? q : q & ((((uint64_t)1) << shift) - 1);
        half = ((uint64_t)1) << (shift - 1);
        if (rest > half || (rest == half && (sticky || (m & 1)))) m++;
    }
    /* m * 2^(e2 - keep + 1); m may have become 2^keep after rounding. */
    if (e2 > 1023 || (e2 == 1023 && m >= ((uint64_t)1 << 53))) return BLIS_E_RANGE;
    v = ldexp((double)m, e2 - keep + 1);
    *out = neg ? -v : v;
    return BLIS_OK;
}

static blis_status blis__dec_to_f64_slow(const blis__dec *dec, double *out) {
    blis__big num, den;
    int i, e10, s, bn, bd;
    uint64_t q = 0;
    num.n = 0;
    for (i = 0; i < dec->nd; i++)
        if (blis__big_mul_add_small(&num, 10, (uint32_t)(dec->d[i] - '0'))) return BLIS_E_RANGE;
    e10 = dec->dp - dec->nd;
    if (dec->truncated) { /* sticky digit below everything kept */
        if (blis__big_mul_add_small(&num, 10, 1)) return BLIS_E_RANGE;
        e10--;
    }
    if (e10 >= 0) {
        if (blis__big_mul_pow10(&num, e10)) return BLIS_E_RANGE;
        bn = blis__big_bitlen(&num);
        if (bn <= 64) {
            for (i = num.n - 1; i >= 0; i--) q = (q << 32) | num.d[i];
            return blis__round_to_f64(q, 0, 0, dec->neg, out);
        }
        {
            int drop = bn - 64, sticky = blis__big_shr(&num, drop);
            q = ((uint64_t)num.d[1] << 32) | num.d[0];
            return blis__round_to_f64(q, -drop, sticky, dec->neg, out);
        }
    }
    /* value = num / 10^-e10: long division giving a quotient in [2^62, 2^64). */
    den.n = 0;
    blis__big_set_u64(&den, 1);
    if (blis__big_mul_pow10(&den, -e10)) return BLIS_E_RANGE;
    bn = blis__big_bitlen(&num);
    bd = blis__big_bitlen(&den);
    s = bd - bn + 63;
    if (s >= 0) {
        if (blis__big_shl(&num, s)) return BLIS_E_RANGE;
    } else if (blis__big_shl(&den, -s)) {
        return BLIS_E_RANGE;
    }
    if (blis__big_shl(&den, 63)) return BLIS_E_RANGE;
    for (i = 63; i >= 0; i--) {
        if (blis__big_cmp(&num, &den) >= 0) {
            blis__big_sub(&num, &den);
            q |= (uint64_t)1 << i;
        }
        (void)blis__big_shr(&den, 1);
    }
    return blis__round_to_f64(q, s, num.n != 0, dec->neg, out);
}

static blis_status blis__dec_to_f64(const blis__dec *dec, double *out) {
    static const double pow10_f64[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                         1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (dec->nd == 0) {
        *out = dec->neg ? -0.0 : 0.0;
        return BLIS_OK;
    }
    if (dec->dp > 310) return BLIS_E_RANGE;
    if (dec->dp < -330) {
        *out = dec->neg ? -0.0 : 0.0;
        return BLIS_OK;
    }
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
    /* Clinger's fast path: an exact integer below 10^15 times or over an
     * exact power of ten is one correctly rounded IEEE operation. */
    if (dec->nd <= 15 && !dec->truncated) {
        int i, e10 = dec->dp - dec->nd;
        uint64_t m = 0;
        double v;
        for (i = 0; i < dec->nd; i++) m = m * 10 + (uint64_t)(dec->d[i] - '0');
        v = (double)m;
        if (e10 > 22 && e10 <= 22 + 15 - dec->nd) {
            v *= pow10_f64[e10 - 22];
            e10 = 22;
        }
        if (e10 >= 0 && e10 <= 22) {
            v *= pow10_f64[e10];
            *out = dec->neg ? -v : v;
            return BLIS_OK;
        }
        if (e10 < 0 && e10 >= -22) {
            v /= pow10_f64[-e10];
            *out = dec->neg ? -v : v;
            return BLIS_OK;
        }
    }
#else
    (void)pow10_f64;
#endif
    return blis__dec_to_f64_slow(dec, out);
}

BLIS_DEF blis_status blis_parse_f64(const char *s, size_t len, unsigned flags, double *out) {
    blis__dec dec;
    size_t end = 0;
    int is_int;
    blis_status st = blis__dec_scan(s, len, flags, &dec, &end, &is_int);
    if (st != BLIS_OK || end != len) return BLIS_E_SYNTAX;
    return blis__dec_to_f64(&dec, out);
}

BLIS_DEF blis_status blis_parse_i64(const char *s, size_t len, unsigned flags, int64_t *out) {
    size_t i = 0;
    int neg = 0;
    uint64_t v = 0, limit;
    if (i < len && (s[i] == '-' || (s[i] == '+' && (flags & BLIS_NUM_ALLOW_PLUS)))) neg = s[i++] == '-';
    if (i == len) return BLIS_E_SYNTAX;
    if (!(flags & BLIS_NUM_LOOSE_DOT) && s[i] == '0' && i + 1 < len) return BLIS_E_SYNTAX;
    limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    for (; i < len; i++) {
        unsigned digit;
        if (s[i] < '0' || s[i] > '9') return BLIS_E_SYNTAX;
        digit = (unsigned)(s[i] - '0');
        if (v > (limit - digit) / 10) return BLIS_E_RANGE;
        v = v * 10 + digit;
    }
    if (neg)
        *out = v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v;
    else
        *out = (int64_t)v;
    return BLIS_OK;
}

/* ---- double -> shortest decimal (Steele & White / Burger & Dybvig) ----
 * Generates digits of v while they do not yet identify v; stops at the
 * first digit position where v's rounding interval (boundaries included when
 * the mantissa is even, as round-half-even parsing would give v back)
 * contains a candidate, choosing the closest candidate (ties to even). This
 * is the shortest, closest representation, the one Go's strconv prints. */

BLIS_DEF int blis_f64_shortest(double v, char digits[17], int *exp10) {
    uint64_t bits, frac, f;
    int bexp, e, k, n = 0, even, lower_closer;
    blis__big r, s, mp, mm, t;
    memcpy(&bits, &v, sizeof bits);
    frac = bits & (((uint64_t)1 << 52) - 1);
    bexp = (int)((bits >> 52) & 0x7FF);
    if (bexp == 0) {
        f = frac;
        e = -1074;
    } else {
        f = frac | ((uint64_t)1 << 52);
        e = bexp - 1075;
    }
    even = (f & 1) == 0;
    lower_closer = frac == 0 && bexp > 1;
    blis__big_set_u64(&r, f);
    if (e >= 0) {
        blis__big_set_u64(&mm, 1);
        (void)blis__big_shl(&mm, e);
        mp = mm;
        if (lower_closer) (void)blis__big_shl(&mp, 1);
        (void)blis__big_shl(&r, e + (lower_closer ? 2 : 1));
        blis__big_set_u64(&s, lower_closer ? 4u : 2u);
    } else {
        blis__big_set_u64(&mm, 1);
        blis__big_set_u64(&mp, lower_closer ? 2u : 1u);
        (void)blis__big_shl(&r, lower_closer ? 2 : 1);
        blis__big_set_u64(&s, 1);
        (void)blis__big_shl(&s, (lower_closer ? 2 : 1) - e);
    }
    /* Estimate k = ceil(log10(v)) from the binary exponent, then fix up. */
    {
        int lg2 = e + 63;
        uint64_t top = f;
        while (!(top & ((uint64_t)1 << 63))) {
            top <<= 1;
            lg2--;
        }
        k = (int)floor((double)lg2 * 0.30102999566398114) + 1;
    }
    if (k >= 0)
        (void)blis__big_mul_pow10(&s, k);
    else {
        (void)blis__big_mul_pow10(&r, -k);
        (void)blis__big_mul_pow10(&mp, -k);
        (void)blis__big_mul_pow10(&mm, -k);
    }
    for (;;) { /* too small a k: the upper bound reaches 1 */
        int c;
        (void)blis__big_add(&t, &r, &mp);
        c = blis__big_cmp(&t, &s);
        if (!(even ? c >= 0 : c > 0)) break;
        (void)blis__big_mul_pow10(&s, 1);
        k++;
    }
    for (;;) { /* too large a k: the first digit would be 0 */
        int c;
        (void)blis__big_add(&t, &r, &mp);
        (void)blis__big_mul_pow10(&t, 1);
        c = blis__big_cmp(&t, &s);
        if (even ? c >= 0 : c > 0) break;
        (void)blis__big_mul_pow10(&r, 1);
        (void)blis__big_mul_pow10(&mp, 1);
        (void)blis__big_mul_pow10(&mm, 1);
        k--;
    }
    for (;;) {
        int d = 0, low, high, c;
        (void)blis__big_mul_pow10(&r, 1);
        (void)blis__big_mul_pow10(&mp, 1);
        (void)blis__big_mul_pow10(&mm, 1);
        while (blis__big_cmp(&r, &s) >= 0) {
            blis__big_sub(&r, &s);
            d++;
        }
        c = blis__big_cmp(&r, &mm);
        low = even ? c <= 0 : c < 0;
        (void)blis__big_add(&t, &r, &mp);
        c = blis__big_cmp(&t, &s);
        high = even ? c >= 0 : c > 0;
        if (!low && !high && n < 16) {
            digits[n++] = (char)('0' + d);
            continue;
        }
        if (low && high) {
            (void)blis__big_add(&t, &r, &r);
            c = blis__big_cmp(&t, &s);
            if (c > 0 || (c == 0 && (d & 1))) d++;
        } else if (high) {
            d++;
        }
        while (d == 10 && n > 0) { /* carry (defensive; cannot happen with a correct k) */
            d = digits[--n] - '0' + 1;
        }
        if (d == 10) {
            d = 1;
            k++;
        }
        digits[n++] = (char)('0' + d);
        break;
    }
    while (n > 1 && digits[n - 1] == '0') n--;
    *exp10 = k;
    return n;
}

BLIS_DEF size_t blis_f64_format_go(double v, char *buf) {
    char d[17];
    int nd, dp, i;
    size_t n = 0;
    double a = v < 0 ? -v : v;
    if (v != v || a > DBL_MAX) {
        buf[0] = '\0';
        return 0;
    }
    if (signbit(v)) buf[n++] = '-';
    if (a == 0) {
        buf[n++] = '0';
        buf[n] = '\0';
        return n;
    }
    nd = blis_f64_shortest(a, d, &dp);
    if (a < 1e-6 || a >= 1e21) { /* 'e' notation, exponent at least 2 digits, then "e-0X" -> "e-X" */
        int x = dp - 1;
        buf[n++] = d[0];
        if (nd > 1) {
            buf[n++] = '.';
            for (i = 1; i < nd; i++) buf[n++] = d[i];
        }
        buf[n++] = 'e';
        buf[n++] = x < 0 ? '-' : '+';
        if (x < 0) x = -x;
        if (x >= 100) buf[n++] = (char)('0' + x / 100);
        if (x >= 10 || buf[n - 1] == '+') buf[n++] = (char)('0' + (x / 10) % 10);
        buf[n++] = (char)('0' + x % 10);
        buf[n] = '\0';
        return n;
    }
    if (dp > 0) {
        for (i = 0; i < dp; i++) buf[n++] = i < nd ? d[i] : '0';
    } else {
        buf[n++] = '0';
    }
    if (nd > dp) {
        buf[n++] = '.';
        for (i = dp; i < nd; i++) buf[n++] = i < 0 ? '0' : d[i];
    }
    buf[n] = '\0';
    return n;
}

static uint32_t blis__big_divmod_small(blis__big *b, uint32_t d) {
    uint64_t rem = 0;
    int i;
    for (i = b->n - 1; i >= 0; i--) {
        uint64_t cur = (rem << 32) | b->d[i];
        b->d[i] = (uint32_t)(cur / d);
        rem = cur % d;
    }
    while (b->n > 0 && b->d[b->n - 1] == 0) b->n--;
    return (uint32_t)rem;
}

/* "%.<decimals>f" of a finite v, correctly rounded (ties to even), without
 * printf (whose decimal point follows the locale). */
BLIS_DEF size_t blis_f64_format_fixed(double v, int decimals, char *buf, size_t size) {
    uint64_t bits, frac, f;
    int bexp, e, neg, i, nd = 0;
    blis__big n;
    char digits[400], tmp[420];
    size_t len = 0;
    if (!size) return 0;
    if (!isfinite(v)) v = 0;
    memcpy(&bits, &v, sizeof bits);
    neg = (int)(bits >> 63);
    frac = bits & (((uint64_t)1 << 52) - 1);
    bexp = (int)((bits >> 52) & 0x7FF);
    f = bexp ? frac | ((uint64_t)1 << 52) : frac;
    e = bexp ? bexp - 1075 : -1074;
    blis__big_set_u64(&n, f);
    if (decimals < 0) decimals = 0;
    if (decimals > 9) decimals = 9;
    (void)blis__big_mul_pow10(&n, decimals); /* value * 10^d = n * 2^e exactly */
    if (e >= 0) {
        (void)blis__big_shl(&n, e);
    } else { /* round n / 2^-e to an integer, ties to even */
        int below_half = blis__big_shr(&n, -e - 1), half_bit = n.n > 0 && (n.d[0] & 1);
        (void)blis__big_shr(&n, 1);
        if (half_bit && (below_half || (n.n > 0 && (n.d[0] & 1)))) (void)blis__big_mul_add_small(&n, 1, 1);
    }
    while (n.n > 0 && nd < (int)sizeof digits) digits[nd++] = (char)('0' + blis__big_divmod_small(&n, 10));
    while (nd < decimals + 1) digits[nd++] = '0';
    if (neg) tmp[len++] = '-';
    for (i = nd - 1; i >= 0; i--) {
        tmp[len++] = digits[i];
        if (i == decimals && decimals > 0) tmp[len++] = '.';
    }
    tmp[len] = '\0';
    if (len >= size) len = size - 1; /* cut, and say so by the length */
    memcpy(buf, tmp, len);
    buf[len] = '\0';
    return len;
}

/* ---- random numbers: Go math/rand (v1), bit for bit ----
 * The additive lagged-Fibonacci source (607 words, tap 273) seeded through
 * the Park-Miller generator, and the ziggurat normal and exponential
 * samplers of Marsaglia & Tsang. The tables below are computed by
 * tools/gen_rng_tables.c and equal Go's; the RNG tests recompute them. */

/* generated by tools/gen_rng_tables.c (make gen-rng-tables); do not edit */
static const uint64_t blis__rng_cooked[607] = {
    0xc5f74a33eb98ffeau, 0xc07b4a41ba965f5bu, 0x135ec513cb81af0fu, 0x4a04fb5ca74395ebu, 0xa7e8831c7710cf8eu,
    0x7d5de4e88f37c1c3u, 0x6321cf7743ff85a9u, 0x42cb06556a9ff961u, 0x6e26c8d140e8d7d2u, 0x49a7511f3411faa0u,
    0x71ed774922a65055u, 0x9d5c9fc65fea2d5cu, 0x3fbdab394a014368u, 0x70fa33596992340bu, 0xae10fb4ecea66a02u,
    0xf79fbca98bbcd18au, 0x97f7ccb12ea380acu, 0x0191d794caf32b1bu, 0x3f6a323424e32cafu, 0xc642cc921f01142bu,
    0xa122869f4ff38068u, 0xa5b1a31127af3920u, 0x5b07a4f9bdc29d96u, 0x6a2a973c29812586u, 0x6aa433dbf77a52e1u,
    0x8394216e3b8ac99eu, 0xdb80a9c5515b997cu, 0x03c3f2eff3cbf769u, 0xa6b5e431eeff210cu, 0x0ec85334992953f5u,
    0x2e6a1432df10d1e9u, 0xbde4629959d1b149u, 0x67994c3876387951u, 0x0e15d461559bae63u, 0xbdbf96c4e9d2a077u,
    0xb04f62866ada20f3u, 0x2190da1646db97bfu, 0x5071873c1832957au, 0x3e3b503a19da904bu, 0x33e388a5f2c78528u,
    0xbec70bac19d0e877u, 0x00256970f81bf072u, 0xf7d18a14f64fa886u, 0xa46ef978b4d4734cu, 0x782ff1573127a78eu,
    0x00241b0ad59beba6u, 0xdac549591fe95b2fu, 0x6195faf2884c2d39u, 0x569c2bbdb0ef345du, 0x0b8b6039508ce21eu,
    0xef1576705435d2bbu, 0x1d5e900af5f1d8f7u, 0x1e902d187d7fd437u, 0x7f227b7c8fe0eb79u, 0x38790e6201ebbb98u,
    0x44818eac7922e171u, 0x0658d6c550dad340u, 0x84bfb894cc72969au, 0xa7855141e3b329bdu, 0x9cb31556b1bae746u,
    0x3ca09004f9686f49u, 0x0c50146d7e508769u, 0xcd35d8ff935ac970u, 0xde9818b4aa1554d8u, 0x4df37efd6433daa0u,
    0xf591e9ad05b2e056u, 0x1767eb0bdbf83e29u, 0xb8247292535299f2u, 0xbae645975a5e4cebu, 0xecea78155c3bc32bu,
    0x4e295e5357ace86eu, 0x8b906a9a4fadbb08u, 0xfd50086af64463c9u, 0xad0385acfd19d6fcu, 0xbbe6d4a5e1d13a9fu,
    0xfc099f33b79b039cu, 0xd9782224840c5a35u, 0x174e38bc45d51acfu, 0x53f82f9f54de4e3eu, 0xe10dfa0a87b3ef0eu,
    0xea09d9ec7b439769u, 0x519ec3c7cc4c5011u, 0x0b47990fc413e3d5u, 0x3f07e07ecfce5be2u, 0xa5d2d0b8b71922beu,
    0x451eea1fc87cc761u, 0xc8505edef7f1d6ddu, 0xfb6ed78e001ce905u, 0xd7cc0a3644f468bau, 0x14c231db2e4429d0u,
    0xe21ccd9a90943dd3u, 0x664869f5288fc2d1u, 0xddc56f604e168fb5u, 0x4151e4abb0b1faf6u, 0xec9647e8cea7b927u,
    0x76a742187dbe61deu, 0x80778d4049780e3cu, 0x92714446c26ce413u, 0x65475bc019e7700bu, 0x0e08781d60d86d17u,
    0x9f0f0fe9d5f571e0u, 0x476e62bf33886e57u, 0x8c710cff524eb4e6u, 0x24e856a59e3899a5u, 0x549f7c8b5783189au,
    0x9808539c06020014u, 0xb8fc59eeb2515467u, 0xf38fff8b8499a614u, 0xf5a62be73a3d5222u, 0x508b82832b4c4838u,
    0xf5109fc7682ff8deu, 0xd31cadf15cc53f0cu, 0xc1720509406b5826u, 0xe900715210bc96fau, 0x0704fe3536d393fbu,
    0xc65c9b6eccaefb4au, 0x8bafc73092be4019u, 0x07f0b599d77889eau, 0x18de0a49b8fa589bu, 0x2f174e71c9830ff0u,
    0xb470b780a26785ddu, 0x20a6b76123b162beu, 0x91efbd24cdc58322u, 0xfb7bb75026b32623u, 0xd03d1caf9a1f04d0u,
    0xa5f0f909bcaee921u, 0x46aa7ced9d1c8e0bu, 0xfcd8a79e7a62b6f9u, 0x3ac4cf05bce83f14u, 0x45c579a008a037c4u,
    0x4053888e527912d0u, 0xf88fa0b2289f7b17u, 0x51fbaf5d2002bddau, 0x8ae403a812ca4784u, 0x0d7ea237329fa450u,
    0xcb3f04bf02b6f208u, 0xc796643e8a39ed33u, 0xfd92d79ed75b6419u, 0x216821c8b258e8acu, 0xe93d3aff7b46e931u,
    0x36b0858cfcb72b6au, 0xae5e3c9fe7ff1167u, 0x2af4c395391cc2a5u, 0xe6c4fd076feb7676u, 0x50efb5fb31ede773u,
    0x6d7f243359dbfcaeu, 0x7193e740340e0fdbu, 0x8ff51f73a4c6dd92u, 0x94534b6efa1ca966u, 0xc06a724520d70d41u,
    0x30cd16bd19120592u, 0x8d456b580c2cd6dcu, 0x5c62bc0d6a8429efu, 0x48744ea9b8e9395eu, 0x18ef14825c84aee1u,
    0x4a1e32b73a71e234u, 0x0fee6f27c45228c0u, 0x464e2e3be0d2e4a1u, 0x23bb67f482e16008u, 0x0f11b541e8247327u,
    0xae7df90c7d2aafd7u, 0x54e1f496142c391au, 0x1d400ef625fa4274u, 0x9906966610ce9e13u, 0x22455934d7c1ccdau,
    0xe6414239b7da9220u, 0xb49f9091f6275556u, 0x82916b3d64288abdu, 0x9f52d0a1c7066fa0u, 0x642a666cfb8cf0a1u,
    0x8c9d981db063ad83u, 0x63dfa26158b67e4au, 0xce3cfe36ebecc2dfu, 0xb6e4eb2ba55364ffu, 0x6fd2179e0d7717d1u,
    0xb971a2b7362247dbu, 0xdbe5cf25d510c53bu, 0x930f28ad73735261u, 0x5a95dd01047feb8bu, 0x30adb1407358b45au,
    0x7fb44776784c1083u, 0x1b20e8f4eb075406u, 0xdc275f40b6c7c0d9u, 0x732df8dda67b0f27u, 0xb62637afc484c885u,
    0x61c98649838bf631u, 0xdf061fee30277f58u, 0x95d322052dac1455u, 0x7ad30486e478aee9u, 0x3267221f4aced145u,
    0x479807052c3566b8u, 0xa8025350a77ea0b9u, 0x421a7ec2fc169cd3u, 0x57273ab05129a700u, 0xbae4f7fb719f43f2u,
    0x1c5bd857e8b8bf48u, 0xdad594186971f359u, 0x3f518aad9c427014u, 0x4c43c3b8cc8e8218u, 0x981fba566f92dfb7u,
    0x07acaac55435c0acu, 0x5fb0881038cbbc8fu, 0xf243b5556cbeba73u, 0x63149f303be79fd4u, 0xf6aade431f712475u,
    0x4cd2a557b6cbc24bu, 0x21bc6975c169de72u, 0xcaf78cf40c768134u, 0xf13cdd624a12159fu, 0xd573d0041b390d3eu,
    0x69ea8bd93bade806u, 0x578baf3d78cd61f2u, 0x3318a93a7f689dc9u, 0x2da7501cbdbe5235u, 0x5b6d448c9bb11200u,
    0x036566ca66f231b4u, 0xb89e51e9e2b737e4u, 0x704687541c9b68cfu, 0x28df28a35d2937c9u, 0x8bfeb2756944b0b5u,
    0x29c24143c2234e9cu, 0xf4fd794f8d02068fu, 0x0590f068df15e57du, 0xe4ad98adab8dc009u, 0x4155b1828194a406u,
    0xce463027d4ff743fu, 0xd306231168ec0845u, 0xae01984986c0c339u, 0xcc61983656980e5au, 0xb6b4b212af3d051au,
    0x70aaf14a706ce17au, 0x3547cbc995de3a40u, 0x6202b8d9e9e8565fu, 0x8a49ea181ddbac34u, 0x53a7bcb92853ce41u,
    0xa2aa132546a16f3au, 0xd6c166634bc92862u, 0x92ff6acebc93a071u, 0x7a403280a96cea51u, 0x5a183b8f81665a24u,
    0x222b4c80d2c0e464u, 0x859e3d4d58ba3aa6u, 0xb9a28389cb2fe563u, 0x83a20cb89512fee4u, 0xcbd691b061b30cbdu,
    0x8839baf8f3ac9f09u, 0x5ddf03b3edd1c4b8u, 0xf62694c4cb82ed09u, 0xd0c603b9879bd360u, 0x8558daf780426657u,
    0xc87fdb1b629e32abu, 0xd77938d516862fe1u, 0xe33a56962759ec00u, 0x051bc82f174b90d9u, 0xab3b5debcad25c86u,
    0xa8766bd0dd9b35dbu, 0x425f26b683ca1487u, 0x5d3c2b40a076f653u, 0x7464e98a72f8d634u, 0x2f02dd3eea4e7841u,
    0x40977fe842527877u, 0xfbf01ad4922b1d62u, 0xca959c2a8b4eea29u, 0x69ca7ca110533802u, 0x6b36496357247bd9u,
    0x7f7c07645ca7b232u, 0xb8c63fa50ae3677bu, 0xa0b7fd74703947d8u, 0x231fb1a0dc8ce079u, 0x16b63342b7c96e77u,
    0xcd39a909d7e68027u, 0x1427685b19caecddu, 0x9c9c6cd28e91b74du, 0x91c1fb790e0d3a54u, 0x7e67d3bdb81bb611u,
    0xd396fc0d89f6e211u, 0x457eacfbb049eb22u, 0x1de1979bf5654dd5u, 0x5d436ca7585d28cau, 0xd3d7e2863218d979u,
    0x2fa7be3ccf9d1645u, 0x1fb7a7e17b9eccb0u, 0x2b2b1fced929c282u, 0xd85a90375e64310du, 0xcb336a1611227dbdu,
    0x636925f5baf870cdu, 0x43e0d0254b84715eu, 0x080ec57577219247u, 0x175ee40f58fbd971u, 0x3d78cc365badbce1u,
    0x8495a07683903295u, 0x8f89c0d3396a3b53u, 0x639ba81c88d888a6u, 0x3faf8d9c775ca781u, 0xeac40d3f519d2893u,
    0x01fe31d8c7df7dc4u, 0x036d8003387dd6dbu, 0x8c0621f768220a97u, 0x59d6a8cc7a082707u, 0x2aea572af8467560u,
    0x1c910136c9fdf9c3u, 0xc73eddfe111385e2u, 0x79edb9a2a6a387dfu, 0xd556d17adcc5f6fbu, 0xf72709f96b28a3c7u,
    0x552d69f0428dce6au, 0x9cbbb4be9a92c216u, 0x4f37aef6caf41c5du, 0xd3431110cdd7a998u, 0x3c7c1de5b3cc1dcau,
    0x048311a7625eabd9u, 0x5ee41cb40ca81e2cu, 0x43385b68e51dbffcu, 0xd36a1f70d4f9a2ffu, 0xcaeaccb927b0cb5cu,
    0x3fddae4163e010e4u, 0x0e7f5452a8c91ee0u, 0x7e61315458970ccbu, 0x8b821c0b10054c75u, 0xc444cf11f9840608u,
    0x2536b7a7602f6b4du, 0x331786d5a126f97fu, 0xc9a9cd708372db93u, 0xd7e75a07542451dau, 0xa4e5a10d28659104u,
    0x9024ebcbf8b8e6afu, 0x08137c3380f32523u, 0x32a31118a95e425fu, 0xbd640b6140802b1eu, 0x967e3cd0f12b1c5fu,
    0x031089e87fbab9a7u, 0xf11bfbb3ba3e0841u, 0x3b7fc3ad0d1cd36bu, 0xbfb2f4d968b759c3u, 0x4c8475564905d202u,
    0xe0a80b2a6236fa83u, 0x86a5b8671a833ae3u, 0x79608828eb8fe58du, 0x032bcb9f5721e717u, 0x12d224e5dc7e16deu,
    0x29e68b8251e0d495u, 0x2bc04a7508cb08a3u, 0x85f835a648329d25u, 0x4d2799f797ec19a8u, 0x443aadc076f2ed10u,
    0x89357de277e46717u, 0xaf7907aeb63c9d6cu, 0x27ce6be004db5b35u, 0x9bbf0228d95bf1d8u, 0xae31e17b25e1b363u,
    0x23e9429e957db925u, 0x950e5fab3c7e6825u, 0x2aea3671bf9f5933u, 0xb2d2ef433932102cu, 0x0d7ed21ec77fc8c1u,
    0xea5f1280f48e6247u, 0x17b747cdf311ae42u, 0xe001060ea9fa838eu, 0xaca7508c5bccfc84u, 0xa3aaa0843f04f963u,
    0xf949f7a4e8ebd3a5u, 0x22876bdefd41df6cu, 0xc124724f07e69e7cu, 0xbf470df23d5aa6b4u, 0x2998352099f590b8u,
    0x11cc90f45895653du, 0x03550da1ab28f8d1u, 0x7842cc5c2b1b34dbu, 0x08b79b3694ac8400u, 0xbf72d50b84f96e2cu,
    0x947079f8eb08f590u, 0x696cb72182050872u, 0xd4885bc9ac36d5a7u, 0x6cb888b579fe97e1u, 0x629482105204e4fdu,
    0x3cef790816b93701u, 0xbda77a26be136556u, 0xfb8f861314dda828u, 0x08a2b7b803ae5bcfu, 0xd3c8a91ed0323140u,
    0x870001a0b867ec3eu, 0xe4f6c1f9b093dde5u, 0x8e086becbc0b8378u, 0x9e755197c06ffcc7u, 0x246705ee34f204f8u,
    0xc7927582d516264cu, 0xb3e17ba47546133cu, 0xa33f111b5caab4e2u, 0xa23d8e161443255eu, 0x48f128b344d0819cu,
    0x6cd122fb39ab204du, 0x5c2910bf238f36aau, 0x90aeac10e05f9bbau, 0x9d54b6b00fe42acau, 0xe88f64387a0fcdcbu,
    0xc45a205f01473609u, 0xc768ed8eb6b8c82du, 0xf225920d43fd23acu, 0x25bdad5a8a817964u, 0x7ebc9cefb9015aabu,
    0x3c1ee78fa4ea733du, 0xe30e85d1757922a4u, 0x61123dc5e081fe21u, 0xdc86c11079674e66u, 0x8918973fb91ab9fbu,
    0x00d4ee55ca6d8c2au, 0xd500476d5215b5b5u, 0xfc5068b3e2ea6d2au, 0x205da910dd23cb85u, 0x979b5e11369f775bu,
    0x2bc872747d65ead7u, 0x96ba83aa2ac19de7u, 0xa2258710d3a06bd5u, 0x02bcfbd9169343e7u, 0x88eecd99246b6273u,
    0x234b301b2d3c0302u, 0x3c61095d0931ecbfu, 0xc1fbeae253e44498u, 0x9bf8d56e39d28810u, 0xef025e3275852770u,
    0x3b81d83bc6a5b26du, 0x740e3af17358a76bu, 0x5a0491610c217837u, 0xb234c04ee9707bbau, 0xe8d67481cf12c324u,
    0x3dc1a80712de14dfu, 0x9646cd056265e405u, 0xc9ed5b85fe5de223u, 0xc034e6309514ca00u, 0xa55cb1a9ea35e9bdu,
    0x83585dac1418cf4cu, 0xc6bfe6b67ae71dfau, 0xedde6a8095841598u, 0x8c478074a66108d3u, 0x49f4fb28492601c4u,
    0x6c1f1e9a65e7acb8u, 0x44c3f220e0a3a35fu, 0xc4422797ac160d7eu, 0xa9bed55a11ad2c15u, 0x29bdbe2cde52ac8du,
    0xa2486ed01638fb0cu, 0x7be91fdd8fa25058u, 0x6d06c94a2118cf50u, 0xbe19f2b9fcb649e5u, 0x6da310d0ddefe702u,
    0x9db4d6197fe76870u, 0xa1a8e96dd484eb63u, 0xa2803dfd82f85916u, 0x3a1a0a44d7644c46u, 0x1a25188bb552aa62u,
    0xfa3eab18c620bd11u, 0x33d24f4edd10ea99u, 0x386d39256536cc6cu, 0x607e759efb2ba1e8u, 0x921ebb3d7c6c6071u,
    0x96ba6b088f86692fu, 0xb2bd2aeaeafed279u, 0xb70cc2def3ab10acu, 0x2b1c1284b0b6db2bu, 0xd7d4c4db5bbdff92u,
    0x3f5b8190a0a0241eu, 0x1b79f6457e60cfaeu, 0xa05c318c94181e91u, 0x3480a671b033e3d5u, 0x7579955efbbaa755u,
    0x2777c9f6d0c6b0d7u, 0x2a0f21c2f6662c43u, 0xc286b4bc45869bbcu, 0x3de266b1c86ed249u, 0x0596478ee80942c5u,
    0x6fd3618b2ee6ae1bu, 0x3f08073a3e5dea77u, 0x0e7847d01d6e71afu, 0xcd1f81afc4fbaafeu, 0x24be71c60778c940u,
    0x1dc2b6df046a9621u, 0xd0944e93950f6ccfu, 0xe2c767041ea34007u, 0x521bf9c9206576c6u, 0x866b7a2bd7715e51u,
    0x7a97753c8c793641u, 0x52daac19784a65e4u, 0x07d3110b7c73f7ebu, 0xa66b273fbcc429b7u, 0x16302dc85a75540au,
    0xc840d3700a56e4deu, 0xd6875303fcd05bffu, 0xabbeed06a5e32588u, 0x758a6526f8636a3au, 0x01be7adae8e62038u,
    0xc9b4bec75bc4f40au, 0xdc7a69ce0a9fc1c3u, 0xf93f853c0adbaa64u, 0xbe48b8658e39d5b6u, 0x5233cc88f307cb85u,
    0x81f48c566746e404u, 0xe6e72b2f3e111192u, 0x6ee3ad5d7b4333d5u, 0x3bebf80abf44e35eu, 0x324f3dfa2996372cu,
    0xa60900d584d3294fu, 0xcfb39707d3e017c8u, 0xd33cd1090a56f237u, 0xfae17ac7e5605d43u, 0xc8c0106f0ead4419u,
    0x89bba8037b2a60beu, 0x6999983c12a6557du, 0x29ecb289d4fc6351u, 0xdc4e3ec308888d22u, 0x2492188c7c1156a7u,
    0x476502781cf85a10u, 0x8e5d5db3b1c10b44u, 0x15bff6623ba91eb7u, 0x716a28bba3f09c65u, 0xd7f47607c92f30f1u,
    0x9e04907834879dadu, 0xa611c59795db7099u, 0x9a74c74315758aa3u, 0x536d4c40116f3239u, 0x52539ac587ad97d0u,
    0x1f1a1675f28959c3u, 0x8c6d78f5619e8324u, 0x2af1cfe563eff7adu, 0x3f9d2212e5c94b1du, 0x7e023d467b37b61fu,
    0xfaab76adabeee96bu, 0xcff95dd9926b62d1u, 0x3aa278a62172db76u, 0x9982abe519c8c867u, 0x34c2118df1f5857eu,
    0xfa7376b640136c80u, 0x98a7d04ca29ade2fu, 0x6d9f14b04d77e77eu, 0x4b3dad048bed47a1u, 0x4c9ee5e4931d3231u,
    0xbaf4eba543f33d0au, 0x793aafa07373d926u, 0x986ea60fe6b39a32u, 0xe31f344f666361e6u, 0xf21cbedc44c049cbu,
    0xc4f752a0eb5e5403u, 0xaf1b99e27d410520u, 0x592740a0e5b8c3ddu, 0x04fc4ea5fb446c97u, 0xad6e587f47afe7a6u,
    0xde542c137b8384a4u, 0x2a0ffc0f7b301e5cu, 0x820547300a5d8af4u, 0xd3c639c2087dc079u, 0x0a467ca8709a2bb6u,
    0xe242bb6bb4da36deu, 0x6079b0531ec90376u, 0x058ccf98dc1843f7u, 0x8417b417b011aec1u, 0xecdedd4ff0dd641bu,
    0x8c3787282349e832u, 0xd5f0bb8816e7e8fbu, 0x85b650480fd8c2f4u, 0x7d45aa734f760b6du, 0x5962428553d20814u,
    0x400e2ba01968e7c4u, 0x077e19b9a3f76000u, 0x1d17558f6164030cu, 0x79753148c0e6c59fu, 0x9a77d2f2ef3bd843u,
    0x666eb88d8701e16fu, 0x5572e7ce34288668u, 0xeb8d82b15491d607u, 0x77c265a71aebbe54u, 0x4947dddd6f3e9e07u,
    0x628dfe635c795586u, 0x22673e39d43ff99bu, 0x637e086dc78cf522u, 0xee37e3669f7e9c66u, 0x92d7bb47a4afe838u,
    0x1f9eabdfdbe2b7bdu, 0x324fca6af2b5c1d1u, 0x59e4a152525b1b29u, 0x7c91d10a8d75740eu, 0xcc7c533a7fca95d8u,
    0x1266fbf77386b1dbu, 0x689a66ba46d1c3bdu, 0x4bd671b124b5701au, 0x2c43fd0a9eaec04du, 0x58143117e4e16555u,
    0x8358c5bb1248ac23u, 0xaaf677bd80e30ac5u, 0xfc997227a4f07f8fu, 0xa848cc5d9cb0e150u, 0x640a711eb0e49b41u,
    0x64fcbfa01dca3978u, 0x980aab2fff6bc784u, 0x395c6750aa42e65eu, 0x287fea4c9695f3f4u, 0x9516361749f6428au,
    0xc977d592999f2194u, 0xc45166d9f6935ff8u, 0xa7f503a28f431ca9u, 0x51d3a3c351be10ecu, 0xf579e080162896e9u,
    0xe5b5e9385b202824u, 0xfbba1e4a59b0c60cu, 0xa8de655829aab207u, 0xe1de048dc78b382eu, 0x74535a96cc7adfd7u,
    0x7e57a19b735ef03bu, 0x39a00a3a31c025c6u,
};
static const uint32_t blis__zig_kn[128] = {
    0x76ad2212, 0x00000000, 0x600f1b53, 0x6ce447a6, 0x725b46a2, 0x7560051d, 0x774921eb, 0x789a25bd, 0x799045c3,
    0x7a4bce5d, 0x7adf629f, 0x7b5682a6, 0x7bb8a8c6, 0x7c0ae722, 0x7c50cce7, 0x7c8cec5b, 0x7cc12cd6, 0x7ceefed2,
    0x7d177e0b, 0x7d3b8883, 0x7d5bce6c, 0x7d78dd64, 0x7d932886, 0x7dab0e57, 0x7dc0dd30, 0x7dd4d688, 0x7de73185,
    0x7df81cea, 0x7e07c0a3, 0x7e163efa, 0x7e23b587, 0x7e303dfd, 0x7e3beec2, 0x7e46db77, 0x7e51155d, 0x7e5aabb3,
    0x7e63abf7, 0x7e6c222c, 0x7e741906, 0x7e7b9a18, 0x7e82adfa, 0x7e895c63, 0x7e8fac4b, 0x7e95a3fb, 0x7e9b4924,
    0x7ea0a0ef, 0x7ea5b00d, 0x7eaa7ac3, 0x7eaf04f3, 0x7eb3522a, 0x7eb765a5, 0x7ebb4259, 0x7ebeeafd, 0x7ec2620a,
    0x7ec5a9c4, 0x7ec8c441, 0x7ecbb365, 0x7ece78ed, 0x7ed11671, 0x7ed38d62, 0x7ed5df12, 0x7ed80cb4, 0x7eda175c,
    0x7edc0005, 0x7eddc78e, 0x7edf6ebf, 0x7ee0f647, 0x7ee25ebe, 0x7ee3a8a9, 0x7ee4d473, 0x7ee5e276, 0x7ee6d2f5,
    0x7ee7a620, 0x7ee85c10, 0x7ee8f4cd, 0x7ee97047, 0x7ee9ce59, 0x7eea0eca, 0x7eea3147, 0x7eea3568, 0x7eea1aab,
    0x7ee9e071, 0x7ee98602, 0x7ee90a88, 0x7ee86d08, 0x7ee7ac6a, 0x7ee6c769, 0x7ee5bc9c, 0x7ee48a67, 0x7ee32efc,
    0x7ee1a857, 0x7edff42f, 0x7ede0ffa, 0x7edbf8d9, 0x7ed9ab94, 0x7ed7248d, 0x7ed45fae, 0x7ed1585c, 0x7ece095f,
    0x7eca6ccb, 0x7ec67be2, 0x7ec22eee, 0x7ebd7d1a, 0x7eb85c35, 0x7eb2c075, 0x7eac9c20, 0x7ea5df27, 0x7e9e769f,
    0x7e964c16, 0x7e8d44ba, 0x7e834033, 0x7e781728, 0x7e6b9933, 0x7e5d8a1a, 0x7e4d9ded, 0x7e3b737a, 0x7e268c2f,
    0x7e0e3ff5, 0x7df1aa5d, 0x7dcf8c72, 0x7da61a1e, 0x7d72a0fb, 0x7d30e097, 0x7cd9b4ab, 0x7c600f1a, 0x7ba90bdc,
    0x7a722176, 0x77d664e5,
};
static const float blis__zig_wn[128] = {
    1.72904047e-09f, 1.26809285e-10f, 1.68975181e-10f, 1.98626879e-10f, 2.22324312e-10f, 2.42449366e-10f,
    2.60161309e-10f, 2.76119877e-10f, 2.90739627e-10f, 3.04299697e-10f, 3.16997956e-10f, 3.28980204e-10f,
    3.40357381e-10f, 3.51216028e-10f, 3.61625091e-10f, 3.71640579e-10f, 3.81308568e-10f, 3.90667582e-10f,
    3.99750122e-10f, 4.08584e-10f,    4.17193086e-10f, 4.25598223e-10f, 4.33817593e-10f, 4.41867209e-10f,
    4.49761312e-10f, 4.57512583e-10f, 4.65132405e-10f, 4.72631045e-10f, 4.80017748e-10f, 4.87300977e-10f,
    4.94488506e-10f, 5.01587327e-10f, 5.08604048e-10f, 5.15544607e-10f, 5.22414667e-10f, 5.29219335e-10f,
    5.35963496e-10f, 5.42651701e-10f, 5.49288171e-10f, 5.55876956e-10f, 5.62421887e-10f, 5.68926461e-10f,
    5.75394121e-10f, 5.81828197e-10f, 5.88231686e-10f, 5.94607696e-10f, 6.00959005e-10f, 6.07288386e-10f,
    6.13598505e-10f, 6.19892027e-10f, 6.26171337e-10f, 6.32439046e-10f, 6.38697373e-10f, 6.44948817e-10f,
    6.51195597e-10f, 6.57440047e-10f, 6.6368433e-10f,  6.69930722e-10f, 6.76181444e-10f, 6.82438717e-10f,
    6.88704649e-10f, 6.94981517e-10f, 7.01271485e-10f, 7.07576775e-10f, 7.13899662e-10f, 7.20242421e-10f,
    7.26607274e-10f, 7.32996608e-10f, 7.39412809e-10f, 7.45858264e-10f, 7.52335472e-10f, 7.58846985e-10f,
    7.65395414e-10f, 7.71983477e-10f, 7.78613951e-10f, 7.85289722e-10f, 7.92013788e-10f, 7.98789201e-10f,
    8.05619238e-10f, 8.12507284e-10f, 8.19456891e-10f, 8.26471669e-10f, 8.33555558e-10f, 8.40712722e-10f,
    8.47947323e-10f, 8.55264026e-10f, 8.62667549e-10f, 8.70163164e-10f, 8.77756201e-10f, 8.85452434e-10f,
    8.9325819e-10f,  9.01179964e-10f, 9.09224973e-10f, 9.17400822e-10f, 9.25715837e-10f, 9.34178845e-10f,
    9.42799727e-10f, 9.51588919e-10f, 9.60557855e-10f, 9.69719305e-10f, 9.79086923e-10f, 9.8867603e-10f,
    9.98503613e-10f, 1.00858821e-09f, 1.01895092e-09f, 1.02961506e-09f, 1.04060693e-09f, 1.05195663e-09f,
    1.06369802e-09f, 1.07587017e-09f, 1.08851828e-09f, 1.10169474e-09f, 1.11546106e-09f, 1.12989018e-09f,
    1.14506959e-09f, 1.16110521e-09f, 1.1781276e-09f,  1.1962995e-09f,  1.21582866e-09f, 1.23698563e-09f,
    1.26013233e-09f, 1.28576971e-09f, 1.31462019e-09f, 1.347784e-09f,   1.38706358e-09f, 1.4357403e-09f,
    1.50086588e-09f, 1.60309477e-09f,
};
static const float blis__zig_fn[128] = {
    1.0f,           0.963599682f,   0.936282694f,  0.913043618f,  0.892281651f,  0.873243034f,  0.855500579f,
    0.838783622f,   0.822907209f,   0.807738304f,  0.793177009f,  0.779146075f,  0.765584171f,  0.752441585f,
    0.73967725f,    0.727256894f,   0.715151489f,  0.70333612f,   0.69178915f,   0.680491865f,  0.669427693f,
    0.658581972f,   0.647941828f,   0.637495458f,  0.627232492f,  0.617143393f,  0.607219517f,  0.597453177f,
    0.58783704f,    0.57836467f,    0.569029987f,  0.559827387f,  0.550751805f,  0.541798353f,  0.53296268f,
    0.524240553f,   0.515628219f,   0.50712204f,   0.498718649f,  0.490414828f,  0.482207656f,  0.474094301f,
    0.466072142f,   0.458138704f,   0.450291634f,  0.442528725f,  0.434847832f,  0.427246988f,  0.419724345f,
    0.412278026f,   0.404906422f,   0.397607863f,  0.3903808f,    0.383223802f,  0.376135468f,  0.369114459f,
    0.362159491f,   0.355269372f,   0.348442972f,  0.341679156f,  0.334976852f,  0.328335106f,  0.321752906f,
    0.315229386f,   0.308763623f,   0.302354842f,  0.29600215f,   0.289704859f,  0.283462197f,  0.277273506f,
    0.271138072f,   0.265055299f,   0.25902456f,   0.253045291f,  0.247116953f,  0.241238996f,  0.235410944f,
    0.229632318f,   0.223902702f,   0.21822165f,   0.212588772f,  0.207003713f,  0.201466113f,  0.195975646f,
    0.190532044f,   0.185134992f,   0.179784268f,  0.174479634f,  0.169220895f,  0.164007857f,  0.158840373f,
    0.153718308f,   0.148641571f,   0.143610075f,  0.138623774f,  0.133682653f,  0.128786713f,  0.123935983f,
    0.119130544f,   0.11437051f,    0.109656021f,  0.104987256f,  0.100364439f,  0.0957878456f, 0.0912578031f,
    0.0867746696f,  0.0823388994f,  0.0779509842f, 0.0736115053f, 0.0693211183f, 0.0650805831f, 0.0608907714f,
    0.0567526631f,  0.0526674017f,  0.0486362949f, 0.0446608625f, 0.0407428667f, 0.0368843898f, 0.0330878869f,
    0.0293563176f,  0.0256932918f,  0.022103304f,  0.0185921025f, 0.0151672978f, 0.0118394783f, 0.00862448476f,
    0.00554899499f, 0.00266962918f,
};
static const uint32_t blis__zig_ke[256] = {
    0xe290a139, 0x00000000, 0x9beadebc, 0xc377ac71, 0xd4ddb990, 0xde893fb8, 0xe4a8e87c, 0xe8dff16a, 0xebf2deab,
    0xee49a6e8, 0xf0204efd, 0xf19bdb8e, 0xf2d458bb, 0xf3da104b, 0xf4b86d78, 0xf577ad8a, 0xf61de83d, 0xf6afb784,
    0xf730a573, 0xf7a37651, 0xf80a5bb6, 0xf867189d, 0xf8bb1b4f, 0xf9079062, 0xf94d70ca, 0xf98d8c7d, 0xf9c8928a,
    0xf9ff175b, 0xfa319996, 0xfa6085f8, 0xfa8c3a62, 0xfab5084e, 0xfadb36c8, 0xfaff0410, 0xfb20a6ea, 0xfb404fb4,
    0xfb5e2951, 0xfb7a59e9, 0xfb95038c, 0xfbae44ba, 0xfbc638d8, 0xfbdcf892, 0xfbf29a30, 0xfc0731df, 0xfc1ad1ed,
    0xfc2d8b02, 0xfc3f6c4d, 0xfc5083ac, 0xfc60ddd1, 0xfc708662, 0xfc7f8810, 0xfc8decb4, 0xfc9bbd62, 0xfca9027c,
    0xfcb5c3c3, 0xfcc20864, 0xfccdd70a, 0xfcd935e3, 0xfce42ab0, 0xfceebace, 0xfcf8eb3b, 0xfd02c0a0, 0xfd0c3f59,
    0xfd156b7b, 0xfd1e48d6, 0xfd26daff, 0xfd2f2552, 0xfd372af7, 0xfd3eeee5, 0xfd4673e7, 0xfd4dbc9e, 0xfd54cb85,
    0xfd5ba2f2, 0xfd62451b, 0xfd68b415, 0xfd6ef1da, 0xfd750047, 0xfd7ae120, 0xfd809612, 0xfd8620b4, 0xfd8b8285,
    0xfd90bcf5, 0xfd95d15e, 0xfd9ac10b, 0xfd9f8d36, 0xfda43708, 0xfda8bf9e, 0xfdad2806, 0xfdb17141, 0xfdb59c46,
    0xfdb9a9fd, 0xfdbd9b46, 0xfdc170f6, 0xfdc52bd8, 0xfdc8ccac, 0xfdcc542d, 0xfdcfc30b, 0xfdd319ef, 0xfdd6597a,
    0xfdd98245, 0xfddc94e5, 0xfddf91e6, 0xfde279ce, 0xfde54d1f, 0xfde80c52, 0xfdeab7de, 0xfded5034, 0xfdefd5be,
    0xfdf248e3, 0xfdf4aa06, 0xfdf6f984, 0xfdf937b6, 0xfdfb64f4, 0xfdfd818d, 0xfdff8dd0, 0xfe018a08, 0xfe03767a,
    0xfe05536c, 0xfe07211c, 0xfe08dfc9, 0xfe0a8fab, 0xfe0c30fb, 0xfe0dc3ec, 0xfe0f48b1, 0xfe10bf76, 0xfe122869,
    0xfe1383b4, 0xfe14d17c, 0xfe1611e7, 0xfe174516, 0xfe186b2a, 0xfe19843e, 0xfe1a9070, 0xfe1b8fd6, 0xfe1c8289,
    0xfe1d689b, 0xfe1e4220, 0xfe1f0f26, 0xfe1fcfbc, 0xfe2083ed, 0xfe212bc3, 0xfe21c745, 0xfe225678, 0xfe22d95f,
    0xfe234ffb, 0xfe23ba4a, 0xfe241849, 0xfe2469f2, 0xfe24af3c, 0xfe24e81e, 0xfe25148b, 0xfe253474, 0xfe2547c7,
    0xfe254e70, 0xfe25485a, 0xfe25356a, 0xfe251586, 0xfe24e88f, 0xfe24ae64, 0xfe2466e1, 0xfe2411df, 0xfe23af34,
    0xfe233eb4, 0xfe22c02c, 0xfe22336b, 0xfe219838, 0xfe20ee58, 0xfe20358c, 0xfe1f6d92, 0xfe1e9621, 0xfe1daef0,
    0xfe1cb7ac, 0xfe1bb002, 0xfe1a9798, 0xfe196e0d, 0xfe1832fd, 0xfe16e5fe, 0xfe15869d, 0xfe141464, 0xfe128ed3,
    0xfe10f565, 0xfe0f478c, 0xfe0d84b1, 0xfe0bac36, 0xfe09bd73, 0xfe07b7b5, 0xfe059a40, 0xfe03644c, 0xfe011504,
    0xfdfeab88, 0xfdfc26e9, 0xfdf98629, 0xfdf6c83b, 0xfdf3ec01, 0xfdf0f04a, 0xfdedd3d1, 0xfdea953d, 0xfde7331e,
    0xfde3abe9, 0xfddffdfb, 0xfddc2791, 0xfdd826cd, 0xfdd3f9a8, 0xfdcf9dfc, 0xfdcb1176, 0xfdc65198, 0xfdc15bb3,
    0xfdbc2ce2, 0xfdb6c206, 0xfdb117be, 0xfdab2a63, 0xfda4f5fd, 0xfd9e7640, 0xfd97a67a, 0xfd908192, 0xfd8901f2,
    0xfd812182, 0xfd78d98e, 0xfd7022bb, 0xfd66f4ed, 0xfd5d4732, 0xfd530f9c, 0xfd48432b, 0xfd3cd59a, 0xfd30b936,
    0xfd23dea4, 0xfd16349e, 0xfd07a7a3, 0xfcf8219b, 0xfce7895b, 0xfcd5c220, 0xfcc2aadb, 0xfcae1d5e, 0xfc97ed4e,
    0xfc7fe6d4, 0xfc65ccf3, 0xfc495762, 0xfc2a2fc8, 0xfc07ee19, 0xfbe213c1, 0xfbb8051a, 0xfb890078, 0xfb5411a5,
    0xfb180005, 0xfad33482, 0xfa839276, 0xfa263b32, 0xf9b72d1c, 0xf930a1a2, 0xf889f023, 0xf7b577d2, 0xf69c650c,
    0xf51530f0, 0xf2cb0e3c, 0xeeefb15d, 0xe6da6ecf,
};
static const float blis__zig_we[256] = {
    2.02495554e-09f, 1.48667398e-11f, 2.44096167e-11f, 3.19688061e-11f, 3.84467701e-11f, 4.42282044e-11f,
    4.9516443e-11f,  5.44335896e-11f, 5.90594379e-11f, 6.34494193e-11f, 6.76438142e-11f, 7.16729454e-11f,
    7.55603219e-11f, 7.93245816e-11f, 8.29807889e-11f, 8.65413227e-11f, 9.00165151e-11f, 9.34150743e-11f,
    9.67444319e-11f, 1.00010993e-10f, 1.03220314e-10f, 1.06377254e-10f, 1.09486115e-10f, 1.12550677e-10f,
    1.15574349e-10f, 1.18560148e-10f, 1.21510829e-10f, 1.24428856e-10f, 1.27316477e-10f, 1.30175745e-10f,
    1.33008535e-10f, 1.35816566e-10f, 1.38601422e-10f, 1.41364573e-10f, 1.44107379e-10f, 1.46831075e-10f,
    1.49536869e-10f, 1.52225829e-10f, 1.54898996e-10f, 1.57557328e-10f, 1.60201713e-10f, 1.62833011e-10f,
    1.65452027e-10f, 1.68059511e-10f, 1.7065617e-10f,  1.73242698e-10f, 1.75819734e-10f, 1.78387874e-10f,
    1.80947743e-10f, 1.83499854e-10f, 1.86044763e-10f, 1.88582983e-10f, 1.91114985e-10f, 1.93641256e-10f,
    1.96162225e-10f, 1.98678352e-10f, 2.01190037e-10f, 2.03697684e-10f, 2.06201681e-10f, 2.08702403e-10f,
    2.11200224e-10f, 2.13695506e-10f, 2.16188553e-10f, 2.18679741e-10f, 2.21169361e-10f, 2.23657745e-10f,
    2.261452e-10f,   2.28632016e-10f, 2.31118499e-10f, 2.33604941e-10f, 2.36091591e-10f, 2.3857874e-10f,
    2.41066667e-10f, 2.4355562e-10f,  2.46045878e-10f, 2.4853769e-10f,  2.51031279e-10f, 2.53526949e-10f,
    2.56024896e-10f, 2.58525396e-10f, 2.61028671e-10f, 2.63534944e-10f, 2.66044464e-10f, 2.68557454e-10f,
    2.71074163e-10f, 2.73594786e-10f, 2.76119599e-10f, 2.78648771e-10f, 2.81182549e-10f, 2.83721185e-10f,
    2.86264845e-10f, 2.88813806e-10f, 2.91368263e-10f, 2.93928409e-10f, 2.96494523e-10f, 2.99066771e-10f,
    3.01645403e-10f, 3.04230641e-10f, 3.06822678e-10f, 3.09421766e-10f, 3.12028126e-10f, 3.14641951e-10f,
    3.17263521e-10f, 3.19893001e-10f, 3.22530641e-10f, 3.25176691e-10f, 3.27831345e-10f, 3.30494854e-10f,
    3.33167438e-10f, 3.35849376e-10f, 3.38540834e-10f, 3.41242118e-10f, 3.43953421e-10f, 3.46674994e-10f,
    3.49407114e-10f, 3.52150031e-10f, 3.54903967e-10f, 3.57669172e-10f, 3.60445951e-10f, 3.63234554e-10f,
    3.66035202e-10f, 3.6884823e-10f,  3.71673858e-10f, 3.74512393e-10f, 3.77364112e-10f, 3.80229292e-10f,
    3.83108267e-10f, 3.86001286e-10f, 3.88908655e-10f, 3.91830707e-10f, 3.94767746e-10f, 3.97720079e-10f,
    4.00688038e-10f, 4.03671957e-10f, 4.06672168e-10f, 4.09689005e-10f, 4.12722856e-10f, 4.15774054e-10f,
    4.1884296e-10f,  4.21929935e-10f, 4.25035396e-10f, 4.28159702e-10f, 4.31303299e-10f, 4.34466518e-10f,
    4.37649861e-10f, 4.40853687e-10f, 4.44078468e-10f, 4.4732465e-10f,  4.50592674e-10f, 4.53883015e-10f,
    4.57196198e-10f, 4.60532668e-10f, 4.63892924e-10f, 4.6727755e-10f,  4.70686989e-10f, 4.74121908e-10f,
    4.77582751e-10f, 4.81070184e-10f, 4.84584817e-10f, 4.8812715e-10f,  4.9169796e-10f,  4.95297747e-10f,
    4.98927288e-10f, 5.0258725e-10f,  5.06278353e-10f, 5.10001319e-10f, 5.1375687e-10f,  5.1754584e-10f,
    5.21369004e-10f, 5.25227251e-10f, 5.29121358e-10f, 5.33052213e-10f, 5.37020817e-10f, 5.41028056e-10f,
    5.45074985e-10f, 5.49162493e-10f, 5.53291801e-10f, 5.57463853e-10f, 5.61679925e-10f, 5.65941072e-10f,
    5.70248571e-10f, 5.74603698e-10f, 5.79007731e-10f, 5.83462112e-10f, 5.8796823e-10f,  5.92527583e-10f,
    5.97141725e-10f, 6.01812211e-10f, 6.06540818e-10f, 6.11329209e-10f, 6.1617933e-10f,  6.21092955e-10f,
    6.26072194e-10f, 6.31119157e-10f, 6.36235953e-10f, 6.41424969e-10f, 6.46688536e-10f, 6.52029264e-10f,
    6.57449761e-10f, 6.62952859e-10f, 6.68541555e-10f, 6.74218792e-10f, 6.7998801e-10f,  6.85852597e-10f,
    6.9181616e-10f,  6.97882585e-10f, 7.0405598e-10f,  7.10340675e-10f, 7.16741222e-10f, 7.23262561e-10f,
    7.29909855e-10f, 7.36688599e-10f, 7.43604733e-10f, 7.50664531e-10f, 7.57874763e-10f, 7.65242647e-10f,
    7.72775954e-10f, 7.80483012e-10f, 7.88372811e-10f, 7.96455069e-10f, 8.04740219e-10f, 8.13239642e-10f,
    8.21965718e-10f, 8.30931879e-10f, 8.40152781e-10f, 8.49644521e-10f, 8.59424698e-10f, 8.6951274e-10f,
    8.79930073e-10f, 8.90700458e-10f, 9.01850317e-10f, 9.13409182e-10f, 9.25410082e-10f, 9.37890432e-10f,
    9.50892254e-10f, 9.64463842e-10f, 9.78660264e-10f, 9.93544802e-10f, 1.00919129e-09f, 1.02568598e-09f,
    1.04313058e-09f, 1.06164655e-09f, 1.08137999e-09f, 1.10250964e-09f, 1.12525644e-09f, 1.14989862e-09f,
    1.17679322e-09f, 1.20640897e-09f, 1.2393786e-09f,  1.27658495e-09f, 1.31931388e-09f, 1.36954348e-09f,
    1.43054979e-09f, 1.50836499e-09f, 1.61608538e-09f, 1.79212478e-09f,
};
static const float blis__zig_fe[256] = {
    1.0f,           0.938143671f,   0.900469959f,    0.87170434f,     0.847785473f,   0.826993287f,   0.808421671f,
    0.791527629f,   0.775956869f,   0.761463404f,    0.747868598f,    0.735038102f,   0.722867668f,   0.711274743f,
    0.70019263f,    0.689566493f,   0.679350555f,    0.669506311f,    0.660000861f,   0.650805831f,   0.641896725f,
    0.633251965f,   0.624852717f,   0.616682172f,    0.608725369f,    0.600968957f,   0.593400896f,   0.586010337f,
    0.578787386f,   0.571723044f,   0.564809203f,    0.558038294f,    0.551403403f,   0.544898212f,   0.538516879f,
    0.532253861f,   0.526104212f,   0.520063162f,    0.51412642f,     0.508289754f,   0.502549529f,   0.496901989f,
    0.491343856f,   0.485872f,      0.480483353f,    0.475175202f,    0.469944835f,   0.464789748f,   0.459707618f,
    0.454696149f,   0.449753255f,   0.444876879f,    0.440065116f,    0.435316116f,   0.430628151f,   0.425999552f,
    0.42142874f,    0.416914195f,   0.412454456f,    0.408048183f,    0.403694004f,   0.399390697f,   0.395136982f,
    0.390931726f,   0.386773825f,   0.382662177f,    0.378595769f,    0.374573559f,   0.370594651f,   0.366658092f,
    0.362762988f,   0.358908474f,   0.355093747f,    0.351318002f,    0.347580492f,   0.343880445f,   0.340217143f,
    0.336589903f,   0.332998067f,   0.329440951f,    0.325917959f,    0.322428495f,   0.318971902f,   0.315547675f,
    0.312155247f,   0.308794081f,   0.305463612f,    0.302163392f,    0.298892915f,   0.295651704f,   0.292439282f,
    0.289255232f,   0.286099076f,   0.282970428f,    0.279868841f,    0.276793927f,   0.273745298f,   0.270722598f,
    0.267725408f,   0.264753431f,   0.26180625f,     0.258883536f,    0.255985022f,   0.25311029f,    0.250259072f,
    0.24743107f,    0.244625971f,   0.241843462f,    0.23908329f,     0.236345157f,   0.23362878f,    0.23093392f,
    0.228260294f,   0.225607663f,   0.222975761f,    0.220364377f,    0.217773244f,   0.215202153f,   0.212650865f,
    0.210119158f,   0.207606822f,   0.205113649f,    0.202639446f,    0.200183973f,   0.197747067f,   0.195328519f,
    0.19292815f,    0.190545768f,   0.188181207f,    0.185834259f,    0.18350479f,    0.181192607f,   0.178897545f,
    0.176619455f,   0.174358174f,   0.172113538f,    0.169885397f,    0.167673618f,   0.165478036f,   0.163298532f,
    0.161134943f,   0.158987135f,   0.156854987f,    0.154738367f,    0.152637139f,   0.150551185f,   0.148480371f,
    0.146424592f,   0.144383729f,   0.142357647f,    0.140346244f,    0.138349429f,   0.136367068f,   0.134399071f,
    0.13244532f,    0.130505741f,   0.128580198f,    0.126668632f,    0.124770917f,   0.122886978f,   0.121016718f,
    0.119160056f,   0.117316902f,   0.115487166f,    0.113670766f,    0.111867629f,   0.110077679f,   0.108300827f,
    0.106537007f,   0.104786143f,   0.103048161f,    0.101323001f,    0.099610582f,   0.0979108512f,  0.0962237418f,
    0.0945491865f,  0.0928871334f,  0.0912375152f,   0.0896002799f,   0.0879753754f,  0.0863627419f,  0.0847623274f,
    0.0831740946f,  0.0815979838f,  0.0800339505f,   0.0784819499f,   0.0769419447f,  0.0754138902f,  0.0738977492f,
    0.0723934844f,  0.0709010586f,  0.0694204345f,   0.0679515898f,   0.0664944947f,  0.0650491193f,  0.0636154339f,
    0.0621934161f,  0.0607830472f,  0.059384305f,    0.0579971746f,   0.0566216409f,  0.0552576892f,  0.053905312f,
    0.0525644943f,  0.0512352362f,  0.049917534f,    0.0486113839f,   0.0473167934f,  0.0460337624f,  0.0447622985f,
    0.0435024127f,  0.0422541238f,  0.0410174429f,   0.0397923924f,   0.0385789946f,  0.037377283f,   0.0361872837f,
    0.0350090377f,  0.0338425823f,  0.0326879621f,   0.031545233f,    0.0304144435f,  0.0292956606f,  0.0281889495f,
    0.0270943847f,  0.0260120463f,  0.0249420255f,   0.0238844212f,   0.0228393357f,  0.0218068883f,  0.0207872037f,
    0.0197804235f,  0.0187867004f,  0.0178062003f,   0.0168391075f,   0.0158856213f,  0.0149459681f,  0.0140203917f,
    0.0131091652f,  0.0122125922f,  0.0113310134f,   0.0104648098f,   0.0096144136f,  0.00878031459f, 0.00796307717f,
    0.00716335326f, 0.0063819061f,  0.00561964232f,  0.00487765577f,  0.00415729498f, 0.00346026476f, 0.00278879888f,
    0.00214596768f, 0.00153629982f, 0.000967269298f, 0.000454134366f,
};

#define BLIS__RNG_TAP 273
#define BLIS__RNG_M   2147483647 /* 2^31 - 1 */

static int32_t blis__seedrand(int32_t x) { /* x' = 48271 x mod (2^31 - 1), Schrage's method */
    int32_t hi = x / 44488, lo = x % 44488;
    x = 48271 * lo - 3399 * hi;
    return x < 0 ? x + BLIS__RNG_M : x;
}

BLIS_DEF void blis_rng_seed(blis_rng *r, int64_t seed) {
    int32_t x;
    int i;
    r->tap = 0;
    r->feed = BLIS_RNG_LEN - BLIS__RNG_TAP;
    seed %= BLIS__RNG_M;
    if (seed < 0) seed += BLIS__RNG_M;
    if (seed == 0) seed = 89482311;
    x = (int32_t)seed;
    for (i = -20; i < BLIS_RNG_LEN; i++) {
        x = blis__seedrand(x);
        if (i >= 0) {
            uint64_t u = (uint64_t)(int64_t)x << 40;
            x = blis__seedrand(x);
            u ^= (uint64_t)(int64_t)x << 20;
            x = blis__seedrand(x);
            u ^= (uint64_t)(int64_t)x;
            r->vec[i] = u ^ blis__rng_cooked[i];
        }
    }
}

BLIS_DEF int64_t blis_rng_int63(blis_rng *r) {
    uint64_t x;
    if (--r->tap < 0) r->tap += BLIS_RNG_LEN;
    if (--r->feed < 0) r->feed += BLIS_RNG_LEN;
    x = r->vec[r->feed] + r->vec[r->tap];
    r->vec[r->feed] = x;
    return (int64_t)(x & 0x7FFFFFFFFFFFFFFFull);
}

BLIS_DEF uint32_t blis_rng_uint32(blis_rng *r) { return (uint32_t)(blis_rng_int63(r) >> 31); }
BLIS_DEF int32_t blis_rng_int31(blis_rng *r) { return (int32_t)(blis_rng_int63(r) >> 32); }

/* Intn(BLIS_MAX_TOKEN_ID) with the bound a constant (the modulo becomes a
 * multiplication): the same values as blis_rng_intn, token after token. */
#define BLIS__TOKEN_MAX_ACCEPT ((int32_t)(((uint32_t)1 << 31) - 1 - ((uint32_t)1 << 31) % (uint32_t)BLIS_MAX_TOKEN_ID))
static int64_t blis__rng_token(blis_rng *r) {
    int32_t v = blis_rng_int31(r);
    while (v > BLIS__TOKEN_MAX_ACCEPT) v = blis_rng_int31(r);
    return (int64_t)((uint32_t)v % (uint32_t)BLIS_MAX_TOKEN_ID);
}

/* n token IDs as n blis__rng_token calls draw them (out NULL: drawn, not
 * kept). The generator steps a stretch at a time: while neither index
 * wraps and for at most BLIS__RNG_TAP draws, a draw's write (at feed) is
 * never another's read (tap = feed + 273 mod 607), so the stretch is one
 * plain loop over disjoint ranges (its k-th entry is draw c-1-k); the
 * rejected draws are skipped, and as many more drawn as were rejected. */
static void blis__rng_tokens(blis_rng *r, int64_t *out, int64_t n) {
    uint64_t raw[BLIS__RNG_TAP];
    while (n > 0) {
        size_t f = r->feed > 0 ? (size_t)r->feed : BLIS_RNG_LEN, t = r->tap > 0 ? (size_t)r->tap : BLIS_RNG_LEN;
        size_t c = n < BLIS__RNG_TAP ? (size_t)n : BLIS__RNG_TAP, k;
        uint64_t *BLIS__RESTRICT vf;
        const uint64_t *BLIS__RESTRICT vt;
        if (c > f) c = f;
        if (c > t) c = t;
        vf = r->vec + f - c; /* positions f-c .. f-1; draw order is f-1 down to f-c */
        vt = r->vec + t - c;
        for (k = 0; k < c; k++) raw[k] = vf[k] = vf[k] + vt[k];
        r->feed = (int)(f - c);
        r->tap = (int)(t - c);
        if (!out) { /* the accepted draws counted, in any order */
            int64_t accepted = 0;
            for (k = 0; k < c; k++)
                accepted += (int32_t)((raw[k] & 0x7FFFFFFFFFFFFFFFull) >> 32) <= BLIS__TOKEN_MAX_ACCEPT;
            n -= accepted;
            continue;
        }
        for (k = c; k-- > 0;) {
            int32_t v = (int32_t)((raw[k] & 0x7FFFFFFFFFFFFFFFull) >> 32);
            if (v > BLIS__TOKEN_MAX_ACCEPT) continue;
            *out++ = (int64_t)((uint32_t)v % (uint32_t)BLIS_MAX_TOKEN_ID);
            n--;
        }
    }
}

BLIS_DEF int64_t blis_rng_intn(blis_rng *r, int64_t n) {
    if (n <= 0) return 0; /* Go panics; callers validate n */
    if (n <= 0x7FFFFFFF) {
        int32_t n32 = (int32_t)n, v, max;
        if ((n32 & (n32 - 1)) == 0) return blis_rng_int31(r) & (n32 - 1);
        max = (int32_t)(((uint32_t)1 << 31) - 1 - ((uint32_t)1 << 31) % (uint32_t)n32);
        v = blis_rng_int31(r);
        while (v > max) v = blis_rng_int31(r);
        return v % n32;
    } else {
        int64_t v, max;
        if ((n & (n - 1)) == 0) return blis_rng_int63(r) & (n - 1);
        max = (int64_t)(((uint64_t)1 << 63) - 1 - ((uint64_t)1 << 63) % (uint64_t)n);
        v = blis_rng_int63(r);
        while (v > max) v = blis_rng_int63(r);
        return v % n;
    }
}

BLIS_DEF double blis_rng_float64(blis_rng *r) {
    for (;;) {
        double f = (double)blis_rng_int63(r) / 9223372036854775808.0; /* 2^63 */
        if (f != 1.0) return f;
    }
}

BLIS_DEF double blis_rng_norm_float64(blis_rng *r) {
    const double rn = 3.442619855899;
    for (;;) {
        int32_t j = (int32_t)blis_rng_uint32(r);
        int32_t i = j & 0x7F;
        double x = (double)j * (double)blis__zig_wn[i];
        uint32_t absj = j < 0 ? (uint32_t)0 - (uint32_t)j : (uint32_t)j;
        if (absj < blis__zig_kn[i]) return x;
        if (i == 0) { /* the base strip: sample the tail */
            for (;;) {
                double y;
                x = -log(blis_rng_float64(r)) * (1.0 / rn);
                y = -log(blis_rng_float64(r));
                if (y + y >= x * x) break;
            }
            return j > 0 ? rn + x : -rn - x;
        }
        if (blis__zig_fn[i] + (float)blis_rng_float64(r) * (blis__zig_fn[i - 1] - blis__zig_fn[i]) <
            (float)exp(-.5 * x * x))
            return x;
    }
}

BLIS_DEF double blis_rng_exp_float64(blis_rng *r) {
    const double re = 7.69711747013104972;
    for (;;) {
        uint32_t j = blis_rng_uint32(r);
        uint32_t i = j & 0xFF;
        double x = (double)j * (double)blis__zig_we[i];
        if (j < blis__zig_ke[i]) return x;
        if (i == 0) return re - log(blis_rng_float64(r));
        if (blis__zig_fe[i] + (float)blis_rng_float64(r) * (blis__zig_fe[i - 1] - blis__zig_fe[i]) < (float)exp(-x))
            return x;
    }
}

/* FNV-1a 64 from h over n bytes (the offset basis 0xcbf29ce484222325 to start). */
static uint64_t blis__fnv_bytes(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = (const unsigned char *)p;
    size_t i;
    for (i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

BLIS_DEF int64_t blis_fnv1a64(const char *name) {
    return (int64_t)blis__fnv_bytes(0xcbf29ce484222325ULL, name, strlen(name));
}

BLIS_DEF int64_t blis_rng_subsystem_seed(int64_t master, const char *name) {
    if (!strcmp(name, "workload")) return master;
    return master ^ blis_fnv1a64(name);
}

/* ==== >>json  implementation ====
 * Owns: blis_doc (nodes, child index array, arena), the document builder
 * shared with >>yaml, the RFC 8259 parser, accessors, typed getters, the
 * path printer and the JSON writer. Uses: >>base. Used by: >>yaml and every
 * config reader above the parsers.
 * Invariants: node 0 is the root; a node's parent index is smaller than its
 * own; a container's children occupy kids[first .. first+count) (objects:
 * 2*count entries, key then value); strings are NUL-terminated in the arena;
 * unless duplicates are allowed, no object has two equal keys. A failed
 * parse frees everything and leaves the doc zeroed. blis_doc_check
 * verifies the structural invariants (used by the tests and fuzz targets). */

typedef struct blis__builder {
    blis_doc *doc;
    uint32_t *stack; /* children of the open containers, innermost last */
    size_t stack_len;
    size_t stack_cap;
    blis_alloc alloc;
    blis_err *err;
    uint32_t max_depth;
    int allow_duplicate_keys;
} blis__builder;

static void blis__opts_resolve(const blis_parse_opts *opts, blis_parse_opts *out) {
    memset(out, 0, sizeof *out);
    if (opts) *out = *opts;
    if (!out->max_input_bytes) out->max_input_bytes = BLIS_DEFAULT_MAX_INPUT_BYTES;
    if (!out->max_depth) out->max_depth = BLIS_DEFAULT_MAX_DEPTH;
    if (out->max_depth > BLIS__HARD_MAX_DEPTH) out->max_depth = BLIS__HARD_MAX_DEPTH;
    if (!out->max_csv_columns) out->max_csv_columns = BLIS_DEFAULT_MAX_CSV_COLUMNS;
    if (!out->source) out->source = "<input>";
}

/* Common start of every parser: clears err and out-structures, checks size. */
static blis_status blis__parse_begin(const char *src, size_t len, const blis_parse_opts *ro, blis_err *err) {
    blis_err_clear(err, ro->source);
    if (!src && len) return blis_err_set(err, BLIS_E_INVALID, 0, 0, "no input buffer");
    if (len > ro->max_input_bytes || len >= (size_t)UINT32_MAX)
        return blis_err_set(err, BLIS_E_LIMIT, 0, 0, "input is %lu bytes, over the limit of %lu bytes",
                            (unsigned long)len, (unsigned long)ro->max_input_bytes);
    return BLIS_OK;
}

static blis_status blis__builder_init(blis__builder *b, blis_doc *doc, const blis_parse_opts *ro, blis_err *err) {
    memset(b, 0, sizeof *b);
    memset(doc, 0, sizeof *doc);
    b->doc = doc;
    b->alloc = ro->alloc;
    b->err = err;
    b->max_depth = ro->max_depth;
    b->allow_duplicate_keys = ro->allow_duplicate_keys;
    blis__arena_init(&doc->arena, &ro->alloc);
    doc->source = blis__arena_strndup(&doc->arena, ro->source, strlen(ro->source));
    if (!doc->source) return blis_err_set(err, BLIS_E_NOMEM, 0, 0, "out of memory");
    return BLIS_OK;
}

/* Common start of the document parsers (JSON, YAML): resolves the options,
 * empties *doc, checks the input size and starts the builder. */
static blis_status blis__doc_begin(const char *src, size_t len, const blis_parse_opts *opts, int allow_duplicates,
                                   blis_doc *doc, blis__builder *b, blis_err *err) {
    blis_parse_opts ro;
    blis_status st;
    blis__opts_resolve(opts, &ro);
    ro.allow_duplicate_keys = allow_duplicates && ro.allow_duplicate_keys;
    memset(doc, 0, sizeof *doc);
    memset(b, 0, sizeof *b);
    if ((st = blis__parse_begin(src, len, &ro, err))) return st;
    return blis__builder_init(b, doc, &ro, err);
}

/* Ends a build: on failure frees the doc; always frees the scratch stack. */
static blis_status blis__builder_end(blis__builder *b, blis_status st) {
    blis__free(&b->alloc, b->stack);
    b->stack = NULL;
    if (st != BLIS_OK) blis_doc_free(b->doc);
    return st;
}

static blis_status blis__node_new(blis__builder *b, blis_node_kind kind, uint32_t line, uint32_t col, uint32_t parent,
                                  uint32_t *out_index) {
    blis_doc *d = b->doc;
    blis_node *n;
    size_t cap = d->node_cap;
    if (d->node_count >= UINT32_MAX - 1) return blis_err_set(b->err, BLIS_E_LIMIT, line, col, "too many values");
    if (blis__grow(&b->alloc, (void **)&d->nodes, &cap, (size_t)d->node_count + 1, sizeof(blis_node)))
        return blis__nomem(b->err);
    d->node_cap = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
    n = &d->nodes[d->node_count];
    memset(n, 0, sizeof *n);
    n->kind = (uint8_t)kind;
    n->line = line;
    n->col = col;
    n->parent = parent;
    *out_index = d->node_count++;
    return BLIS_OK;
}

static blis_status blis__builder_push(blis__builder *b, uint32_t index) {
    if (blis__grow(&b->alloc, (void **)&b->stack, &b->stack_cap, b->stack_len + 1, sizeof(uint32_t)))
        return blis__nomem(b->err);
    b->stack[b->stack_len++] = index;
    return BLIS_OK;
}

typedef struct blis__key_ref {
    const char *s;
    uint32_t len;
    uint32_t node;
} blis__key_ref;

static int blis__key_ref_cmp(const void *pa, const void *pb) {
    const blis__key_ref *a = (const blis__key_ref *)pa, *b = (const blis__key_ref *)pb;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->s, b->s, n);
    if (c) return c;
    if (a->len != b->len) return a->len < b->len ? -1 : 1;
    return a->node < b->node ? -1 : (a->node > b->node);
}

/* Reports the first duplicate key among the members kids[first..] of an
 * object, in O(m log m). */
static blis_status blis__check_duplicates(blis__builder *b, uint32_t first, uint32_t members) {
    blis_doc *d = b->doc;
    blis__key_ref *refs;
    uint32_t i;
    const blis_node *dup = NULL, *orig = NULL;
    if (members < 2) return BLIS_OK;
    refs = (blis__key_ref *)blis__alloc(&b->alloc, (size_t)members * sizeof *refs);
    if (!refs) return blis__nomem(b->err);
    for (i = 0; i < members; i++) {
        const blis_node *k = &d->nodes[d->kids[first + 2 * i]];
        refs[i].s = k->as.string;
        refs[i].len = k->count;
        refs[i].node = d->kids[first + 2 * i];
    }
    qsort(refs, members, sizeof *refs, blis__key_ref_cmp);
    for (i = 1; i < members; i++) {
        if (refs[i].len == refs[i - 1].len && memcmp(refs[i].s, refs[i - 1].s, refs[i].len) == 0) {
            const blis_node *cand = &d->nodes[refs[i].node];
            if (!dup || cand->line < dup->line || (cand->line == dup->line && cand->col < dup->col)) {
                dup = cand;
                orig = &d->nodes[refs[i - 1].node];
            }
        }
    }
    blis__free(&b->alloc, refs);
    if (!dup) return BLIS_OK;
    return blis_err_set(b->err, BLIS_E_DUPLICATE, dup->line, dup->col,
                        "duplicate key \"%.*s\" (first defined at line %lu, column %lu)",
                        (int)(dup->count > 200 ? 200 : dup->count), dup->as.string, (unsigned long)orig->line,
                        (unsigned long)orig->col);
}

/* Moves the children pushed since stack_base into the container's kids. */
static blis_status blis__builder_close(blis__builder *b, uint32_t container, size_t stack_base) {
    blis_doc *d = b->doc;
    size_t n = b->stack_len - stack_base, cap = d->kid_cap;
    blis_node *c = &d->nodes[container];
    if (n > (size_t)UINT32_MAX - d->kid_count)
        return blis_err_set(b->err, BLIS_E_LIMIT, c->line, c->col, "too many values");
    if (blis__grow(&b->alloc, (void **)&d->kids, &cap, (size_t)d->kid_count + n, sizeof(uint32_t)))
        return blis__nomem(b->err);
    d->kid_cap = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
    if (n) memcpy(d->kids + d->kid_count, b->stack + stack_base, n * sizeof(uint32_t));
    c = &d->nodes[container];
    c->first = d->kid_count;
    c->count = (uint32_t)(c->kind == BLIS_NODE_OBJECT ? n / 2 : n);
    d->kid_count += (uint32_t)n;
    b->stack_len = stack_base;
    if (c->kind == BLIS_NODE_OBJECT && !b->allow_duplicate_keys) return blis__check_duplicates(b, c->first, c->count);
    return BLIS_OK;
}

static blis_status blis__depth_check(blis__builder *b, uint32_t depth, uint32_t line, uint32_t col) {
    if (depth > b->max_depth)
        return blis_err_set(b->err, BLIS_E_LIMIT, line, col, "nesting deeper than %lu levels",
                            (unsigned long)b->max_depth);
    return BLIS_OK;
}

/* ---- JSON parser ---- */

typedef struct blis__jp {
    const char *src;
    size_t len;
    size_t pos;
    uint32_t line;
    size_t line_start;
    blis__builder b;
} blis__jp;

static uint32_t blis__jp_col(const blis__jp *p, size_t pos) { return (uint32_t)(pos - p->line_start + 1); }

static blis_status blis__jp_fail(blis__jp *p, blis_status st, size_t pos, const char *msg) {
    return blis_err_set(p->b.err, st, p->line, blis__jp_col(p, pos), "%s", msg);
}

static void blis__jp_ws(blis__jp *p) {
    while (p->pos < p->len) {
        char c = p->src[p->pos];
        if (c == '\n') {
            p->line++;
            p->line_start = ++p->pos;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            p->pos++;
        } else {
            break;
        }
    }
}

static blis_status blis__jp_unexpected(blis__jp *p, const char *expected) {
    char b16[16], msg[160];
    if (p->pos >= p->len) {
        snprintf(msg, sizeof msg, "unexpected end of input, expected %s", expected);
        return blis__jp_fail(p, BLIS_E_SYNTAX, p->pos, msg);
    }
    snprintf(msg, sizeof msg, "unexpected %s, expected %s", blis__describe_byte(p->src[p->pos], b16), expected);
    return blis__jp_fail(p, BLIS_E_SYNTAX, p->pos, msg);
}

/* Reads 4 hex digits at p->src[at]; -1 if not hex. */
static long blis__jp_hex4(const blis__jp *p, size_t at) {
    long v = 0;
    size_t i;
    if (at + 4 > p->len) return -1;
    for (i = 0; i < 4; i++) {
        int h = blis__hex_value(p->src[at + i]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Decodes one escape at p->pos (the backslash) into out; advances pos. */
static blis_status blis__jp_escape(blis__jp *p, char *out, size_t *out_len) {
    size_t at = p->pos;
    char e = at + 1 < p->len ? p->src[at + 1] : '\0';
    long cp, lo;
    const char *simple = strchr("\"\\/bfnrt", e);
    if (e && simple) {
        static const char map[] = "\"\\/\b\f\n\r\t";
        out[(*out_len)++] = map[simple - "\"\\/bfnrt"];
        p->pos += 2;
        return BLIS_OK;
    }
    if (e != 'u')
        return blis__jp_fail(p, BLIS_E_SYNTAX, at,
                             "invalid escape sequence in string (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
    cp = blis__jp_hex4(p, at + 2);
    if (cp < 0) return blis__jp_fail(p, BLIS_E_SYNTAX, at, "\\u must be followed by 4 hex digits");
    p->pos = at + 6;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return blis__jp_fail(p, BLIS_E_SYNTAX, at, "lone low surrogate \\u escape (U+DC00..U+DFFF) in string");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (p->pos + 1 < p->len && p->src[p->pos] == '\\' && p->src[p->pos + 1] == 'u' &&
            (lo = blis__jp_hex4(p, p->pos + 2)) >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p->pos += 6;
        } else {
            return blis__jp_fail(p, BLIS_E_SYNTAX, at, "high surrogate \\u escape not followed by a low surrogate");
        }
    }
    *out_len += blis__utf8_encode((uint32_t)cp, out + *out_len);
    return BLIS_OK;
}

/* Parses the string at p->pos (the opening quote) into the arena. */
static blis_status blis__jp_string(blis__jp *p, const char **out, uint32_t *out_len) {
    size_t start = p->pos + 1, i = start, n = 0;
    char *buf;
    while (i < p->len && p->src[i] != '"') i += p->src[i] == '\\' ? 2 : 1;
    if (i >= p->len) return blis__jp_fail(p, BLIS_E_SYNTAX, p->pos, "unterminated string");
    buf = (char *)blis__arena_alloc(&p->b.doc->arena, i - start + 1);
    if (!buf) return blis__nomem(p->b.err);
    p->pos = start;
    while (p->src[p->pos] != '"') {
        unsigned char c = (unsigned char)p->src[p->pos];
        if (c == '\\') {
            blis_status st = blis__jp_escape(p, buf, &n);
            if (st != BLIS_OK) return st;
        } else if (c < 0x20) {
            char msg[96];
            snprintf(msg, sizeof msg, "control character U+%04X in string must be escaped", (unsigned)c);
            return blis__jp_fail(p, BLIS_E_SYNTAX, p->pos, msg);
        } else if (c < 0x80) {
            buf[n++] = (char)c;
            p->pos++;
        } else {
            uint32_t cp;
            size_t k = blis__utf8_decode((const unsigned char *)p->src + p->pos, p->len - p->pos, &cp);
            if (!k) return blis__jp_fail(p, BLIS_E_SYNTAX, p->pos, "invalid UTF-8 in string");
            memcpy(buf + n, p->src + p->pos, k);
            n += k;
            p->pos += k;
        }
    }
    p->pos++;
    buf[n] = '\0';
    *out = buf;
    *out_len = (uint32_t)n;
    return BLIS_OK;
}

static int blis__is_word_byte(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' ||
           c == '+' || c == '-';
}

static blis_status blis__jp_number(blis__jp *p, blis_node *n) {
    blis__dec dec;
    size_t end = 0;
    int is_int = 1;
    blis_status st = blis__dec_scan(p->src + p->pos, p->len - p->pos, BLIS_NUM_JSON, &dec, &end, &is_int);
    if (st != BLIS_OK) {
        size_t at = p->pos + end;
        if (at > p->pos && p->src[at - 1] == '0' && at < p->len && p->src[at] >= '0' && p->src[at] <= '9')
            return blis__jp_fail(p, st, p->pos, "invalid number: leading zeros are not allowed");
        return blis__jp_fail(p, st, at, "invalid number: expected a digit");
    }
    if (p->pos + end < p->len && blis__is_word_byte(p->src[p->pos + end]))
        return blis__jp_fail(p, BLIS_E_SYNTAX, p->pos + end, "invalid number");
    if (blis__dec_to_f64(&dec, &n->as.number) != BLIS_OK)
        return blis__jp_fail(p, BLIS_E_RANGE, p->pos, "number out of the range of a double");
    n->raw = blis__arena_strndup(&p->b.doc->arena, p->src + p->pos, end);
    if (!n->raw) return blis__nomem(p->b.err);
    if (is_int) n->flags |= BLIS_NODE_F_INT_LITERAL;
    p->pos += end;
    return BLIS_OK;
}

static blis_status blis__jp_value(blis__jp *p, uint32_t parent, uint32_t depth, uint32_t *out);

static blis_status blis__jp_container(blis__jp *p, uint32_t self, uint32_t depth) {
    int is_obj = p->src[p->pos] == '{';
    char close = is_obj ? '}' : ']';
    size_t base = p->b.stack_len;
    blis_status st = blis__depth_check(&p->b, depth, p->line, blis__jp_col(p, p->pos));
    if (st != BLIS_OK) return st;
    p->pos++;
    blis__jp_ws(p);
    if (p->pos < p->len && p->src[p->pos] == close) {
        p->pos++;
        return blis__builder_close(&p->b, self, base);
    }
    for (;;) {
        uint32_t child;
        blis__jp_ws(p);
        if (is_obj) {
            blis_node *k;
            if (p->pos >= p->len || p->src[p->pos] != '"')
                return blis__jp_unexpected(p, p->pos < p->len && p->src[p->pos] == '}'
                                                  ? "a key (trailing commas are not allowed)"
                                                  : "a string key");
            if ((st = blis__node_new(&p->b, BLIS_NODE_STRING, p->line, blis__jp_col(p, p->pos), self, &child)))
                return st;
            k = &p->b.doc->nodes[child];
            {
                const char *s;
                uint32_t slen;
                if ((st = blis__jp_string(p, &s, &slen))) return st;
                k = &p->b.doc->nodes[child];
                k->as.string = s;
                k->count = slen;
            }
            if ((st = blis__builder_push(&p->b, child))) return st;
            blis__jp_ws(p);
            if (p->pos >= p->len || p->src[p->pos] != ':') return blis__jp_unexpected(p, "':' after the key");
            p->pos++;
        }
        if ((st = blis__jp_value(p, self, depth, &child))) return st;
        if ((st = blis__builder_push(&p->b, child))) return st;
        blis__jp_ws(p);
        if (p->pos < p->len && p->src[p->pos] == ',') {
            p->pos++;
            blis__jp_ws(p);
            if (!is_obj && p->pos < p->len && p->src[p->pos] == ']')
                return blis__jp_unexpected(p, "a value (trailing commas are not allowed)");
            continue;
        }
        if (p->pos < p->len && p->src[p->pos] == close) {
            p->pos++;
            return blis__builder_close(&p->b, self, base);
        }
        return blis__jp_unexpected(p, is_obj ? "',' or '}'" : "',' or ']'");
    }
}

static blis_status blis__jp_value(blis__jp *p, uint32_t parent, uint32_t depth, uint32_t *out) {
    blis_status st;
    blis_node *n;
    char c;
    blis_node_kind kind;
    blis__jp_ws(p);
    if (p->pos >= p->len) return blis__jp_unexpected(p, "a value");
    c = p->src[p->pos];
    if (c == '{')
        kind = BLIS_NODE_OBJECT;
    else if (c == '[')
        kind = BLIS_NODE_ARRAY;
    else if (c == '"')
        kind = BLIS_NODE_STRING;
    else if (c == '-' || (c >= '0' && c <= '9'))
        kind = BLIS_NODE_NUMBER;
    else if (c == 't' || c == 'f')
        kind = BLIS_NODE_BOOL;
    else if (c == 'n')
        kind = BLIS_NODE_NULL;
    else
        return blis__jp_unexpected(p, "a value");
    if ((st = blis__node_new(&p->b, kind, p->line, blis__jp_col(p, p->pos), parent, out))) return st;
    n = &p->b.doc->nodes[*out];
    switch (kind) {
    case BLIS_NODE_OBJECT:
    case BLIS_NODE_ARRAY: return blis__jp_container(p, *out, depth + 1);
    case BLIS_NODE_STRING: {
        const char *s = "";
        uint32_t slen = 0;
        if ((st = blis__jp_string(p, &s, &slen))) return st;
        n = &p->b.doc->nodes[*out];
        n->as.string = s;
        n->count = slen;
        return BLIS_OK;
    }
    case BLIS_NODE_NUMBER: return blis__jp_number(p, n);
    case BLIS_NODE_BOOL:
    case BLIS_NODE_NULL: {
        const char *word = c == 't' ? "true" : c == 'f' ? "false" : "null";
        size_t wl = strlen(word);
        if (p->len - p->pos < wl || memcmp(p->src + p->pos, word, wl) != 0 ||
            (p->pos + wl < p->len && blis__is_word_byte(p->src[p->pos + wl])))
            return blis__jp_fail(p, BLIS_E_SYNTAX, p->pos, "invalid literal, expected true, false or null");
        n->as.boolean = c == 't';
        p->pos += wl;
        return BLIS_OK;
    }
    }
    return BLIS_E_SYNTAX;
}

static size_t blis__skip_bom(const char *src, size_t len) {
    return (len >= 3 && (unsigned char)src[0] == 0xEF && (unsigned char)src[1] == 0xBB && (unsigned char)src[2] == 0xBF)
               ? 3
               : 0;
}

BLIS_DEF blis_status blis_json_parse(const char *src, size_t len, const blis_parse_opts *opts, blis_doc *doc,
                                     blis_err *err) {
    blis__jp p;
    blis_status st;
    uint32_t root = 0;
    memset(&p, 0, sizeof p);
    if ((st = blis__doc_begin(src, len, opts, 1, doc, &p.b, err))) return blis__builder_end(&p.b, st);
    p.src = src;
    p.len = len;
    p.line = 1;
    p.pos = p.line_start = blis__skip_bom(src, len);
    blis__jp_ws(&p);
    if (p.pos >= p.len) {
        st = blis__jp_fail(&p, BLIS_E_SYNTAX, p.pos, "empty input, expected a JSON value");
        return blis__builder_end(&p.b, st);
    }
    st = blis__jp_value(&p, BLIS__NONE, 0, &root);
    if (st == BLIS_OK) {
        blis__jp_ws(&p);
        if (p.pos < p.len) st = blis__jp_unexpected(&p, "the end of input after the JSON value");
    }
    return blis__builder_end(&p.b, st);
}

BLIS_DEF void blis_doc_free(blis_doc *doc) {
    blis_alloc a;
    if (!doc) return;
    a = doc->arena.alloc;
    blis__free(&a, doc->nodes);
    blis__free(&a, doc->kids);
    blis__arena_free(&doc->arena);
    memset(doc, 0, sizeof *doc);
}

/* ---- accessors ---- */

BLIS_DEF const blis_node *blis_doc_root(const blis_doc *doc) { return doc && doc->node_count ? &doc->nodes[0] : NULL; }

BLIS_DEF const blis_node *blis_node_at(const blis_doc *doc, const blis_node *node, size_t i) {
    if (!node || i >= node->count) return NULL;
    if (node->kind == BLIS_NODE_ARRAY) return &doc->nodes[doc->kids[node->first + i]];
    if (node->kind == BLIS_NODE_OBJECT) return &doc->nodes[doc->kids[node->first + 2 * i + 1]];
    return NULL;
}

BLIS_DEF const blis_node *blis_node_key_at(const blis_doc *doc, const blis_node *obj, size_t i) {
    if (!obj || obj->kind != BLIS_NODE_OBJECT || i >= obj->count) return NULL;
    return &doc->nodes[doc->kids[obj->first + 2 * i]];
}

BLIS_DEF const blis_node *blis_node_get_n(const blis_doc *doc, const blis_node *obj, const char *key, size_t key_len) {
    uint32_t i;
    if (!obj || obj->kind != BLIS_NODE_OBJECT) return NULL;
    for (i = obj->count; i-- > 0;) { /* from the end: the last duplicate wins, as in Go */
        const blis_node *k = &doc->nodes[doc->kids[obj->first + 2 * i]];
        if (k->count == key_len && memcmp(k->as.string, key, key_len) == 0)
            return &doc->nodes[doc->kids[obj->first + 2 * i + 1]];
    }
    return NULL;
}

BLIS_DEF const blis_node *blis_node_get(const blis_doc *doc, const blis_node *obj, const char *key) {
    return blis_node_get_n(doc, obj, key, strlen(key));
}

BLIS_DEF const char *blis_node_kind_name(blis_node_kind kind) {
    switch (kind) {
    case BLIS_NODE_NULL: return "null";
    case BLIS_NODE_BOOL: return "boolean";
    case BLIS_NODE_NUMBER: return "number";
    case BLIS_NODE_STRING: return "string";
    case BLIS_NODE_ARRAY: return "array";
    case BLIS_NODE_OBJECT: return "object";
    }
    return "unknown";
}

/* Appends to buf[*len] within size (always counting what it needed). */
static void blis__append(char *buf, size_t size, size_t *len, const char *s, size_t n) {
    if (*len < size) {
        size_t room = size - 1 - *len, k = n < room ? n : room;
        if (size && k) memcpy(buf + *len, s, k);
    }
    *len += n;
}

BLIS_DEF size_t blis_doc_path(const blis_doc *doc, const blis_node *node, char *buf, size_t size) {
    uint32_t chain[BLIS__HARD_MAX_DEPTH + 2];
    size_t depth = 0, len = 0, j;
    uint32_t idx;
    if (!node) {
        if (size) buf[0] = '\0';
        return 0;
    }
    idx = (uint32_t)(node - doc->nodes);
    while (idx != BLIS__NONE && idx < doc->node_count && depth < BLIS__HARD_MAX_DEPTH + 2) {
        chain[depth++] = idx;
        idx = doc->nodes[idx].parent;
    }
    if (depth == 0) { /* not a node of this document */
        if (size) buf[0] = '\0';
        return 0;
    }
    for (j = depth - 1; j-- > 0;) { /* chain[j]'s parent is chain[j+1] */
        const blis_node *par = &doc->nodes[chain[j + 1]];
        uint32_t i;
        for (i = 0; i < par->count; i++) {
            if (par->kind == BLIS_NODE_ARRAY && doc->kids[par->first + i] == chain[j]) {
                char tmp[24];
                int n = snprintf(tmp, sizeof tmp, "[%lu]", (unsigned long)i);
                blis__append(buf, size, &len, tmp, (size_t)n);
                break;
            }
            if (par->kind == BLIS_NODE_OBJECT &&
                (doc->kids[par->first + 2 * i + 1] == chain[j] || doc->kids[par->first + 2 * i] == chain[j])) {
                const blis_node *k = &doc->nodes[doc->kids[par->first + 2 * i]];
                if (len) blis__append(buf, size, &len, ".", 1);
                blis__append(buf, size, &len, k->as.string, k->count);
                break;
            }
        }
    }
    if (size) buf[len < size ? len : size - 1] = '\0';
    return len;
}

/* Fills err with a node's position and path. */
static blis_status blis__node_err(const blis_doc *doc, const blis_node *node, blis_err *err, blis_status st,
                                  const char *msg) {
    if (!err) return st;
    blis_err_clear(err, doc->source);
    if (node) blis_doc_path(doc, node, err->path, sizeof err->path);
    return blis_err_set(err, st, node ? node->line : 0, node ? node->col : 0, "%s", msg);
}

static blis_status blis__node_errf(const blis_doc *doc, const blis_node *node, blis_err *err, blis_status st,
                                   const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
static blis_status blis__node_errf(const blis_doc *doc, const blis_node *node, blis_err *err, blis_status st,
                                   const char *fmt, ...) {
    char msg[BLIS_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return blis__node_err(doc, node, err, st, msg);
}

static blis_status blis__wrong_kind(const blis_doc *doc, const blis_node *node, blis_err *err, const char *want) {
    char msg[96];
    snprintf(msg, sizeof msg, "expected %s, found %s", want, blis_node_kind_name((blis_node_kind)node->kind));
    return blis__node_err(doc, node, err, BLIS_E_TYPE, msg);
}

BLIS_DEF blis_status blis_node_f64(const blis_doc *doc, const blis_node *node, double *out, blis_err *err) {
    if (node->kind != BLIS_NODE_NUMBER) return blis__wrong_kind(doc, node, err, "a number");
    *out = node->as.number;
    return BLIS_OK;
}

/* Integer literal text (decimal; YAML also 0x/0o) -> exact int64. */
static blis_status blis__int_literal(const char *s, int64_t *out) {
    size_t len = strlen(s), i = 0;
    int neg = 0;
    if (i < len && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    if (len - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'o')) {
        unsigned base = s[i + 1] == 'x' ? 16u : 8u;
        uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
        for (i += 2; i < len; i++) {
            int h = blis__hex_value(s[i]);
            if (h < 0 || (unsigned)h >= base) return BLIS_E_SYNTAX;
            if (v > (limit - (unsigned)h) / base) return BLIS_E_RANGE;
            v = v * base + (unsigned)h;
        }
        *out = neg ? (v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v) : (int64_t)v;
        return BLIS_OK;
    }
    return blis_parse_i64(s, len, BLIS_NUM_ALLOW_PLUS | BLIS_NUM_LOOSE_DOT, out);
}

BLIS_DEF blis_status blis_node_i64(const blis_doc *doc, const blis_node *node, int64_t *out, blis_err *err) {
    double v;
    char num[BLIS_F64_BUF_MAX], msg[96];
    if (node->kind != BLIS_NODE_NUMBER) return blis__wrong_kind(doc, node, err, "an integer");
    if ((node->flags & BLIS_NODE_F_INT_LITERAL) && node->raw) {
        blis_status st = blis__int_literal(node->raw, out);
        if (st == BLIS_OK) return st;
        snprintf(msg, sizeof msg, "integer %.40s is out of range (64-bit)", node->raw);
        return blis__node_err(doc, node, err, BLIS_E_RANGE, msg);
    }
    v = node->as.number;
    if (v == floor(v) && v >= -9223372036854775808.0 && v < 9223372036854775808.0) {
        *out = (int64_t)v;
        return BLIS_OK;
    }
    if (blis_f64_format_go(v, num) == 0) blis__copy_cstr(num, sizeof num, v != v ? "NaN" : "infinity");
    snprintf(msg, sizeof msg, "expected an integer, found %s", num);
    return blis__node_err(doc, node, err, BLIS_E_TYPE, msg);
}

BLIS_DEF blis_status blis_node_bool(const blis_doc *doc, const blis_node *node, int *out, blis_err *err) {
    if (node->kind != BLIS_NODE_BOOL) return blis__wrong_kind(doc, node, err, "a boolean");
    *out = node->as.boolean;
    return BLIS_OK;
}

BLIS_DEF blis_status blis_node_str(const blis_doc *doc, const blis_node *node, const char **out, blis_err *err) {
    if (node->kind != BLIS_NODE_STRING) return blis__wrong_kind(doc, node, err, "a string");
    *out = node->as.string;
    return BLIS_OK;
}

BLIS_DEF blis_status blis_node_text(const blis_doc *doc, const blis_node *node, const char **out, blis_err *err) {
    switch ((blis_node_kind)node->kind) {
    case BLIS_NODE_STRING: *out = node->as.string; return BLIS_OK;
    case BLIS_NODE_NUMBER:
    case BLIS_NODE_NULL:
    case BLIS_NODE_BOOL:
        *out = node->raw ? node->raw : node->kind == BLIS_NODE_NULL ? "null" : node->as.boolean ? "true" : "false";
        return BLIS_OK;
    case BLIS_NODE_ARRAY:
    case BLIS_NODE_OBJECT: break;
    }
    return blis__wrong_kind(doc, node, err, "a scalar");
}

static blis_status blis__member(const blis_doc *doc, const blis_node *obj, const char *key, const blis_node **out,
                                blis_err *err) {
    if (!obj || obj->kind != BLIS_NODE_OBJECT) {
        if (!obj) return blis__node_err(doc, obj, err, BLIS_E_TYPE, "expected an object");
        return blis__wrong_kind(doc, obj, err, "an object");
    }
    *out = blis_node_get(doc, obj, key);
    if (!*out) {
        char msg[160];
        snprintf(msg, sizeof msg, "missing field \"%.100s\"", key);
        return blis__node_err(doc, obj, err, BLIS_E_MISSING, msg);
    }
    return BLIS_OK;
}

#define BLIS__DEFINE_MEMBER_GETTER(name, type, node_getter)                                                           \
    BLIS_DEF blis_status name(const blis_doc *doc, const blis_node *obj, const char *key, type *out, blis_err *err) { \
        const blis_node *v = NULL;                                                                                    \
        blis_status st = blis__member(doc, obj, key, &v, err);                                                        \
        return st != BLIS_OK ? st : v ? node_getter(doc, v, out, err) : BLIS_E_MISSING;                               \
    }
BLIS__DEFINE_MEMBER_GETTER(blis_doc_get_f64, double, blis_node_f64)
BLIS__DEFINE_MEMBER_GETTER(blis_doc_get_i64, int64_t, blis_node_i64)
BLIS__DEFINE_MEMBER_GETTER(blis_doc_get_bool, int, blis_node_bool)
BLIS__DEFINE_MEMBER_GETTER(blis_doc_get_str, const char *, blis_node_str)
#undef BLIS__DEFINE_MEMBER_GETTER

/* Structural invariants of a parsed document; 0 when they hold. */
BLIS_DEF int blis_doc_check(const blis_doc *doc) {
    uint32_t i, j;
    if (doc->node_count == 0) return doc->kid_count == 0 ? 0 : 1;
    if (doc->nodes[0].parent != BLIS__NONE) return 2;
    for (i = 0; i < doc->node_count; i++) {
        const blis_node *n = &doc->nodes[i];
        if (i > 0 && (n->parent == BLIS__NONE || n->parent >= i)) return 3;
        if (n->line == 0 || n->col == 0) return 4;
        if (n->kind == BLIS_NODE_STRING && (!n->as.string || n->as.string[n->count] != '\0')) return 5;
        if (n->kind == BLIS_NODE_ARRAY || n->kind == BLIS_NODE_OBJECT) {
            uint32_t k = n->kind == BLIS_NODE_OBJECT ? 2 * n->count : n->count;
            if ((uint64_t)n->first + k > doc->kid_count) return 6;
            for (j = 0; j < k; j++) {
                uint32_t c = doc->kids[n->first + j];
                if (c >= doc->node_count || doc->nodes[c].parent != i) return 7;
                if (n->kind == BLIS_NODE_OBJECT && j % 2 == 0 && doc->nodes[c].kind != BLIS_NODE_STRING) return 8;
            }
        }
    }
    return 0;
}

/* ---- buffers and the JSON writer ---- */

BLIS_DEF int blis_buf_write(void *user, const char *data, size_t len_bytes) {
    blis_buf *b = (blis_buf *)user;
    if (len_bytes > SIZE_MAX - b->len - 1) return -1;
    if (blis__grow(&b->alloc, (void **)&b->data, &b->cap, b->len + len_bytes + 1, 1)) return -1;
    if (len_bytes) memcpy(b->data + b->len, data, len_bytes);
    b->len += len_bytes;
    b->data[b->len] = '\0';
    return 0;
}

BLIS_DEF void blis_buf_free(blis_buf *b) {
    blis__free(&b->alloc, b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static void blis__jw_raw(blis_jw *w, const char *s, size_t n) {
    if (w->status == BLIS_OK && n && w->write(w->user, s, n) != 0) w->status = BLIS_E_IO;
}

BLIS_DEF void blis_jw_init(blis_jw *w, blis_write_fn write, void *user, int indent_spaces) {
    memset(w, 0, sizeof *w);
    w->write = write;
    w->user = user;
    w->indent_spaces = indent_spaces < 0 ? 0 : indent_spaces > 16 ? 16 : indent_spaces;
}

static void blis__jw_newline(blis_jw *w, int depth) {
    static const char spaces[] = "                ";
    int i;
    if (!w->indent_spaces) return;
    blis__jw_raw(w, "\n", 1);
    for (i = 0; i < depth; i++) blis__jw_raw(w, spaces, (size_t)w->indent_spaces);
}

/* Before any value: separator and indentation, or the key already written. */
static void blis__jw_before_value(blis_jw *w) {
    if (w->status != BLIS_OK) return;
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (w->depth > 0) {
        if (w->is_object[w->depth - 1]) {
            w->status = BLIS_E_INVALID; /* a value inside an object needs a key first */
            return;
        }
        if (w->count_at[w->depth - 1]) blis__jw_raw(w, ",", 1);
        w->count_at[w->depth - 1] = 1;
        blis__jw_newline(w, w->depth);
    } else if (w->count_at[0] == 2) {
        w->status = BLIS_E_INVALID; /* a second top-level value */
    }
}

static void blis__jw_after_value(blis_jw *w) {
    if (w->depth == 0) w->count_at[0] = 2;
}

static void blis__jw_open(blis_jw *w, char c, int is_object) {
    char s[1];
    blis__jw_before_value(w);
    if (w->status != BLIS_OK) return;
    if (w->depth >= BLIS_JW_MAX_DEPTH) {
        w->status = BLIS_E_LIMIT;
        return;
    }
    s[0] = c;
    blis__jw_raw(w, s, 1);
    w->count_at[w->depth] = 0;
    w->is_object[w->depth] = (uint8_t)is_object;
    w->depth++;
}

static void blis__jw_close(blis_jw *w, char c, int is_object) {
    char s[1];
    if (w->status != BLIS_OK) return;
    if (w->depth == 0 || w->is_object[w->depth - 1] != is_object || w->after_key) {
        w->status = BLIS_E_INVALID;
        return;
    }
    w->depth--;
    if (w->count_at[w->depth]) blis__jw_newline(w, w->depth);
    s[0] = c;
    blis__jw_raw(w, s, 1);
    if (w->depth == 0) w->count_at[0] = 2;
}

BLIS_DEF void blis_jw_object_begin(blis_jw *w) { blis__jw_open(w, '{', 1); }
BLIS_DEF void blis_jw_object_end(blis_jw *w) { blis__jw_close(w, '}', 1); }
BLIS_DEF void blis_jw_array_begin(blis_jw *w) { blis__jw_open(w, '[', 0); }
BLIS_DEF void blis_jw_array_end(blis_jw *w) { blis__jw_close(w, ']', 0); }

/* Writes s quoted with Go's escaping rules. */
static void blis__jw_quoted(blis_jw *w, const char *s, size_t len) {
    static const char hex[] = "0123456789abcdef";
    size_t i = 0, run = 0;
    blis__jw_raw(w, "\"", 1);
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        size_t esc_len = 0, adv = 1;
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
            i++;
            continue;
        }
        if (c >= 0x80) {
            uint32_t cp = 0;
            adv = blis__utf8_decode((const unsigned char *)s + i, len - i, &cp);
            if (adv && cp != 0x2028 && cp != 0x2029) {
                i += adv;
                continue;
            }
            if (adv) {
                memcpy(esc, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
                esc_len = 6;
            } else {
                adv = 1;
                memcpy(esc, "\\ufffd", 6);
                esc_len = 6;
            }
        } else if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            esc_len = 2;
        } else if (c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
            esc[0] = '\\';
            esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : c == '\b' ? 'b' : 'f';
            esc_len = 2;
        } else {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            esc_len = 6;
        }
        blis__jw_raw(w, s + run, i - run);
        blis__jw_raw(w, esc, esc_len);
        i += adv;
        run = i;
    }
    blis__jw_raw(w, s + run, i - run);
    blis__jw_raw(w, "\"", 1);
}

BLIS_DEF void blis_jw_key(blis_jw *w, const char *key) {
    if (w->status != BLIS_OK) return;
    if (w->depth == 0 || !w->is_object[w->depth - 1] || w->after_key) {
        w->status = BLIS_E_INVALID;
        return;
    }
    if (w->count_at[w->depth - 1]) blis__jw_raw(w, ",", 1);
    w->count_at[w->depth - 1] = 1;
    blis__jw_newline(w, w->depth);
    blis__jw_quoted(w, key, strlen(key));
    blis__jw_raw(w, w->indent_spaces ? ": " : ":", w->indent_spaces ? 2u : 1u);
    w->after_key = 1;
}

BLIS_DEF void blis_jw_str_n(blis_jw *w, const char *s, size_t len) {
    blis__jw_before_value(w);
    if (w->status != BLIS_OK) return;
    blis__jw_quoted(w, s, len);
    blis__jw_after_value(w);
}

BLIS_DEF void blis_jw_str(blis_jw *w, const char *s) { blis_jw_str_n(w, s, strlen(s)); }

static void blis__jw_scalar(blis_jw *w, const char *text, size_t n) {
    blis__jw_before_value(w);
    if (w->status != BLIS_OK) return;
    blis__jw_raw(w, text, n);
    blis__jw_after_value(w);
}

BLIS_DEF void blis_jw_f64(blis_jw *w, double v) {
    char buf[BLIS_F64_BUF_MAX];
    size_t n = blis_f64_format_go(v, buf);
    if (n == 0) {
        if (w->status == BLIS_OK) w->status = BLIS_E_INVALID;
        return;
    }
    blis__jw_scalar(w, buf, n);
}

BLIS_DEF void blis_jw_i64(blis_jw *w, int64_t v) {
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
    blis__jw_scalar(w, buf, (size_t)n);
}

BLIS_DEF void blis_jw_bool(blis_jw *w, int v) { blis__jw_scalar(w, v ? "true" : "false", v ? 4u : 5u); }
BLIS_DEF void blis_jw_null(blis_jw *w) { blis__jw_scalar(w, "null", 4); }

BLIS_DEF void blis_jw_key_f64(blis_jw *w, const char *key, double v) {
    blis_jw_key(w, key);
    blis_jw_f64(w, v);
}

BLIS_DEF void blis_jw_key_i64(blis_jw *w, const char *key, int64_t v) {
    blis_jw_key(w, key);
    blis_jw_i64(w, v);
}

BLIS_DEF void blis_jw_key_str(blis_jw *w, const char *key, const char *str) {
    blis_jw_key(w, key);
    blis_jw_str(w, str);
}

BLIS_DEF void blis_jw_node(blis_jw *w, const blis_doc *doc, const blis_node *node) {
    uint32_t i;
    switch ((blis_node_kind)node->kind) {
    case BLIS_NODE_NULL: blis_jw_null(w); return;
    case BLIS_NODE_BOOL: blis_jw_bool(w, node->as.boolean); return;
    case BLIS_NODE_NUMBER: blis_jw_f64(w, node->as.number); return;
    case BLIS_NODE_STRING: blis_jw_str_n(w, node->as.string, node->count); return;
    case BLIS_NODE_ARRAY:
        blis_jw_array_begin(w);
        for (i = 0; i < node->count && w->status == BLIS_OK; i++) blis_jw_node(w, doc, blis_node_at(doc, node, i));
        blis_jw_array_end(w);
        return;
    case BLIS_NODE_OBJECT:
        blis_jw_object_begin(w);
        for (i = 0; i < node->count && w->status == BLIS_OK; i++) {
            blis_jw_key(w, blis_node_key_at(doc, node, i)->as.string);
            blis_jw_node(w, doc, blis_node_at(doc, node, i));
        }
        blis_jw_object_end(w);
        return;
    }
}

BLIS_DEF blis_status blis_jw_finish(const blis_jw *w) {
    if (w->status != BLIS_OK) return w->status;
    if (w->depth != 0 || w->after_key || w->count_at[0] != 2) return BLIS_E_INVALID;
    return BLIS_OK;
}

/* ==== >>csv  implementation ====
 * Owns: the streaming row reader (blis_csv_reader) and whole tables
 * (blis_csv). Uses: >>base. Used by: trace replay, bench_data, ground truth.
 * Invariants: a reader's memory is bounded by its longest row (fields and
 * text buffers grow at one place, blis__csv_row_reserve); a table's cells
 * are rows * columns fields whose texts live in the table's arena. Blank
 * lines (outside quotes) are skipped; a lone CR, a quote inside an unquoted
 * field, text after a closing quote and an unterminated quote are errors.
 * blis_csv_check verifies a table (tests and fuzz targets). */

BLIS_DEF blis_status blis_csv_reader_init(blis_csv_reader *r, const char *src, size_t len, const blis_parse_opts *opts,
                                          blis_err *err) {
    blis_parse_opts ro;
    blis_status st;
    blis__opts_resolve(opts, &ro);
    memset(r, 0, sizeof *r);
    if ((st = blis__parse_begin(src, len, &ro, err))) return st;
    r->src = src;
    r->len = len;
    r->pos = r->line_start = blis__skip_bom(src, len);
    r->line = 1;
    r->max_columns = ro.max_csv_columns;
    r->source = ro.source;
    r->alloc = ro.alloc;
    return BLIS_OK;
}

BLIS_DEF void blis_csv_reader_free(blis_csv_reader *r) {
    blis__free(&r->alloc, r->fields);
    blis__free(&r->alloc, r->text);
    r->fields = NULL;
    r->text = NULL;
    r->field_cap = 0;
    r->text_cap = 0;
}

static blis_status blis__csv_fail(blis_csv_reader *r, blis_err *err, size_t pos, const char *msg) {
    return blis_err_set(err, BLIS_E_SYNTAX, r->line, (uint32_t)(pos - r->line_start + 1), "%s", msg);
}

/* Makes room for a row whose raw text spans raw_bytes. Unquoting never
 * lengthens text, and each field adds one NUL, so 2*raw+2 bytes suffice. */
static blis_status blis__csv_row_reserve(blis_csv_reader *r, size_t raw_bytes, blis_err *err) {
    if (blis__grow(&r->alloc, (void **)&r->text, &r->text_cap, 2 * raw_bytes + 2, 1)) return blis__nomem(err);
    return BLIS_OK;
}

static blis_status blis__csv_add_field(blis_csv_reader *r, size_t text_start, uint32_t line, uint32_t col,
                                       blis_err *err) {
    size_t cap = r->field_cap;
    if (r->field_count >= r->max_columns)
        return blis_err_set(err, BLIS_E_LIMIT, line, col, "row %lu has more than %lu columns",
                            (unsigned long)r->row + 1, (unsigned long)r->max_columns);
    if (blis__grow(&r->alloc, (void **)&r->fields, &cap, (size_t)r->field_count + 1, sizeof(blis_csv_field)))
        return blis__nomem(err);
    r->field_cap = (uint32_t)cap;
    r->fields[r->field_count].ptr = NULL;
    r->fields[r->field_count].len = r->text_len - text_start;
    r->fields[r->field_count].line = line;
    r->fields[r->field_count].col = col;
    r->field_count++;
    r->text[r->text_len++] = '\0';
    return BLIS_OK;
}

/* Parses one quoted field starting at r->pos (the quote). */
static blis_status blis__csv_quoted(blis_csv_reader *r, blis_err *err) {
    size_t open = r->pos;
    uint32_t open_line = r->line;
    size_t open_line_start = r->line_start;
    r->pos++;
    for (;;) {
        char c;
        if (r->pos >= r->len) {
            r->line = open_line;
            r->line_start = open_line_start;
            return blis__csv_fail(r, err, open, "unterminated quoted field");
        }
        c = r->src[r->pos];
        if (c == '"') {
            if (r->pos + 1 < r->len && r->src[r->pos + 1] == '"') {
                r->text[r->text_len++] = '"';
                r->pos += 2;
                continue;
            }
            r->pos++;
            break;
        }
        if (c == '\0') return blis__csv_fail(r, err, r->pos, "NUL byte in input");
        r->text[r->text_len++] = c;
        r->pos++;
        if (c == '\n') {
            r->line++;
            r->line_start = r->pos;
        }
    }
    if (r->pos < r->len && r->src[r->pos] != ',' && r->src[r->pos] != '\n' &&
        !(r->src[r->pos] == '\r' && r->pos + 1 < r->len && r->src[r->pos + 1] == '\n'))
        return blis__csv_fail(r, err, r->pos,
                              "unexpected character after a closing quote (expected ',' or end of line)");
    return BLIS_OK;
}

static blis_status blis__csv_unquoted(blis_csv_reader *r, blis_err *err) {
    while (r->pos < r->len) {
        char c = r->src[r->pos];
        if (c == ',' || c == '\n') break;
        if (c == '\r') {
            if (r->pos + 1 < r->len && r->src[r->pos + 1] == '\n') break;
            return blis__csv_fail(r, err, r->pos, "carriage return not followed by a line feed");
        }
        if (c == '"')
            return blis__csv_fail(r, err, r->pos,
                                  "quote inside an unquoted field (quote the whole field and double the quote)");
        if (c == '\0') return blis__csv_fail(r, err, r->pos, "NUL byte in input");
        r->text[r->text_len++] = c;
        r->pos++;
    }
    return BLIS_OK;
}

/* Length of the raw row starting at pos (up to its line end, quotes respected). */
static size_t blis__csv_raw_row_len(const blis_csv_reader *r) {
    size_t i = r->pos;
    int quoted = 0;
    while (i < r->len) {
        char c = r->src[i];
        if (c == '"')
            quoted = !quoted;
        else if (c == '\n' && !quoted)
            break;
        i++;
    }
    return i - r->pos;
}

BLIS_DEF blis_status blis_csv_reader_next(blis_csv_reader *r, int *has_row, blis_err *err) {
    blis_status st;
    size_t i;
    *has_row = 0;
    for (;;) { /* skip blank lines */
        if (r->pos < r->len && r->src[r->pos] == '\n') {
            r->line++;
            r->line_start = ++r->pos;
        } else if (r->pos + 1 < r->len && r->src[r->pos] == '\r' && r->src[r->pos + 1] == '\n') {
            r->line++;
            r->pos += 2;
            r->line_start = r->pos;
        } else {
            break;
        }
    }
    if (r->pos >= r->len) return BLIS_OK;
    if (r->row == UINT32_MAX - 1) return blis_err_set(err, BLIS_E_LIMIT, r->line, 1, "too many rows");
    r->field_count = 0;
    r->text_len = 0;
    if ((st = blis__csv_row_reserve(r, blis__csv_raw_row_len(r), err))) return st;
    for (;;) {
        size_t start = r->text_len;
        uint32_t line = r->line, col = (uint32_t)(r->pos - r->line_start + 1);
        st = (r->pos < r->len && r->src[r->pos] == '"') ? blis__csv_quoted(r, err) : blis__csv_unquoted(r, err);
        if (st != BLIS_OK) return st;
        if ((st = blis__csv_add_field(r, start, line, col, err))) return st;
        if (r->pos < r->len && r->src[r->pos] == ',') {
            r->pos++;
            continue;
        }
        if (r->pos < r->len) { /* line end: "\n" or "\r\n" */
            r->pos += r->src[r->pos] == '\r' ? 2 : 1;
            r->line++;
            r->line_start = r->pos;
        }
        break;
    }
    {
        size_t off = 0;
        for (i = 0; i < r->field_count; i++) {
            r->fields[i].ptr = r->text + off;
            off += r->fields[i].len + 1;
        }
    }
    r->row++;
    *has_row = 1;
    return BLIS_OK;
}

BLIS_DEF void blis_csv_free(blis_csv *csv) {
    blis_alloc a;
    if (!csv) return;
    a = csv->arena.alloc;
    blis__free(&a, csv->cells);
    blis__arena_free(&csv->arena);
    memset(csv, 0, sizeof *csv);
}

/* Copies the reader's current row into the table's arena at dst. */
static blis_status blis__csv_copy_row(blis_csv *csv, const blis_csv_reader *r, blis_csv_field *dst, blis_err *err) {
    uint32_t i;
    for (i = 0; i < r->field_count; i++) {
        dst[i] = r->fields[i];
        dst[i].ptr = blis__arena_strndup(&csv->arena, r->fields[i].ptr, r->fields[i].len);
        if (!dst[i].ptr) return blis__nomem(err);
    }
    return BLIS_OK;
}

static blis_status blis__csv_header(blis_csv *csv, const blis_csv_reader *r, blis_err *err) {
    uint32_t i, j;
    csv->columns = r->field_count;
    csv->header = (blis_csv_field *)blis__arena_alloc(&csv->arena, (size_t)r->field_count * sizeof(blis_csv_field));
    if (!csv->header) return blis__nomem(err);
    if (blis__csv_copy_row(csv, r, csv->header, err)) return err->status;
    for (i = 0; i < csv->columns; i++) {
        if (csv->header[i].len == 0)
            return blis_err_set(err, BLIS_E_SYNTAX, csv->header[i].line, csv->header[i].col,
                                "empty column name in the header (column %lu)", (unsigned long)i + 1);
        for (j = 0; j < i; j++)
            if (csv->header[j].len == csv->header[i].len &&
                memcmp(csv->header[j].ptr, csv->header[i].ptr, csv->header[i].len) == 0)
                return blis_err_set(err, BLIS_E_DUPLICATE, csv->header[i].line, csv->header[i].col,
                                    "duplicate column name \"%.*s\" (columns %lu and %lu)",
                                    (int)(csv->header[i].len > 100 ? 100 : csv->header[i].len), csv->header[i].ptr,
                                    (unsigned long)j + 1, (unsigned long)i + 1);
    }
    return BLIS_OK;
}

static blis_status blis__csv_parse_rows(blis_csv *csv, blis_csv_reader *r, blis_err *err) {
    size_t cell_cap = 0;
    int has_row = 0;
    blis_status st = blis_csv_reader_next(r, &has_row, err);
    if (st != BLIS_OK) return st;
    if (!has_row) return blis_err_set(err, BLIS_E_SYNTAX, r->line, 1, "empty input, expected a header row");
    if ((st = blis__csv_header(csv, r, err))) return st;
    for (;;) {
        size_t need;
        if ((st = blis_csv_reader_next(r, &has_row, err))) return st;
        if (!has_row) return BLIS_OK;
        if (r->field_count != csv->columns)
            return blis_err_set(err, BLIS_E_SYNTAX, r->fields[0].line, r->fields[0].col,
                                "row %lu has %lu field%s, the header has %lu", (unsigned long)r->row,
                                (unsigned long)r->field_count, r->field_count == 1 ? "" : "s",
                                (unsigned long)csv->columns);
        need = ((size_t)csv->rows + 1) * csv->columns;
        if (blis__grow(&csv->arena.alloc, (void **)&csv->cells, &cell_cap, need, sizeof(blis_csv_field)))
            return blis__nomem(err);
        if ((st = blis__csv_copy_row(csv, r, csv->cells + (size_t)csv->rows * csv->columns, err))) return st;
        csv->rows++;
    }
}

BLIS_DEF blis_status blis_csv_parse(const char *src, size_t len, const blis_parse_opts *opts, blis_csv *csv,
                                    blis_err *err) {
    blis_csv_reader r;
    blis_status st;
    memset(csv, 0, sizeof *csv);
    if ((st = blis_csv_reader_init(&r, src, len, opts, err))) return st;
    blis__arena_init(&csv->arena, &r.alloc);
    csv->source = blis__arena_strndup(&csv->arena, r.source, strlen(r.source));
    st = csv->source ? blis__csv_parse_rows(csv, &r, err) : blis__nomem(err);
    blis_csv_reader_free(&r);
    if (st != BLIS_OK) blis_csv_free(csv);
    return st;
}

BLIS_DEF int32_t blis_csv_column(const blis_csv *csv, const char *name) {
    uint32_t i;
    size_t n = strlen(name);
    for (i = 0; i < csv->columns; i++)
        if (csv->header[i].len == n && memcmp(csv->header[i].ptr, name, n) == 0) return (int32_t)i;
    return -1;
}

BLIS_DEF const blis_csv_field *blis_csv_cell(const blis_csv *csv, uint32_t row, uint32_t col) {
    if (row >= csv->rows || col >= csv->columns) return NULL;
    return &csv->cells[(size_t)row * csv->columns + col];
}

/* Locates a cell for a typed getter, or reports a bad index. */
static const blis_csv_field *blis__csv_cell_for(const blis_csv *csv, uint32_t row, uint32_t col, blis_err *err) {
    const blis_csv_field *f = blis_csv_cell(csv, row, col);
    blis_err_clear(err, csv->source);
    if (!f)
        blis_err_set(err, BLIS_E_INVALID, 0, 0, "no cell at data row %lu, column %lu (table has %lu rows, %lu columns)",
                     (unsigned long)row, (unsigned long)col, (unsigned long)csv->rows, (unsigned long)csv->columns);
    return f;
}

static blis_status blis__csv_bad_cell(const blis_csv *csv, const blis_csv_field *f, uint32_t row, uint32_t col,
                                      blis_status st, const char *want, blis_err *err) {
    return blis_err_set(err, st, f->line, f->col, "row %lu, column \"%.*s\": expected %s, found \"%.*s\"",
                        (unsigned long)row + 2, (int)(csv->header[col].len > 64 ? 64 : csv->header[col].len),
                        csv->header[col].ptr, want, (int)(f->len > 64 ? 64 : f->len), f->ptr);
}

/* Cell text without surrounding spaces (numbers written "1, 2" are common). */
static blis_str blis__csv_trimmed(const blis_csv_field *f) {
    blis_str s;
    s.ptr = f->ptr;
    s.len = f->len;
    while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) {
        s.ptr++;
        s.len--;
    }
    while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t')) s.len--;
    return s;
}

BLIS_DEF blis_status blis_csv_get_f64(const blis_csv *csv, uint32_t row, uint32_t col, double *out, blis_err *err) {
    const blis_csv_field *f = blis__csv_cell_for(csv, row, col, err);
    blis_str t;
    blis_status st;
    if (!f) return BLIS_E_INVALID;
    t = blis__csv_trimmed(f);
    st = blis_parse_f64(t.ptr, t.len, BLIS_NUM_ALLOW_PLUS | BLIS_NUM_LOOSE_DOT, out);
    if (st == BLIS_E_RANGE)
        return blis__csv_bad_cell(csv, f, row, col, st, "a number within the range of a double", err);
    if (st != BLIS_OK) return blis__csv_bad_cell(csv, f, row, col, BLIS_E_TYPE, "a number", err);
    return BLIS_OK;
}

BLIS_DEF blis_status blis_csv_get_i64(const blis_csv *csv, uint32_t row, uint32_t col, int64_t *out, blis_err *err) {
    const blis_csv_field *f = blis__csv_cell_for(csv, row, col, err);
    blis_str t;
    blis_status st;
    double v;
    if (!f) return BLIS_E_INVALID;
    t = blis__csv_trimmed(f);
    st = blis_parse_i64(t.ptr, t.len, BLIS_NUM_ALLOW_PLUS | BLIS_NUM_LOOSE_DOT, out);
    if (st == BLIS_E_RANGE) return blis__csv_bad_cell(csv, f, row, col, st, "an integer within 64 bits", err);
    if (st == BLIS_OK) return st;
    /* "12.0" (a float column holding an integer) is accepted when exact. */
    if (blis_parse_f64(t.ptr, t.len, BLIS_NUM_ALLOW_PLUS | BLIS_NUM_LOOSE_DOT, &v) == BLIS_OK && v == floor(v) &&
        v >= -9223372036854775808.0 && v < 9223372036854775808.0) {
        *out = (int64_t)v;
        return BLIS_OK;
    }
    return blis__csv_bad_cell(csv, f, row, col, BLIS_E_TYPE, "an integer", err);
}

BLIS_DEF blis_status blis_csv_get_str(const blis_csv *csv, uint32_t row, uint32_t col, const char **out,
                                      blis_err *err) {
    const blis_csv_field *f = blis__csv_cell_for(csv, row, col, err);
    if (!f) return BLIS_E_INVALID;
    *out = f->ptr;
    return BLIS_OK;
}

/* Table invariants; 0 when they hold. */
BLIS_DEF int blis_csv_check(const blis_csv *csv) {
    size_t i, n = (size_t)csv->rows * csv->columns;
    if (csv->rows && !csv->cells) return 1;
    for (i = 0; i < n; i++)
        if (!csv->cells[i].ptr || csv->cells[i].ptr[csv->cells[i].len] != '\0' || csv->cells[i].line == 0) return 2;
    for (i = 0; i < csv->columns; i++)
        if (!csv->header[i].len) return 3;
    return 0;
}

/* ==== >>yaml  implementation ====
 * Owns: the YAML-subset parser (see the doc block for the subset). Uses:
 * >>base, and the document builder of >>json (YAML parses into blis_doc).
 * Used by: defaults files, workload specs, policy bundles.
 * Invariants: the parser is line-oriented for block structure; every
 * block-level function returns with pos at the start of a line (or at the
 * end of input); indentation is counted in spaces and a tab in indentation is
 * an error; recursion depth is bounded by max_depth (block and flow levels
 * together). The result satisfies blis_doc_check. */

typedef struct blis__yp {
    const char *src;
    size_t len;
    size_t pos;
    uint32_t line;
    size_t line_start;
    int seen_content;
    int seen_doc_start;
    blis__builder b;
} blis__yp;

static uint32_t blis__yp_col(const blis__yp *p) { return (uint32_t)(p->pos - p->line_start + 1); }

static blis_status blis__yp_fail(blis__yp *p, blis_status st, const char *msg) {
    return blis_err_set(p->b.err, st, p->line, blis__yp_col(p), "%s", msg);
}

static int blis__yp_eol_at(const blis__yp *p, size_t i) {
    return i >= p->len || p->src[i] == '\n' || (p->src[i] == '\r' && i + 1 < p->len && p->src[i + 1] == '\n');
}

static int blis__yp_blank_at(const blis__yp *p, size_t i) {
    return blis__yp_eol_at(p, i) || p->src[i] == ' ' || p->src[i] == '\t';
}

/* Moves pos past the current line's end. */
static void blis__yp_next_line(blis__yp *p) {
    while (p->pos < p->len && p->src[p->pos] != '\n') p->pos++;
    if (p->pos < p->len) {
        p->pos++;
        p->line++;
        p->line_start = p->pos;
    }
}

/* Skips spaces and tabs (separation whitespace within a line). */
static void blis__yp_spaces(blis__yp *p) {
    while (p->pos < p->len && (p->src[p->pos] == ' ' || p->src[p->pos] == '\t')) p->pos++;
}

/* After a value: only spaces and an optional comment may end the line. */
static blis_status blis__yp_end_of_line(blis__yp *p) {
    size_t before = p->pos;
    blis__yp_spaces(p);
    if (p->pos < p->len && p->src[p->pos] == '#' && (p->pos > before || p->pos == p->line_start)) {
        blis__yp_next_line(p);
        return BLIS_OK;
    }
    if (!blis__yp_eol_at(p, p->pos)) {
        if (p->src[p->pos] == '#') return blis__yp_fail(p, BLIS_E_SYNTAX, "a comment needs a space before '#'");
        return blis__yp_fail(p, BLIS_E_SYNTAX, "unexpected text after the value (expected the end of the line)");
    }
    blis__yp_next_line(p);
    return BLIS_OK;
}

/* Moves pos to the start of the next line with content and returns its
 * indentation, or -1 at the end of input, or -2 after an error. */
static int blis__yp_next_content(blis__yp *p, blis_status *st) {
    for (;;) {
        size_t i = p->pos;
        int ind;
        if (p->pos >= p->len) return -1;
        while (i < p->len && p->src[i] == ' ') i++;
        ind = (int)(i - p->pos);
        if (i < p->len && p->src[i] == '\t') {
            size_t j = i;
            while (j < p->len && (p->src[j] == ' ' || p->src[j] == '\t')) j++;
            if (!blis__yp_eol_at(p, j) && p->src[j] != '#') {
                p->pos = i;
                *st = blis__yp_fail(p, BLIS_E_UNSUPPORTED, "tab character used for indentation (indent with spaces)");
                return -2;
            }
            i = j;
        }
        if (blis__yp_eol_at(p, i) || p->src[i] == '#') {
            blis__yp_next_line(p);
            continue;
        }
        if (ind == 0 && p->len - i >= 3 && (memcmp(p->src + i, "---", 3) == 0 || memcmp(p->src + i, "...", 3) == 0) &&
            blis__yp_blank_at(p, i + 3)) {
            p->pos = i;
            if (p->src[i] == '.') {
                *st = blis__yp_fail(p, BLIS_E_UNSUPPORTED,
                                    "document end marker '...' is not supported (one document per file)");
                return -2;
            }
            if (p->seen_content || p->seen_doc_start) {
                *st = blis__yp_fail(p, BLIS_E_UNSUPPORTED, "multiple documents are not supported (a second '---')");
                return -2;
            }
            p->seen_doc_start = 1;
            p->pos += 3;
            blis__yp_spaces(p);
            if (!blis__yp_eol_at(p, p->pos) && p->src[p->pos] != '#') {
                *st = blis__yp_fail(p, BLIS_E_UNSUPPORTED,
                                    "content on the '---' line is not supported (start it on the next line)");
                return -2;
            }
            blis__yp_next_line(p);
            continue;
        }
        if (ind == 0 && p->src[i] == '%') {
            p->pos = i;
            *st = blis__yp_fail(p, BLIS_E_UNSUPPORTED, "directives (%YAML, %TAG) are not supported");
            return -2;
        }
        return ind;
    }
}

/* Rejects the characters that start constructs outside the subset. */
static blis_status blis__yp_check_indicator(blis__yp *p) {
    char c = p->src[p->pos];
    switch (c) {
    case '&': return blis__yp_fail(p, BLIS_E_UNSUPPORTED, "anchors (&) are not supported");
    case '*': return blis__yp_fail(p, BLIS_E_UNSUPPORTED, "aliases (*) are not supported");
    case '!': return blis__yp_fail(p, BLIS_E_UNSUPPORTED, "tags (!) are not supported");
    case '|':
    case '>':
        return blis__yp_fail(p, BLIS_E_UNSUPPORTED, "block scalars (| and >) are not supported; use a quoted string");
    case '@':
    case '`': return blis__yp_fail(p, BLIS_E_SYNTAX, "reserved indicator ('@' or '`') cannot start a plain scalar");
    case '%': return blis__yp_fail(p, BLIS_E_UNSUPPORTED, "directives (%) are not supported");
    case ',':
    case ']':
    case '}': return blis__yp_fail(p, BLIS_E_SYNTAX, "a flow indicator (',' ']' '}') cannot start a plain scalar");
    case '?':
        if (blis__yp_blank_at(p, p->pos + 1))
            return blis__yp_fail(p, BLIS_E_UNSUPPORTED, "complex keys (?) are not supported");
        break;
    default: break;
    }
    return BLIS_OK;
}

static int blis__yp_is_seq_item(const blis__yp *p, size_t i) {
    return i < p->len && p->src[i] == '-' && blis__yp_blank_at(p, i + 1);
}

/* Resolves a plain scalar per the YAML 1.2 core schema into node n. */
static blis_status blis__yp_resolve_plain(blis__yp *p, uint32_t idx, const char *s, size_t n) {
    blis_node *node = &p->b.doc->nodes[idx];
    char *text = blis__arena_strndup(&p->b.doc->arena, s, n);
    size_t i = (n && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
    if (!text) return blis__nomem(p->b.err);
    node->raw = text;
    if (n == 0 || (n == 1 && s[0] == '~') || !strcmp(text, "null") || !strcmp(text, "Null") || !strcmp(text, "NULL")) {
        node->kind = BLIS_NODE_NULL;
        return BLIS_OK;
    }
    if (!strcmp(text, "true") || !strcmp(text, "True") || !strcmp(text, "TRUE") || !strcmp(text, "false") ||
        !strcmp(text, "False") || !strcmp(text, "FALSE")) {
        node->kind = BLIS_NODE_BOOL;
        node->as.boolean = text[0] == 't' || text[0] == 'T';
        return BLIS_OK;
    }
    if (!strcmp(text + i, ".inf") || !strcmp(text + i, ".Inf") || !strcmp(text + i, ".INF")) {
        node->kind = BLIS_NODE_NUMBER;
        node->as.number = text[0] == '-' ? -HUGE_VAL : HUGE_VAL;
        return BLIS_OK;
    }
    if (!strcmp(text, ".nan") || !strcmp(text, ".NaN") || !strcmp(text, ".NAN")) {
        node->kind = BLIS_NODE_NUMBER;
        node->as.number = 0.0 * HUGE_VAL; /* NaN without relying on the NAN macro */
        return BLIS_OK;
    }
    if (i == 0 && n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
        int64_t v;
        blis_status st = blis__int_literal(text, &v);
        if (st == BLIS_E_RANGE) return blis__yp_fail(p, BLIS_E_RANGE, "integer out of range (64-bit)");
        if (st == BLIS_OK) {
            node->kind = BLIS_NODE_NUMBER;
            node->flags |= BLIS_NODE_F_INT_LITERAL;
            node->as.number = (double)v;
            return BLIS_OK;
        }
    } else {
        blis__dec dec;
        size_t end = 0;
        int is_int = 1;
        if (blis__dec_scan(s, n, BLIS_NUM_ALLOW_PLUS | BLIS_NUM_LOOSE_DOT, &dec, &end, &is_int) == BLIS_OK &&
            end == n) {
            node->kind = BLIS_NODE_NUMBER;
            if (is_int) node->flags |= BLIS_NODE_F_INT_LITERAL;
            if (blis__dec_to_f64(&dec, &node->as.number) != BLIS_OK)
                return blis__yp_fail(p, BLIS_E_RANGE, "number out of the range of a double");
            return BLIS_OK;
        }
    }
    node->kind = BLIS_NODE_STRING;
    node->as.string = text;
    node->count = (uint32_t)n;
    return BLIS_OK;
}

/* Decodes a YAML double-quoted escape at p->pos (the backslash). */
static blis_status blis__yp_escape(blis__yp *p, char *out, size_t *n) {
    static const char from[] = "0abtnvfre \"/\\";
    static const char to[] = "\0\a\b\t\n\v\f\r\x1b \"/\\";
    char e = p->pos + 1 < p->len ? p->src[p->pos + 1] : '\0';
    const char *hit = e ? strchr(from, e) : NULL;
    int digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
    uint32_t cp = 0;
    int i;
    if (hit) {
        out[(*n)++] = to[hit - from];
        p->pos += 2;
        return BLIS_OK;
    }
    if (e == 'N' || e == '_' || e == 'L' || e == 'P') {
        cp = e == 'N' ? 0x85u : e == '_' ? 0xA0u : e == 'L' ? 0x2028u : 0x2029u;
        *n += blis__utf8_encode(cp, out + *n);
        p->pos += 2;
        return BLIS_OK;
    }
    if (!digits) return blis__yp_fail(p, BLIS_E_SYNTAX, "invalid escape sequence in a double-quoted scalar");
    for (i = 0; i < digits; i++) {
        int h = p->pos + 2 + (size_t)i < p->len ? blis__hex_value(p->src[p->pos + 2 + (size_t)i]) : -1;
        if (h < 0) return blis__yp_fail(p, BLIS_E_SYNTAX, "invalid hex digits in an escape sequence");
        cp = cp * 16 + (uint32_t)h;
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return blis__yp_fail(p, BLIS_E_SYNTAX, "escape sequence is not a valid Unicode scalar value");
    *n += blis__utf8_encode(cp, out + *n);
    p->pos += 2 + (size_t)digits;
    return BLIS_OK;
}

/* Offset of the closing quote of the quoted scalar opening at 'open' (''
 * and \" do not close it), or of the line end / input end if unterminated. */
static size_t blis__yp_quoted_end(const blis__yp *p, size_t open) {
    char q = p->src[open];
    size_t i = open + 1;
    while (i < p->len && p->src[i] != '\n') {
        if (p->src[i] == q) {
            if (q == '\'' && i + 1 < p->len && p->src[i + 1] == '\'') {
                i += 2;
                continue;
            }
            return i;
        }
        i += (q == '"' && p->src[i] == '\\' && i + 1 < p->len && p->src[i + 1] != '\n') ? 2 : 1;
    }
    return i;
}

/* Parses a quoted scalar at p->pos into a new STRING node. */
static blis_status blis__yp_quoted(blis__yp *p, uint32_t parent, uint32_t *out) {
    char q = p->src[p->pos];
    size_t open = p->pos, i = p->pos + 1, n = 0;
    blis_node *node;
    char *buf;
    blis_status st;
    i = blis__yp_quoted_end(p, p->pos);
    if (i >= p->len || p->src[i] != q)
        return blis__yp_fail(p, BLIS_E_UNSUPPORTED,
                             "unterminated quoted scalar (multi-line quoted scalars are not supported)");
    if ((st = blis__node_new(&p->b, BLIS_NODE_STRING, p->line, blis__yp_col(p), parent, out))) return st;
    /* Decoding can lengthen text: \L and \P (2 bytes) become 3 bytes of UTF-8. */
    buf = (char *)blis__arena_alloc(&p->b.doc->arena, 2 * (i - open) + 1);
    if (!buf) return blis__nomem(p->b.err);
    p->pos = open + 1;
    while (p->pos < i) {
        char c = p->src[p->pos];
        if (q == '\'' && c == '\'') {
            buf[n++] = '\'';
            p->pos += 2;
        } else if (q == '"' && c == '\\') {
            if ((st = blis__yp_escape(p, buf, &n))) return st;
        } else {
            buf[n++] = c;
            p->pos++;
        }
    }
    p->pos = i + 1;
    buf[n] = '\0';
    node = &p->b.doc->nodes[*out];
    node->as.string = buf;
    node->count = (uint32_t)n;
    node->raw = buf;
    node->flags |= BLIS_NODE_F_QUOTED;
    return BLIS_OK;
}

/* ---- flow collections ---- */

/* Skips whitespace, line ends and comments inside a flow collection. */
static void blis__yp_flow_ws(blis__yp *p) {
    for (;;) {
        size_t before = p->pos;
        blis__yp_spaces(p);
        (void)before;
        if (p->pos < p->len && p->src[p->pos] == '#') { /* tokens never start with '#' */
            while (p->pos < p->len && p->src[p->pos] != '\n') p->pos++;
        }
        if (p->pos < p->len && p->src[p->pos] == '\r' && p->pos + 1 < p->len && p->src[p->pos + 1] == '\n') p->pos++;
        if (p->pos < p->len && p->src[p->pos] == '\n') {
            p->pos++;
            p->line++;
            p->line_start = p->pos;
            continue;
        }
        return;
    }
}

static int blis__yp_flow_indicator(char c) { return c == ',' || c == '[' || c == ']' || c == '{' || c == '}'; }

/* A ':' that separates a key from its value: followed by a blank, a flow
 * indicator (inside flow collections) or the end of the line. */
static int blis__yp_is_value_colon(const blis__yp *p, size_t i, int flow) {
    if (i >= p->len || p->src[i] != ':') return 0;
    if (blis__yp_blank_at(p, i + 1)) return 1;
    return flow && blis__yp_flow_indicator(p->src[i + 1]);
}

/* Scans a plain scalar from p->pos; returns its trimmed length. */
static size_t blis__yp_plain_len(const blis__yp *p, int flow) {
    size_t i = p->pos, last = p->pos;
    while (!blis__yp_eol_at(p, i)) {
        char c = p->src[i];
        if (blis__yp_is_value_colon(p, i, flow)) break;
        if (flow && blis__yp_flow_indicator(c)) break;
        if (c == '#' && i > p->pos && (p->src[i - 1] == ' ' || p->src[i - 1] == '\t')) break;
        i++;
        if (c != ' ' && c != '\t') last = i;
    }
    return last - p->pos;
}

static blis_status blis__yp_plain(blis__yp *p, uint32_t parent, int flow, uint32_t *out) {
    size_t n;
    blis_status st;
    char c = p->src[p->pos];
    if ((st = blis__yp_check_indicator(p))) return st;
    if (c == '-' && blis__yp_blank_at(p, p->pos + 1))
        return blis__yp_fail(p, BLIS_E_SYNTAX,
                             flow ? "block sequence item inside a flow collection"
                                  : "a block sequence cannot start on the same line as its key");
    n = blis__yp_plain_len(p, flow);
    if (n == 0) return blis__yp_fail(p, BLIS_E_SYNTAX, "expected a value");
    if ((st = blis__node_new(&p->b, BLIS_NODE_STRING, p->line, blis__yp_col(p), parent, out))) return st;
    if ((st = blis__yp_resolve_plain(p, *out, p->src + p->pos, n))) return st;
    p->pos += n;
    return BLIS_OK;
}

static blis_status blis__yp_flow_node(blis__yp *p, uint32_t parent, uint32_t depth, uint32_t *out);

static blis_status blis__yp_flow_key(blis__yp *p, uint32_t parent, uint32_t *out) {
    char c = p->pos < p->len ? p->src[p->pos] : '\0';
    if (c == '[' || c == '{')
        return blis__yp_fail(p, BLIS_E_UNSUPPORTED, "collections as mapping keys are not supported");
    if (c == '"' || c == '\'') return blis__yp_quoted(p, parent, out);
    if (blis__yp_eol_at(p, p->pos)) return blis__yp_fail(p, BLIS_E_SYNTAX, "expected a key");
    {
        blis_status st = blis__yp_plain(p, parent, 1, out);
        blis_node *k;
        if (st != BLIS_OK) return st;
        k = &p->b.doc->nodes[*out]; /* keys are strings, whatever they look like */
        k->kind = BLIS_NODE_STRING;
        k->as.string = k->raw;
        k->count = (uint32_t)strlen(k->raw);
        k->flags = 0;
        return BLIS_OK;
    }
}

static blis_status blis__yp_null_node(blis__yp *p, uint32_t parent, uint32_t *out) {
    blis_status st = blis__node_new(&p->b, BLIS_NODE_NULL, p->line, blis__yp_col(p), parent, out);
    if (st == BLIS_OK) p->b.doc->nodes[*out].raw = "";
    return st;
}

static blis_status blis__yp_flow_collection(blis__yp *p, uint32_t self, uint32_t depth) {
    int is_map = p->src[p->pos] == '{';
    char close = is_map ? '}' : ']';
    size_t base = p->b.stack_len;
    uint32_t open_line = p->line;
    blis_status st;
    p->pos++;
    for (;;) {
        uint32_t child;
        blis__yp_flow_ws(p);
        if (p->pos >= p->len) {
            blis_err_set(p->b.err, BLIS_E_SYNTAX, open_line, p->b.doc->nodes[self].col,
                         "unterminated flow collection (missing '%c')", close);
            return BLIS_E_SYNTAX;
        }
        if (p->src[p->pos] == close) {
            p->pos++;
            return blis__builder_close(&p->b, self, base);
        }
        if (is_map) {
            if ((st = blis__yp_flow_key(p, self, &child))) return st;
            if ((st = blis__builder_push(&p->b, child))) return st;
            blis__yp_flow_ws(p);
            if (p->pos < p->len && p->src[p->pos] == ':') {
                p->pos++;
                blis__yp_flow_ws(p);
                if (p->pos < p->len && (p->src[p->pos] == ',' || p->src[p->pos] == '}'))
                    st = blis__yp_null_node(p, self, &child);
                else
                    st = blis__yp_flow_node(p, self, depth, &child);
            } else {
                st = blis__yp_null_node(p, self, &child);
            }
        } else {
            st = blis__yp_flow_node(p, self, depth, &child);
        }
        if (st != BLIS_OK) return st;
        if ((st = blis__builder_push(&p->b, child))) return st;
        blis__yp_flow_ws(p);
        if (!is_map && p->pos < p->len && p->src[p->pos] == ':')
            return blis__yp_fail(p, BLIS_E_UNSUPPORTED,
                                 "implicit mappings inside flow sequences ([a: b]) are not supported");
        if (p->pos < p->len && p->src[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->src[p->pos] == close) continue;
        if (p->pos >= p->len) continue; /* reported as unterminated above */
        return blis__yp_fail(p, BLIS_E_SYNTAX,
                             is_map ? "expected ',' or '}' in a flow mapping"
                                    : "expected ',' or ']' in a flow sequence");
    }
}

static blis_status blis__yp_flow_node(blis__yp *p, uint32_t parent, uint32_t depth, uint32_t *out) {
    char c = p->pos < p->len ? p->src[p->pos] : '\0';
    blis_status st;
    if (p->pos >= p->len) return blis__yp_fail(p, BLIS_E_SYNTAX, "unexpected end of input inside a flow collection");
    if (c == '[' || c == '{') {
        if ((st = blis__depth_check(&p->b, depth + 1, p->line, blis__yp_col(p)))) return st;
        if ((st = blis__node_new(&p->b, c == '[' ? BLIS_NODE_ARRAY : BLIS_NODE_OBJECT, p->line, blis__yp_col(p), parent,
                                 out)))
            return st;
        return blis__yp_flow_collection(p, *out, depth + 1);
    }
    if (c == '"' || c == '\'') return blis__yp_quoted(p, parent, out);
    if (c == ']' || c == '}' || c == ',') return blis__yp_fail(p, BLIS_E_SYNTAX, "expected a value");
    return blis__yp_plain(p, parent, 1, out);
}

/* ---- block structure ---- */

static blis_status blis__yp_block_node(blis__yp *p, int indent, uint32_t parent, uint32_t depth, uint32_t *out);

/* Is the text at p->pos a mapping key ("key:" followed by blank or EOL)? */
static int blis__yp_is_key_here(const blis__yp *p) {
    size_t i = p->pos;
    char c = p->src[i];
    if (c == '"' || c == '\'') {
        i = blis__yp_quoted_end(p, i);
        if (i >= p->len || p->src[i] != c) return 0;
        i++;
        while (i < p->len && (p->src[i] == ' ' || p->src[i] == '\t')) i++;
        return blis__yp_is_value_colon(p, i, 0);
    }
    if (c == '[' || c == '{') return 0;
    while (!blis__yp_eol_at(p, i)) {
        if (p->src[i] == '#' && i > p->pos && (p->src[i - 1] == ' ' || p->src[i - 1] == '\t')) return 0;
        if (blis__yp_is_value_colon(p, i, 0)) return 1;
        i++;
    }
    return 0;
}

/* An inline value in block context: a scalar or a flow collection, then the
 * end of the line. */
static blis_status blis__yp_inline(blis__yp *p, uint32_t parent, uint32_t depth, uint32_t *out) {
    char c = p->src[p->pos];
    blis_status st;
    if (c == '[' || c == '{' || c == '"' || c == '\'') {
        size_t after;
        if ((st = blis__yp_flow_node(p, parent, depth, out))) return st;
        after = p->pos;
        blis__yp_spaces(p);
        if (p->pos < p->len && p->src[p->pos] == ':' && blis__yp_blank_at(p, p->pos + 1))
            return blis__yp_fail(p, BLIS_E_UNSUPPORTED,
                                 c == '[' || c == '{' ? "collections as mapping keys are not supported"
                                                      : "mappings are not allowed as inline values");
        p->pos = after;
    } else {
        if (blis__yp_is_key_here(p))
            return blis__yp_fail(p, BLIS_E_SYNTAX,
                                 "mappings are not allowed as inline values (put the nested mapping on its own lines)");
        if ((st = blis__yp_plain(p, parent, 0, out))) return st;
    }
    return blis__yp_end_of_line(p);
}

static blis_status blis__yp_block_key(blis__yp *p, uint32_t parent, uint32_t *out) {
    blis_status st;
    char c = p->src[p->pos];
    blis_node *k;
    if (c == '"' || c == '\'') {
        if ((st = blis__yp_quoted(p, parent, out))) return st;
        blis__yp_spaces(p);
    } else {
        size_t i = p->pos;
        if ((st = blis__yp_check_indicator(p))) return st;
        while (!blis__yp_is_value_colon(p, i, 0)) i++;
        while (i > p->pos && (p->src[i - 1] == ' ' || p->src[i - 1] == '\t')) i--;
        if (i == p->pos) return blis__yp_fail(p, BLIS_E_SYNTAX, "empty mapping key");
        if ((st = blis__node_new(&p->b, BLIS_NODE_STRING, p->line, blis__yp_col(p), parent, out))) return st;
        k = &p->b.doc->nodes[*out];
        k->as.string = k->raw = blis__arena_strndup(&p->b.doc->arena, p->src + p->pos, i - p->pos);
        if (!k->raw) return blis__nomem(p->b.err);
        k->count = (uint32_t)(i - p->pos);
        p->pos = i;
        blis__yp_spaces(p);
    }
    p->pos++; /* the ':' */
    return BLIS_OK;
}

/* The value after "key:": inline, on the following more indented lines, an
 * indentless sequence at the key's own indentation, or null. */
static blis_status blis__yp_map_value(blis__yp *p, int indent, uint32_t map, uint32_t depth, uint32_t *out) {
    blis_status st = BLIS_OK;
    int ind;
    blis__yp_spaces(p);
    if (!blis__yp_eol_at(p, p->pos) && p->src[p->pos] != '#') return blis__yp_inline(p, map, depth, out);
    if ((st = blis__yp_null_node(p, map, out))) return st;
    blis__yp_next_line(p); /* only blanks or a comment (after a blank) remain */
    ind = blis__yp_next_content(p, &st);
    if (ind == -2) return st;
    if (ind > indent || (ind == indent && blis__yp_is_seq_item(p, p->pos + (size_t)ind))) {
        p->b.doc->node_count--; /* drop the provisional null */
        return blis__yp_block_node(p, ind, map, depth, out);
    }
    return BLIS_OK;
}

static blis_status blis__yp_block_map(blis__yp *p, int indent, uint32_t self, uint32_t depth) {
    size_t base = p->b.stack_len;
    blis_status st = BLIS_OK;
    for (;;) {
        uint32_t key, value;
        int ind;
        if ((st = blis__yp_block_key(p, self, &key))) return st;
        if ((st = blis__builder_push(&p->b, key))) return st;
        if ((st = blis__yp_map_value(p, indent, self, depth, &value))) return st;
        if ((st = blis__builder_push(&p->b, value))) return st;
        ind = blis__yp_next_content(p, &st);
        if (ind == -2) return st;
        if (ind < indent) break;
        p->pos += (size_t)ind;
        if (ind > indent)
            return blis__yp_fail(p, BLIS_E_SYNTAX,
                                 "unexpected indentation (multi-line plain scalars are not supported)");
        if (blis__yp_is_seq_item(p, p->pos))
            return blis__yp_fail(p, BLIS_E_SYNTAX, "expected a mapping key, found a sequence item");
        if (!blis__yp_is_key_here(p)) {
            if (blis__yp_check_indicator(p)) return p->b.err->status;
            return blis__yp_fail(p, BLIS_E_SYNTAX, "expected a mapping key (\"key: value\")");
        }
    }
    return blis__builder_close(&p->b, self, base);
}

static blis_status blis__yp_block_seq(blis__yp *p, int indent, uint32_t self, uint32_t depth) {
    size_t base = p->b.stack_len;
    blis_status st = BLIS_OK;
    for (;;) {
        uint32_t item;
        int ind;
        p->pos++; /* the '-' */
        blis__yp_spaces(p);
        if (blis__yp_eol_at(p, p->pos) || p->src[p->pos] == '#') {
            if ((st = blis__yp_null_node(p, self, &item))) return st;
            blis__yp_next_line(p);
            ind = blis__yp_next_content(p, &st);
            if (ind == -2) return st;
            if (ind > indent) {
                p->b.doc->node_count--;
                if ((st = blis__yp_block_node(p, ind, self, depth, &item))) return st;
            }
        } else if ((st = blis__yp_block_node(p, -1, self, depth, &item))) {
            return st;
        }
        if ((st = blis__builder_push(&p->b, item))) return st;
        ind = blis__yp_next_content(p, &st);
        if (ind == -2) return st;
        if (ind < indent || (ind == indent && !blis__yp_is_seq_item(p, p->pos + (size_t)ind))) break;
        p->pos += (size_t)ind;
        if (ind > indent) return blis__yp_fail(p, BLIS_E_SYNTAX, "unexpected indentation in a sequence");
    }
    return blis__builder_close(&p->b, self, base);
}

/* A node whose first byte is at p->pos (indent >= 0: pos is at the start of
 * a line with that indentation; -1: pos is already on the content, after
 * "- "). Block collections take the content's column as their indentation. */
static blis_status blis__yp_block_node(blis__yp *p, int indent, uint32_t parent, uint32_t depth, uint32_t *out) {
    blis_status st;
    int col;
    if (indent >= 0) p->pos += (size_t)indent;
    col = (int)(p->pos - p->line_start);
    if ((st = blis__depth_check(&p->b, depth + 1, p->line, blis__yp_col(p)))) return st;
    p->seen_content = 1;
    if (blis__yp_is_seq_item(p, p->pos)) {
        if ((st = blis__node_new(&p->b, BLIS_NODE_ARRAY, p->line, blis__yp_col(p), parent, out))) return st;
        return blis__yp_block_seq(p, col, *out, depth + 1);
    }
    if (blis__yp_is_key_here(p)) {
        if ((st = blis__node_new(&p->b, BLIS_NODE_OBJECT, p->line, blis__yp_col(p), parent, out))) return st;
        return blis__yp_block_map(p, col, *out, depth + 1);
    }
    return blis__yp_inline(p, parent, depth, out);
}

/* Checks the whole input: valid UTF-8, no control characters but tab, LF
 * and CR before LF. Reports the first offender with its position. */
static blis_status blis__yp_check_chars(blis__yp *p) {
    size_t i = p->pos;
    while (i < p->len) {
        unsigned char c = (unsigned char)p->src[i];
        size_t k = 1;
        const char *msg = NULL;
        uint32_t cp;
        if (c == '\n') {
            p->line++;
            p->line_start = i + 1;
        } else if (c >= 0x80) {
            k = blis__utf8_decode((const unsigned char *)p->src + i, p->len - i, &cp);
            if (!k) msg = "invalid UTF-8";
        } else if (c == '\r' && !(i + 1 < p->len && p->src[i + 1] == '\n')) {
            msg = "carriage return not followed by a line feed";
        } else if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7F) {
            msg = "control character not allowed in YAML";
        }
        if (msg) {
            p->pos = i;
            return blis__yp_fail(p, BLIS_E_SYNTAX, msg);
        }
        i += k;
    }
    p->line = 1;
    p->line_start = p->pos;
    return BLIS_OK;
}

BLIS_DEF blis_status blis_yaml_parse(const char *src, size_t len, const blis_parse_opts *opts, blis_doc *doc,
                                     blis_err *err) {
    blis__yp p;
    blis_status st;
    uint32_t root = 0;
    int ind;
    memset(&p, 0, sizeof p);
    /* YAML forbids duplicate keys whatever the options say */
    if ((st = blis__doc_begin(src, len, opts, 0, doc, &p.b, err))) return blis__builder_end(&p.b, st);
    p.src = src;
    p.len = len;
    p.line = 1;
    p.pos = p.line_start = blis__skip_bom(src, len);
    if ((st = blis__yp_check_chars(&p))) return blis__builder_end(&p.b, st);
    ind = blis__yp_next_content(&p, &st);
    if (ind == -2) return blis__builder_end(&p.b, st);
    if (ind == -1) { /* an empty document is null */
        st = blis__node_new(&p.b, BLIS_NODE_NULL, 1, 1, BLIS__NONE, &root);
        if (st == BLIS_OK) doc->nodes[root].raw = "";
        return blis__builder_end(&p.b, st);
    }
    st = blis__yp_block_node(&p, ind, BLIS__NONE, 0, &root);
    if (st == BLIS_OK) {
        int next = blis__yp_next_content(&p, &st);
        if (next == -2) return blis__builder_end(&p.b, st);
        if (next >= 0) {
            p.pos += (size_t)next;
            st = blis__yp_fail(&p, BLIS_E_SYNTAX,
                               "unexpected content after the document's top-level value (check the indentation)");
        }
    }
    return blis__builder_end(&p.b, st);
}

BLIS_DEF blis_status blis_doc_load(const char *path, int yaml, blis_doc *doc, blis_err *err) {
    char *src = NULL;
    size_t len = 0;
    blis_parse_opts o;
    blis_status st = blis_file_read(path, 0, NULL, &src, &len, err);
    if (st == BLIS_E_IO && !src) err->status = st = BLIS_E_MISSING;
    memset(doc, 0, sizeof *doc);
    memset(&o, 0, sizeof o);
    o.source = path;
    if (st == BLIS_OK) st = yaml ? blis_yaml_parse(src, len, &o, doc, err) : blis_json_parse(src, len, &o, doc, err);
    blis_file_free(NULL, src);
    return st;
}

/* ==== >>gzip  implementation ====
 * Owns: the output buffer while inflating. Uses: >>base (growth, errors).
 * Invariants: a bit reader never reads past the input; a code is decoded
 * canonically from its code-length counts (RFC 1951 §3.2.2); distances
 * never reach before the output's start; output stays under the cap. */

typedef struct blis__inflate {
    const unsigned char *in;
    size_t len, pos;
    uint32_t bits;
    int nbits;
    char *out;
    size_t out_len, out_cap, max_out;
    const blis_alloc *alloc;
} blis__inflate;

typedef struct blis__huff {
    int16_t count[16];   /* codes of each length */
    int16_t symbol[320]; /* symbols ordered by code */
} blis__huff;

BLIS_DEF uint32_t blis_crc32(const unsigned char *p, size_t n) {
    uint32_t table[256], c = 0xFFFFFFFFu;
    uint32_t i, k;
    size_t j;
    for (i = 0; i < 256; i++) {
        uint32_t v = i;
        for (k = 0; k < 8; k++) v = v & 1 ? 0xEDB88320u ^ (v >> 1) : v >> 1;
        table[i] = v;
    }
    for (j = 0; j < n; j++) c = table[(c ^ p[j]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/* n bits LSB first; -1 at the end of the input. */
static int32_t blis__inf_bits(blis__inflate *s, int n) {
    uint32_t v;
    while (s->nbits < n) {
        if (s->pos >= s->len) return -1;
        s->bits |= (uint32_t)s->in[s->pos++] << s->nbits;
        s->nbits += 8;
    }
    v = s->bits & ((1u << n) - 1u);
    s->bits >>= n;
    s->nbits -= n;
    return (int32_t)v;
}

/* Builds a canonical code from code lengths; -1 when over-subscribed. */
static int blis__huff_build(blis__huff *h, const uint8_t *lengths, int n) {
    int16_t offs[16];
    int len, sym, left = 1;
    memset(h->count, 0, sizeof h->count);
    for (sym = 0; sym < n; sym++) h->count[lengths[sym]]++;
    if (h->count[0] == n) return 0; /* no codes: decoding will fail if used */
    for (len = 1; len < 16; len++) {
        left <<= 1;
        left -= h->count[len];
        if (left < 0) return -1;
    }
    offs[1] = 0;
    for (len = 1; len < 15; len++) offs[len + 1] = (int16_t)(offs[len] + h->count[len]);
    for (sym = 0; sym < n; sym++)
        if (lengths[sym]) h->symbol[offs[lengths[sym]]++] = (int16_t)sym;
    return 0;
}

/* One symbol, reading the code a bit at a time (codes are MSB first). */
static int blis__huff_decode(blis__inflate *s, const blis__huff *h) {
    int code = 0, first = 0, index = 0, len;
    for (len = 1; len < 16; len++) {
        int32_t b = blis__inf_bits(s, 1), count = h->count[len];
        if (b < 0) return -1;
        code |= b;
        if (code - count < first) return h->symbol[index + (code - first)];
        index += count;
        first += count;
        first <<= 1;
        code <<= 1;
    }
    return -2; /* ran out of codes */
}

static int blis__inf_put(blis__inflate *s, char c) {
    if (s->out_len + 1 >= s->max_out) return -1;
    if (s->out_len + 1 >= s->out_cap && blis__grow(s->alloc, (void **)&s->out, &s->out_cap, s->out_len + 2, 1))
        return -2;
    s->out[s->out_len++] = c;
    return 0;
}

static const uint16_t blis__len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                            31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t blis__len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                            2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t blis__dist_base[30] = {1,    2,    3,    4,    5,    7,    9,    13,    17,    25,
                                             33,   49,   65,   97,   129,  193,  257,  385,   513,   769,
                                             1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t blis__dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                             6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/* The literal/length and distance symbols of one Huffman block. Returns 0,
 * or a negative code: -1 truncated, -2 bad code, -3 too far back, -4 over
 * the output cap, -5 out of memory. */
static int blis__inf_codes(blis__inflate *s, const blis__huff *lit, const blis__huff *dist) {
    for (;;) {
        int sym = blis__huff_decode(s, lit);
        if (sym < 0) return sym == -1 ? -1 : -2;
        if (sym < 256) {
            int r = blis__inf_put(s, (char)sym);
            if (r) return r == -1 ? -4 : -5;
        } else if (sym == 256) {
            return 0;
        } else {
            int32_t e, len, d;
            size_t from, k;
            sym -= 257;
            if (sym >= 29) return -2;
            if ((e = blis__inf_bits(s, blis__len_extra[sym])) < 0) return -1;
            len = blis__len_base[sym] + e;
            if ((sym = blis__huff_decode(s, dist)) < 0) return sym == -1 ? -1 : -2;
            if (sym >= 30) return -2;
            if ((e = blis__inf_bits(s, blis__dist_extra[sym])) < 0) return -1;
            d = blis__dist_base[sym] + e;
            if ((size_t)d > s->out_len) return -3;
            from = s->out_len - (size_t)d;
            for (k = 0; k < (size_t)len; k++) {
                int r = blis__inf_put(s, s->out[from + k]);
                if (r) return r == -1 ? -4 : -5;
            }
        }
    }
}

static int blis__inf_stored(blis__inflate *s) {
    size_t n, k;
    s->bits = 0; /* to a byte boundary */
    s->nbits = 0;
    if (s->pos + 4 > s->len) return -1;
    n = (size_t)s->in[s->pos] | (size_t)s->in[s->pos + 1] << 8;
    if ((n ^ ((size_t)s->in[s->pos + 2] | (size_t)s->in[s->pos + 3] << 8)) != 0xFFFF) return -2;
    s->pos += 4;
    if (s->pos + n > s->len) return -1;
    for (k = 0; k < n; k++) {
        int r = blis__inf_put(s, (char)s->in[s->pos + k]);
        if (r) return r == -1 ? -4 : -5;
    }
    s->pos += n;
    return 0;
}

static int blis__inf_fixed(blis__inflate *s) {
    blis__huff lit, dist;
    uint8_t l[288];
    int i;
    for (i = 0; i < 144; i++) l[i] = 8;
    for (; i < 256; i++) l[i] = 9;
    for (; i < 280; i++) l[i] = 7;
    for (; i < 288; i++) l[i] = 8;
    blis__huff_build(&lit, l, 288);
    for (i = 0; i < 30; i++) l[i] = 5;
    blis__huff_build(&dist, l, 30);
    return blis__inf_codes(s, &lit, &dist);
}

static int blis__inf_dynamic(blis__inflate *s) {
    static const uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    blis__huff lit, dist, cl;
    uint8_t lengths[320];
    int32_t nlen, ndist, ncode;
    int i;
    if ((nlen = blis__inf_bits(s, 5)) < 0 || (ndist = blis__inf_bits(s, 5)) < 0 || (ncode = blis__inf_bits(s, 4)) < 0)
        return -1;
    nlen += 257;
    ndist += 1;
    ncode += 4;
    if (nlen > 286 || ndist > 30) return -2;
    memset(lengths, 0, sizeof lengths);
    for (i = 0; i < ncode; i++) {
        int32_t v = blis__inf_bits(s, 3);
        if (v < 0) return -1;
        lengths[order[i]] = (uint8_t)v;
    }
    if (blis__huff_build(&cl, lengths, 19)) return -2;
    i = 0;
    while (i < nlen + ndist) {
        int sym = blis__huff_decode(s, &cl), rep = 0;
        uint8_t prev = 0;
        int32_t e;
        if (sym < 0) return sym == -1 ? -1 : -2;
        if (sym < 16) {
            lengths[i++] = (uint8_t)sym;
            continue;
        }
        if (sym == 16) {
            if (i == 0) return -2;
            prev = lengths[i - 1];
            if ((e = blis__inf_bits(s, 2)) < 0) return -1;
            rep = 3 + e;
        } else if (sym == 17) {
            if ((e = blis__inf_bits(s, 3)) < 0) return -1;
            rep = 3 + e;
        } else {
            if ((e = blis__inf_bits(s, 7)) < 0) return -1;
            rep = 11 + e;
        }
        if (i + rep > nlen + ndist) return -2;
        while (rep--) lengths[i++] = prev;
    }
    if (lengths[256] == 0) return -2; /* no end-of-block code */
    if (blis__huff_build(&lit, lengths, nlen) || blis__huff_build(&dist, lengths + nlen, ndist)) return -2;
    return blis__inf_codes(s, &lit, &dist);
}

BLIS_DEF blis_status blis_gunzip(const unsigned char *in, size_t len, size_t max_out_bytes, const blis_alloc *alloc,
                                 char **out, size_t *out_len, blis_err *err) {
    blis__inflate s;
    size_t member_start = 0;
    memset(&s, 0, sizeof s);
    s.in = in;
    s.len = len;
    s.alloc = alloc;
    s.max_out = max_out_bytes ? max_out_bytes : (size_t)BLIS_DEFAULT_MAX_INPUT_BYTES;
    *out = NULL;
    *out_len = 0;
    if (len < 18 || in[0] != 0x1F || in[1] != 0x8B)
        return blis_err_set(err, BLIS_E_SYNTAX, 0, 0, "not a gzip file (no 1f 8b signature)");
    while (s.pos < len) {
        unsigned flags;
        int last = 0, r = 0;
        size_t start_out = s.out_len;
        if (s.pos + 10 > len || in[s.pos] != 0x1F || in[s.pos + 1] != 0x8B || in[s.pos + 2] != 8) {
            if (s.pos > 0 && member_start > 0) break; /* trailing garbage after a member: ignored, as gzip does */
            blis__free(alloc, s.out);
            return blis_err_set(err, BLIS_E_SYNTAX, 0, 0, "byte %lu: bad gzip member header", (unsigned long)s.pos);
        }
        member_start = s.pos + 1;
        flags = in[s.pos + 3];
        s.pos += 10;
        if (flags & 4) { /* FEXTRA */
            size_t x;
            if (s.pos + 2 > len) r = -1;
            x = r ? 0 : (size_t)in[s.pos] | (size_t)in[s.pos + 1] << 8;
            s.pos += 2 + x;
        }
        if (flags & 8) /* FNAME */
            while (s.pos < len && in[s.pos++]) {
            }
        if (flags & 16) /* FCOMMENT */
            while (s.pos < len && in[s.pos++]) {
            }
        if (flags & 2) s.pos += 2; /* FHCRC */
        if (s.pos > len) r = -1;
        s.bits = 0;
        s.nbits = 0;
        while (!r && !last) {
            int32_t type;
            if ((last = blis__inf_bits(&s, 1)) < 0 || (type = blis__inf_bits(&s, 2)) < 0) {
                r = -1;
                break;
            }
            r = type == 0   ? blis__inf_stored(&s)
                : type == 1 ? blis__inf_fixed(&s)
                : type == 2 ? blis__inf_dynamic(&s)
                            : -2;
        }
        if (!r) { /* the trailer: CRC-32 and length of this member */
            uint32_t crc, size;
            s.bits = 0;
            s.nbits = 0;
            if (s.pos + 8 > len) {
                r = -1;
            } else {
                crc = (uint32_t)in[s.pos] | (uint32_t)in[s.pos + 1] << 8 | (uint32_t)in[s.pos + 2] << 16 |
                      (uint32_t)in[s.pos + 3] << 24;
                size = (uint32_t)in[s.pos + 4] | (uint32_t)in[s.pos + 5] << 8 | (uint32_t)in[s.pos + 6] << 16 |
                       (uint32_t)in[s.pos + 7] << 24;
                s.pos += 8;
                if (crc != blis_crc32(s.out ? (const unsigned char *)s.out + start_out : (const unsigned char *)"",
                                      s.out_len - start_out) ||
                    size != (uint32_t)(s.out_len - start_out))
                    r = -6;
            }
        }
        if (r) {
            static const char *const why[] = {"",
                                              "truncated",
                                              "invalid compressed data",
                                              "a distance reaches before the start",
                                              "decompressed size over the limit",
                                              "out of memory",
                                              "CRC-32 or length mismatch"};
            blis__free(alloc, s.out);
            if (r == -5) return blis__nomem(err);
            return blis_err_set(err, r == -4 ? BLIS_E_LIMIT : BLIS_E_SYNTAX, 0, 0, "byte %lu: gzip data %s",
                                (unsigned long)s.pos, why[-r]);
        }
    }
    if (blis__grow(alloc, (void **)&s.out, &s.out_cap, s.out_len + 1, 1)) {
        blis__free(alloc, s.out);
        return blis__nomem(err);
    }
    s.out[s.out_len] = '\0';
    *out = s.out;
    *out_len = s.out_len;
    return BLIS_OK;
}

/* ==== >>model  implementation ====
 * Owns: blis_model_config and blis_hw_config readers and validators, the
 * model_type registry and the dtype table. Uses: >>base, >>json. Used by:
 * >>roofline, >>mfu, the tools.
 * Invariants: a config that passed blis_model_config_validate has positive
 * layers, hidden size, heads and KV heads (KV heads dividing heads), a
 * positive bytes_per_param, and consistent MoE fields; readers never
 * silently default a present-but-malformed field (spec §7 reads such fields
 * as 0; we report them). */

typedef struct blis__model_type {
    const char *name;
    blis_arch arch;
    int latent_attention, arch_only;
} blis__model_type;

static const blis__model_type blis__model_types[] = {
#define BLIS__MODEL_TYPE_ROW(name, arch, mla, only) {name, arch, mla, only},
    BLIS_MODEL_TYPE_LIST(BLIS__MODEL_TYPE_ROW)
#undef BLIS__MODEL_TYPE_ROW
};

BLIS_DEF const char *blis_model_supported_types(void) {
    return "llama, mistral, qwen2, qwen3, mixtral, qwen3_moe, llama4, deepseek_v2, glm_moe_dsa, deepseek_v3, kimi_k2, "
           "kimi_k25, minimax_m2, gpt_oss";
}

/* dtype names -> bytes per element. The first eight are the reference's
 * table (spec §7, including its 1 byte for int4 and nf4); the rest are
 * spellings HuggingFace configs also use. */
typedef struct blis__dtype_row {
    const char *name;
    double bytes;
} blis__dtype_row;
static const blis__dtype_row blis__dtypes[] = {
    {"float32", 4}, {"float16", 2}, {"bfloat16", 2}, {"int8", 1},          {"uint8", 1},
    {"fp8", 1},     {"int4", 1},    {"nf4", 1},      {"float", 4},         {"half", 2},
    {"fp16", 2},    {"bf16", 2},    {"fp32", 4},     {"float8_e4m3fn", 1}, {"float8_e5m2", 1},
};

/* A key of a config.json: text_config's value first, then the top level. */
static const blis_node *blis__cfg_get(const blis_doc *doc, const char *key) {
    const blis_node *root = blis_doc_root(doc), *tc = blis_node_get(doc, root, "text_config"), *v = NULL;
    if (tc && tc->kind == BLIS_NODE_OBJECT) v = blis_node_get(doc, tc, key);
    return v ? v : blis_node_get(doc, root, key);
}

/* The first present key of a NULL-terminated list, as an integer (absent: 0;
 * null: 0; a non-integer is an error). */
static blis_status blis__cfg_int(const blis_doc *doc, const char *const *keys, int64_t *out, blis_err *err) {
    size_t i;
    *out = 0;
    for (i = 0; keys[i]; i++) {
        const blis_node *v = blis__cfg_get(doc, keys[i]);
        if (!v || v->kind == BLIS_NODE_NULL) continue;
        return blis_node_i64(doc, v, out, err);
    }
    return BLIS_OK;
}

static blis_status blis__cfg_str(const blis_doc *doc, const char *const *keys, char *out, size_t size, blis_err *err) {
    size_t i;
    out[0] = '\0';
    for (i = 0; keys[i]; i++) {
        const blis_node *v = blis__cfg_get(doc, keys[i]);
        const char *s = NULL;
        blis_status st;
        if (!v || v->kind == BLIS_NODE_NULL) continue;
        if ((st = blis_node_str(doc, v, &s, err))) return st;
        blis__copy_cstr(out, size, s);
        return BLIS_OK;
    }
    return BLIS_OK;
}

/* Each part's format (blis_part_format): the quantized format for all, then
 * the parts the config's ignore / modules_to_not_convert list leaves at the
 * dtype: a name with "attn" the attention, "shared_expert" the shared
 * experts, "mlp" and "_proj" without "expert" the dense MLP (the routers and
 * the LM head are never quantized here). */
static void blis__cfg_parts(const blis_doc *doc, const blis_node *q, blis_model_config *m, int64_t bits,
                            const blis_node *group) {
    const blis_node *wts = blis_node_get(doc, group, "weights"), *act = blis_node_get(doc, group, "input_activations");
    const blis_node *wt = blis_node_get(doc, wts, "type"), *gs = blis_node_get(doc, wts, "group_size");
    const blis_node *at = blis_node_get(doc, act, "type"), *ab = blis_node_get(doc, act, "num_bits");
    const blis_node *lists[2];
    int float_w =
        (wt && wt->kind == BLIS_NODE_STRING && !strcmp(wt->as.string, "float")) || !strcmp(m->quant_method, "mxfp4");
    int float_a4 = at && at->kind == BLIS_NODE_STRING && !strcmp(at->as.string, "float") && ab &&
                   ab->kind == BLIS_NODE_NUMBER && ab->as.number == 4;
    double g = 0, wb = (double)bits / 8.0;
    int gemm = m->fp8_gemm ? 8 : bits == 4 && float_w && float_a4 ? 4 : 16, k;
    uint32_t i;
    if (!gs || gs->kind != BLIS_NODE_NUMBER) gs = blis_node_get(doc, q, "group_size"); /* AWQ, GPTQ */
    if (gs && gs->kind == BLIS_NODE_NUMBER && gs->as.number >= 1 && gs->as.number <= 1e6) g = gs->as.number;
    if (!strcmp(m->quant_method, "mxfp4")) g = 32;                  /* OCP MX: an 8-bit scale per 32 */
    if (bits <= 4 && g > 0) wb += (float_w ? 8.0 : 16.0) / g / 8.0; /* FP8/E8M0 or 16-bit scales */
    for (k = 0; k < BLIS_PART_COUNT; k++) m->part[k].weight_bytes = wb, m->part[k].gemm_bits = gemm;
    lists[0] = blis_node_get(doc, q, "ignore");
    lists[1] = blis_node_get(doc, q, "modules_to_not_convert");
    for (k = 0; k < 2; k++)
        for (i = 0; lists[k] && lists[k]->kind == BLIS_NODE_ARRAY && i < lists[k]->count; i++) {
            const blis_node *e = blis_node_at(doc, lists[k], i);
            const char *n = e->kind == BLIS_NODE_STRING ? e->as.string : "";
            int part = strstr(n, "attn")                                                ? BLIS_PART_ATTN
                       : strstr(n, "shared_expert")                                     ? BLIS_PART_SHARED
                       : strstr(n, "mlp") && strstr(n, "_proj") && !strstr(n, "expert") ? BLIS_PART_MLP
                                                                                        : -1;
            if (part >= 0) m->part[part].weight_bytes = m->bytes_per_param, m->part[part].gemm_bits = 16;
        }
}

/* Weight bytes per parameter from quantization_config (fp8, AWQ/GPTQ
 * bits, compressed-tensors num_bits, bitsandbytes), and each part's format. */
static blis_status blis__cfg_quant(const blis_doc *doc, blis_model_config *m, blis_err *err) {
    const blis_node *q = blis__cfg_get(doc, "quantization_config"), *bits_node;
    const char *method = NULL;
    int64_t bits = 0;
    blis_status st;
    const blis_node *group = NULL, *kvs;
    int k;
    m->weight_bytes_per_param = m->bytes_per_param;
    m->kv_bytes_per_param = m->bytes_per_param;
    for (k = 0; k < BLIS_PART_COUNT; k++) m->part[k].weight_bytes = m->bytes_per_param, m->part[k].gemm_bits = 16;
    if (!q || q->kind == BLIS_NODE_NULL) return BLIS_OK;
    if (q->kind != BLIS_NODE_OBJECT) return blis__wrong_kind(doc, q, err, "an object");
    if ((st = blis_doc_get_str(doc, q, "quant_method", &method, err))) return st;
    blis__copy_cstr(m->quant_method, sizeof m->quant_method, method);
    bits_node = blis_node_get(doc, q, "bits");
    if (!bits_node) { /* compressed-tensors: config_groups.<first group>.weights.num_bits */
        const blis_node *groups = blis_node_get(doc, q, "config_groups");
        if (groups && groups->kind == BLIS_NODE_OBJECT && groups->count > 0) {
            group = blis_node_at(doc, groups, 0);
            bits_node = blis_node_get(doc, blis_node_get(doc, group, "weights"), "num_bits");
        }
    }
    if (bits_node && (st = blis_node_i64(doc, bits_node, &bits, err))) return st;
    if ((kvs = blis_node_get(doc, q, "kv_cache_scheme")) && kvs->kind == BLIS_NODE_OBJECT) {
        const blis_node *kb = blis_node_get(doc, kvs, "num_bits");
        int64_t kv_bits = 0;
        if (kb && (st = blis_node_i64(doc, kb, &kv_bits, err))) return st;
        if (kv_bits == 8) m->kv_bytes_per_param = 1;
    }
    if (!strcmp(method, "fp8") || !strcmp(method, "fbgemm_fp8")) {
        bits = 8;
        m->fp8_gemm = 1;
    }
    if (group && bits == 8) { /* float weights, and activations float 8-bit or not stated */
        const blis_node *wt = blis_node_get(doc, blis_node_get(doc, group, "weights"), "type");
        const blis_node *act = blis_node_get(doc, group, "input_activations");
        const blis_node *at = blis_node_get(doc, act, "type"), *ab = blis_node_get(doc, act, "num_bits");
        m->fp8_gemm = wt && wt->kind == BLIS_NODE_STRING && !strcmp(wt->as.string, "float") &&
                      (!act || act->kind == BLIS_NODE_NULL ||
                       (at && at->kind == BLIS_NODE_STRING && !strcmp(at->as.string, "float") && ab &&
                        ab->kind == BLIS_NODE_NUMBER && ab->as.number == 8));
    }
    if (!strcmp(method, "mxfp4")) bits = 4;
    if (!strcmp(method, "bitsandbytes")) {
        const blis_node *b4 = blis_node_get(doc, q, "load_in_4bit");
        bits = (b4 && b4->kind == BLIS_NODE_BOOL && b4->as.boolean) ? 4 : 8;
    }
    if (bits <= 0 || bits > 16) {
        char msg[160];
        snprintf(msg, sizeof msg, "quantization method \"%.40s\" without a weight bit width (bits or num_bits)",
                 method);
        return blis__node_err(doc, q, err, BLIS_E_UNSUPPORTED, msg);
    }
    m->weight_bytes_per_param = (double)bits / 8.0;
    blis__cfg_parts(doc, q, m, bits, group);
    return BLIS_OK;
}

BLIS_DEF blis_status blis_model_config_set_kv_dtype(blis_model_config *m, const char *kv_cache_dtype, blis_err *err) {
    static const struct {
        const char *name;
        double bytes;
    } map[] = {{"fp8", 1},     {"fp8_e4m3", 1}, {"fp8_e5m2", 1}, {"bfloat16", 2},
               {"float16", 2}, {"half", 2},     {"float32", 4},  {"float", 4}};
    size_t i;
    if (!strcmp(kv_cache_dtype, "auto")) return BLIS_OK;
    for (i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(kv_cache_dtype, map[i].name)) {
            m->kv_bytes_per_param = map[i].bytes;
            return BLIS_OK;
        }
    blis_err_clear(err, "kv_cache_dtype");
    return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                        "unknown KV cache dtype \"%.40s\"; valid: auto, fp8, fp8_e4m3, fp8_e5m2, bfloat16, float16, "
                        "half, float32, float",
                        kv_cache_dtype);
}

static blis_status blis__cfg_type(const blis_doc *doc, blis_model_config *m, blis_err *err) {
    static const char *const k_type[] = {"model_type", NULL};
    const blis_node *top = blis_node_get(doc, blis_doc_root(doc), "model_type");
    size_t i;
    blis_status st;
    /* The top level names the model (a text_config's "llama4_text" names its sub-model). */
    if (top && top->kind == BLIS_NODE_STRING)
        blis__copy_cstr(m->model_type, sizeof m->model_type, top->as.string);
    else if ((st = blis__cfg_str(doc, k_type, m->model_type, sizeof m->model_type, err)))
        return st;
    for (i = 0; i < sizeof blis__model_types / sizeof blis__model_types[0]; i++) {
        if (!strcmp(m->model_type, blis__model_types[i].name)) {
            m->arch = blis__model_types[i].arch;
            m->latent_attention = blis__model_types[i].latent_attention;
            m->arch_only = blis__model_types[i].arch_only;
            return BLIS_OK;
        }
    }
    {
        char msg[256];
        const blis_node *n = blis__cfg_get(doc, "model_type");
        if (!n)
            snprintf(msg, sizeof msg, "missing field \"model_type\" (supported: %s)", blis_model_supported_types());
        else
            snprintf(msg, sizeof msg, "unsupported model_type \"%.40s\" (supported: %s)", m->model_type,
                     blis_model_supported_types());
        return blis__node_err(doc, n ? n : blis_doc_root(doc), err, n ? BLIS_E_UNSUPPORTED : BLIS_E_MISSING, msg);
    }
}

static blis_status blis__cfg_dtype(const blis_doc *doc, blis_model_config *m, blis_err *err) {
    static const char *const k_dtype[] = {"torch_dtype", "dtype", NULL};
    size_t i;
    char msg[256];
    const blis_node *n;
    blis_status st = blis__cfg_str(doc, k_dtype, m->dtype, sizeof m->dtype, err);
    if (st != BLIS_OK) return st;
    for (i = 0; i < sizeof blis__dtypes / sizeof blis__dtypes[0]; i++)
        if (!strcmp(m->dtype, blis__dtypes[i].name)) {
            m->bytes_per_param = blis__dtypes[i].bytes;
            return BLIS_OK;
        }
    n = blis__cfg_get(doc, "torch_dtype");
    if (!n) n = blis__cfg_get(doc, "dtype");
    if (!n && blis__cfg_get(doc, "quantization_config") &&
        blis__cfg_get(doc, "quantization_config")->kind == BLIS_NODE_OBJECT) {
        /* a quantized checkpoint without one (gpt-oss, MiniMax-M2): vLLM's "auto" runs it in bfloat16; said */
        blis__copy_cstr(m->dtype, sizeof m->dtype, "bfloat16");
        m->bytes_per_param = 2;
        m->dtype_assumed = 1;
        return BLIS_OK;
    }
    if (!n) {
        return blis__node_err(doc, blis_doc_root(doc), err, BLIS_E_MISSING,
                              "missing field \"torch_dtype\" (or \"dtype\"): the parameter precision");
    }
    snprintf(msg, sizeof msg,
             "unknown dtype \"%.30s\" (known: float32, float16, bfloat16, int8, uint8, fp8, int4, nf4, float8_e4m3fn, "
             "float8_e5m2)",
             m->dtype);
    return blis__node_err(doc, n, err, BLIS_E_UNSUPPORTED, msg);
}

static blis_status blis__cfg_moe(const blis_doc *doc, blis_model_config *m, blis_err *err) {
    static const char *const k_exp[] = {"num_local_experts", "num_experts", "n_routed_experts", NULL};
    static const char *const k_topk[] = {"num_experts_per_tok", NULL};
    static const char *const k_shared[] = {"n_shared_experts", NULL};
    static const char *const k_moe_i[] = {"moe_intermediate_size", NULL};
    static const char *const k_shared_i[] = {"shared_expert_intermediate_size", NULL};
    static const char *const k_step[] = {"interleave_moe_layer_step", "moe_layer_freq", NULL};
    static const char *const k_first[] = {"first_k_dense_replace", NULL};
    static const char *const k_mlp[] = {"intermediate_size_mlp", NULL};
    blis_status st;
    if ((st = blis__cfg_int(doc, k_exp, &m->num_experts, err)) ||
        (st = blis__cfg_int(doc, k_topk, &m->experts_per_token, err)) ||
        (st = blis__cfg_int(doc, k_shared, &m->num_shared_experts, err)) ||
        (st = blis__cfg_int(doc, k_moe_i, &m->expert_intermediate_size, err)) ||
        (st = blis__cfg_int(doc, k_shared_i, &m->shared_expert_intermediate_size, err)) ||
        (st = blis__cfg_int(doc, k_step, &m->moe_layer_step, err)) ||
        (st = blis__cfg_int(doc, k_first, &m->first_dense_layers, err)) ||
        (st = blis__cfg_int(doc, k_mlp, &m->dense_intermediate_size, err)))
        return st;
    if (!m->expert_intermediate_size) m->expert_intermediate_size = m->intermediate_size;
    if (m->shared_expert_intermediate_size && !m->num_shared_experts) m->num_shared_experts = 1;
    if (!m->shared_expert_intermediate_size) m->shared_expert_intermediate_size = m->expert_intermediate_size;
    if (!m->dense_intermediate_size) m->dense_intermediate_size = m->intermediate_size;
    if (m->arch == BLIS_ARCH_MOE && !m->moe_layer_step) m->moe_layer_step = 1;
    if (!strcmp(m->model_type, "llama4") && !m->num_shared_experts) m->num_shared_experts = 1;
    return BLIS_OK;
}

/* The attention as blis's arch extension reads it: MLA's ranks and head
 * dims; layer_types (full_attention or sliding_attention, one per layer)
 * and sliding_window; MiniMax's attn_type_list (1: softmax attention). A
 * layer kind blis does not model is an error naming it. */
static blis_status blis__cfg_attn(const blis_doc *doc, blis_model_config *m, blis_err *err) {
    static const char *const k_ql[] = {"q_lora_rank", NULL}, *const k_kvl[] = {"kv_lora_rank", NULL};
    static const char *const k_nope[] = {"qk_nope_head_dim", NULL}, *const k_rope[] = {"qk_rope_head_dim", NULL};
    static const char *const k_v[] = {"v_head_dim", NULL}, *const k_sw[] = {"sliding_window", NULL};
    const blis_node *lt = blis__cfg_get(doc, "layer_types"), *atl = blis__cfg_get(doc, "attn_type_list");
    blis_status st;
    uint32_t i;
    if (m->latent_attention && ((st = blis__cfg_int(doc, k_ql, &m->q_lora_rank, err)) ||
                                (st = blis__cfg_int(doc, k_kvl, &m->kv_lora_rank, err)) ||
                                (st = blis__cfg_int(doc, k_nope, &m->qk_nope_head_dim, err)) ||
                                (st = blis__cfg_int(doc, k_rope, &m->qk_rope_head_dim, err)) ||
                                (st = blis__cfg_int(doc, k_v, &m->v_head_dim, err))))
        return st;
    if (lt && lt->kind != BLIS_NODE_NULL) {
        if (lt->kind != BLIS_NODE_ARRAY) return blis__wrong_kind(doc, lt, err, "an array of layer kinds");
        for (i = 0; i < lt->count; i++) {
            const blis_node *e = blis_node_at(doc, lt, i);
            if (e->kind == BLIS_NODE_STRING && !strcmp(e->as.string, "full_attention")) continue;
            if (e->kind == BLIS_NODE_STRING && !strcmp(e->as.string, "sliding_attention")) {
                m->window_layers++;
                continue;
            }
            return blis__node_errf(doc, e, err, BLIS_E_UNSUPPORTED,
                                   "layer_types[%u]: blis models \"full_attention\" and \"sliding_attention\" layers, "
                                   "got %.60s",
                                   (unsigned)i, e->kind == BLIS_NODE_STRING ? e->as.string : "a non-string");
        }
        if (m->num_layers > 0 && (int64_t)lt->count != m->num_layers)
            return blis__node_errf(doc, lt, err, BLIS_E_INVALID,
                                   "layer_types has %u entries, num_hidden_layers is %lld: one per layer", lt->count,
                                   (long long)m->num_layers);
        if (m->window_layers > 0) {
            if ((st = blis__cfg_int(doc, k_sw, &m->sliding_window, err))) return st;
            if (m->sliding_window < 1 || m->sliding_window > ((int64_t)1 << 40))
                return blis__node_errf(
                    doc, blis__cfg_get(doc, "sliding_window") ? blis__cfg_get(doc, "sliding_window") : lt, err,
                    BLIS_E_INVALID, "sliding_window: the window of the sliding_attention layers must be in 1..2^40");
        }
    }
    if (atl && atl->kind != BLIS_NODE_NULL) {
        if (atl->kind != BLIS_NODE_ARRAY) return blis__wrong_kind(doc, atl, err, "an array of attention kinds");
        for (i = 0; i < atl->count; i++) {
            const blis_node *e = blis_node_at(doc, atl, i);
            if (e->kind == BLIS_NODE_NUMBER && e->as.number == 1) continue;
            return blis__node_errf(doc, e, err, BLIS_E_UNSUPPORTED,
                                   "attn_type_list[%u]: only softmax attention layers (1) are modelled; a linear "
                                   "(lightning) attention layer (0) is not",
                                   (unsigned)i);
        }
    }
    return BLIS_OK;
}

BLIS_DEF blis_status blis_model_config_from_doc(const blis_doc *doc, blis_model_config *m, blis_err *err) {
    static const char *const k_layers[] = {"num_hidden_layers", NULL};
    static const char *const k_hidden[] = {"hidden_size", NULL};
    static const char *const k_heads[] = {"num_attention_heads", NULL};
    static const char *const k_kv[] = {"num_key_value_heads", "num_kv_heads", "multi_query_group_num", NULL};
    static const char *const k_hd[] = {"head_dim", NULL};
    static const char *const k_inter[] = {"intermediate_size", "ffn_hidden_size", NULL};
    static const char *const k_vocab[] = {"vocab_size", NULL};
    const blis_node *root = blis_doc_root(doc);
    blis_status st;
    memset(m, 0, sizeof *m);
    blis_err_clear(err, doc->source);
    if (!root || root->kind != BLIS_NODE_OBJECT)
        return blis__node_err(doc, root, err, BLIS_E_TYPE, "a model config must be a JSON object");
    if ((st = blis__cfg_type(doc, m, err)) || (st = blis__cfg_int(doc, k_layers, &m->num_layers, err)) ||
        (st = blis__cfg_int(doc, k_hidden, &m->hidden_size, err)) ||
        (st = blis__cfg_int(doc, k_heads, &m->num_heads, err)) ||
        (st = blis__cfg_int(doc, k_kv, &m->num_kv_heads, err)) || (st = blis__cfg_int(doc, k_hd, &m->head_dim, err)) ||
        (st = blis__cfg_int(doc, k_inter, &m->intermediate_size, err)) ||
        (st = blis__cfg_int(doc, k_vocab, &m->vocab_size, err)) || (st = blis__cfg_dtype(doc, m, err)) ||
        (st = blis__cfg_quant(doc, m, err)) || (st = blis__cfg_moe(doc, m, err)) || (st = blis__cfg_attn(doc, m, err)))
        return st;
    { /* given as 0 (rather than absent) is no model */
        static const char *const k_given[] = {"num_key_value_heads", "vocab_size"};
        size_t i;
        for (i = 0; i < 2; i++) {
            const blis_node *v = blis__cfg_get(doc, k_given[i]);
            if (v && v->kind == BLIS_NODE_NUMBER && !(v->as.number > 0))
                return blis__node_errf(doc, v, err, BLIS_E_INVALID, "must be > 0 when given, got %s",
                                       v->raw ? v->raw : "a number <= 0");
        }
        {
            const blis_node *tc = blis_node_get(doc, root, "text_config");
            if (tc && tc->kind != BLIS_NODE_OBJECT && tc->kind != BLIS_NODE_NULL)
                return blis__wrong_kind(doc, tc, err, "an object (the language model's config)");
        }
    }
    if (!m->num_kv_heads) m->num_kv_heads = m->num_heads;
    return BLIS_OK;
}

BLIS_DEF blis_status blis_model_config_parse(const char *src, size_t len, const char *source, blis_model_config *out,
                                             blis_err *err) {
    blis_doc doc;
    blis_parse_opts o;
    blis_status st;
    memset(&o, 0, sizeof o);
    o.source = source;
    if ((st = blis_json_parse(src, len, &o, &doc, err))) return st;
    st = blis_model_config_from_doc(&doc, out, err);
    blis_doc_free(&doc);
    return st;
}

/* Reports an invalid config field: path = field, message as given. */
static blis_status blis__invalid(blis_err *err, const char *field, const char *msg) {
    blis__copy_cstr(err->path, sizeof err->path, field);
    return blis_err_set(err, BLIS_E_INVALID, 0, 0, "%s", msg);
}

static blis_status blis__need_positive(blis_err *err, const char *field, int64_t v) {
    char msg[80];
    snprintf(msg, sizeof msg, "must be > 0, got %lld", (long long)v);
    return blis__invalid(err, field, msg);
}

static blis_status blis__need_range(blis_err *err, const char *field, int64_t lo, int64_t hi, int64_t v) {
    char msg[120];
    snprintf(msg, sizeof msg, "must be in %lld..%lld, got %lld", (long long)lo, (long long)hi, (long long)v);
    return blis__invalid(err, field, msg);
}

static blis_status blis__model_validate_moe(const blis_model_config *m, blis_err *err) {
    if (m->num_experts <= 0) return blis__need_positive(err, "num_local_experts", m->num_experts);
    if (m->experts_per_token < 1 || m->experts_per_token > m->num_experts)
        return blis__need_range(err, "num_experts_per_tok", 1, m->num_experts, m->experts_per_token);
    if (m->expert_intermediate_size <= 0)
        return blis__need_positive(err, "moe_intermediate_size", m->expert_intermediate_size);
    if (m->moe_layer_step < 1 || m->moe_layer_step > m->num_layers)
        return blis__need_range(err, "interleave_moe_layer_step", 1, m->num_layers, m->moe_layer_step);
    if (m->first_dense_layers < 0 || m->first_dense_layers > m->num_layers)
        return blis__need_range(err, "first_k_dense_replace", 0, m->num_layers, m->first_dense_layers);
    return BLIS_OK;
}

/* Upper bounds far above any real model (the largest today have ~200
 * layers, hidden sizes ~20k, vocabularies ~300k) that keep every FLOP and
 * byte count finite and every microsecond count within int64. */
#define BLIS__MAX_LAYERS 100000
#define BLIS__MAX_WIDTH  ((int64_t)1 << 24)

typedef struct blis__bound {
    const char *field;
    int64_t v, max;
} blis__bound;

static blis_status blis__model_bounds(const blis_model_config *m, blis_err *err) {
    blis__bound f[17];
    size_t i;
    f[0].field = "num_hidden_layers", f[0].v = m->num_layers, f[0].max = BLIS__MAX_LAYERS;
    f[1].field = "hidden_size", f[1].v = m->hidden_size, f[1].max = BLIS__MAX_WIDTH;
    f[2].field = "num_attention_heads", f[2].v = m->num_heads, f[2].max = BLIS__MAX_WIDTH;
    f[3].field = "head_dim", f[3].v = m->head_dim, f[3].max = BLIS__MAX_WIDTH;
    f[4].field = "intermediate_size", f[4].v = m->intermediate_size, f[4].max = BLIS__MAX_WIDTH;
    f[5].field = "vocab_size", f[5].v = m->vocab_size, f[5].max = (int64_t)1 << 30;
    f[6].field = "num_local_experts", f[6].v = m->num_experts, f[6].max = BLIS__MAX_WIDTH;
    f[7].field = "moe_intermediate_size", f[7].v = m->expert_intermediate_size, f[7].max = BLIS__MAX_WIDTH;
    f[8].field = "shared_expert_intermediate_size", f[8].v = m->shared_expert_intermediate_size,
    f[8].max = BLIS__MAX_WIDTH;
    f[9].field = "n_shared_experts", f[9].v = m->num_shared_experts, f[9].max = BLIS__MAX_WIDTH;
    f[10].field = "intermediate_size_mlp", f[10].v = m->dense_intermediate_size, f[10].max = BLIS__MAX_WIDTH;
    f[11].field = "q_lora_rank", f[11].v = m->q_lora_rank, f[11].max = BLIS__MAX_WIDTH;
    f[12].field = "kv_lora_rank", f[12].v = m->kv_lora_rank, f[12].max = BLIS__MAX_WIDTH;
    f[13].field = "qk_nope_head_dim", f[13].v = m->qk_nope_head_dim, f[13].max = BLIS__MAX_WIDTH;
    f[14].field = "qk_rope_head_dim", f[14].v = m->qk_rope_head_dim, f[14].max = BLIS__MAX_WIDTH;
    f[15].field = "v_head_dim", f[15].v = m->v_head_dim, f[15].max = BLIS__MAX_WIDTH;
    f[16].field = "sliding_window", f[16].v = m->sliding_window, f[16].max = (int64_t)1 << 40;
    for (i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].v > f[i].max || (i >= 6 && f[i].v < 0)) return blis__need_range(err, f[i].field, 0, f[i].max, f[i].v);
    return BLIS_OK;
}

BLIS_DEF blis_status blis_model_config_validate(const blis_model_config *m, blis_err *err) {
    char msg[160];
    blis_status st;
    if (m->num_layers <= 0) return blis__need_positive(err, "num_hidden_layers", m->num_layers);
    if ((st = blis__model_bounds(m, err))) return st;
    if (m->hidden_size <= 0) return blis__need_positive(err, "hidden_size", m->hidden_size);
    if (m->num_heads <= 0) return blis__need_positive(err, "num_attention_heads", m->num_heads);
    if (m->num_kv_heads <= 0 || m->num_kv_heads > m->num_heads || m->num_heads % m->num_kv_heads) {
        snprintf(msg, sizeof msg, "must divide num_attention_heads (%lld), got %lld", (long long)m->num_heads,
                 (long long)m->num_kv_heads);
        return blis__invalid(err, "num_key_value_heads", msg);
    }
    if (m->head_dim < 0) return blis__need_positive(err, "head_dim", m->head_dim);
    if (m->head_dim == 0 && m->hidden_size % m->num_heads) {
        snprintf(msg, sizeof msg, "(%lld) does not divide hidden_size (%lld) and head_dim is not given",
                 (long long)m->num_heads, (long long)m->hidden_size);
        return blis__invalid(err, "num_attention_heads", msg);
    }
    if (m->intermediate_size < 0) return blis__need_positive(err, "intermediate_size", m->intermediate_size);
    if (m->vocab_size < 0) return blis__need_positive(err, "vocab_size", m->vocab_size);
    if (!(m->bytes_per_param > 0)) return blis__invalid(err, "torch_dtype", "gives no positive bytes per parameter");
    if (m->latent_attention && (m->kv_lora_rank > 0 || m->arch_only)) { /* MLA as the arch extension models it */
        if (m->kv_lora_rank <= 0) return blis__need_positive(err, "kv_lora_rank", m->kv_lora_rank);
        if (m->qk_nope_head_dim <= 0) return blis__need_positive(err, "qk_nope_head_dim", m->qk_nope_head_dim);
        if (m->v_head_dim <= 0) return blis__need_positive(err, "v_head_dim", m->v_head_dim);
    }
    if (m->window_layers < 0 || m->window_layers > m->num_layers)
        return blis__need_range(err, "layer_types", 0, m->num_layers, m->window_layers);
    return m->arch == BLIS_ARCH_MOE ? blis__model_validate_moe(m, err) : BLIS_OK;
}

BLIS_DEF blis_status blis_model_index_lookup(const blis_doc *index, const char *name, char *dir, size_t size,
                                             blis_err *err) {
    const blis_node *models = blis_node_get(index, blis_doc_root(index), "models");
    const char *base = strrchr(name, '/');
    int pass;
    uint32_t i;
    blis_err_clear(err, index->source);
    if (!models || models->kind != BLIS_NODE_OBJECT)
        return blis_err_set(err, BLIS_E_MISSING, 0, 0, "the model index has no \"models\" object");
    for (pass = 0; pass < 2; pass++) {
        const char *want = pass == 0 ? name : (base ? base + 1 : NULL);
        if (!want) break;
        for (i = 0; i < models->count; i++) {
            const blis_node *v = blis_node_at(index, models, i);
            if (blis__ascii_casecmp(blis_node_key_at(index, models, i)->as.string, want) || v->kind != BLIS_NODE_STRING)
                continue;
            blis__copy_cstr(dir, size, v->as.string);
            return BLIS_OK;
        }
    }
    return blis_err_set(err, BLIS_E_MISSING, 0, 0, "model \"%.100s\" is not among the bundled model configs", name);
}

BLIS_DEF blis_status blis_model_config_check_tp(const blis_model_config *m, int64_t tp, blis_err *err) {
    char msg[200];
    if (tp < 1 || tp > 1024) return blis__need_range(err, "tensor_parallel_size", 1, 1024, tp);
    if (m->num_heads % tp) {
        snprintf(msg, sizeof msg, "(%lld) is not divisible by the tensor-parallel size %lld (vLLM requires it)",
                 (long long)m->num_heads, (long long)tp);
        return blis__invalid(err, "num_attention_heads", msg);
    }
    if (m->num_kv_heads % tp && tp % m->num_kv_heads) {
        snprintf(msg, sizeof msg,
                 "(%lld) and the tensor-parallel size %lld: neither divides the other (vLLM requires it)",
                 (long long)m->num_kv_heads, (long long)tp);
        return blis__invalid(err, "num_key_value_heads", msg);
    }
    return BLIS_OK;
}

/* ---- hardware ---- */

/* Member by key: exact match first, then ignoring ASCII case (Go's rule). */
static const blis_node *blis__get_ci(const blis_doc *doc, const blis_node *obj, const char *key) {
    const blis_node *v = blis_node_get(doc, obj, key);
    uint32_t i;
    if (v || !obj || obj->kind != BLIS_NODE_OBJECT) return v;
    for (i = 0; i < obj->count; i++)
        if (!blis__ascii_casecmp(blis_node_key_at(doc, obj, i)->as.string, key)) return blis_node_at(doc, obj, i);
    return NULL;
}

typedef struct blis__hw_field {
    const char *key;
    size_t offset;
} blis__hw_field;

/* Every field of a hardware entry, in the order blis writes them. */
static const blis__hw_field blis__hw_field_table[] = {
    {"TFlopsPeak", offsetof(blis_hw_config, tflops_peak)},
    {"TFlopsPeakFP8", offsetof(blis_hw_config, tflops_peak_fp8)},
    {"TFlopsPeakFP4", offsetof(blis_hw_config, tflops_peak_fp4)},
    {"BwPeakTBs", offsetof(blis_hw_config, bw_peak_tbs)},
    {"MemoryGiB", offsetof(blis_hw_config, memory_gib)},
    {"NVLinkGBs", offsetof(blis_hw_config, nvlink_gbs)},
    {"PCIeGen", offsetof(blis_hw_config, pcie_gen)},
    {"PCIeLanes", offsetof(blis_hw_config, pcie_lanes)},
    {"BwEffConstant", offsetof(blis_hw_config, v1_bw_efficiency)},
    {"TOverheadMicros", offsetof(blis_hw_config, v1_step_overhead_us)},
    {"v1LayerOverheadUs", offsetof(blis_hw_config, v1_layer_overhead_us)},
    {"mfuPrefill", offsetof(blis_hw_config, v1_mfu_prefill)},
    {"mfuDecode", offsetof(blis_hw_config, v1_mfu_decode)},
    {"allReduceLatency", offsetof(blis_hw_config, v1_allreduce_us)},
    {"v1SeqOverheadUs", offsetof(blis_hw_config, v1_seq_overhead_us)},
    {"v1RequestOverheadUs", offsetof(blis_hw_config, v1_request_overhead_us)},
    {"bwEfficiencyFactor", offsetof(blis_hw_config, v2_bw_efficiency)},
    {"v2LayerCpuOverheadUs", offsetof(blis_hw_config, v2_layer_cpu_overhead_us)},
};

BLIS_DEF int blis_hw_transferred(const blis_hw_config *hw) {
    return hw->calibrated_on[0] && blis__ascii_casecmp(hw->calibrated_on, hw->gpu) != 0;
}

BLIS_DEF void blis_hw_config_write(blis_jw *w, const blis_hw_config *hw) {
    size_t i;
    blis_jw_key(w, hw->gpu);
    blis_jw_object_begin(w);
    for (i = 0; i < sizeof blis__hw_field_table / sizeof blis__hw_field_table[0]; i++)
        blis_jw_key_f64(w, blis__hw_field_table[i].key,
                        *(const double *)(const void *)((const char *)hw + blis__hw_field_table[i].offset));
    if (hw->calibrated_on[0]) blis_jw_key_str(w, "CalibratedOn", hw->calibrated_on);
    blis_jw_object_end(w);
}

static blis_status blis__hw_fields(const blis_doc *doc, const blis_node *e, blis_hw_config *hw, blis_err *err) {
    size_t i;
    const blis_node *legacy, *cal;
    for (i = 0; i < sizeof blis__hw_field_table / sizeof blis__hw_field_table[0]; i++) {
        const blis__hw_field *f = &blis__hw_field_table[i];
        const blis_node *v = blis__get_ci(doc, e, f->key);
        blis_status st;
        if (!v) continue;
        if ((st = blis_node_f64(doc, v, (double *)(void *)((char *)hw + f->offset), err))) return st;
    }
    hw->has_v1 = blis__get_ci(doc, e, "BwEffConstant") || blis__get_ci(doc, e, "mfuPrefill") ||
                 blis__get_ci(doc, e, "TOverheadMicros");
    if ((cal = blis__get_ci(doc, e, "CalibratedOn")) != NULL) { /* a GPU name: 1-63 printable bytes */
        size_t k, n = cal->kind == BLIS_NODE_STRING ? cal->count : 0;
        int ok = n > 0 && n < sizeof hw->calibrated_on;
        for (k = 0; ok && k < n; k++) ok = (unsigned char)cal->as.string[k] >= 0x20 && cal->as.string[k] != 0x7f;
        if (!ok) {
            blis__copy_cstr(err->path, sizeof err->path, "CalibratedOn");
            return blis_err_set(err, BLIS_E_INVALID, cal->line, cal->col,
                                "must be the name of the GPU the constants were fitted on (1-63 printable bytes)");
        }
        blis__copy_cstr(hw->calibrated_on, sizeof hw->calibrated_on, cal->as.string);
    }
    legacy = blis__get_ci(doc, e, "perLayerOverhead"); /* the reference's ambiguous name */
    if (legacy) {
        blis_status st =
            blis_node_f64(doc, legacy, hw->has_v1 ? &hw->v1_layer_overhead_us : &hw->v2_layer_cpu_overhead_us, err);
        if (st != BLIS_OK) return st;
    }
    return BLIS_OK;
}

/* The alias table: normalized names (blis_gpu_alias) -> hardware entries.
 * nvidia-smi's names for each GPU, the entries' own names, and the common
 * spellings of form factor and memory. */
static const struct {
    const char *alias, *gpu;
} blis__gpu_aliases[] = {
    {"H100", "H100"},
    {"H100 SXM", "H100"},
    {"H100 SXM5", "H100"},
    {"H100 SXM5 80GB", "H100"},
    {"H100 80GB HBM3", "H100"},
    {"H100 80GB HBM3 SXM", "H100"},
    {"H100 PCIE", "H100-PCIe"},
    {"H100 PCIE 80GB", "H100-PCIe"},
    {"H100 80GB PCIE", "H100-PCIe"},
    {"H200", "H200"},
    {"H200 SXM", "H200"},
    {"H200 141GB HBM3E", "H200"},
    {"A100 SXM", "A100-SXM"},
    {"A100 80", "A100-80"},
    {"A100 80GB", "A100-80"},
    {"A100 SXM4 80GB", "A100-80"},
    {"A100 80GB SXM", "A100-80"},
    {"A100 40GB", "A100-40GB"},
    {"A100 SXM4 40GB", "A100-40GB"},
    {"A100 PCIE", "A100-PCIe"},
    {"A100 PCIE 80GB", "A100-PCIe"},
    {"A100 80GB PCIE", "A100-PCIe"},
    {"L40S", "L40S"},
    {"B200", "B200"},
    {"B200 SXM", "B200"},
    {"B300", "B300"},
    {"B300 SXM", "B300"},
    {"B300 SXM6", "B300"},
    {"GB200", "GB200"},
};

BLIS_DEF const char *blis_gpu_alias(const char *name) {
    char norm[96];
    const char *p = name ? name : "";
    size_t n = 0, i;
    int space = 1; /* drop leading blanks */
    for (; *p; p++) {
        char c = *p;
        if (c == '(' || c == ')') continue;
        if (c == '-' || c == '_' || c == ' ' || c == '\t') {
            if (!space && n + 1 < sizeof norm) norm[n++] = ' ';
            space = 1;
            continue;
        }
        if (n + 1 >= sizeof norm) return ""; /* longer than any alias */
        norm[n++] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
        space = 0;
    }
    while (n > 0 && norm[n - 1] == ' ') n--;
    norm[n] = '\0';
    p = norm;
    if (!strncmp(p, "NVIDIA ", 7))
        p += 7;
    else if (!strncmp(p, "TESLA ", 6))
        p += 6;
    for (i = 0; i < sizeof blis__gpu_aliases / sizeof blis__gpu_aliases[0]; i++)
        if (!strcmp(p, blis__gpu_aliases[i].alias)) return blis__gpu_aliases[i].gpu;
    return "";
}

BLIS_DEF blis_status blis_hw_config_from_doc(const blis_doc *doc, const char *gpu, blis_hw_config *hw, blis_err *err) {
    const blis_node *root = blis_doc_root(doc), *e = NULL;
    const char *key = NULL;
    uint32_t i;
    memset(hw, 0, sizeof *hw);
    blis_err_clear(err, doc->source);
    if (!root || root->kind != BLIS_NODE_OBJECT)
        return blis__node_err(doc, root, err, BLIS_E_TYPE, "a hardware config must be a JSON object keyed by GPU name");
    uint32_t found = BLIS__NONE;
    for (i = 0; i < root->count && found == BLIS__NONE; i++) /* the exact key first */
        if (!strcmp(blis_node_key_at(doc, root, i)->as.string, gpu)) found = i;
    for (i = 0; i < root->count && found == BLIS__NONE; i++)
        if (!blis__ascii_casecmp(blis_node_key_at(doc, root, i)->as.string, gpu)) found = i;
    if (found == BLIS__NONE && blis_gpu_alias(gpu)[0]) { /* a documented alias of an entry */
        const char *entry = blis_gpu_alias(gpu);
        for (i = 0; i < root->count && found == BLIS__NONE; i++)
            if (!strcmp(blis_node_key_at(doc, root, i)->as.string, entry)) found = i;
    }
    if (found != BLIS__NONE) e = blis_node_at(doc, root, found);
    if (!e) {
        char list[BLIS_ERR_MSG_MAX - 64];
        size_t len = 0;
        for (i = 0; i < root->count; i++) { /* keys in file order ("_comment" keys skipped) */
            key = blis_node_key_at(doc, root, i)->as.string;
            if (key[0] == '_') continue;
            if (len) blis__append(list, sizeof list, &len, ", ", 2);
            blis__append(list, sizeof list, &len, key, strlen(key));
        }
        list[len < sizeof list ? len : sizeof list - 1] = '\0';
        return blis_err_set(err, BLIS_E_MISSING, 0, 0, "GPU \"%.40s\" not found in hardware config (available: %s)",
                            gpu, list);
    }
    if (e->kind != BLIS_NODE_OBJECT) return blis__wrong_kind(doc, e, err, "an object");
    blis__copy_cstr(hw->gpu, sizeof hw->gpu, blis_node_key_at(doc, root, found)->as.string);
    return blis__hw_fields(doc, e, hw, err);
}

static blis_status blis__hw_positive(blis_err *err, const char *field, double v) {
    char num[BLIS_F64_BUF_MAX];
    if (v >= 1e-9 && v <= 1e12) return BLIS_OK; /* any real device, with room to spare */
    if (!blis_f64_format_go(v, num)) blis__copy_cstr(num, sizeof num, v != v ? "NaN" : "infinity");
    blis__copy_cstr(err->path, sizeof err->path, field);
    return blis_err_set(err, BLIS_E_INVALID, 0, 0, "must be a valid positive number (1e-9 to 1e12), got %s", num);
}

BLIS_DEF blis_status blis_hw_config_validate(const blis_hw_config *hw, int version, blis_err *err) {
    blis_status st;
    if ((st = blis__hw_positive(err, "TFlopsPeak", hw->tflops_peak)) ||
        (st = blis__hw_positive(err, "BwPeakTBs", hw->bw_peak_tbs)))
        return st;
    if (!(hw->tflops_peak_fp8 >= 0 && hw->tflops_peak_fp8 <= 1e9) ||
        !(hw->tflops_peak_fp4 >= 0 && hw->tflops_peak_fp4 <= 1e9)) {
        blis__copy_cstr(err->path, sizeof err->path,
                        hw->tflops_peak_fp8 >= 0 && hw->tflops_peak_fp8 <= 1e9 ? "TFlopsPeakFP4" : "TFlopsPeakFP8");
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "must be in 0..1e9 TFLOP/s (0: no such tensor cores)");
    }
    if (!(hw->nvlink_gbs >= 0 && hw->nvlink_gbs <= 1e6)) {
        blis__copy_cstr(err->path, sizeof err->path, "NVLinkGBs");
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "must be in 0..1e6 GB/s (0: no NVLink)");
    }
    if (hw->pcie_gen != 0 && blis_pcie_lane_gbs(hw->pcie_gen) <= 0) {
        blis__copy_cstr(err->path, sizeof err->path, "PCIeGen");
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "must be 3, 4, 5 or 6 (0 or absent: unknown)");
    }
    if (!(hw->pcie_lanes == 0 || hw->pcie_lanes == 1 || hw->pcie_lanes == 2 || hw->pcie_lanes == 4 ||
          hw->pcie_lanes == 8 || hw->pcie_lanes == 16)) {
        blis__copy_cstr(err->path, sizeof err->path, "PCIeLanes");
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "must be 1, 2, 4, 8 or 16 (0 or absent: 16)");
    }
    if (version == 1) {
        if ((st = blis__hw_positive(err, "BwEffConstant", hw->v1_bw_efficiency)) ||
            (st = blis__hw_positive(err, "mfuPrefill", hw->v1_mfu_prefill)) ||
            (st = blis__hw_positive(err, "mfuDecode", hw->v1_mfu_decode)))
            return st;
        if (!(hw->v1_step_overhead_us >= 0 && hw->v1_layer_overhead_us >= 0 && hw->v1_allreduce_us >= 0 &&
              hw->v1_step_overhead_us <= 1e9 && hw->v1_layer_overhead_us <= 1e9 && hw->v1_allreduce_us <= 1e9 &&
              hw->v1_seq_overhead_us >= 0 && hw->v1_seq_overhead_us <= 1e9 && hw->v1_request_overhead_us >= 0 &&
              hw->v1_request_overhead_us <= 1e9)) {
            blis__copy_cstr(err->path, sizeof err->path,
                            "TOverheadMicros/perLayerOverhead/allReduceLatency/v1SeqOverheadUs/v1RequestOverheadUs");
            return blis_err_set(err, BLIS_E_INVALID, 0, 0, "overheads must be in 0..1e9 us");
        }
        return BLIS_OK;
    }
    if (!(hw->v2_bw_efficiency >= 0 && hw->v2_bw_efficiency <= 1)) {
        blis__copy_cstr(err->path, sizeof err->path, "bwEfficiencyFactor");
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "must be in (0, 1] or 0 (disabled)");
    }
    if (!(hw->v2_layer_cpu_overhead_us >= 0 && hw->v2_layer_cpu_overhead_us <= 1e9)) {
        blis__copy_cstr(err->path, sizeof err->path, "perLayerOverhead");
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "must be finite and >= 0");
    }
    if (!(hw->memory_gib >= 0 && hw->memory_gib <= DBL_MAX)) {
        blis__copy_cstr(err->path, sizeof err->path, "MemoryGiB");
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "must be finite and >= 0");
    }
    return BLIS_OK;
}

BLIS_DEF blis_status blis_model_config_load(const char *path, int64_t tp, blis_model_config *m, blis_err *err) {
    blis_doc doc;
    blis_status st;
    if ((st = blis_doc_load(path, 0, &doc, err)) != BLIS_OK) return st;
    if ((st = blis_model_config_from_doc(&doc, m, err)) == BLIS_OK &&
        (st = blis_model_config_validate(m, err)) == BLIS_OK && tp > 0)
        st = blis_model_config_check_tp(m, tp, err);
    blis_doc_free(&doc);
    if (st != BLIS_OK && (!err->source[0] || !strcmp(err->source, "<input>")))
        blis__copy_cstr(err->source, sizeof err->source, path);
    return st;
}

BLIS_DEF blis_status blis_hw_config_load(const char *path, const char *gpu, int version, blis_hw_config *hw,
                                         blis_err *err) {
    blis_doc doc;
    blis_status st;
    if ((st = blis_doc_load(path, 0, &doc, err)) != BLIS_OK) return st;
    if ((st = blis_hw_config_from_doc(&doc, gpu, hw, err)) == BLIS_OK) st = blis_hw_config_validate(hw, version, err);
    blis_doc_free(&doc);
    if (st != BLIS_OK) blis__copy_cstr(err->source, sizeof err->source, path);
    return st;
}

/* ==== >>roofline  implementation ====
 * Owns: step batches and breakdowns, roofline v1 (spec §4.3) and the
 * memory model shared with v2 (spec §4.4). Uses: >>model. Used by: >>mfu
 * (v2), the engine, the tools.
 * Invariants: pure functions of const inputs: no I/O, no allocation, no
 * globals. Every floating-point expression keeps the reference's operation
 * order (its results are compared to the microsecond), and the one
 * conversion to integer microseconds is round-half-away-from-zero at the end.
 * The law tests (monotone in tokens, TP helps compute, memory-bound at batch
 * 1, compute-bound at long prefill) and the conformance vectors check it. */

/* The reference's float64 model dimensions (v1: head dim d/H as a float). */
typedef struct blis__dims {
    double L, d, H, Hkv, dh, dFF, dKV, bpp;
} blis__dims;

static blis__dims blis__dims_of(const blis_model_config *m) {
    blis__dims x;
    x.L = (double)m->num_layers;
    x.d = (double)m->hidden_size;
    x.H = (double)m->num_heads;
    x.Hkv = (double)(m->num_kv_heads ? m->num_kv_heads : m->num_heads);
    x.dh = x.d / x.H;
    x.dFF = m->intermediate_size ? (double)m->intermediate_size : 4 * x.d;
    x.dKV = x.Hkv * x.dh;
    x.bpp = m->bytes_per_param;
    return x;
}

BLIS_DEF void blis_roofline_v1_flops(const blis_model_config *m, double seq, double newT, blis_v1_flops *out) {
    blis__dims x = blis__dims_of(m);
    double L = x.L, d = x.d, H = x.H, dh = x.dh, dFF = x.dFF, dKV = x.dKV;
    double ctx = newT <= 1 ? seq : seq + (newT - 1) / 2;
    double gemm = (2 * newT * (d * d + 2 * d * dKV) + 2 * newT * d * d) * L; /* QKV and output projections */
    double sram;
    gemm += (4 * H * newT * ctx * dh) * L;          /* QK^T and AV */
    sram = (5 * H * newT * ctx + 2 * newT * d) * L; /* softmax, mask and RoPE vector ops */
    gemm += 2 * newT * (3 * d * dFF) * L;           /* SwiGLU gate, up, down */
    out->gemm_ops = gemm;
    out->sram_ops = sram;
    out->total = gemm + sram;
}

BLIS_DEF void blis_roofline_mem(const blis_model_config *m, int version, double seq, double newT, int with_kv,
                                blis_mem_bytes *out) {
    blis__dims x = blis__dims_of(m);
    double L = x.L, d = x.d, Hkv = x.Hkv, dh = x.dh, dFF = x.dFF, dKV = x.dKV, bpp = x.bpp, total = 0;
    memset(out, 0, sizeof *out);
    out->model_weights = (d * (d + 2 * dKV) + d * d + 3 * d * dFF) * L * bpp;
    if (with_kv) {
        out->kv_cache_growth = 2 * L * Hkv * dh * bpp * newT;
        out->kv_cache_access = 2 * L * Hkv * dh * bpp * seq;
        if (version == 2) out->kv_cache_access *= newT == 1 ? 0.80 : 0.92; /* v2 empirical factors */
    }
    out->activations_tokens = L * d * bpp * newT;
    if (version == 2) out->activations_tokens *= newT == 1 ? 0.75 : 0.85;
    total += out->activations_tokens;
    if (with_kv) {
        total += out->kv_cache_access;
        total += out->kv_cache_growth;
    }
    total += out->model_weights;
    out->total = total;
}

/* The one conversion of a step time to integer microseconds (already
 * rounded as the reference rounds); out of int64 range is an error, never
 * undefined behaviour. */
static blis_status blis__step_us(double rounded_us, blis_step_breakdown *out, blis_err *err) {
    if (!(rounded_us >= 0 && rounded_us < 9.0e18))
        return blis_err_set(err, BLIS_E_RANGE, 0, 0, "step time out of range (the model or batch is too large)");
    out->step_time_us = (int64_t)rounded_us;
    return BLIS_OK;
}

static blis_status blis__batch_check(const blis_step_batch *b, int tp, blis_err *err) {
    size_t i;
    if (tp < 1) return blis_err_set(err, BLIS_E_INVALID, 0, 0, "roofline requires TP > 0, got %d", tp);
    for (i = 0; i < b->prefill_count + b->decode_count; i++) {
        const blis_step_req *r = i < b->prefill_count ? &b->prefill[i] : &b->decode[i - b->prefill_count];
        if (r->progress_tokens < 0 || r->new_tokens < 0 || r->progress_tokens > ((int64_t)1 << 40) ||
            r->new_tokens > ((int64_t)1 << 40))
            return blis_err_set(err, BLIS_E_INVALID, 0, 0, "step request %lu: token counts must be in 0..2^40",
                                (unsigned long)i);
    }
    return BLIS_OK;
}

/* What an extended v1 adds: the MLP per layer (BLIS_V1X_MOE: FLOPs per
 * token and weight bytes read by a step of T tokens, summed over the
 * layers, beside what plain v1 counts, 3 d dFF per layer for every layer)
 * and the LM head (BLIS_V1X_LMHEAD). */
typedef struct blis__v1x_mlp {
    double flops_per_token_delta; /* true MLP FLOPs per token minus v1's */
    double v1_mlp_bytes;          /* what v1 counts for the MLPs: L x 3 d dFF x bpp */
    double moe_layers, dense_layers, d, expert_ff, shared_ff, dense_ff, E, k, shared;
    double lm_head_bytes, lm_head_flops; /* V d bpp; 2 d V per request in the batch (0: not counted) */
    double weight_scale, kv_scale;       /* BLIS_V1X_QUANT: quantized bytes over the dtype's; else 1 */
    int fp8_gemm;                        /* BLIS_V1X_QUANT: GEMMs at TFlopsPeakFP8 */
} blis__v1x_mlp;

static int blis__v1x_mlp_of(const blis_model_config *m, unsigned ext, blis__v1x_mlp *x) {
    blis__dims dims = blis__dims_of(m);
    double L = dims.L, dFF = dims.dFF;
    int64_t step = m->moe_layer_step > 0 ? m->moe_layer_step : 1, first = m->first_dense_layers;
    memset(x, 0, sizeof *x);
    x->weight_scale = x->kv_scale = 1;
    if ((ext & BLIS_V1X_QUANT) && m->bytes_per_param > 0) {
        if (m->weight_bytes_per_param > 0) x->weight_scale = m->weight_bytes_per_param / m->bytes_per_param;
        if (m->kv_bytes_per_param > 0) x->kv_scale = m->kv_bytes_per_param / m->bytes_per_param;
        x->fp8_gemm = m->fp8_gemm;
    }
    if ((ext & BLIS_V1X_LMHEAD) && m->vocab_size > 0) {
        x->lm_head_bytes = (double)m->vocab_size * (double)m->hidden_size * m->bytes_per_param;
        x->lm_head_flops = 2 * (double)m->hidden_size * (double)m->vocab_size;
    }
    if (!(ext & BLIS_V1X_MOE) || m->num_experts <= 0 || m->experts_per_token <= 0) return 0;
    if (first < 0 || first > m->num_layers) first = 0;
    x->moe_layers = (double)((m->num_layers - first) / step);
    x->dense_layers = L - x->moe_layers;
    x->d = (double)m->hidden_size;
    x->expert_ff = m->expert_intermediate_size > 0 ? (double)m->expert_intermediate_size : dFF;
    x->shared_ff = m->shared_expert_intermediate_size > 0 ? (double)m->shared_expert_intermediate_size : x->expert_ff;
    x->dense_ff = m->dense_intermediate_size > 0 ? (double)m->dense_intermediate_size : dFF;
    x->E = (double)m->num_experts;
    x->k = (double)(m->experts_per_token < m->num_experts ? m->experts_per_token : m->num_experts);
    x->shared = (double)(m->num_shared_experts > 0 ? m->num_shared_experts : 0);
    x->flops_per_token_delta =
        6 * x->d * (x->dense_layers * x->dense_ff + x->moe_layers * (x->k * x->expert_ff + x->shared * x->shared_ff)) -
        6 * x->d * dFF * L;
    x->v1_mlp_bytes = L * 3 * x->d * dFF;
    return 1;
}

/* Weight bytes a step of T tokens reads (before the TP split). */
static double blis__v1x_weight_bytes(const blis_model_config *m, const blis__v1x_mlp *x, int moe, double T) {
    blis_mem_bytes w;
    double touched;
    blis_roofline_mem(m, 1, 0, 0, 0, &w);
    if (x->weight_scale != 1) w.model_weights *= x->weight_scale;
    if (x->lm_head_bytes > 0) w.model_weights += x->lm_head_bytes;
    if (!moe) return w.model_weights;
    touched = x->E * (1 - pow(1 - x->k / x->E, T > 0 ? T : 0));
    return w.model_weights +
           (x->dense_layers * 3 * x->d * x->dense_ff +
            x->moe_layers * 3 * x->d * (touched * x->expert_ff + x->shared * x->shared_ff) - x->v1_mlp_bytes) *
               m->bytes_per_param * x->weight_scale;
}

/* One v1 phase: FLOPs and bytes of its requests, then compute and memory
 * time; *tokens receives the phase's token count. */
static void blis__v1_phase(const blis_model_config *m, const blis_hw_config *hw, double tpF, const blis_step_req *reqs,
                           size_t n, double mfu, const blis__v1x_mlp *x, int moe, double *tokens, blis_phase *ph) {
    double peak = hw->tflops_peak * 1e12, bw = hw->bw_peak_tbs * 1e12 * hw->v1_bw_efficiency, vec = peak * 0.10;
    double gemm_peak = x->fp8_gemm && hw->tflops_peak_fp8 > 0 ? hw->tflops_peak_fp8 * 1e12 : peak;
    double gemmF = 0, vecF = 0, dyn = 0, T = 0;
    size_t i;
    memset(ph, 0, sizeof *ph);
    *tokens = 0;
    if (!n) return;
    for (i = 0; i < n; i++) {
        blis_v1_flops f;
        blis_mem_bytes mm;
        double seq = (double)reqs[i].progress_tokens, newT = (double)reqs[i].new_tokens;
        blis_roofline_v1_flops(m, seq, newT, &f);
        blis_roofline_mem(m, 1, seq, newT, 1, &mm);
        if (moe) f.gemm_ops += x->flops_per_token_delta * newT;
        if (x->lm_head_flops > 0) f.gemm_ops += x->lm_head_flops; /* logits of the request's last position */
        gemmF += f.gemm_ops / tpF;
        vecF += f.sram_ops / tpF;
        dyn += (x->kv_scale == 1 ? mm.total - mm.model_weights
                                 : mm.activations_tokens + (mm.kv_cache_access + mm.kv_cache_growth) * x->kv_scale) /
               tpF;
        T += newT;
    }
    *tokens = T;
    ph->present = 1;
    ph->gemm_flops = gemmF;
    ph->other_flops = vecF;
    ph->weight_bytes = blis__v1x_weight_bytes(m, x, moe, T) / tpF;
    ph->dynamic_bytes = dyn;
    ph->compute_s = gemmF / (gemm_peak * mfu) + vecF / vec;
    ph->memory_s = (ph->weight_bytes + dyn) / bw;
    ph->memory_bound = ph->memory_s > ph->compute_s;
    ph->time_s = ph->memory_bound ? ph->memory_s : ph->compute_s;
}

static void blis__phase_write(blis_jw *w, const char *name, const blis_phase *p) {
    blis_jw_key(w, name);
    if (!p->present) {
        blis_jw_null(w);
        return;
    }
    blis_jw_object_begin(w);
    blis_jw_key_f64(w, "gemm_flops", p->gemm_flops);
    blis_jw_key_f64(w, "other_flops", p->other_flops);
    blis_jw_key_f64(w, "weight_bytes", p->weight_bytes);
    blis_jw_key_f64(w, "dynamic_bytes", p->dynamic_bytes);
    blis_jw_key_f64(w, "compute_s", p->compute_s);
    blis_jw_key_f64(w, "memory_s", p->memory_s);
    blis_jw_key_str(w, "bound", p->memory_bound ? "memory" : "compute");
    blis_jw_object_end(w);
}

BLIS_DEF void blis_step_breakdown_write(blis_jw *w, const blis_step_breakdown *b) {
    blis_jw_object_begin(w);
    blis__phase_write(w, "prefill", &b->prefill);
    blis__phase_write(w, "decode", &b->decode);
    blis_jw_key_f64(w, "hardware_s", b->hardware_s);
    blis_jw_key_f64(w, "layer_overhead_us", b->layer_overhead_us);
    blis_jw_key_f64(w, "comm_us", b->comm_us);
    blis_jw_key_f64(w, "step_overhead_us", b->step_overhead_us);
    blis_jw_key_i64(w, "step_time_us", b->step_time_us);
    blis_jw_object_end(w);
}

/* PCIe all-reduces (no NVLink). The bus efficiency: nccl-tests'
 * all_reduce_perf on 8 H100 PCIe GPUs (Gen5 x16, no NVSwitch) reaches a
 * busbw of 35-45 GB/s at large sizes (Alaya NeW, "NCCL-tests in practice",
 * 2026), 0.63 of the link's 63 GB/s per direction. The step latency: NCCL's
 * tuning model charges about 1 us of hardware latency per ring or tree step
 * over PCIe with its low-latency protocol. */
#define BLIS_PCIE_ALLREDUCE_EFF 0.63
#define BLIS_PCIE_STEP_US       1.0
/* NVLink all-reduces: 0.65 of the per-direction rate (see ALLREDUCE above). */
#define BLIS_NVLINK_ALLREDUCE_EFF 0.65

BLIS_DEF double blis_pcie_lane_gbs(double gen) {
    if (gen == 3) return 8.0 * 128 / 130 / 8;  /* 0.985 */
    if (gen == 4) return 16.0 * 128 / 130 / 8; /* 1.969 */
    if (gen == 5) return 32.0 * 128 / 130 / 8; /* 3.938 */
    if (gen == 6) return 64.0 * 242 / 256 / 8; /* 7.563 */
    return 0;
}

BLIS_DEF blis_link_kind blis_hw_link(const blis_hw_config *hw) {
    if (hw->nvlink_gbs > 0) return BLIS_LINK_NVLINK;
    if (blis_pcie_lane_gbs(hw->pcie_gen) > 0) return BLIS_LINK_PCIE;
    return BLIS_LINK_NONE;
}

BLIS_DEF double blis_hw_allreduce_s(const blis_hw_config *hw, int tp, double bytes) {
    double tpF = (double)tp, bw, steps_ring, steps_tree, ring, tree;
    if (tp <= 1) return 0;
    switch (blis_hw_link(hw)) {
    case BLIS_LINK_NVLINK: return bytes * 2 * (tpF - 1) / tpF / (BLIS_NVLINK_ALLREDUCE_EFF * hw->nvlink_gbs / 2 * 1e9);
    case BLIS_LINK_PCIE:
        bw = BLIS_PCIE_ALLREDUCE_EFF * blis_pcie_lane_gbs(hw->pcie_gen) * (hw->pcie_lanes > 0 ? hw->pcie_lanes : 16) *
             1e9;
        steps_ring = 2 * (tpF - 1);
        steps_tree = 2 * ceil(log2(tpF));
        ring = steps_ring * BLIS_PCIE_STEP_US / 1e6 + bytes * 2 * (tpF - 1) / tpF / bw;
        tree = steps_tree * BLIS_PCIE_STEP_US / 1e6 + bytes * 2 / bw;
        return ring < tree ? ring : tree;
    case BLIS_LINK_NONE: break;
    }
    return -1;
}

/* ---- the arch extension: the model's layers as its config describes them ---- */

BLIS_DEF int blis_model_needs_arch(const blis_model_config *m) { return m->arch_only || m->window_layers > 0; }

BLIS_DEF const char *blis_model_not_modelled(const blis_model_config *m, int roofline_version, unsigned v1_ext) {
    if (!m->latent_attention) return NULL;
    if (roofline_version == 1 && (v1_ext & BLIS_V1X_ARCH) && m->kv_lora_rank > 0)
        return strcmp(m->model_type, "glm_moe_dsa") ? NULL : "DSA";
    return "MLA";
}

BLIS_DEF void blis_model_shape_of(const blis_model_config *m, blis_model_shape *s) {
    double d = (double)m->hidden_size, H = (double)m->num_heads, Hkv = (double)m->num_kv_heads;
    double hd = m->head_dim > 0 ? (double)m->head_dim : d / H,
           dFF = m->intermediate_size ? (double)m->intermediate_size : 4 * d;
    int64_t step = m->moe_layer_step > 0 ? m->moe_layer_step : 1, first = m->first_dense_layers;
    int k;
    memset(s, 0, sizeof *s);
    s->layers = (double)m->num_layers;
    s->window_layers = (double)m->window_layers;
    s->window_tokens = (double)m->sliding_window;
    s->heads = H;
    s->hidden = d;
    s->dtype_bytes = m->bytes_per_param;
    s->kv_bytes = m->kv_bytes_per_param > 0 ? m->kv_bytes_per_param : m->bytes_per_param;
    for (k = 0; k < BLIS_PART_COUNT; k++) {
        s->part[k] = m->part[k];
        if (!(s->part[k].weight_bytes > 0)) s->part[k].weight_bytes = m->bytes_per_param, s->part[k].gemm_bits = 16;
    }
    s->lm_head_params = (double)m->vocab_size * d;
    if (m->latent_attention && m->kv_lora_rank > 0) { /* MLA (DeepSeek-V2/V3) */
        double r = (double)m->kv_lora_rank, rope = (double)m->qk_rope_head_dim, nope = (double)m->qk_nope_head_dim;
        double v = (double)m->v_head_dim, ql = (double)m->q_lora_rank, qk = nope + rope;
        s->mla_up_params = r * H * (nope + v);
        s->part_params[BLIS_PART_ATTN] = (ql > 0 ? d * ql + ql * H * qk : d * H * qk) /* query */
                                         + d * (r + rope)                             /* the latent and RoPE key */
                                         + s->mla_up_params + H * v * d;              /* up-projection, output */
        s->kv_elems = r + rope;
        s->kv_heads = 0;
        /* decode absorbs the up-projection: scores over latent + RoPE, values over the latent */
        s->pair_flops_decode = 2 * H * (r + rope) + 2 * H * r;
        s->pair_flops_prefill = 2 * H * qk + 2 * H * v; /* prefill attends over decompressed heads */
    } else {
        s->part_params[BLIS_PART_ATTN] = d * H * hd + 2 * d * Hkv * hd + H * hd * d;
        s->kv_elems = 2 * Hkv * hd;
        s->kv_heads = Hkv;
        s->pair_flops_decode = s->pair_flops_prefill = 4 * H * hd; /* QK^T and AV */
    }
    if (m->arch == BLIS_ARCH_MOE && m->num_experts > 0 && m->experts_per_token > 0) {
        double ef = m->expert_intermediate_size > 0 ? (double)m->expert_intermediate_size : dFF;
        double sf = m->shared_expert_intermediate_size > 0 ? (double)m->shared_expert_intermediate_size : ef;
        double df = m->dense_intermediate_size > 0 ? (double)m->dense_intermediate_size : dFF;
        if (first < 0 || first > m->num_layers) first = 0;
        s->moe_layers = (double)((m->num_layers - first) / step);
        s->dense_layers = s->layers - s->moe_layers;
        s->experts = (double)m->num_experts;
        s->experts_per_token = (double)(m->experts_per_token < m->num_experts ? m->experts_per_token : m->num_experts);
        s->part_params[BLIS_PART_MLP] = 3 * d * df;
        s->part_params[BLIS_PART_SHARED] = 3 * d * sf * (double)(m->num_shared_experts > 0 ? m->num_shared_experts : 0);
        s->part_params[BLIS_PART_EXPERT] = 3 * d * ef;
        s->router_params = d * s->experts;
    } else {
        s->dense_layers = s->layers;
        s->part_params[BLIS_PART_MLP] = 3 * d * dFF; /* gate, up, down */
    }
}

BLIS_DEF double blis_model_shape_weight_bytes(const blis_model_shape *s, double tokens) {
    double touched = s->experts, w;
    if (tokens >= 0 && s->experts > 0) touched = s->experts * (1 - pow(1 - s->experts_per_token / s->experts, tokens));
    w = s->layers * s->part_params[BLIS_PART_ATTN] * s->part[BLIS_PART_ATTN].weight_bytes;
    w += s->dense_layers * s->part_params[BLIS_PART_MLP] * s->part[BLIS_PART_MLP].weight_bytes;
    w += s->moe_layers * (s->part_params[BLIS_PART_SHARED] * s->part[BLIS_PART_SHARED].weight_bytes +
                          touched * s->part_params[BLIS_PART_EXPERT] * s->part[BLIS_PART_EXPERT].weight_bytes +
                          s->router_params * s->dtype_bytes);
    return w + s->lm_head_params * s->dtype_bytes;
}

BLIS_DEF void blis_model_shape_write(blis_jw *w, const blis_model_shape *s, int tp) {
    static const char *const names[BLIS_PART_COUNT] = {"attention", "dense_mlp", "shared_experts", "expert"};
    int k;
    blis_jw_object_begin(w);
    blis_jw_key_f64(w, "layers", s->layers);
    blis_jw_key_f64(w, "sliding_window_layers", s->window_layers);
    blis_jw_key_f64(w, "sliding_window_tokens", s->window_tokens);
    blis_jw_key_f64(w, "dense_layers", s->dense_layers);
    blis_jw_key_f64(w, "moe_layers", s->moe_layers);
    blis_jw_key_f64(w, "experts", s->experts);
    blis_jw_key_f64(w, "experts_per_token", s->experts_per_token);
    blis_jw_key(w, "per_layer");
    blis_jw_object_begin(w);
    for (k = 0; k < BLIS_PART_COUNT; k++) {
        blis_jw_key(w, names[k]);
        blis_jw_object_begin(w);
        blis_jw_key_f64(w, "params", s->part_params[k]);
        blis_jw_key_f64(w, "bytes_per_param", s->part[k].weight_bytes);
        blis_jw_key_f64(w, "weight_bytes", s->part_params[k] * s->part[k].weight_bytes);
        blis_jw_key_i64(w, "gemm_bits", s->part[k].gemm_bits);
        blis_jw_object_end(w);
    }
    blis_jw_key_f64(w, "router_params", s->router_params);
    blis_jw_key_f64(w, "kv_elems_per_token", s->kv_elems);
    blis_jw_key_f64(w, "kv_bytes_per_token", s->kv_elems * s->kv_bytes);
    blis_jw_key_f64(w, "kv_bytes_per_token_per_gpu", blis_model_shape_kv_token_bytes(s, tp, 0));
    blis_jw_object_end(w);
    blis_jw_key_f64(w, "lm_head_params", s->lm_head_params);
    blis_jw_key_f64(w, "weight_bytes", blis_model_shape_weight_bytes(s, -1));
    blis_jw_key_f64(w, "kv_bytes_per_token_per_gpu", blis_model_shape_kv_token_bytes(s, tp, -1));
    blis_jw_object_end(w);
}

/* The GPUs the KV cache is split over at TP tp: KV heads are, up to their
 * number (replicated beyond it); MLA's latent is not split. */
static double blis__kv_shards(const blis_model_shape *s, double tp) {
    return s->kv_heads <= 0 ? 1 : tp < s->kv_heads ? tp : s->kv_heads;
}

BLIS_DEF double blis_model_shape_kv_token_bytes(const blis_model_shape *s, int tp, int layer) {
    double per_layer = s->kv_elems * s->kv_bytes / blis__kv_shards(s, tp < 1 ? 1 : (double)tp);
    return layer >= 0 ? per_layer : per_layer * (s->layers - s->window_layers);
}

/* The dense peak of GEMMs on gemm_bits tensor cores, FLOP/s: FP8 and FP4
 * where the GPU has them; an FP4 checkpoint elsewhere runs W4A16 kernels
 * (the 16-bit peak), as vLLM's Marlin kernels do on Hopper. */
static double blis__gemm_peak(const blis_hw_config *hw, int gemm_bits) {
    if (gemm_bits == 8 && hw->tflops_peak_fp8 > 0) return hw->tflops_peak_fp8 * 1e12;
    if (gemm_bits == 4 && hw->tflops_peak_fp4 > 0) return hw->tflops_peak_fp4 * 1e12;
    return hw->tflops_peak * 1e12;
}

/* One phase under BLIS_V1X_ARCH: v1's structure (GEMMs at mfu of their
 * tensor cores' peak, vector ops at 10% of the 16-bit peak, weights and
 * dynamic bytes over the effective bandwidth) on the shape's counts. */
static void blis__v1a_phase(const blis_model_shape *s, const blis_hw_config *hw, double tpF, const blis_step_req *reqs,
                            size_t n, double mfu, double *tokens, blis_phase *ph) {
    double peak16 = hw->tflops_peak * 1e12, bw = hw->bw_peak_tbs * 1e12 * hw->v1_bw_efficiency;
    double L = s->layers, Wl = s->window_layers, Fl = L - Wl, win = s->window_tokens, d = s->hidden;
    double kv_tok = s->kv_elems * s->kv_bytes / blis__kv_shards(s, tpF); /* per layer, per GPU */
    double attnF = 0, upF = 0, vecF = 0, dyn = 0, T = 0, partF[BLIS_PART_COUNT], other16, compute = 0;
    size_t i;
    int k;
    memset(ph, 0, sizeof *ph);
    *tokens = 0;
    if (!n) return;
    for (i = 0; i < n; i++) {
        double seq = (double)reqs[i].progress_tokens, newT = (double)reqs[i].new_tokens;
        double ctx = newT <= 1 ? seq : seq + (newT - 1) / 2;
        double ctxw = Wl > 0 && ctx > win ? win : ctx, seqw = Wl > 0 && seq > win ? win : seq;
        double pairs = newT * (Fl * ctx + Wl * ctxw);
        attnF += pairs * (newT > 1 ? s->pair_flops_prefill : s->pair_flops_decode);
        if (newT > 1) upF += 2 * s->mla_up_params * seq * L; /* a prefill chunk re-expands the cached latent */
        vecF += 5 * s->heads * pairs + 2 * newT * d * L;     /* softmax, mask and RoPE, as v1 */
        dyn += kv_tok * (Fl * seq + Wl * seqw + L * newT) + L * d * s->dtype_bytes * newT / tpF;
        T += newT;
    }
    partF[BLIS_PART_ATTN] = 2 * T * L * s->part_params[BLIS_PART_ATTN] + upF;
    partF[BLIS_PART_MLP] = 2 * T * s->dense_layers * s->part_params[BLIS_PART_MLP];
    partF[BLIS_PART_SHARED] = 2 * T * s->moe_layers * s->part_params[BLIS_PART_SHARED];
    partF[BLIS_PART_EXPERT] = 2 * T * s->moe_layers * s->experts_per_token * s->part_params[BLIS_PART_EXPERT];
    other16 = attnF + 2 * T * s->moe_layers * s->router_params + 2 * s->lm_head_params * (double)n;
    for (k = 0; k < BLIS_PART_COUNT; k++) {
        compute += partF[k] / tpF / (blis__gemm_peak(hw, s->part[k].gemm_bits) * mfu);
        ph->gemm_flops += partF[k] / tpF;
    }
    compute += other16 / tpF / (peak16 * mfu) + vecF / tpF / (peak16 * 0.10);
    *tokens = T;
    ph->present = 1;
    ph->gemm_flops += other16 / tpF;
    ph->other_flops = vecF / tpF;
    ph->weight_bytes = blis_model_shape_weight_bytes(s, T) / tpF;
    ph->dynamic_bytes = dyn;
    ph->compute_s = compute;
    ph->memory_s = (ph->weight_bytes + dyn) / bw;
    ph->memory_bound = ph->memory_s > ph->compute_s;
    ph->time_s = ph->memory_bound ? ph->memory_s : ph->compute_s;
}

BLIS_DEF blis_status blis_roofline_v1x_step(const blis_model_config *m, const blis_hw_config *hw, int tp, unsigned ext,
                                            const blis_step_batch *b, blis_step_breakdown *out, blis_err *err) {
    double tpF = (double)tp, L = (double)m->num_layers, layer_floor_s, comm_s = 0, tp_tokens, td_tokens;
    blis__v1x_mlp x;
    int moe = blis__v1x_mlp_of(m, ext, &x), arch = (ext & BLIS_V1X_ARCH) != 0;
    double mfu_decode = (ext & BLIS_V1X_GEMM) ? hw->v1_mfu_prefill : hw->v1_mfu_decode;
    blis_model_shape shape;
    blis_status st;
    memset(out, 0, sizeof *out);
    if ((st = blis__batch_check(b, tp, err))) return st;
    if (!arch && blis_model_needs_arch(m))
        return blis_err_set(err, BLIS_E_UNSUPPORTED, 0, 0,
                            "model_type %s%s is modelled only by roofline v1 with the arch extension (--roofline-ext "
                            "with arch, as the default all has): the reference's formulas would cost another "
                            "architecture",
                            m->model_type, m->window_layers > 0 ? " with sliding-window layers" : "");
    out->version = 1;
    out->weight_bytes_per_param = m->bytes_per_param * x.weight_scale;
    out->kv_bytes_per_param = m->bytes_per_param * x.kv_scale;
    if (arch) {
        blis_model_shape_of(m, &shape);
        out->weight_bytes_per_param = shape.part[moe ? BLIS_PART_EXPERT : BLIS_PART_MLP].weight_bytes;
        out->kv_bytes_per_param = shape.kv_bytes;
        blis__v1a_phase(&shape, hw, tpF, b->prefill, b->prefill_count, hw->v1_mfu_prefill, &tp_tokens, &out->prefill);
        blis__v1a_phase(&shape, hw, tpF, b->decode, b->decode_count, mfu_decode, &td_tokens, &out->decode);
    } else {
        blis__v1_phase(m, hw, tpF, b->prefill, b->prefill_count, hw->v1_mfu_prefill, &x, moe, &tp_tokens,
                       &out->prefill);
        blis__v1_phase(m, hw, tpF, b->decode, b->decode_count, mfu_decode, &x, moe, &td_tokens, &out->decode);
    }
    if ((ext & (BLIS_V1X_FUSED | BLIS_V1X_GEMM)) && out->prefill.present && out->decode.present) {
        /* one pass over the weights for both phases' tokens */
        double bw = hw->bw_peak_tbs * 1e12 * hw->v1_bw_efficiency;
        double w = (arch ? blis_model_shape_weight_bytes(&shape, tp_tokens + td_tokens)
                         : blis__v1x_weight_bytes(m, &x, moe, tp_tokens + td_tokens)) /
                   tpF;
        double mem = (w + out->prefill.dynamic_bytes + out->decode.dynamic_bytes) / bw;
        double comp = out->prefill.compute_s + out->decode.compute_s;
        out->hardware_s = mem > comp ? mem : comp;
    } else {
        out->hardware_s = out->prefill.time_s + out->decode.time_s; /* v1 adds the phases */
    }
    layer_floor_s = L * hw->v1_layer_overhead_us / 1e6;
    if (tp > 1) {
        comm_s = L * 2 * hw->v1_allreduce_us / 1e6;
        if (ext & BLIS_V1X_ALLREDUCE) {
            double bytes = (tp_tokens + td_tokens) * (double)m->hidden_size * m->bytes_per_param;
            double ar_s = blis_hw_allreduce_s(hw, tp, bytes);
            if (ar_s < 0)
                return blis_err_set(err, BLIS_E_UNSUPPORTED, 0, 0,
                                    "hardware %s names no GPU-to-GPU link (NVLinkGBs or PCIeGen): the tensor-parallel "
                                    "all-reduce cannot be charged at TP %d; add PCIeGen and PCIeLanes to its entry, "
                                    "or leave allreduce out of --roofline-ext",
                                    hw->gpu, tp);
            comm_s += L * 2 * ar_s;
        }
    }
    out->layer_overhead_us = layer_floor_s * 1e6;
    out->comm_us = comm_s * 1e6;
    out->step_overhead_us = hw->v1_step_overhead_us;
    if (hw->v1_seq_overhead_us > 0) /* blis's own term; absent from the reference's files */
        out->step_overhead_us += hw->v1_seq_overhead_us * (double)(b->prefill_count + b->decode_count);
    return blis__step_us(round(out->hardware_s * 1e6 + layer_floor_s * 1e6 + comm_s * 1e6 + out->step_overhead_us), out,
                         err);
}

BLIS_DEF blis_status blis_roofline_v1_step(const blis_model_config *m, const blis_hw_config *hw, int tp,
                                           const blis_step_batch *b, blis_step_breakdown *out, blis_err *err) {
    return blis_roofline_v1x_step(m, hw, tp, 0, b, out, err);
}

static const struct {
    const char *name;
    unsigned flag;
} blis__v1x_names[] = {{"moe", BLIS_V1X_MOE},       {"fused", BLIS_V1X_FUSED}, {"allreduce", BLIS_V1X_ALLREDUCE},
                       {"lmhead", BLIS_V1X_LMHEAD}, {"gemm", BLIS_V1X_GEMM},   {"quant", BLIS_V1X_QUANT},
                       {"arch", BLIS_V1X_ARCH},     {"all", BLIS_V1X_ALL},     {"none", 0}};

BLIS_DEF void blis_v1x_format(unsigned flags, char sep, char *out, size_t size) {
    size_t i, len = 0;
    if (!size) return;
    out[0] = '\0';
    for (i = 0; blis__v1x_names[i].flag != BLIS_V1X_ALL; i++) /* the single extensions (before "all"), in order */
        if (flags & blis__v1x_names[i].flag) {
            size_t n = strlen(blis__v1x_names[i].name);
            if (len + (len > 0) + n + 1 > size) break;
            if (len) out[len++] = sep;
            memcpy(out + len, blis__v1x_names[i].name, n + 1);
            len += n;
        }
    if (!len) blis__copy_cstr(out, size, "none");
}

BLIS_DEF int blis_v1x_parse(const char *list) {
    unsigned flags = 0;
    const char *p = list;
    if (!list || !*list) return -1;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p), i;
        int found = 0;
        for (i = 0; i < sizeof blis__v1x_names / sizeof blis__v1x_names[0]; i++)
            if (strlen(blis__v1x_names[i].name) == len && memcmp(blis__v1x_names[i].name, p, len) == 0) {
                flags |= blis__v1x_names[i].flag;
                found = 1;
            }
        if (!found) return -1;
        if (!end) break;
        p = end + 1;
    }
    return (int)flags;
}

/* ---- the Transformer Roofline Analyzer ----
 * Per-layer counts of spec tra-output §3. Values are exact integers below
 * 2^53 for every case we know (6.4e15 at most), so doubles hold them
 * exactly; totals are truncated per layer and summed in int64 as the
 * reference does. Formatting never uses printf's %f (locale-dependent): the
 * two decimals are rounded exactly from the double (blis_f64_format_fixed). */

typedef struct blis__tra {
    blis_tra_report *r;
    double N, dt, h;
    unsigned flags;
} blis__tra;

static blis_tra_row *blis__tra_row(blis__tra *t, const char *name, int64_t blocks) {
    blis_tra_row *row;
    if (t->r->row_count >= BLIS_TRA_MAX_ROWS) return NULL;
    row = &t->r->rows[t->r->row_count++];
    memset(row, 0, sizeof *row);
    blis__copy_cstr(row->name, sizeof row->name, name);
    row->blocks = blocks;
    return row;
}

/* proj(m, n, k): an m x k by k x n GEMM. */
static void blis__tra_proj(blis__tra *t, blis_tra_row *row, double m, double n, double k, double times) {
    if (!row) return;
    row->compute_flops += m * n * (2 * k - 1) * times;
    row->weight_bytes += k * n * t->dt * times;
    row->input_bytes += m * k * t->dt * times;
    row->output_bytes += m * n * t->dt * times;
}

static void blis__tra_rmsnorm(blis__tra *t, const char *name, int64_t blocks) {
    blis_tra_row *row = blis__tra_row(t, name, blocks);
    if (!row) return;
    row->compute_flops = (4 * t->h + 2) * t->N;
    row->weight_bytes = (t->h + 1) * t->dt;
    row->input_bytes = t->h * t->N * t->dt;
    row->output_bytes = t->h * t->N * t->dt;
}

static void blis__tra_add(blis__tra *t, const char *name, int64_t blocks) {
    blis_tra_row *row = blis__tra_row(t, name, blocks);
    double e = t->N * t->h;
    if (!row) return;
    row->compute_flops = e;
    row->input_bytes = 2 * e * t->dt;
    row->output_bytes = e * t->dt;
}

/* SiLU(gate) * up over I elements per token; 4 FLOPs for SiLU, 1 for the mul. */
static void blis__tra_actmul(blis__tra *t, blis_tra_row *row, double I, double times) {
    if (!row) return;
    row->compute_flops += ((t->flags & BLIS_TRA_QUIRKS) ? (4 + 1) * I + t->N : (4 + 1) * I * t->N) * times;
    row->input_bytes += 2 * I * t->N * t->dt * times;
    row->output_bytes += I * t->N * t->dt * times;
}

/* A gated MLP (gate+up, act-mul, down) as three rows named prefix + part. */
static void blis__tra_mlp(blis__tra *t, const char *prefix, double I, double times, int64_t blocks) {
    char name[40];
    snprintf(name, sizeof name, "%sGateUp_Proj", prefix);
    blis__tra_proj(t, blis__tra_row(t, name, blocks), t->N, 2 * I, t->h, times);
    snprintf(name, sizeof name, "%sActMul", prefix);
    blis__tra_actmul(t, blis__tra_row(t, name, blocks), I, times);
    snprintf(name, sizeof name, "%sDown_Proj", prefix);
    blis__tra_proj(t, blis__tra_row(t, name, blocks), t->N, t->h, I, times);
}

static void blis__tra_attention(blis__tra *t, const blis_model_config *m, const int64_t *cached, const int64_t *input,
                                size_t q, double hd) {
    double H = (double)m->num_heads, KV = (double)m->num_kv_heads;
    int64_t L = m->num_layers;
    blis_tra_row *row;
    size_t i;
    blis__tra_rmsnorm(t, "Attn - RMSNorm", L);
    blis__tra_proj(t, blis__tra_row(t, "Attn - QKV_Proj", L), t->N, hd * (H + 2 * KV), t->h, 1);
    row = blis__tra_row(t, "Attn - RoPE", L);
    if (row) {
        double d = hd * (H + KV);
        row->compute_flops = 3 * d * t->N;
        row->input_bytes = d * t->N * t->dt;
        row->output_bytes = d * t->N * t->dt;
    }
    row = blis__tra_row(t, "Attn - SDPA", L);
    for (i = 0; row && i < q; i++) {
        double qo = (double)input[i], kv = (double)(cached[i] + input[i]);
        row->compute_flops += qo * kv * (2 * t->h - 1) + qo * (hd * KV) * (2 * kv - 1);
        row->input_bytes += qo * t->h * t->dt + kv * 2 * hd * KV * t->dt;
        row->output_bytes += qo * t->h * t->dt;
    }
    blis__tra_proj(t, blis__tra_row(t, "Attn - O_Proj", L), t->N, t->h, H * hd, 1);
    blis__tra_add(t, "Attn - ResidualAdd", L);
}

/* MoE feed-forward: router, k routed experts, shared experts, the dense
 * layers' MLP. MoE blocks: L / step (llama4), or L - first_dense_layers. */
static void blis__tra_moe(blis__tra *t, const blis_model_config *m) {
    int64_t L = m->num_layers, moe_blocks, dense_blocks;
    if (!strcmp(m->model_type, "llama4"))
        moe_blocks = L / m->moe_layer_step;
    else
        moe_blocks = (L - m->first_dense_layers) / m->moe_layer_step;
    dense_blocks = L - moe_blocks;
    blis__tra_proj(t, blis__tra_row(t, "Ffn - Router", (t->flags & BLIS_TRA_QUIRKS) ? L : moe_blocks), t->N,
                   (double)m->num_experts, t->h, 1);
    blis__tra_mlp(t, "Ffn - RoutedExp_", (double)m->expert_intermediate_size, (double)m->experts_per_token, moe_blocks);
    if (m->num_shared_experts > 0) {
        blis__tra_mlp(t, "Ffn - SharedExp_", (double)m->shared_expert_intermediate_size, (double)m->num_shared_experts,
                      moe_blocks);
        blis__tra_add(t, "Ffn - RoutedSharedExpAdd", moe_blocks);
    }
    blis__tra_mlp(t, "Ffn - NonMoE_", (double)m->dense_intermediate_size, 1, dense_blocks);
}

/* Every per-layer value times its blocks stays below 4e17 (exact enough in
 * int64 sums, and no float-to-integer overflow). */
static int blis__tra_in_range(const blis_tra_report *r) {
    size_t i;
    for (i = 0; i < r->row_count; i++) {
        const blis_tra_row *row = &r->rows[i];
        double b = (double)row->blocks;
        if (!(row->compute_flops * b < 4.0e17 && row->weight_bytes * b < 4.0e17 && row->input_bytes * b < 4.0e17 &&
              row->output_bytes * b < 4.0e17))
            return 0;
    }
    return 1;
}

static void blis__tra_totals(blis_tra_report *r) {
    size_t i, k = 0;
    for (i = 0; i < r->row_count; i++) { /* layers in no block are dropped */
        if (r->rows[i].blocks <= 0) continue;
        r->rows[k++] = r->rows[i];
    }
    r->row_count = k;
    for (i = 0; i < r->row_count; i++) {
        const blis_tra_row *row = &r->rows[i];
        r->total_compute_flops += (int64_t)row->compute_flops * row->blocks;
        r->total_weight_bytes += (int64_t)row->weight_bytes * row->blocks;
        r->total_input_bytes += (int64_t)row->input_bytes * row->blocks;
        r->total_output_bytes += (int64_t)row->output_bytes * row->blocks;
    }
}

static double blis__tra_dtype_bytes(const blis_model_config *m) {
    if (!strcmp(m->dtype, "float32") || !strcmp(m->dtype, "fp32") || !strcmp(m->dtype, "float")) return 4;
    if (!strcmp(m->dtype, "int8") || !strcmp(m->dtype, "uint8") || !strcmp(m->dtype, "fp8") ||
        !strncmp(m->dtype, "float8", 6))
        return 1;
    return 2;
}

BLIS_DEF blis_status blis_tra_analyze(const blis_model_config *m, const int64_t *cached, const int64_t *input, size_t q,
                                      unsigned flags, blis_tra_report *out, blis_err *err) {
    blis__tra t;
    double hd, kv_per_token;
    size_t i;
    memset(out, 0, sizeof *out);
    if (q == 0) return blis_err_set(err, BLIS_E_INVALID, 0, 0, "at least one query is needed");
    if (blis_model_needs_arch(m)) /* its rows describe standard attention: said, not printed as this model */
        return blis_err_set(err, BLIS_E_UNSUPPORTED, 0, 0,
                            "the analyzer does not describe model_type %s%s yet; `simulation_worker step` prints its "
                            "per-layer weights and KV bytes (the arch extension's shape)",
                            m->model_type, m->window_layers > 0 ? " (sliding-window layers)" : "");
    memset(&t, 0, sizeof t);
    t.r = out;
    t.flags = flags;
    t.dt = blis__tra_dtype_bytes(m);
    t.h = (double)m->hidden_size;
    for (i = 0; i < q; i++) {
        if (input[i] < 1 || cached[i] < 0 || input[i] > ((int64_t)1 << 31) || cached[i] > ((int64_t)1 << 31))
            return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                                "query %lu: input tokens must be in 1..2^31 and cached tokens in 0..2^31",
                                (unsigned long)i + 1);
        t.N += (double)input[i];
    }
    hd = m->head_dim ? (double)m->head_dim : t.h / (double)m->num_heads;
    out->layers = m->num_layers;
    blis__tra_attention(&t, m, cached, input, q, hd);
    blis__tra_rmsnorm(&t, "Ffn - RMSNorm", m->num_layers);
    if (m->arch == BLIS_ARCH_MOE)
        blis__tra_moe(&t, m);
    else
        blis__tra_mlp(&t, "Ffn - ", (double)m->intermediate_size, 1, m->num_layers);
    blis__tra_add(&t, "Ffn - ResidualAdd", m->num_layers);
    kv_per_token = hd * (double)m->num_kv_heads * 2 * t.dt;
    {
        double tokens = 0, experts = 0;
        for (i = 0; i < q; i++) tokens += (double)(cached[i] + input[i]);
        if (m->arch == BLIS_ARCH_MOE)
            experts =
                t.h * (double)m->expert_intermediate_size * t.dt * 3 * (double)m->num_experts * (double)m->num_layers;
        if (!blis__tra_in_range(out) || !(tokens * kv_per_token * (double)m->num_layers < 4.0e17) ||
            !(experts < 4.0e17))
            return blis_err_set(err, BLIS_E_RANGE, 0, 0,
                                "the counts exceed 4e17 (model or batch too large to analyse)");
    }
    blis__tra_totals(out);
    for (i = 0; i < q; i++)
        out->kv_cache_bytes += (int64_t)((double)(cached[i] + input[i]) * kv_per_token) * m->num_layers;
    if (m->arch == BLIS_ARCH_MOE) {
        int64_t moe_blocks = !strcmp(m->model_type, "llama4")
                                 ? m->num_layers / m->moe_layer_step
                                 : (m->num_layers - m->first_dense_layers) / m->moe_layer_step;
        out->has_additional_experts = 1;
        out->additional_experts_bytes = (int64_t)(t.h * (double)m->expert_intermediate_size * t.dt * 3) *
                                        (m->num_experts - m->experts_per_token) * moe_blocks;
    }
    out->embedding_bytes = (int64_t)(t.h * (double)m->vocab_size * t.dt);
    out->storage_bytes =
        out->total_weight_bytes + out->kv_cache_bytes + out->additional_experts_bytes + out->embedding_bytes;
    return BLIS_OK;
}

/* ---- exact fixed-point formatting ---- */

/* q / dtype bytes: how much smaller a quantized tensor is (1 when not stated) */
static double blis__bytes_ratio(double q, double dtype) { return q > 0 && dtype > 0 ? q / dtype : 1; }

BLIS_DEF blis_status blis_kv_capacity_blocks(const blis_model_config *m, const blis_hw_config *hw, int tp,
                                             int64_t block_tokens, double gpu_memory_utilization, int64_t *blocks,
                                             blis_err *err) {
    const int64_t cached[1] = {0}, one[1] = {1}; /* one query of one token, nothing cached */
    blis_tra_report r;
    blis_status st;
    double free_bytes, block_bytes, weights;
    double w_ratio = blis__bytes_ratio(m->weight_bytes_per_param, m->bytes_per_param);
    double kv_ratio = blis__bytes_ratio(m->kv_bytes_per_param, m->bytes_per_param);
    *blocks = 0;
    blis_err_clear(err, "<kv capacity>");
    if (tp < 1 || block_tokens < 1 || !(gpu_memory_utilization > 0 && gpu_memory_utilization <= 1))
        return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                            "KV capacity needs tp >= 1, block size >= 1, utilization in (0, 1]");
    if (!(hw->memory_gib > 0))
        return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                            "the hardware config gives no MemoryGiB for this GPU, so the KV cache size cannot be "
                            "estimated; pass --total-kv-blocks");
    if (blis_model_needs_arch(m) || (m->latent_attention && m->kv_lora_rank > 0)) {
        /* layers the analyzer does not describe: the arch extension's counts (every expert, each part at its
         * format, the embeddings at the dtype's); a token's KV bytes on the full-attention layers (a sliding-window
         * layer holds at most its window per request), MLA's latent on every GPU */
        blis_model_shape sh;
        blis_model_shape_of(m, &sh);
        weights = blis_model_shape_weight_bytes(&sh, -1) + (double)m->vocab_size * sh.hidden * sh.dtype_bytes;
        block_bytes = blis_model_shape_kv_token_bytes(&sh, tp, sh.layers > sh.window_layers ? -1 : 0) *
                      (sh.layers > sh.window_layers ? 1 : sh.layers) * (double)block_tokens * tp;
        free_bytes = hw->memory_gib * 1073741824.0 * gpu_memory_utilization * tp - weights;
    } else {
        if ((st = blis_tra_analyze(m, cached, one, 1, 0, &r, err))) return st;
        /* the layers' weights at the quantized bytes, the embeddings at the dtype's; the KV cache at its dtype's */
        weights = (double)r.total_weight_bytes + (double)r.embedding_bytes +
                  (r.has_additional_experts ? (double)r.additional_experts_bytes : 0);
        if (w_ratio != 1) /* summed in another order only when quantized: unquantized sizes stay bit for bit */
            weights =
                ((double)r.total_weight_bytes + (r.has_additional_experts ? (double)r.additional_experts_bytes : 0)) *
                    w_ratio +
                (double)r.embedding_bytes;
        free_bytes = hw->memory_gib * 1073741824.0 * gpu_memory_utilization * tp - weights;
        block_bytes = (double)r.kv_cache_bytes * (double)block_tokens;
        if (kv_ratio != 1) block_bytes *= kv_ratio;
    }
    if (!(free_bytes > block_bytes) || !(block_bytes > 0))
        return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                            "the model's weights (%.1f GiB) leave no room for a KV cache in %.0f%% of %d x %g GiB; "
                            "use more GPUs (--tp) or pass --total-kv-blocks",
                            weights / 1073741824.0, gpu_memory_utilization * 100, tp, hw->memory_gib);
    *blocks = (int64_t)(free_bytes / block_bytes);
    return BLIS_OK;
}

BLIS_DEF size_t blis_tra_quantity(double v, int iec, const char *unit, char *buf, size_t size) {
    static const char *const si[] = {"", "k", "M", "G", "T", "P", "E"};
    static const char *const iec_p[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    static const char *const small[] = {"m", "\xCE\xBC", "n"}; /* U+03BC GREEK SMALL LETTER MU */
    double base = iec ? 1024.0 : 1000.0, a = fabs(v), scale = 1, x;
    const char *prefix = "";
    char num[440];
    int k;
    for (k = 1; k <= 6 && a >= scale * base; k++) {
        scale *= base;
        prefix = iec ? iec_p[k] : si[k];
    }
    x = v / scale;
    if (!iec && a > 0 && a < 1) {
        double p = 1;
        for (k = 0; k < 3; k++) {
            p /= 1000.0;
            if (a >= p || k == 2) {
                x = v / p;
                prefix = small[k];
                break;
            }
        }
    }
    blis_f64_format_fixed(x, 2, num, sizeof num);
    return (size_t)snprintf(buf, size, "%s %s%s", num, prefix, unit);
}

/* ---- table output ---- */

#define BLIS__TRA_COLS 9
typedef struct blis__tra_cells {
    char c[BLIS__TRA_COLS][48];
} blis__tra_cells;

static void blis__tra_time(double flops, double wbytes, double in, double out, const blis_hw_config *hw, int tp,
                           double *t, int *memory_bound) {
    double compute = flops / (double)tp / (hw->tflops_peak * 1e12);
    double memory = (wbytes / (double)tp + in + out) / (hw->bw_peak_tbs * 1e12);
    *memory_bound = memory > compute;
    *t = *memory_bound ? memory : compute;
}

static void blis__tra_fill(blis__tra_cells *c, const char *name, const char *blocks, double flops, double w, double in,
                           double out, const blis_hw_config *hw, double time_s, int memory_bound) {
    double denom = (double)(int64_t)w + (double)(int64_t)in + (double)(int64_t)out;
    blis__copy_cstr(c->c[0], sizeof c->c[0], name);
    blis__copy_cstr(c->c[1], sizeof c->c[1], blocks);
    blis_tra_quantity(flops, 0, "FLOPs", c->c[2], sizeof c->c[2]);
    blis_tra_quantity(w, 1, "B", c->c[3], sizeof c->c[3]);
    blis_tra_quantity(in, 1, "B", c->c[4], sizeof c->c[4]);
    blis_tra_quantity(out, 1, "B", c->c[5], sizeof c->c[5]);
    blis_tra_quantity(denom > 0 ? (double)(int64_t)flops / denom : 0, 0, "FLOPs/Bytes", c->c[6], sizeof c->c[6]);
    if (hw) {
        blis_tra_quantity(time_s, 0, "s", c->c[7], sizeof c->c[7]);
        blis__copy_cstr(c->c[8], sizeof c->c[8], memory_bound ? "memory" : "compute");
    }
}

/* Display width of UTF-8 text (code points; all our characters are narrow). */
static size_t blis__utf8_width(const char *s) {
    size_t w = 0;
    for (; *s; s++) w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static int blis__tra_line(blis_write_fn write, void *user, const blis__tra_cells *c, const size_t *width, int ncols) {
    static const char spaces[] = "                                                                ";
    int i;
    for (i = 0; i < ncols; i++) {
        size_t w = blis__utf8_width(c->c[i]), pad = width[i] > w ? width[i] - w : 0, left;
        left = i == 0 ? 0 : i == 1 ? pad / 2 : pad; /* left, centred (extra space right), right */
        if (write(user, i == 0 ? "| " : " | ", i == 0 ? 2u : 3u) || write(user, spaces, left) ||
            write(user, c->c[i], strlen(c->c[i])) || write(user, spaces, pad - left))
            return -1;
    }
    return write(user, " |\n", 3);
}

BLIS_DEF int blis_tra_write_table(const blis_tra_report *r, const blis_hw_config *hw, int tp, blis_write_fn write,
                                  void *user) {
    static const char *const headers[BLIS__TRA_COLS] = {"Node",
                                                        "Block Count",
                                                        "Compute",
                                                        "Bandwidth (Weight)",
                                                        "Bandwidth (Input)",
                                                        "Bandwidth (Output)",
                                                        "Operational Intensity",
                                                        "Time",
                                                        "Bound"};
    blis__tra_cells cells[BLIS_TRA_MAX_ROWS + 3];
    size_t width[BLIS__TRA_COLS], n = 0, i;
    int ncols = hw ? 9 : 7, j;
    char buf[64], tot[64], w_s[40], k_s[40], x_s[40], e_s[40], s_s[40], line[400];
    double total_time = 0;
    if (tp < 1) tp = 1;
    memset(cells, 0, sizeof cells);
    for (j = 0; j < ncols; j++) blis__copy_cstr(cells[0].c[j], sizeof cells[0].c[j], headers[j]);
    if (hw) snprintf(cells[0].c[7], sizeof cells[0].c[7], "Time (TP %d)", tp);
    for (i = 0; i < r->row_count; i++) {
        const blis_tra_row *row = &r->rows[i];
        double t = 0;
        int mb = 0;
        if (hw)
            blis__tra_time(row->compute_flops, row->weight_bytes, row->input_bytes, row->output_bytes, hw, tp, &t, &mb);
        total_time += t * (double)row->blocks;
        snprintf(buf, sizeof buf, "%lld / %lld", (long long)row->blocks, (long long)r->layers);
        blis__tra_fill(&cells[1 + i], row->name, buf, row->compute_flops, row->weight_bytes, row->input_bytes,
                       row->output_bytes, hw, t, mb);
    }
    n = 1 + r->row_count + 1; /* the blank row stays empty */
    snprintf(tot, sizeof tot, "Total (%lld Blocks)", (long long)r->layers);
    {
        double t = 0;
        int mb = 0;
        if (hw)
            blis__tra_time((double)r->total_compute_flops, (double)r->total_weight_bytes, (double)r->total_input_bytes,
                           (double)r->total_output_bytes, hw, tp, &t, &mb);
        blis__tra_fill(&cells[n], tot, "N/A", (double)r->total_compute_flops, (double)r->total_weight_bytes,
                       (double)r->total_input_bytes, (double)r->total_output_bytes, hw, total_time, mb);
    }
    n++;
    for (j = 0; j < ncols; j++) {
        width[j] = strlen(headers[j]) + 2;
        if (j == 7) width[j] = blis__utf8_width(cells[0].c[7]) + 2;
        for (i = 1; i < n; i++)
            if (blis__utf8_width(cells[i].c[j]) > width[j]) width[j] = blis__utf8_width(cells[i].c[j]);
    }
    if (blis__tra_line(write, user, &cells[0], width, ncols)) return -1;
    for (j = 0; j < ncols; j++) {
        size_t k;
        if (write(user, "|", 1)) return -1;
        for (k = 0; k < width[j] + 2; k++)
            if (write(user, "-", 1)) return -1;
    }
    if (write(user, "|\n", 2)) return -1;
    for (i = 1; i < n; i++)
        if (blis__tra_line(write, user, &cells[i], width, ncols)) return -1;
    blis_tra_quantity((double)r->total_weight_bytes, 1, "B", w_s, sizeof w_s);
    blis_tra_quantity((double)r->kv_cache_bytes, 1, "B", k_s, sizeof k_s);
    blis_tra_quantity((double)r->additional_experts_bytes, 1, "B", x_s, sizeof x_s);
    blis_tra_quantity((double)r->embedding_bytes, 1, "B", e_s, sizeof e_s);
    blis_tra_quantity((double)r->storage_bytes, 1, "B", s_s, sizeof s_s);
    if (r->has_additional_experts)
        snprintf(line, sizeof line,
                 "\nMinimum Storage Requirement: (Weights) %s + (KV-cache) %s + (Additional Experts) %s + (Embedding "
                 "Table) %s = %s\n",
                 w_s, k_s, x_s, e_s, s_s);
    else
        snprintf(line, sizeof line,
                 "\nMinimum Storage Requirement: (Weights) %s + (KV-cache) %s + (Embedding Table) %s = %s\n", w_s, k_s,
                 e_s, s_s);
    return write(user, line, strlen(line));
}

static void blis__tra_json_row(blis_jw *w, const char *name, int64_t blocks, double f, double wb, double in, double out,
                               const blis_hw_config *hw, int tp) {
    double denom = (double)(int64_t)wb + (double)(int64_t)in + (double)(int64_t)out;
    blis_jw_object_begin(w);
    blis_jw_key_str(w, "name", name);
    blis_jw_key_i64(w, "blocks", blocks);
    blis_jw_key_f64(w, "compute_flops", f);
    blis_jw_key_f64(w, "weight_bytes", wb);
    blis_jw_key_f64(w, "input_bytes", in);
    blis_jw_key_f64(w, "output_bytes", out);
    blis_jw_key_f64(w, "operational_intensity", denom > 0 ? (double)(int64_t)f / denom : 0);
    if (hw) {
        double t;
        int mb;
        blis__tra_time(f, wb, in, out, hw, tp, &t, &mb);
        blis_jw_key_f64(w, "time_s", t);
        blis_jw_key_str(w, "bound", mb ? "memory" : "compute");
    }
    blis_jw_object_end(w);
}

BLIS_DEF void blis_tra_write_json(const blis_tra_report *r, const blis_hw_config *hw, int tp, blis_jw *w) {
    size_t i;
    if (tp < 1) tp = 1;
    blis_jw_object_begin(w);
    blis_jw_key_i64(w, "blocks", r->layers);
    blis_jw_key(w, "layers");
    blis_jw_array_begin(w);
    for (i = 0; i < r->row_count; i++)
        blis__tra_json_row(w, r->rows[i].name, r->rows[i].blocks, r->rows[i].compute_flops, r->rows[i].weight_bytes,
                           r->rows[i].input_bytes, r->rows[i].output_bytes, hw, tp);
    blis_jw_array_end(w);
    blis_jw_key(w, "total");
    blis__tra_json_row(w, "Total", r->layers, (double)r->total_compute_flops, (double)r->total_weight_bytes,
                       (double)r->total_input_bytes, (double)r->total_output_bytes, hw, tp);
    blis_jw_key(w, "storage_bytes");
    blis_jw_object_begin(w);
    blis_jw_key_i64(w, "weights", r->total_weight_bytes);
    blis_jw_key_i64(w, "kv_cache", r->kv_cache_bytes);
    if (r->has_additional_experts) {
        blis_jw_key_i64(w, "additional_experts", r->additional_experts_bytes);
    }
    blis_jw_key_i64(w, "embedding_table", r->embedding_bytes);
    blis_jw_key_i64(w, "total", r->storage_bytes);
    blis_jw_object_end(w);
    blis_jw_object_end(w);
}

/* ==== >>mfu  implementation ====
 * Owns: the MFU database (GEMM rows, attention prefill and decode tables,
 * lookup structures built at load time), the three lookups with their
 * interpolation and zero-MFU fallbacks, and roofline v2, which lives here
 * because it needs the database (sections only call upward). Uses: >>base,
 * >>csv, >>model, >>roofline. Used by: the engine and the tools.
 * Invariants: tables are immutable after loading; lookups and the v2 step
 * allocate nothing; every lookup returns >= 1e-4 (the reference's floor).
 * The lookup vectors (mfu_database_lookups) and step vectors check them. */

#define BLIS__MFU_FLOOR 1e-4 /* reference: MFUs below this are "no data" */

BLIS_DEF void blis_mfu_db_init(blis_mfu_db *db, const blis_alloc *alloc) {
    memset(db, 0, sizeof *db);
    blis__arena_init(&db->arena, alloc);
}

BLIS_DEF void blis_mfu_db_free(blis_mfu_db *db) {
    blis_alloc a = db->arena.alloc;
    blis__free(&a, db->gemm);
    blis__free(&a, db->gemm_sorted);
    blis__free(&a, db->gemm_groups);
    blis__free(&a, db->prefill);
    blis__free(&a, db->decode);
    blis__arena_free(&db->arena);
    memset(db, 0, sizeof *db);
}

/* Column index by name, or an error naming the file and the column. */
static blis_status blis__mfu_col(const blis_csv *csv, const char *name, uint32_t *col, blis_err *err) {
    int32_t c = blis_csv_column(csv, name);
    if (c >= 0) {
        *col = (uint32_t)c;
        return BLIS_OK;
    }
    blis_err_clear(err, csv->source);
    return blis_err_set(err, BLIS_E_MISSING, 1, 1, "missing column \"%s\" in the header", name);
}

static blis_status blis__mfu_parse(const char *src, size_t len, const char *source, blis_csv *csv, blis_err *err) {
    blis_parse_opts o;
    memset(&o, 0, sizeof o);
    o.source = source;
    return blis_csv_parse(src, len, &o, csv, err);
}

/* Reads a column of numbers (as doubles) into an arena array. */
static blis_status blis__mfu_column(blis_mfu_db *db, const blis_csv *csv, const char *name, double **out,
                                    blis_err *err) {
    uint32_t col = 0, r;
    blis_status st = blis__mfu_col(csv, name, &col, err);
    if (st) return st;
    *out = (double *)blis__arena_alloc(&db->arena, (csv->rows ? csv->rows : 1) * sizeof(double));
    if (!*out) return blis__nomem(err);
    for (r = 0; r < csv->rows; r++)
        if ((st = blis_csv_get_f64(csv, r, col, &(*out)[r], err))) return st;
    return BLIS_OK;
}

/* Reads a column of GEMM dimensions: exact integers in 1..2^40. */
static blis_status blis__mfu_dims(const blis_csv *csv, const char *name, int64_t *out, blis_err *err) {
    uint32_t col = 0, r;
    blis_status st = blis__mfu_col(csv, name, &col, err);
    for (r = 0; st == BLIS_OK && r < csv->rows; r++) {
        st = blis_csv_get_i64(csv, r, col, &out[r], err);
        if (st == BLIS_OK && (out[r] < 1 || out[r] > ((int64_t)1 << 40))) {
            const blis_csv_field *f = blis_csv_cell(csv, r, col);
            st = blis_err_set(err, BLIS_E_RANGE, f->line, f->col, "row %lu, column \"%s\": expected 1..2^40, got %lld",
                              (unsigned long)r + 2, name, (long long)out[r]);
        }
    }
    return st;
}

static blis_status blis__gemm_groups(blis_mfu_db *db, blis_err *err);

BLIS_DEF blis_status blis_mfu_db_add_gemm_csv(blis_mfu_db *db, const char *src, size_t len, const char *source,
                                              blis_err *err) {
    blis_csv csv;
    int64_t *dims = NULL;
    double *mfu = NULL;
    blis_status st = blis__mfu_parse(src, len, source, &csv, err);
    uint32_t r;
    if (st) return st;
    dims = (int64_t *)blis__alloc(&db->arena.alloc, (3 * (size_t)csv.rows + 1) * sizeof(int64_t));
    if (!dims) st = blis__nomem(err);
    if (!st && !(st = blis__mfu_dims(&csv, "m", dims, err)) &&
        !(st = blis__mfu_dims(&csv, "k", dims + csv.rows, err)) &&
        !(st = blis__mfu_dims(&csv, "n", dims + 2 * (size_t)csv.rows, err)) &&
        !(st = blis__mfu_column(db, &csv, "mfu", &mfu, err)) &&
        blis__grow(&db->arena.alloc, (void **)&db->gemm, &db->gemm_cap, db->gemm_rows + csv.rows, sizeof *db->gemm))
        st = blis__nomem(err);
    for (r = 0; st == BLIS_OK && r < csv.rows; r++) {
        blis_mfu_gemm_row *row = &db->gemm[db->gemm_rows++];
        row->m = dims[r];
        row->k = dims[csv.rows + r];
        row->n = dims[2 * (size_t)csv.rows + r];
        row->mfu = mfu[r];
    }
    blis__free(&db->arena.alloc, dims);
    blis_csv_free(&csv);
    return st == BLIS_OK ? blis__gemm_groups(db, err) : st;
}

/* Groups GEMM rows by (k, n) in first-seen order, m ascending (stable). */
static blis_status blis__gemm_groups(blis_mfu_db *db, blis_err *err) {
    size_t i, j, g, out = 0;
    blis__free(&db->arena.alloc, db->gemm_sorted);
    blis__free(&db->arena.alloc, db->gemm_groups);
    db->gemm_group_count = 0;
    db->gemm_sorted =
        (blis_mfu_gemm_row *)blis__alloc(&db->arena.alloc, (db->gemm_rows + 1) * sizeof(blis_mfu_gemm_row));
    db->gemm_groups =
        (blis_mfu_gemm_group *)blis__alloc(&db->arena.alloc, (db->gemm_rows + 1) * sizeof(blis_mfu_gemm_group));
    if (!db->gemm_sorted || !db->gemm_groups) return blis__nomem(err);
    for (i = 0; i < db->gemm_rows; i++) {
        blis_mfu_gemm_group *grp;
        for (g = 0; g < db->gemm_group_count; g++)
            if (db->gemm_groups[g].k == db->gemm[i].k && db->gemm_groups[g].n == db->gemm[i].n) break;
        if (g < db->gemm_group_count) continue; /* collected with its first row */
        grp = &db->gemm_groups[db->gemm_group_count++];
        grp->k = db->gemm[i].k;
        grp->n = db->gemm[i].n;
        grp->first = out;
        for (j = i; j < db->gemm_rows; j++) {
            if (db->gemm[j].k == grp->k && db->gemm[j].n == grp->n) {
                size_t p = out++; /* insertion sort by m, stable */
                while (p > grp->first && db->gemm_sorted[p - 1].m > db->gemm[j].m) {
                    db->gemm_sorted[p] = db->gemm_sorted[p - 1];
                    p--;
                }
                db->gemm_sorted[p] = db->gemm[j];
            }
        }
        grp->count = out - grp->first;
        grp->usable_mfu = BLIS__MFU_FLOOR;
        for (j = i; j < db->gemm_rows; j++)
            if (db->gemm[j].k == grp->k && db->gemm[j].n == grp->n && db->gemm[j].mfu >= BLIS__MFU_FLOOR) {
                grp->usable_mfu = db->gemm[j].mfu;
                break;
            }
    }
    return BLIS_OK;
}

/* "H-Hkv-dh" or "H-Hkv-dh-tpN" -> numbers; 0 if malformed. */
static int blis__mfu_name(const char *name, int with_tp, blis_mfu_table *t) {
    long long h = 0, kv = 0, dh = 0, tp = 1;
    char tail[8];
    int n = with_tp ? sscanf(name, "%lld-%lld-%lld-tp%lld%7s", &h, &kv, &dh, &tp, tail)
                    : sscanf(name, "%lld-%lld-%lld%7s", &h, &kv, &dh, tail);
    if (n != (with_tp ? 4 : 3) || h <= 0 || kv <= 0 || dh <= 0 || tp <= 0) return 0;
    t->heads = h;
    t->kv_heads = kv;
    t->head_dim = dh;
    t->tp = tp;
    blis__copy_cstr(t->name, sizeof t->name, name);
    return 1;
}

static blis_status blis__mfu_table_new(blis_mfu_db *db, int decode, const char *name, const char *source,
                                       blis_mfu_table **out, blis_err *err) {
    blis_mfu_table **arr = decode ? &db->decode : &db->prefill;
    size_t *count = decode ? &db->decode_count : &db->prefill_count, cap = *count;
    blis_mfu_table t;
    memset(&t, 0, sizeof t);
    if (!blis__mfu_name(name, decode, &t)) {
        blis_err_clear(err, source);
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "file name \"%.40s\" is not %s", name,
                            decode ? "<heads>-<kv_heads>-<head_dim>-tp<N>.csv" : "<heads>-<kv_heads>-<head_dim>.csv");
    }
    if (blis__grow(&db->arena.alloc, (void **)arr, &cap, *count + 1, sizeof t)) return blis__nomem(err);
    (*arr)[*count] = t;
    *out = &(*arr)[(*count)++];
    return BLIS_OK;
}

static int blis__table_cmp(const void *a, const void *b) {
    return strcmp(((const blis_mfu_table *)a)->name, ((const blis_mfu_table *)b)->name);
}

BLIS_DEF blis_status blis_mfu_db_add_prefill_csv(blis_mfu_db *db, const char *name, const char *src, size_t len,
                                                 const char *source, blis_err *err) {
    blis_csv csv;
    blis_mfu_table *t = NULL;
    size_t i;
    blis_status st = blis__mfu_parse(src, len, source, &csv, err);
    if (st) return st;
    if (!(st = blis__mfu_table_new(db, 0, name, source, &t, err))) {
        t->rows = csv.rows;
        if (!(st = blis__mfu_column(db, &csv, "seq_len", &t->x, err)) &&
            !(st = blis__mfu_column(db, &csv, "mfu", &t->mfu, err))) {
            t->sx = (double *)blis__arena_alloc(&db->arena, (t->rows + 1) * sizeof(double));
            t->smfu = (double *)blis__arena_alloc(&db->arena, (t->rows + 1) * sizeof(double));
            if (!t->sx || !t->smfu) st = blis__nomem(err);
            for (i = 0; !st && i < t->rows; i++) { /* stable insertion sort by seq_len */
                size_t p = i;
                while (p > 0 && t->sx[p - 1] > t->x[i]) {
                    t->sx[p] = t->sx[p - 1];
                    t->smfu[p] = t->smfu[p - 1];
                    p--;
                }
                t->sx[p] = t->x[i];
                t->smfu[p] = t->mfu[i];
            }
        }
    }
    blis_csv_free(&csv);
    if (st == BLIS_OK)
        qsort(db->prefill, db->prefill_count, sizeof *db->prefill, blis__table_cmp);
    else if (t)
        db->prefill_count--; /* drop the half-built table (it is the last one) */
    return st;
}

/* Sorted unique values of v[0..n) into out; returns the count. */
static size_t blis__unique_sorted(const double *v, size_t n, double *out) {
    size_t i, k = 0;
    for (i = 0; i < n; i++) {
        size_t p, j;
        for (j = 0; j < k && out[j] != v[i]; j++) {
        }
        if (j < k) continue;
        p = k++;
        while (p > 0 && out[p - 1] > v[i]) {
            out[p] = out[p - 1];
            p--;
        }
        out[p] = v[i];
    }
    return k;
}

static size_t blis__index_of(const double *v, size_t n, double x) {
    size_t i;
    for (i = 0; i < n && v[i] != x; i++) {
    }
    return i;
}

static blis_status blis__decode_grid(blis_mfu_db *db, blis_mfu_table *t, blis_err *err) {
    size_t i;
    t->ux = (double *)blis__arena_alloc(&db->arena, (t->rows + 1) * sizeof(double));
    t->uy = (double *)blis__arena_alloc(&db->arena, (t->rows + 1) * sizeof(double));
    if (!t->ux || !t->uy) return blis__nomem(err);
    t->nux = blis__unique_sorted(t->x, t->rows, t->ux);
    t->nuy = blis__unique_sorted(t->y, t->rows, t->uy);
    t->grid = (double *)blis__arena_alloc(&db->arena, (t->nux * t->nuy + 1) * sizeof(double));
    if (!t->grid) return blis__nomem(err);
    memset(t->grid, 0, (t->nux * t->nuy + 1) * sizeof(double)); /* missing corners read 0 */
    for (i = 0; i < t->rows; i++)                               /* the last duplicate wins */
        t->grid[blis__index_of(t->ux, t->nux, t->x[i]) * t->nuy + blis__index_of(t->uy, t->nuy, t->y[i])] = t->mfu[i];
    return BLIS_OK;
}

BLIS_DEF blis_status blis_mfu_db_add_decode_csv(blis_mfu_db *db, const char *name, const char *src, size_t len,
                                                const char *source, blis_err *err) {
    blis_csv csv;
    blis_mfu_table *t = NULL;
    blis_status st = blis__mfu_parse(src, len, source, &csv, err);
    if (st) return st;
    if (!(st = blis__mfu_table_new(db, 1, name, source, &t, err))) {
        t->rows = csv.rows;
        if (!(st = blis__mfu_column(db, &csv, "batch_size", &t->x, err)) &&
            !(st = blis__mfu_column(db, &csv, "kv_len", &t->y, err)) &&
            !(st = blis__mfu_column(db, &csv, "mfu", &t->mfu, err)))
            st = blis__decode_grid(db, t, err);
    }
    blis_csv_free(&csv);
    if (st == BLIS_OK)
        qsort(db->decode, db->decode_count, sizeof *db->decode, blis__table_cmp);
    else if (t)
        db->decode_count--; /* drop the half-built table (it is the last one) */
    return st;
}

/* ---- loading a bench_data directory ---- */

/* out = a + "/" + b + c; BLIS_E_LIMIT when it does not fit. */
static blis_status blis__path_join(char *out, size_t size, const char *a, const char *b, const char *c, blis_err *err) {
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    if (la + 1 + lb + lc + 1 > size) {
        blis_err_clear(err, a);
        return blis_err_set(err, BLIS_E_LIMIT, 0, 0, "path longer than %lu bytes", (unsigned long)size - 1);
    }
    memcpy(out, a, la);
    out[la] = '/';
    memcpy(out + la + 1, b, lb);
    memcpy(out + la + 1 + lb, c, lc + 1);
    return BLIS_OK;
}

/* Finds the entry of dir equal to want ignoring case; out gets its name. */
static blis_status blis__find_ci(blis_list_dir_fn list, void *user, const char *dir, const char *want, char *out,
                                 size_t size, blis_err *err) {
    blis_buf names;
    size_t i = 0;
    int found = 0;
    memset(&names, 0, sizeof names);
    if (list(user, dir, &names) != 0) {
        blis_buf_free(&names);
        blis_err_clear(err, dir);
        return blis_err_set(err, BLIS_E_IO, 0, 0, "cannot list the directory");
    }
    while (i < names.len && !found) {
        const char *name = names.data + i;
        if (!blis__ascii_casecmp(name, want)) {
            blis__copy_cstr(out, size, name);
            found = 1;
        }
        i += strlen(name) + 1;
    }
    blis_buf_free(&names);
    if (found) return BLIS_OK;
    blis_err_clear(err, dir);
    return blis_err_set(err, BLIS_E_MISSING, 0, 0, "no entry \"%.60s\" (matched ignoring case)", want);
}

static blis_status blis__mfu_load_file(blis_mfu_db *db, const char *path, int kind, const char *name, blis_err *err) {
    char *src = NULL;
    size_t len = 0;
    blis_status st = blis_file_read(path, 0, &db->arena.alloc, &src, &len, err);
    if (st) return st;
    if (kind == 0)
        st = blis_mfu_db_add_gemm_csv(db, src, len, path, err);
    else if (kind == 1)
        st = blis_mfu_db_add_prefill_csv(db, name, src, len, path, err);
    else
        st = blis_mfu_db_add_decode_csv(db, name, src, len, path, err);
    blis_file_free(&db->arena.alloc, src);
    return st;
}

/* Loads every "*.csv" of dir as prefill (kind 1) or decode (kind 2) tables. */
static blis_status blis__mfu_load_tables(blis_mfu_db *db, const char *dir, int kind, blis_list_dir_fn list, void *user,
                                         blis_err *err) {
    blis_buf names;
    size_t i = 0, files = 0;
    blis_status st = BLIS_OK;
    memset(&names, 0, sizeof names);
    if (list(user, dir, &names) != 0) {
        blis_buf_free(&names);
        blis_err_clear(err, dir);
        return blis_err_set(err, BLIS_E_IO, 0, 0, "cannot list the directory");
    }
    while (i < names.len && st == BLIS_OK) {
        const char *name = names.data + i;
        size_t n = strlen(name);
        i += n + 1;
        if (n > 4 && !strcmp(name + n - 4, ".csv")) {
            char path[2048], base[64];
            blis__copy_cstr(base, n - 4 + 1 < sizeof base ? n - 4 + 1 : sizeof base, name);
            st = blis__path_join(path, sizeof path, dir, name, "", err);
            if (st == BLIS_OK) st = blis__mfu_load_file(db, path, kind, base, err);
            files++;
        }
    }
    blis_buf_free(&names);
    if (st == BLIS_OK && files == 0) {
        blis_err_clear(err, dir);
        return blis_err_set(err, BLIS_E_MISSING, 0, 0, "no %s CSV files found", kind == 1 ? "prefill" : "decode");
    }
    return st;
}

BLIS_DEF blis_status blis_mfu_db_load_dir(blis_mfu_db *db, const char *bench_dir, const char *gpu,
                                          blis_list_dir_fn list, void *user, blis_err *err) {
    static const char *const parts[3] = {"gemm", "mha/prefill", "mha/decode"};
    char dir[1024], entry[256], path[1400];
    int kind;
    blis_status st;
    for (kind = 0; kind < 3; kind++) {
        if ((st = blis__path_join(dir, sizeof dir, bench_dir, parts[kind], "", err))) return st;
        if ((st = blis__find_ci(list, user, dir, gpu, entry, sizeof entry, err))) return st;
        if ((st = blis__path_join(path, sizeof path, dir, entry, kind == 0 ? "/data.csv" : "", err))) return st;
        st = kind == 0 ? blis__mfu_load_file(db, path, 0, NULL, err)
                       : blis__mfu_load_tables(db, path, kind, list, user, err);
        if (st) return st;
    }
    return BLIS_OK;
}

BLIS_DEF blis_status blis_mfu_db_select_model(blis_mfu_db *db, const blis_model_config *m, blis_err *err) {
    int64_t h = m->num_heads, kv = m->num_kv_heads ? m->num_kv_heads : m->num_heads, dh;
    size_t i;
    double best = -1;
    if (h <= 0 || m->hidden_size <= 0) {
        blis_err_clear(err, NULL);
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "the model needs positive heads and hidden size");
    }
    dh = m->hidden_size / h; /* the reference's key ignores head_dim */
    snprintf(db->attn_key, sizeof db->attn_key, "%lld-%lld-%lld", (long long)h, (long long)kv, (long long)dh);
    blis__copy_cstr(db->attn_config, sizeof db->attn_config, db->attn_key);
    for (i = 0; i < db->prefill_count; i++) {
        const blis_mfu_table *t = &db->prefill[i];
        double dH = (double)(t->heads - h), dK = (double)(t->kv_heads - kv), dD = (double)(t->head_dim - dh);
        double dist = sqrt(dH * dH + dK * dK + dD * dD);
        if (!strcmp(t->name, db->attn_key)) {
            blis__copy_cstr(db->attn_config, sizeof db->attn_config, t->name);
            break;
        }
        if (best < 0 || dist < best) {
            best = dist;
            blis__copy_cstr(db->attn_config, sizeof db->attn_config, t->name);
        }
    }
    db->attn_config_is_fallback = strcmp(db->attn_config, db->attn_key) != 0;
    return BLIS_OK;
}

/* ---- lookups ---- */

static double blis__lerp(double a, double b, double t) { return a + (b - a) * t; }

static const blis_mfu_table *blis__mfu_find(const blis_mfu_table *tables, size_t n, const char *name) {
    size_t i;
    for (i = 0; i < n; i++)
        if (!strcmp(tables[i].name, name)) return &tables[i];
    return NULL;
}

BLIS_DEF double blis_mfu_attn_prefill(const blis_mfu_db *db, int64_t seq_len) {
    const blis_mfu_table *t = blis__mfu_find(db->prefill, db->prefill_count, db->attn_config);
    double s = (double)seq_len, v, best = -1, found = BLIS__MFU_FLOOR;
    size_t i;
    if (!t || t->rows == 0) return BLIS__MFU_FLOOR;
    if (s <= t->sx[0])
        v = t->smfu[0];
    else if (s >= t->sx[t->rows - 1])
        v = t->smfu[t->rows - 1];
    else {
        for (i = 0; i + 1 < t->rows && !(s >= t->sx[i] && s < t->sx[i + 1]); i++) {
        }
        v = blis__lerp(t->smfu[i], t->smfu[i + 1], (s - t->sx[i]) / (t->sx[i + 1] - t->sx[i]));
    }
    if (v >= BLIS__MFU_FLOOR) return v;
    for (i = 0; i < t->rows; i++) { /* zero protection: the nearest usable row, file order on ties */
        double dist = fabs(t->x[i] - s);
        if (t->mfu[i] >= BLIS__MFU_FLOOR && (best < 0 || dist < best)) {
            best = dist;
            found = t->mfu[i];
        }
    }
    return found;
}

/* The reference's bracketIndex over sorted unique values. */
static void blis__bracket(const double *v, size_t n, double x, size_t *lo, size_t *hi) {
    size_t i;
    if (x <= v[0]) {
        *lo = *hi = 0;
        return;
    }
    if (x >= v[n - 1]) {
        *lo = *hi = n - 1;
        return;
    }
    for (i = 0; i < n && v[i] < x; i++) {
    }
    *lo = v[i] == x ? i : i - 1;
    *hi = i;
}

static const blis_mfu_table *blis__decode_table(const blis_mfu_db *db, int tp) {
    char name[64];
    const blis_mfu_table *t;
    snprintf(name, sizeof name, "%s-tp%d", db->attn_config, tp);
    t = blis__mfu_find(db->decode, db->decode_count, name);
    if (t) return t;
    snprintf(name, sizeof name, "%s-tp1", db->attn_config);
    return blis__mfu_find(db->decode, db->decode_count, name);
}

static double blis__decode_mfu(const blis_mfu_table *t, int64_t batch_size, int64_t kv_len) {
    double b = (double)batch_size, k = (double)kv_len, tb, tk, v, best = -1, found = BLIS__MFU_FLOOR;
    size_t b0, b1, k0, k1, i;
    if (!t || t->rows == 0) return BLIS__MFU_FLOOR;
    blis__bracket(t->ux, t->nux, b, &b0, &b1);
    blis__bracket(t->uy, t->nuy, k, &k0, &k1);
    tb = b1 != b0 ? (b - t->ux[b0]) / (t->ux[b1] - t->ux[b0]) : 0;
    tk = k1 != k0 ? (k - t->uy[k0]) / (t->uy[k1] - t->uy[k0]) : 0;
    v = blis__lerp(blis__lerp(t->grid[b0 * t->nuy + k0], t->grid[b1 * t->nuy + k0], tb),
                   blis__lerp(t->grid[b0 * t->nuy + k1], t->grid[b1 * t->nuy + k1], tb), tk);
    if (v >= BLIS__MFU_FLOOR) return v;
    for (i = 0; i < t->rows; i++) { /* zero protection: nearest usable (bs, kv) row */
        double db_ = t->x[i] - b, dk = t->y[i] - k, dist = sqrt(db_ * db_ + dk * dk);
        if (t->mfu[i] >= BLIS__MFU_FLOOR && (best < 0 || dist < best)) {
            best = dist;
            found = t->mfu[i];
        }
    }
    return found;
}

BLIS_DEF double blis_mfu_attn_decode(const blis_mfu_db *db, int64_t batch_size, int64_t kv_len, int tp) {
    return blis__decode_mfu(blis__decode_table(db, tp), batch_size, kv_len);
}

BLIS_DEF double blis_mfu_gemm(const blis_mfu_db *db, int64_t m, int64_t k, int64_t n) {
    const blis_mfu_gemm_group *g = NULL;
    const blis_mfu_gemm_row *p;
    double best = -1, v, x = (double)m;
    size_t i, lo, hi;
    if (!db->gemm_rows || !db->gemm_group_count) return BLIS__MFU_FLOOR;
    /* Stage 1: the nearest (K, N) covering (k, n), the first in file order
     * on ties. Groups are in the order their first rows appear, so the
     * first group at the least distance holds the first such row. */
    for (i = 0; i < db->gemm_group_count; i++) {
        const blis_mfu_gemm_group *r = &db->gemm_groups[i];
        double dK, dN, dist;
        if (r->k < k || r->n < n) continue;
        dK = (double)(r->k - k);
        dN = (double)(r->n - n);
        dist = sqrt(dK * dK + dN * dN);
        if (best < 0 || dist < best) {
            best = dist;
            g = r;
        }
    }
    for (i = 0; !g && i < db->gemm_group_count; i++) /* none covers it: the last row's (K, N) */
        if (db->gemm_groups[i].k == db->gemm[db->gemm_rows - 1].k &&
            db->gemm_groups[i].n == db->gemm[db->gemm_rows - 1].n)
            g = &db->gemm_groups[i];
    p = db->gemm_sorted + g->first;
    if (x <= (double)p[0].m)
        v = p[0].mfu; /* stage 2: interpolate over m */
    else if (x >= (double)p[g->count - 1].m)
        v = p[g->count - 1].mfu;
    else { /* the interval [p[lo].m, p[lo + 1].m) holding m */
        lo = 0;
        hi = g->count - 1;
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (p[mid].m <= m)
                lo = mid;
            else
                hi = mid;
        }
        while (lo + 1 < g->count && p[lo + 1].m <= m) lo++; /* repeated m values: the last interval start */
        v = blis__lerp(p[lo].mfu, p[lo + 1].mfu, (x - (double)p[lo].m) / (double)(p[lo + 1].m - p[lo].m));
    }
    return v >= BLIS__MFU_FLOOR ? v : g->usable_mfu; /* zero protection */
}

static double blis__bw_v2(const blis_hw_config *hw) {
    return hw->bw_peak_tbs * 1e12 * (hw->v2_bw_efficiency != 0 ? hw->v2_bw_efficiency : 1.0);
}

BLIS_DEF double blis_mfu_gemm_time_s(const blis_mfu_db *db, const blis_hw_config *hw, double bpp, int64_t m, int64_t k,
                                     int64_t n) {
    double compute = 2.0 * (double)m * (double)k * (double)n / (hw->tflops_peak * 1e12 * blis_mfu_gemm(db, m, k, n));
    double memory = (double)k * (double)n * bpp / blis__bw_v2(hw);
    return compute > memory ? compute : memory;
}

/* ---- roofline v2 ---- */

typedef struct blis__v2 {
    const blis_model_config *m;
    const blis_hw_config *hw;
    const blis_mfu_db *db;
    double peak, bw, tp_scaling, L, bpp, weights;
    int64_t d, H, dh, dKV, dFF;
    int tp;
} blis__v2;

/* The per-layer GEMMs (q, k, v, o, gate, up, down) for M tokens, summed over
 * the layers in the reference's order. Every layer has the same seven
 * terms, so each is looked up once and then accumulated layer by layer. */
static double blis__v2_gemm(const blis__v2 *c, int64_t M, double *flops) {
    const int64_t shapes[7][2] = {{c->d, c->d},   {c->d, c->dKV}, {c->d, c->dKV}, {c->d, c->d},
                                  {c->d, c->dFF}, {c->d, c->dFF}, {c->dFF, c->d}};
    double term[7], total = 0;
    int64_t layer;
    int i;
    for (i = 0; i < 7; i++) {
        term[i] = blis_mfu_gemm_time_s(c->db, c->hw, c->bpp, M, shapes[i][0], shapes[i][1]);
        *flops += 2.0 * (double)M * (double)shapes[i][0] * (double)shapes[i][1] * c->L * c->tp_scaling;
    }
    for (layer = 0; layer < c->m->num_layers; layer++)
        for (i = 0; i < 7; i++) total += term[i] * c->tp_scaling;
    return total;
}

/* QK^T + AV FLOPs of B query tokens over ctx keys. */
static double blis__v2_attn_flops(const blis__v2 *c, int64_t B, int64_t ctx) {
    double qk = 2.0 * (double)c->H * (double)B * (double)ctx * (double)c->dh;
    return qk + qk;
}

static void blis__v2_finish_phase(const blis__v2 *c, blis_phase *ph, double compute_s, double dyn) {
    ph->present = 1;
    ph->compute_s = compute_s;
    ph->weight_bytes = c->weights * c->tp_scaling;
    ph->dynamic_bytes = dyn;
    ph->memory_s = (c->weights * c->tp_scaling + dyn) / c->bw;
    ph->memory_bound = ph->memory_s > ph->compute_s;
    ph->time_s = ph->memory_bound ? ph->memory_s : ph->compute_s;
}

static void blis__v2_decode(const blis__v2 *c, const blis_step_req *r, size_t n, blis_phase *ph) {
    const blis_mfu_table *t = blis__decode_table(c->db, c->tp);
    double F = 0, W = 0, attn = 0, dyn = 0, gemm;
    size_t i;
    memset(ph, 0, sizeof *ph);
    if (!n) return;
    gemm = blis__v2_gemm(c, (int64_t)n, &ph->gemm_flops);
    for (i = 0; i < n; i++) {
        double f = blis__v2_attn_flops(c, 1, r[i].progress_tokens) * c->L;
        blis_mem_bytes mm;
        F += f;
        W += f * blis__decode_mfu(t, (int64_t)n, r[i].progress_tokens);
        blis_roofline_mem(c->m, 2, (double)r[i].progress_tokens, 1, 1, &mm);
        dyn += (mm.total - mm.model_weights) * c->tp_scaling;
    }
    if (F > 0 && W / F > 0) attn = F / (c->peak * (W / F)) * c->tp_scaling; /* FLOPs-weighted MFU */
    ph->other_flops = F * c->tp_scaling;
    blis__v2_finish_phase(c, ph, gemm + attn, dyn);
}

/* Prefill: requests grouped into power-of-two buckets of their sequence
 * length (512 up to 65536), buckets in ascending order. */
static void blis__v2_prefill(const blis__v2 *c, const blis_step_req *r, size_t n, blis_phase *ph) {
    double compute = 0, dyn = 0;
    int64_t bucket;
    size_t i;
    memset(ph, 0, sizeof *ph);
    if (!n) return;
    for (bucket = 512; bucket <= 65536; bucket *= 2) {
        int64_t T = 0;
        double F = 0;
        int any = 0;
        for (i = 0; i < n; i++) {
            int64_t seq = r[i].progress_tokens + r[i].new_tokens, b = 512;
            while (b < seq && b < 65536) b *= 2;
            if (b != bucket) continue;
            any = 1;
            T += r[i].new_tokens;
            F += blis__v2_attn_flops(c, r[i].new_tokens, seq) * c->L;
        }
        if (!any) continue;
        compute += blis__v2_gemm(c, T, &ph->gemm_flops) +
                   F / 1.8 / (c->peak * blis_mfu_attn_prefill(c->db, bucket)) * c->tp_scaling; /* 1.8: causal mask */
        ph->other_flops += F * c->tp_scaling;
    }
    for (i = 0; i < n; i++) {
        blis_mem_bytes mm;
        blis_roofline_mem(c->m, 2, (double)r[i].progress_tokens, (double)r[i].new_tokens, 1, &mm);
        dyn += (mm.total - mm.model_weights) * c->tp_scaling;
    }
    blis__v2_finish_phase(c, ph, compute, dyn);
}

BLIS_DEF blis_status blis_roofline_v2_step(const blis_model_config *m, const blis_hw_config *hw, const blis_mfu_db *db,
                                           int tp, const blis_step_batch *b, blis_step_breakdown *out, blis_err *err) {
    blis__v2 c;
    blis_mem_bytes w;
    double pt, dt, overhead_us;
    blis_status st;
    memset(out, 0, sizeof *out);
    if ((st = blis__batch_check(b, tp, err))) return st;
    if (blis_model_needs_arch(m))
        return blis_err_set(err, BLIS_E_UNSUPPORTED, 0, 0,
                            "model_type %s%s is modelled only by roofline v1 with the arch extension: roofline v2's "
                            "kernel tables and formulas describe another architecture (leave out --bench-data-path)",
                            m->model_type, m->window_layers > 0 ? " with sliding-window layers" : "");
    c.m = m;
    c.hw = hw;
    c.db = db;
    c.tp = tp;
    c.peak = hw->tflops_peak * 1e12;
    c.bw = blis__bw_v2(hw);
    c.tp_scaling = 1.0 / (double)tp;
    c.L = (double)m->num_layers;
    /* a quantized model's weights at their own bytes (the reference: the dtype's) */
    c.bpp = m->weight_bytes_per_param > 0 ? m->weight_bytes_per_param : m->bytes_per_param;
    c.d = m->hidden_size;
    c.H = m->num_heads;
    c.dh = m->hidden_size / m->num_heads; /* integer division, as the reference */
    c.dKV = (m->num_kv_heads ? m->num_kv_heads : m->num_heads) * c.dh;
    c.dFF = m->intermediate_size ? m->intermediate_size : 4 * m->hidden_size;
    blis_roofline_mem(m, 2, 0, 0, 0, &w);
    c.weights = w.model_weights;
    if (c.bpp != m->bytes_per_param) c.weights *= c.bpp / m->bytes_per_param;
    out->version = 2;
    out->weight_bytes_per_param = c.bpp;
    out->kv_bytes_per_param = m->bytes_per_param;
    blis__v2_decode(&c, b->decode, b->decode_count, &out->decode);
    blis__v2_prefill(&c, b->prefill, b->prefill_count, &out->prefill);
    pt = out->prefill.time_s;
    dt = out->decode.time_s;
    out->hardware_s = pt > dt ? pt : dt; /* v2 combines the phases by max */
    overhead_us = hw->v2_layer_cpu_overhead_us * c.L / (double)tp;
    out->layer_overhead_us = overhead_us;
    return blis__step_us(round((out->hardware_s + overhead_us / 1e6) * 1e6), out, err);
}

/* ==== >>workload  implementation ====
 * Owns: requests, the block hasher, the legacy generator, CSV trace replay,
 * the workload-spec reader and generator. Uses: >>base (RNG), >>csv (trace
 * rows), >>json/>>yaml (spec documents). Used by: >>sim, the tools.
 * Invariants: generation consumes the RNG exactly as the reference does
 * (prefix tokens first; per request the prompt length, its tokens, the
 * output length, its tokens), so the same seed gives the same requests; a
 * request's block_hashes cover floor((input + output) / B) blocks; arrivals
 * are non-decreasing. Checked by the workload vectors. */

#define BLIS__HASH_MUL 0x9E3779B97F4A7C15ull

static uint64_t blis__mix64(uint64_t x) { /* splitmix64 finaliser */
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBull;
    x ^= x >> 31;
    return x;
}

BLIS_DEF void blis_block_hasher_init(blis_block_hasher *h, int32_t block_tokens) {
    h->chain = 0;
    h->acc = 0x243F6A8885A308D3ull;
    h->fill = 0;
    h->block_tokens = block_tokens;
}

/* n tokens pushed, the completed blocks' hashes (never 0) appended to out;
 * returns how many. */
static int64_t blis__hash_tokens(blis_block_hasher *h, const int64_t *tok, int64_t n, uint64_t *out) {
    uint64_t acc = h->acc, chain = h->chain;
    int32_t fill = h->fill, B = h->block_tokens;
    int64_t k, got = 0;
    for (k = 0; k < n; k++) {
        acc = (acc ^ (uint64_t)tok[k]) * BLIS__HASH_MUL;
        acc ^= acc >> 32;
        if (++fill < B) continue;
        chain = blis__mix64(acc ^ blis__mix64(chain + BLIS__HASH_MUL)) | 1u;
        acc = 0x243F6A8885A308D3ull;
        fill = 0;
        out[got++] = chain;
    }
    h->acc = acc;
    h->chain = chain;
    h->fill = fill;
    return got;
}

BLIS_DEF int blis_block_hasher_push(blis_block_hasher *h, int64_t token, uint64_t *block_hash) {
    return blis__hash_tokens(h, &token, 1, block_hash) > 0;
}

BLIS_DEF uint64_t blis_block_hasher_key(const blis_block_hasher *h) {
    return blis__mix64(h->acc ^ blis__mix64(h->chain + (uint64_t)h->fill));
}

BLIS_DEF blis_status blis_legacy_workload_validate(const blis_legacy_workload *w, blis_err *err) {
    char num[BLIS_F64_BUF_MAX];
    if (!(w->rate_per_s > 0 && w->rate_per_s <= DBL_MAX)) {
        if (!blis_f64_format_go(w->rate_per_s, num))
            blis__copy_cstr(num, sizeof num, w->rate_per_s != w->rate_per_s ? "NaN" : "+Inf");
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "--rate must be a finite value > 0, got %s", num);
    }
    /* The reference also wants each stdev within [min, max]; a stdev of 0
     * (fixed lengths: every draw is the mean) is accepted whatever min is. */
    if (w->prompt_mean < w->prompt_min || w->prompt_mean > w->prompt_max ||
        (w->prompt_std != 0 && (w->prompt_std < w->prompt_min || w->prompt_std > w->prompt_max)) || w->prompt_min < 0)
        return blis_err_set(
            err, BLIS_E_INVALID, 0, 0,
            "prompt-tokens and prompt-tokens-stdev should be in range [prompt-tokens-min, prompt-tokens-max]");
    if (w->output_mean < w->output_min || w->output_mean > w->output_max ||
        (w->output_std != 0 && (w->output_std < w->output_min || w->output_std > w->output_max)) || w->output_min < 0)
        return blis_err_set(
            err, BLIS_E_INVALID, 0, 0,
            "output-tokens and output-tokens-stdev should be in range [output-tokens-min, output-tokens-max]");
    if (w->prefix_tokens < 0 || w->prefix_tokens > ((int64_t)1 << 30))
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "--prefix-tokens must be in 0..2^30, got %lld",
                            (long long)w->prefix_tokens);
    if (w->prompt_max > ((int64_t)1 << 30) || w->output_max > ((int64_t)1 << 30))
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "token lengths must be at most 2^30");
    if (w->num_requests < 0) return blis_err_set(err, BLIS_E_INVALID, 0, 0, "--num-requests must be >= 0");
    if ((unsigned)w->arrival > BLIS_ARRIVAL_WEIBULL)
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "--arrival must be constant, poisson, gamma or weibull");
    if ((w->arrival == BLIS_ARRIVAL_GAMMA || w->arrival == BLIS_ARRIVAL_WEIBULL) &&
        !(w->arrival_cv >= BLIS_ARRIVAL_CV_MIN && w->arrival_cv <= BLIS_ARRIVAL_CV_MAX))
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "--arrival %s needs --arrival-cv in [%g, %g], got %g",
                            blis_arrival_kind_name(w->arrival), BLIS_ARRIVAL_CV_MIN, BLIS_ARRIVAL_CV_MAX,
                            w->arrival_cv);
    return BLIS_OK;
}

static double blis__gamma_rand(blis_rng *r, double shape, double scale) {
    double d, c, x, v, u;
    if (shape < 1) {
        u = blis_rng_float64(r);
        return blis__gamma_rand(r, shape + 1, scale) * pow(u, 1 / shape);
    }
    d = shape - 1.0 / 3;
    c = 1 / sqrt(9 * d);
    for (;;) {
        do {
            x = blis_rng_norm_float64(r);
            v = 1 + c * x;
        } while (v <= 0);
        v = v * v * v;
        u = blis_rng_float64(r);
        if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
        if (log(u) < 0.5 * x * x + d * (1 - v + log(v))) return d * v * scale;
    }
}

static double blis__weibull_cv(double k) {
    double g1 = tgamma(1 + 1 / k), g2 = tgamma(1 + 2 / k);
    return sqrt(g2 / (g1 * g1) - 1);
}

static double blis__weibull_k(double cv) {
    double lo = 0.1, hi = 100;
    int i;
    for (i = 0; i < 100; i++) {
        double mid = (lo + hi) / 2, c = blis__weibull_cv(mid);
        if (fabs(c - cv) < 0.001) return mid;
        if (c > cv)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

BLIS_DEF int blis_arrival_kind_parse(const char *name) {
    static const char *const names[] = {"constant", "poisson", "gamma", "weibull"};
    int i;
    for (i = 0; name && i < 4; i++)
        if (!strcmp(name, names[i])) return i;
    return -1;
}

BLIS_DEF const char *blis_arrival_kind_name(blis_arrival_kind k) {
    switch (k) {
    case BLIS_ARRIVAL_CONSTANT: return "constant";
    case BLIS_ARRIVAL_POISSON: return "poisson";
    case BLIS_ARRIVAL_GAMMA: return "gamma";
    case BLIS_ARRIVAL_WEIBULL: return "weibull";
    }
    return "?";
}

BLIS_DEF void blis_arrival_proc_init(blis_arrival_proc *p, blis_arrival_kind kind, double cv, double rate_per_us) {
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->rate_per_us = rate_per_us;
    if (kind == BLIS_ARRIVAL_GAMMA) {
        if (!(cv > 0)) cv = 1;
        p->shape = 1 / (cv * cv);
        p->scale = (1 / rate_per_us) * cv * cv;
        p->as_poisson = p->shape < 0.01;
    } else if (kind == BLIS_ARRIVAL_WEIBULL) {
        p->k = blis__weibull_k(cv);
        p->scale = (1 / rate_per_us) / tgamma(1 + 1 / p->k);
    }
}

BLIS_DEF int64_t blis_arrival_proc_gap_us(const blis_arrival_proc *p, blis_rng *rng) {
    double v;
    switch (p->as_poisson ? BLIS_ARRIVAL_POISSON : p->kind) {
    case BLIS_ARRIVAL_GAMMA: v = blis__gamma_rand(rng, p->shape, p->scale); break;
    case BLIS_ARRIVAL_WEIBULL: {
        double u = blis_rng_float64(rng);
        if (u == 0) u = 4.9406564584124654e-324;
        v = p->scale * pow(-log(u), 1 / p->k);
        break;
    }
    case BLIS_ARRIVAL_CONSTANT: v = 1.0 / p->rate_per_us; break;
    case BLIS_ARRIVAL_POISSON:
    default: v = blis_rng_exp_float64(rng) / p->rate_per_us; break;
    }
    if (!(v < 9.0e18)) v = 9.0e18;
    return (int64_t)v < 1 ? 1 : (int64_t)v;
}

/* lengthGauss: min when min == max (no draw), else round(clamp(N(mean, std))). */
static int64_t blis__length_gauss(blis_rng *r, int64_t mean, int64_t std, int64_t mn, int64_t mx) {
    double v;
    if (mn == mx) return mn;
    v = blis_rng_norm_float64(r) * (double)std + (double)mean;
    if (v > (double)mx) v = (double)mx; /* math.Min, then math.Max */
    if (v < (double)mn) v = (double)mn;
    if (v != v) v = (double)mn;
    return (int64_t)round(v);
}

BLIS_DEF blis_status blis_legacy_gen_init(blis_legacy_gen *g, const blis_legacy_workload *w, int64_t master_seed,
                                          int64_t horizon_us, int64_t block_tokens, const blis_alloc *alloc,
                                          blis_token_fn on_token, void *user, blis_err *err) {
    int64_t i;
    uint64_t h;
    blis_status st;
    memset(g, 0, sizeof *g);
    if ((st = blis_legacy_workload_validate(w, err))) return st;
    if (block_tokens < 1 || block_tokens > (1 << 20))
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "--block-size-in-tokens must be in 1..2^20");
    g->w = *w;
    if (alloc) g->alloc = *alloc;
    g->horizon_us = horizon_us;
    g->block_tokens = block_tokens;
    g->on_token = on_token;
    g->on_token_user = user;
    blis_rng_seed(&g->rng, blis_rng_subsystem_seed(master_seed, "workload"));
    blis_rng_seed(&g->arrival_rng, blis_rng_subsystem_seed(master_seed, "arrival"));
    blis_arrival_proc_init(&g->arrivals, w->arrival, w->arrival_cv, w->rate_per_s / 1e6);
    g->prefix = (int64_t *)blis__alloc(&g->alloc, (size_t)(w->prefix_tokens + 1) * sizeof(int64_t));
    g->prefix_hashes =
        (uint64_t *)blis__alloc(&g->alloc, (size_t)(w->prefix_tokens / block_tokens + 1) * sizeof(uint64_t));
    if (!g->prefix || !g->prefix_hashes) {
        blis_legacy_gen_free(g);
        return blis__nomem(err);
    }
    blis_block_hasher_init(&g->prefix_chain, (int32_t)block_tokens);
    for (i = 0; i < w->prefix_tokens; i++) {
        g->prefix[i] = blis__rng_token(&g->rng);
        if (on_token) on_token(user, 0, -1, i, g->prefix[i]);
    }
    for (i = 0; i < (w->prefix_tokens / block_tokens) * block_tokens; i++)
        if (blis_block_hasher_push(&g->prefix_chain, g->prefix[i], &h)) g->prefix_hashes[g->prefix_full_blocks++] = h;
    return BLIS_OK;
}

/* Fills a generated request: its block hashes copied at their exact size
 * from a generator's scratch, the engine fields at "absent" (-1). The
 * index is the caller's. */
static blis_status blis__request_make(const blis_alloc *a, blis_request *r, const uint64_t *hashes, int64_t n_hashes,
                                      int64_t arrival_us, int64_t input_tokens, int64_t output_tokens, blis_err *err) {
    memset(r, 0, sizeof *r);
    r->block_hashes = (uint64_t *)blis__alloc(a, (size_t)(n_hashes + 1) * sizeof(uint64_t));
    if (!r->block_hashes) return blis__nomem(err);
    if (n_hashes) memcpy(r->block_hashes, hashes, (size_t)n_hashes * sizeof(uint64_t));
    r->block_hash_count = n_hashes;
    r->arrival_us = arrival_us;
    r->input_tokens = input_tokens;
    r->output_tokens = output_tokens;
    r->computed_tokens = -1;
    r->sched_delay_us = -1;
    return BLIS_OK;
}

BLIS_DEF blis_status blis_legacy_gen_next(blis_legacy_gen *g, blis_request *r, int *has, blis_err *err) {
    const blis_legacy_workload *w = &g->w;
    int64_t plen, olen, total, i;
    blis_block_hasher hs;
    uint64_t h, ikey;
    *has = 0;
    memset(r, 0, sizeof *r);
    if (g->done || g->t_us >= g->horizon_us || g->next_index >= w->num_requests) return BLIS_OK;
    plen = blis__length_gauss(&g->rng, w->prompt_mean, w->prompt_std, w->prompt_min, w->prompt_max);
    if (g->bare && !g->on_token) { /* the same draws, no hashes */
        blis__rng_tokens(&g->rng, NULL, plen);
        olen = blis__length_gauss(&g->rng, w->output_mean, w->output_std, w->output_min, w->output_max);
        blis__rng_tokens(&g->rng, NULL, olen);
        if (blis__request_make(&g->alloc, r, NULL, 0, g->t_us, w->prefix_tokens + plen, olen, err)) return BLIS_E_NOMEM;
        ikey = 0;
        goto made;
    }
    total = w->prefix_tokens + plen + w->output_max; /* upper bound for the hash array */
    if (blis__grow(&g->alloc, (void **)&g->scratch, &g->scratch_cap, (size_t)(total / g->block_tokens + 1),
                   sizeof(uint64_t)))
        return blis__nomem(err);
    r->block_hashes = g->scratch; /* hashed here, then copied at its exact size */
    memcpy(r->block_hashes, g->prefix_hashes, (size_t)g->prefix_full_blocks * sizeof(uint64_t));
    r->block_hash_count = g->prefix_full_blocks;
    hs = g->prefix_chain;
    for (i = g->prefix_full_blocks * g->block_tokens; i < w->prefix_tokens; i++)
        if (blis_block_hasher_push(&hs, g->prefix[i], &h)) r->block_hashes[r->block_hash_count++] = h;
    if (blis__grow(&g->alloc, (void **)&g->tokens, &g->tokens_cap,
                   (size_t)(plen > w->output_max ? plen : w->output_max) + 1, sizeof(int64_t)))
        return blis__nomem(err);
    blis__rng_tokens(&g->rng, g->tokens, plen);
    for (i = 0; g->on_token && i < plen; i++) g->on_token(g->on_token_user, 1, g->next_index, i, g->tokens[i]);
    r->block_hash_count += blis__hash_tokens(&hs, g->tokens, plen, r->block_hashes + r->block_hash_count);
    ikey = blis_block_hasher_key(&hs);
    olen = blis__length_gauss(&g->rng, w->output_mean, w->output_std, w->output_min, w->output_max);
    blis__rng_tokens(&g->rng, g->tokens, olen);
    for (i = 0; g->on_token && i < olen; i++) g->on_token(g->on_token_user, 2, g->next_index, i, g->tokens[i]);
    r->block_hash_count += blis__hash_tokens(&hs, g->tokens, olen, r->block_hashes + r->block_hash_count);
    if (blis__request_make(&g->alloc, r, g->scratch, r->block_hash_count, g->t_us, w->prefix_tokens + plen, olen, err))
        return BLIS_E_NOMEM;
made:
    r->index = g->next_index++;
    r->input_key = ikey;
    *has = 1;
    {
        double gap_us = w->arrival == BLIS_ARRIVAL_CONSTANT
                            ? 1.0 / (w->rate_per_s / 1e6) /* the reference's req/us rate, truncated */
                            : (double)blis_arrival_proc_gap_us(&g->arrivals, &g->arrival_rng);
        int overflow = !(gap_us < 9.0e18);
        g->t_us = blis__add_us_sat(g->t_us, overflow ? INT64_MAX : (int64_t)gap_us, &overflow);
        if (overflow || g->t_us > g->horizon_us) g->done = 1; /* no later arrival fits in 64-bit time */
    }
    return BLIS_OK;
}

BLIS_DEF void blis_legacy_gen_free(blis_legacy_gen *g) {
    blis__free(&g->alloc, g->prefix);
    blis__free(&g->alloc, g->prefix_hashes);
    blis__free(&g->alloc, g->scratch);
    blis__free(&g->alloc, g->tokens);
    g->prefix = NULL;
    g->prefix_hashes = NULL;
    g->scratch = NULL;
    g->tokens = NULL;
    g->scratch_cap = g->tokens_cap = 0;
}

BLIS_DEF blis_status blis_trace_gen_init(blis_trace_gen *g, const char *src, size_t len, const blis_parse_opts *opts,
                                         int64_t horizon_us, int64_t block_tokens, blis_err *err) {
    blis_status st;
    memset(g, 0, sizeof *g);
    if (block_tokens < 1 || block_tokens > (1 << 20))
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "block size must be in 1..2^20, got %lld",
                            (long long)block_tokens);
    if ((st = blis_csv_reader_init(&g->rd, src, len, opts, err))) return st;
    g->alloc = g->rd.alloc;
    g->horizon_us = horizon_us;
    g->block_tokens = block_tokens;
    g->last_arrival_us = INT64_MIN;
    return BLIS_OK;
}

BLIS_DEF void blis_trace_gen_free(blis_trace_gen *g) {
    blis_csv_reader_free(&g->rd);
    blis__free(&g->alloc, g->scratch);
    g->scratch = NULL;
    g->scratch_cap = 0;
}

/* ---- workload spec: parsing (strict) ---- */

static blis_status blis__spec_fail(const blis_doc *doc, const blis_node *n, blis_err *err, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static blis_status blis__spec_fail(const blis_doc *doc, const blis_node *n, blis_err *err, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    blis_err_clear(err, doc->source);
    err->path[0] = '\0';
    if (n) blis_doc_path(doc, n, err->path, sizeof err->path);
    return blis_err_set(err, BLIS_E_INVALID, n ? n->line : 0, n ? n->col : 0, "%s", msg);
}

/* Every key of obj must be one of names (NULL-terminated); the unsupported
 * ones are named as such. */
static blis_status blis__spec_keys(const blis_doc *doc, const blis_node *obj, const char *const *names,
                                   const char *const *unsupported, blis_err *err) {
    size_t i, k;
    if (!obj || obj->kind != BLIS_NODE_OBJECT) return blis__spec_fail(doc, obj, err, "expected a mapping");
    for (i = 0; i < obj->count; i++) {
        const blis_node *key = blis_node_key_at(doc, obj, i);
        int ok = 0;
        for (k = 0; names[k] && !ok; k++) ok = !strcmp(key->as.string, names[k]);
        for (k = 0; unsupported && unsupported[k]; k++)
            if (!strcmp(key->as.string, unsupported[k]))
                return blis__spec_fail(doc, key, err, "field %s is not supported in this version of blis yet",
                                       key->as.string);
        if (!ok) return blis__spec_fail(doc, key, err, "unknown field %s", key->as.string);
    }
    return BLIS_OK;
}

static blis_status blis__spec_str(const blis_doc *doc, const blis_node *obj, const char *key, const char **out,
                                  blis_err *err) {
    const blis_node *n = blis_node_get(doc, obj, key);
    *out = "";
    if (!n || n->kind == BLIS_NODE_NULL) return BLIS_OK;
    return blis_node_text(doc, n, out, err);
}

static blis_status blis__spec_param(const blis_doc *doc, const blis_node *params, const char *where, const char *name,
                                    double *out, blis_err *err) {
    const blis_node *n = blis_node_get(doc, params, name);
    char buf[160];
    blis_status st;
    if (!n) return blis__spec_fail(doc, params, err, "distribution requires parameter \"%s\"", name);
    if ((st = blis_node_f64(doc, n, out, err))) return st;
    snprintf(buf, sizeof buf, "%s.params.%s must be a finite number, got %f", where, name, *out);
    if (!(*out > -HUGE_VAL && *out < HUGE_VAL)) return blis__spec_fail(doc, n, err, "%s", buf);
    return BLIS_OK;
}

static int blis__emp_cmp(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The parametric distributions' parameters within what a token count can
 * be (BLIS_MAX_REQUEST_TOKENS) and what each law allows. */
static blis_status blis__spec_dist_check(const blis_doc *doc, const blis_node *params, const blis_length_dist *d,
                                         blis_err *err) {
    const double top = (double)BLIS_MAX_REQUEST_TOKENS;
    const char *bad = NULL, *why = NULL;
    switch (d->kind) {
    case BLIS_DIST_GAUSSIAN:
        if (!(d->min >= 0 && d->min <= top))
            bad = "min", why = "in 0..the token limit";
        else if (!(d->max >= d->min && d->max <= top))
            bad = "max", why = ">= min and <= the token limit";
        else if (!(d->mean >= 0 && d->mean <= top))
            bad = "mean", why = "in 0..the token limit";
        else if (!(d->std_dev >= 0 && d->std_dev <= top))
            bad = "std_dev", why = "in 0..the token limit";
        break;
    case BLIS_DIST_EXPONENTIAL:
        if (!(d->mean > 0 && d->mean <= top)) bad = "mean", why = "> 0 and <= the token limit";
        break;
    case BLIS_DIST_CONSTANT:
        if (!(d->value >= 0 && d->value <= top)) bad = "value", why = "in 0..the token limit";
        break;
    case BLIS_DIST_PARETO_LOGNORMAL:
        if (!(d->alpha > 0))
            bad = "alpha", why = "> 0";
        else if (!(d->xm > 0 && d->xm <= top))
            bad = "xm", why = "> 0 and <= the token limit";
        else if (!(d->sigma >= 0 && d->sigma <= 100))
            bad = "sigma", why = "in 0..100";
        else if (!(d->mu >= -100 && d->mu <= 100))
            bad = "mu", why = "in -100..100";
        else if (!(d->mix_weight >= 0 && d->mix_weight <= 1))
            bad = "mix_weight", why = "in 0..1";
        break;
    default: break;
    }
    if (!bad) return BLIS_OK;
    {
        const blis_node *n = blis_node_get(doc, params, bad);
        return blis__spec_fail(doc, n, err, "must be %s, got %s (the token limit: %lld, BLIS_MAX_REQUEST_TOKENS)", why,
                               n && n->raw ? n->raw : "?", (long long)BLIS_MAX_REQUEST_TOKENS);
    }
}

static blis_status blis__spec_dist(const blis_doc *doc, const blis_node *o, const char *where, blis_length_dist *d,
                                   const blis_alloc *alloc, blis_err *err) {
    static const char *const keys[] = {"type", "params", "file", NULL};
    const blis_node *params;
    const char *type;
    blis_status st;
    memset(d, 0, sizeof *d);
    if (!o) return blis__spec_fail(doc, NULL, err, "%s is required", where);
    if ((st = blis__spec_keys(doc, o, keys, NULL, err)) || (st = blis__spec_str(doc, o, "type", &type, err))) return st;
    params = blis_node_get(doc, o, "params");
    if (blis_node_get(doc, o, "file"))
        return blis__spec_fail(doc, blis_node_get(doc, o, "file"), err,
                               "%s: distributions from files are not supported in this version of blis yet", where);
    if (params && params->kind != BLIS_NODE_OBJECT)
        return blis__spec_fail(doc, params, err, "%s.params: expected a mapping", where);
    if (!strcmp(type, "gaussian")) {
        d->kind = BLIS_DIST_GAUSSIAN;
        if ((st = blis__spec_param(doc, params, where, "mean", &d->mean, err)) ||
            (st = blis__spec_param(doc, params, where, "std_dev", &d->std_dev, err)) ||
            (st = blis__spec_param(doc, params, where, "min", &d->min, err)) ||
            (st = blis__spec_param(doc, params, where, "max", &d->max, err)) ||
            (st = blis__spec_dist_check(doc, params, d, err)))
            return st;
    } else if (!strcmp(type, "exponential")) {
        d->kind = BLIS_DIST_EXPONENTIAL;
        if ((st = blis__spec_param(doc, params, where, "mean", &d->mean, err)) ||
            (st = blis__spec_dist_check(doc, params, d, err)))
            return st;
    } else if (!strcmp(type, "pareto_lognormal")) {
        d->kind = BLIS_DIST_PARETO_LOGNORMAL;
        if ((st = blis__spec_param(doc, params, where, "alpha", &d->alpha, err)) ||
            (st = blis__spec_param(doc, params, where, "xm", &d->xm, err)) ||
            (st = blis__spec_param(doc, params, where, "mu", &d->mu, err)) ||
            (st = blis__spec_param(doc, params, where, "sigma", &d->sigma, err)) ||
            (st = blis__spec_param(doc, params, where, "mix_weight", &d->mix_weight, err)) ||
            (st = blis__spec_dist_check(doc, params, d, err)))
            return st;
    } else if (!strcmp(type, "constant")) {
        d->kind = BLIS_DIST_CONSTANT;
        if ((st = blis__spec_param(doc, params, where, "value", &d->value, err)) ||
            (st = blis__spec_dist_check(doc, params, d, err)))
            return st;
    } else if (!strcmp(type, "empirical")) {
        size_t i, n = params ? params->count : 0, k = 0;
        double total = 0, acc = 0;
        int64_t *pairs;
        d->kind = BLIS_DIST_EMPIRICAL;
        pairs = (int64_t *)blis__alloc(alloc, (2 * n + 2) * sizeof(int64_t));
        d->emp_values = (int64_t *)blis__alloc(alloc, (n + 1) * sizeof(int64_t));
        d->emp_cdf = (double *)blis__alloc(alloc, (n + 1) * sizeof(double));
        if (!pairs || !d->emp_values || !d->emp_cdf) {
            blis__free(alloc, pairs);
            return blis__nomem(err);
        }
        for (i = 0; i < n; i++) { /* key: a token count; value: its probability (bits kept in the pair) */
            const blis_node *key = blis_node_key_at(doc, params, i);
            double p;
            int64_t v;
            if (blis_parse_i64(key->as.string, strlen(key->as.string), 0, &v) || v < 0 || v > ((int64_t)1 << 40)) {
                blis__free(alloc, pairs);
                return blis__spec_fail(doc, key, err, "%s.params: keys must be token counts (0 to 2^40), got \"%.40s\"",
                                       where, key->as.string);
            }
            if ((st = blis__spec_param(doc, params, where, key->as.string, &p, err))) {
                blis__free(alloc, pairs);
                return st;
            }
            if (!(p >= 0 && p <= 1e300)) {
                blis__free(alloc, pairs);
                return blis__spec_fail(doc, blis_node_at(doc, params, (uint32_t)i), err,
                                       "%s.params[\"%.40s\"]: a probability weight must be >= 0 and finite", where,
                                       key->as.string);
            }
            pairs[2 * i] = v;
            memcpy(&pairs[2 * i + 1], &p, sizeof p);
        }
        qsort(pairs, n, 2 * sizeof(int64_t), blis__emp_cmp);
        for (i = 0; i < n; i++) {
            double p;
            memcpy(&p, &pairs[2 * i + 1], sizeof p);
            total += p;
        }
        for (i = 0; i < n; i++) {
            double p;
            memcpy(&p, &pairs[2 * i + 1], sizeof p);
            if (p <= 0) continue;
            acc += p;
            d->emp_values[k] = pairs[2 * i];
            d->emp_cdf[k++] = acc / total;
        }
        if (k) d->emp_cdf[k - 1] = 1;
        d->emp_n = k;
        blis__free(alloc, pairs);
    } else {
        return blis__spec_fail(doc, blis_node_get(doc, o, "type"), err,
                               "unknown distribution type \"%s\"; valid: constant, empirical, exponential, gaussian, "
                               "pareto_lognormal",
                               type);
    }
    return BLIS_OK;
}

static void blis__spec_dist_free(const blis_alloc *a, blis_length_dist *d) {
    blis__free(a, d->emp_values);
    blis__free(a, d->emp_cdf);
    d->emp_values = NULL;
    d->emp_cdf = NULL;
}

/* An owned copy of s: a block of spec->owned's chain (a link, then the text). */
typedef struct blis__str_block {
    struct blis__str_block *next;
} blis__str_block;

static const char *blis__spec_own(blis_workload_spec *spec, const char *s) {
    size_t n = strlen(s) + 1;
    blis__str_block *b = (blis__str_block *)blis__alloc(&spec->alloc, sizeof *b + n);
    if (!b) return NULL;
    b->next = (blis__str_block *)spec->owned;
    memcpy(b + 1, s, n);
    spec->owned = b;
    return (const char *)(b + 1);
}

BLIS_DEF void blis_workload_spec_free(blis_workload_spec *spec) {
    size_t i;
    for (i = 0; spec->clients && i < spec->client_count; i++) {
        int k;
        if (spec->clients[i].shared) continue;
        blis__spec_dist_free(&spec->alloc, &spec->clients[i].input);
        blis__spec_dist_free(&spec->alloc, &spec->clients[i].output);
        blis__spec_dist_free(&spec->alloc, &spec->clients[i].reason_ratio);
        blis__free(&spec->alloc, spec->clients[i].windows);
        for (k = 0; k < 7; k++) blis__spec_dist_free(&spec->alloc, &spec->clients[i].mm[k]);
    }
    blis__free(&spec->alloc, spec->clients);
    blis__free(&spec->alloc, spec->strings);
    blis__free(&spec->alloc, spec->cohort_ids);
    while (spec->owned) { /* blis__spec_own's blocks: each starts with the link to the next */
        void *next;
        memcpy(&next, spec->owned, sizeof next);
        blis__free(&spec->alloc, spec->owned);
        spec->owned = next;
    }
    spec->clients = NULL;
    spec->strings = NULL;
    spec->cohort_ids = NULL;
    spec->client_count = 0;
}

/* The session shape of enable_multi_turn_chat and of a client's
 * reasoning.multi_turn (spec §2.5). */
static void blis__spec_set_sessions(blis_spec_client *c, int64_t max_rounds, int64_t think_time_us, int accumulate) {
    c->max_rounds = max_rounds;
    c->think_time_us = think_time_us;
    c->accumulate = accumulate;
}

/* inference_perf (spec §2.5): N system prompts x M users become N*M clients
 * "prompt-i-user-j" (tenant "prompt-i", SLO batch, poisson, constant
 * question and output lengths, prefix group "prompt-i" of the system prompt's
 * length, rate fraction 1/(N*M)); aggregate_rate is the duration-weighted
 * mean of the stage rates, and with several stages each is a lifecycle
 * window. */
static blis_status blis__spec_inference_perf(const blis_doc *doc, const blis_node *ip, blis_workload_spec *spec,
                                             blis_err *err) {
    static const char *const keys[] = {"stages", "shared_prefix", NULL}, *const skeys[] = {"rate", "duration", NULL},
                             *const pkeys[] = {"num_unique_system_prompts",
                                               "num_users_per_system_prompt",
                                               "system_prompt_len",
                                               "question_len",
                                               "output_len",
                                               "enable_multi_turn_chat",
                                               NULL};
    const blis_node *stages, *sp, *n;
    int64_t np = 0, nu = 0, sys_len = 0, q_len = 0, o_len = 0, offset = 0;
    double weighted = 0, total_s = 0;
    size_t i, j, k, nst;
    blis_status st;
    int multi = 0;
    if ((st = blis__spec_keys(doc, ip, keys, NULL, err))) return st;
    sp = blis_node_get(doc, ip, "shared_prefix");
    if (!sp) return blis__spec_fail(doc, ip, err, "inference_perf.shared_prefix is required");
    if ((st = blis__spec_keys(doc, sp, pkeys, NULL, err)) ||
        (st = blis_doc_get_i64(doc, sp, "num_unique_system_prompts", &np, err)) ||
        (st = blis_doc_get_i64(doc, sp, "num_users_per_system_prompt", &nu, err)) ||
        (st = blis_doc_get_i64(doc, sp, "system_prompt_len", &sys_len, err)) ||
        (st = blis_doc_get_i64(doc, sp, "question_len", &q_len, err)) ||
        (st = blis_doc_get_i64(doc, sp, "output_len", &o_len, err)))
        return st;
    if ((n = blis_node_get(doc, sp, "enable_multi_turn_chat")) && (st = blis_node_bool(doc, n, &multi, err))) return st;
    if (np < 1 || nu < 1 || np > 100000 || nu > 100000 || np * nu > 100000 || sys_len < 0 || q_len < 0 || o_len < 0 ||
        sys_len > BLIS_MAX_REQUEST_TOKENS)
        return blis__spec_fail(doc, sp, err,
                               "shared_prefix: prompts and users must be >= 1 (at most 100000 clients), lengths >= 0");
    stages = blis_node_get(doc, ip, "stages");
    nst = stages && stages->kind == BLIS_NODE_ARRAY ? stages->count : 0;
    if (!nst)
        return blis__spec_fail(doc, stages ? stages : ip, err, "inference_perf.stages: at least one stage is required");
    spec->client_count = (size_t)(np * nu);
    spec->clients = (blis_spec_client *)blis__alloc(&spec->alloc, spec->client_count * sizeof *spec->clients);
    if (spec->clients) /* blis_workload_spec_free reads every client, also after a failure below */
        memset(spec->clients, 0, spec->client_count * sizeof *spec->clients);
    spec->strings = (char *)blis__alloc(&spec->alloc, spec->client_count * 96);
    if (!spec->clients || !spec->strings) return blis__nomem(err);
    for (k = 0; k < spec->client_count; k++) {
        blis_spec_client *c = &spec->clients[k];
        c->windows = (blis_spec_window *)blis__alloc(&spec->alloc, (nst + 1) * sizeof *c->windows);
        if (!c->windows) return blis__nomem(err);
    }
    for (k = 0; k < nst; k++) {
        const blis_node *sg = blis_node_at(doc, stages, k);
        double rate = 0, dur = 0;
        if ((st = blis__spec_keys(doc, sg, skeys, NULL, err)) || (st = blis_doc_get_f64(doc, sg, "rate", &rate, err)) ||
            (st = blis_doc_get_f64(doc, sg, "duration", &dur, err)))
            return st;
        if (!(rate >= 0 && rate < HUGE_VAL && dur > 0 && dur < 9.0e12 && total_s + dur < 9.0e12))
            return blis__spec_fail(doc, sg, err,
                                   "stage: rate must be >= 0 and duration > 0 (seconds), the stages at most 9e12 s "
                                   "in all");
        weighted += rate * dur;
        total_s += dur;
        for (i = 0; i < spec->client_count; i++) {
            spec->clients[i].windows[k].start_us = offset;
            spec->clients[i].windows[k].end_us = offset + (int64_t)(dur * 1e6);
        }
        offset += (int64_t)(dur * 1e6);
    }
    spec->aggregate_rate = weighted / total_s;
    for (i = 0; i < (size_t)np; i++)
        for (j = 0; j < (size_t)nu; j++) {
            k = i * (size_t)nu + j;
            {
                blis_spec_client *c = &spec->clients[k];
                char *id = spec->strings + k * 96, *tenant = id + 64;
                snprintf(id, 64, "prompt-%lu-user-%lu", (unsigned long)i, (unsigned long)j);
                snprintf(tenant, 32, "prompt-%lu", (unsigned long)i);
                c->id = id;
                c->tenant_id = tenant;
                c->prefix_group = tenant;
                c->slo_class = "batch";
                c->rate_fraction = 1.0 / (double)(np * nu);
                c->arrival = BLIS_ARRIVAL_POISSON;
                c->cv = 1;
                c->input.kind = c->output.kind = BLIS_DIST_CONSTANT;
                c->input.value = (double)q_len;
                c->output.value = (double)o_len;
                c->prefix_length = sys_len;
                c->window_count = nst > 1 ? nst : 0;
                if (multi) { /* enable_multi_turn_chat: 5-round accumulating sessions, ratio constant 0 */
                    blis__spec_set_sessions(c, 5, 500000, 1);
                    c->has_ratio = 1;
                    c->reason_ratio.kind = BLIS_DIST_CONSTANT;
                }
            }
        }
    return BLIS_OK;
}

static blis_status blis__spec_reasoning(const blis_doc *doc, const blis_node *n, size_t idx, blis_spec_client *c,
                                        const blis_alloc *alloc, blis_err *err) {
    static const char *const rkeys[] = {"reason_ratio_distribution", "multi_turn", NULL}, *const mkeys[] = {
                                                                                              "max_rounds",
                                                                                              "think_time_us",
                                                                                              "context_growth", NULL};
    const blis_node *rr, *mt, *x;
    const char *growth;
    char where[96];
    int64_t rounds = 0, think = 0;
    blis_status st;
    if ((st = blis__spec_keys(doc, n, rkeys, NULL, err))) return st;
    if ((rr = blis_node_get(doc, n, "reason_ratio_distribution")) && rr->kind != BLIS_NODE_NULL) {
        snprintf(where, sizeof where, "client[%lu].reasoning.reason_ratio_distribution", (unsigned long)idx);
        if ((st = blis__spec_dist(doc, rr, where, &c->reason_ratio, alloc, err))) return st;
        c->has_ratio = 1;
    }
    if (!(mt = blis_node_get(doc, n, "multi_turn")) || mt->kind == BLIS_NODE_NULL) return BLIS_OK;
    if ((st = blis__spec_keys(doc, mt, mkeys, NULL, err)) ||
        (st = blis__spec_str(doc, mt, "context_growth", &growth, err)))
        return st;
    if (!(x = blis_node_get(doc, mt, "max_rounds")))
        return blis__spec_fail(doc, mt, err, "client[%lu].reasoning.multi_turn.max_rounds is required",
                               (unsigned long)idx);
    if ((st = blis_node_i64(doc, x, &rounds, err))) return st;
    if (rounds < 1 || rounds > 10000)
        return blis__spec_fail(doc, x, err, "client[%lu]: max_rounds must be in 1..10000, got %lld", (unsigned long)idx,
                               (long long)rounds);
    if ((x = blis_node_get(doc, mt, "think_time_us")) && (st = blis_node_i64(doc, x, &think, err))) return st;
    if (think < 0 || think > (int64_t)1e15)
        return blis__spec_fail(doc, x, err, "client[%lu]: think_time_us must be in 0..1e15, got %lld",
                               (unsigned long)idx, (long long)think);
    if (strcmp(growth, "") && strcmp(growth, "accumulate"))
        return blis__spec_fail(doc, blis_node_get(doc, mt, "context_growth"), err,
                               "client[%lu]: unknown context_growth \"%s\"; valid: accumulate (or omit it)",
                               (unsigned long)idx, growth);
    blis__spec_set_sessions(c, rounds, think, !strcmp(growth, "accumulate"));
    return BLIS_OK;
}

static const char *const blis__mm_names[7] = {
    "text_distribution",        "image_distribution", "image_count_distribution", "audio_distribution",
    "audio_count_distribution", "video_distribution", "video_count_distribution"};

/* client.multimodal: {text_distribution, image_distribution,
 * image_count_distribution, audio_..., video_...}, each a DistSpec. */
static blis_status blis__spec_multimodal(const blis_doc *doc, const blis_node *n, size_t idx, blis_spec_client *c,
                                         const blis_alloc *alloc, blis_err *err) {
    static const char *const keys[] = {
        "text_distribution",        "image_distribution", "image_count_distribution", "audio_distribution",
        "audio_count_distribution", "video_distribution", "video_count_distribution", NULL};
    blis_status st;
    int k;
    if ((st = blis__spec_keys(doc, n, keys, NULL, err))) return st;
    for (k = 0; k < 7; k++) {
        const blis_node *d = blis_node_get(doc, n, blis__mm_names[k]);
        char where[96];
        if (!d || d->kind == BLIS_NODE_NULL) continue;
        snprintf(where, sizeof where, "client[%lu].multimodal.%s", (unsigned long)idx, blis__mm_names[k]);
        if ((st = blis__spec_dist(doc, d, where, &c->mm[k], alloc, err))) return st;
        c->mm_set |= 1u << k;
    }
    if (!c->mm_set)
        return blis__spec_fail(doc, n, err, "client[%lu].multimodal: give at least one distribution",
                               (unsigned long)idx);
    return BLIS_OK;
}

static blis_status blis__spec_client_keys(const blis_doc *doc, const blis_node *o, size_t idx, blis_spec_client *c,
                                          const blis_alloc *alloc, const char *const *cohort_keys, blis_err *err);
static blis_status blis__spec_client(const blis_doc *doc, const blis_node *o, size_t idx, blis_spec_client *c,
                                     const blis_alloc *alloc, blis_err *err) {
    return blis__spec_client_keys(doc, o, idx, c, alloc, NULL, err);
}

/* A client (cohort_keys NULL), or the client fields of a cohort (its keys). */
static blis_status blis__spec_client_keys(const blis_doc *doc, const blis_node *o, size_t idx, blis_spec_client *c,
                                          const blis_alloc *alloc, const char *const *cohort_keys, blis_err *err) {
    static const char *const keys[] = {"id",
                                       "tenant_id",
                                       "slo_class",
                                       "model",
                                       "rate_fraction",
                                       "arrival",
                                       "input_distribution",
                                       "output_distribution",
                                       "prefix_group",
                                       "prefix_length",
                                       "streaming",
                                       "network",
                                       "lifecycle",
                                       "reasoning",
                                       "multimodal",
                                       NULL};
    static const char *const slos[] = {"",           "critical", "standard",    "sheddable", "batch",
                                       "background", "realtime", "interactive", NULL};
    const blis_node *arr, *n;
    const char *process;
    char where[64];
    blis_status st;
    size_t k;
    int ok = 0;
    memset(c, 0, sizeof *c);
    if ((st = blis__spec_keys(doc, o, cohort_keys ? cohort_keys : keys, NULL, err)) ||
        (st = blis__spec_str(doc, o, "id", &c->id, err)) ||
        (st = blis__spec_str(doc, o, "tenant_id", &c->tenant_id, err)) ||
        (st = blis__spec_str(doc, o, "slo_class", &c->slo_class, err)) ||
        (st = blis__spec_str(doc, o, "prefix_group", &c->prefix_group, err)))
        return st;
    for (k = 0; slos[k]; k++) ok |= !strcmp(c->slo_class, slos[k]);
    snprintf(where, sizeof where, "client[%lu]", (unsigned long)idx);
    if (!ok)
        return blis__spec_fail(doc, blis_node_get(doc, o, "slo_class"), err,
                               "unknown slo_class \"%s\"; valid: background, batch, critical, sheddable, standard (v1: "
                               "realtime, interactive)",
                               c->slo_class);
    if (!strcmp(c->slo_class, "realtime")) c->slo_class = "critical"; /* the v1 -> v2 upgrade */
    if (!strcmp(c->slo_class, "interactive")) c->slo_class = "standard";
    if ((n = blis_node_get(doc, o, "rate_fraction")) == NULL || (st = blis_node_f64(doc, n, &c->rate_fraction, err)) ||
        !(c->rate_fraction > 0 && c->rate_fraction < HUGE_VAL)) {
        if (n && st) return st;
        return blis__spec_fail(doc, n ? n : o, err, "%s: rate_fraction must be positive, got %f", where,
                               n ? c->rate_fraction : 0);
    }
    if ((n = blis_node_get(doc, o, "prefix_length")) && (st = blis_node_i64(doc, n, &c->prefix_length, err))) return st;
    if (c->prefix_length < 0 || c->prefix_length > BLIS_MAX_REQUEST_TOKENS)
        return blis__spec_fail(doc, n, err, "%s: prefix_length must be in 0..%d", where, BLIS_MAX_REQUEST_TOKENS);
    arr = blis_node_get(doc, o, "arrival");
    {
        static const char *const akeys[] = {"process", "cv", NULL};
        if (!arr) return blis__spec_fail(doc, o, err, "%s: arrival is required", where);
        if ((st = blis__spec_keys(doc, arr, akeys, NULL, err)) ||
            (st = blis__spec_str(doc, arr, "process", &process, err)))
            return st;
    }
    c->cv = 1;
    if ((n = blis_node_get(doc, arr, "cv")) && n->kind != BLIS_NODE_NULL && (st = blis_node_f64(doc, n, &c->cv, err)))
        return st;
    if (!strcmp(process, "poisson"))
        c->arrival = BLIS_ARRIVAL_POISSON;
    else if (!strcmp(process, "gamma"))
        c->arrival = BLIS_ARRIVAL_GAMMA;
    else if (!strcmp(process, "weibull"))
        c->arrival = BLIS_ARRIVAL_WEIBULL;
    else if (!strcmp(process, "constant"))
        c->arrival = BLIS_ARRIVAL_CONSTANT;
    else
        return blis__spec_fail(doc, blis_node_get(doc, arr, "process"), err,
                               "unknown arrival process \"%s\"; valid: poisson, gamma, weibull, constant", process);
    if (c->arrival == BLIS_ARRIVAL_WEIBULL && !(c->cv >= 0.01 && c->cv <= 10.4))
        return blis__spec_fail(doc, n ? n : arr, err, "%s: weibull CV must be in [0.01, 10.4], got %f", where, c->cv);
    snprintf(where, sizeof where, "client[%lu].input_distribution", (unsigned long)idx);
    if ((st = blis__spec_dist(doc, blis_node_get(doc, o, "input_distribution"), where, &c->input, alloc, err)))
        return st;
    snprintf(where, sizeof where, "client[%lu].output_distribution", (unsigned long)idx);
    if ((st = blis__spec_dist(doc, blis_node_get(doc, o, "output_distribution"), where, &c->output, alloc, err)))
        return st;
    if ((n = blis_node_get(doc, o, "lifecycle")) && n->kind != BLIS_NODE_NULL) {
        static const char *const lkeys[] = {"windows", NULL}, *const wkeys[] = {"start_us", "end_us", NULL};
        const blis_node *ws;
        if ((st = blis__spec_keys(doc, n, lkeys, NULL, err))) return st;
        ws = blis_node_get(doc, n, "windows");
        if (ws && ws->kind != BLIS_NODE_ARRAY) return blis__spec_fail(doc, ws, err, "expected a list of windows");
        c->window_count = ws ? ws->count : 0;
        c->windows = (blis_spec_window *)blis__alloc(alloc, (c->window_count + 1) * sizeof *c->windows);
        if (!c->windows) return blis__nomem(err);
        for (k = 0; k < c->window_count; k++) {
            const blis_node *w = blis_node_at(doc, ws, k);
            if ((st = blis__spec_keys(doc, w, wkeys, NULL, err)) ||
                (st = blis_doc_get_i64(doc, w, "start_us", &c->windows[k].start_us, err)) ||
                (st = blis_doc_get_i64(doc, w, "end_us", &c->windows[k].end_us, err)))
                return st;
            if (c->windows[k].start_us < 0 || c->windows[k].end_us <= c->windows[k].start_us)
                return blis__spec_fail(doc, blis_node_get(doc, w, "end_us"), err,
                                       "a window must end after it starts, at start_us >= 0 (start_us %lld, end_us "
                                       "%lld)",
                                       (long long)c->windows[k].start_us, (long long)c->windows[k].end_us);
        }
    }
    if ((n = blis_node_get(doc, o, "multimodal")) && n->kind != BLIS_NODE_NULL &&
        (st = blis__spec_multimodal(doc, n, idx, c, alloc, err)))
        return st;
    if ((n = blis_node_get(doc, o, "reasoning")) && n->kind != BLIS_NODE_NULL)
        return blis__spec_reasoning(doc, n, idx, c, alloc, err);
    return BLIS_OK;
}

/* The lifecycle windows of a cohort's shapes (spec §2.7), appended to w:
 * diurnal, 24 hourly windows [h x 1 h, h x 1 h + 1 h x mult) with mult =
 * (1 + cos(2 pi (h - peak) / 24)) / 2 x (1 - 1/R) + 1/R; spike, one window;
 * drain, [0, start) and 10 segments of ramp/10, segment i active for
 * (10 - i)/10 of it. Returns the count. */
static size_t blis__cohort_windows(double peak_hour, double ratio, int diurnal, int64_t spike_start, int64_t spike_dur,
                                   int64_t drain_start, int64_t drain_ramp, blis_spec_window *w) {
    size_t n = 0;
    int h, i;
    if (diurnal)
        for (h = 0; h < 24; h++) {
            double mult =
                (1 + cos(2 * 3.14159265358979323846 * ((double)h - peak_hour) / 24)) / 2 * (1 - 1 / ratio) + 1 / ratio;
            w[n].start_us = (int64_t)h * 3600000000LL;
            w[n].end_us = w[n].start_us + (int64_t)(3600e6 * mult);
            n++;
        }
    if (spike_dur > 0) {
        w[n].start_us = spike_start;
        w[n].end_us = blis__sat_add(spike_start, spike_dur);
        n++;
    }
    if (drain_ramp > 0) {
        int64_t seg = drain_ramp / 10;
        w[n].start_us = 0;
        w[n].end_us = drain_start;
        n++;
        for (i = 0; i < 10; i++) {
            w[n].start_us = drain_start + (int64_t)i * seg;
            w[n].end_us = w[n].start_us + seg * (10 - i) / 10;
            n++;
        }
    }
    return n;
}

/* The cohorts: each becomes population clients "<id>-<j>" with
 * rate_fraction / population, appended after the clients. */
static blis_status blis__spec_cohorts(const blis_doc *doc, const blis_node *cohorts, blis_workload_spec *spec,
                                      blis_err *err) {
    static const char *const keys[] = {"id",
                                       "population",
                                       "tenant_id",
                                       "slo_class",
                                       "model",
                                       "arrival",
                                       "input_distribution",
                                       "output_distribution",
                                       "prefix_group",
                                       "streaming",
                                       "rate_fraction",
                                       "diurnal",
                                       "spike",
                                       "drain",
                                       NULL};
    size_t i, total = 0, at = spec->client_count, used = 0, ids_size;
    blis_spec_client *grown;
    blis_status st;
    if (cohorts->kind != BLIS_NODE_ARRAY) return blis__spec_fail(doc, cohorts, err, "cohorts: expected a list");
    for (i = 0; i < cohorts->count; i++) {
        const blis_node *o = blis_node_at(doc, cohorts, i), *pn = o ? blis_node_get(doc, o, "population") : NULL;
        int64_t pop = 0;
        if (!pn) return blis__spec_fail(doc, o, err, "cohort[%lu]: population is required", (unsigned long)i);
        if ((st = blis_node_i64(doc, pn, &pop, err))) return st;
        if (pop < 1 || pop > 100000)
            return blis__spec_fail(doc, pn, err, "cohort[%lu]: population must be in 1..100000, got %lld",
                                   (unsigned long)i, (long long)pop);
        total += (size_t)pop;
    }
    if (at + total > 100000)
        return blis__spec_fail(doc, cohorts, err, "cohorts: at most 100000 clients in all (clients and populations)");
    grown = (blis_spec_client *)blis__alloc(&spec->alloc, (at + total + 1) * sizeof *grown);
    ids_size = total * 80 + 1;
    spec->cohort_ids = (char *)blis__alloc(&spec->alloc, ids_size);
    if (!grown || !spec->cohort_ids) {
        blis__free(&spec->alloc, grown);
        return blis__nomem(err);
    }
    memset(grown, 0, (at + total + 1) * sizeof *grown);
    if (at) memcpy(grown, spec->clients, at * sizeof *grown);
    blis__free(&spec->alloc, spec->clients);
    spec->clients = grown;
    for (i = 0; i < cohorts->count; i++) {
        const blis_node *o = blis_node_at(doc, cohorts, i), *n;
        blis_spec_client *first = &spec->clients[spec->client_count];
        int64_t pop = 0, spike_start = 0, spike_dur = 0, drain_start = 0, drain_ramp = 0, j;
        const char *cohort_id;
        double peak = 0, ratio = 1;
        int diurnal = 0;
        spec->client_count++; /* owned from here (zeroed): freed with the spec, also after an error */
        if ((st = blis__spec_client_keys(doc, o, i, first, &spec->alloc, keys, err))) return st;
        blis_node_i64(doc, blis_node_get(doc, o, "population"), &pop, err);
        if ((n = blis_node_get(doc, o, "diurnal")) && n->kind != BLIS_NODE_NULL) {
            static const char *const dk[] = {"peak_hour", "peak_to_trough_ratio", NULL};
            if ((st = blis__spec_keys(doc, n, dk, NULL, err)) ||
                (st = blis_doc_get_f64(doc, n, "peak_hour", &peak, err)) ||
                (st = blis_doc_get_f64(doc, n, "peak_to_trough_ratio", &ratio, err)))
                return st;
            if (!(peak >= 0 && peak <= 23 && ratio >= 1 && ratio < HUGE_VAL))
                return blis__spec_fail(doc, n, err,
                                       "cohort[%lu].diurnal: peak_hour must be in 0..23 and peak_to_trough_ratio >= 1",
                                       (unsigned long)i);
            diurnal = 1;
        }
        if ((n = blis_node_get(doc, o, "spike")) && n->kind != BLIS_NODE_NULL) {
            static const char *const sk[] = {"start_time_us", "duration_us", NULL};
            if ((st = blis__spec_keys(doc, n, sk, NULL, err)) ||
                (st = blis_doc_get_i64(doc, n, "start_time_us", &spike_start, err)) ||
                (st = blis_doc_get_i64(doc, n, "duration_us", &spike_dur, err)))
                return st;
            if (spike_start < 0 || spike_dur <= 0)
                return blis__spec_fail(doc, n, err, "cohort[%lu].spike: start_time_us must be >= 0, duration_us > 0",
                                       (unsigned long)i);
        }
        if ((n = blis_node_get(doc, o, "drain")) && n->kind != BLIS_NODE_NULL) {
            static const char *const rk[] = {"start_time_us", "ramp_duration_us", NULL};
            if ((st = blis__spec_keys(doc, n, rk, NULL, err)) ||
                (st = blis_doc_get_i64(doc, n, "start_time_us", &drain_start, err)) ||
                (st = blis_doc_get_i64(doc, n, "ramp_duration_us", &drain_ramp, err)))
                return st;
            if (drain_start < 0 || drain_ramp <= 0 || drain_start > INT64_MAX / 2 || drain_ramp > INT64_MAX / 4)
                return blis__spec_fail(doc, n, err,
                                       "cohort[%lu].drain: start_time_us must be >= 0, ramp_duration_us > 0",
                                       (unsigned long)i);
        }
        if (diurnal || spike_dur > 0 || drain_ramp > 0) {
            first->windows = (blis_spec_window *)blis__alloc(&spec->alloc, 40 * sizeof *first->windows);
            if (!first->windows) return blis__nomem(err);
            first->window_count = blis__cohort_windows(peak, ratio, diurnal, spike_start, spike_dur, drain_start,
                                                       drain_ramp, first->windows);
        }
        first->rate_fraction /= (double)pop;
        cohort_id = first->id;
        for (j = 0; j < pop; j++) {
            blis_spec_client *c = &spec->clients[at];
            char *id = spec->cohort_ids + used;
            if (j > 0) {
                *c = *first;
                c->shared = 1;
                spec->client_count++;
            }
            used += (size_t)snprintf(id, 80, "%.60s-%lld", cohort_id, (long long)j) + 1;
            c->id = id;
            at++;
        }
    }
    return BLIS_OK;
}

/* ---- workload spec: ServeGen data (servegen_data) ---- */

/* ServeGen's published layout (the spec names only {path, span_start,
 * span_end}; this reading is ours): a directory of chunk-<id>-trace.csv and
 * chunk-<id>-dataset.json, one pair per client. A trace row is
 * "start_s,rate_per_s,cv,family,shape,scale" for the window from start_s to
 * the next row's start (family Gamma or Weibull, empty when the rate is 0).
 * The dataset maps a window start ("0", "3600", ...) to fields input_tokens
 * and output_tokens, each a probability table as a JSON object or as the
 * text of a Python dict ("{224: 0.25, 230: 0.75}"). */

typedef struct blis__sg_row {
    double t_s, dur_s, rate, cv;
    int family; /* BLIS_ARRIVAL_* */
} blis__sg_row;

typedef struct blis__sg_pmf_entry {
    int64_t value;
    uint32_t window;
    double weight;
} blis__sg_pmf_entry;

static int blis__sg_entry_cmp(const void *a, const void *b) {
    const blis__sg_pmf_entry *x = (const blis__sg_pmf_entry *)a, *y = (const blis__sg_pmf_entry *)b;
    if (x->value != y->value) return x->value < y->value ? -1 : 1;
    return x->window < y->window ? -1 : x->window > y->window;
}

static blis_status blis__sg_fail(blis_err *err, const char *source, uint32_t line, uint32_t col, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
static blis_status blis__sg_fail(blis_err *err, const char *source, uint32_t line, uint32_t col, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    blis_err_clear(err, source);
    return blis_err_set(err, BLIS_E_INVALID, line, col, "%s", msg);
}

/* The trace rows inside [span_start, span_end) (span_end <= 0: to the end). */
static blis_status blis__sg_read_trace(const char *path, double span_start, double span_end, blis__sg_row **out,
                                       size_t *out_n, blis_err *err) {
    char *src = NULL;
    size_t len = 0, n = 0, cap = 0, all = 0, i;
    blis_csv_reader rd;
    blis_parse_opts opts;
    blis__sg_row *rows = NULL;
    double prev_t = -1, last_t = -1, last_dur = 0;
    int has = 1, keep_prev = 0;
    blis_status st;
    *out = NULL;
    *out_n = 0;
    if ((st = blis_file_read(path, 0, NULL, &src, &len, err))) return st;
    memset(&opts, 0, sizeof opts);
    opts.source = path;
    if ((st = blis_csv_reader_init(&rd, src, len, &opts, err))) {
        blis_file_free(NULL, src);
        return st;
    }
    while (!(st = blis_csv_reader_next(&rd, &has, err)) && has) {
        const blis_csv_field *f = rd.fields;
        blis__sg_row r;
        memset(&r, 0, sizeof r);
        if (rd.field_count == 1 && f[0].len == 0) continue; /* a blank line */
        if (rd.field_count < 4) {
            st = blis__sg_fail(err, path, f[0].line, f[0].col,
                               "expected start_s,rate,cv,family[,shape,scale], got %u fields", rd.field_count);
            break;
        }
        if (blis_parse_f64(f[0].ptr, f[0].len, 0, &r.t_s) || !(r.t_s >= 0 && r.t_s <= 1e12) || r.t_s <= prev_t) {
            st = blis__sg_fail(err, path, f[0].line, f[0].col,
                               "start_s must be seconds in 0..1e12, greater than the previous row's; got \"%s\"",
                               f[0].ptr);
            break;
        }
        if (blis_parse_f64(f[1].ptr, f[1].len, 0, &r.rate) || !(r.rate >= 0 && r.rate < HUGE_VAL)) {
            st = blis__sg_fail(err, path, f[1].line, f[1].col, "rate must be a finite number >= 0, got \"%s\"",
                               f[1].ptr);
            break;
        }
        if (f[2].len && (blis_parse_f64(f[2].ptr, f[2].len, 0, &r.cv) || !(r.cv >= 0 && r.cv < HUGE_VAL))) {
            st = blis__sg_fail(err, path, f[2].line, f[2].col, "cv must be a finite number >= 0, got \"%s\"", f[2].ptr);
            break;
        }
        if (!blis__ascii_casecmp(f[3].ptr, "gamma"))
            r.family = BLIS_ARRIVAL_GAMMA;
        else if (!blis__ascii_casecmp(f[3].ptr, "weibull"))
            r.family = BLIS_ARRIVAL_WEIBULL;
        else if (!f[3].len || !blis__ascii_casecmp(f[3].ptr, "poisson") ||
                 !blis__ascii_casecmp(f[3].ptr, "exponential"))
            r.family = BLIS_ARRIVAL_POISSON;
        else {
            st = blis__sg_fail(err, path, f[3].line, f[3].col,
                               "unknown arrival family \"%s\"; valid: Gamma, Weibull, Exponential, Poisson or empty",
                               f[3].ptr);
            break;
        }
        all++;
        if (prev_t >= 0) last_dur = r.t_s - prev_t;
        if (keep_prev) rows[n - 1].dur_s = r.t_s - prev_t; /* the previous kept row ends where this one starts */
        prev_t = last_t = r.t_s;
        keep_prev = r.t_s >= span_start && (span_end <= 0 || r.t_s < span_end);
        if (!keep_prev) continue;
        if (blis__grow(NULL, (void **)&rows, &cap, n + 1, sizeof *rows)) {
            st = blis__nomem(err);
            break;
        }
        rows[n++] = r;
    }
    blis_csv_reader_free(&rd);
    blis_file_free(NULL, src);
    if (!st && keep_prev) { /* the last row lasts as long as the one before it, or to the span's end */
        double dur = all > 1 ? last_dur : span_end > last_t ? span_end - last_t : 0;
        if (!(dur > 0) && rows[n - 1].rate > 0)
            st = blis__sg_fail(err, path, 0, 0,
                               "one row gives no window length: add rows or give a span end (servegen_data.span_end, "
                               "convert's --span-end)");
        rows[n - 1].dur_s = dur;
    }
    for (i = 0; !st && span_end > 0 && i < n; i++) /* windows cut at the span's end */
        if (rows[i].t_s + rows[i].dur_s > span_end) rows[i].dur_s = span_end - rows[i].t_s;
    if (st) {
        blis__free(NULL, rows);
        return st;
    }
    *out = rows;
    *out_n = n;
    return BLIS_OK;
}

/* Appends one window's probability table (a JSON object, or a Python dict's
 * text in a string) to *e as (value, window, p / sum p). */
static blis_status blis__sg_pmf(const blis_doc *doc, const blis_node *n, uint32_t window, blis__sg_pmf_entry **e,
                                size_t *len, size_t *cap, blis_err *err) {
    size_t first = *len, i;
    double sum = 0;
    if (n->kind == BLIS_NODE_OBJECT) {
        for (i = 0; i < n->count; i++) {
            const blis_node *k = blis_node_key_at(doc, n, i), *v = blis_node_at(doc, n, i);
            int64_t value;
            if (blis_parse_i64(k->as.string, strlen(k->as.string), 0, &value) || value < 0 ||
                value > BLIS_MAX_REQUEST_TOKENS || v->kind != BLIS_NODE_NUMBER || !(v->as.number >= 0) ||
                !(v->as.number < HUGE_VAL))
                return blis__spec_fail(doc, k, err, "expected token count: probability >= 0");
            if (blis__grow(NULL, (void **)e, cap, *len + 1, sizeof **e)) return blis__nomem(err);
            (*e)[*len].value = value;
            (*e)[*len].window = window;
            (*e)[(*len)++].weight = v->as.number;
        }
    } else if (n->kind == BLIS_NODE_STRING) { /* "{224: 0.25, 230: 0.75}" */
        const char *s = n->as.string, *end = s + n->count;
        while (s < end && (*s == ' ' || *s == '\n' || *s == '\t')) s++;
        if (s == end || *s++ != '{') return blis__spec_fail(doc, n, err, "expected a table \"{count: p, ...}\"");
        for (;;) {
            const char *a, *b;
            int64_t value;
            double p;
            while (s < end && (*s == ' ' || *s == '\n' || *s == '\t' || *s == ',')) s++;
            if (s < end && *s == '}') break;
            for (a = s; s < end && *s != ':'; s++) continue;
            for (b = s; b > a && b[-1] == ' '; b--) continue;
            if (s == end || blis_parse_i64(a, (size_t)(b - a), 0, &value) || value < 0 ||
                value > BLIS_MAX_REQUEST_TOKENS)
                return blis__spec_fail(doc, n, err, "expected a token count before ':' at byte %u",
                                       (unsigned)(a - n->as.string));
            for (a = ++s; a < end && *a == ' '; a++) continue;
            for (s = a; s < end && *s != ',' && *s != '}' && *s != ' '; s++) continue;
            if (blis_parse_f64(a, (size_t)(s - a), BLIS_NUM_LOOSE_DOT, &p) || !(p >= 0) || !(p < HUGE_VAL))
                return blis__spec_fail(doc, n, err, "expected a probability >= 0 at byte %u",
                                       (unsigned)(a - n->as.string));
            if (blis__grow(NULL, (void **)e, cap, *len + 1, sizeof **e)) return blis__nomem(err);
            (*e)[*len].value = value;
            (*e)[*len].window = window;
            (*e)[(*len)++].weight = p;
        }
    } else {
        return blis__spec_fail(doc, n, err, "expected a probability table");
    }
    for (i = first; i < *len; i++) sum += (*e)[i].weight;
    if (!(sum > 0)) return blis__spec_fail(doc, n, err, "the probabilities sum to 0");
    for (i = first; i < *len; i++) (*e)[i].weight /= sum;
    return BLIS_OK;
}

/* The mixture of the windows' tables (weights w[window], summed in window
 * order for each value) as an empirical distribution. */
static blis_status blis__sg_mixture(blis__sg_pmf_entry *e, size_t len, const double *w, const blis_alloc *alloc,
                                    blis_length_dist *d, blis_err *err) {
    size_t i, k = 0;
    double total = 0, acc = 0;
    memset(d, 0, sizeof *d);
    d->kind = BLIS_DIST_EMPIRICAL;
    qsort(e, len, sizeof *e, blis__sg_entry_cmp);
    for (i = 0; i < len; i++) e[i].weight *= w[e[i].window];
    for (i = 0; i < len; i++) total += e[i].weight;
    d->emp_values = (int64_t *)blis__alloc(alloc, (len + 1) * sizeof(int64_t));
    d->emp_cdf = (double *)blis__alloc(alloc, (len + 1) * sizeof(double));
    if (!d->emp_values || !d->emp_cdf) return blis__nomem(err);
    for (i = 0; i < len; i++) {
        acc += e[i].weight;
        if (k && d->emp_values[k - 1] == e[i].value) {
            d->emp_cdf[k - 1] = acc / total;
        } else if (e[i].weight > 0) {
            d->emp_values[k] = e[i].value;
            d->emp_cdf[k++] = acc / total;
        }
    }
    if (k) d->emp_cdf[k - 1] = 1;
    d->emp_n = k;
    return BLIS_OK;
}

static int blis__sg_key_cmp(const void *a, const void *b) {
    const double *x = (const double *)a, *y = (const double *)b; /* (start_s, member index) pairs */
    if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
    return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* Client c from one chunk: its rows in the span and its dataset. c's rate
 * fraction stays 0 when the chunk has no requests in the span. Field names
 * the loader does not use are appended to ignored ("name\0"...). */
static blis_status blis__sg_client(const char *dataset_path, const blis__sg_row *rows, size_t n, double span_start,
                                   blis_spec_client *c, const blis_alloc *alloc, blis_buf *ignored, blis_err *err) {
    double sum_rd = 0, sum_d = 0, sum_cv = 0, fam[4] = {0, 0, 0, 0}, *keys = NULL, *w = NULL;
    blis__sg_pmf_entry *ein = NULL, *eout = NULL;
    size_t i, j, nin = 0, nout = 0, cin = 0, cout = 0, nw = 0, wcap = 0;
    blis_doc doc;
    const blis_node *root;
    blis_status st = BLIS_OK;
    int best = BLIS_ARRIVAL_POISSON;
    for (i = 0; i < n; i++) {
        double rd = rows[i].rate * rows[i].dur_s;
        if (!(rows[i].rate > 0)) continue;
        sum_rd += rd;
        sum_d += rows[i].dur_s;
        sum_cv += rd * rows[i].cv;
        fam[rows[i].family] += rd;
        if (!(nw && c->windows[nw - 1].end_us == llround((rows[i].t_s - span_start) * 1e6))) {
            if (blis__grow(alloc, (void **)&c->windows, &wcap, nw + 1, sizeof *c->windows)) return blis__nomem(err);
            c->windows[nw++].start_us = llround((rows[i].t_s - span_start) * 1e6);
        }
        c->windows[nw - 1].end_us = llround((rows[i].t_s + rows[i].dur_s - span_start) * 1e6);
    }
    c->window_count = nw;
    if (!(sum_rd > 0)) return BLIS_OK;
    c->rate_fraction = sum_rd / sum_d;
    for (i = BLIS_ARRIVAL_GAMMA; i <= BLIS_ARRIVAL_WEIBULL; i++)
        if (fam[i] > fam[best]) best = (int)i;
    c->arrival = (blis_arrival_kind)best;
    c->cv = best == BLIS_ARRIVAL_POISSON ? 0 : sum_cv / sum_rd;
    if ((st = blis_doc_load(dataset_path, 0, &doc, err))) {
        if (st == BLIS_E_IO) err->status = st = BLIS_E_MISSING;
        return st;
    }
    root = blis_doc_root(&doc);
    if (root->kind != BLIS_NODE_OBJECT || root->count == 0) {
        st = blis__spec_fail(&doc, root, err,
                             "expected an object of windows (\"start_s\": {input_tokens, output_tokens})");
        goto done;
    }
    keys = (double *)blis__alloc(NULL, root->count * 2 * sizeof *keys);
    w = (double *)blis__alloc(NULL, root->count * sizeof *w);
    if (!keys || !w) {
        st = blis__nomem(err);
        goto done;
    }
    for (i = 0; i < root->count; i++) {
        const blis_node *k = blis_node_key_at(&doc, root, i);
        if (blis_parse_f64(k->as.string, strlen(k->as.string), BLIS_NUM_LOOSE_DOT, &keys[2 * i]) ||
            !(keys[2 * i] >= 0 && keys[2 * i] < HUGE_VAL)) {
            st = blis__spec_fail(&doc, k, err, "window keys must be start times in seconds, got \"%s\"", k->as.string);
            goto done;
        }
        keys[2 * i + 1] = (double)i;
        w[i] = 0;
    }
    qsort(keys, root->count, 2 * sizeof *keys, blis__sg_key_cmp);
    for (i = 0; i < n; i++) { /* each active row to the window that covers it (before the first: the first) */
        if (!(rows[i].rate > 0)) continue;
        for (j = 0; j + 1 < root->count && keys[2 * (j + 1)] <= rows[i].t_s; j++) continue;
        w[j] += rows[i].rate * rows[i].dur_s;
    }
    for (j = 0; j < root->count && !st; j++) {
        const blis_node *win = blis_node_at(&doc, root, (size_t)keys[2 * j + 1]), *f;
        if (!(w[j] > 0)) continue;
        if (win->kind != BLIS_NODE_OBJECT) {
            st = blis__spec_fail(&doc, win, err, "expected an object with input_tokens and output_tokens");
            break;
        }
        for (i = 0; i < win->count; i++) {
            const char *name = blis_node_key_at(&doc, win, i)->as.string, *p;
            int seen = !strcmp(name, "input_tokens") || !strcmp(name, "output_tokens");
            for (p = ignored->data; !seen && p && p < ignored->data + ignored->len; p += strlen(p) + 1)
                seen = !strcmp(p, name);
            if (!seen && (blis_buf_write(ignored, name, strlen(name)) || blis_buf_write(ignored, "", 1))) {
                st = blis__nomem(err);
                goto done;
            }
        }
        if (!(f = blis_node_get(&doc, win, "input_tokens")) || !blis_node_get(&doc, win, "output_tokens")) {
            st = blis__spec_fail(&doc, win, err, "input_tokens and output_tokens are required");
            break;
        }
        if ((st = blis__sg_pmf(&doc, f, (uint32_t)j, &ein, &nin, &cin, err)) ||
            (st = blis__sg_pmf(&doc, blis_node_get(&doc, win, "output_tokens"), (uint32_t)j, &eout, &nout, &cout, err)))
            break;
    }
    if (!st && !(st = blis__sg_mixture(ein, nin, w, alloc, &c->input, err)))
        st = blis__sg_mixture(eout, nout, w, alloc, &c->output, err);
done:
    blis__free(NULL, keys);
    blis__free(NULL, w);
    blis__free(NULL, ein);
    blis__free(NULL, eout);
    blis_doc_free(&doc);
    return st;
}

static int blis__sg_id_cmp(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The chunk ids in dir: from its listing, else 0, 1, ... up to the first
 * missing chunk-<id>-trace.csv. */
static blis_status blis__sg_ids(const char *dir, blis_list_dir_fn list, void *list_user, int64_t **ids, size_t *n,
                                blis_err *err) {
    size_t cap = 0;
    char path[4200];
    *ids = NULL;
    *n = 0;
    if (list) {
        blis_buf names;
        const char *p;
        memset(&names, 0, sizeof names);
        if (list(list_user, dir, &names) != 0) {
            blis_buf_free(&names);
            blis_err_clear(err, dir);
            return blis_err_set(err, BLIS_E_MISSING, 0, 0, "cannot read the ServeGen directory");
        }
        for (p = names.data; p && p < names.data + names.len; p += strlen(p) + 1) {
            size_t len = strlen(p), k = 6;
            int64_t id;
            if (len < 16 || strncmp(p, "chunk-", 6) || strcmp(p + len - 10, "-trace.csv")) continue;
            while (k < len - 10 && p[k] >= '0' && p[k] <= '9') k++;
            if (k != len - 10 || blis_parse_i64(p + 6, k - 6, 0, &id)) continue;
            if (blis__grow(NULL, (void **)ids, &cap, *n + 1, sizeof **ids)) {
                blis_buf_free(&names);
                return blis__nomem(err);
            }
            (*ids)[(*n)++] = id;
        }
        blis_buf_free(&names);
        if (*n) qsort(*ids, *n, sizeof **ids, blis__sg_id_cmp);
    } else {
        for (;; (*n)++) {
            FILE *f;
            snprintf(path, sizeof path, "%s/chunk-%lu-trace.csv", dir, (unsigned long)*n);
            if (!(f = fopen(path, "rb"))) break;
            fclose(f);
            if (blis__grow(NULL, (void **)ids, &cap, *n + 1, sizeof **ids)) return blis__nomem(err);
            (*ids)[*n] = (int64_t)*n;
        }
    }
    if (!*n) {
        blis_err_clear(err, dir);
        return blis_err_set(err, BLIS_E_MISSING, 0, 0, "no chunk-<id>-trace.csv files (expected ServeGen data)");
    }
    return BLIS_OK;
}

BLIS_DEF blis_status blis_spec_load_servegen(blis_workload_spec *spec, blis_list_dir_fn list, void *list_user,
                                             blis_log_fn log, void *log_user, blis_err *err) {
    const char *dir = spec->servegen_path;
    double start = spec->servegen_span_start_s, end = spec->servegen_span_end_s, last_end = start, sum_rate = 0;
    blis_spec_client *out = NULL;
    size_t nids = 0, k, n = 0, cap = 0, idle = 0;
    int64_t *ids = NULL;
    blis_buf ignored;
    blis_status st;
    char path[4200], msg[600];
    if (!dir || spec->sg_loaded) return BLIS_OK;
    memset(&ignored, 0, sizeof ignored);
    if ((st = blis__sg_ids(dir, list, list_user, &ids, &nids, err))) return st;
    for (k = 0; k < nids && !st; k++) {
        blis__sg_row *rows = NULL;
        size_t nr = 0, i;
        blis_spec_client c;
        char id[48];
        memset(&c, 0, sizeof c);
        snprintf(path, sizeof path, "%s/chunk-%lld-trace.csv", dir, (long long)ids[k]);
        if ((st = blis__sg_read_trace(path, start, end, &rows, &nr, err))) break;
        for (i = 0; i < nr; i++)
            if (rows[i].t_s + rows[i].dur_s > last_end) last_end = rows[i].t_s + rows[i].dur_s;
        snprintf(path, sizeof path, "%s/chunk-%lld-dataset.json", dir, (long long)ids[k]);
        snprintf(id, sizeof id, "servegen-%lld", (long long)ids[k]);
        st = blis__sg_client(path, rows, nr, start, &c, &spec->alloc, &ignored, err);
        blis__free(NULL, rows);
        c.tenant_id = c.slo_class = c.prefix_group = "";
        if (!st && c.rate_fraction > 0 && !(c.id = blis__spec_own(spec, id))) st = blis__nomem(err);
        if (!st && c.rate_fraction > 0 && blis__grow(&spec->alloc, (void **)&out, &cap, n + 1, sizeof *out))
            st = blis__nomem(err);
        if (st || !(c.rate_fraction > 0)) {
            blis__spec_dist_free(&spec->alloc, &c.input);
            blis__spec_dist_free(&spec->alloc, &c.output);
            blis__free(&spec->alloc, c.windows);
            idle += !st;
            continue;
        }
        sum_rate += c.rate_fraction;
        out[n++] = c;
    }
    blis__free(NULL, ids);
    if (!st && !n) {
        blis_err_clear(err, dir);
        st = blis_err_set(err, BLIS_E_INVALID, 0, 0, "no ServeGen client has requests in the span [%g s, %s)", start,
                          end > 0 ? "span_end" : "the end");
    }
    if (!st && spec->client_count) { /* the loaded clients come first, then the cohorts' (spec §2.4) */
        if (blis__grow(&spec->alloc, (void **)&out, &cap, n + spec->client_count, sizeof *out))
            st = blis__nomem(err);
        else
            memcpy(out + n, spec->clients, spec->client_count * sizeof *out);
    }
    if (st) {
        for (k = 0; k < n; k++) {
            blis__spec_dist_free(&spec->alloc, &out[k].input);
            blis__spec_dist_free(&spec->alloc, &out[k].output);
            blis__free(&spec->alloc, out[k].windows);
        }
        blis__free(&spec->alloc, out);
        blis_buf_free(&ignored);
        return st;
    }
    blis__free(&spec->alloc, spec->clients);
    spec->clients = out;
    spec->client_count += n;
    spec->sg_loaded = 1;
    if (!(spec->aggregate_rate > 0)) spec->aggregate_rate = sum_rate;
    if (!spec->has_horizon) {
        spec->horizon_us = llround((last_end - start) * 1e6);
        spec->has_horizon = 1;
    }
    if (log) {
        snprintf(msg, sizeof msg, "servegen: %lu clients from %.300s (%lu chunks without requests in the span)",
                 (unsigned long)n, dir, (unsigned long)idle);
        log(log_user, "info", msg);
        if (ignored.len) {
            const char *p;
            size_t used = (size_t)snprintf(msg, sizeof msg,
                                           "servegen: dataset fields not used (only input_tokens and "
                                           "output_tokens are):");
            for (p = ignored.data; p < ignored.data + ignored.len && used < sizeof msg - 64; p += strlen(p) + 1)
                used += (size_t)snprintf(msg + used, sizeof msg - used, " %.40s", p);
            log(log_user, "warn", msg);
        }
    }
    blis_buf_free(&ignored);
    return BLIS_OK;
}

/* servegen_data: {path, span_start, span_end} (seconds; span_end 0 or
 * absent: to the end). */
static blis_status blis__spec_servegen_data(const blis_doc *doc, const blis_node *sg, blis_workload_spec *spec,
                                            blis_err *err) {
    static const char *const keys[] = {"path", "span_start", "span_end", NULL};
    const blis_node *n;
    blis_status st;
    if ((st = blis__spec_keys(doc, sg, keys, NULL, err)) ||
        (st = blis__spec_str(doc, sg, "path", &spec->servegen_path, err)))
        return st;
    if (!spec->servegen_path[0]) return blis__spec_fail(doc, sg, err, "path is required (a ServeGen directory)");
    if ((n = blis_node_get(doc, sg, "span_start")) && (st = blis_node_f64(doc, n, &spec->servegen_span_start_s, err)))
        return st;
    if (!(spec->servegen_span_start_s >= 0 && spec->servegen_span_start_s <= 1e12))
        return blis__spec_fail(doc, n, err, "must be seconds in 0..1e12");
    if ((n = blis_node_get(doc, sg, "span_end")) && (st = blis_node_f64(doc, n, &spec->servegen_span_end_s, err)))
        return st;
    if (n && !(spec->servegen_span_end_s == 0 ||
               (spec->servegen_span_end_s > spec->servegen_span_start_s && spec->servegen_span_end_s <= 1e12)))
        return blis__spec_fail(doc, n, err, "must be 0 (to the end) or after span_start, in seconds up to 1e12");
    return BLIS_OK;
}

BLIS_DEF size_t blis_workload_spec_warn(const blis_workload_spec *spec, blis_log_fn log, void *user) {
    static const char *const mm[7] = {"multimodal text", "image tokens", "image count", "audio tokens",
                                      "audio count",     "video tokens", "video count"};
    size_t i, n = 0;
    int k;
    for (i = 0; i < spec->client_count; i++) {
        const blis_spec_client *c = &spec->clients[i];
        const blis_length_dist *d[10];
        const char *what[10];
        int m = 0;
        char msg[400];
        if (c->shared) continue; /* a cohort's later members: the first's tables */
        d[m] = &c->input, what[m++] = "input";
        d[m] = &c->output, what[m++] = "output";
        if (c->has_ratio) d[m] = &c->reason_ratio, what[m++] = "reasoning ratio";
        for (k = 0; k < 7; k++)
            if (c->mm_set & (1u << k)) d[m] = &c->mm[k], what[m++] = mm[k];
        for (k = 0; k < m; k++) {
            if (d[k]->kind != BLIS_DIST_EMPIRICAL || d[k]->emp_n > 0) continue;
            n++;
            snprintf(msg, sizeof msg,
                     "client %.200s: its %s distribution is an empirical table with no positive weight; every draw "
                     "is 1, as in the reference",
                     c->id ? c->id : "(unnamed)", what[k]);
            if (log) log(user, "warn", msg);
        }
    }
    return n;
}

BLIS_DEF blis_status blis_workload_spec_from_doc(const blis_doc *doc, blis_workload_spec *spec, const blis_alloc *alloc,
                                                 blis_err *err) {
    static const char *const keys[] = {"version", "seed",         "category",       "clients", "aggregate_rate",
                                       "horizon", "num_requests", "inference_perf", "cohorts", "servegen_data",
                                       NULL};
    const blis_node *root = blis_doc_root(doc), *clients, *cohorts, *n, *sg = NULL;
    const char *version, *category;
    blis_status st;
    size_t i;
    int clients_empty;
    memset(spec, 0, sizeof *spec);
    if (alloc) spec->alloc = *alloc;
    spec->source = doc->source;
    if ((st = blis__spec_keys(doc, root, keys, NULL, err)) ||
        (st = blis__spec_str(doc, root, "version", &version, err)) ||
        (st = blis__spec_str(doc, root, "category", &category, err)))
        return st;
    if (strcmp(version, "") && strcmp(version, "1") && strcmp(version, "2"))
        return blis__spec_fail(doc, blis_node_get(doc, root, "version"), err,
                               "unknown spec version \"%s\"; valid: 1, 2", version);
    if (strcmp(category, "") && strcmp(category, "language") && strcmp(category, "multimodal") &&
        strcmp(category, "reasoning"))
        return blis__spec_fail(doc, blis_node_get(doc, root, "category"), err,
                               "unknown category \"%s\"; valid: language, multimodal, reasoning", category);
    blis__copy_cstr(spec->category, sizeof spec->category, category);
    if ((n = blis_node_get(doc, root, "seed"))) {
        if ((st = blis_node_i64(doc, n, &spec->seed, err))) return st;
        spec->has_seed = 1;
    }
    if ((n = blis_node_get(doc, root, "horizon"))) {
        if ((st = blis_node_i64(doc, n, &spec->horizon_us, err))) return st;
        spec->has_horizon = 1;
    }
    if ((n = blis_node_get(doc, root, "num_requests")) && (st = blis_node_i64(doc, n, &spec->num_requests, err)))
        return st;
    if (spec->num_requests < 0) return blis__spec_fail(doc, n, err, "num_requests must be >= 0");
    clients = blis_node_get(doc, root, "clients");
    if ((!clients || (clients->kind == BLIS_NODE_ARRAY && clients->count == 0)) &&
        (n = blis_node_get(doc, root, "inference_perf"))) { /* expanded only when there are no clients */
        if ((st = blis__spec_inference_perf(doc, n, spec, err))) blis_workload_spec_free(spec);
        return st;
    }
    clients_empty =
        !clients || clients->kind == BLIS_NODE_NULL || (clients->kind == BLIS_NODE_ARRAY && clients->count == 0);
    if (clients_empty && (sg = blis_node_get(doc, root, "servegen_data")) && sg->kind == BLIS_NODE_NULL) sg = NULL;
    if (sg && (st = blis__spec_servegen_data(doc, sg, spec, err))) return st;
    n = blis_node_get(doc, root, "aggregate_rate");
    if (sg && (!n || n->kind == BLIS_NODE_NULL)) { /* the data's own rate */
    } else if (!n || (st = blis_node_f64(doc, n, &spec->aggregate_rate, err)) ||
               !(spec->aggregate_rate > 0 && spec->aggregate_rate < HUGE_VAL)) {
        if (n && st) return st;
        char num[400]; /* Go's %f: six decimals, NaN, +Inf */
        double v = spec->aggregate_rate;
        if (v != v)
            blis__copy_cstr(num, sizeof num, "NaN");
        else if (v > DBL_MAX || v < -DBL_MAX)
            blis__copy_cstr(num, sizeof num, v > 0 ? "+Inf" : "-Inf");
        else
            blis_f64_format_fixed(v, 6, num, sizeof num);
        return blis__spec_fail(doc, n ? n : root, err, "aggregate_rate must be a finite value > 0, got %s", num);
    }
    cohorts = blis_node_get(doc, root, "cohorts");
    if (cohorts && cohorts->kind == BLIS_NODE_NULL) cohorts = NULL;
    if (clients && clients->kind == BLIS_NODE_NULL) clients = NULL;
    if (clients && clients->kind != BLIS_NODE_ARRAY) return blis__spec_fail(doc, clients, err, "expected a list");
    if (!sg && (!clients || clients->count == 0) &&
        (!cohorts || cohorts->kind != BLIS_NODE_ARRAY || cohorts->count == 0))
        return blis__spec_fail(doc,
                               clients   ? clients
                               : cohorts ? cohorts
                                         : root,
                               err, "at least one client (or cohort) is required");
    if (clients && clients->count) {
        spec->clients = (blis_spec_client *)blis__alloc(&spec->alloc, clients->count * sizeof *spec->clients);
        if (!spec->clients) return blis__nomem(err);
        memset(spec->clients, 0, clients->count * sizeof *spec->clients);
        spec->client_count = clients->count;
        for (i = 0; i < clients->count; i++)
            if ((st = blis__spec_client(doc, blis_node_at(doc, clients, i), i, &spec->clients[i], &spec->alloc, err))) {
                blis_workload_spec_free(spec);
                return st;
            }
    }
    if (cohorts && (st = blis__spec_cohorts(doc, cohorts, spec, err))) {
        blis_workload_spec_free(spec);
        return st;
    }
    return BLIS_OK;
}

/* ---- workload spec: samplers and the generator ---- */

typedef struct blis__spec_pending {
    blis_request req;
    int64_t seq;
    int64_t in5[5], out5[5];
} blis__spec_pending;

struct blis__spec_stream {
    const blis_spec_client *c;
    size_t client;
    blis_rng rng;
    double rate_per_us;
    blis_arrival_proc proc;
    int64_t windows_end_us; /* the latest window end (INT64_MAX: no windows) */
    int64_t t_us, n;        /* sessions: t_us is the latest session's start */
    int done, has_next;
    blis_request next;
    int64_t in5[5], out5[5];
    /* sessions: rounds drawn ahead of their arrival, a min-heap by
     * (arrival, draw order); one is released once no later session can
     * start before it */
    blis__spec_pending *pending;
    size_t pending_n, pending_cap;
    int64_t pending_seq;
};

static int64_t blis__iat_us(blis__spec_stream *st) { return blis_arrival_proc_gap_us(&st->proc, &st->rng); }

static int64_t blis__at_least_1(double v) {
    if (v != v || !(v < 9.0e18)) return v != v ? 1 : (int64_t)9.0e18;
    return (int64_t)v < 1 ? 1 : (int64_t)v;
}

static int64_t blis__length_sample(blis_rng *r, const blis_length_dist *d) {
    double v;
    size_t i;
    switch (d->kind) {
    case BLIS_DIST_GAUSSIAN:
        if (d->min == d->max) return (int64_t)d->min;
        v = blis_rng_norm_float64(r) * d->std_dev + d->mean;
        if (v > d->max) v = d->max;
        if (v < d->min) v = d->min;
        return blis__at_least_1(round(v));
    case BLIS_DIST_EXPONENTIAL: return blis__at_least_1(round(blis_rng_exp_float64(r) * d->mean));
    case BLIS_DIST_PARETO_LOGNORMAL:
        if (blis_rng_float64(r) < d->mix_weight) {
            double u = blis_rng_float64(r);
            if (u == 0) u = 4.9406564584124654e-324;
            v = d->xm / pow(u, 1 / d->alpha);
        } else {
            v = exp(d->mu + d->sigma * blis_rng_norm_float64(r));
        }
        if (v != v || v == HUGE_VAL || v == -HUGE_VAL) return 1;
        return blis__at_least_1(round(v));
    case BLIS_DIST_CONSTANT: return blis__at_least_1(d->value);
    case BLIS_DIST_EMPIRICAL:
        if (d->emp_n == 0) return 1;
        if (d->emp_n == 1) return d->emp_values[0];
        v = blis_rng_float64(r);
        for (i = 0; i + 1 < d->emp_n && d->emp_cdf[i] < v; i++) {
        }
        return d->emp_values[i];
    }
    return 1;
}

static int blis__in_windows(const blis_spec_client *c, int64_t t) {
    size_t i;
    if (!c->window_count) return 1;
    for (i = 0; i < c->window_count; i++)
        if (c->windows[i].start_us <= t && t < c->windows[i].end_us) return 1;
    return 0;
}

/* A spec request's SLO class, tenant (NULL when empty) and routing key. */
static void blis__spec_meta(blis_request *r, const blis_spec_client *c, uint64_t input_key) {
    r->slo_class = c->slo_class[0] ? c->slo_class : NULL;
    r->tenant_id = c->tenant_id[0] ? c->tenant_id : NULL;
    r->input_key = input_key;
}

static int blis__pending_less(const void *pa, const void *pb) {
    const blis__spec_pending *a = (const blis__spec_pending *)pa, *b = (const blis__spec_pending *)pb;
    return a->req.arrival_us < b->req.arrival_us || (a->req.arrival_us == b->req.arrival_us && a->seq < b->seq);
}

static blis_status blis__spec_too_long(const blis_spec_gen *g, const blis__spec_stream *st, const char *what,
                                       int64_t tokens, blis_err *err) {
    blis_err_clear(err, g->source);
    return blis_err_set(err, BLIS_E_LIMIT, 0, 0,
                        "workload spec client \"%s\": drew an %s length of %lld tokens, over the limit of %d "
                        "(BLIS_MAX_REQUEST_TOKENS); check its distribution's parameters",
                        st->c->id, what, (long long)tokens, BLIS_MAX_REQUEST_TOKENS);
}

/* One reasoning session starting at st->t_us (spec §2.5,
 * GenerateReasoningRequests): all its rounds, drawn now in the reference's
 * order, wait in the pending heap. With accumulate, round r's input is every
 * earlier round's input and output followed by its own new tokens, so one
 * running block hasher serves the whole session. */
static blis_status blis__spec_session(blis_spec_gen *g, blis__spec_stream *st, blis_err *err) {
    const blis_spec_client *c = st->c;
    blis_block_hasher hs;
    uint64_t h, ikey;
    int64_t r, i, t = st->t_us, ctx = 0, nh = 0, first5[5] = {0, 0, 0, 0, 0};
    (void)blis_rng_int63(&st->rng); /* the session ID */
    blis_block_hasher_init(&hs, (int32_t)g->block_tokens);
    for (r = 0; r < c->max_rounds; r++) {
        int64_t ilen = blis__length_sample(&st->rng, &c->input), olen = blis__length_sample(&st->rng, &c->output);
        blis__spec_pending *p;
        if (!c->accumulate || r == 0) ctx = nh = 0;
        if (ctx + ilen > BLIS_MAX_REQUEST_TOKENS) return blis__spec_too_long(g, st, "input", ctx + ilen, err);
        if (olen > BLIS_MAX_REQUEST_TOKENS) return blis__spec_too_long(g, st, "output", olen, err);
        if (blis__grow(&g->alloc, (void **)&g->scratch, &g->scratch_cap,
                       (size_t)((ctx + ilen + olen) / g->block_tokens + 1), sizeof(uint64_t)) ||
            blis__grow(&g->alloc, (void **)&st->pending, &st->pending_cap, st->pending_n + 1, sizeof *st->pending))
            return blis__nomem(err);
        if (ctx == 0 && r > 0) blis_block_hasher_init(&hs, (int32_t)g->block_tokens);
        p = &st->pending[st->pending_n];
        memset(p, 0, sizeof *p);
        for (i = 0; i < ilen; i++) {
            int64_t tok = blis__rng_token(&st->rng);
            if (ctx + i < 5) first5[ctx + i] = tok;
            if (blis_block_hasher_push(&hs, tok, &h)) g->scratch[nh++] = h;
        }
        ikey = blis_block_hasher_key(&hs);
        for (i = 0; i < olen; i++) {
            int64_t tok = blis__rng_token(&st->rng);
            if (i < 5) p->out5[i] = tok;
            if (ctx + ilen + i < 5) first5[ctx + ilen + i] = tok;
            if (blis_block_hasher_push(&hs, tok, &h)) g->scratch[nh++] = h;
        }
        if (c->has_ratio) (void)blis__length_sample(&st->rng, &c->reason_ratio); /* reason_ratio: drawn, unused */
        memcpy(p->in5, first5, sizeof first5);
        for (i = ctx + ilen; i < 5; i++) p->in5[i] = 0;
        if (blis__request_make(&g->alloc, &p->req, g->scratch, nh, t, ctx + ilen, olen, err)) return BLIS_E_NOMEM;
        blis__spec_meta(&p->req, c, ikey);
        p->seq = st->pending_seq++;
        blis__heap_up(st->pending, ++st->pending_n, sizeof *st->pending, blis__pending_less);
        ctx += ilen + olen;
        t = t > INT64_MAX - c->think_time_us - olen ? INT64_MAX : t + c->think_time_us + olen;
    }
    st->n += c->max_rounds;
    return BLIS_OK;
}

/* A session stream's next request: sessions are drawn until the earliest
 * pending round arrives no later than the latest session start (every later
 * session starts after it). */
static blis_status blis__spec_advance_sessions(blis_spec_gen *g, blis__spec_stream *st, blis_err *err) {
    blis__spec_pending p;
    blis_status s;
    int overflow = 0;
    st->has_next = 0;
    while (!st->done && (st->pending_n == 0 || st->pending[0].req.arrival_us > st->t_us)) {
        if (g->per_client_cap > 0 && st->n >= g->per_client_cap) {
            st->done = 1;
            break;
        }
        st->t_us = blis__add_us_sat(st->t_us, blis__iat_us(st), &overflow);
        if (st->t_us >= g->horizon_us || overflow) {
            st->done = 1;
            break;
        }
        if ((s = blis__spec_session(g, st, err))) return s;
    }
    if (!st->pending_n) return BLIS_OK;
    blis__heap_pop(st->pending, st->pending_n--, sizeof *st->pending, blis__pending_less, &p);
    st->next = p.req;
    memcpy(st->in5, p.in5, sizeof p.in5);
    memcpy(st->out5, p.out5, sizeof p.out5);
    st->has_next = 1;
    return BLIS_OK;
}

/* A multimodal prompt's length (spec §2.5 GenerateMultimodalTokens): the
 * text's, then per image, audio and video with both distributions given a
 * count and that many item sizes; at least 1. */
static int64_t blis__mm_sample(blis_rng *r, const blis_spec_client *c) {
    int64_t total = 0, k, count;
    int m;
    if (c->mm_set & (1u << BLIS_MM_TEXT)) total += blis__length_sample(r, &c->mm[BLIS_MM_TEXT]);
    for (m = BLIS_MM_IMAGE; m <= BLIS_MM_VIDEO; m += 2) {
        if (!(c->mm_set & (1u << m)) || !(c->mm_set & (1u << (m + 1)))) continue;
        count = blis__length_sample(r, &c->mm[m + 1]);
        for (k = 0; k < count && total <= BLIS_MAX_REQUEST_TOKENS; k++) total += blis__length_sample(r, &c->mm[m]);
    }
    return total < 1 ? 1 : total;
}

/* Draws the stream's next request (its arrival, lengths and token IDs, in
 * the reference's order) into st->next, or marks the stream done. */
static blis_status blis__spec_advance(blis_spec_gen *g, blis__spec_stream *st, blis_err *err) {
    const int64_t *prefix = g->prefixes[st->client];
    int64_t plen = g->prefix_lens[st->client], ilen, olen, i, nh = 0;
    blis_block_hasher hs;
    uint64_t h, ikey;
    int overflow = 0;
    if (st->c->max_rounds > 0) return blis__spec_advance_sessions(g, st, err);
    st->has_next = 0;
    for (;;) {
        if (st->done) return BLIS_OK;
        if (g->per_client_cap > 0 && st->n >= g->per_client_cap) {
            st->done = 1;
            return BLIS_OK;
        }
        st->t_us = blis__add_us_sat(st->t_us, blis__iat_us(st), &overflow);
        if (st->t_us >= g->horizon_us || overflow) {
            st->done = 1;
            return BLIS_OK;
        }
        if (blis__in_windows(st->c, st->t_us)) break;
        if (st->t_us >= st->windows_end_us) { /* past every window: nothing more can come (the reference
                                                 would loop to the horizon) */
            st->done = 1;
            return BLIS_OK;
        }
    }
    if (st->c->mm_set) { /* multimodal: the prompt's tokens, its IDs, then the output's length */
        ilen = blis__mm_sample(&st->rng, st->c);
        olen = 0;
    } else {
        ilen = blis__length_sample(&st->rng, &st->c->input);
        olen = blis__length_sample(&st->rng, &st->c->output);
    }
    if (ilen > BLIS_MAX_REQUEST_TOKENS || olen > BLIS_MAX_REQUEST_TOKENS)
        return blis__spec_too_long(g, st, ilen > BLIS_MAX_REQUEST_TOKENS ? "input" : "output",
                                   ilen > olen ? ilen : olen, err);
    if (blis__grow(&g->alloc, (void **)&g->scratch, &g->scratch_cap,
                   (size_t)((plen + ilen + olen) / g->block_tokens + 1), sizeof(uint64_t)))
        return blis__nomem(err);
    blis_block_hasher_init(&hs, (int32_t)g->block_tokens);
    for (i = 0; i < plen; i++) {
        if (i < 5) st->in5[i] = prefix[i];
        if (blis_block_hasher_push(&hs, prefix[i], &h)) g->scratch[nh++] = h;
    }
    for (i = 0; i < ilen; i++) {
        int64_t tok = blis__rng_token(&st->rng);
        if (plen + i < 5) st->in5[plen + i] = tok;
        if (blis_block_hasher_push(&hs, tok, &h)) g->scratch[nh++] = h;
    }
    ikey = blis_block_hasher_key(&hs);
    if (st->c->mm_set) {
        if ((olen = blis__length_sample(&st->rng, &st->c->output)) > BLIS_MAX_REQUEST_TOKENS)
            return blis__spec_too_long(g, st, "output", olen, err);
        if (blis__grow(&g->alloc, (void **)&g->scratch, &g->scratch_cap,
                       (size_t)((plen + ilen + olen) / g->block_tokens + 1), sizeof(uint64_t)))
            return blis__nomem(err);
    }
    for (i = 0; i < olen; i++) {
        int64_t tok = blis__rng_token(&st->rng);
        if (i < 5) st->out5[i] = tok;
        if (blis_block_hasher_push(&hs, tok, &h)) g->scratch[nh++] = h;
    }
    if (blis__request_make(&g->alloc, &st->next, g->scratch, nh, st->t_us, plen + ilen, olen, err)) return BLIS_E_NOMEM;
    blis__spec_meta(&st->next, st->c, ikey);
    st->n++;
    st->has_next = 1;
    return BLIS_OK;
}

BLIS_DEF void blis_spec_gen_free(blis_spec_gen *g) {
    size_t i;
    for (i = 0; g->streams && i < g->stream_count; i++) {
        size_t k;
        if (g->streams[i].has_next) blis__free(&g->alloc, g->streams[i].next.block_hashes);
        for (k = 0; k < g->streams[i].pending_n; k++) blis__free(&g->alloc, g->streams[i].pending[k].req.block_hashes);
        blis__free(&g->alloc, g->streams[i].pending);
    }
    blis__free(&g->alloc, g->streams);
    blis__free(&g->alloc, (void *)g->prefixes);
    blis__free(&g->alloc, g->prefix_lens);
    blis__free(&g->alloc, g->prefix_store);
    blis__free(&g->alloc, g->scratch);
    memset(g, 0, sizeof *g);
}

BLIS_DEF blis_status blis_spec_gen_init(blis_spec_gen *g, const blis_workload_spec *spec, int64_t seed,
                                        int64_t horizon_us, int64_t max_requests, int64_t block_tokens,
                                        const blis_alloc *alloc, blis_err *err) {
    blis_rng wrng;
    size_t i, j, n = spec->client_count, count = 0;
    int64_t total_prefix = 0, used = 0;
    double sum_fraction = 0;
    blis_status st;
    memset(g, 0, sizeof *g);
    if (alloc) g->alloc = *alloc;
    if (max_requests < 0)
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "maxRequests must be non-negative, got %lld",
                            (long long)max_requests);
    if (spec->servegen_path && !spec->sg_loaded)
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "servegen_data is not loaded (blis_spec_load_servegen)");
    if (block_tokens < 1 || block_tokens > (1 << 20))
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "block size must be in 1..2^20, got %lld",
                            (long long)block_tokens);
    g->horizon_us = horizon_us;
    g->source = spec->source;
    g->max_requests = max_requests;
    g->per_client_cap = max_requests > 0 ? 2 * max_requests : 0;
    g->block_tokens = block_tokens;
    for (i = 0; i < n; i++) {
        sum_fraction += spec->clients[i].rate_fraction;
        total_prefix += spec->clients[i].prefix_group[0]
                            ? (spec->clients[i].prefix_length > 0 ? spec->clients[i].prefix_length : 50)
                            : 0;
    }
    g->streams = (blis__spec_stream *)blis__alloc(&g->alloc, (n + 1) * sizeof *g->streams);
    g->prefixes = (int64_t **)blis__alloc(&g->alloc, (n + 1) * sizeof *g->prefixes);
    g->prefix_lens = (int64_t *)blis__alloc(&g->alloc, (n + 1) * sizeof *g->prefix_lens);
    g->prefix_store = (int64_t *)blis__alloc(&g->alloc, (size_t)(total_prefix + 1) * sizeof(int64_t));
    if (g->streams) memset(g->streams, 0, (n + 1) * sizeof *g->streams);
    if (g->prefixes) memset((void *)g->prefixes, 0, (n + 1) * sizeof *g->prefixes); /* every slot defined */
    if (g->prefix_lens) memset(g->prefix_lens, 0, (n + 1) * sizeof *g->prefix_lens);
    if (!g->streams || !g->prefixes || !g->prefix_lens || !g->prefix_store) {
        blis_spec_gen_free(g);
        return blis__nomem(err);
    }
    blis_rng_seed(&wrng, blis_rng_subsystem_seed(seed, "workload-gen"));
    for (i = 0; i < n; i++) { /* one prefix per new group, in client order */
        const blis_spec_client *c = &spec->clients[i];
        g->prefixes[i] = NULL;
        g->prefix_lens[i] = 0;
        if (!c->prefix_group[0]) continue;
        for (j = 0; j < i; j++)
            if (!strcmp(spec->clients[j].prefix_group, c->prefix_group)) break;
        if (j < i) {
            g->prefixes[i] = g->prefixes[j];
            g->prefix_lens[i] = g->prefix_lens[j];
            continue;
        }
        g->prefixes[i] = g->prefix_store + used;
        g->prefix_lens[i] = c->prefix_length > 0 ? c->prefix_length : 50;
        for (j = 0; j < (size_t)g->prefix_lens[i]; j++) g->prefix_store[used++] = blis__rng_token(&wrng);
    }
    for (i = 0; i < n; i++) {
        const blis_spec_client *c = &spec->clients[i];
        blis__spec_stream *s = &g->streams[count];
        double rate = spec->aggregate_rate * (c->rate_fraction / sum_fraction) / 1e6;
        if (!(rate > 0)) continue;
        memset(s, 0, sizeof *s);
        s->c = c;
        s->client = i;
        blis_rng_seed(&s->rng, blis_rng_int63(&wrng));
        s->rate_per_us = rate < 1e-15 ? 1e-15 : rate;
        s->windows_end_us = c->window_count ? INT64_MIN : INT64_MAX;
        for (j = 0; j < c->window_count; j++)
            if (c->windows[j].end_us > s->windows_end_us) s->windows_end_us = c->windows[j].end_us;
        blis_arrival_proc_init(&s->proc, c->arrival, c->cv, s->rate_per_us);
        count++;
    }
    g->stream_count = count; /* counted in a local: the analyzers lose g's fields across calls */
    for (i = 0; i < count; i++)
        if ((st = blis__spec_advance(g, &g->streams[i], err))) {
            blis_spec_gen_free(g);
            return st;
        }
    return BLIS_OK;
}

BLIS_DEF blis_status blis_spec_gen_next(blis_spec_gen *g, blis_request *r, int *has, blis_err *err) {
    size_t i, best = SIZE_MAX;
    blis__spec_stream *s;
    *has = 0;
    memset(r, 0, sizeof *r);
    if (g->max_requests > 0 && g->next_index >= g->max_requests) return BLIS_OK;
    for (i = 0; i < g->stream_count; i++) /* the earliest next request; ties: the first client */
        if (g->streams[i].has_next &&
            (best == SIZE_MAX || g->streams[i].next.arrival_us < g->streams[best].next.arrival_us))
            best = i;
    if (best == SIZE_MAX) return BLIS_OK;
    s = &g->streams[best];
    *r = s->next;
    r->index = g->next_index++;
    memcpy(g->last_in5, s->in5, sizeof s->in5);
    memcpy(g->last_out5, s->out5, sizeof s->out5);
    g->last_client = s->client;
    *has = 1;
    if (blis__spec_advance(g, s, err) != BLIS_OK) { /* on an error the caller owns nothing */
        blis_request_free(&g->alloc, r);
        memset(r, 0, sizeof *r);
        *has = 0;
        return err->status;
    }
    return BLIS_OK;
}

static blis_status blis__trace_fail(const blis_trace_gen *g, const blis_csv_field *f, blis_err *err, const char *what,
                                    const char *detail) {
    blis_err_clear(err, g->rd.source);
    return blis_err_set(err, BLIS_E_SYNTAX, f->line, f->col, "csv row %lld: %s: %s", (long long)g->next_index, what,
                        detail);
}

/* A JSON array of integers (as Go's json.Unmarshal into []int: no fractions
 * or exponents; null is the empty array); each token goes to the hasher and
 * each completed block's hash to g->scratch[*n_hashes]. */
static blis_status blis__trace_tokens(blis_trace_gen *g, const blis_csv_field *f, const char *what,
                                      blis_block_hasher *hs, int64_t *n_hashes, int64_t *count, blis_err *err) {
    const char *p = f->ptr, *end = f->ptr + f->len;
    char msg[96];
    *count = 0;
#define BLIS__TRACE_WS() \
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++
    BLIS__TRACE_WS();
    if (end - p >= 4 && !memcmp(p, "null", 4)) {
        p += 4;
        BLIS__TRACE_WS();
        return p == end ? BLIS_OK : blis__trace_fail(g, f, err, what, "unexpected text after null");
    }
    if (p == end || *p != '[') return blis__trace_fail(g, f, err, what, "expected a JSON array of integers");
    p++;
    BLIS__TRACE_WS();
    if (p < end && *p == ']') {
        p++;
    } else {
        for (;;) {
            const char *s = p;
            int64_t tok;
            uint64_t h;
            if (p < end && *p == '-') p++;
            if (p == end || *p < '0' || *p > '9' || (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9'))
                return blis__trace_fail(g, f, err, what, "expected an integer token ID");
            while (p < end && *p >= '0' && *p <= '9') p++;
            if (p < end && (*p == '.' || *p == 'e' || *p == 'E'))
                return blis__trace_fail(g, f, err, what, "token IDs must be integers");
            if (blis_parse_i64(s, (size_t)(p - s), 0, &tok)) {
                snprintf(msg, sizeof msg, "token ID %.*s out of range", (int)(p - s < 40 ? p - s : 40), s);
                return blis__trace_fail(g, f, err, what, msg);
            }
            if (blis_block_hasher_push(hs, tok, &h)) {
                if (blis__grow(&g->alloc, (void **)&g->scratch, &g->scratch_cap, (size_t)*n_hashes + 1,
                               sizeof(uint64_t)))
                    return blis__nomem(err);
                g->scratch[(*n_hashes)++] = h;
            }
            (*count)++;
            BLIS__TRACE_WS();
            if (p < end && *p == ',') {
                p++;
                BLIS__TRACE_WS();
                continue;
            }
            break;
        }
        if (p == end || *p != ']') return blis__trace_fail(g, f, err, what, "expected ',' or ']' in the token array");
        p++;
    }
    BLIS__TRACE_WS();
#undef BLIS__TRACE_WS
    if (p != end) return blis__trace_fail(g, f, err, what, "unexpected text after the token array");
    return BLIS_OK;
}

BLIS_DEF blis_status blis_trace_gen_next(blis_trace_gen *g, blis_request *r, int *has, blis_err *err) {
    blis_block_hasher hs;
    blis_status st;
    const blis_csv_field *f;
    double sec, us;
    int64_t arrival, n_hashes = 0, n_in = 0, n_out = 0;
    uint64_t ikey;
    int row = 0;
    *has = 0;
    memset(r, 0, sizeof *r);
    if (g->done) return BLIS_OK;
    if (!g->header_read) { /* the header row is skipped */
        if ((st = blis_csv_reader_next(&g->rd, &row, err))) return st;
        g->header_read = 1;
        if (!row) {
            blis_err_clear(err, g->rd.source);
            return blis_err_set(err, BLIS_E_SYNTAX, 1, 1, "empty trace: no header row and no requests");
        }
    }
    if ((st = blis_csv_reader_next(&g->rd, &row, err))) return st;
    if (!row) {
        g->done = 1;
        return BLIS_OK;
    }
    f = g->rd.fields;
    if (g->rd.field_count < 5) {
        char msg[64];
        snprintf(msg, sizeof msg, "has %u columns, expected at least 5", (unsigned)g->rd.field_count);
        return blis__trace_fail(g, &f[0], err, "arrival_time,...,prefill_tokens,decode_tokens", msg);
    }
    if (blis_parse_f64(f[0].ptr, f[0].len, BLIS_NUM_ALLOW_PLUS | BLIS_NUM_LOOSE_DOT, &sec) || !(sec >= 0))
        return blis__trace_fail(g, &f[0], err, "arrival time", "expected a non-negative number of seconds");
    us = sec * 1e6;
    if (g->time_scale > 0) us *= g->time_scale;
    if (!(us < 9.2e18)) return blis__trace_fail(g, &f[0], err, "arrival time", "too large");
    arrival = (int64_t)us;
    if (arrival > g->horizon_us) { /* reading stops at the first row after the horizon */
        g->done = 1;
        return BLIS_OK;
    }
    if (arrival < g->last_arrival_us)
        return blis__trace_fail(g, &f[0], err, "arrival time",
                                "earlier than the previous row's (blis replays traces sorted by arrival time)");
    blis_block_hasher_init(&hs, (int32_t)g->block_tokens);
    if ((st = blis__trace_tokens(g, &f[3], "prefill_tokens", &hs, &n_hashes, &n_in, err))) return st;
    ikey = blis_block_hasher_key(&hs);
    if ((st = blis__trace_tokens(g, &f[4], "decode_tokens", &hs, &n_hashes, &n_out, err))) return st;
    if (n_in == 0 && n_out == 0) /* no token to compute: the request would never be scheduled */
        return blis__trace_fail(g, &f[3], err, "prefill_tokens and decode_tokens",
                                "both empty; a request needs at least one token");
    if (blis__request_make(&g->alloc, r, g->scratch, n_hashes, arrival, n_in, n_out, err)) return BLIS_E_NOMEM;
    r->input_key = ikey;
    r->index = g->next_index++;
    g->last_arrival_us = arrival;
    *has = 1;
    return BLIS_OK;
}

static blis_status blis__defaults_int(const blis_doc *d, const blis_node *o, const char *key, int64_t *out,
                                      blis_err *err) {
    const blis_node *v = blis_node_get(d, o, key);
    *out = 0;
    return v ? blis_node_i64(d, v, out, err) : BLIS_OK;
}

BLIS_DEF blis_status blis_defaults_workload(const blis_doc *d, const char *name, blis_legacy_workload *w,
                                            blis_err *err) {
    const blis_node *wl = blis_node_get(d, blis_node_get(d, blis_doc_root(d), "workloads"), name);
    blis_status st;
    memset(w, 0, sizeof *w);
    blis_err_clear(err, d->source);
    if (!wl || wl->kind != BLIS_NODE_OBJECT)
        return blis_err_set(err, BLIS_E_MISSING, 0, 0,
                            "Undefined workload. Use one among (chatbot, summarization, contentgen, multidoc)");
    if ((st = blis__defaults_int(d, wl, "prefix_tokens", &w->prefix_tokens, err)) ||
        (st = blis__defaults_int(d, wl, "prompt_tokens", &w->prompt_mean, err)) ||
        (st = blis__defaults_int(d, wl, "prompt_tokens_stdev", &w->prompt_std, err)) ||
        (st = blis__defaults_int(d, wl, "prompt_tokens_min", &w->prompt_min, err)) ||
        (st = blis__defaults_int(d, wl, "prompt_tokens_max", &w->prompt_max, err)) ||
        (st = blis__defaults_int(d, wl, "output_tokens", &w->output_mean, err)) ||
        (st = blis__defaults_int(d, wl, "output_tokens_stdev", &w->output_std, err)) ||
        (st = blis__defaults_int(d, wl, "output_tokens_min", &w->output_min, err)) ||
        (st = blis__defaults_int(d, wl, "output_tokens_max", &w->output_max, err)))
        return st;
    return BLIS_OK;
}

static blis_status blis__defaults_str(const blis_doc *d, const blis_node *o, const char *key, char *out, size_t size,
                                      blis_err *err) {
    const blis_node *v = blis_node_get(d, o, key);
    const char *t = "";
    blis_status st = v ? blis_node_text(d, v, &t, err) : BLIS_OK;
    blis__copy_cstr(out, size, t);
    return st;
}

BLIS_DEF blis_status blis_defaults_specs(const blis_doc *d, const char *model, char *gpu, size_t gpu_size, int *tp,
                                         char *vllm, size_t vllm_size, blis_err *err) {
    const blis_node *e = blis_node_get(d, blis_node_get(d, blis_doc_root(d), "defaults"), model);
    int64_t t = 0;
    blis_status st;
    gpu[0] = vllm[0] = '\0';
    *tp = 0;
    blis_err_clear(err, d->source);
    if (!e) return BLIS_OK;
    if ((st = blis__defaults_str(d, e, "GPU", gpu, gpu_size, err)) ||
        (st = blis__defaults_int(d, e, "tensor_parallelism", &t, err)) ||
        (st = blis__defaults_str(d, e, "vllm_version", vllm, vllm_size, err)))
        return st;
    *tp = (int)(t > 0 && t < 1 << 20 ? t : 0);
    return BLIS_OK;
}

BLIS_DEF blis_status blis_defaults_hf_repo(const blis_doc *d, const char *model, char *repo, size_t size,
                                           blis_err *err) {
    const blis_node *e = blis_node_get(d, blis_node_get(d, blis_doc_root(d), "defaults"), model);
    blis_err_clear(err, d->source);
    if (size) repo[0] = '\0';
    return e ? blis__defaults_str(d, e, "hf_repo", repo, size, err) : BLIS_OK;
}

static blis_status blis__defaults_triple(const blis_doc *d, const blis_node *arr, double out[3], blis_err *err) {
    size_t i;
    blis_status st;
    if (!arr || arr->kind != BLIS_NODE_ARRAY || arr->count < 3)
        return blis__node_err(d, arr ? arr : blis_doc_root(d), err, BLIS_E_INVALID,
                              "coefficients need at least 3 numbers");
    for (i = 0; i < 3; i++)
        if ((st = blis_node_f64(d, blis_node_at(d, arr, i), &out[i], err))) return st;
    return BLIS_OK;
}

BLIS_DEF blis_status blis_defaults_coefficients(const blis_doc *d, const char *model, int tp, const char *gpu,
                                                const char *vllm, double alpha[3], double beta[3], int64_t *kv,
                                                int *found, blis_err *err) {
    const blis_node *models = blis_node_get(d, blis_doc_root(d), "models");
    size_t i;
    *found = 0;
    *kv = 0;
    blis_err_clear(err, d->source);
    for (i = 0; models && models->kind == BLIS_NODE_ARRAY && i < models->count; i++) {
        const blis_node *e = blis_node_at(d, models, i);
        char id[256], g[64], v[128];
        int64_t t = 0;
        blis_status st;
        if ((st = blis__defaults_str(d, e, "id", id, sizeof id, err)) ||
            (st = blis__defaults_str(d, e, "GPU", g, sizeof g, err)) ||
            (st = blis__defaults_str(d, e, "vllm_version", v, sizeof v, err)) ||
            (st = blis__defaults_int(d, e, "tensor_parallelism", &t, err)))
            return st;
        if (strcmp(id, model) || t != tp || strcmp(g, gpu) || strcmp(v, vllm)) continue;
        if ((st = blis__defaults_triple(d, blis_node_get(d, e, "alpha_coeffs"), alpha, err)) ||
            (st = blis__defaults_triple(d, blis_node_get(d, e, "beta_coeffs"), beta, err)) ||
            (st = blis__defaults_int(d, e, "total_kv_blocks", kv, err)))
            return st;
        *found = 1;
        return BLIS_OK;
    }
    return BLIS_OK;
}

BLIS_DEF void blis_request_free(const blis_alloc *alloc, blis_request *r) {
    blis__free(alloc, r->block_hashes);
    blis__free(alloc, r->itl_runs);
    blis__free(alloc, r->kv_blocks);
    r->block_hashes = NULL;
    r->itl_runs = NULL;
    r->kv_blocks = NULL;
}

/* ==== >>evq  implementation ====
 * Owns: the instance event heap. Uses: >>base. Used by: >>sim.
 * Invariants: heap order on time_us only; push and pop are Go's
 * container/heap up() and down() verbatim (equal times keep Go's order);
 * growth only in blis_evq_push. */

BLIS_DEF const char *blis_event_kind_name(blis_event_kind k) {
    switch (k) {
#define BLIS__EV_NAME(name) \
    case name: return #name;
        BLIS_EVENT_KIND_LIST(BLIS__EV_NAME)
#undef BLIS__EV_NAME
    case BLIS_EV_KIND_COUNT: break;
    }
    return "unknown";
}

BLIS_DEF void blis_evq_init(blis_evq *q, const blis_alloc *alloc) {
    memset(q, 0, sizeof *q);
    if (alloc) q->alloc = *alloc;
}

BLIS_DEF void blis_evq_free(blis_evq *q) {
    blis__free(&q->alloc, q->heap);
    q->heap = NULL;
    q->len = q->cap = 0;
}

static void blis__evq_swap(blis_evq *q, size_t i, size_t j) {
    blis_event t = q->heap[i];
    q->heap[i] = q->heap[j];
    q->heap[j] = t;
}

BLIS_DEF blis_status blis_evq_push(blis_evq *q, int64_t time_us, blis_event_kind kind, blis_request *req) {
    size_t j;
    if (blis__grow(&q->alloc, (void **)&q->heap, &q->cap, q->len + 1, sizeof(blis_event))) return BLIS_E_NOMEM;
    j = q->len++;
    q->heap[j].time_us = time_us;
    q->heap[j].kind = kind;
    q->heap[j].req = req;
    while (j > 0) { /* up(j): Go's (j-1)/2 truncates, so j = 0 stops */
        size_t i = (j - 1) / 2;
        if (!(q->heap[j].time_us < q->heap[i].time_us)) break;
        blis__evq_swap(q, i, j);
        j = i;
    }
    return BLIS_OK;
}

BLIS_DEF int blis_evq_pop(blis_evq *q, blis_event *out) {
    size_t n, i = 0;
    if (q->len == 0) return 0;
    n = q->len - 1;
    blis__evq_swap(q, 0, n);
    for (;;) { /* down(0, n) */
        size_t j1 = 2 * i + 1, j;
        if (j1 >= n) break;
        j = j1;
        if (j1 + 1 < n && q->heap[j1 + 1].time_us < q->heap[j1].time_us) j = j1 + 1;
        if (!(q->heap[j].time_us < q->heap[i].time_us)) break;
        blis__evq_swap(q, i, j);
        i = j;
    }
    *out = q->heap[n];
    q->len = n;
    return 1;
}

/* ==== >>kv  implementation ====
 * Owns: KV blocks, the free list, the prefix-hash index, the CPU tier.
 * Uses: >>base, >>workload (requests carry their block lists and block
 * hashes). Used by: >>sched, >>sim.
 * Invariants (blis_kv_check): used_blocks == blocks in use; the free list
 * holds exactly the blocks not in use, each once; every request list names
 * in-use blocks; a block's ref_count counts the lists naming it; the CPU
 * tier holds cpu_used <= cpu_blocks blocks. Allocation checks capacity
 * before changing anything (a CPU reload changes only free blocks). */

static size_t blis__kv_slot(const blis_kv_cache *kv, uint64_t key) {
    return (size_t)(blis__mix64(key) & (kv->map_cap - 1));
}

static int32_t blis__kv_map_get(const blis_kv_cache *kv, uint64_t key) {
    size_t i = blis__kv_slot(kv, key);
    while (kv->map[i].key) {
        if (kv->map[i].key == key) return kv->map[i].val;
        i = (i + 1) & (kv->map_cap - 1);
    }
    return -1;
}

static void blis__kv_map_set(blis_kv_cache *kv, uint64_t key, int32_t val) {
    size_t i = blis__kv_slot(kv, key);
    while (kv->map[i].key && kv->map[i].key != key) i = (i + 1) & (kv->map_cap - 1);
    if (!kv->map[i].key) kv->map_len++;
    kv->map[i].key = key;
    kv->map[i].val = val;
}

static void blis__kv_map_del(blis_kv_cache *kv, uint64_t key) { /* backward-shift deletion */
    size_t i = blis__kv_slot(kv, key), j;
    while (kv->map[i].key && kv->map[i].key != key) i = (i + 1) & (kv->map_cap - 1);
    if (!kv->map[i].key) return;
    kv->map[i].key = 0;
    kv->map_len--;
    for (j = (i + 1) & (kv->map_cap - 1); kv->map[j].key; j = (j + 1) & (kv->map_cap - 1)) {
        size_t home = blis__kv_slot(kv, kv->map[j].key);
        int move = (j > i) ? (home <= i || home > j) : (home <= i && home > j);
        if (move) {
            kv->map[i] = kv->map[j];
            kv->map[j].key = 0;
            i = j;
        }
    }
}

BLIS_DEF blis_status blis_kv_init(blis_kv_cache *kv, int64_t total_blocks, int64_t block_tokens,
                                  const blis_alloc *alloc, blis_err *err) {
    int64_t i;
    memset(kv, 0, sizeof *kv);
    if (alloc) kv->alloc = *alloc;
    if (total_blocks < 1 || total_blocks > ((int64_t)1 << 30))
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "--total-kv-blocks must be in 1..2^30, got %lld",
                            (long long)total_blocks);
    if (block_tokens < 1 || block_tokens > (1 << 20))
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "--block-size-in-tokens must be in 1..2^20, got %lld",
                            (long long)block_tokens);
    kv->total_blocks = total_blocks;
    kv->block_tokens = block_tokens;
    for (kv->map_cap = 16; kv->map_cap < (size_t)total_blocks * 2; kv->map_cap *= 2) {
    }
    kv->fcap = kv->map_cap; /* >= 2 x total_blocks */
    kv->blocks = (blis_kv_block *)blis__alloc(&kv->alloc, (size_t)total_blocks * sizeof(blis_kv_block));
    kv->map = (blis_kv_map_entry *)blis__alloc(&kv->alloc, kv->map_cap * sizeof *kv->map);
    kv->fring = (int32_t *)blis__alloc(&kv->alloc, kv->fcap * sizeof *kv->fring);
    if (!kv->blocks || !kv->map || !kv->fring) {
        blis_kv_free(kv);
        return blis__nomem(err);
    }
    memset(kv->map, 0, kv->map_cap * sizeof *kv->map);
    memset(kv->fring, 0, kv->fcap * sizeof *kv->fring); /* entries past the tail: block 0 (fetched ahead only) */
    for (i = 0; i < total_blocks; i++) {
        blis_kv_block *b = &kv->blocks[i];
        memset(b, 0, sizeof *b);
        kv->fring[i] = (int32_t)i;
        b->fpos = (uint64_t)i;
    }
    kv->fhead = 0;
    kv->ftail = (uint64_t)total_blocks;
    return BLIS_OK;
}

BLIS_DEF void blis_kv_free(blis_kv_cache *kv) {
    blis_alloc a = kv->alloc;
    blis__free(&a, kv->blocks);
    blis__free(&a, kv->map);
    blis__free(&a, kv->fring);
    blis__free(&a, kv->cpu_present);
    blis__free(&a, kv->cpu_hash);
    blis__free(&a, kv->cpu_offload_us);
    memset(kv, 0, sizeof *kv); /* safe to free again */
    kv->alloc = a;
}

static void blis__kv_unlink(blis_kv_cache *kv, int32_t id) { /* its entry goes stale */
    kv->blocks[id].fpos = BLIS_KV_NOT_FREE;
}

/* The ring full of entries, most of them stale: the live ones moved to the
 * front in order (there are at most total_blocks <= fcap / 2). */
static void blis__kv_compact(blis_kv_cache *kv) {
    uint64_t p, w = kv->fhead, mask = (uint64_t)kv->fcap - 1;
    for (p = kv->fhead; p < kv->ftail; p++) {
        int32_t id = kv->fring[p & mask];
        if (kv->blocks[id].fpos != p) continue;
        kv->fring[w & mask] = id;
        kv->blocks[id].fpos = w++;
    }
    kv->ftail = w;
}

static void blis__kv_append_free(blis_kv_cache *kv, int32_t id) {
    if (kv->ftail - kv->fhead == (uint64_t)kv->fcap) blis__kv_compact(kv);
    kv->fring[kv->ftail & ((uint64_t)kv->fcap - 1)] = id;
    kv->blocks[id].fpos = kv->ftail++;
}

/* The first live position at or after p (ftail: none). */
static uint64_t blis__kv_live_from(const blis_kv_cache *kv, uint64_t p) {
    uint64_t mask = (uint64_t)kv->fcap - 1;
    while (p < kv->ftail && kv->blocks[kv->fring[p & mask]].fpos != p) p++;
    return p;
}

BLIS_DEF int64_t blis_kv_free_list(const blis_kv_cache *kv, int32_t *out, int64_t max) {
    uint64_t p;
    int64_t n = 0;
    for (p = blis__kv_live_from(kv, kv->fhead); p < kv->ftail; p = blis__kv_live_from(kv, p + 1)) {
        if (n < max) out[n] = kv->fring[p & ((uint64_t)kv->fcap - 1)];
        n++;
    }
    return n;
}

/* popFreeBlock: the head; its hash key leaves the index whatever block the
 * key maps to now (as the reference does). The blocks a few pops ahead, and
 * the index slots of nearer ones, are fetched early. */
static int32_t blis__kv_pop_free(blis_kv_cache *kv) {
    uint64_t mask = (uint64_t)kv->fcap - 1;
    while (kv->fhead < kv->ftail) {
        uint64_t p = kv->fhead++;
        int32_t id = kv->fring[p & mask];
        blis_kv_block *b = &kv->blocks[id];
        const blis_kv_block *nb;
        if (b->fpos != p) continue; /* stale */
        b->fpos = BLIS_KV_NOT_FREE;
        BLIS__PREFETCH(&kv->blocks[kv->fring[(p + 16) & mask]]);
        nb = &kv->blocks[kv->fring[(p + 8) & mask]];
        if (nb->has_hash) BLIS__PREFETCH(&kv->map[blis__kv_slot(kv, nb->hash)]);
        if (b->has_hash) blis__kv_map_del(kv, b->hash);
        b->has_hash = 0;
        b->hash = 0;
        b->fill = 0;
        return id;
    }
    return -1;
}

BLIS_DEF int64_t blis_kv_cached_blocks(const blis_kv_cache *kv, const blis_request *req, int32_t *ids, int64_t max) {
    int64_t i, n = req->input_tokens / kv->block_tokens;
    if (n > req->block_hash_count) n = req->block_hash_count;
    for (i = 0; i < n && i < max; i++) {
        int32_t id = blis__kv_map_get(kv, req->block_hashes[i]);
        if (id < 0) break;
        ids[i] = id;
    }
    return i;
}

static int blis__kv_list_push(blis_kv_cache *kv, blis_request *req, int32_t id) {
    size_t cap = (size_t)req->kv_cap;
    if (blis__grow(&kv->alloc, (void **)&req->kv_blocks, &cap, (size_t)req->kv_count + 1, sizeof(int32_t))) return -1;
    req->kv_cap = (int64_t)cap;
    req->kv_blocks[req->kv_count++] = id;
    req->kv_tail = id;
    req->kv_has_map = 1;
    return 0;
}

static void blis__kv_set_hash(blis_kv_cache *kv, blis_request *req, int32_t id, int64_t block_index) {
    blis_kv_block *b = &kv->blocks[id];
    if (block_index < 0 || block_index >= req->block_hash_count) return;
    b->hash = req->block_hashes[block_index];
    b->has_hash = 1;
    blis__kv_map_set(kv, b->hash, id);
}

/* Blocks the allocation would take from the free list; the check of
 * check-then-act (the reference mutates first and rolls back). */
static int64_t blis__kv_needed(const blis_kv_cache *kv, const blis_request *req, int64_t n_new, const int32_t *cached,
                               int64_t n_cached) {
    int64_t B = kv->block_tokens, from_free = 0, room = 0, i;
    if (!req->kv_has_map) {
        for (i = 0; i < n_cached; i++) from_free += !kv->blocks[cached[i]].in_use;
    } else if (req->kv_count > 0) {
        int32_t f = kv->blocks[req->kv_tail].fill;
        if (f > 0 && f < B) room = B - f;
    }
    n_new -= room < n_new ? room : n_new;
    return from_free + (n_new + B - 1) / B;
}

/* A decode token into the request's partial last block: 1 when done so
 * (AllocateKVBlocks needs no new block then), else 0 with nothing changed. */
static int blis__kv_decode_fast(blis_kv_cache *kv, blis_request *req) {
    blis_kv_block *t;
    if (!req->kv_has_map || req->kv_count <= 0) return 0;
    t = &kv->blocks[req->kv_tail];
    if (!(t->fill > 0 && t->fill < kv->block_tokens)) return 0;
    if (++t->fill == kv->block_tokens) blis__kv_set_hash(kv, req, req->kv_tail, req->kv_count - 1);
    return 1;
}

BLIS_DEF int blis_kv_allocate(blis_kv_cache *kv, blis_request *req, int64_t start, int64_t end, const int32_t *cached,
                              int64_t n_cached, blis_status *st) {
    int64_t B = kv->block_tokens, n_new, i = 0, k;
    int prefill = req->progress_tokens < req->input_tokens;
    *st = BLIS_OK;
    if (!prefill && blis__kv_decode_fast(kv, req)) return 1;
    if (prefill) {
        n_new = end - start;
        if (n_new < 0) n_new = 0;
        if ((n_new + B - 1) / B > kv->total_blocks - kv->used_blocks) return 0; /* "KV cache full" */
    } else {
        n_new = 1; /* one output token; end is ignored */
    }
    if (n_new == 0) return 1; /* nothing to do (cached blocks are not even counted) */
    if (blis__kv_needed(kv, req, n_new, cached, n_cached) > kv->total_blocks - kv->used_blocks) return 0;
    while (i < n_new) {
        blis_kv_block *latest = NULL;
        if (req->kv_has_map) {
            latest = req->kv_count ? &kv->blocks[req->kv_tail] : NULL;
        } else {
            for (k = 0; k < n_cached; k++) { /* first allocation: take the cached prefix */
                blis_kv_block *b = &kv->blocks[cached[k]];
                b->ref_count++;
                if (!b->in_use) {
                    b->in_use = 1;
                    kv->used_blocks++;
                    blis__kv_unlink(kv, cached[k]);
                }
                kv->hits++;
                if (blis__kv_list_push(kv, req, cached[k])) {
                    *st = BLIS_E_NOMEM;
                    return 0;
                }
            }
        }
        if (latest && latest->fill > 0 && latest->fill < B) { /* fill the partial last block */
            int64_t take = B - latest->fill < n_new - i ? B - latest->fill : n_new - i;
            latest->fill += (int32_t)take;
            i += take;
            if (latest->fill == B) blis__kv_set_hash(kv, req, req->kv_tail, req->kv_count - 1);
        } else {
            int64_t rem = n_new - i, blocks = (rem + B - 1) / B;
            if (rem <= 0) break;
            if (prefill) /* the index slots the full blocks' hashes go to, fetched together */
                for (k = req->kv_count; k < req->kv_count + blocks && k < req->block_hash_count; k++)
                    BLIS__PREFETCH(&kv->map[blis__kv_slot(kv, req->block_hashes[k])]);
            for (k = 0; k < blocks; k++) {
                int32_t id = blis__kv_pop_free(kv);
                blis_kv_block *b;
                int64_t e = i + B < n_new ? i + B : n_new;
                if (id < 0) return 0; /* unreachable: capacity was checked */
                b = &kv->blocks[id];
                b->fill = (int32_t)(e - i);
                b->ref_count = 1;
                b->in_use = 1;
                kv->used_blocks++;
                kv->misses++;
                if (b->fill == B && prefill) blis__kv_set_hash(kv, req, id, req->kv_count);
                if (blis__kv_list_push(kv, req, id)) {
                    *st = BLIS_E_NOMEM;
                    return 0;
                }
                i = e;
            }
        }
    }
    return 1;
}

BLIS_DEF void blis_kv_release(blis_kv_cache *kv, blis_request *req) {
    int64_t i;
    for (i = req->kv_count; i-- > 0;) { /* last block first: the tail of a request is evicted first */
        int32_t id = req->kv_blocks[i];
        blis_kv_block *b = &kv->blocks[id];
        if (--b->ref_count <= 0) {
            b->ref_count = 0;
            b->in_use = 0;
            kv->used_blocks--;
            blis__kv_append_free(kv, id);
        }
    }
    req->kv_count = 0;
    req->kv_has_map = 0;
}

BLIS_DEF double blis_kv_hit_rate(const blis_kv_cache *kv) { /* the CPU counters are 0 with one tier */
    int64_t total = kv->hits + kv->misses + kv->cpu_hits + kv->cpu_misses;
    return total ? (double)(kv->hits + kv->cpu_hits) / (double)total : 0;
}

BLIS_DEF double blis_kv_thrashing_rate(const blis_kv_cache *kv) {
    return kv->offloads ? (double)kv->thrashing / (double)kv->offloads : 0;
}

BLIS_DEF blis_status blis_kv_tier_init(blis_kv_cache *kv, int64_t cpu_blocks, double threshold, double blocks_per_us,
                                       int64_t base_us, blis_err *err) {
    size_t n = (size_t)kv->total_blocks;
    if (cpu_blocks < 0)
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "--kv-cpu-blocks must be >= 0, got %lld", (long long)cpu_blocks);
    if (!(threshold >= 0 && threshold <= 1))
        return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                            "--kv-offload-threshold must be a finite value in [0, 1], got %f", threshold);
    if (cpu_blocks > 0 && !(blocks_per_us > 0 && blocks_per_us < HUGE_VAL))
        return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                            "--kv-transfer-bandwidth must be a finite value > 0 when --kv-cpu-blocks > 0, got %f",
                            blocks_per_us);
    if (base_us < 0)
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "--kv-transfer-base-latency must be >= 0, got %lld",
                            (long long)base_us);
    if (cpu_blocks == 0) return BLIS_OK;
    kv->cpu_present = (uint8_t *)blis__alloc(&kv->alloc, n);
    kv->cpu_hash = (uint64_t *)blis__alloc(&kv->alloc, n * sizeof(uint64_t));
    kv->cpu_offload_us = (int64_t *)blis__alloc(&kv->alloc, n * sizeof(int64_t));
    if (!kv->cpu_present || !kv->cpu_hash || !kv->cpu_offload_us) return blis__nomem(err);
    memset(kv->cpu_present, 0, n);
    kv->cpu_blocks = cpu_blocks;
    kv->offload_threshold = threshold;
    kv->transfer_blocks_per_us = blocks_per_us;
    kv->transfer_base_us = base_us;
    return BLIS_OK;
}

/* tryReloadFromCPU: CPU blocks in ascending id whose hash the GPU index
 * lacks, each into the popped free-list head, appended at the free tail. */
static int64_t blis__kv_reload(blis_kv_cache *kv) {
    int64_t id, n = 0;
    for (id = 0; id < kv->total_blocks && kv->cpu_used > 0; id++) { /* stops once the CPU tier is empty */
        int32_t g;
        blis_kv_block *b;
        if (!kv->cpu_present[id] || blis__kv_map_get(kv, kv->cpu_hash[id]) >= 0) continue;
        if ((g = blis__kv_pop_free(kv)) < 0) break;
        b = &kv->blocks[g];
        b->fill = (int32_t)kv->block_tokens;
        b->hash = kv->cpu_hash[id];
        b->has_hash = 1;
        b->ref_count = 0;
        b->in_use = 0;
        blis__kv_map_set(kv, b->hash, g);
        blis__kv_append_free(kv, g);
        kv->pending_latency_us +=
            kv->transfer_base_us + (int64_t)ceil((double)kv->block_tokens / kv->transfer_blocks_per_us);
        if (kv->clock_us - kv->cpu_offload_us[id] < 1000) kv->thrashing++;
        kv->cpu_present[id] = 0;
        kv->cpu_used--;
        kv->cpu_hits++;
        n++;
    }
    return n;
}

BLIS_DEF int blis_kv_allocate_tiered(blis_kv_cache *kv, blis_request *req, int64_t start, int64_t end,
                                     const int32_t *cached, int64_t n_cached, int32_t *scratch, blis_status *st) {
    int64_t n2;
    int ok = blis_kv_allocate(kv, req, start, end, cached, n_cached, st);
    if (ok || *st != BLIS_OK || kv->cpu_blocks == 0) return ok;
    if (blis__kv_reload(kv) == 0) {
        kv->cpu_misses++;
        return 0;
    }
    n2 = blis_kv_cached_blocks(kv, req, scratch, req->input_tokens / kv->block_tokens + 1);
    if (n2 * kv->block_tokens > start) return blis_kv_allocate(kv, req, n2 * kv->block_tokens, end, scratch, n2, st);
    return blis_kv_allocate(kv, req, start, end, cached, n_cached, st);
}

/* maybeOffload: while the GPU is fuller than the threshold and the CPU has
 * room, the first hashed free block (from the head) goes to the CPU and
 * comes back empty at the free tail. */
static void blis__kv_maybe_offload(blis_kv_cache *kv) {
    uint64_t p = kv->fhead, mask = (uint64_t)kv->fcap - 1;
    while ((double)kv->used_blocks / (double)kv->total_blocks > kv->offload_threshold &&
           kv->cpu_used < kv->cpu_blocks) {
        int32_t id, next;
        blis_kv_block *b;
        for (p = blis__kv_live_from(kv, p); p < kv->ftail && !kv->blocks[kv->fring[p & mask]].has_hash;)
            p = blis__kv_live_from(kv, p + 1);
        if (p >= kv->ftail) break;
        id = kv->fring[p & mask];
        b = &kv->blocks[id];
        p = blis__kv_live_from(kv, p + 1); /* the next entry, named by its block (appending may move it) */
        next = p < kv->ftail ? kv->fring[p & mask] : -1;
        if (!kv->cpu_present[id]) kv->cpu_used++;
        kv->cpu_present[id] = 1;
        kv->cpu_hash[id] = b->hash;
        kv->cpu_offload_us[id] = kv->clock_us;
        blis__kv_unlink(kv, id);
        blis__kv_map_del(kv, b->hash);
        b->has_hash = 0;
        b->hash = 0;
        b->fill = 0;
        blis__kv_append_free(kv, id);
        kv->offloads++;
        p = next >= 0 ? kv->blocks[next].fpos : kv->ftail;
    }
}

BLIS_DEF void blis_kv_release_tiered(blis_kv_cache *kv, blis_request *req) {
    blis_kv_release(kv, req);
    if (kv->cpu_blocks > 0) blis__kv_maybe_offload(kv);
}

BLIS_DEF int64_t blis_kv_consume_transfer_us(blis_kv_cache *kv) {
    int64_t v = kv->pending_latency_us;
    kv->pending_latency_us = 0;
    return v;
}

BLIS_DEF int blis_kv_check(const blis_kv_cache *kv) {
    int64_t i, in_use = 0, free_n = 0;
    uint64_t p, mask = (uint64_t)kv->fcap - 1;
    for (i = 0; i < kv->total_blocks; i++) {
        const blis_kv_block *bl = &kv->blocks[i];
        in_use += bl->in_use;
        if (bl->in_use != (bl->fpos == BLIS_KV_NOT_FREE)) return 2; /* free exactly when not in use */
        if (!bl->in_use && (bl->fpos < kv->fhead || bl->fpos >= kv->ftail || kv->fring[bl->fpos & mask] != (int32_t)i))
            return 2;
    }
    if (in_use != kv->used_blocks) return 1;
    if (kv->ftail - kv->fhead > (uint64_t)kv->fcap) return 3;
    for (p = kv->fhead; p < kv->ftail; p++) free_n += kv->blocks[kv->fring[p & mask]].fpos == p;
    if (free_n + in_use != kv->total_blocks) return 3;
    if (kv->cpu_blocks > 0) { /* the CPU tier holds at most its capacity */
        int64_t present = 0;
        for (i = 0; i < kv->total_blocks; i++) present += kv->cpu_present[i];
        if (present != kv->cpu_used || present > kv->cpu_blocks) return 4;
    }
    return 0;
}

/* ==== >>sched  implementation ====
 * Owns: the wait queue, priority policies, schedulers and vLLM batch
 * formation (spec §3.5, §3.7), with the reference's quirks kept on
 * purpose: the phase-1 loop walks a snapshot of the running batch; stale
 * NumNewTokens survive a break; decode does not check the budget; a fully
 * cached block-aligned prompt is scheduled with zero new tokens. Uses:
 * >>workload, >>kv. Used by: >>sim.
 * Invariants: a request is in exactly one of the wait queue or the running
 * batch while not completed (checked by blis_sim_check). */

BLIS_DEF int blis_priority_policy_parse(const char *name) {
    if (!strcmp(name, "constant")) return BLIS_PRIO_CONSTANT;
    if (!strcmp(name, "slo-based")) return BLIS_PRIO_SLO_BASED;
    if (!strcmp(name, "inverted-slo")) return BLIS_PRIO_INVERTED_SLO;
    return -1;
}

BLIS_DEF int blis_scheduler_parse(const char *name) {
    if (!strcmp(name, "fcfs")) return BLIS_SCHED_FCFS;
    if (!strcmp(name, "priority-fcfs")) return BLIS_SCHED_PRIORITY_FCFS;
    if (!strcmp(name, "sjf")) return BLIS_SCHED_SJF;
    if (!strcmp(name, "reverse-priority")) return BLIS_SCHED_REVERSE_PRIORITY;
    return -1;
}

/* The ring's capacity is a power of two (64 doubled), so indices wrap by mask. */
static blis_request *blis__wq_at(const blis_waitq *q, size_t i) { return q->ring[(q->head + i) & (q->cap - 1)]; }

static int blis__wq_reserve(blis_waitq *q) {
    size_t i, cap = q->cap;
    blis_request **old = q->ring, **nr;
    if (q->len < q->cap) return 0;
    cap = cap ? cap * 2 : 64;
    nr = (blis_request **)blis__alloc(&q->alloc, cap * sizeof *nr);
    if (!nr) return -1;
    for (i = 0; i < q->len; i++) nr[i] = old[(q->head + i) % q->cap];
    blis__free(&q->alloc, old);
    q->ring = nr;
    q->cap = cap;
    q->head = 0;
    return 0;
}

static int blis__wq_push_back(blis_waitq *q, blis_request *r) {
    if (blis__wq_reserve(q)) return -1;
    q->ring[(q->head + q->len++) & (q->cap - 1)] = r;
    return 0;
}

static int blis__wq_push_front(blis_waitq *q, blis_request *r) {
    if (blis__wq_reserve(q)) return -1;
    q->head = (q->head + q->cap - 1) & (q->cap - 1);
    q->ring[q->head] = r;
    q->len++;
    return 0;
}

static blis_request *blis__wq_pop_front(blis_waitq *q) {
    blis_request *r = q->ring[q->head];
    q->head = (q->head + 1) & (q->cap - 1);
    q->len--;
    return r;
}

/* The IDs "request_<n>" compare as strings: the decimal digits of the
 * indices, lexicographically ("request_10" < "request_9"). */
static size_t blis__dec_digits(int64_t v, char *out) { /* v >= 0; most significant first */
    char tmp[24];
    size_t n = 0, i;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    for (i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return n;
}

static int blis__id_cmp(const blis_request *a, const blis_request *b) {
    char x[24], y[24];
    size_t nx, ny, i;
    if (a->index == b->index) return 0;
    nx = blis__dec_digits(a->index, x);
    ny = blis__dec_digits(b->index, y);
    for (i = 0; i < nx && i < ny; i++)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return nx < ny ? -1 : nx > ny ? 1 : 0;
}

/* The schedulers' orders; 0 when equal (the sort is stable). */
static int blis__sched_cmp(blis_scheduler_kind k, const blis_request *a, const blis_request *b) {
    switch (k) {
    case BLIS_SCHED_PRIORITY_FCFS:
        if (a->priority != b->priority) return a->priority > b->priority ? -1 : 1;
        break;
    case BLIS_SCHED_REVERSE_PRIORITY:
        if (a->priority != b->priority) return a->priority < b->priority ? -1 : 1;
        break;
    case BLIS_SCHED_SJF:
        if (a->input_tokens != b->input_tokens) return a->input_tokens < b->input_tokens ? -1 : 1;
        break;
    case BLIS_SCHED_FCFS: return 0;
    }
    if (a->arrival_us != b->arrival_us) return a->arrival_us < b->arrival_us ? -1 : 1;
    return blis__id_cmp(a, b);
}

/* Stable merge sort of the wait queue (the ring is linearised first). */
static int blis__wq_sort(blis_waitq *q, blis_scheduler_kind k) {
    size_t n = q->len, width, i;
    blis_request **a, **b;
    if (k == BLIS_SCHED_FCFS || n < 2) return 0;
    for (i = 1; i < n && blis__sched_cmp(k, blis__wq_at(q, i), blis__wq_at(q, i - 1)) >= 0; i++) {
    }
    if (i == n) return 0; /* already in order: a stable sort would leave it as it is */
    if (blis__grow(&q->alloc, (void **)&q->scratch, &q->scratch_cap, 2 * n, sizeof *q->scratch)) return -1;
    a = q->scratch;
    b = q->scratch + n;
    for (i = 0; i < n; i++) a[i] = blis__wq_at(q, i);
    for (width = 1; width < n; width *= 2) {
        for (i = 0; i < n; i += 2 * width) {
            size_t lo = i, mid = i + width < n ? i + width : n, hi = i + 2 * width < n ? i + 2 * width : n;
            size_t x = lo, y = mid, o = lo;
            while (x < mid && y < hi) b[o++] = blis__sched_cmp(k, a[y], a[x]) < 0 ? a[y++] : a[x++];
            while (x < mid) b[o++] = a[x++];
            while (y < hi) b[o++] = a[y++];
        }
        {
            blis_request **t = a;
            a = b;
            b = t;
        }
    }
    for (i = 0; i < n; i++) q->ring[(q->head + i) % q->cap] = a[i];
    return 0;
}

/* ---- a u64 -> i32 map (linear probing, backward-shift deletion) ---- */

static uint64_t blis__map_key(uint64_t k) { return k ? k : 0x9E3779B97F4A7C15ull; }

static size_t blis__map_slot(const blis__u64map *m, uint64_t k) {
    size_t i = (size_t)(blis__mix64(k) & (m->cap - 1));
    while (m->keys[i] && m->keys[i] != k) i = (i + 1) & (m->cap - 1);
    return i;
}

static const int32_t *blis__map_get(const blis__u64map *m, uint64_t k) {
    size_t i;
    if (!m->cap) return NULL;
    k = blis__map_key(k);
    i = blis__map_slot(m, k);
    return m->keys[i] ? &m->vals[i] : NULL;
}

static int blis__map_put(const blis_alloc *a, blis__u64map *m, uint64_t k, int32_t v) {
    size_t i;
    k = blis__map_key(k);
    if (2 * (m->len + 1) > m->cap) { /* grow to keep the load under 1/2 */
        blis__u64map g;
        size_t j;
        g.cap = m->cap ? 2 * m->cap : 64;
        g.len = m->len;
        g.keys = (uint64_t *)blis__alloc(a, g.cap * sizeof *g.keys);
        g.vals = (int32_t *)blis__alloc(a, g.cap * sizeof *g.vals);
        if (!g.keys || !g.vals) {
            blis__free(a, g.keys);
            blis__free(a, g.vals);
            return -1;
        }
        memset(g.keys, 0, g.cap * sizeof *g.keys);
        memset(g.vals, 0, g.cap * sizeof *g.vals);
        for (j = 0; j < m->cap; j++)
            if (m->keys[j]) {
                size_t s = blis__map_slot(&g, m->keys[j]);
                g.keys[s] = m->keys[j];
                g.vals[s] = m->vals[j];
            }
        blis__free(a, m->keys);
        blis__free(a, m->vals);
        *m = g;
    }
    i = blis__map_slot(m, k);
    if (!m->keys[i]) m->len++;
    m->keys[i] = k;
    m->vals[i] = v;
    return 0;
}

static void blis__map_del(blis__u64map *m, uint64_t k) {
    size_t i, j;
    if (!m->cap) return;
    k = blis__map_key(k);
    i = blis__map_slot(m, k);
    if (!m->keys[i]) return;
    m->keys[i] = 0;
    m->len--;
    for (j = (i + 1) & (m->cap - 1); m->keys[j]; j = (j + 1) & (m->cap - 1)) { /* shift the run back */
        size_t home = (size_t)(blis__mix64(m->keys[j]) & (m->cap - 1));
        int between = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (between) continue;
        m->keys[i] = m->keys[j];
        m->vals[i] = m->vals[j];
        m->keys[j] = 0;
        i = j;
    }
}

static void blis__map_free(const blis_alloc *a, blis__u64map *m) {
    blis__free(a, m->keys);
    blis__free(a, m->vals);
    memset(m, 0, sizeof *m);
}

/* ==== >>sim  implementation ====
 * Owns: blis_sim (the instance), its event loop and the step (spec §3.3,
 * §3.4, §3.8); the arrival path follows the cluster path's event order for
 * one instance (arrival, admission, routing at equal times, then the
 * instance events), as the reference CLI runs every simulation. Uses:
 * every section above. Used by: >>cluster, >>metrics, the tools.
 * Invariants (blis_sim_check): every generated request is queued, running,
 * completed or dropped; KV blocks are conserved; a request's first token
 * comes after its arrival; growth only in blis__sim_grow_* helpers.
 * Memory: with a lag source (blis_sim_set_lag_source) a never-scheduled
 * waiting request is its index (a bit and runs of indices), generated again
 * when it reaches the head; with streaming metrics the timings are
 * histograms. A run then holds the requests in flight and O(1) more. */

BLIS_DEF blis_status blis_latency_model_validate(const blis_latency_model *lm, blis_err *err) {
    int i;
    for (i = 0; i < 3; i++) {
        if (lm->alpha[i] != lm->alpha[i])
            return blis_err_set(err, BLIS_E_INVALID, 0, 0, "latency model: AlphaCoeffs[%d] is NaN", i);
        if (lm->alpha[i] - lm->alpha[i] != 0)
            return blis_err_set(err, BLIS_E_INVALID, 0, 0, "latency model: AlphaCoeffs[%d] is Inf", i);
        if (lm->kind != BLIS_LATENCY_BLACKBOX) continue;
        if (lm->beta[i] != lm->beta[i])
            return blis_err_set(err, BLIS_E_INVALID, 0, 0, "latency model: BetaCoeffs[%d] is NaN", i);
        if (lm->beta[i] - lm->beta[i] != 0)
            return blis_err_set(err, BLIS_E_INVALID, 0, 0, "latency model: BetaCoeffs[%d] is Inf", i);
    }
    if (lm->kind != BLIS_LATENCY_BLACKBOX) {
        if (lm->tp <= 0)
            return blis_err_set(err, BLIS_E_INVALID, 0, 0, "latency model: roofline requires TP > 0, got %d", lm->tp);
        if (!lm->model || !lm->hw || (lm->kind == BLIS_LATENCY_ROOFLINE_V2 && !lm->mfu))
            return blis_err_set(err, BLIS_E_INVALID, 0, 0, "latency model: roofline needs a model, hardware%s",
                                lm->kind == BLIS_LATENCY_ROOFLINE_V2 ? " and an MFU database" : "");
        if (blis_model_needs_arch(lm->model) && (lm->kind == BLIS_LATENCY_ROOFLINE_V2 || !(lm->v1_ext & BLIS_V1X_ARCH)))
            return blis_err_set(err, BLIS_E_UNSUPPORTED, 0, 0,
                                "model_type %s%s is modelled only by roofline v1 with the arch extension (the "
                                "default; --roofline-ext with arch, no --bench-data-path): %s would cost another "
                                "architecture",
                                lm->model->model_type,
                                lm->model->window_layers > 0 ? " with sliding-window layers" : "",
                                lm->kind == BLIS_LATENCY_ROOFLINE_V2 ? "roofline v2" : "the reference's v1");
    }
    return BLIS_OK;
}

/* Adds count copies of v (clamped at 0) to the multiset; rehashes at half
 * load. AllITLs and the other timings are kept this way (sorted only when
 * the metrics are read). */
/* The sketch's bucket of v >= 0, and a bucket's midpoint. */
static size_t blis__sk_bucket(int64_t v) {
    uint64_t u = (uint64_t)v;
    unsigned e = 11;
    if (u < 2048) return (size_t)u;
    while (e < 63 && (u >> (e + 1)) != 0) e++; /* 2^e <= u < 2^(e+1) */
    return 2048 + (size_t)(e - 11) * 1024 + (size_t)((u >> (e - 10)) - 1024);
}
static double blis__sk_value(size_t bucket) {
    size_t e, sub;
    double width;
    if (bucket < 2048) return (double)bucket;
    e = 11 + (bucket - 2048) / 1024;
    sub = 1024 + (bucket - 2048) % 1024;
    width = ldexp(1.0, (int)(e - 10));
    return (double)sub * width + (width - 1) / 2;
}

/* Buckets 0..n-1 in use (new ones at 0); -1 out of memory. */
static int blis__sketch_span(const blis_alloc *a, blis_counts *c, size_t n) {
    size_t cap = c->cap;
    if (n > c->cap) {
        if (blis__grow(a, (void **)&c->counts, &cap, n, sizeof(int64_t))) return -1;
        memset(c->counts + c->cap, 0, (cap - c->cap) * sizeof(int64_t));
        c->cap = cap;
    }
    if (n > c->len) c->len = n;
    return 0;
}

static blis_status blis__sketch_add(const blis_alloc *a, blis_counts *c, int64_t v, int64_t count) {
    size_t k = blis__sk_bucket(v);
    if (blis__sketch_span(a, c, k + 1)) return BLIS_E_NOMEM;
    c->counts[k] += count;
    c->total += count;
    c->sum_us += (double)v * (double)count;
    return BLIS_OK;
}

static blis_status blis__counts_add(const blis_alloc *a, blis_counts *c, int64_t v, int64_t count) {
    size_t i;
    if (c->sketch) return blis__sketch_add(a, c, v < 0 ? 0 : v, count);
    if (2 * (c->len + 1) > c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 1024, k;
        int64_t *nv = (int64_t *)blis__alloc(a, cap * sizeof(int64_t)),
                *nc = (int64_t *)blis__alloc(a, cap * sizeof(int64_t));
        if (!nv || !nc) {
            blis__free(a, nv);
            blis__free(a, nc);
            return BLIS_E_NOMEM;
        }
        for (k = 0; k < cap; k++) nv[k] = -1;
        for (k = 0; k < c->cap; k++) {
            if (c->values[k] < 0) continue;
            for (i = (size_t)blis__mix64((uint64_t)c->values[k]) & (cap - 1); nv[i] >= 0; i = (i + 1) & (cap - 1)) {
            }
            nv[i] = c->values[k];
            nc[i] = c->counts[k];
        }
        blis__free(a, c->values);
        blis__free(a, c->counts);
        c->values = nv;
        c->counts = nc;
        c->cap = cap;
    }
    if (v < 0) v = 0; /* timings are never negative in a valid run */
    c->total += count;
    for (i = (size_t)blis__mix64((uint64_t)v) & (c->cap - 1); c->values[i] >= 0; i = (i + 1) & (c->cap - 1))
        if (c->values[i] == v) {
            c->counts[i] += count;
            return BLIS_OK;
        }
    c->values[i] = v;
    c->counts[i] = count;
    c->len++;
    return BLIS_OK;
}

/* Takes one copy of v (clamped at 0) out of the multiset, which holds it;
 * an entry at count 0 stays. */
static void blis__counts_sub(blis_counts *c, int64_t v) {
    size_t i;
    if (v < 0) v = 0;
    if (c->sketch) {
        size_t k = blis__sk_bucket(v);
        if (k < c->len && c->counts[k] > 0) {
            c->counts[k]--;
            c->total--;
            c->sum_us -= (double)v;
        }
        return;
    }
    for (i = (size_t)blis__mix64((uint64_t)v) & (c->cap - 1); c->values[i] >= 0; i = (i + 1) & (c->cap - 1))
        if (c->values[i] == v) {
            c->counts[i]--;
            c->total--;
            return;
        }
}

static void blis__counts_sub_fn(void *c, int64_t v) { blis__counts_sub((blis_counts *)c, v); }

static void blis__counts_free(const blis_alloc *a, blis_counts *c) {
    int sketch = c->sketch;
    blis__free(a, c->values);
    blis__free(a, c->counts);
    memset(c, 0, sizeof *c);
    c->sketch = sketch;
}

/* r is among s->requests (the live requests, freed with the sim). */
static int blis__sim_is_live(const blis_sim *s, const blis_request *r) {
    return r->live_slot < s->request_count && s->requests[r->live_slot] == r;
}

/* Without keep_requests, a request that has left is freed (its slot in
 * s->requests taken by the last one). */
static void blis__sim_release(blis_sim *s, blis_request *r) {
    size_t slot = r->live_slot;
    if (s->cfg.keep_requests || slot >= s->request_count || s->requests[slot] != r) return;
    s->requests[slot] = s->requests[--s->request_count];
    s->requests[slot]->live_slot = slot;
    blis_request_free(&s->alloc, r);
    blis__free(&s->alloc, r);
}

/* ---- compact waiting requests (blis_sim_set_lag_source) ---- */

static size_t blis__wq_count(const blis_waitq *q) { return q->len + (size_t)q->vlen; }

static int blis__bits_get(const uint8_t *bits, size_t bytes, int64_t i) {
    size_t k = (size_t)(i >> 3);
    return k < bytes && ((bits[k] >> (i & 7)) & 1);
}

static int blis__bits_set(const blis_alloc *a, uint8_t **bits, size_t *bytes, int64_t i, int on) {
    size_t k = (size_t)(i >> 3), cap = *bytes;
    if (k >= cap) {
        if (!on) return 0;
        if (blis__grow(a, (void **)bits, &cap, k + 1, 1)) return -1;
        memset(*bits + *bytes, 0, cap - *bytes);
        *bytes = cap;
    }
    if (on)
        (*bits)[k] = (uint8_t)((*bits)[k] | (1u << (i & 7)));
    else
        (*bits)[k] = (uint8_t)((*bits)[k] & ~(1u << (i & 7)));
    return 0;
}
static int blis__bit_get(const blis_sim *s, int64_t i) { return blis__bits_get(s->compact_bits, s->compact_bytes, i); }
static int blis__bit_set(blis_sim *s, int64_t i, int on) {
    return blis__bits_set(&s->alloc, &s->compact_bits, &s->compact_bytes, i, on);
}

static int blis__wq_vput(blis_waitq *q, unsigned v) {
    if (q->vb_len == q->vb_cap) { /* the ring doubled, linearised */
        size_t cap = q->vb_cap ? 2 * q->vb_cap : 4096, k;
        uint8_t *nb = (uint8_t *)blis__alloc(&q->alloc, cap);
        if (!nb) return -1;
        for (k = 0; k < q->vb_len; k++) nb[k] = q->vbytes[(q->vb_head + k) & (q->vb_cap - 1)];
        blis__free(&q->alloc, q->vbytes);
        q->vbytes = nb;
        q->vb_cap = cap;
        q->vb_head = 0;
    }
    q->vbytes[(q->vb_head + q->vb_len++) & (q->vb_cap - 1)] = (uint8_t)v;
    return 0;
}

static unsigned blis__wq_vget(blis_waitq *q) {
    unsigned v = q->vbytes[q->vb_head];
    q->vb_head = (q->vb_head + 1) & (q->vb_cap - 1);
    q->vb_len--;
    return v;
}

/* Appends index to the queue's held indices. */
static int blis__wq_vpush(blis_waitq *q, int64_t index) {
    int64_t d;
    int k;
    if (q->vlen == 0) q->v_base = q->v_last = index;
    d = index - q->v_last;
    if (d >= -127 && d <= 127) {
        if (blis__wq_vput(q, (unsigned)(d + 128))) return -1;
    } else {
        if (blis__wq_vput(q, 0)) return -1;
        for (k = 0; k < 8; k++)
            if (blis__wq_vput(q, (unsigned)(((uint64_t)index >> (8 * k)) & 0xFF))) return -1;
    }
    q->v_last = index;
    q->vlen++;
    return 0;
}

static int64_t blis__wq_vpop(blis_waitq *q) {
    unsigned v = blis__wq_vget(q);
    int64_t index;
    if (v == 0) {
        uint64_t u = 0;
        int k;
        for (k = 0; k < 8; k++) u |= (uint64_t)blis__wq_vget(q) << (8 * k);
        index = (int64_t)u;
    } else {
        index = q->v_base + (int64_t)v - 128;
    }
    q->v_base = index;
    q->vlen--;
    return index;
}

static int blis__side_put(blis_sim *s, blis_request *r) {
    if (blis__grow(&s->alloc, (void **)&s->side, &s->side_cap, s->side_len + 1, sizeof *s->side) ||
        blis__map_put(&s->alloc, &s->side_index, (uint64_t)r->index + 1, (int32_t)s->side_len))
        return -1;
    s->side[s->side_len++] = r;
    return 0;
}

static blis_request *blis__side_take(blis_sim *s, int64_t index) {
    const int32_t *at = blis__map_get(&s->side_index, (uint64_t)index + 1);
    int32_t slot;
    blis_request *r;
    if (!at) return NULL;
    slot = *at;
    r = s->side[slot];
    blis__map_del(&s->side_index, (uint64_t)index + 1);
    s->side[slot] = s->side[--s->side_len];
    if ((size_t)slot < s->side_len) /* the last one moved into the slot: its entry updated in place */
        (void)blis__map_put(&s->alloc, &s->side_index, (uint64_t)s->side[slot]->index + 1, slot);
    return r;
}

static int blis__sim_register(blis_sim *s, blis_request *r) {
    if (blis__grow(&s->alloc, (void **)&s->requests, &s->request_cap, s->request_count + 1, sizeof *s->requests))
        return -1;
    r->live_slot = s->request_count;
    s->requests[s->request_count++] = r;
    return 0;
}

/* The queue's head as a request (waitq.len > 0 after, when the queue is
 * not empty): an index at the head is generated again from the lag source
 * (requests it passes that wait further back are held aside). */
static blis_status blis__wq_fill_head(blis_sim *s, blis_err *err) {
    blis_waitq *q = &s->waitq;
    blis_request *r;
    int64_t j;
    if (q->len > 0 || q->vlen == 0) return BLIS_OK;
    j = blis__wq_vpop(q);
    r = blis__side_take(s, j);
    while (!r) {
        blis_request *g = (blis_request *)blis__alloc(&s->alloc, sizeof *g);
        int has = 0;
        blis_status st;
        if (!g) return blis__nomem(err);
        if ((st = s->lag.next(s->lag.user, g, &has, err)) != BLIS_OK || !has || g->index > j) {
            if (has) blis_request_free(&s->alloc, g);
            blis__free(&s->alloc, g);
            if (st) return st;
            blis_err_clear(err, NULL);
            return blis_err_set(err, BLIS_E_INTERNAL, 0, 0, "the lag source did not give request %lld again",
                                (long long)j);
        }
        g->live_slot = (size_t)-1;
        s->lag_next = g->index + 1;
        if (g->index == j) {
            r = g;
        } else if (blis__bit_get(s, g->index)) { /* waits further back: held aside */
            (void)blis__bit_set(s, g->index, 0);
            s->held_aside++;
            if (blis__side_put(s, g)) {
                blis_request_free(&s->alloc, g);
                blis__free(&s->alloc, g);
                return blis__nomem(err);
            }
        } else if (s->lead_bare && !blis__bits_get(s->arrived_bits, s->arrived_bytes, g->index)) {
            if (blis__side_put(s, g)) { /* in transit, bare: this copy will replace it */
                blis_request_free(&s->alloc, g);
                blis__free(&s->alloc, g);
                return blis__nomem(err);
            }
        } else { /* dropped, or still in transit (it will come whole) */
            blis_request_free(&s->alloc, g);
            blis__free(&s->alloc, g);
        }
    }
    (void)blis__bit_set(s, j, 0);
    if (!blis__sim_is_live(s, r)) {
        r->instance = s->lazy_instance;
        r->injected = 1;
        if (blis__sim_register(s, r)) {
            blis_request_free(&s->alloc, r);
            blis__free(&s->alloc, r);
            return blis__nomem(err);
        }
    }
    if (blis__wq_push_back(q, r)) return blis__nomem(err);
    return BLIS_OK;
}

/* What compact waiting requests need of an instance's configuration. */
static int blis__lag_allowed(const blis_sim_config *cfg) {
    return cfg->scheduler == BLIS_SCHED_FCFS && cfg->request_timeout_us <= 0 && !cfg->keep_requests;
}

BLIS_DEF int blis_sim_set_lag_source(blis_sim *s, blis_request_source lag, int32_t instance, int bare_arrivals) {
    if (!lag.next || !blis__lag_allowed(&s->cfg) || s->step_count > 0 || blis__wq_count(&s->waitq) > 0) return 0;
    s->lag = lag;
    s->lazy = 1;
    s->lazy_instance = instance;
    s->lead_bare = bare_arrivals != 0;
    return 1;
}

BLIS_DEF void blis_sim_config_defaults(blis_sim_config *c) {
    memset(c, 0, sizeof *c);
    c->total_kv_blocks = 1000000;
    c->block_tokens = 16;
    c->max_running = 256;
    c->max_scheduled_tokens = 2048;
    c->horizon_us = INT64_MAX;
    c->latency.kind = BLIS_LATENCY_BLACKBOX;
    c->keep_requests = 1;
    c->kv_offload_threshold = 0.9;
    c->kv_transfer_bandwidth = 100.0;
}

static blis_status blis__sim_validate(const blis_sim_config *c, blis_err *err) {
    if (c->total_kv_blocks <= 0)
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "--total-kv-blocks must be > 0, got %lld",
                            (long long)c->total_kv_blocks);
    if (c->block_tokens <= 0)
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "--block-size-in-tokens must be > 0, got %lld",
                            (long long)c->block_tokens);
    if (c->max_running <= 0)
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "--max-num-running-reqs must be > 0, got %lld",
                            (long long)c->max_running);
    if (c->max_scheduled_tokens <= 0)
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "--max-num-scheduled-tokens must be > 0, got %lld",
                            (long long)c->max_scheduled_tokens);
    if (c->long_prefill_threshold < 0)
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "--long-prefill-token-threshold must be >= 0, got %lld",
                            (long long)c->long_prefill_threshold);
    if (c->request_timeout_us < 0)
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "request timeout must be >= 0 us, got %lld",
                            (long long)c->request_timeout_us);
    if (c->horizon_us < 0)
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "--horizon must be >= 0, got %lld", (long long)c->horizon_us);
    return blis_latency_model_validate(&c->latency, err);
}

/* The one place the step's scratch arrays grow (before the step runs). */
static blis_status blis__sim_reserve(blis_sim *s, size_t reqs, size_t cached, blis_err *err) {
    if (blis__grow(&s->alloc, (void **)&s->scratch_reqs, &s->scratch_cap, 4 * reqs + 4, sizeof(blis_request *)) ||
        blis__grow(&s->alloc, (void **)&s->cached_ids, &s->cached_cap, cached + 1, sizeof(int32_t)) ||
        blis__grow(&s->alloc, (void **)&s->step_reqs, &s->step_reqs_cap, reqs + 1, sizeof(blis_step_req)) ||
        blis__grow(&s->alloc, (void **)&s->running, &s->running_cap, reqs + 1, sizeof(blis_request *)))
        return blis__nomem(err);
    return BLIS_OK;
}

static blis_status blis__sim_fetch(blis_sim *s, blis_err *err) {
    blis_request *r;
    int has = 0;
    blis_status st;
    if (s->source_done || s->next_arrival) return BLIS_OK;
    if (!s->source.next) { /* driven by a cluster (blis_sim_inject) */
        s->source_done = 1;
        return BLIS_OK;
    }
    r = (blis_request *)blis__alloc(&s->alloc, sizeof *r);
    if (!r) return blis__nomem(err);
    if ((st = s->source.next(s->source.user, r, &has, err)) != BLIS_OK || !has) {
        blis__free(&s->alloc, r);
        s->source_done = 1;
        return st;
    }
    if (blis__grow(&s->alloc, (void **)&s->requests, &s->request_cap, s->request_count + 1, sizeof *s->requests)) {
        blis_request_free(&s->alloc, r);
        blis__free(&s->alloc, r);
        return blis__nomem(err);
    }
    r->live_slot = s->request_count;
    s->requests[s->request_count++] = r;
    s->generated++;
    s->next_arrival = r;
    return BLIS_OK;
}

BLIS_DEF blis_status blis_sim_init(blis_sim *s, const blis_sim_config *cfg, blis_request_source source,
                                   const blis_alloc *alloc, blis_err *err) {
    blis_status st;
    memset(s, 0, sizeof *s);
    if (alloc) s->alloc = *alloc;
    if ((st = blis__sim_validate(cfg, err))) return st;
    s->cfg = *cfg;
    s->source = source;
    s->itl.sketch = s->ttft_done.sketch = s->sched_done.sketch = s->e2e_done.sketch = cfg->streaming_metrics != 0;
    blis_evq_init(&s->events, &s->alloc);
    s->waitq.alloc = s->alloc;
    if ((st = blis_kv_init(&s->kv, cfg->total_kv_blocks, cfg->block_tokens, &s->alloc, err))) return st;
    if ((st = blis_kv_tier_init(&s->kv, cfg->kv_cpu_blocks, cfg->kv_offload_threshold, cfg->kv_transfer_bandwidth,
                                cfg->kv_transfer_base_latency_us, err))) {
        blis_sim_destroy(s);
        return st;
    }
    if ((st = blis__sim_reserve(s, 256, 64, err))) {
        blis_sim_destroy(s);
        return st;
    }
    if ((st = blis__sim_fetch(s, err))) blis_sim_destroy(s);
    return st;
}

BLIS_DEF void blis_sim_destroy(blis_sim *s) {
    size_t i;
    for (i = 0; i < s->request_count; i++) {
        blis_request_free(&s->alloc, s->requests[i]);
        blis__free(&s->alloc, s->requests[i]);
    }
    blis__free(&s->alloc, s->requests);
    blis__free(&s->alloc, s->running);
    blis__free(&s->alloc, s->scratch_reqs);
    blis__free(&s->alloc, s->cached_ids);
    blis__free(&s->alloc, s->reload_ids);
    blis__free(&s->alloc, s->step_reqs);
    for (i = 0; i < s->side_len; i++) /* held out of order, not among the live requests */
        if (!blis__sim_is_live(s, s->side[i])) {
            blis_request_free(&s->alloc, s->side[i]);
            blis__free(&s->alloc, s->side[i]);
        }
    blis__free(&s->alloc, s->side);
    blis__map_free(&s->alloc, &s->side_index);
    blis__free(&s->alloc, s->compact_bits);
    blis__free(&s->alloc, s->arrived_bits);
    blis__free(&s->alloc, s->waitq.vbytes);
    blis__free(&s->alloc, s->waitq.ring);
    blis__free(&s->alloc, s->waitq.scratch);
    blis__counts_free(&s->alloc, &s->itl);
    blis__free(&s->alloc, s->itl_log);
    blis__counts_free(&s->alloc, &s->ttft_done);
    blis__counts_free(&s->alloc, &s->sched_done);
    blis__counts_free(&s->alloc, &s->e2e_done);
    blis__free(&s->alloc, s->e2e_us);
    blis_evq_free(&s->events);
    blis_kv_free(&s->kv);
    memset(s, 0, sizeof *s);
}

/* ---- the step ---- */

typedef struct blis__batch {
    size_t n_preempted, n_scheduled;
    blis_request **preempted, **scheduled, **snapshot;
    int preemption_happened;
} blis__batch;

static void blis__running_remove_last(blis_sim *s) { s->running_len--; }

/* KVCache.AllocateKVBlocks: the GPU alone, or the tiered cache. */
static int blis__sim_alloc(blis_sim *s, blis_request *r, int64_t start, int64_t end, const int32_t *cached,
                           int64_t n_cached, blis_status *st) {
    *st = BLIS_OK;
    if (s->kv.cpu_blocks == 0) return blis_kv_allocate(&s->kv, r, start, end, cached, n_cached, st);
    if (blis__grow(&s->alloc, (void **)&s->reload_ids, &s->reload_cap,
                   (size_t)(r->input_tokens / s->kv.block_tokens + 1), sizeof(int32_t))) {
        *st = BLIS_E_NOMEM;
        return 0;
    }
    return blis_kv_allocate_tiered(&s->kv, r, start, end, cached, n_cached, s->reload_ids, st);
}

/* preemptForTokens: allocate, else evict the running tail until it fits. */
static int blis__preempt_for(blis_sim *s, blis__batch *b, blis_request *req, int64_t n, blis_status *st) {
    for (;;) {
        blis_request *victim;
        if (blis__sim_alloc(s, req, req->progress_tokens, req->progress_tokens + n, NULL, 0, st)) return 1;
        if (*st != BLIS_OK || s->running_len == 0) return 0;
        b->preemption_happened = 1;
        victim = s->running[s->running_len - 1];
        blis__running_remove_last(s);
        b->preempted[b->n_preempted++] = victim;
        victim->state = BLIS_REQ_QUEUED;
        victim->progress_tokens = 0;
        blis_kv_release_tiered(&s->kv, victim);
        victim->computed_tokens = -1;
        if (blis__wq_push_front(&s->waitq, victim)) {
            *st = BLIS_E_NOMEM;
            return 0;
        }
        if (victim == req) return 0;
    }
}

static void blis__computed_add(blis_request *r, int64_t n) {
    r->computed_tokens = (r->computed_tokens < 0 ? 0 : r->computed_tokens) + n;
}

/* Phase 1: the running requests, over a snapshot of the batch. Each
 * decode token reads the request and its tail block: both are fetched a
 * few requests ahead (with several instances they miss the cache). */
static blis_status blis__form_running(blis_sim *s, blis__batch *b, int64_t *budget) {
    size_t i, n_snap = s->running_len;
    blis_status st = BLIS_OK;
    memcpy(b->snapshot, s->running, n_snap * sizeof *b->snapshot);
    for (i = 0; i < n_snap; i++) {
        blis_request *req = b->snapshot[i];
        int64_t n = req->input_tokens - req->progress_tokens;
        if (i + 20 < n_snap) {
            BLIS__PREFETCH(b->snapshot[i + 20]); /* the hot 128 bytes, unaligned: 3 lines */
            BLIS__PREFETCH((const char *)b->snapshot[i + 20] + 64);
            BLIS__PREFETCH((const char *)b->snapshot[i + 20] + 127);
        }
        if (i + 12 < n_snap && b->snapshot[i + 12]->kv_count > 0) {
            const blis_request *r8 = b->snapshot[i + 12];
            BLIS__PREFETCH(&s->kv.blocks[r8->kv_tail]);
            if (r8->kv_count <= r8->block_hash_count) BLIS__PREFETCH(&r8->block_hashes[r8->kv_count - 1]);
        }
        if (i + 10 < n_snap) { /* a tail block about to fill: its hash's slot in the prefix index */
            const blis_request *r2 = b->snapshot[i + 10];
            if (r2->kv_count > 0 && r2->kv_count <= r2->block_hash_count &&
                s->kv.blocks[r2->kv_tail].fill == s->kv.block_tokens - 1) {
                size_t slot = blis__kv_slot(&s->kv, r2->block_hashes[r2->kv_count - 1]);
                BLIS__PREFETCH(&s->kv.map[slot]);
            }
        }
        if (s->kv_waiting_free && req->state != BLIS_REQ_RUNNING) continue; /* evicted: waits without blocks */
        if (*budget <= 0) break;                                            /* "token budget exhausted" */
        if (n > 0) {
            if (s->cfg.long_prefill_threshold > 0 && s->cfg.long_prefill_threshold < n)
                n = s->cfg.long_prefill_threshold;
            if (n > *budget) n = *budget;
            if (!blis__preempt_for(s, b, req, n, &st)) break;
            *budget -= n;
            req->new_tokens = n;
            blis__computed_add(req, n);
        }
        if (req->progress_tokens >= req->input_tokens && req->output_tokens > 0) {
            /* a decode token: into the partial last block at once (what allocation does first), else
             * allocate, preempting as needed */
            if (!blis__kv_decode_fast(&s->kv, req) && !blis__preempt_for(s, b, req, 1, &st)) break;
            *budget -= 1;
            req->new_tokens = 1;
            blis__computed_add(req, 1);
        }
    }
    return st;
}

/* Phase 2: admit from the wait queue. */
static blis_status blis__form_admit(blis_sim *s, blis__batch *b, int64_t budget, blis_err *err) {
    blis_status st = BLIS_OK;
    while ((int64_t)s->running_len < s->cfg.max_running && blis__wq_count(&s->waitq) > 0 && budget > 0 &&
           !b->preemption_happened) {
        blis_request *next;
        int64_t B = s->kv.block_tokens, n_cached, n, start;
        if ((st = blis__wq_fill_head(s, err))) return st;
        next = blis__wq_at(&s->waitq, 0);
        if (blis__grow(&s->alloc, (void **)&s->cached_ids, &s->cached_cap, (size_t)(next->input_tokens / B + 1),
                       sizeof(int32_t)))
            return blis__nomem(err);
        n_cached = blis_kv_cached_blocks(&s->kv, next, s->cached_ids, next->input_tokens / B + 1);
        n = next->input_tokens - n_cached * B;
        if (s->cfg.long_prefill_threshold > 0 && s->cfg.long_prefill_threshold < n) n = s->cfg.long_prefill_threshold;
        if (n > budget) n = budget;
        start = n_cached * B;
        if (!blis__sim_alloc(s, next, start, start + n, s->cached_ids, n_cached, &st)) {
            if (st) blis__nomem(err);
            break;
        }
        (void)blis__wq_pop_front(&s->waitq);
        s->running[s->running_len++] = next;
        next->scheduled_step = s->step_count;
        b->scheduled[b->n_scheduled++] = next;
        budget -= n;
        next->state = BLIS_REQ_RUNNING;
        next->new_tokens = n;
        next->computed_tokens = n + n_cached * B;
    }
    return st;
}

static double blis__priority(const blis_sim *s, const blis_request *r, int64_t now) {
    switch (s->cfg.priority) {
    case BLIS_PRIO_SLO_BASED: return 0 + 1e-6 * (double)(now - r->arrival_us);
    case BLIS_PRIO_INVERTED_SLO: return 0 - 1e-6 * (double)(now - r->arrival_us);
    case BLIS_PRIO_CONSTANT: break;
    }
    return 0;
}

/* StepTime of the running batch (spec §4.2-§4.4). */
static blis_status blis__step_time(blis_sim *s, int64_t *out, blis_err *err) {
    const blis_latency_model *lm = &s->cfg.latency;
    size_t i, np = 0, nd = 0, n = s->running_len;
    blis_step_batch batch;
    blis_step_breakdown bd;
    blis_status st;
    if (lm->kind == BLIS_LATENCY_BLACKBOX) {
        double miss = 0, dec = 0, t;
        for (i = 0; i < n; i++) {
            const blis_request *r = s->running[i];
            if (r->progress_tokens < r->input_tokens)
                miss += (double)r->new_tokens;
            else if (r->output_tokens > 0)
                dec += (double)r->new_tokens;
        }
        t = lm->beta[0] + lm->beta[1] * miss + lm->beta[2] * dec;
        if (!(t > -9.0e18 && t < 9.0e18)) return blis_err_set(err, BLIS_E_RANGE, 0, 0, "step time out of range");
        *out = (int64_t)t;
        return BLIS_OK;
    }
    for (i = 0; i < n; i++) { /* prefill entries first, then decode entries, in batch order */
        const blis_request *r = s->running[i];
        if (r->progress_tokens < r->input_tokens) {
            s->step_reqs[np].progress_tokens = r->progress_tokens;
            s->step_reqs[np++].new_tokens = r->new_tokens;
        }
    }
    for (i = 0; i < n; i++) {
        const blis_request *r = s->running[i];
        if (r->progress_tokens >= r->input_tokens && r->output_tokens > 0) {
            s->step_reqs[np + nd].progress_tokens = r->progress_tokens;
            s->step_reqs[np + nd++].new_tokens = r->new_tokens;
        }
    }
    batch.prefill = s->step_reqs;
    batch.prefill_count = np;
    batch.decode = s->step_reqs + np;
    batch.decode_count = nd;
    st = lm->kind == BLIS_LATENCY_ROOFLINE_V1
             ? blis_roofline_v1x_step(lm->model, lm->hw, lm->tp, lm->v1_ext, &batch, &bd, err)
             : blis_roofline_v2_step(lm->model, lm->hw, lm->mfu, lm->tp, &batch, &bd, err);
    *out = bd.step_time_us;
    return st;
}

/* The i-th request in flight: the running batch, then the wait queue
 * (i < running_len + waitq.len). */
static const blis_request *blis__in_flight_at(const blis_sim *s, size_t i) {
    return i < s->running_len ? s->running[i] : blis__wq_at(&s->waitq, i - s->running_len);
}

/* Run k of the steps whose ITLs a request holds: the earlier runs, then
 * (k == itl_run_count) the current one. */
static void blis__itl_run(const blis_request *r, int64_t k, int64_t *first, int64_t *last) {
    *first = k < r->itl_run_count ? r->itl_runs[2 * k] : r->itl_run_first;
    *last = k < r->itl_run_count ? r->itl_runs[2 * k + 1] : r->itl_run_last;
}

/* A decode token's ITL, v us, in the current step: counted and summed, its
 * step added to the request's runs (a new run after a preemption). */
static blis_status blis__itl_add(blis_sim *s, blis_request *r, int64_t v) {
    int64_t step = s->step_count;
    if (r->itl_count > 0 && r->itl_run_last == step - 1) { /* the common case: the run goes on */
        r->itl_run_last = step;
    } else {
        if (r->itl_count > 0) {
            size_t cap = (size_t)r->itl_run_cap;
            if (blis__grow(&s->alloc, (void **)&r->itl_runs, &cap, 2 * (size_t)r->itl_run_count + 2, sizeof(int64_t)))
                return BLIS_E_NOMEM;
            r->itl_run_cap = (int64_t)cap;
            r->itl_runs[2 * r->itl_run_count] = r->itl_run_first;
            r->itl_runs[2 * r->itl_run_count + 1] = r->itl_run_last;
            r->itl_run_count++;
        }
        r->itl_run_first = r->itl_run_last = step;
    }
    r->itl_count++;
    r->itl_sum_us += v;
    return BLIS_OK;
}

/* Calls fn for the value of each ITL the request holds (from the step log;
 * not a completed request's). */
static void blis__itl_each(const blis_sim *s, const blis_request *r, void (*fn)(void *user, int64_t v), void *user) {
    int64_t k, step, first, last;
    if (r->itl_count <= 0) return;
    for (k = 0; k <= r->itl_run_count; k++) {
        blis__itl_run(r, k, &first, &last);
        for (step = first; step <= last; step++) fn(user, s->itl_log[step - s->itl_log_base_step]);
    }
}

/* Room in the step log for the current step: when full, the steps before
 * the first run a queued or running request holds are dropped, and the log
 * doubles if that freed less than half (a scan of those requests per half
 * log of steps). */
static blis_status blis__itl_log_reserve(blis_sim *s) {
    int64_t step = s->step_count, keep = step;
    size_t i, len, cap = s->itl_log_cap;
    if (s->itl_log_cap == 0) s->itl_log_base_step = step;
    if (step - s->itl_log_base_step < (int64_t)s->itl_log_cap) return BLIS_OK;
    for (i = 0; i < s->running_len + s->waitq.len; i++) {
        const blis_request *r = blis__in_flight_at(s, i);
        int64_t first, last;
        blis__itl_run(r, 0, &first, &last);
        if (r->itl_count > 0 && first < keep) keep = first;
    }
    len = (size_t)(step - keep);
    if (len > 0) memmove(s->itl_log, s->itl_log + (keep - s->itl_log_base_step), len * sizeof(int64_t));
    s->itl_log_base_step = keep;
    if (2 * (len + 1) > cap && blis__grow(&s->alloc, (void **)&s->itl_log, &s->itl_log_cap,
                                          2 * (len + 1) > 4096 ? 2 * (len + 1) : 4096, sizeof(int64_t)))
        return BLIS_E_NOMEM;
    return BLIS_OK;
}

/* ---- the load over time (blis_flow) ---- */

static void blis__flow_coarsen(blis_flow *f) {
    size_t i;
    for (i = 0; i < BLIS_FLOW_BUCKETS / 2; i++) {
        f->arrived[i] = f->arrived[2 * i] + f->arrived[2 * i + 1];
        f->completed[i] = f->completed[2 * i] + f->completed[2 * i + 1];
        f->left[i] = f->left[2 * i] + f->left[2 * i + 1];
    }
    for (; i < BLIS_FLOW_BUCKETS; i++) f->arrived[i] = f->completed[i] = f->left[i] = 0;
    f->width_us *= 2;
}

BLIS_DEF void blis_flow_add(blis_flow *f, int kind, int64_t t_us) {
    int64_t b;
    if (t_us < 0) t_us = 0;
    if (f->width_us <= 0) f->width_us = 1;
    while (t_us / f->width_us >= BLIS_FLOW_BUCKETS && f->width_us < ((int64_t)1 << 53)) blis__flow_coarsen(f);
    b = t_us / f->width_us;
    if (b >= BLIS_FLOW_BUCKETS) b = BLIS_FLOW_BUCKETS - 1;
    if (kind == 0) {
        f->arrived[b]++;
        if (!f->n_arrived || t_us < f->first_arrival_us) f->first_arrival_us = t_us;
        if (!f->n_arrived || t_us > f->last_arrival_us) f->last_arrival_us = t_us;
        f->n_arrived++;
    } else if (kind == 1) {
        f->completed[b]++;
    } else {
        f->left[b]++;
    }
}

BLIS_DEF void blis_flow_merge(blis_flow *dst, const blis_flow *src) {
    blis_flow s = *src;
    size_t i;
    if (s.width_us <= 0) return;
    if (dst->width_us <= 0) dst->width_us = 1;
    while (dst->width_us < s.width_us) blis__flow_coarsen(dst);
    while (s.width_us < dst->width_us) blis__flow_coarsen(&s);
    for (i = 0; i < BLIS_FLOW_BUCKETS; i++) {
        dst->arrived[i] += s.arrived[i];
        dst->completed[i] += s.completed[i];
        dst->left[i] += s.left[i];
    }
    if (s.n_arrived) {
        if (!dst->n_arrived || s.first_arrival_us < dst->first_arrival_us) dst->first_arrival_us = s.first_arrival_us;
        if (!dst->n_arrived || s.last_arrival_us > dst->last_arrival_us) dst->last_arrival_us = s.last_arrival_us;
        dst->n_arrived += s.n_arrived;
    }
}

static blis_status blis__complete(blis_sim *s, blis_request *r, int64_t now, int64_t adv, int64_t a2) {
    blis_status st;
    r->state = BLIS_REQ_COMPLETED;
    r->itl_count++; /* v0.6.1's completion ITL entry (into s->itl with the step's) */
    r->itl_sum_us += adv + a2;
    if (r->output_tokens > 0 && !blis__sim_alloc(s, r, r->progress_tokens, r->progress_tokens + 1, NULL, 0, &st)) {
        if (st) return st;
        s->kv_allocation_failures++;
    }
    blis_kv_release_tiered(&s->kv, r);
    r->finished_step = s->step_count;
    if ((st = blis_evq_push(&s->events, now + adv, BLIS_EV_REQUEST_LEFT, r))) return st;
    s->completed++;
    r->e2e_us = r->first_token_us + r->itl_sum_us; /* its ITLs are in s->itl already (blis__step_advance) */
    blis_flow_add(&s->flow, 1, blis__sat_add(r->arrival_us, r->e2e_us));
    if (s->cfg.streaming_metrics) {
        if ((st = blis__counts_add(&s->alloc, &s->e2e_done, r->e2e_us, 1))) return st;
    } else {
        if (blis__grow(&s->alloc, (void **)&s->e2e_us, &s->e2e_cap, s->e2e_len + 1, sizeof(int64_t)))
            return BLIS_E_NOMEM;
        s->e2e_us[s->e2e_len++] = r->e2e_us;
    }
    if ((r->ttft_set && (st = blis__counts_add(&s->alloc, &s->ttft_done, r->first_token_us, 1))) ||
        (r->sched_delay_us >= 0 && (st = blis__counts_add(&s->alloc, &s->sched_done, r->sched_delay_us, 1))))
        return st;
    blis__free(&s->alloc, r->block_hashes); /* a completed request keeps only its timings */
    blis__free(&s->alloc, r->itl_runs);
    blis__free(&s->alloc, r->kv_blocks);
    r->block_hashes = NULL;
    r->itl_runs = NULL;
    r->kv_blocks = NULL;
    r->block_hash_count = 0;
    r->itl_run_cap = r->itl_run_count = 0;
    r->kv_cap = 0;
    return BLIS_OK;
}

static blis_status blis__step_advance(blis_sim *s, int64_t now, int64_t adv, blis_err *err) {
    int64_t a2 = (int64_t)s->cfg.latency.alpha[2];
    size_t i, kept = 0;
    blis_status st;
    blis_request **remaining = s->scratch_reqs;
    int stalled = s->running_len == 0 && blis__wq_count(&s->waitq) > 0;
    int64_t n_itl = 0; /* ITL entries of this step, all adv + a2: one multiset update */
    if (blis__itl_log_reserve(s)) return blis__nomem(err);
    s->itl_log[s->step_count - s->itl_log_base_step] = adv + a2;
    /* the KV figures of the step (the progress below changes no block; the
     * completions' last allocations and releases come after, in batch order) */
    if (s->kv.used_blocks > s->peak_kv_blocks) s->peak_kv_blocks = s->kv.used_blocks;
    s->kv_blocks_integral += (double)s->kv.used_blocks * (double)adv;
    for (i = 0; i < s->running_len; i++) {
        blis_request *r = s->running[i];
        int64_t last;
        if (i + 8 < s->running_len) BLIS__PREFETCH(s->running[i + 8]); /* see blis__form_running */
        if (r->progress_tokens < r->input_tokens) {
            r->progress_tokens = r->computed_tokens < 0 ? 0 : r->computed_tokens;
        } else {
            r->progress_tokens++;
            s->total_output_tokens++;
            n_itl++;
            if ((st = blis__itl_add(s, r, adv + a2))) return blis__nomem(err);
        }
        if (r->progress_tokens == r->input_tokens) {
            if (!r->ttft_set) s->first_tokens++; /* the prefill's token: generated, not in total_output_tokens */
            r->ttft_set = 1;
            r->first_token_us = now + adv + a2 - r->arrival_us;
        }
        last = r->input_tokens + (r->output_tokens > 1 ? r->output_tokens : 1) - 1;
        if (r->progress_tokens == last) {
            n_itl++;
            if ((st = blis__complete(s, r, now, adv, a2))) return st == BLIS_E_NOMEM ? blis__nomem(err) : st;
        } else {
            remaining[kept++] = r;
        }
    }
    if (n_itl && blis__counts_add(&s->alloc, &s->itl, adv + a2, n_itl)) return blis__nomem(err);
    memcpy(s->running, remaining, kept * sizeof *remaining);
    s->running_len = kept;
    s->step_pending = 0;
    /* Work-conserving, except after an empty batch with requests waiting:
     * the wait queue's head could not get KV blocks. Requests evicted and
     * revisited in the same step hold blocks while they wait (spec §3.5
     * quirk 2); the reference steps here forever (spec §3.6, the upstream
     * livelock). blis frees them as vLLM does (a waiting request holds no
     * blocks; it is recomputed when scheduled) and from then on lets no
     * waiting request take blocks, so every request that fits the cache
     * completes. Runs that never stall are untouched. With nothing to free,
     * the head preempted itself with every block free: its input and output
     * need more blocks than the whole cache has (vLLM refuses such a
     * max_model_len at start-up). It is dropped as unservable, as a prompt
     * larger than the cache is on arrival, and the queue behind it goes on. */
    if (stalled) {
        s->stalls++;
        for (i = 0; i < s->waitq.len; i++) {
            blis_request *q = blis__wq_at(&s->waitq, i);
            if (q->kv_count <= 0) continue;
            blis_kv_release_tiered(&s->kv, q);
            q->progress_tokens = 0;
            q->computed_tokens = -1;
            s->kv_waiting_free = 1;
            stalled = 0; /* blocks are free again: the next step can form a batch */
        }
        if (stalled && s->kv.used_blocks == 0) {
            blis_request *head;
            if ((st = blis__wq_fill_head(s, err))) return st;
            head = blis__wq_pop_front(&s->waitq);
            blis__itl_each(s, head, blis__counts_sub_fn, &s->itl);
            s->dropped_unservable++;
            s->dropped_too_large++;
            blis_flow_add(&s->flow, 2, now);
            head->state = -1;
            blis__sim_release(s, head);
            stalled = 0;
        }
    }
    if (kept > 0 || (blis__wq_count(&s->waitq) > 0 && !stalled)) {
        if (blis_evq_push(&s->events, now + adv, BLIS_EV_STEP, NULL)) return blis__nomem(err);
        s->step_pending = 1;
    }
    return BLIS_OK;
}

/* Client timeouts (request_timeout_us): aborts every request in the running
 * batch or the wait queue whose age reached the timeout, and sets the time
 * of the next possible one (lowered again as requests are queued). */
static int64_t blis__deadline_us(const blis_sim *s, const blis_request *r) {
    return blis__sat_add(r->arrival_us, s->cfg.request_timeout_us);
}

static int blis__expire_one(blis_sim *s, blis_request *r, int64_t now, int64_t *next) {
    int64_t deadline = blis__deadline_us(s, r);
    if (now < deadline) {
        if (deadline < *next) *next = deadline;
        return 0;
    }
    blis_kv_release_tiered(&s->kv, r);
    blis__itl_each(s, r, blis__counts_sub_fn, &s->itl);
    s->timed_out++;
    blis_flow_add(&s->flow, 2, now);
    r->state = -1;
    blis__sim_release(s, r);
    return 1;
}

static void blis__expire(blis_sim *s, int64_t now) {
    int64_t next = INT64_MAX;
    size_t i, kept = 0;
    for (i = 0; i < s->running_len; i++)
        if (!blis__expire_one(s, s->running[i], now, &next)) s->running[kept++] = s->running[i];
    s->running_len = kept;
    for (i = kept = 0; i < s->waitq.len; i++) {
        blis_request *r = blis__wq_at(&s->waitq, i);
        if (!blis__expire_one(s, r, now, &next)) s->waitq.ring[(s->waitq.head + kept++) & (s->waitq.cap - 1)] = r;
    }
    s->waitq.len = kept;
    s->next_expiry_us = next;
}

static blis_status blis__step(blis_sim *s, int64_t now, blis_err *err) {
    blis__batch b;
    int64_t budget = s->cfg.max_scheduled_tokens, adv = 0;
    size_t i, waiting = blis__wq_count(&s->waitq), cap_needed;
    blis_status st;
    if (s->cfg.max_running > 0 && waiting > (size_t)s->cfg.max_running) waiting = (size_t)s->cfg.max_running;
    cap_needed = s->running_len + waiting + 1; /* the batch, those it may admit */
    if ((st = blis__sim_reserve(s, cap_needed, 64, err))) return st;
    memset(&b, 0, sizeof b);
    b.snapshot = s->scratch_reqs;
    b.preempted = s->scratch_reqs + cap_needed;
    b.scheduled = s->scratch_reqs + 2 * cap_needed;
    s->step_count++;
    s->kv.clock_us = now; /* SetClock */
    if (s->cfg.request_timeout_us > 0 && now >= s->next_expiry_us) blis__expire(s, now);
    if (s->cfg.scheduler == BLIS_SCHED_PRIORITY_FCFS || s->cfg.scheduler == BLIS_SCHED_REVERSE_PRIORITY)
        for (i = 0; i < s->waitq.len; i++) /* only these orders read the priority */
            blis__wq_at(&s->waitq, i)->priority = blis__priority(s, blis__wq_at(&s->waitq, i), now);
    if (blis__wq_sort(&s->waitq, s->cfg.scheduler)) return blis__nomem(err);
    if ((st = blis__form_running(s, &b, &budget))) return st == BLIS_E_NOMEM ? blis__nomem(err) : st;
    if ((st = blis__form_admit(s, &b, budget, err))) return st;
    for (i = 0; i < b.n_preempted; i++) {
        if (blis_evq_push(&s->events, now, BLIS_EV_PREEMPTION, b.preempted[i])) return blis__nomem(err);
        s->preemptions++;
    }
    for (i = 0; i < b.n_scheduled; i++) {
        if (blis_evq_push(&s->events, now, BLIS_EV_SCHEDULED, b.scheduled[i])) return blis__nomem(err);
        b.scheduled[i]->sched_delay_us = now - b.scheduled[i]->arrival_us;
    }
    s->waitq_len_sum += (int64_t)blis__wq_count(&s->waitq);
    s->waitq_samples++;
    if ((st = blis__step_time(s, &adv, err))) return st;
    adv += blis_kv_consume_transfer_us(&s->kv); /* 0 with one tier */
    return blis__step_advance(s, now, adv, err);
}

/* ---- events ---- */

static blis_status blis__enqueue(blis_sim *s, blis_request *r, blis_err *err) {
    int64_t need = (r->input_tokens + s->cfg.block_tokens - 1) / s->cfg.block_tokens;
    s->in_transit--;
    if (s->lead_bare) {
        blis_request *g;
        if (blis__bits_set(&s->alloc, &s->arrived_bits, &s->arrived_bytes, r->index, 1)) return blis__nomem(err);
        if (r->index < s->lag_next) { /* the lag source passed it: its copy (with hashes) replaces it */
            size_t slot = r->live_slot;
            if (!(g = blis__side_take(s, r->index)) || !blis__sim_is_live(s, r)) {
                blis_err_clear(err, NULL);
                return blis_err_set(err, BLIS_E_INTERNAL, 0, 0, "request %lld: no copy from the lag source",
                                    (long long)r->index);
            }
            g->instance = r->instance;
            g->injected = 1;
            g->live_slot = slot;
            s->requests[slot] = g;
            blis_request_free(&s->alloc, r);
            blis__free(&s->alloc, r);
            r = g;
        }
    }
    if (need > s->kv.total_blocks) { /* "dropping request: input requires more KV blocks than the cache has" */
        s->dropped_unservable++;
        blis_flow_add(&s->flow, 2, s->clock_us);
        r->state = -1;
        blis__sim_release(s, r);
        return BLIS_OK;
    }
    s->total_input_tokens += r->input_tokens;
    if (s->cfg.request_timeout_us > 0 && blis__deadline_us(s, r) < s->next_expiry_us)
        s->next_expiry_us = blis__deadline_us(s, r); /* the earliest timeout can only come sooner */
    if (s->lazy && r->index >= s->lag_next) {        /* held as its index: generated again at the head */
        if (blis__bit_set(s, r->index, 1) || blis__wq_vpush(&s->waitq, r->index)) return blis__nomem(err);
        s->compacted++;
        blis__sim_release(s, r);
        return BLIS_OK;
    }
    if (s->lazy && s->waitq.vlen > 0) { /* behind indices: its place kept by its index, the request aside */
        if (blis__side_put(s, r) || blis__wq_vpush(&s->waitq, r->index)) return blis__nomem(err);
        s->held_aside++;
        return BLIS_OK;
    }
    if (blis__wq_push_back(&s->waitq, r)) return blis__nomem(err);
    return BLIS_OK;
}

static blis_status blis__execute(blis_sim *s, const blis_event *e, blis_err *err) {
    const blis_latency_model *lm = &s->cfg.latency;
    switch (e->kind) {
    case BLIS_EV_ARRIVAL: {
        double q = lm->alpha[0] + lm->alpha[1] * (double)e->req->input_tokens;
        blis_flow_add(&s->flow, 0, e->req->arrival_us);
        if (lm->kind == BLIS_LATENCY_ROOFLINE_V1 && lm->hw->v1_request_overhead_us > 0)
            q += lm->hw->v1_request_overhead_us; /* blis's own term; absent from the reference's files */
        if (blis_evq_push(&s->events, e->time_us + (int64_t)q, BLIS_EV_QUEUED, e->req)) return blis__nomem(err);
        return BLIS_OK;
    }
    case BLIS_EV_QUEUED:
        if (blis__enqueue(s, e->req, err)) return err->status;
        /* no step pending: schedule one now (the reference does not mark it
         * pending; --compat reference keeps that) */
        if (!s->step_pending) {
            if (blis_evq_push(&s->events, e->time_us, BLIS_EV_STEP, NULL)) return blis__nomem(err);
            s->step_pending = !s->cfg.reference_step_chains;
        }
        return BLIS_OK;
    case BLIS_EV_STEP: return blis__step(s, e->time_us, err);
    case BLIS_EV_REQUEST_LEFT: blis__sim_release(s, e->req); return BLIS_OK;
    case BLIS_EV_SCHEDULED:
    case BLIS_EV_PREEMPTION:
    case BLIS_EV_KIND_COUNT: break;
    }
    return BLIS_OK;
}

BLIS_DEF blis_status blis_sim_step(blis_sim *s, int *done, blis_err *err) {
    blis_event e;
    blis_status st;
    *done = s->finished;
    if (s->finished) return BLIS_OK;
    /* The cluster path for one instance: arrival -> admission -> routing at
     * the request's arrival time, taken before instance events at that time. */
    if (s->next_arrival && (s->events.len == 0 || s->next_arrival->arrival_us <= s->events.heap[0].time_us)) {
        blis_request *r = s->next_arrival;
        if (r->arrival_us > s->cfg.horizon_us) {
            s->finished = *done = 1;
            return BLIS_OK;
        }
        s->next_arrival = NULL;
        r->injected = 1;
        s->in_transit++;
        if (blis_evq_push(&s->events, r->arrival_us, BLIS_EV_ARRIVAL, r)) return blis__nomem(err);
        return blis__sim_fetch(s, err);
    }
    if (!blis_evq_pop(&s->events, &e)) {
        s->finished = *done = 1;
        return BLIS_OK;
    }
    if (e.time_us > s->cfg.horizon_us) {
        s->finished = *done = 1;
        return BLIS_OK;
    }
    s->clock_us = e.time_us;
    st = blis__execute(s, &e, err);
    return st;
}

BLIS_DEF blis_status blis_sim_inject(blis_sim *s, blis_request *r, int64_t t_us, blis_err *err) {
    if (blis__grow(&s->alloc, (void **)&s->requests, &s->request_cap, s->request_count + 1, sizeof *s->requests))
        return blis__nomem(err);
    r->live_slot = s->request_count;
    s->requests[s->request_count++] = r;
    s->generated++;
    r->injected = 1;
    s->in_transit++;
    if (blis_evq_push(&s->events, t_us, BLIS_EV_ARRIVAL, r)) return blis__nomem(err);
    return BLIS_OK;
}

BLIS_DEF int64_t blis_sim_next_event_us(const blis_sim *s) {
    return s->events.len ? s->events.heap[0].time_us : INT64_MAX;
}

BLIS_DEF blis_status blis_sim_execute_next(blis_sim *s, blis_event_kind *kind, blis_err *err) {
    blis_event e;
    *kind = BLIS_EV_KIND_COUNT;
    if (!blis_evq_pop(&s->events, &e)) return BLIS_OK;
    *kind = e.kind;
    s->clock_us = e.time_us;
    return blis__execute(s, &e, err);
}

BLIS_DEF blis_status blis_sim_run_until(blis_sim *s, int64_t until_us, blis_err *err) {
    int done = 0;
    blis_status st = BLIS_OK;
    while (!done && st == BLIS_OK) {
        int64_t next = INT64_MAX;
        if (s->events.len) next = s->events.heap[0].time_us;
        if (s->next_arrival && s->next_arrival->arrival_us < next) next = s->next_arrival->arrival_us;
        if (next > until_us) break;
        st = blis_sim_step(s, &done, err);
    }
    return st;
}

BLIS_DEF blis_status blis_sim_run(blis_sim *s, blis_err *err) {
    int done = 0;
    blis_status st = BLIS_OK;
    while (!done && st == BLIS_OK) st = blis_sim_step(s, &done, err);
    return st;
}

/* The running batch and the wait queue hold requests in those states; a
 * request's first token comes after its arrival. */
static int blis__check_in_flight(const blis_sim *s) {
    size_t i;
    for (i = 0; i < s->running_len; i++) {
        const blis_request *r = s->running[i];
        if (r->state != BLIS_REQ_RUNNING) return 4;
        if (r->ttft_set && r->first_token_us < 0) return 2;
    }
    for (i = 0; i < s->waitq.len; i++) {
        const blis_request *r = blis__wq_at(&s->waitq, i);
        if (r->state != BLIS_REQ_QUEUED) return 4;
        if (r->ttft_set && r->first_token_us < 0) return 2;
    }
    return 0;
}

BLIS_DEF int blis_sim_check(const blis_sim *s) {
    size_t i;
    int64_t queued = 0, running = 0, completed = 0, dropped = 0, rc;
    if (blis_kv_check(&s->kv)) return 1;
    if ((rc = blis__check_in_flight(s))) return (int)rc;
    /* conservation: every request taken from the source is in exactly one place */
    if (s->generated != s->completed + s->dropped_unservable + s->timed_out + (int64_t)s->running_len +
                            (int64_t)blis__wq_count(&s->waitq) + s->in_transit + (s->next_arrival != NULL))
        return 5;
    if (s->in_transit < 0 || (int64_t)s->e2e_len + s->e2e_done.total != s->completed) return 5;
    for (i = 0; i < s->request_count; i++) {
        const blis_request *r = s->requests[i];
        if (r->live_slot != i) return 6;
        if (r->state == -1)
            dropped++;
        else if (r->state == BLIS_REQ_COMPLETED)
            completed++;
        else if (r->state == BLIS_REQ_RUNNING)
            running++;
        else
            queued++;
        if (r->ttft_set && r->first_token_us < 0) return 2; /* causality */
    }
    if (running != (int64_t)s->running_len || queued < (int64_t)s->waitq.len) return 5;
    for (i = 0; i < s->running_len + s->waitq.len; i++) { /* in flight: the log holds their ITLs' steps, in order */
        const blis_request *r = blis__in_flight_at(s, i);
        int64_t k, steps = 0, after = s->itl_log_base_step - 1, first, last;
        if (r->itl_count <= 0) continue;
        for (k = 0; k <= r->itl_run_count; k++) {
            blis__itl_run(r, k, &first, &last);
            if (first <= after || last < first || last > s->step_count ||
                last - s->itl_log_base_step >= (int64_t)s->itl_log_cap)
                return 7;
            steps += last - first + 1;
            after = last;
        }
        if (steps != r->itl_count) return 7;
    }
    if (s->cfg.keep_requests && (completed != s->completed || dropped != s->dropped_unservable + s->timed_out ||
                                 (int64_t)s->request_count != s->generated))
        return 3;
    return 0;
}

/* ==== >>cluster  implementation ====
 * Owns: the cluster event heap (arrival, admission, routing), the router's
 * state (snapshots, pending counts, token bucket, prefix maps and LRUs)
 * and the instances. Uses: >>sim (blis_sim_inject / execute_next), >>kv.
 * Invariants: cluster events in (time, kind, seq) order, arrivals taken
 * from the source lazily (an arrival precedes every other cluster event at
 * its time, as the reference's pre-pushed arrivals do); a request is owned
 * by the cluster until routed, then by its instance. */

struct blis__cluster_event {
    int64_t time_us;
    int kind; /* 0 arrival, 1 admission, 2 routing */
    int64_t seq;
    blis_request *req;
};

struct blis__lru {
    blis__u64map index;
    uint64_t *keys;
    int32_t *prev, *next;
    int32_t head, tail, len;
};

BLIS_DEF void blis_cluster_config_defaults(blis_cluster_config *c) {
    memset(c, 0, sizeof *c);
    blis_sim_config_defaults(&c->instance);
    c->num_instances = 1;
    c->admission = BLIS_ADMIT_ALWAYS;
    c->token_bucket_capacity = 10000;
    c->token_bucket_refill_per_s = 1000;
    c->routing = BLIS_ROUTE_ROUND_ROBIN;
    c->scorers[0].kind = BLIS_SCORER_PREFIX_AFFINITY;
    c->scorers[0].weight = 3;
    c->scorers[1].kind = BLIS_SCORER_QUEUE_DEPTH;
    c->scorers[1].weight = 2;
    c->scorers[2].kind = BLIS_SCORER_KV_UTILIZATION;
    c->scorers[2].weight = 2;
    c->scorer_count = 3;
}

BLIS_DEF int blis_admission_parse(const char *name) {
    if (!strcmp(name, "always-admit")) return BLIS_ADMIT_ALWAYS;
    if (!strcmp(name, "token-bucket")) return BLIS_ADMIT_TOKEN_BUCKET;
    if (!strcmp(name, "reject-all")) return BLIS_ADMIT_REJECT_ALL;
    return -1;
}

BLIS_DEF int blis_routing_parse(const char *name) {
    if (!strcmp(name, "round-robin")) return BLIS_ROUTE_ROUND_ROBIN;
    if (!strcmp(name, "least-loaded")) return BLIS_ROUTE_LEAST_LOADED;
    if (!strcmp(name, "weighted")) return BLIS_ROUTE_WEIGHTED;
    if (!strcmp(name, "prefix-affinity")) return BLIS_ROUTE_PREFIX_AFFINITY;
    if (!strcmp(name, "always-busiest")) return BLIS_ROUTE_ALWAYS_BUSIEST;
    return -1;
}

static const char *const blis__scorer_names[] = {"prefix-affinity", "queue-depth", "kv-utilization", "load-balance"};

BLIS_DEF int blis_scorer_parse(const char *name) {
    int i;
    for (i = 0; i < 4; i++)
        if (!strcmp(name, blis__scorer_names[i])) return i;
    return -1;
}

BLIS_DEF const char *blis_scorer_name(blis_scorer_kind k) {
    return (int)k >= 0 && (int)k < 4 ? blis__scorer_names[k] : "unknown";
}

BLIS_DEF blis_status blis_scorers_parse(const char *text, blis_scorer *out, size_t *count, blis_err *err) {
    const char *p = text;
    size_t n = 0, i;
    *count = 0;
    if (!*text) return BLIS_OK;
    for (;;) {
        const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p), *colon;
        char name[64];
        double w;
        int kind;
        colon = (const char *)memchr(p, ':', (size_t)(end - p));
        if (!colon || colon == p || (size_t)(colon - p) >= sizeof name)
            return blis_err_set(err, BLIS_E_INVALID, 0, 0, "invalid scorer config %.*s: expected name:weight",
                                (int)(end - p), p);
        memcpy(name, p, (size_t)(colon - p));
        name[colon - p] = '\0';
        if ((kind = blis_scorer_parse(name)) < 0)
            return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                                "routing scorer[%lu]: unknown scorer \"%s\"; valid: kv-utilization, load-balance, "
                                "prefix-affinity, queue-depth",
                                (unsigned long)n, name);
        for (i = 0; i < n; i++)
            if ((int)out[i].kind == kind)
                return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                                    "routing scorer[%lu]: duplicate scorer \"%s\"; each scorer may appear at most once",
                                    (unsigned long)n, name);
        if (blis_parse_f64(colon + 1, (size_t)(end - colon - 1), BLIS_NUM_ALLOW_PLUS | BLIS_NUM_LOOSE_DOT, &w) ||
            !(w > 0 && w <= DBL_MAX))
            return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                                "routing scorer[%lu] \"%s\": weight must be a finite positive number, got %.*s",
                                (unsigned long)n, name, (int)(end - colon - 1), colon + 1);
        if (n == BLIS_MAX_SCORERS) return blis_err_set(err, BLIS_E_INVALID, 0, 0, "too many scorers");
        out[n].kind = (blis_scorer_kind)kind;
        out[n].weight = w;
        n++;
        if (!comma) break;
        p = comma + 1;
    }
    *count = n;
    return BLIS_OK;
}

BLIS_DEF blis_status blis_cluster_config_validate(const blis_cluster_config *c, blis_err *err) {
    if (c->num_instances < 1) return blis_err_set(err, BLIS_E_INVALID, 0, 0, "num-instances must be >= 1");
    if (c->num_instances > 100000)
        return blis_err_set(err, BLIS_E_LIMIT, 0, 0, "--num-instances must be at most 100000, got %d",
                            c->num_instances);
    if (c->client_max_inflight < 0)
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "client in-flight limit must be >= 0, got %lld",
                            (long long)c->client_max_inflight);
    if (c->admission_latency_us < 0 || c->routing_latency_us < 0)
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "--%s-latency must be >= 0, got %lld",
                            c->admission_latency_us < 0 ? "admission" : "routing",
                            (long long)(c->admission_latency_us < 0 ? c->admission_latency_us : c->routing_latency_us));
    if (c->admission == BLIS_ADMIT_TOKEN_BUCKET) {
        char num[BLIS_F64_BUF_MAX];
        if (!(c->token_bucket_capacity > 0 && c->token_bucket_capacity <= DBL_MAX)) {
            if (!blis_f64_format_go(c->token_bucket_capacity, num)) blis__copy_cstr(num, sizeof num, "NaN");
            return blis_err_set(err, BLIS_E_INVALID, 0, 0, "--token-bucket-capacity must be a finite value > 0, got %s",
                                num);
        }
        if (!(c->token_bucket_refill_per_s > 0 && c->token_bucket_refill_per_s <= DBL_MAX)) {
            if (!blis_f64_format_go(c->token_bucket_refill_per_s, num)) blis__copy_cstr(num, sizeof num, "NaN");
            return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                                "--token-bucket-refill-rate must be a finite value > 0, got %s", num);
        }
    }
    if (c->snapshot_refresh_us < 0)
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "--snapshot-refresh-interval must be >= 0, got %lld",
                            (long long)c->snapshot_refresh_us);
    if (c->counterfactual_k < 0)
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "--counterfactual-k must be >= 0, got %lld",
                            (long long)c->counterfactual_k);
    if (c->routing == BLIS_ROUTE_WEIGHTED && c->scorer_count == 0)
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "weighted routing needs at least one scorer");
    return BLIS_OK;
}

/* ---- the prefix-affinity scorer's per-instance LRU of block hashes ---- */

static int blis__lru_init(const blis_alloc *a, blis__lru *l) {
    memset(l, 0, sizeof *l);
    l->keys = (uint64_t *)blis__alloc(a, BLIS_PREFIX_LRU_CAPACITY * sizeof *l->keys);
    l->prev = (int32_t *)blis__alloc(a, BLIS_PREFIX_LRU_CAPACITY * sizeof *l->prev);
    l->next = (int32_t *)blis__alloc(a, BLIS_PREFIX_LRU_CAPACITY * sizeof *l->next);
    l->head = l->tail = -1;
    return l->keys && l->prev && l->next ? 0 : -1;
}

static void blis__lru_free(const blis_alloc *a, blis__lru *l) {
    blis__map_free(a, &l->index);
    blis__free(a, l->keys);
    blis__free(a, l->prev);
    blis__free(a, l->next);
}

static void blis__lru_unlink(blis__lru *l, int32_t n) {
    if (l->prev[n] >= 0)
        l->next[l->prev[n]] = l->next[n];
    else
        l->head = l->next[n];
    if (l->next[n] >= 0)
        l->prev[l->next[n]] = l->prev[n];
    else
        l->tail = l->prev[n];
}

static void blis__lru_push_front(blis__lru *l, int32_t n) {
    l->prev[n] = -1;
    l->next[n] = l->head;
    if (l->head >= 0) l->prev[l->head] = n;
    l->head = n;
    if (l->tail < 0) l->tail = n;
}

/* The newest timestamp for k; at capacity a new key evicts the oldest. */
static int blis__lru_touch(const blis_alloc *a, blis__lru *l, uint64_t k) {
    const int32_t *at = blis__map_get(&l->index, k);
    int32_t n;
    if (at) {
        n = *at;
        blis__lru_unlink(l, n);
        blis__lru_push_front(l, n);
        return 0;
    }
    if (l->len == BLIS_PREFIX_LRU_CAPACITY) {
        n = l->tail;
        blis__lru_unlink(l, n);
        blis__map_del(&l->index, l->keys[n]);
    } else {
        n = l->len++;
    }
    l->keys[n] = k;
    blis__lru_push_front(l, n);
    return blis__map_put(a, &l->index, k, n);
}

/* ---- events ---- */

static int blis__cev_less(const void *pa, const void *pb) {
    const blis__cluster_event *a = (const blis__cluster_event *)pa, *b = (const blis__cluster_event *)pb;
    if (a->time_us != b->time_us) return a->time_us < b->time_us;
    if (a->kind != b->kind) return a->kind < b->kind;
    return a->seq < b->seq;
}

static blis_status blis__cev_push(blis_cluster *c, int64_t t, int kind, blis_request *r, blis_err *err) {
    size_t j;
    if (blis__grow(&c->alloc, (void **)&c->events, &c->event_cap, c->event_len + 1, sizeof *c->events))
        return blis__nomem(err);
    j = c->event_len++;
    c->events[j].time_us = t;
    c->events[j].kind = kind;
    c->events[j].seq = c->event_seq++;
    c->events[j].req = r;
    blis__heap_up(c->events, c->event_len, sizeof *c->events, blis__cev_less);
    return BLIS_OK;
}

static blis_status blis__cluster_fetch(blis_cluster *c, blis_err *err) {
    blis_request *r;
    int has = 0;
    blis_status st;
    if (c->source_done || c->next_arrival) return BLIS_OK;
    r = (blis_request *)blis__alloc(&c->alloc, sizeof *r);
    if (!r) return blis__nomem(err);
    if ((st = c->source.next(c->source.user, r, &has, err)) != BLIS_OK || !has) {
        blis__free(&c->alloc, r);
        c->source_done = 1;
        return st;
    }
    if (c->cfg.instance.keep_requests && c->cfg.max_kept_requests > 0 && c->generated >= c->cfg.max_kept_requests) {
        blis_request_free(&c->alloc, r);
        blis__free(&c->alloc, r);
        c->source_done = 1;
        return blis_err_set(err, BLIS_E_LIMIT, 0, 0,
                            "the workload gives more than %lld requests, the most a run that keeps every request "
                            "(a workload spec, --results-path, --slo, --fitness, a priority policy) holds; set a "
                            "request count or a shorter horizon",
                            (long long)c->cfg.max_kept_requests);
    }
    c->generated++;
    c->next_arrival = r;
    return BLIS_OK;
}

BLIS_DEF void blis_cluster_destroy(blis_cluster *c) {
    size_t i;
    int k;
    if (c->next_arrival) {
        blis_request_free(&c->alloc, c->next_arrival);
        blis__free(&c->alloc, c->next_arrival);
    }
    for (i = 0; i < c->event_len; i++) {
        blis_request_free(&c->alloc, c->events[i].req);
        blis__free(&c->alloc, c->events[i].req);
    }
    blis__free(&c->alloc, c->events);
    for (k = 0; c->instances && k < c->n_instances; k++) blis_sim_destroy(&c->instances[k]);
    blis__free(&c->alloc, c->instances);
    for (k = 0; c->lru && k < c->n_instances; k++) blis__lru_free(&c->alloc, &c->lru[k]);
    blis__free(&c->alloc, c->lru);
    blis__map_free(&c->alloc, &c->affinity);
    blis__free(&c->alloc, c->pending);
    blis__free(&c->alloc, c->snap);
    blis__free(&c->alloc, c->scores);
    blis__free(&c->alloc, c->scorer_values);
    blis__free(&c->alloc, c->target_counts);
    blis__free(&c->alloc, c->order);
    memset(c, 0, sizeof *c);
}

BLIS_DEF blis_status blis_cluster_init(blis_cluster *c, const blis_cluster_config *cfg, blis_request_source source,
                                       const blis_alloc *alloc, blis_err *err) {
    blis_request_source none;
    blis_status st;
    size_t n, i;
    int need_lru = 0;
    memset(c, 0, sizeof *c);
    if (alloc) c->alloc = *alloc;
    if (err) { /* errors without a file leave source and path empty */
        err->source[0] = '\0';
        err->path[0] = '\0';
        err->line = err->col = 0;
    }
    if ((st = blis_cluster_config_validate(cfg, err))) return st;
    c->cfg = *cfg;
    c->source = source;
    n = (size_t)cfg->num_instances;
    for (i = 0; cfg->routing == BLIS_ROUTE_WEIGHTED && i < cfg->scorer_count; i++)
        need_lru |= cfg->scorers[i].kind == BLIS_SCORER_PREFIX_AFFINITY;
    c->instances = (blis_sim *)blis__alloc(&c->alloc, n * sizeof *c->instances);
    if (c->instances) memset(c->instances, 0, n * sizeof *c->instances); /* destroyable at once */
    if (need_lru && (c->lru = (blis__lru *)blis__alloc(&c->alloc, n * sizeof *c->lru)) != NULL)
        memset(c->lru, 0, n * sizeof *c->lru);
    c->pending = (int64_t *)blis__alloc(&c->alloc, n * sizeof *c->pending);
    c->snap = (blis_router_snapshot *)blis__alloc(&c->alloc, n * sizeof *c->snap);
    c->scores = (double *)blis__alloc(&c->alloc, n * sizeof *c->scores);
    c->scorer_values = (double *)blis__alloc(&c->alloc, n * sizeof *c->scorer_values);
    c->target_counts = (int64_t *)blis__alloc(&c->alloc, n * sizeof *c->target_counts);
    c->order = (int32_t *)blis__alloc(&c->alloc, n * sizeof *c->order);
    if (!c->instances || !c->pending || !c->snap || !c->scores || !c->scorer_values || !c->target_counts || !c->order ||
        (need_lru && !c->lru)) {
        blis_cluster_destroy(c);
        return blis__nomem(err);
    }
    memset(c->pending, 0, n * sizeof *c->pending);
    memset(c->snap, 0, n * sizeof *c->snap);
    memset(c->target_counts, 0, n * sizeof *c->target_counts);
    none.next = NULL;
    none.user = NULL;
    for (i = 0; i < n; i++) {
        if ((st = blis_sim_init(&c->instances[i], &cfg->instance, none, &c->alloc, err))) {
            c->n_instances = (int)i;
            blis_cluster_destroy(c);
            return st;
        }
        c->n_instances = (int)i + 1;
        if (need_lru && blis__lru_init(&c->alloc, &c->lru[i])) {
            blis_cluster_destroy(c);
            return blis__nomem(err);
        }
    }
    c->bucket_tokens = cfg->token_bucket_capacity;
    if ((st = blis__cluster_fetch(c, err))) {
        blis_cluster_destroy(c);
        return st;
    }
    return BLIS_OK;
}

/* ---- decisions ---- */

static void blis__cluster_snapshots(blis_cluster *c) {
    int i;
    for (i = 0; i < c->n_instances; i++) {
        const blis_sim *s = &c->instances[i];
        blis_router_snapshot *p = &c->snap[i];
        p->queue_depth = (int64_t)blis__wq_count(&s->waitq);
        p->batch_size = (int64_t)s->running_len;
        p->pending = c->pending[i];
        p->effective_load = p->queue_depth + p->batch_size + p->pending;
        if (c->cfg.snapshot_refresh_us == 0 || c->clock_us - p->refreshed_us >= c->cfg.snapshot_refresh_us) {
            p->kv_utilization = s->kv.total_blocks ? (double)s->kv.used_blocks / (double)s->kv.total_blocks : 0;
            p->free_kv_blocks = s->kv.total_blocks - s->kv.used_blocks;
            p->cache_hit_rate = blis_kv_hit_rate(&s->kv);
            p->refreshed_us = c->clock_us;
        }
    }
}

static int blis__cluster_admit(blis_cluster *c, const blis_request *r) {
    double cost;
    int64_t elapsed;
    switch (c->cfg.admission) {
    case BLIS_ADMIT_REJECT_ALL: return 0;
    case BLIS_ADMIT_TOKEN_BUCKET:
        elapsed = c->clock_us - c->bucket_last_us;
        if (elapsed > 0) {
            double t = c->bucket_tokens + (double)elapsed * c->cfg.token_bucket_refill_per_s / 1e6;
            c->bucket_tokens = t < c->cfg.token_bucket_capacity ? t : c->cfg.token_bucket_capacity;
            c->bucket_last_us = c->clock_us;
        }
        cost = (double)r->input_tokens;
        if (c->bucket_tokens < cost) return 0;
        c->bucket_tokens -= cost;
        return 1;
    case BLIS_ADMIT_ALWAYS:
    default: return 1;
    }
}

static int blis__least_loaded(const blis_cluster *c, int busiest) {
    int i, best = 0;
    for (i = 1; i < c->n_instances; i++)
        if (busiest ? c->snap[i].effective_load > c->snap[best].effective_load
                    : c->snap[i].effective_load < c->snap[best].effective_load)
            best = i;
    return best;
}

/* The request's full input blocks (the router hashes the input only). */
static int64_t blis__input_blocks(const blis_cluster *c, const blis_request *r) {
    int64_t n = r->input_tokens / c->cfg.instance.block_tokens;
    return n < r->block_hash_count ? n : r->block_hash_count;
}

/* One scorer's values per instance (not yet clamped). */
static void blis__scorer_values(const blis_cluster *c, blis_scorer_kind k, const blis_request *r, double *v) {
    int i;
    int64_t lo = INT64_MAX, hi = INT64_MIN, blocks = blis__input_blocks(c, r), j;
    switch (k) {
    case BLIS_SCORER_QUEUE_DEPTH:
        for (i = 0; i < c->n_instances; i++) {
            if (c->snap[i].effective_load < lo) lo = c->snap[i].effective_load;
            if (c->snap[i].effective_load > hi) hi = c->snap[i].effective_load;
        }
        for (i = 0; i < c->n_instances; i++)
            v[i] = hi == lo ? 1 : (double)(hi - c->snap[i].effective_load) / (double)(hi - lo);
        break;
    case BLIS_SCORER_KV_UTILIZATION:
        for (i = 0; i < c->n_instances; i++) v[i] = 1 - c->snap[i].kv_utilization;
        break;
    case BLIS_SCORER_LOAD_BALANCE:
        for (i = 0; i < c->n_instances; i++) v[i] = 1 / (1 + (double)c->snap[i].effective_load);
        break;
    case BLIS_SCORER_PREFIX_AFFINITY:
        for (i = 0; i < c->n_instances; i++) {
            for (j = 0; j < blocks && blis__map_get(&c->lru[i].index, r->block_hashes[j]); j++) {
            }
            v[i] = blocks ? (double)j / (double)blocks : 0;
        }
        break;
    }
}

static int blis__cluster_route(blis_cluster *c, const blis_request *r, int *scored, blis_err *err) {
    int i, target = 0;
    *scored = 0;
    switch (c->cfg.routing) {
    case BLIS_ROUTE_ROUND_ROBIN: return (int)(c->rr_counter++ % (uint64_t)c->n_instances);
    case BLIS_ROUTE_LEAST_LOADED: return blis__least_loaded(c, 0);
    case BLIS_ROUTE_ALWAYS_BUSIEST: return blis__least_loaded(c, 1);
    case BLIS_ROUTE_PREFIX_AFFINITY: {
        int64_t blocks = blis__input_blocks(c, r);
        uint64_t key = blocks ? r->block_hashes[blocks - 1] : r->input_key;
        const int32_t *hit = blis__map_get(&c->affinity, key);
        if (hit && *hit < c->n_instances) return *hit;
        target = blis__least_loaded(c, 0);
        if (blis__map_put(&c->alloc, &c->affinity, key, target)) return -(int)blis__nomem(err);
        return target;
    }
    case BLIS_ROUTE_WEIGHTED: {
        double total = 0, best = -1;
        size_t k;
        int64_t j, blocks;
        for (k = 0; k < c->cfg.scorer_count; k++) total += c->cfg.scorers[k].weight;
        for (i = 0; i < c->n_instances; i++) c->scores[i] = 0;
        for (k = 0; k < c->cfg.scorer_count; k++) {
            double w = c->cfg.scorers[k].weight / total;
            blis__scorer_values(c, c->cfg.scorers[k].kind, r, c->scorer_values);
            for (i = 0; i < c->n_instances; i++) {
                double v = c->scorer_values[i];
                c->scores[i] += (v < 0 ? 0 : v > 1 ? 1 : v) * w;
            }
        }
        for (i = 0; i < c->n_instances; i++)
            if (c->scores[i] > best) {
                best = c->scores[i];
                target = i;
            }
        *scored = 1;
        blocks = blis__input_blocks(c, r);
        if (c->lru) /* the prefix-affinity observer: the target now holds these blocks */
            for (j = 0; j < blocks; j++)
                if (blis__lru_touch(&c->alloc, &c->lru[target], r->block_hashes[j])) return -(int)blis__nomem(err);
        return target;
    }
    }
    return 0;
}

/* Counterfactual regret of one routing decision (--trace-level decisions):
 * the best of the top-k candidates (by score, else by -EffectiveLoad; ties
 * by instance) minus the chosen one's score, at least 0. */
static void blis__cluster_regret(blis_cluster *c, int target, int scored) {
    int i, j, n = c->n_instances;
    double best, chosen, regret;
    c->target_counts[target]++;
    if (c->cfg.counterfactual_k <= 0) return;
    for (i = 0; i < n; i++) {
        if (!scored) c->scores[i] = -(double)c->snap[i].effective_load;
        c->order[i] = i;
    }
    for (i = 1; i < n; i++) /* insertion sort: score descending, instance ascending */
        for (j = i; j > 0 && c->scores[c->order[j]] > c->scores[c->order[j - 1]]; j--) {
            int32_t t = c->order[j];
            c->order[j] = c->order[j - 1];
            c->order[j - 1] = t;
        }
    best = c->scores[c->order[0]];
    chosen = c->scores[target];
    regret = best - chosen > 0 ? best - chosen : 0;
    c->regret_sum += regret;
    if (regret > c->regret_max) c->regret_max = regret;
}

static blis_status blis__cluster_execute(blis_cluster *c, blis__cluster_event *e, blis_err *err) {
    blis_request *r = e->req;
    blis_status st;
    int target, scored;
    switch (e->kind) {
    case 0: return blis__cev_push(c, blis__sat_add(e->time_us, c->cfg.admission_latency_us), 1, r, err);
    case 1:
        blis__cluster_snapshots(c);
        if (!blis__cluster_admit(c, r)) {
            c->rejected++;
            c->client_inflight--;
            blis_request_free(&c->alloc, r);
            blis__free(&c->alloc, r);
            return BLIS_OK;
        }
        c->admitted++;
        return blis__cev_push(c, blis__sat_add(e->time_us, c->cfg.routing_latency_us), 2, r, err);
    default:
        blis__cluster_snapshots(c);
        target = blis__cluster_route(c, r, &scored, err);
        if (target < 0) {
            blis_request_free(&c->alloc, r);
            blis__free(&c->alloc, r);
            return err->status;
        }
        if (c->cfg.trace_decisions) blis__cluster_regret(c, target, scored);
        c->routed++;
        r->instance = target;
        c->pending[target]++;
        if ((st = blis_sim_inject(&c->instances[target], r, e->time_us, err))) {
            blis_request_free(&c->alloc, r);
            blis__free(&c->alloc, r);
            return st;
        }
        return BLIS_OK;
    }
}

/* The invariant check after an instance's event (check_invariants). */
static blis_status blis__cluster_paranoid(const blis_cluster *c, int inst, blis_event_kind kind, blis_err *err) {
    static const char *const what[8] = {"",
                                        "KV cache blocks (free list, reference counts, prefix index)",
                                        "causality (a first token at a negative time)",
                                        "kept requests against the completed and dropped counts",
                                        "a request in the running batch or wait queue in another state",
                                        "request conservation (queued + running + completed + in transit)",
                                        "request slots",
                                        "a request's ITL steps (runs in order, in the step log)"};
    int rc = blis_sim_check(&c->instances[inst]);
    if (rc == 0) return BLIS_OK;
    blis_err_clear(err, NULL);
    return blis_err_set(err, BLIS_E_INTERNAL, 0, 0,
                        "internal error: invariant %d (%s) violated after event %lld (kind %d) at simulated time "
                        "%lld us on instance %d; please report it with the command line",
                        rc, rc > 0 && rc < 8 ? what[rc] : "unknown", (long long)c->events_done, (int)kind,
                        (long long)c->clock_us, inst);
}

BLIS_DEF blis_status blis_cluster_run(blis_cluster *c, blis_err *err) {
    blis_status st = BLIS_OK;
    while (!c->finished && st == BLIS_OK) {
        int64_t tc = INT64_MAX, ti = INT64_MAX;
        int have_c = 0, inst = -1, i;
        if (c->next_arrival && (c->cfg.client_max_inflight <= 0 || c->client_inflight < c->cfg.client_max_inflight)) {
            tc = c->next_arrival->arrival_us;
            if (tc < c->clock_us) { /* held back by the client: sent now */
                tc = c->next_arrival->arrival_us = c->clock_us;
                c->client_delayed++;
            }
            have_c = 1;
        }
        if (c->event_len && (!have_c || c->events[0].time_us < tc)) { /* an arrival first at equal times */
            tc = c->events[0].time_us;
            have_c = 2;
        }
        for (i = 0; i < c->n_instances; i++) { /* ties: the lowest index */
            int64_t t = blis_sim_next_event_us(&c->instances[i]);
            if (t < ti) {
                ti = t;
                inst = i;
            }
        }
        if (!have_c && inst < 0) break;
        if (c->cancel && *c->cancel) {
            blis_err_clear(err, NULL);
            st = blis_err_set(err, BLIS_E_CANCELLED, 0, 0, "interrupted at simulated time %lld us after %lld events",
                              (long long)c->clock_us, (long long)c->events_done);
            break;
        }
        if (have_c && (inst < 0 || tc <= ti)) {
            blis__cluster_event e;
            c->clock_us = tc;
            if (tc > c->cfg.instance.horizon_us) break;
            if (have_c == 1) {
                c->client_inflight++;
                e.time_us = tc;
                e.kind = 0;
                e.seq = -1;
                e.req = c->next_arrival;
                c->next_arrival = NULL;
                if ((st = blis__cluster_fetch(c, err))) { /* the caller owns nothing on an error */
                    blis_request_free(&c->alloc, e.req);
                    blis__free(&c->alloc, e.req);
                    break;
                }
            } else {
                blis__heap_pop(c->events, c->event_len--, sizeof *c->events, blis__cev_less, &e);
            }
            st = blis__cluster_execute(c, &e, err);
        } else {
            blis_event_kind kind;
            blis_sim *s = &c->instances[inst];
            int64_t gone = s->dropped_unservable + s->timed_out;
            c->clock_us = ti;
            if (ti > c->cfg.instance.horizon_us) break;
            st = blis_sim_execute_next(s, &kind, err);
            /* the client's request finished: its last token left, it timed out or it was dropped */
            c->client_inflight -= s->dropped_unservable + s->timed_out - gone + (kind == BLIS_EV_REQUEST_LEFT);
            if (kind == BLIS_EV_QUEUED && c->pending[inst] > 0) c->pending[inst]--;
            if (st == BLIS_OK && c->check_invariants) st = blis__cluster_paranoid(c, inst, kind, err);
        }
        if (++c->events_done % (c->progress_every > 0 ? c->progress_every : INT64_MAX) == 0 && c->progress)
            c->progress(c->progress_user, c);
    }
    c->finished = 1;
    return st;
}

/* ==== >>metrics  implementation ====
 * Owns: the reference's statistics (sorted values; mean; linear-interpolated
 * percentiles; spec §8.1) and the metrics block. Uses: >>sim, >>json.
 * Invariants: values in us, printed in ms; the same inputs give the same
 * bytes. */

static int blis__i64_cmp(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Mean and percentiles (ms) of sorted integer values (us). */
static double blis__mean_ms(const int64_t *v, size_t n) {
    double sum = 0;
    size_t i;
    if (!n) return 0;
    for (i = 0; i < n; i++) sum += (double)v[i];
    return sum / (double)n / 1000;
}

static double blis__pct_ms(const int64_t *v, size_t n, double p) {
    double rank;
    size_t lo, hi;
    if (!n) return 0;
    rank = p / 100 * (double)(n - 1);
    lo = (size_t)floor(rank);
    hi = (size_t)ceil(rank);
    if (lo == hi) return (double)v[lo] / 1000;
    return (double)v[lo] / 1000 + (double)(v[hi] - v[lo]) * (rank - (double)lo) / 1000;
}

/* A multiset's (value, count) pairs sorted by value; buf holds the pairs
 * (2n), then the values (n), then the counts (n). */
typedef struct blis__sorted_counts {
    int64_t *values, *counts, *buf;
    size_t n;
    int64_t total;
} blis__sorted_counts;

static int blis__pair_cmp(const void *a, const void *b) {
    int64_t x = ((const int64_t *)a)[0], y = ((const int64_t *)b)[0];
    return x < y ? -1 : x > y;
}

/* The value at a rank of the sorted multiset. */
static int64_t blis__counts_at(const blis__sorted_counts *t, int64_t rank) {
    size_t i;
    for (i = 0; i < t->n; i++) {
        if (rank < t->counts[i]) return t->values[i];
        rank -= t->counts[i];
    }
    return t->n ? t->values[t->n - 1] : 0;
}

static double blis__counts_pct_ms(const blis__sorted_counts *t, double p) {
    double rank;
    int64_t lo, hi, vlo, vhi;
    if (!t->total) return 0;
    rank = p / 100 * (double)(t->total - 1);
    lo = (int64_t)floor(rank);
    hi = (int64_t)ceil(rank);
    vlo = blis__counts_at(t, lo);
    if (lo == hi) return (double)vlo / 1000;
    vhi = blis__counts_at(t, hi);
    return (double)vlo / 1000 + (double)(vhi - vlo) * (rank - (double)lo) / 1000;
}

static double blis__counts_mean_ms(const blis__sorted_counts *t) {
    double sum = 0;
    size_t i;
    int64_t k;
    int64_t exact = 0, limit = (int64_t)1 << 53;
    if (!t->total) return 0;
    /* In sorted order, one addition per entry, as the reference sums. The
     * values are integers >= 0: while the total stays within 2^53 every
     * partial sum is exact, and the sum is the integer total. */
    for (i = 0; i < t->n && exact >= 0; i++)
        if (t->values[i] > 0 && t->counts[i] > (limit - exact) / t->values[i])
            exact = -1;
        else
            exact += t->values[i] * t->counts[i];
    if (exact >= 0) return (double)exact / (double)t->total / 1000;
    for (i = 0; i < t->n; i++)
        for (k = 0; k < t->counts[i]; k++) sum += (double)t->values[i];
    return sum / (double)t->total / 1000;
}

typedef struct blis__minus_pairs {
    int64_t *pairs;
    size_t n;
} blis__minus_pairs;

static void blis__minus_pair(void *user, int64_t v) { /* (v, -1): one copy of v less */
    blis__minus_pairs *mp = (blis__minus_pairs *)user;
    mp->pairs[2 * mp->n] = v < 0 ? 0 : v;
    mp->pairs[2 * mp->n + 1] = -1;
    mp->n++;
}

/* A sorted view of a timing over instances: the multiset (the blis_counts
 * at byte offset `which` in blis_sim) plus the values of requests still in
 * flight (taken by pick; -1: none), or, with minus_live_itls, less the ITL
 * entries of requests still in flight (blis_sim.itl counts every request's). */
static blis_status blis__timings_sorted(const blis_sim *const *sims, size_t n_sims, size_t which,
                                        int64_t (*pick)(const blis_request *r), int minus_live_itls,
                                        blis__sorted_counts *t, blis_err *err) {
    size_t i, k, n = 0, m = 0, room = 0;
    int64_t total = 0, *buf;
    memset(t, 0, sizeof *t);
    for (k = 0; k < n_sims; k++) {
        const blis_sim *s = sims[k];
        const blis_counts *c = (const blis_counts *)(const void *)((const char *)s + which);
        room += c->len + s->running_len + s->waitq.len;
        if (minus_live_itls)
            for (i = 0; i < s->running_len + s->waitq.len; i++) room += (size_t)blis__in_flight_at(s, i)->itl_count;
    }
    buf = (int64_t *)blis__alloc(&sims[0]->alloc, (4 * room + 4) * sizeof(int64_t));
    if (!buf) return blis__nomem(err);
    for (k = 0; k < n_sims; k++) {
        const blis_sim *s = sims[k];
        const blis_counts *c = (const blis_counts *)(const void *)((const char *)s + which);
        size_t extra = s->running_len + s->waitq.len;
        total += c->total;
        for (i = 0; i < c->cap; i++)
            if (c->values[i] >= 0) {
                buf[2 * n] = c->values[i];
                buf[2 * n + 1] = c->counts[i];
                n++;
            }
        for (i = 0; i < extra; i++) {
            const blis_request *r = blis__in_flight_at(s, i);
            int64_t v = pick ? pick(r) : -1;
            if (minus_live_itls) {
                blis__minus_pairs mp;
                mp.pairs = buf + 2 * n;
                mp.n = 0;
                blis__itl_each(s, r, blis__minus_pair, &mp);
                n += mp.n;
                total -= (int64_t)mp.n;
            }
            if (v < 0) continue;
            buf[2 * n] = v;
            buf[2 * n + 1] = 1;
            n++;
            total++;
        }
    }
    qsort(buf, n, 2 * sizeof(int64_t), blis__pair_cmp);
    for (i = 0; i < n; i++) { /* one entry per value, none at count 0 */
        if (m > 0 && buf[2 * (m - 1)] == buf[2 * i]) {
            buf[2 * (m - 1) + 1] += buf[2 * i + 1];
            continue;
        }
        if (m > 0 && buf[2 * (m - 1) + 1] == 0) m--;
        buf[2 * m] = buf[2 * i];
        buf[2 * m + 1] = buf[2 * i + 1];
        m++;
    }
    if (m > 0 && buf[2 * (m - 1) + 1] == 0) m--;
    t->values = buf + 2 * n;
    t->counts = buf + 3 * n;
    for (i = 0; i < m; i++) {
        t->values[i] = buf[2 * i];
        t->counts[i] = buf[2 * i + 1];
    }
    t->n = m;
    t->total = total;
    t->buf = buf;
    return BLIS_OK;
}

/* The bucket midpoint at a rank of a merged sketch. */
static double blis__sketch_at(const int64_t *counts, size_t len, int64_t rank) {
    size_t k;
    for (k = 0; k < len; k++) {
        if (rank < counts[k]) return blis__sk_value(k);
        rank -= counts[k];
    }
    return len ? blis__sk_value(len - 1) : 0;
}

static double blis__sketch_pct_ms(const int64_t *counts, size_t len, int64_t total, double p) {
    double rank, vlo, vhi;
    int64_t lo, hi;
    if (!total) return 0;
    rank = p / 100 * (double)(total - 1);
    lo = (int64_t)floor(rank);
    hi = (int64_t)ceil(rank);
    vlo = blis__sketch_at(counts, len, lo);
    if (lo == hi) return vlo / 1000;
    vhi = blis__sketch_at(counts, len, hi);
    return vlo / 1000 + (vhi - vlo) * (rank - (double)lo) / 1000;
}

/* timings_summary for sketches: the instances' histograms merged, plus the
 * values of requests in flight (pick), less their ITLs (minus_live_itls);
 * the mean from the exact sums. */
static blis_status blis__sketch_summary(const blis_sim *const *sims, size_t n_sims, size_t which,
                                        int64_t (*pick)(const blis_request *r), int minus_live_itls, double *mean,
                                        double *p90, double *p95, double *p99, blis_err *err) {
    blis_counts m;
    size_t k, i;
    memset(&m, 0, sizeof m);
    m.sketch = 1;
    for (k = 0; k < n_sims; k++) {
        const blis_sim *s = sims[k];
        const blis_counts *c = (const blis_counts *)(const void *)((const char *)s + which);
        if (blis__sketch_span(&sims[0]->alloc, &m, c->len)) {
            blis__counts_free(&sims[0]->alloc, &m);
            return blis__nomem(err);
        }
        for (i = 0; i < c->len; i++) m.counts[i] += c->counts[i];
        m.total += c->total;
        m.sum_us += c->sum_us;
        for (i = 0; i < s->running_len + s->waitq.len; i++) {
            const blis_request *r = blis__in_flight_at(s, i);
            int64_t v = pick ? pick(r) : -1;
            if (minus_live_itls) blis__itl_each(s, r, blis__counts_sub_fn, &m);
            if (v >= 0 && blis__sketch_add(&sims[0]->alloc, &m, v, 1)) {
                blis__counts_free(&sims[0]->alloc, &m);
                return blis__nomem(err);
            }
        }
    }
    if (mean) *mean = m.total ? m.sum_us / (double)m.total / 1000 : 0;
    if (p90) *p90 = blis__sketch_pct_ms(m.counts, m.len, m.total, 90);
    if (p95) *p95 = blis__sketch_pct_ms(m.counts, m.len, m.total, 95);
    if (p99) *p99 = blis__sketch_pct_ms(m.counts, m.len, m.total, 99);
    blis__counts_free(&sims[0]->alloc, &m);
    return BLIS_OK;
}

/* Mean and percentiles (ms) of a timing; NULL outputs are skipped. */
static blis_status blis__timings_summary(const blis_sim *const *sims, size_t n_sims, size_t which,
                                         int64_t (*pick)(const blis_request *r), double *mean, double *p90, double *p95,
                                         double *p99, blis_err *err) {
    blis__sorted_counts t;
    if (sims[0]->cfg.streaming_metrics)
        return blis__sketch_summary(sims, n_sims, which, pick, which == offsetof(blis_sim, itl), mean, p90, p95, p99,
                                    err);
    if (blis__timings_sorted(sims, n_sims, which, pick, which == offsetof(blis_sim, itl), &t, err)) return BLIS_E_NOMEM;
    if (mean) *mean = blis__counts_mean_ms(&t);
    if (p90) *p90 = blis__counts_pct_ms(&t, 90);
    if (p95) *p95 = blis__counts_pct_ms(&t, 95);
    if (p99) *p99 = blis__counts_pct_ms(&t, 99);
    blis__free(&sims[0]->alloc, t.buf);
    return BLIS_OK;
}

static int64_t blis__pick_ttft(const blis_request *r) { return r->ttft_set ? r->first_token_us : -1; }
static int64_t blis__pick_sched(const blis_request *r) { return r->sched_delay_us; }

BLIS_DEF blis_status blis_sims_metrics(const blis_sim *const *sims, size_t n_sims, blis_metrics *m, blis_err *err) {
    size_t k, n_e2e = 0, at = 0;
    int64_t *v;
    double hit = 0, thrash = 0;
    memset(m, 0, sizeof *m);
    if (!n_sims) return BLIS_OK;
    for (k = 0; k < n_sims; k++) n_e2e += sims[k]->e2e_len;
    v = (int64_t *)blis__alloc(&sims[0]->alloc, (n_e2e + 1) * sizeof(int64_t));
    if (!v) return blis__nomem(err);
    for (k = 0; k < n_sims; k++) {
        const blis_sim *s = sims[k];
        int64_t ended = s->clock_us < s->cfg.horizon_us ? s->clock_us : s->cfg.horizon_us;
        m->completed += s->completed;
        m->still_queued += (int64_t)blis__wq_count(&s->waitq);
        m->still_running += (int64_t)s->running_len;
        m->dropped_unservable += s->dropped_unservable;
        m->timed_out += s->timed_out;
        m->total_input_tokens += s->total_input_tokens;
        m->total_output_tokens += s->total_output_tokens;
        m->generated_tokens += s->total_output_tokens + s->first_tokens;
        if (ended > m->sim_ended_us) m->sim_ended_us = ended;
        m->kv_allocation_failures += s->kv_allocation_failures;
        m->preemptions += s->preemptions;
        hit += blis_kv_hit_rate(&s->kv);
        thrash += blis_kv_thrashing_rate(&s->kv);
        if (s->e2e_len) memcpy(v + at, s->e2e_us, s->e2e_len * sizeof *v); /* E2E of completed requests */
        at += s->e2e_len;
    }
    m->injected = m->completed + m->still_queued + m->still_running + m->dropped_unservable + m->timed_out;
    m->duration_s = (double)m->sim_ended_us / 1e6;
    if (m->duration_s > 0) {
        m->responses_per_s = (double)m->completed / m->duration_s;
        m->tokens_per_s = (double)m->total_output_tokens / m->duration_s;
        m->generated_tokens_per_s = (double)m->generated_tokens / m->duration_s;
    }
    qsort(v, n_e2e, sizeof *v, blis__i64_cmp);
    m->e2e_mean_ms = blis__mean_ms(v, n_e2e);
    m->e2e_p90_ms = blis__pct_ms(v, n_e2e, 90);
    m->e2e_p95_ms = blis__pct_ms(v, n_e2e, 95);
    m->e2e_p99_ms = blis__pct_ms(v, n_e2e, 99);
    blis__free(&sims[0]->alloc, v);
    if (sims[0]->cfg.streaming_metrics &&
        blis__sketch_summary(sims, n_sims, offsetof(blis_sim, e2e_done), NULL, 0, &m->e2e_mean_ms, &m->e2e_p90_ms,
                             &m->e2e_p95_ms, &m->e2e_p99_ms, err))
        return BLIS_E_NOMEM;
    if (blis__timings_summary(sims, n_sims, offsetof(blis_sim, ttft_done), blis__pick_ttft, &m->ttft_mean_ms,
                              &m->ttft_p90_ms, &m->ttft_p95_ms, &m->ttft_p99_ms, err) ||
        blis__timings_summary(sims, n_sims, offsetof(blis_sim, itl), NULL, &m->itl_mean_ms, &m->itl_p90_ms,
                              &m->itl_p95_ms, &m->itl_p99_ms, err) ||
        blis__timings_summary(sims, n_sims, offsetof(blis_sim, sched_done), blis__pick_sched, NULL, NULL, NULL,
                              &m->scheduling_delay_p99_ms, err))
        return BLIS_E_NOMEM;
    m->cache_hit_rate = hit / (double)n_sims; /* the mean over instances */
    m->kv_thrashing_rate = thrash / (double)n_sims;
    {
        blis_flow all;
        memset(&all, 0, sizeof all);
        for (k = 0; k < n_sims; k++) blis_flow_merge(&all, &sims[k]->flow);
        blis_flow_steady(&all, &m->steady);
    }
    m->preemption_rate = m->completed ? (double)m->preemptions / (double)m->completed : 0;
    return BLIS_OK;
}

BLIS_DEF blis_status blis_sim_metrics(const blis_sim *s, blis_metrics *m, blis_err *err) {
    return blis_sims_metrics(&s, 1, m, err);
}

BLIS_DEF const char *blis_steady_status_name(blis_steady_status st) {
    switch (st) {
    case BLIS_STEADY_NONE: return "none";
    case BLIS_STEADY_OK: return "steady";
    case BLIS_STEADY_SATURATED: return "saturated";
    case BLIS_STEADY_SHORT: return "too-short";
    }
    return "?";
}

/* Requests in flight at bucket edge k (arrived before it, minus those that
 * left before it). */
static int64_t blis__flow_in_flight(const blis_flow *f, size_t k) {
    int64_t n = 0;
    size_t i;
    for (i = 0; i < k && i < BLIS_FLOW_BUCKETS; i++) n += f->arrived[i] - f->completed[i] - f->left[i];
    return n;
}

BLIS_DEF void blis_flow_steady(const blis_flow *f, blis_steady *o) {
    int64_t w = f->width_us, span, a_half = 0;
    size_t b0, b1, bm, i;
    double t_s;
    memset(o, 0, sizeof *o);
    if (!f->n_arrived || w <= 0) return; /* BLIS_STEADY_NONE */
    span = f->last_arrival_us - f->first_arrival_us;
    b0 = (size_t)((f->first_arrival_us + span / 3 + w - 1) / w); /* warm-up: the first third of the arrivals' span */
    b1 = (size_t)(f->last_arrival_us / w);                       /* drain: from the last arrival's bucket on */
    if (b1 > BLIS_FLOW_BUCKETS) b1 = BLIS_FLOW_BUCKETS;
    o->status = BLIS_STEADY_SHORT;
    if (b1 <= b0) return;
    bm = b0 + (b1 - b0) / 2;
    for (i = b0; i < b1; i++) {
        o->window_arrived += f->arrived[i];
        o->window_completed += f->completed[i];
        if (i >= bm) a_half += f->arrived[i];
    }
    o->window_start_s = (double)((int64_t)b0 * w) / 1e6;
    o->window_end_s = (double)((int64_t)b1 * w) / 1e6;
    t_s = o->window_end_s - o->window_start_s;
    o->offered_per_s = (double)o->window_arrived / t_s;
    o->achieved_per_s = (double)o->window_completed / t_s;
    {
        int64_t mid = blis__flow_in_flight(f, bm), noise;
        o->growth = blis__flow_in_flight(f, b1) - mid;
        /* a stable server's requests in flight vary by about sqrt(N) (Poisson-like): the difference of two
         * readings stays within 3 sqrt(2N) nearly always; a slow climb below 5% of the arrivals is noise too */
        noise = (int64_t)ceil(3 * sqrt(2 * (double)(mid > 0 ? mid : 0) + 2));
        o->growth_limit = (int64_t)ceil(0.05 * (double)a_half);
        if (noise > o->growth_limit) o->growth_limit = noise;
    }
    /* too short: the window must see requests arrive and complete (a run
     * shorter than its requests' latency says nothing about steady state) */
    if (a_half < BLIS_STEADY_MIN_REQUESTS || o->window_completed < BLIS_STEADY_MIN_REQUESTS) return;
    if (o->growth > o->growth_limit)
        o->status = BLIS_STEADY_SATURATED;
    else if (o->achieved_per_s >= 0.9 * o->offered_per_s)
        o->status = BLIS_STEADY_OK;
    /* else: in flight flat in the second half, yet the window completed under 90% of what arrived: the
     * server was still filling up (its latency is a large part of the window): too short to judge */
}

BLIS_DEF blis_status blis_cluster_metrics(const blis_cluster *c, int instance, blis_metrics *m, blis_err *err) {
    const blis_sim **sims;
    blis_status st;
    int i;
    memset(m, 0, sizeof *m);
    if (instance >= 0) {
        if (instance >= c->n_instances) return blis_err_set(err, BLIS_E_RANGE, 0, 0, "no instance %d", instance);
        return blis_sim_metrics(&c->instances[instance], m, err);
    }
    if (c->n_instances < 1) return blis_err_set(err, BLIS_E_RANGE, 0, 0, "the cluster has no instance");
    sims = (const blis_sim **)blis__alloc(&c->alloc, (size_t)(c->n_instances + 1) * sizeof *sims);
    if (!sims) return blis__nomem(err);
    for (i = 0; i < c->n_instances; i++) sims[i] = &c->instances[i];
    st = blis_sims_metrics(sims, (size_t)c->n_instances, m, err);
    blis__free(&c->alloc, (void *)sims);
    return st;
}

/* The metrics block's members, in the reference's order. */
static void blis__metrics_members(const blis_metrics *m, const char *instance_id, blis_jw *w) {
    blis_jw_key_str(w, "instance_id", instance_id);
    blis_jw_key_i64(w, "completed_requests", m->completed);
    blis_jw_key_i64(w, "still_queued", m->still_queued);
    blis_jw_key_i64(w, "still_running", m->still_running);
    blis_jw_key_i64(w, "injected_requests", m->injected);
    blis_jw_key_i64(w, "total_input_tokens", m->total_input_tokens);
    blis_jw_key_i64(w, "total_output_tokens", m->total_output_tokens);
    blis_jw_key_f64(w, "vllm_estimated_duration_s", m->duration_s);
    blis_jw_key_f64(w, "responses_per_sec", m->responses_per_s);
    blis_jw_key_f64(w, "tokens_per_sec", m->tokens_per_s);
    blis_jw_key_f64(w, "e2e_mean_ms", m->e2e_mean_ms);
    blis_jw_key_f64(w, "e2e_p90_ms", m->e2e_p90_ms);
    blis_jw_key_f64(w, "e2e_p95_ms", m->e2e_p95_ms);
    blis_jw_key_f64(w, "e2e_p99_ms", m->e2e_p99_ms);
    blis_jw_key_f64(w, "ttft_mean_ms", m->ttft_mean_ms);
    blis_jw_key_f64(w, "ttft_p90_ms", m->ttft_p90_ms);
    blis_jw_key_f64(w, "ttft_p95_ms", m->ttft_p95_ms);
    blis_jw_key_f64(w, "ttft_p99_ms", m->ttft_p99_ms);
    blis_jw_key_f64(w, "itl_mean_ms", m->itl_mean_ms);
    blis_jw_key_f64(w, "itl_p90_ms", m->itl_p90_ms);
    blis_jw_key_f64(w, "itl_p95_ms", m->itl_p95_ms);
    blis_jw_key_f64(w, "itl_p99_ms", m->itl_p99_ms);
    blis_jw_key_f64(w, "scheduling_delay_p99_ms", m->scheduling_delay_p99_ms);
    if (m->kv_allocation_failures) blis_jw_key_i64(w, "kv_allocation_failures", m->kv_allocation_failures);
    blis_jw_key_i64(w, "preemption_count", m->preemptions);
    blis_jw_key_i64(w, "dropped_unservable", m->dropped_unservable);
}

BLIS_DEF void blis_metrics_write(const blis_metrics *m, const char *instance_id, blis_jw *w) {
    blis_jw_object_begin(w);
    blis__metrics_members(m, instance_id, w);
    blis_jw_object_end(w);
}

/* ==== >>report  implementation ====
 * Owns: the results file and the KV-metrics lines. Uses: >>sim, >>metrics,
 * >>json. Invariants: entries ordered by (arrival, request ID string), as
 * the reference's sort by ID then stable sort by arrival gives. */

static int blis__result_cmp(const void *pa, const void *pb) {
    const blis_request *a = *(const blis_request *const *)pa, *b = *(const blis_request *const *)pb;
    if (a->arrival_us != b->arrival_us) return a->arrival_us < b->arrival_us ? -1 : 1;
    return blis__id_cmp(a, b);
}

static void blis__result_entry(blis_jw *w, const blis_request *r, const char *handled_by) {
    char id[40];
    int done = r->state == BLIS_REQ_COMPLETED;
    double itl = 0;
    if (done && r->output_tokens > 0)
        itl = (double)(r->e2e_us - r->first_token_us) / (double)(r->output_tokens - 1 > 1 ? r->output_tokens - 1 : 1);
    snprintf(id, sizeof id, "request_%lld", (long long)r->index);
    blis_jw_object_begin(w);
    blis_jw_key_f64(w, "arrived_at", (double)r->arrival_us / 1e6);
    blis_jw_key_str(w, "requestID", id);
    blis_jw_key_i64(w, "num_prefill_tokens", r->input_tokens);
    blis_jw_key_i64(w, "num_decode_tokens", r->output_tokens);
    blis_jw_key_f64(w, "ttft_ms", r->ttft_set ? (double)r->first_token_us / 1e3 : 0);
    blis_jw_key_f64(w, "itl_ms", itl / 1e3);
    blis_jw_key_f64(w, "e2e_ms", done ? (double)r->e2e_us / 1e3 : 0);
    blis_jw_key_f64(w, "scheduling_delay_ms", r->sched_delay_us >= 0 ? (double)r->sched_delay_us / 1e3 : 0);
    if (r->slo_class) blis_jw_key_str(w, "slo_class", r->slo_class);
    if (r->tenant_id) blis_jw_key_str(w, "tenant_id", r->tenant_id);
    if (handled_by && *handled_by) {
        blis_jw_key_str(w, "handled_by", handled_by);
    } else {
        snprintf(id, sizeof id, "instance_%d", (int)r->instance);
        blis_jw_key_str(w, "handled_by", id);
    }
    blis_jw_object_end(w);
}

static blis_status blis__results_write(const blis_sim *const *sims, size_t n_sims, const blis_metrics *m,
                                       const char *instance_id, const char *handled_by, blis_jw *w, blis_err *err) {
    const blis_request **order;
    size_t i, k, n = 0, total = 0;
    for (k = 0; k < n_sims; k++) {
        if (!sims[k]->cfg.keep_requests)
            return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                                "per-request results need blis_sim_config.keep_requests = 1");
        total += sims[k]->request_count;
    }
    order = (const blis_request **)blis__alloc(&sims[0]->alloc, (total + 1) * sizeof *order);
    if (!order) return blis__nomem(err);
    for (k = 0; k < n_sims; k++)
        for (i = 0; i < sims[k]->request_count; i++)
            if (sims[k]->requests[i]->injected && sims[k]->requests[i]->state != -1) order[n++] = sims[k]->requests[i];
    qsort((void *)order, n, sizeof *order, blis__result_cmp);
    blis_jw_object_begin(w);
    blis__metrics_members(m, instance_id, w);
    if (n) { /* omitted when empty (Go's omitempty) */
        blis_jw_key(w, "requests");
        blis_jw_array_begin(w);
        for (i = 0; i < n; i++) blis__result_entry(w, order[i], handled_by);
        blis_jw_array_end(w);
    }
    blis_jw_object_end(w);
    blis__free(&sims[0]->alloc, (void *)order);
    return BLIS_OK;
}

BLIS_DEF blis_status blis_results_write(const blis_sim *s, const blis_metrics *m, const char *instance_id,
                                        const char *handled_by, blis_jw *w, blis_err *err) {
    return blis__results_write(&s, 1, m, instance_id, handled_by, w, err);
}

BLIS_DEF blis_status blis_cluster_results_write(const blis_cluster *c, const blis_metrics *m, blis_jw *w,
                                                blis_err *err) {
    const blis_sim **sims;
    blis_status st;
    int i;
    if (c->n_instances < 1) return blis_err_set(err, BLIS_E_RANGE, 0, 0, "the cluster has no instance");
    sims = (const blis_sim **)blis__alloc(&c->alloc, (size_t)(c->n_instances + 1) * sizeof *sims);
    if (!sims) return blis__nomem(err);
    for (i = 0; i < c->n_instances; i++) sims[i] = &c->instances[i];
    st = blis__results_write(sims, (size_t)c->n_instances, m, "cluster", NULL, w, err);
    blis__free(&c->alloc, (void *)sims);
    return st;
}

BLIS_DEF size_t blis_kv_metrics_format(const blis_metrics *m, char *buf, size_t size) {
    char p[40], c[40], t[40];
    blis_f64_format_fixed(m->preemption_rate, 4, p, sizeof p);
    blis_f64_format_fixed(m->cache_hit_rate, 4, c, sizeof c);
    blis_f64_format_fixed(m->kv_thrashing_rate, 4, t, sizeof t);
    if (m->preemption_rate == 0 && m->cache_hit_rate == 0 && m->kv_thrashing_rate == 0) {
        if (size) buf[0] = '\0';
        return 0;
    }
    return (size_t)snprintf(
        buf, size, "=== KV Cache Metrics ===\nPreemption Rate: %s\nCache Hit Rate: %s\nKV Thrashing Rate: %s\n", p, c,
        t);
}

/* ---- the reports after the metrics (spec §8.3) ---- */

static int blis__puts(blis_write_fn write, void *user, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int blis__puts(blis_write_fn write, void *user, const char *fmt, ...) {
    char line[512];
    int n;
    va_list ap;
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0) return -1;
    return write(user, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static const char *blis__slo_of(const blis_request *r) { return r->slo_class ? r->slo_class : "default"; }

static int blis__arrival_cmp(const void *pa, const void *pb) {
    const blis_request *a = *(const blis_request *const *)pa, *b = *(const blis_request *const *)pb;
    if (a->arrival_us != b->arrival_us) return a->arrival_us < b->arrival_us ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

static int blis__slo_cmp(const void *pa, const void *pb) {
    const blis_request *a = *(const blis_request *const *)pa, *b = *(const blis_request *const *)pb;
    int c = strcmp(blis__slo_of(a), blis__slo_of(b));
    return c ? c : blis__arrival_cmp(pa, pb);
}

/* Pairs i < j (in the slice's order) with e2e_i > 2 e2e_j, in O(n log n):
 * a Fenwick tree over the sorted E2E values seen so far. */
static blis_status blis__inversions(const blis_alloc *a, const blis_request **r, size_t n, int64_t *out,
                                    blis_err *err) {
    int64_t *vals = (int64_t *)blis__alloc(a, (n + 1) * sizeof(int64_t)), *tree;
    size_t i, seen = 0;
    tree = (int64_t *)blis__alloc(a, (n + 2) * sizeof(int64_t));
    if (!vals || !tree) {
        blis__free(a, vals);
        blis__free(a, tree);
        return blis__nomem(err);
    }
    for (i = 0; i < n; i++) vals[i] = r[i]->e2e_us;
    qsort(vals, n, sizeof *vals, blis__i64_cmp);
    memset(tree, 0, (n + 2) * sizeof(int64_t));
    for (i = 0; i < n; i++) {
        int64_t twice = 2 * r[i]->e2e_us, le = 0;
        size_t lo = 0, hi = n, k;
        while (lo < hi) { /* values <= twice: the first index above it */
            size_t mid = (lo + hi) / 2;
            if (vals[mid] <= twice)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (k = lo; k > 0; k -= k & (~k + 1)) le += tree[k];
        *out += (int64_t)seen - le;
        lo = 0;
        hi = n;
        while (lo < hi) { /* this value's position (1-based) */
            size_t mid = (lo + hi) / 2;
            if (vals[mid] < r[i]->e2e_us)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (k = lo + 1; k <= n; k += k & (~k + 1)) tree[k]++;
        seen++;
    }
    blis__free(a, vals);
    blis__free(a, tree);
    return BLIS_OK;
}

BLIS_DEF blis_status blis_cluster_anomalies(const blis_cluster *c, blis_anomalies *an, blis_err *err) {
    int i;
    memset(an, 0, sizeof *an);
    an->rejected = c->rejected;
    for (i = 0; i < c->n_instances; i++) an->dropped_unservable += c->instances[i].dropped_unservable;
    if (c->cfg.instance.priority != BLIS_PRIO_CONSTANT)
        for (i = 0; i < c->n_instances; i++) {
            const blis_sim *s = &c->instances[i];
            const blis_request **done;
            size_t k, n = 0, start;
            if (!s->cfg.keep_requests)
                return blis_err_set(err, BLIS_E_INVALID, 0, 0, "priority inversions need keep_requests = 1");
            done = (const blis_request **)blis__alloc(&c->alloc, (s->request_count + 1) * sizeof *done);
            if (!done) return blis__nomem(err);
            for (k = 0; k < s->request_count; k++)
                if (s->requests[k]->state == BLIS_REQ_COMPLETED) done[n++] = s->requests[k];
            qsort((void *)done, n, sizeof *done, blis__slo_cmp);
            for (start = 0; start < n;) { /* one SLO class at a time, in arrival order */
                size_t end = start;
                while (end < n && !strcmp(blis__slo_of(done[end]), blis__slo_of(done[start]))) end++;
                if (blis__inversions(&c->alloc, done + start, end - start, &an->priority_inversions, err)) {
                    blis__free(&c->alloc, (void *)done);
                    return BLIS_E_NOMEM;
                }
                start = end;
            }
            blis__free(&c->alloc, (void *)done);
        }
    if (c->n_instances >= 2) {
        double overall = 0;
        for (i = 0; i < c->n_instances; i++) {
            const blis_sim *s = &c->instances[i];
            overall += s->waitq_samples ? (double)s->waitq_len_sum / (double)s->waitq_samples : 0;
        }
        overall /= (double)c->n_instances;
        for (i = 0; overall > 0 && i < c->n_instances; i++) {
            const blis_sim *s = &c->instances[i];
            double mean = s->waitq_samples ? (double)s->waitq_len_sum / (double)s->waitq_samples : 0;
            if (mean > 2 * overall) an->hol_blocking++;
        }
    }
    return BLIS_OK;
}

BLIS_DEF int blis_anomalies_write(const blis_anomalies *a, blis_write_fn write, void *user) {
    if (!a->priority_inversions && !a->hol_blocking && !a->rejected && !a->dropped_unservable) return 0;
    return blis__puts(write, user,
                      "=== Anomaly Counters ===\nPriority Inversions: %lld\nHOL Blocking Events: %lld\nRejected "
                      "Requests: %lld\nDropped Unservable: %lld\n",
                      (long long)a->priority_inversions, (long long)a->hol_blocking, (long long)a->rejected,
                      (long long)a->dropped_unservable);
}

/* The reference's Distribution over raw us values taken in request-ID
 * order: the mean sums in that order; percentiles on the sorted values. */
typedef struct blis__dist {
    double mean, p50, p99;
    int64_t count;
} blis__dist;

static double blis__pct_raw(const int64_t *v, size_t n, double p) {
    double rank;
    size_t lo, hi;
    if (!n) return 0;
    if (n == 1) return (double)v[0];
    rank = p / 100 * (double)(n - 1);
    lo = (size_t)floor(rank);
    hi = (size_t)ceil(rank);
    if (lo == hi) return (double)v[lo];
    return (double)v[lo] + (double)(v[hi] - v[lo]) * (rank - (double)lo);
}

static int blis__id_order_cmp(const void *pa, const void *pb) {
    return blis__id_cmp(*(const blis_request *const *)pa, *(const blis_request *const *)pb);
}

/* e2e: 1 for E2E (completed requests), 0 for TTFT (requests with one);
 * slo: only that class (NULL: all). */
static blis_status blis__cluster_dist(const blis_cluster *c, int e2e, const char *slo, blis__dist *d, blis_err *err) {
    const blis_request **reqs;
    int64_t *v;
    size_t total = 0, n = 0, i;
    int k;
    double sum = 0;
    memset(d, 0, sizeof *d);
    for (k = 0; k < c->n_instances; k++) {
        if (!c->instances[k].cfg.keep_requests)
            return blis_err_set(err, BLIS_E_INVALID, 0, 0, "this report needs keep_requests = 1");
        total += c->instances[k].request_count;
    }
    reqs = (const blis_request **)blis__alloc(&c->alloc, (total + 1) * sizeof *reqs);
    v = (int64_t *)blis__alloc(&c->alloc, (total + 1) * sizeof *v);
    if (!reqs || !v) {
        blis__free(&c->alloc, (void *)reqs);
        blis__free(&c->alloc, v);
        return blis__nomem(err);
    }
    for (k = 0; k < c->n_instances; k++)
        for (i = 0; i < c->instances[k].request_count; i++) {
            const blis_request *r = c->instances[k].requests[i];
            if (!r->injected || r->state == -1 || (slo && strcmp(blis__slo_of(r), slo))) continue;
            if (e2e ? r->state == BLIS_REQ_COMPLETED : r->ttft_set) reqs[n++] = r;
        }
    qsort((void *)reqs, n, sizeof *reqs, blis__id_order_cmp);
    for (i = 0; i < n; i++) {
        v[i] = e2e ? reqs[i]->e2e_us : reqs[i]->first_token_us;
        sum += (double)v[i];
    }
    d->count = (int64_t)n;
    if (n) d->mean = sum / (double)n;
    qsort(v, n, sizeof *v, blis__i64_cmp);
    d->p50 = blis__pct_raw(v, n, 50);
    d->p99 = blis__pct_raw(v, n, 99);
    blis__free(&c->alloc, (void *)reqs);
    blis__free(&c->alloc, v);
    return BLIS_OK;
}

static int blis__cstr_cmp(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

BLIS_DEF blis_status blis_cluster_slo_write(const blis_cluster *c, blis_write_fn write, void *user, blis_err *err) {
    const char **classes;
    size_t n = 0, cap = 0, i, j;
    int k;
    blis_status st = BLIS_OK;
    for (k = 0; k < c->n_instances; k++) cap += c->instances[k].request_count;
    classes = (const char **)blis__alloc(&c->alloc, (cap + 1) * sizeof *classes);
    if (!classes) return blis__nomem(err);
    for (k = 0; k < c->n_instances; k++)
        for (i = 0; i < c->instances[k].request_count; i++) {
            const blis_request *r = c->instances[k].requests[i];
            const char *cls = blis__slo_of(r);
            if (!r->injected || r->state == -1) continue;
            for (j = 0; j < n && strcmp(classes[j], cls); j++) {
            }
            if (j == n) classes[n++] = cls;
        }
    if (n > 1) {
        qsort((void *)classes, n, sizeof *classes, blis__cstr_cmp);
        if (blis__puts(write, user, "=== Per-SLO Metrics ===\n")) st = BLIS_E_IO;
        for (i = 0; i < n && st == BLIS_OK; i++) {
            blis__dist t, e;
            if ((st = blis__cluster_dist(c, 0, classes[i], &t, err)) ||
                (st = blis__cluster_dist(c, 1, classes[i], &e, err)))
                break;
            if (blis__puts(write, user,
                           "  %s:\n    TTFT: mean=%.2f p99=%.2f (n=%lld)\n    E2E:  mean=%.2f p99=%.2f (n=%lld)\n",
                           classes[i], t.mean, t.p99, (long long)t.count, e.mean, e.p99, (long long)e.count))
                st = BLIS_E_IO;
        }
    }
    blis__free(&c->alloc, (void *)classes);
    if (st == BLIS_E_IO) blis_err_set(err, BLIS_E_IO, 0, 0, "cannot write the per-SLO metrics");
    return st;
}

BLIS_DEF blis_status blis_cluster_window_metrics(const blis_cluster *c, const int64_t *start_us, size_t n,
                                                 blis_window_metrics *out, blis_err *err) {
    double ttft[64], e2e[64], itl_sum[64], itl_n[64];
    size_t i, w;
    int k;
    if (n < 1 || n > 64)
        return blis_err_set(err, BLIS_E_RANGE, 0, 0, "window metrics: 1..64 windows, got %lu", (unsigned long)n);
    for (w = 0; w < n; w++) {
        ttft[w] = e2e[w] = itl_sum[w] = itl_n[w] = 0;
        out[w].completed = 0;
    }
    for (k = 0; k < c->n_instances; k++) {
        const blis_sim *s = &c->instances[k];
        if (!s->cfg.keep_requests)
            return blis_err_set(err, BLIS_E_INVALID, 0, 0, "window metrics need blis_sim_config.keep_requests = 1");
        for (i = 0; i < s->request_count; i++) { /* in generation order: the sums' order is fixed */
            const blis_request *r = s->requests[i];
            if (r->state != BLIS_REQ_COMPLETED || r->arrival_us < start_us[0]) continue;
            for (w = 0; w + 1 < n && r->arrival_us >= start_us[w + 1]; w++) {
            }
            out[w].completed++;
            ttft[w] += (double)r->first_token_us;
            e2e[w] += (double)r->e2e_us;
            itl_sum[w] += (double)r->itl_sum_us;
            itl_n[w] += (double)r->itl_count;
        }
    }
    for (w = 0; w < n; w++) {
        double c_w = (double)out[w].completed;
        out[w].ttft_mean_ms = c_w > 0 ? ttft[w] / c_w / 1e3 : NAN;
        out[w].e2e_mean_ms = c_w > 0 ? e2e[w] / c_w / 1e3 : NAN;
        out[w].itl_mean_ms = itl_n[w] > 0 ? itl_sum[w] / itl_n[w] / 1e3 : NAN;
    }
    return BLIS_OK;
}

/* In sorted order (the reference iterates its keys sorted). */
static const char *const blis__fitness_keys[BLIS_FITNESS_KEYS] = {
    "mean_e2e", "mean_ttft", "p50_e2e", "p50_ttft", "p99_e2e", "p99_ttft", "throughput", "tokens_per_sec"};

BLIS_DEF const char *blis_fitness_key_name(int k) {
    return k >= 0 && k < BLIS_FITNESS_KEYS ? blis__fitness_keys[k] : "unknown";
}

BLIS_DEF blis_status blis_fitness_parse(const char *text, blis_fitness_weights *w, blis_err *err) {
    const char *p = text;
    memset(w, 0, sizeof *w);
    for (;;) {
        const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p), *colon;
        char key[64];
        double v;
        int k;
        colon = (const char *)memchr(p, ':', (size_t)(end - p));
        if (!colon || (size_t)(colon - p) >= sizeof key)
            return blis_err_set(err, BLIS_E_INVALID, 0, 0, "invalid fitness weight \"%.*s\": expected key:value",
                                (int)(end - p), p);
        memcpy(key, p, (size_t)(colon - p));
        key[colon - p] = '\0';
        if (blis_parse_f64(colon + 1, (size_t)(end - colon - 1), BLIS_NUM_ALLOW_PLUS | BLIS_NUM_LOOSE_DOT, &v) ||
            !(v >= 0 && v <= DBL_MAX))
            return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                                "invalid weight for \"%s\": must be a finite non-negative number, got %.*s", key,
                                (int)(end - colon - 1), colon + 1);
        for (k = 0; k < BLIS_FITNESS_KEYS && strcmp(key, blis__fitness_keys[k]); k++) {
        }
        if (k == BLIS_FITNESS_KEYS)
            return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                                "Fitness evaluation failed: unknown fitness metric key \"%s\"; valid keys: "
                                "throughput, tokens_per_sec, p99_ttft, p50_ttft, mean_ttft, p99_e2e, p50_e2e, "
                                "mean_e2e",
                                key);
        w->weight[k] = v;
        w->set[k] = 1;
        if (!comma) break;
        p = comma + 1;
    }
    return BLIS_OK;
}

BLIS_DEF blis_status blis_cluster_fitness_write(const blis_cluster *c, const blis_metrics *m,
                                                const blis_fitness_weights *w, blis_write_fn write, void *user,
                                                blis_err *err) {
    double comp[BLIS_FITNESS_KEYS], score = 0;
    blis__dist t, e;
    int k;
    blis_status st;
    if ((st = blis__cluster_dist(c, 0, NULL, &t, err)) || (st = blis__cluster_dist(c, 1, NULL, &e, err))) return st;
    comp[0] = 1 / (1 + e.mean / 1000);
    comp[1] = 1 / (1 + t.mean / 1000);
    comp[2] = 1 / (1 + e.p50 / 1000);
    comp[3] = 1 / (1 + t.p50 / 1000);
    comp[4] = 1 / (1 + e.p99 / 1000);
    comp[5] = 1 / (1 + t.p99 / 1000);
    {
        double secs = (double)m->sim_ended_us / 1e6;
        double rps = m->completed && secs > 0 ? (double)m->completed / secs : 0;
        double tps = m->completed && secs > 0 ? (double)m->total_output_tokens / secs : 0;
        comp[6] = rps / (rps + 100);
        comp[7] = tps / (tps + 10000);
    }
    for (k = 0; k < BLIS_FITNESS_KEYS; k++)
        if (w->set[k]) score += comp[k] * w->weight[k];
    if (blis__puts(write, user, "=== Fitness Evaluation ===\nScore: %.6f\n", score))
        return blis_err_set(err, BLIS_E_IO, 0, 0, "cannot write the fitness evaluation");
    for (k = 0; k < BLIS_FITNESS_KEYS; k++)
        if (w->set[k] && blis__puts(write, user, "  %s: %.6f\n", blis__fitness_keys[k], comp[k]))
            return blis_err_set(err, BLIS_E_IO, 0, 0, "cannot write the fitness evaluation");
    return BLIS_OK;
}

BLIS_DEF int blis_cluster_trace_summary_write(const blis_cluster *c, blis_write_fn write, void *user) {
    int i, j, unique = 0, n = c->n_instances;
    if (blis__puts(write, user, "=== Trace Summary ===\nTotal Decisions: %lld\n  Admitted: %lld\n  Rejected: %lld\n",
                   (long long)(c->admitted + c->rejected), (long long)c->admitted, (long long)c->rejected))
        return -1;
    for (i = 0; i < n; i++) unique += c->target_counts[i] > 0;
    if (blis__puts(write, user, "Unique Targets: %d\nTarget Distribution:\n", unique)) return -1;
    { /* instances named instance_<i>, listed in the names' string order */
        int32_t *ord = c->order;
        for (i = 0; i < n; i++) ord[i] = i;
        for (i = 1; i < n; i++)
            for (j = i; j > 0; j--) {
                char a[24], b[24];
                int32_t t;
                snprintf(a, sizeof a, "instance_%d", (int)ord[j]);
                snprintf(b, sizeof b, "instance_%d", (int)ord[j - 1]);
                if (strcmp(a, b) >= 0) break;
                t = ord[j];
                ord[j] = ord[j - 1];
                ord[j - 1] = t;
            }
        for (i = 0; i < n; i++)
            if (c->target_counts[ord[i]] > 0 &&
                blis__puts(write, user, "  instance_%d: %lld\n", (int)ord[i], (long long)c->target_counts[ord[i]]))
                return -1;
    }
    return blis__puts(write, user, "Mean Regret: %.6f\nMax Regret: %.6f\n",
                      c->routed ? c->regret_sum / (double)c->routed : 0, c->regret_max);
}

/* ---- the policy bundle ---- */

static blis_status blis__bundle_policy(const blis_doc *d, const blis_node *o, const char *kind, const char *const *keys,
                                       const char **name, blis_err *err) {
    size_t i, k;
    const blis_node *p;
    for (i = 0; i < o->count; i++) {
        const blis_node *key = blis_node_key_at(d, o, i);
        int ok = 0;
        for (k = 0; keys[k]; k++) ok |= !strcmp(key->as.string, keys[k]);
        if (!ok) return blis__node_errf(d, key, err, BLIS_E_INVALID, "unknown field %s in %s", key->as.string, kind);
    }
    *name = NULL;
    if ((p = blis_node_get(d, o, "policy")) != NULL) return blis_node_text(d, p, name, err);
    return BLIS_OK;
}

static blis_status blis__bundle_f64(const blis_doc *d, const blis_node *o, const char *key, double *out, int *has,
                                    blis_err *err) {
    const blis_node *n = blis_node_get(d, o, key);
    blis_status st;
    if (!n) return BLIS_OK;
    if ((st = blis_node_f64(d, n, out, err))) return st;
    if (!(*out >= 0 && *out <= DBL_MAX))
        return blis__node_errf(d, n, err, BLIS_E_INVALID, "%s must be a finite number >= 0", key);
    *has = 1;
    return BLIS_OK;
}

BLIS_DEF blis_status blis_policy_bundle_from_doc(const blis_doc *d, blis_policy_bundle *b, blis_err *err) {
    static const char *const top[] = {"admission", "routing", "priority", "scheduler", NULL},
                             *const akeys[] = {"policy", "token_bucket_capacity", "token_bucket_refill_rate", NULL},
                             *const rkeys[] = {"policy", "scorers", NULL}, *const pkeys[] = {"policy", NULL};
    const blis_node *root = blis_doc_root(d), *n;
    const char *name = NULL;
    size_t i, k;
    blis_status st;
    memset(b, 0, sizeof *b);
    blis_err_clear(err, d->source);
    if (!root || root->kind != BLIS_NODE_OBJECT)
        return blis__node_errf(d, root, err, BLIS_E_TYPE, "expected a mapping");
    for (i = 0; i < root->count; i++) {
        const blis_node *key = blis_node_key_at(d, root, i);
        int ok = 0;
        for (k = 0; top[k]; k++) ok |= !strcmp(key->as.string, top[k]);
        if (!ok)
            return blis__node_errf(d, key, err, BLIS_E_INVALID,
                                   "unknown field %s; valid: admission, routing, priority, scheduler", key->as.string);
    }
    if ((n = blis_node_get(d, root, "admission")) != NULL) {
        if (n->kind != BLIS_NODE_OBJECT)
            return blis__node_errf(d, n, err, BLIS_E_TYPE, "admission: expected a mapping");
        if ((st = blis__bundle_policy(d, n, "admission", akeys, &name, err)) ||
            (st = blis__bundle_f64(d, n, "token_bucket_capacity", &b->capacity, &b->has_capacity, err)) ||
            (st = blis__bundle_f64(d, n, "token_bucket_refill_rate", &b->refill, &b->has_refill, err)))
            return st;
        if (name && (b->admission = blis_admission_parse(name)) < 0)
            return blis__node_errf(d, blis_node_get(d, n, "policy"), err, BLIS_E_INVALID,
                                   "unknown admission policy \"%s\"; valid options: always-admit, reject-all, "
                                   "token-bucket",
                                   name);
        b->has_admission = name != NULL;
    }
    if ((n = blis_node_get(d, root, "routing")) != NULL) {
        const blis_node *sc;
        if (n->kind != BLIS_NODE_OBJECT) return blis__node_errf(d, n, err, BLIS_E_TYPE, "routing: expected a mapping");
        if ((st = blis__bundle_policy(d, n, "routing", rkeys, &name, err))) return st;
        if (name && (b->routing = blis_routing_parse(name)) < 0)
            return blis__node_errf(d, blis_node_get(d, n, "policy"), err, BLIS_E_INVALID,
                                   "unknown routing policy \"%s\"; valid options: always-busiest, least-loaded, "
                                   "prefix-affinity, round-robin, weighted",
                                   name);
        b->has_routing = name != NULL;
        if ((sc = blis_node_get(d, n, "scorers")) != NULL) {
            static const char *const skeys[] = {"name", "weight", NULL};
            if (sc->kind != BLIS_NODE_ARRAY)
                return blis__node_errf(d, sc, err, BLIS_E_TYPE, "scorers: expected a list");
            for (i = 0; i < sc->count; i++) {
                const blis_node *e = blis_node_at(d, sc, i), *w;
                const char *sname = "";
                double weight = 0;
                int kind;
                if (e->kind != BLIS_NODE_OBJECT)
                    return blis__node_errf(d, e, err, BLIS_E_TYPE, "routing scorer[%lu]: expected {name, weight}",
                                           (unsigned long)i);
                if ((st = blis__bundle_policy(d, e, "scorer", skeys, &name, err))) return st;
                if ((w = blis_node_get(d, e, "name")) != NULL && (st = blis_node_text(d, w, &sname, err))) return st;
                if ((kind = blis_scorer_parse(sname)) < 0)
                    return blis__node_errf(d, e, err, BLIS_E_INVALID,
                                           "routing scorer[%lu]: unknown scorer \"%s\"; valid: kv-utilization, "
                                           "load-balance, prefix-affinity, queue-depth",
                                           (unsigned long)i, sname);
                for (k = 0; k < b->scorer_count; k++)
                    if ((int)b->scorers[k].kind == kind)
                        return blis__node_errf(d, e, err, BLIS_E_INVALID,
                                               "routing scorer[%lu]: duplicate scorer \"%s\"; each scorer may appear "
                                               "at most once",
                                               (unsigned long)i, sname);
                if ((w = blis_node_get(d, e, "weight")) != NULL && (st = blis_node_f64(d, w, &weight, err))) return st;
                if (!(weight > 0 && weight <= DBL_MAX))
                    return blis__node_errf(d, w ? w : e, err, BLIS_E_INVALID,
                                           "routing scorer[%lu] \"%s\": weight must be a finite positive number",
                                           (unsigned long)i, sname);
                if (b->scorer_count == BLIS_MAX_SCORERS)
                    return blis__node_errf(d, e, err, BLIS_E_LIMIT, "too many scorers");
                b->scorers[b->scorer_count].kind = (blis_scorer_kind)kind;
                b->scorers[b->scorer_count++].weight = weight;
            }
            b->has_scorers = 1;
        }
    }
    if ((n = blis_node_get(d, root, "priority")) != NULL) {
        if (n->kind != BLIS_NODE_OBJECT) return blis__node_errf(d, n, err, BLIS_E_TYPE, "priority: expected a mapping");
        if ((st = blis__bundle_policy(d, n, "priority", pkeys, &name, err))) return st;
        if (name && (b->priority = blis_priority_policy_parse(name)) < 0)
            return blis__node_errf(d, blis_node_get(d, n, "policy"), err, BLIS_E_INVALID,
                                   "unknown priority policy \"%s\"; valid options: constant, inverted-slo, slo-based",
                                   name);
        b->has_priority = name != NULL;
    }
    if ((n = blis_node_get(d, root, "scheduler")) != NULL) {
        if ((st = blis_node_text(d, n, &name, err))) return st;
        if (!name || (b->scheduler = blis_scheduler_parse(name)) < 0)
            return blis__node_errf(
                d, n, err, BLIS_E_INVALID,
                "unknown scheduler \"%s\"; valid options: fcfs, priority-fcfs, reverse-priority, sjf", name);
        b->has_scheduler = 1;
    }
    return BLIS_OK;
}

/* ==== >>eval  implementation ====
 * Owns: the trace arrays and the request source's scratch. Uses: >>json,
 * >>csv, >>gzip, >>workload (requests, hashing, the RNG). Invariants: trace
 * rows sorted by arrival (stable; a profile's in generation order on ties),
 * the first at 0; every request has at least one input and one output
 * token; a profile's requests depend on the seed alone (one RNG stream,
 * each prompt's length from a stream of its own). A description that cannot
 * be simulated never fails the record: its profile says why. */

BLIS_DEF const char *blis_gpu_from_device_name(const char *device) { return blis_gpu_alias(device); }

static double blis__gt_num(const blis_doc *d, const blis_node *o, const char *key) {
    const blis_node *n = blis_node_get(d, o, key);
    return n && n->kind == BLIS_NODE_NUMBER ? n->as.number : NAN;
}

static blis_status blis__gt_int(const blis_doc *d, const blis_node *o, const char *key, int64_t *out, int required,
                                blis_err *err) {
    const blis_node *n = blis_node_get(d, o, key);
    *out = 0;
    if (!n || n->kind == BLIS_NODE_NULL) {
        if (!required) return BLIS_OK;
        return blis__node_errf(d, o, err, BLIS_E_MISSING, "missing field \"%s\"", key);
    }
    return blis_node_i64(d, n, out, err);
}

/* Sets p->reason to "PATH: msg" (PATH: at's field path, else "workload";
 * then suffix, e.g. ".type_"); returns -1. Numbers in msg come formatted
 * by blis (locale-free), never through %f or %g. */
static int blis__gt_fail(blis_gt_profile *p, const blis_doc *d, const blis_node *at, const char *suffix,
                         const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
static int blis__gt_fail(blis_gt_profile *p, const blis_doc *d, const blis_node *at, const char *suffix,
                         const char *fmt, ...) {
    char path[160], msg[200];
    va_list ap;
    if (!at || !blis_doc_path(d, at, path, sizeof path)) blis__copy_cstr(path, sizeof path, "workload");
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(p->reason, sizeof p->reason, "%.150s%.40s: %.200s", path, suffix, msg);
    p->invalid = 1;
    return -1;
}

/* Reads the number at o.key into *out: 0, or -1 with p->reason set (a
 * missing field when required, a wrong type, a value outside [lo, hi]).
 * Absent and not required: 0 with *out left alone. */
static int blis__gt_pnum(const blis_doc *d, const blis_node *o, const char *key, double lo, double hi, int required,
                         double *out, blis_gt_profile *p) {
    const blis_node *n = blis_node_get(d, o, key);
    char lo_s[BLIS_F64_BUF_MAX], hi_s[BLIS_F64_BUF_MAX], line[32];
    if (!n || n->kind == BLIS_NODE_NULL) {
        if (!required) return 0;
        return blis__gt_fail(p, d, o, "", "missing field \"%s\", needed to simulate the description", key);
    }
    if (n->kind != BLIS_NODE_NUMBER || !(n->as.number >= lo && n->as.number <= hi)) {
        blis_f64_format_go(lo, lo_s);
        blis_f64_format_go(hi, hi_s);
        snprintf(line, sizeof line, " (line %lu)", (unsigned long)n->line);
        return blis__gt_fail(p, d, n, line, "expected a number in %s..%s", lo_s, hi_s);
    }
    *out = n->as.number;
    return 0;
}

static int blis__gt_pint(const blis_doc *d, const blis_node *o, const char *key, double lo, double hi, int required,
                         int64_t *out, blis_gt_profile *p) {
    double v = (double)*out;
    if (blis__gt_pnum(d, o, key, lo, hi, required, &v, p)) return -1;
    *out = (int64_t)floor(v + 0.5);
    return 0;
}

/* inference-perf: stages [{rate, duration_s}] and shared_prefix{...}. */
static int blis__gt_profile_ip(const blis_doc *d, const blis_node *wl, const blis_node *sp, blis_gt_profile *p) {
    const blis_node *st = blis_node_get(d, wl, "stages");
    size_t i;
    if (!st || st->kind != BLIS_NODE_ARRAY || st->count == 0 || st->count > BLIS_GT_MAX_STAGES) {
        return blis__gt_fail(p, d, wl, ".stages", "expected 1..%d stages [{rate, duration_s}]", BLIS_GT_MAX_STAGES);
    }
    for (i = 0; i < st->count; i++) {
        const blis_node *s = blis_node_at(d, st, i);
        if (blis__gt_pnum(d, s, "rate", 1e-6, 1e6, 1, &p->stage_rate_per_s[i], p) ||
            blis__gt_pnum(d, s, "duration_s", 1e-3, 1e8, 1, &p->stage_duration_s[i], p))
            return -1;
    }
    p->stage_count = st->count;
    if (blis__gt_pint(d, sp, "num_unique_system_prompts", 1, 1e5, 1, &p->system_prompts, p) ||
        blis__gt_pint(d, sp, "num_users_per_system_prompt", 1, 1e5, 1, &p->users_per_prompt, p) ||
        blis__gt_pint(d, sp, "system_prompt_len", 0, BLIS_MAX_REQUEST_TOKENS, 1, &p->system_prompt_tokens, p) ||
        blis__gt_pint(d, sp, "question_len", 1, BLIS_MAX_REQUEST_TOKENS, 1, &p->question_tokens, p) ||
        blis__gt_pint(d, sp, "output_len", 1, BLIS_MAX_REQUEST_TOKENS, 1, &p->output_tokens, p))
        return -1;
    if (p->system_prompts * p->users_per_prompt > 1000000) {
        return blis__gt_fail(p, d, sp, "", "more than 10^6 prompts (system prompts x users)");
    }
    p->kind = BLIS_GT_PROFILE_SHARED_PREFIX;
    return 0;
}

/* Poisson tenants: workload.tenants{name: {num_requests, input_tokens_target: [n]}}, duration_s, output_tokens;
 * the inputs scaled to server_input_tokens_mean when stated (the server's tokenizer). */
static int blis__gt_profile_tenants(const blis_doc *d, const blis_node *wl, const blis_node *tn, blis_gt_profile *p) {
    double scale = 1, target_sum = 0, req_sum = 0, server_mean = 0;
    size_t i;
    if (tn->kind != BLIS_NODE_OBJECT || tn->count == 0 || tn->count > BLIS_GT_MAX_TENANTS) {
        return blis__gt_fail(p, d, tn, "", "expected an object of 1..%d tenants", BLIS_GT_MAX_TENANTS);
    }
    if (blis__gt_pnum(d, wl, "duration_s", 1e-3, 1e8, 1, &p->duration_s, p) ||
        blis__gt_pint(d, wl, "output_tokens", 1, BLIS_MAX_REQUEST_TOKENS, 1, &p->output_tokens, p) ||
        blis__gt_pnum(d, wl, "server_input_tokens_mean", 1, BLIS_MAX_REQUEST_TOKENS, 0, &server_mean, p))
        return -1;
    for (i = 0; i < tn->count; i++) {
        const blis_node *t = blis_node_at(d, tn, i), *in = blis_node_get(d, t, "input_tokens_target");
        if (blis__gt_pint(d, t, "num_requests", 1, 1e8, 1, &p->tenant_requests[i], p)) return -1;
        if (in && in->kind == BLIS_NODE_ARRAY && in->count == 1) in = blis_node_at(d, in, 0);
        if (!in || in->kind != BLIS_NODE_NUMBER || !(in->as.number >= 1 && in->as.number <= BLIS_MAX_REQUEST_TOKENS))
            return blis__gt_fail(p, d, t, ".input_tokens_target", "expected one length in 1..%d",
                                 BLIS_MAX_REQUEST_TOKENS);
        p->tenant_input_tokens[i] = (int64_t)floor(in->as.number + 0.5);
        target_sum += (double)p->tenant_requests[i] * (double)p->tenant_input_tokens[i];
        req_sum += (double)p->tenant_requests[i];
    }
    p->tenant_count = tn->count;
    if (server_mean > 0) scale = server_mean / (target_sum / req_sum);
    for (i = 0; i < p->tenant_count; i++) {
        double v = floor((double)p->tenant_input_tokens[i] * scale + 0.5);
        p->tenant_input_tokens[i] = v < 1 ? 1 : (int64_t)v;
    }
    p->kind = BLIS_GT_PROFILE_TENANTS;
    return 0;
}

/* One of guidellm's synthetic_data lengths: NAME_tokens, NAME_tokens_stdev, _min, _max. */
static int blis__gt_profile_len(const blis_doc *d, const blis_node *sd, const char *name, blis_gt_length *l,
                                blis_gt_profile *p) {
    char k[64];
    double big = BLIS_MAX_REQUEST_TOKENS;
    snprintf(k, sizeof k, "%s_tokens", name);
    if (blis__gt_pnum(d, sd, k, 1, big, 1, &l->mean_tokens, p)) return -1;
    l->std_tokens = 0, l->min_tokens = 1, l->max_tokens = big;
    snprintf(k, sizeof k, "%s_tokens_stdev", name);
    if (blis__gt_pnum(d, sd, k, 0, big, 0, &l->std_tokens, p)) return -1;
    snprintf(k, sizeof k, "%s_tokens_min", name);
    if (blis__gt_pnum(d, sd, k, 1, big, 0, &l->min_tokens, p)) return -1;
    snprintf(k, sizeof k, "%s_tokens_max", name);
    if (blis__gt_pnum(d, sd, k, 1, big, 0, &l->max_tokens, p)) return -1;
    if (l->min_tokens > l->max_tokens) {
        char lo[BLIS_F64_BUF_MAX], hi[BLIS_F64_BUF_MAX];
        blis_f64_format_go(l->min_tokens, lo);
        blis_f64_format_go(l->max_tokens, hi);
        return blis__gt_fail(p, d, sd, "", "%s_tokens_min %s exceeds %s_tokens_max %s", name, lo, name, hi);
    }
    return 0;
}

static int blis__gt_profile_guidellm(const blis_doc *d, const blis_node *wl, const blis_node *sg, blis_gt_profile *p) {
    static const char *const names[] = {"synchronous", "throughput", "concurrent", "constant", "poisson"};
    const blis_node *ty = blis_node_get(d, sg, "type_"), *sd = blis_node_get(d, wl, "synthetic_data");
    size_t i;
    double ms = 0;
    if (!ty) ty = blis_node_get(d, sg, "type");
    for (i = 0; ty && ty->kind == BLIS_NODE_STRING && i < 5; i++)
        if (!strcmp(ty->as.string, names[i])) break;
    if (!ty || ty->kind != BLIS_NODE_STRING || i == 5)
        return blis__gt_fail(p, d, sg, ".type_", "expected synchronous, throughput, concurrent, constant or poisson");
    p->strategy = (blis_gt_strategy)i;
    if (p->strategy == BLIS_GT_THROUGHPUT && blis__gt_pint(d, sg, "max_concurrency", 1, 1e6, 1, &p->concurrency, p))
        return -1;
    if (p->strategy == BLIS_GT_CONCURRENT) {
        if (blis__gt_pint(d, sg, "max_concurrency", 1, 1e6, 0, &p->concurrency, p) ||
            blis__gt_pint(d, sg, "worker_count", 1, 1e6, 0, &p->concurrency, p))
            return -1;
        if (p->concurrency < 1) return blis__gt_fail(p, d, sg, "", "concurrent needs worker_count or max_concurrency");
    }
    if ((p->strategy == BLIS_GT_CONSTANT || p->strategy == BLIS_GT_POISSON) &&
        blis__gt_pnum(d, sg, "rate", 1e-6, 1e6, 1, &p->rate_per_s, p))
        return -1;
    if (!sd || sd->kind != BLIS_NODE_OBJECT)
        return blis__gt_fail(p, d, wl, ".synthetic_data", "missing (prompt and output lengths)");
    if (blis__gt_pint(d, sd, "prefix_tokens", 0, BLIS_MAX_REQUEST_TOKENS, 0, &p->prefix_tokens, p) ||
        blis__gt_profile_len(d, sd, "prompt", &p->prompt, p) || blis__gt_profile_len(d, sd, "output", &p->output, p) ||
        blis__gt_pint(d, wl, "max_requests", 1, 1e8, 0, &p->max_requests, p) ||
        blis__gt_pnum(d, wl, "max_seconds", 1e-3, 1e8, 0, &ms, p))
        return -1;
    if (p->max_requests <= 0 && ms > 0 && p->rate_per_s > 0) p->max_requests = (int64_t)ceil(ms * p->rate_per_s);
    if (p->max_requests <= 0)
        return blis__gt_fail(p, d, wl, ".max_requests", "missing (or max_seconds with a constant or poisson rate)");
    p->kind = BLIS_GT_PROFILE_GUIDELLM;
    return 0;
}

/* The record's workload description; never fails: a description that
 * cannot be simulated leaves kind NONE and says why. */
static void blis__gt_profile_read(const blis_doc *d, const blis_node *wl, blis_gt_profile *p) {
    const blis_node *sp, *tn, *sg;
    int rc = -1;
    memset(p, 0, sizeof *p);
    if (!wl || wl->kind != BLIS_NODE_OBJECT) {
        snprintf(p->reason, sizeof p->reason, "no workload description (workload)");
        return;
    }
    if ((sp = blis_node_get(d, wl, "shared_prefix")) && sp->kind == BLIS_NODE_OBJECT)
        rc = blis__gt_profile_ip(d, wl, sp, p);
    else if ((sg = blis_node_get(d, wl, "strategy")))
        rc = sg->kind == BLIS_NODE_OBJECT ? blis__gt_profile_guidellm(d, wl, sg, p)
                                          : blis__gt_fail(p, d, sg, "", "expected an object");
    else if ((tn = blis_node_get(d, wl, "tenants")))
        rc = blis__gt_profile_tenants(d, wl, tn, p);
    else
        blis__gt_fail(p, d, wl, "",
                      "no description blis can simulate (shared_prefix with stages, tenants, or a guidellm strategy "
                      "with synthetic_data)");
    if (rc == 0 && blis__gt_pint(d, wl, "num_requests", 1, 1e9, 0, &p->max_requests, p)) rc = -1;
    if (rc) p->kind = BLIS_GT_PROFILE_NONE;
}

/* A metrics object's time per output token (ms; NaN: none) and the field
 * it came from: guidellm's own itl_ms; else the profile-length TPOT, as
 * inference-perf under-counts output tokens; else the derived one
 * (groundtruth README, "Read before scoring"). */
static double blis__gt_itl(const blis_doc *d, const blis_node *m, int guidellm, const char **source) {
    double v;
    *source = guidellm ? "itl_ms" : "tpot_profile_len_ms";
    v = guidellm ? blis__gt_num(d, blis_node_get(d, m, "itl_ms"), "mean") : blis__gt_num(d, m, "tpot_profile_len_ms");
    if (v == v) return v;
    *source = "tpot_derived_ms";
    return blis__gt_num(d, m, "tpot_derived_ms");
}

/* metrics.stages[k]: TTFT, E2E and time-per-output-token means, as the
 * summary's are read; absent or malformed values are NaN (not compared). */
static void blis__gt_stages_read(const blis_doc *d, const blis_node *st, blis_gt_experiment *e) {
    size_t k;
    if (!st || st->kind != BLIS_NODE_ARRAY || st->count > BLIS_GT_MAX_STAGES) return;
    for (k = 0; k < st->count; k++) {
        const blis_node *s = blis_node_at(d, st, k);
        blis_gt_measured *m = &e->stages[k];
        m->ttft_p90 = m->ttft_p99 = m->e2e_p90 = m->e2e_p99 = NAN;
        m->ttft_mean = blis__gt_num(d, blis_node_get(d, s, "ttft_ms"), "mean");
        m->e2e_mean = blis__gt_num(d, blis_node_get(d, s, "e2e_ms"), "mean");
        const char *source;
        m->itl_mean = blis__gt_itl(d, s, e->profile.kind == BLIS_GT_PROFILE_GUIDELLM, &source);
    }
    e->stage_count = st->count;
}

BLIS_DEF blis_status blis_gt_experiment_from_doc(const blis_doc *d, const blis_node *rec, blis_gt_experiment *e,
                                                 blis_err *err) {
    const blis_node *hw, *vc, *wl, *sp, *tr, *fl, *sum, *n;
    blis_status st;
    memset(e, 0, sizeof *e);
    blis_err_clear(err, d->source);
    if (!rec || rec->kind != BLIS_NODE_OBJECT)
        return blis__node_errf(d, rec, err, BLIS_E_TYPE, "a record must be an object");
    if ((st = blis_doc_get_str(d, rec, "id", &e->id, err)) || (st = blis_doc_get_str(d, rec, "model", &e->model, err)))
        return st;
    if ((n = blis_node_get(d, rec, "dataset")) && n->kind == BLIS_NODE_STRING) e->dataset = n->as.string;
    if (!(hw = blis_node_get(d, rec, "hardware")) || (st = blis_doc_get_str(d, hw, "gpu", &e->device, err)))
        return hw ? st : blis__node_errf(d, rec, err, BLIS_E_MISSING, "missing field \"hardware\"");
    if (blis__text_unsafe(e->device))
        return blis__node_errf(d, blis_node_get(d, hw, "gpu"), err, BLIS_E_INVALID,
                               "a device name with control or bidirectional-override characters");
    blis__copy_cstr(e->gpu, sizeof e->gpu, blis_gpu_from_device_name(e->device));
    if ((st = blis__gt_int(d, rec, "tp", &e->tp, 1, err)) || (st = blis__gt_int(d, rec, "dp", &e->dp, 0, err)))
        return st;
    if (e->dp == 0) e->dp = 1;
    if (e->tp < 1 || e->tp > 64 || e->dp < 1 || e->dp > 1024)
        return blis__node_errf(d, rec, err, BLIS_E_RANGE, "tp must be in 1..64 and dp in 1..1024");
    if (!(vc = blis_node_get(d, rec, "vllm_config")))
        return blis__node_errf(d, rec, err, BLIS_E_MISSING, "missing field \"vllm_config\"");
    if ((st = blis__gt_int(d, vc, "max_num_seqs", &e->max_num_seqs, 0, err)) ||
        (st = blis__gt_int(d, vc, "max_num_batched_tokens", &e->max_num_batched_tokens, 0, err)) ||
        (st = blis__gt_int(d, vc, "block_size", &e->block_size, 0, err)) ||
        (st = blis__gt_int(d, vc, "gpu_kv_blocks", &e->gpu_kv_blocks, 0, err)))
        return st;
    { /* given as 0 is no server (absent: vLLM's default below) */
        static const char *const sizes[3] = {"max_num_seqs", "max_num_batched_tokens", "block_size"};
        const int64_t vals[3] = {e->max_num_seqs, e->max_num_batched_tokens, e->block_size};
        int k;
        for (k = 0; k < 3; k++)
            if (vals[k] < 1 && (n = blis_node_get(d, vc, sizes[k])) && n->kind != BLIS_NODE_NULL)
                return blis__node_errf(d, n, err, BLIS_E_RANGE, "must be >= 1 when given, got %lld",
                                       (long long)vals[k]);
    }
    if (!e->max_num_seqs) e->max_num_seqs = 256; /* vLLM's defaults */
    if (!e->max_num_batched_tokens) e->max_num_batched_tokens = 8192;
    if (!e->block_size) e->block_size = 16;
    if (e->max_num_seqs < 1 || e->max_num_batched_tokens < 1 || e->block_size < 1 || e->gpu_kv_blocks < 0 ||
        e->block_size > 4096)
        return blis__node_errf(d, vc, err, BLIS_E_RANGE, "vllm_config: sizes must be positive");
    if (e->gpu_kv_blocks > (1 << 30))
        return blis__node_errf(d, blis_node_get(d, vc, "gpu_kv_blocks"), err, BLIS_E_RANGE,
                               "must be in 1..2^30 (0 or absent: derived from GPU memory), got %lld",
                               (long long)e->gpu_kv_blocks);
    e->gpu_memory_utilization = blis__gt_num(d, vc, "gpu_memory_utilization");
    if (!(e->gpu_memory_utilization > 0 && e->gpu_memory_utilization <= 1)) e->gpu_memory_utilization = 0.9;
    if ((n = blis_node_get(d, vc, "cpu_offload")) && n->kind == BLIS_NODE_BOOL && n->as.boolean &&
        (st = blis__gt_int(d, vc, "cpu_kv_blocks", &e->cpu_kv_blocks, 0, err)))
        return st;
    if (e->cpu_kv_blocks < 0 || e->cpu_kv_blocks > (1 << 30))
        return blis__node_errf(d, blis_node_get(d, vc, "cpu_kv_blocks"), err, BLIS_E_RANGE,
                               "must be in 0..2^30, got %lld", (long long)e->cpu_kv_blocks);
    if ((wl = blis_node_get(d, rec, "workload"))) {
        if ((st = blis__gt_int(d, wl, "num_requests", &e->num_requests, 0, err))) return st;
        if ((sp = blis_node_get(d, wl, "shared_prefix")) && sp->kind == BLIS_NODE_OBJECT) {
            if ((st = blis__gt_int(d, sp, "output_len", &e->output_len, 0, err)) ||
                (st = blis__gt_int(d, sp, "num_unique_system_prompts", &e->shared_prompts, 0, err)) ||
                (st = blis__gt_int(d, sp, "system_prompt_len", &e->shared_len, 0, err)))
                return st;
        }
    }
    if ((fl = blis_node_get(d, rec, "flags")) && fl->kind == BLIS_NODE_OBJECT) {
        if ((n = blis_node_get(d, fl, "client_limited")) && n->kind == BLIS_NODE_BOOL)
            e->client_limited = n->as.boolean;
        if ((n = blis_node_get(d, fl, "overloaded")) && n->kind == BLIS_NODE_BOOL) e->overloaded = n->as.boolean;
        if ((n = blis_node_get(d, fl, "disaggregated")) && n->kind == BLIS_NODE_BOOL) e->disaggregated = n->as.boolean;
    }
    if ((n = blis_node_get(d, rec, "mode")) && n->kind == BLIS_NODE_STRING && !strcmp(n->as.string, "disagg"))
        e->disaggregated = 1;
    if ((n = blis_node_get(d, rec, "parallelism")) && n->kind == BLIS_NODE_OBJECT &&
        ((st = blis__gt_int(d, n, "moe_ep_size", &e->expert_parallel, 0, err)) ||
         (st = blis__gt_int(d, n, "attention_dp_size", &e->attention_dp, 0, err))))
        return st;
    if (e->expert_parallel < 0 || e->expert_parallel > 1024 || e->attention_dp < 0 || e->attention_dp > 1024)
        return blis__node_errf(d, n, err, BLIS_E_RANGE, "moe_ep_size and attention_dp_size must be in 0..1024");
    if (e->expert_parallel == 0) e->expert_parallel = 1;
    if (e->attention_dp == 0) e->attention_dp = 1;
    blis__gt_profile_read(d, wl, &e->profile);
    if ((tr = blis_node_get(d, rec, "trace")) && tr->kind == BLIS_NODE_OBJECT &&
        (st = blis_doc_get_str(d, tr, "path", &e->trace_path, err)))
        return st;
    sum = blis_node_get(d, blis_node_get(d, rec, "metrics"), "summary");
    if (!sum) return blis__node_errf(d, rec, err, BLIS_E_MISSING, "missing field \"metrics.summary\"");
    {
        double failed = blis__gt_num(d, sum, "num_requests_failed");
        double timeout = blis__gt_num(d, blis_node_get(d, sum, "failed_e2e_ms"), "p50");
        if (failed > 0 && timeout > 0 && timeout < 1e12) e->client_timeout_ms = timeout;
    }
    {
        const blis_node *t = blis_node_get(d, sum, "ttft_ms"), *x = blis_node_get(d, sum, "e2e_ms");
        blis_gt_measured *m = &e->measured;
        m->ttft_mean = blis__gt_num(d, t, "mean");
        m->ttft_p90 = blis__gt_num(d, t, "p90");
        m->ttft_p99 = blis__gt_num(d, t, "p99");
        m->e2e_mean = blis__gt_num(d, x, "mean");
        m->e2e_p90 = blis__gt_num(d, x, "p90");
        m->e2e_p99 = blis__gt_num(d, x, "p99");
        m->itl_mean = blis__gt_itl(d, sum, e->profile.kind == BLIS_GT_PROFILE_GUIDELLM, &e->itl_source);
    }
    blis__gt_stages_read(d, blis_node_get(d, blis_node_get(d, rec, "metrics"), "stages"), e);
    return BLIS_OK;
}

BLIS_DEF void blis_eval_trace_free(blis_eval_trace *t) {
    blis__free(&t->alloc, t->arrival_us);
    blis__free(&t->alloc, t->input_tokens);
    blis__free(&t->alloc, t->output_tokens);
    blis__free(&t->alloc, t->prompt_id);
    blis__free(&t->alloc, t->group_id);
    t->arrival_us = t->input_tokens = t->output_tokens = t->prompt_id = t->group_id = NULL;
    t->n = 0;
}

static int blis__eval_row_cmp(const void *a, const void *b) {
    const int64_t *x = (const int64_t *)a, *y = (const int64_t *)b;
    if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
    return x[3] < y[3] ? -1 : x[3] > y[3]; /* row order on ties */
}

/* A column's index in a header row, or -1. */
static int32_t blis__csv_header_col(const blis_csv_reader *rd, const char *name) {
    uint32_t k;
    for (k = 0; k < rd->field_count; k++)
        if (rd->fields[k].len == strlen(name) && !memcmp(rd->fields[k].ptr, name, rd->fields[k].len)) return (int32_t)k;
    return -1;
}

BLIS_DEF blis_status blis_eval_trace_load(const blis_gt_experiment *e, const char *path, int64_t max_requests,
                                          const blis_alloc *alloc, blis_eval_trace *t, blis_err *err) {
    char *gz = NULL, *csv_text = NULL;
    size_t gz_len = 0, csv_len = 0, i, n = 0, cap = 0;
    blis_csv_reader rd;
    blis_parse_opts o;
    blis_status st;
    int32_t c_arr, c_in, c_out;
    int64_t *rows = NULL;
    int send_times = e->client_limited && e->client_max_inflight <= 0, has = 0;
    memset(t, 0, sizeof *t);
    if (alloc) t->alloc = *alloc;
    if ((st = blis_file_read(path, BLIS_EVAL_MAX_TRACE_BYTES, alloc, &gz, &gz_len, err))) return st;
    st = blis_gunzip((const unsigned char *)gz, gz_len, BLIS_EVAL_MAX_TRACE_BYTES, alloc, &csv_text, &csv_len, err);
    blis_file_free(alloc, gz);
    if (st) {
        blis__copy_cstr(err->source, sizeof err->source, path);
        if (st == BLIS_E_LIMIT)
            blis_err_set(err, st, 0, 0, "the trace inflates past %lu MiB (BLIS_EVAL_MAX_TRACE_BYTES); not read",
                         (unsigned long)(BLIS_EVAL_MAX_TRACE_BYTES >> 20));
        return st;
    }
    memset(&o, 0, sizeof o);
    o.source = path;
    o.max_input_bytes = BLIS_EVAL_MAX_TRACE_BYTES;
    if ((st = blis_csv_reader_init(&rd, csv_text, csv_len, &o, err)) ||
        (st = blis_csv_reader_next(&rd, &has, err))) { /* the header */
        blis__free(alloc, csv_text);
        return st;
    }
    c_arr = has ? blis__csv_header_col(&rd, send_times ? "send_time_rel_us" : "arrival_time_us") : -1;
    c_in = has ? blis__csv_header_col(&rd, "server_input_tokens") : -1;
    if (c_in < 0 && has) c_in = blis__csv_header_col(&rd, "input_tokens");
    c_out = has ? blis__csv_header_col(&rd, "output_tokens") : -1;
    if (c_arr < 0 || c_in < 0 || c_out < 0) {
        blis_csv_reader_free(&rd);
        blis__free(alloc, csv_text);
        blis_err_clear(err, path);
        return blis_err_set(err, BLIS_E_MISSING, 1, 1,
                            "trace needs columns %s, input_tokens (or server_input_tokens), "
                            "output_tokens",
                            send_times ? "send_time_rel_us" : "arrival_time_us");
    }
    /* rows as they come; reading stops after max_requests of them */
    for (;;) {
        int64_t a, in, out;
        const blis_csv_field *f;
        int32_t need = c_arr > c_in ? (c_arr > c_out ? c_arr : c_out) : (c_in > c_out ? c_in : c_out);
        if (max_requests > 0 && (int64_t)n >= max_requests) break;
        if ((st = blis_csv_reader_next(&rd, &has, err)) || !has) break;
        if ((int32_t)rd.field_count <= need) {
            blis_err_clear(err, path);
            st = blis_err_set(err, BLIS_E_SYNTAX, rd.fields[0].line, 1, "row %lu: %lu fields, the header has more",
                              (unsigned long)n + 1, (unsigned long)rd.field_count);
            break;
        }
        f = rd.fields;
        if (blis_parse_i64(f[c_arr].ptr, f[c_arr].len, 0, &a) || blis_parse_i64(f[c_in].ptr, f[c_in].len, 0, &in) ||
            blis_parse_i64(f[c_out].ptr, f[c_out].len, 0, &out)) {
            blis_err_clear(err, path);
            st = blis_err_set(err, BLIS_E_TYPE, f[0].line, 1,
                              "row %lu: the arrival time and the token counts must be integers", (unsigned long)n + 1);
            break;
        }
        if (a < 0 || in < 0 || out < 0 || in > BLIS_MAX_REQUEST_TOKENS || out > BLIS_MAX_REQUEST_TOKENS) {
            blis_err_clear(err, path);
            st = blis_err_set(err, BLIS_E_RANGE, f[0].line, 1, "row %lu: negative or absurd values",
                              (unsigned long)n + 1);
            break;
        }
        if (4 * (n + 1) > cap && blis__grow(alloc, (void **)&rows, &cap, 4 * (n + 1), sizeof(int64_t))) {
            st = blis__nomem(err);
            break;
        }
        rows[4 * n] = a;
        rows[4 * n + 1] = in < 1 ? 1 : in;
        rows[4 * n + 2] = e->output_len > 0 ? e->output_len : out < 1 ? 1 : out;
        rows[4 * n + 3] = (int64_t)n;
        n++;
    }
    blis_csv_reader_free(&rd);
    blis__free(alloc, csv_text);
    if (!st) {
        t->arrival_us = (int64_t *)blis__alloc(alloc, (n + 1) * sizeof(int64_t));
        t->input_tokens = (int64_t *)blis__alloc(alloc, (n + 1) * sizeof(int64_t));
        t->output_tokens = (int64_t *)blis__alloc(alloc, (n + 1) * sizeof(int64_t));
        if (!t->arrival_us || !t->input_tokens || !t->output_tokens) st = blis__nomem(err);
    }
    if (st) {
        blis__free(alloc, rows);
        blis_eval_trace_free(t);
        return st;
    }
    qsort(rows, n, 4 * sizeof(int64_t), blis__eval_row_cmp);
    t->origin_us = n ? rows[0] : 0;
    for (i = 0; i < n; i++) {
        t->arrival_us[i] = rows[4 * i] - rows[0]; /* the first request at 0 */
        t->input_tokens[i] = rows[4 * i + 1];
        t->output_tokens[i] = rows[4 * i + 2];
    }
    t->n = n;
    blis__free(alloc, rows);
    return BLIS_OK;
}

BLIS_DEF size_t blis_gt_stage_windows(const blis_gt_experiment *e, const blis_eval_trace *t, int64_t *start_us,
                                      size_t cap) {
    const blis_gt_profile *p = &e->profile;
    double at_s = 0;
    size_t k;
    if (p->kind != BLIS_GT_PROFILE_SHARED_PREFIX || p->stage_count < 2 || p->stage_count != e->stage_count ||
        p->stage_count > cap)
        return 0;
    for (k = 0; k < p->stage_count; k++) {
        start_us[k] = (int64_t)floor(at_s * 1e6) - t->origin_us;
        at_s += p->stage_duration_s[k];
    }
    return p->stage_count;
}

BLIS_DEF int64_t blis_gt_profile_inflight(const blis_gt_profile *p) {
    if (p->kind != BLIS_GT_PROFILE_GUIDELLM) return 0;
    switch (p->strategy) {
    case BLIS_GT_SYNCHRONOUS: return 1;
    case BLIS_GT_THROUGHPUT:
    case BLIS_GT_CONCURRENT: return p->concurrency;
    case BLIS_GT_CONSTANT:
    case BLIS_GT_POISSON: return 0;
    }
    return 0;
}

/* A length drawn from l: a normal clamped to [min, max], rounded, >= 1. */
static int64_t blis__gt_draw_len(blis_rng *r, const blis_gt_length *l) {
    double v = l->mean_tokens + (l->std_tokens > 0 ? l->std_tokens * blis_rng_norm_float64(r) : 0);
    v = v < l->min_tokens ? l->min_tokens : v > l->max_tokens ? l->max_tokens : v;
    v = floor(v + 0.5);
    return v < 1 ? 1 : (int64_t)v;
}

/* rows of 6: arrival, input, output, prompt, group, generation index */
static int blis__gt_row_cmp(const void *a, const void *b) {
    const int64_t *x = (const int64_t *)a, *y = (const int64_t *)b;
    if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
    return x[5] < y[5] ? -1 : x[5] > y[5];
}

/* Requests the description draws (workload.num_requests caps it); -1: more
 * than BLIS_GT_MAX_DRAWN_REQUESTS. */
static int64_t blis__gt_profile_count(const blis_gt_profile *p) {
    double n = 0;
    size_t i;
    switch (p->kind) {
    case BLIS_GT_PROFILE_SHARED_PREFIX:
        for (i = 0; i < p->stage_count; i++) n += floor(p->stage_rate_per_s[i] * p->stage_duration_s[i] + 0.5);
        break;
    case BLIS_GT_PROFILE_TENANTS:
        for (i = 0; i < p->tenant_count; i++) n += (double)p->tenant_requests[i];
        break;
    case BLIS_GT_PROFILE_GUIDELLM: n = (double)p->max_requests; break;
    case BLIS_GT_PROFILE_NONE: break;
    }
    if (p->max_requests > 0 && n > (double)p->max_requests) n = (double)p->max_requests;
    return n > BLIS_GT_MAX_DRAWN_REQUESTS ? -1 : (int64_t)n;
}

/* The kept rows (6 int64 each: arrival, input, output, prompt, group,
 * generation index): every row while fewer than keep came, then a max-heap
 * on (arrival, index) holding the keep earliest; heap: 1 once it is one. */
typedef struct blis__gt_keep {
    int64_t *rows, keep, n;
    int heap;
} blis__gt_keep;

static void blis__gt_keep_sift(blis__gt_keep *k, int64_t i) {
    int64_t tmp[6];
    for (;;) {
        int64_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < k->n && blis__gt_row_cmp(k->rows + 6 * l, k->rows + 6 * m) > 0) m = l;
        if (r < k->n && blis__gt_row_cmp(k->rows + 6 * r, k->rows + 6 * m) > 0) m = r;
        if (m == i) return;
        memcpy(tmp, k->rows + 6 * i, sizeof tmp);
        memcpy(k->rows + 6 * i, k->rows + 6 * m, sizeof tmp);
        memcpy(k->rows + 6 * m, tmp, sizeof tmp);
        i = m;
    }
}

static void blis__gt_keep_push(blis__gt_keep *k, const int64_t row[6]) {
    int64_t i;
    if (k->n < k->keep) {
        memcpy(k->rows + 6 * k->n++, row, 6 * sizeof(int64_t));
        return;
    }
    if (!k->heap) { /* full: heapify once, the latest row at the root */
        for (i = k->n / 2; i-- > 0;) blis__gt_keep_sift(k, i);
        k->heap = 1;
    }
    if (blis__gt_row_cmp(row, k->rows) >= 0) return;
    memcpy(k->rows, row, 6 * sizeof(int64_t));
    blis__gt_keep_sift(k, 0);
}

/* Draws count rows from the profile in generation order into k (prompt
 * lengths left for blis__gt_prompt_lengths). */
static void blis__gt_profile_rows(const blis_gt_profile *p, blis_rng *r, int64_t count, blis__gt_keep *k) {
    int64_t i = 0, j, prompts = p->system_prompts * p->users_per_prompt, row[6];
    size_t s;
    double t = 0, start = 0;
    if (p->kind == BLIS_GT_PROFILE_SHARED_PREFIX) {
        for (s = 0; s < p->stage_count && i < count; s++) { /* Poisson: n uniform points in the stage */
            int64_t n = (int64_t)floor(p->stage_rate_per_s[s] * p->stage_duration_s[s] + 0.5);
            for (j = 0; j < n && i < count; j++, i++) {
                int64_t pr = blis_rng_intn(r, prompts);
                row[0] = (int64_t)floor((start + blis_rng_float64(r) * p->stage_duration_s[s]) * 1e6);
                row[1] = 0, row[2] = p->output_tokens, row[3] = pr, row[4] = pr / p->users_per_prompt, row[5] = i;
                blis__gt_keep_push(k, row);
            }
            start += p->stage_duration_s[s];
        }
    } else if (p->kind == BLIS_GT_PROFILE_TENANTS) {
        for (s = 0; s < p->tenant_count; s++)
            for (j = 0; j < p->tenant_requests[s] && i < count; j++, i++) {
                row[0] = (int64_t)floor(blis_rng_float64(r) * p->duration_s * 1e6);
                row[1] = p->tenant_input_tokens[s], row[2] = p->output_tokens, row[3] = row[4] = -1, row[5] = i;
                blis__gt_keep_push(k, row);
            }
    } else {
        for (i = 0; i < count && k->n < k->keep; i++) { /* arrivals never go back: the first keep are the earliest */
            if (p->strategy == BLIS_GT_CONSTANT) t = (double)i / p->rate_per_s;
            if (p->strategy == BLIS_GT_POISSON && i > 0) t += blis_rng_exp_float64(r) / p->rate_per_s;
            row[0] = (int64_t)floor(t * 1e6); /* synchronous, throughput, concurrent: all queued at 0 */
            row[1] = p->prefix_tokens + blis__gt_draw_len(r, &p->prompt);
            row[2] = blis__gt_draw_len(r, &p->output);
            row[3] = -1, row[4] = p->prefix_tokens > 0 ? 0 : -1, row[5] = i;
            blis__gt_keep_push(k, row);
        }
    }
}

/* SHARED_PREFIX: each kept row's prompt length, a fixed draw of its own
 * per prompt (prompt_len: one slot per prompt, 0 = not drawn yet). */
static void blis__gt_prompt_lengths(const blis_gt_profile *p, int64_t *rows, int64_t n, int64_t *prompt_len) {
    double base = (double)(p->system_prompt_tokens + p->question_tokens) * BLIS_GT_PROMPT_TOKEN_FACTOR;
    int64_t j;
    for (j = 0; j < n; j++) {
        int64_t pr = rows[6 * j + 3];
        if (!prompt_len[pr]) {
            blis_rng lr;
            double v;
            blis_rng_seed(&lr, 0x5157A5ED + pr);
            v = floor(base * (1 + BLIS_GT_PROMPT_SPREAD * (2 * blis_rng_float64(&lr) - 1)) + 0.5);
            prompt_len[pr] = v < 1 ? 1 : (int64_t)v;
        }
        rows[6 * j + 1] = prompt_len[pr];
    }
}

BLIS_DEF blis_status blis_eval_trace_from_profile(const blis_gt_experiment *e, int64_t seed, int64_t block_tokens,
                                                  int64_t max_requests, const blis_alloc *alloc, blis_eval_trace *t,
                                                  blis_err *err) {
    const blis_gt_profile *p = &e->profile;
    int64_t count = blis__gt_profile_count(p), *rows, *prompt_len, i;
    size_t prompts = p->kind == BLIS_GT_PROFILE_SHARED_PREFIX ? (size_t)(p->system_prompts * p->users_per_prompt) : 0;
    blis__gt_keep k;
    blis_rng *r;
    memset(t, 0, sizeof *t);
    if (alloc) t->alloc = *alloc;
    blis_err_clear(err, e->id ? e->id : "record");
    if (p->kind == BLIS_GT_PROFILE_NONE) return blis_err_set(err, BLIS_E_INVALID, 0, 0, "%s", p->reason);
    if (block_tokens < 1) return blis_err_set(err, BLIS_E_INVALID, 0, 0, "block size must be >= 1");
    if (count < 0)
        return blis_err_set(err, BLIS_E_RANGE, 0, 0,
                            "the description asks for more than 10^8 requests (workload.num_requests caps it)");
    if (count == 0) return blis_err_set(err, BLIS_E_RANGE, 0, 0, "the description gives no requests");
    memset(&k, 0, sizeof k);
    k.keep = max_requests > 0 && max_requests < count ? max_requests : count;
    if (k.keep > BLIS_GT_MAX_KEPT_REQUESTS)
        return blis_err_set(err, BLIS_E_RANGE, 0, 0,
                            "the description gives %lld requests, more than the 10^7 blis simulates from one "
                            "(cap it with --max-requests or workload.num_requests)",
                            (long long)k.keep);
    k.rows = rows = (int64_t *)blis__alloc(alloc, (size_t)k.keep * 6 * sizeof(int64_t));
    r = (blis_rng *)blis__alloc(alloc, sizeof *r);
    prompt_len = (int64_t *)blis__alloc(alloc, (prompts + 1) * sizeof(int64_t));
    if (!rows || !r || !prompt_len) {
        blis__free(alloc, rows);
        blis__free(alloc, r);
        blis__free(alloc, prompt_len);
        return blis__nomem(err);
    }
    memset(prompt_len, 0, (prompts + 1) * sizeof(int64_t));
    blis_rng_seed(r, blis_rng_subsystem_seed(seed, "eval-profile"));
    blis__gt_profile_rows(p, r, count, &k);
    count = k.n;
    if (p->kind == BLIS_GT_PROFILE_SHARED_PREFIX) blis__gt_prompt_lengths(p, rows, count, prompt_len);
    blis__free(alloc, r);
    blis__free(alloc, prompt_len);
    qsort(rows, (size_t)count, 6 * sizeof(int64_t), blis__gt_row_cmp);
    t->arrival_us = (int64_t *)blis__alloc(alloc, (size_t)count * sizeof(int64_t));
    t->input_tokens = (int64_t *)blis__alloc(alloc, (size_t)count * sizeof(int64_t));
    t->output_tokens = (int64_t *)blis__alloc(alloc, (size_t)count * sizeof(int64_t));
    t->prompt_id = (int64_t *)blis__alloc(alloc, (size_t)count * sizeof(int64_t));
    t->group_id = (int64_t *)blis__alloc(alloc, (size_t)count * sizeof(int64_t));
    if (!t->arrival_us || !t->input_tokens || !t->output_tokens || !t->prompt_id || !t->group_id) {
        blis__free(alloc, rows);
        blis_eval_trace_free(t);
        return blis__nomem(err);
    }
    t->origin_us = rows[0];
    for (i = 0; i < count; i++) {
        t->arrival_us[i] = rows[6 * i] - rows[0];
        t->input_tokens[i] = rows[6 * i + 1];
        t->output_tokens[i] = rows[6 * i + 2];
        t->prompt_id[i] = rows[6 * i + 3];
        t->group_id[i] = rows[6 * i + 4];
    }
    if (p->kind == BLIS_GT_PROFILE_SHARED_PREFIX)
        t->group_blocks = (int64_t)floor((double)p->system_prompt_tokens * BLIS_GT_PROMPT_TOKEN_FACTOR) / block_tokens;
    else if (p->kind == BLIS_GT_PROFILE_GUIDELLM)
        t->group_blocks = p->prefix_tokens / block_tokens;
    t->n = (size_t)count;
    blis__free(alloc, rows);
    return BLIS_OK;
}

BLIS_DEF void blis_eval_source_init(blis_eval_source *s, const blis_eval_trace *t, const blis_gt_experiment *e,
                                    int64_t block_tokens, const blis_alloc *alloc) {
    memset(s, 0, sizeof *s);
    if (alloc) s->alloc = *alloc;
    s->t = t;
    s->e = e;
    s->block_tokens = block_tokens;
}

/* The seed of block k of request i (input in tokens): blocks with the same
 * seed at the same position after the same blocks are the same content. */
static uint64_t blis__eval_block_seed(const blis_eval_source *s, size_t i, int64_t k, int64_t in) {
    const blis_eval_trace *t = s->t;
    const blis_gt_experiment *e = s->e;
    int64_t full = in / s->block_tokens;
    uint64_t unique = 0xB1150000ull + (uint64_t)i;
    if (t->prompt_id) { /* from a profile: the system prompts and the prompt set as generated */
        if (k < full && t->group_id[i] >= 0 && k < t->group_blocks) return 0x6A00000000ull + (uint64_t)t->group_id[i];
        return k < full && t->prompt_id[i] >= 0 ? 0x7100000000ull + (uint64_t)t->prompt_id[i] : unique;
    }
    if (e->shared_prompts <= 0 || e->shared_len <= 0) return unique;
    if (!e->unique_prompts) /* the prompt of this length: its full blocks */
        return k < full ? 0x5157A5EDull + (uint64_t)(0x7000000000ll + in) : unique;
    /* the system prompt's full blocks, the prompts assigned in turn */
    return k < (e->shared_len < in ? e->shared_len / s->block_tokens : full)
               ? 0x5157A5EDull + (uint64_t)(i % (size_t)e->shared_prompts)
               : unique;
}

BLIS_DEF blis_status blis_eval_source_next(void *user, blis_request *r, int *has, blis_err *err) {
    blis_eval_source *s = (blis_eval_source *)user;
    size_t i = s->next;
    int64_t in, out, n, k;
    *has = 0;
    memset(r, 0, sizeof *r);
    if (i >= s->t->n) return BLIS_OK;
    in = s->t->input_tokens[i];
    out = s->t->output_tokens[i];
    n = (in + out) / s->block_tokens;
    if (blis__grow(&s->alloc, (void **)&s->scratch, &s->scratch_cap, (size_t)n + 1, sizeof(uint64_t)))
        return blis__nomem(err);
    for (k = 0; k < n; k++) { /* chained like real block hashes: a block's hash covers its prefix */
        uint64_t seed = blis__eval_block_seed(s, i, k, in);
        uint64_t prev = k ? s->scratch[k - 1] : 0;
        s->scratch[k] = blis__mix64(prev ^ blis__mix64(seed * 0x9E3779B97F4A7C15ull + (uint64_t)k)) | 1u;
    }
    if (blis__request_make(&s->alloc, r, s->scratch, n, s->t->arrival_us[i], in, out, err)) return BLIS_E_NOMEM;
    r->index = (int64_t)i;
    r->input_key = blis__mix64(0xB1150000ull + (uint64_t)i);
    s->next++;
    *has = 1;
    return BLIS_OK;
}

BLIS_DEF void blis_eval_source_free(blis_eval_source *s) {
    blis__free(&s->alloc, s->scratch);
    s->scratch = NULL;
    s->scratch_cap = 0;
}

static double blis__nm_eval(blis_objective_fn f, void *user, const double *x, int *evals) {
    double v = f(user, x);
    (*evals)++;
    return v == v ? v : HUGE_VAL;
}

BLIS_DEF double blis_nelder_mead(blis_objective_fn f, void *user, double *x, const double *step, int n, int max_evals,
                                 double tol, int *evals) {
    double p[17][16], fv[17], c[16], xr[16], xe[16], xc[16], fr, fe, fc;
    int i, j, k, best, worst, second;
    *evals = 0;
    if (n < 1 || n > 16) return HUGE_VAL;
    for (i = 0; i <= n; i++) {
        for (j = 0; j < n; j++) p[i][j] = x[j] + (i == j + 1 ? step[j] : 0);
        fv[i] = blis__nm_eval(f, user, p[i], evals);
    }
    for (;;) {
        best = worst = 0;
        for (i = 1; i <= n; i++) {
            if (fv[i] < fv[best]) best = i;
            if (fv[i] >= fv[worst]) worst = i; /* ties: the later point */
        }
        second = best;
        for (i = 0; i <= n; i++)
            if (i != worst && fv[i] >= fv[second]) second = i;
        if (*evals >= max_evals || fabs(fv[worst] - fv[best]) <= tol) break;
        for (j = 0; j < n; j++) { /* the centroid of all but the worst */
            c[j] = 0;
            for (i = 0; i <= n; i++)
                if (i != worst) c[j] += p[i][j];
            c[j] /= n;
        }
        for (j = 0; j < n; j++) xr[j] = c[j] + (c[j] - p[worst][j]);
        fr = blis__nm_eval(f, user, xr, evals);
        if (fr < fv[best]) {
            for (j = 0; j < n; j++) xe[j] = c[j] + 2 * (c[j] - p[worst][j]);
            fe = blis__nm_eval(f, user, xe, evals);
            if (fe < fr) {
                memcpy(p[worst], xe, (size_t)n * sizeof(double));
                fv[worst] = fe;
            } else {
                memcpy(p[worst], xr, (size_t)n * sizeof(double));
                fv[worst] = fr;
            }
            continue;
        }
        if (fr < fv[second]) {
            memcpy(p[worst], xr, (size_t)n * sizeof(double));
            fv[worst] = fr;
            continue;
        }
        for (j = 0; j < n; j++) /* contract toward the better of the worst and its reflection */
            xc[j] = fr < fv[worst] ? c[j] + 0.5 * (xr[j] - c[j]) : c[j] + 0.5 * (p[worst][j] - c[j]);
        fc = blis__nm_eval(f, user, xc, evals);
        if (fc < (fr < fv[worst] ? fr : fv[worst])) {
            memcpy(p[worst], xc, (size_t)n * sizeof(double));
            fv[worst] = fc;
            continue;
        }
        for (i = 0; i <= n; i++) /* shrink toward the best */
            if (i != best) {
                for (k = 0; k < n; k++) p[i][k] = p[best][k] + 0.5 * (p[i][k] - p[best][k]);
                fv[i] = blis__nm_eval(f, user, p[i], evals);
            }
    }
    memcpy(x, p[best], (size_t)n * sizeof(double));
    return fv[best];
}

/* ==== >>bench  implementation ====
 * Owns: the bench_data validator (one table, a directory tree) and the
 * aiconfigurator importer. Uses: >>base, >>json, >>csv, >>gzip, >>mfu (table
 * names), >>eval (device names). Invariants: every finding is counted
 * whether or not it is shown; the importer emits nothing unless every file
 * it built validates without errors. Tested by test_bench.c. */

#define BLIS__BENCH_MAX_COLS 6

typedef struct blis__bench_layout {
    const char *cols[BLIS__BENCH_MAX_COLS];
    int ncols;
    int ndtype; /* leading dtype columns (text) */
    int key[2]; /* integer key columns, in sort order (decode: batch, kv) */
    int nkey;
    int lat, mfu; /* columns */
    double plausible_lo, plausible_hi;
    const char *range; /* the plausible range as printed */
    const char *what;
} blis__bench_layout;

/* GEMM rows are keyed (k, n, m): the first key column is k, then n; m is
 * handled separately (the three-part key). */
static const blis__bench_layout blis__bench_layouts[3] = {
    {{"m", "k", "n", "latency_us", "mfu", NULL}, 5, 0, {1, 2}, 2, 3, 4, 0.05, 1.0, "0.05..1.0", "GEMM"},
    {{"dtype", "seq_len", "latency_us", "mfu", NULL, NULL},
     4,
     1,
     {1, -1},
     1,
     2,
     3,
     0.30,
     0.90,
     "0.30..0.90",
     "prefill attention"},
    {{"dtype", "kv_dtype", "batch_size", "kv_len", "latency_us", "mfu"},
     6,
     2,
     {2, 3},
     2,
     4,
     5,
     0.005,
     0.30,
     "0.005..0.30",
     "decode attention"}};

BLIS_DEF const char *blis_bench_header(blis_bench_kind kind) {
    static const char *const h[3] = {"m,k,n,latency_us,mfu", "dtype,seq_len,latency_us,mfu",
                                     "dtype,kv_dtype,batch_size,kv_len,latency_us,mfu"};
    return h[(int)kind < 0 || (int)kind > 2 ? 0 : kind];
}

/* Findings of one file: counted always, shown up to the per-file cap. */
typedef struct blis__bench_file {
    blis_bench_validation *v;
    const char *source;
    size_t shown, hidden;
} blis__bench_file;

static void blis__bench_find(blis__bench_file *f, int is_error, uint32_t line, uint32_t col, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
static void blis__bench_find(blis__bench_file *f, int is_error, uint32_t line, uint32_t col, const char *fmt, ...) {
    char msg[600];
    va_list ap;
    if (is_error)
        f->v->errors++;
    else
        f->v->warnings++;
    if (f->shown >= (f->v->max_per_file ? f->v->max_per_file : 50)) {
        f->hidden++;
        return;
    }
    f->shown++;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (f->v->report) f->v->report(f->v->user, is_error, f->source, line, col, msg);
}

static void blis__bench_file_end(blis__bench_file *f) {
    char msg[96];
    if (!f->hidden || !f->v->report) return;
    snprintf(msg, sizeof msg, "%lu more findings in this file not shown", (unsigned long)f->hidden);
    f->v->report(f->v->user, 2, f->source, 0, 0, msg);
}

typedef struct blis__bench_key {
    int64_t k[3];
    double lat, mfu;
    uint32_t line;
} blis__bench_key;

static int blis__bench_key_cmp(const blis__bench_key *a, const blis__bench_key *b, int n) {
    int i;
    for (i = 0; i < n; i++)
        if (a->k[i] != b->k[i]) return a->k[i] < b->k[i] ? -1 : 1;
    return 0;
}

/* One cell as a positive integer (1..2^40); 0 after reporting a problem. */
static int blis__bench_int(blis__bench_file *f, const blis_csv_reader *r, int c, const char *name, int64_t *out) {
    const blis_csv_field *fd = &r->fields[c];
    blis_str t = blis__csv_trimmed(fd);
    if (blis_parse_i64(t.ptr, t.len, BLIS_NUM_ALLOW_PLUS, out) != BLIS_OK || *out < 1 || *out > ((int64_t)1 << 40)) {
        blis__bench_find(f, 1, fd->line, fd->col,
                         "row %lu, column \"%s\": expected an integer in 1..2^40, got \"%.40s\"", (unsigned long)r->row,
                         name, fd->ptr);
        return 0;
    }
    return 1;
}

/* One cell as a finite number; 0 after reporting a problem. */
static int blis__bench_num(blis__bench_file *f, const blis_csv_reader *r, int c, const char *name, double *out) {
    const blis_csv_field *fd = &r->fields[c];
    blis_str t = blis__csv_trimmed(fd);
    if (blis_parse_f64(t.ptr, t.len, BLIS_NUM_ALLOW_PLUS | BLIS_NUM_LOOSE_DOT, out) != BLIS_OK || !(*out == *out) ||
        *out > DBL_MAX || *out < -DBL_MAX) {
        blis__bench_find(f, 1, fd->line, fd->col, "row %lu, column \"%s\": expected a finite number, got \"%.40s\"",
                         (unsigned long)r->row, name, fd->ptr);
        return 0;
    }
    return 1;
}

/* The header: exactly the layout's columns in its order. 0 if unusable. */
static int blis__bench_header(blis__bench_file *f, const blis__bench_layout *L, const blis_csv_reader *r,
                              const char *header) {
    int i, ok = 1, pass;
    uint32_t j;
    for (pass = 0; pass < 2; pass++) /* missing columns, then (only if none) the order */
        for (i = 0; i < L->ncols; i++) {
            for (j = 0; j < r->field_count && strcmp(r->fields[j].ptr, L->cols[i]) != 0; j++) {
            }
            if (pass == 0 && j == r->field_count) {
                blis__bench_find(f, 1, r->fields[0].line, 1, "missing column \"%s\"; the header must be \"%s\"",
                                 L->cols[i], header);
                ok = 0;
            } else if (pass == 1 && ok && r->field_count == (uint32_t)L->ncols && (int)j != i) {
                blis__bench_find(f, 1, r->fields[j].line, r->fields[j].col,
                                 "column \"%s\" is column %lu, expected column %d (tables are read by position); the "
                                 "header must be \"%s\"",
                                 L->cols[i], (unsigned long)j + 1, i + 1, header);
                ok = 0;
            }
        }
    for (j = 0; j < r->field_count; j++) {
        uint32_t j2;
        for (j2 = 0; j2 < j && strcmp(r->fields[j2].ptr, r->fields[j].ptr) != 0; j2++) {
        }
        if (j2 < j) {
            blis__bench_find(f, 1, r->fields[j].line, r->fields[j].col,
                             "column \"%.40s\" appears twice; the header must be \"%s\"", r->fields[j].ptr, header);
            ok = 0;
            continue;
        }
        for (i = 0; i < L->ncols && strcmp(r->fields[j].ptr, L->cols[i]) != 0; i++) {
        }
        if (i == L->ncols) {
            blis__bench_find(f, 1, r->fields[j].line, r->fields[j].col,
                             "unexpected column \"%.40s\"; the header must be \"%s\"", r->fields[j].ptr, header);
            ok = 0;
        }
    }
    return ok;
}

/* A row's numbers and strings; 0 if any is unusable. */
static int blis__bench_row(blis__bench_file *f, const blis__bench_layout *L, blis_bench_kind kind,
                           const blis_csv_reader *r, blis__bench_key *key) {
    int c, ok = 1, i;
    const blis_csv_field *fm;
    memset(key, 0, sizeof *key);
    key->line = r->fields[0].line;
    for (c = 0; c < L->ndtype; c++)
        if (blis__csv_trimmed(&r->fields[c]).len == 0) {
            blis__bench_find(f, 1, r->fields[c].line, r->fields[c].col, "row %lu, column \"%s\": expected a dtype name",
                             (unsigned long)r->row, L->cols[c]);
            ok = 0;
        }
    for (i = 0; i < L->nkey; i++) ok &= blis__bench_int(f, r, L->key[i], L->cols[L->key[i]], &key->k[i]);
    if (kind == BLIS_BENCH_GEMM) ok &= blis__bench_int(f, r, 0, "m", &key->k[2]);
    /* a kernel shorter than a nanosecond or an MFU below 1e-9 is no measurement (1e-320 would make a step
     * time overflow) */
    if (blis__bench_num(f, r, L->lat, "latency_us", &key->lat) && !(key->lat >= 1e-3)) {
        const blis_csv_field *fl = &r->fields[L->lat];
        blis__bench_find(f, 1, fl->line, fl->col,
                         "row %lu, column \"latency_us\": must be > 0 (at least 0.001 us), got \"%.40s\"",
                         (unsigned long)r->row, fl->ptr);
        ok = 0;
    }
    fm = &r->fields[L->mfu];
    if (!blis__bench_num(f, r, L->mfu, "mfu", &key->mfu)) return 0;
    if (key->mfu < 0 || key->mfu > 1 || (key->mfu > 0 && key->mfu < 1e-9)) {
        blis__bench_find(f, 1, fm->line, fm->col,
                         "row %lu, column \"mfu\": must be within 0..1 (0, or at least 1e-9), got \"%.40s\"",
                         (unsigned long)r->row, fm->ptr);
        return 0;
    }
    if (key->mfu == 0)
        blis__bench_find(f, 0, fm->line, fm->col, "row %lu: mfu is 0; lookups skip such rows (zero protection)",
                         (unsigned long)r->row);
    else if (key->mfu < L->plausible_lo || key->mfu > L->plausible_hi)
        blis__bench_find(f, 0, fm->line, fm->col, "row %lu: mfu %.40s is outside the plausible range %s for %s",
                         (unsigned long)r->row, fm->ptr, L->range, L->what);
    return ok;
}

static void blis__bench_key_text(blis_bench_kind kind, const blis__bench_key *k, char *buf, size_t size) {
    if (kind == BLIS_BENCH_GEMM)
        snprintf(buf, size, "k=%lld, n=%lld, m=%lld", (long long)k->k[0], (long long)k->k[1], (long long)k->k[2]);
    else if (kind == BLIS_BENCH_PREFILL)
        snprintf(buf, size, "seq_len=%lld", (long long)k->k[0]);
    else
        snprintf(buf, size, "batch_size=%lld, kv_len=%lld", (long long)k->k[0], (long long)k->k[1]);
}

static size_t blis__i64_unique(int64_t *v, size_t n) {
    size_t i, k = 0;
    qsort(v, n, sizeof *v, blis__i64_cmp);
    for (i = 0; i < n; i++)
        if (k == 0 || v[k - 1] != v[i]) v[k++] = v[i];
    return k;
}

/* The decode grid (rows sorted by batch, kv): warns about missing points,
 * which bilinear interpolation reads as MFU 0. */
static void blis__bench_grid(blis__bench_file *f, const int64_t *pairs, size_t n) {
    blis_alloc a;
    int64_t *bs, *kv;
    size_t nb, nk, i, j, p = 0, missing = 0;
    long long mb = 0, mk = 0;
    memset(&a, 0, sizeof a);
    bs = (int64_t *)blis__alloc(&a, (2 * n + 1) * sizeof(int64_t));
    if (!bs) return;
    kv = bs + n;
    for (i = 0; i < n; i++) {
        bs[i] = pairs[2 * i];
        kv[i] = pairs[2 * i + 1];
    }
    nb = blis__i64_unique(bs, n);
    nk = blis__i64_unique(kv, n);
    for (i = 0; i < nb; i++)
        for (j = 0; j < nk; j++) {
            while (p < n && (pairs[2 * p] < bs[i] || (pairs[2 * p] == bs[i] && pairs[2 * p + 1] < kv[j]))) p++;
            if (p < n && pairs[2 * p] == bs[i] && pairs[2 * p + 1] == kv[j]) continue;
            if (missing++ == 0) {
                mb = (long long)bs[i];
                mk = (long long)kv[j];
            }
        }
    if (missing)
        blis__bench_find(f, 0, 0, 0,
                         "the grid lacks %lu of its %lu (batch_size, kv_len) points, first (%lld, %lld); bilinear "
                         "interpolation reads MFU 0 there",
                         (unsigned long)missing, (unsigned long)(nb * nk), mb, mk);
    blis__free(&a, bs);
}

BLIS_DEF void blis_bench_validate_csv(blis_bench_validation *v, blis_bench_kind kind, const char *src, size_t len,
                                      const char *source) {
    blis__bench_file f;
    const blis__bench_layout *L;
    blis_csv_reader r;
    blis_parse_opts o;
    blis_err err;
    blis_alloc a;
    blis__bench_key prev, cur;
    int has = 0, have_prev = 0, sorted = 1, nk, order;
    size_t rows = 0, pair_cap = 0, npairs = 0, errors0 = v->errors;
    int64_t *pairs = NULL;
    char kt[96], pt[96];
    memset(&f, 0, sizeof f);
    memset(&a, 0, sizeof a);
    memset(&prev, 0, sizeof prev);
    f.v = v;
    f.source = source ? source : "<input>";
    v->files++;
    if ((int)kind < 0 || (int)kind > 2) {
        blis__bench_find(&f, 1, 0, 0, "unknown table kind");
        return;
    }
    L = &blis__bench_layouts[kind];
    nk = kind == BLIS_BENCH_GEMM ? 3 : L->nkey;
    memset(&o, 0, sizeof o);
    o.source = f.source;
    if (blis_csv_reader_init(&r, src, len, &o, &err) != BLIS_OK) {
        blis__bench_find(&f, 1, err.line, err.col, "%s", err.msg);
        return;
    }
    if (blis_csv_reader_next(&r, &has, &err) != BLIS_OK || !has) {
        if (!has && err.status == BLIS_OK)
            blis__bench_find(&f, 1, 1, 1, "empty file: expected the header \"%s\"", blis_bench_header(kind));
        else
            blis__bench_find(&f, 1, err.line, err.col, "%s", err.msg);
        blis_csv_reader_free(&r);
        return;
    }
    if (!blis__bench_header(&f, L, &r, blis_bench_header(kind))) {
        blis_csv_reader_free(&r);
        blis__bench_file_end(&f);
        return;
    }
    err.status = BLIS_OK;
    for (;;) {
        if (blis_csv_reader_next(&r, &has, &err) != BLIS_OK) {
            blis__bench_find(&f, 1, err.line, err.col, "%s", err.msg);
            break;
        }
        if (!has) break;
        rows++;
        v->rows++;
        if (r.field_count != (uint32_t)L->ncols) {
            blis__bench_find(&f, 1, r.fields[0].line, 1, "row %lu: expected %d fields (\"%s\"), got %lu",
                             (unsigned long)r.row, L->ncols, blis_bench_header(kind), (unsigned long)r.field_count);
            continue;
        }
        if (!blis__bench_row(&f, L, kind, &r, &cur)) continue;
        order = have_prev ? blis__bench_key_cmp(&prev, &cur, nk) : -1;
        if (order >= 0) { /* the key texts only for a finding: this loop sees every row */
            blis__bench_key_text(kind, &cur, kt, sizeof kt);
            blis__bench_key_text(kind, &prev, pt, sizeof pt);
            if (order == 0 && (prev.lat != cur.lat || prev.mfu != cur.mfu))
                blis__bench_find(&f, 1, cur.line, 1,
                                 "row %lu: duplicate grid point (%s) with different values than line %lu",
                                 (unsigned long)r.row, kt, (unsigned long)prev.line);
            else if (order == 0)
                blis__bench_find(&f, 0, cur.line, 1, "row %lu: grid point (%s) repeated from line %lu",
                                 (unsigned long)r.row, kt, (unsigned long)prev.line);
            else {
                blis__bench_find(&f, 1, cur.line, 1, "row %lu: grid not sorted: (%s) after (%s); sort rows by %s",
                                 (unsigned long)r.row, kt, pt,
                                 kind == BLIS_BENCH_GEMM      ? "k, n, then m"
                                 : kind == BLIS_BENCH_PREFILL ? "seq_len"
                                                              : "batch_size, then kv_len");
                sorted = 0;
            }
        }
        if (kind == BLIS_BENCH_DECODE && sorted && order != 0) {
            if (blis__grow(&a, (void **)&pairs, &pair_cap, 2 * (npairs + 1), sizeof *pairs)) {
                sorted = 0; /* out of memory: skip the grid check */
            } else {
                pairs[2 * npairs] = cur.k[0];
                pairs[2 * npairs + 1] = cur.k[1];
                npairs++;
            }
        }
        prev = cur;
        have_prev = 1;
    }
    blis_csv_reader_free(&r);
    if (rows == 0 && err.status == BLIS_OK) blis__bench_find(&f, 1, 0, 0, "no data rows after the header");
    if (kind == BLIS_BENCH_DECODE && sorted && npairs && v->errors == errors0) blis__bench_grid(&f, pairs, npairs);
    blis__free(&a, pairs);
    blis__bench_file_end(&f);
}

/* ---- a bench_data directory ---- */

#define BLIS__BENCH_MAX_GPUS 32

typedef struct blis__bench_gpu {
    char name[64];
    int folders, gemm, json;  /* folders: GPU folders seen under gemm/ or mha/ */
    blis_buf prefill, decode; /* table names (without .csv), NUL-separated */
} blis__bench_gpu;

typedef struct blis__bench_walk {
    blis_bench_validation *v;
    blis_list_dir_fn list;
    void *list_user;
    blis__bench_gpu gpus[BLIS__BENCH_MAX_GPUS];
    size_t ngpus;
} blis__bench_walk;

/* The record of a GPU folder name (matched ignoring case), or NULL. */
static blis__bench_gpu *blis__bench_gpu_of(blis__bench_walk *w, blis__bench_file *f, const char *name) {
    size_t i;
    for (i = 0; i < w->ngpus; i++)
        if (!blis__ascii_casecmp(w->gpus[i].name, name)) return &w->gpus[i];
    if (w->ngpus == BLIS__BENCH_MAX_GPUS || strlen(name) >= sizeof w->gpus[0].name) {
        blis__bench_find(f, 1, 0, 0, "too many GPU folders or a name too long: \"%.60s\"", name);
        return NULL;
    }
    memset(&w->gpus[w->ngpus], 0, sizeof w->gpus[0]);
    blis__copy_cstr(w->gpus[w->ngpus].name, sizeof w->gpus[0].name, name);
    return &w->gpus[w->ngpus++];
}

/* Lists path into names (sorted); -1, names empty, when path is not a
 * readable directory. */
static int blis__bench_ls(blis__bench_walk *w, const char *path, blis_buf *names) {
    memset(names, 0, sizeof *names);
    if (w->list(w->list_user, path, names) == 0) return 0;
    blis_buf_free(names);
    return -1;
}

static int blis__bench_path(blis__bench_file *f, char *out, size_t size, const char *a, const char *b) {
    if ((size_t)snprintf(out, size, "%s/%s", a, b) < size) return 1;
    blis__bench_find(f, 1, 0, 0, "path longer than %lu bytes under this directory", (unsigned long)size - 1);
    return 0;
}

static void blis__bench_check_file(blis__bench_walk *w, const char *path, blis_bench_kind kind) {
    char *src = NULL;
    size_t len = 0;
    blis_err err;
    if (blis_file_read(path, 0, NULL, &src, &len, &err) != BLIS_OK) {
        blis__bench_file f;
        memset(&f, 0, sizeof f);
        f.v = w->v;
        f.source = path;
        w->v->files++;
        blis__bench_find(&f, 1, 0, 0, "cannot read the file: %s", err.msg);
        return;
    }
    blis_bench_validate_csv(w->v, kind, src, len, path);
    blis_file_free(NULL, src);
}

static int blis__has_suffix(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* dir/<gpu>/ of one kind: gemm (data.csv only), prefill or decode tables. */
static void blis__bench_kind_dir(blis__bench_walk *w, const char *dir, blis_bench_kind kind) {
    blis_buf gpus, files;
    blis__bench_file f;
    size_t i = 0, j;
    char gdir[1024], path[1024];
    memset(&f, 0, sizeof f);
    f.v = w->v;
    f.source = dir;
    if (blis__bench_ls(w, dir, &gpus) != 0) {
        blis__bench_find(&f, 1, 0, 0, "expected a directory holding one folder per GPU");
        return;
    }
    for (; i < gpus.len; i += strlen(gpus.data + i) + 1) {
        const char *g = gpus.data + i;
        blis__bench_gpu *rec;
        if (!blis__bench_path(&f, gdir, sizeof gdir, dir, g)) continue;
        if (blis__bench_ls(w, gdir, &files) != 0) {
            blis__bench_file gf = f;
            gf.source = gdir;
            blis__bench_find(&gf, 1, 0, 0, "expected a GPU folder (a directory) here");
            f.shown = gf.shown;
            continue;
        }
        if ((rec = blis__bench_gpu_of(w, &f, g)) == NULL) {
            blis_buf_free(&files);
            continue;
        }
        rec->folders = 1;
        for (j = 0; j < files.len; j += strlen(files.data + j) + 1) {
            const char *name = files.data + j;
            blis__bench_file ff;
            blis_mfu_table t;
            char base[64];
            size_t bl = strlen(name);
            memset(&ff, 0, sizeof ff);
            ff.v = w->v;
            ff.source = path;
            if (!blis__bench_path(&f, path, sizeof path, gdir, name)) continue;
            if (kind == BLIS_BENCH_GEMM) {
                if (strcmp(name, "data.csv") != 0) {
                    blis__bench_find(&ff, 1, 0, 0, "unknown file: a GEMM folder holds only data.csv");
                    continue;
                }
                rec->gemm = 1;
                blis__bench_check_file(w, path, kind);
                continue;
            }
            memset(&t, 0, sizeof t);
            if (bl < 5 || bl - 4 >= sizeof base || !blis__has_suffix(name, ".csv")) {
                base[0] = 0;
            } else {
                memcpy(base, name, bl - 4);
                base[bl - 4] = 0;
            }
            if (!base[0] || !blis__mfu_name(base, kind == BLIS_BENCH_DECODE, &t)) {
                blis__bench_find(&ff, 1, 0, 0, "unknown file: expected %s",
                                 kind == BLIS_BENCH_DECODE ? "<heads>-<kv_heads>-<head_dim>-tp<N>.csv"
                                                           : "<heads>-<kv_heads>-<head_dim>.csv");
                continue;
            }
            if (blis_buf_write(kind == BLIS_BENCH_DECODE ? &rec->decode : &rec->prefill, base, strlen(base) + 1))
                blis__bench_find(&ff, 1, 0, 0, "out of memory");
            blis__bench_check_file(w, path, kind);
        }
        blis_buf_free(&files);
    }
    blis_buf_free(&gpus);
    blis__bench_file_end(&f);
}

static int blis__names_has(const blis_buf *names, const char *want) {
    size_t i;
    for (i = 0; i < names->len; i += strlen(names->data + i) + 1)
        if (!strcmp(names->data + i, want)) return 1;
    return 0;
}

/* A provenance file <gpu>.json: a JSON object. */
static void blis__bench_json(blis__bench_walk *w, const char *path, const char *name) {
    blis__bench_file f;
    char *src = NULL;
    size_t len = 0;
    blis_err err;
    blis_doc doc;
    blis_parse_opts o;
    char gpu[64];
    memset(&f, 0, sizeof f);
    f.v = w->v;
    f.source = path;
    w->v->files++;
    blis__copy_cstr(gpu, sizeof gpu, name);
    if (strlen(name) - 5 < sizeof gpu) gpu[strlen(name) - 5] = 0;
    if (blis_file_read(path, 0, NULL, &src, &len, &err) != BLIS_OK) {
        blis__bench_find(&f, 1, 0, 0, "cannot read the file: %s", err.msg);
        return;
    }
    memset(&o, 0, sizeof o);
    o.source = path;
    if (blis_json_parse(src, len, &o, &doc, &err) != BLIS_OK)
        blis__bench_find(&f, 1, err.line, err.col, "provenance file: %s", err.msg);
    else {
        if (blis_doc_root(&doc)->kind != BLIS_NODE_OBJECT)
            blis__bench_find(&f, 1, 1, 1, "provenance file: expected a JSON object");
        blis_doc_free(&doc);
        {
            blis__bench_gpu *rec = blis__bench_gpu_of(w, &f, gpu);
            if (rec) rec->json = 1;
        }
    }
    blis_file_free(NULL, src);
}

BLIS_DEF void blis_bench_validate_dir(blis_bench_validation *v, const char *dir, blis_list_dir_fn list,
                                      void *list_user) {
    blis__bench_walk *w;
    blis_alloc a;
    blis_buf top, sub;
    blis__bench_file f;
    size_t i, j;
    char path[1024], path2[1024];
    memset(&f, 0, sizeof f);
    memset(&a, 0, sizeof a);
    f.v = v;
    f.source = dir;
    w = (blis__bench_walk *)blis__alloc(&a, sizeof *w);
    if (!w) {
        blis__bench_find(&f, 1, 0, 0, "out of memory");
        return;
    }
    memset(w, 0, sizeof *w);
    w->v = v;
    w->list = list;
    w->list_user = list_user;
    if (blis__bench_ls(w, dir, &top) != 0) {
        blis__bench_find(&f, 1, 0, 0, "cannot read the directory (expected a bench_data directory)");
        blis__free(&a, w);
        return;
    }
    for (i = 0; i < top.len; i += strlen(top.data + i) + 1) {
        const char *name = top.data + i;
        if (!blis__bench_path(&f, path, sizeof path, dir, name)) continue;
        if (!strcmp(name, "gemm")) {
            blis__bench_kind_dir(w, path, BLIS_BENCH_GEMM);
        } else if (!strcmp(name, "mha")) {
            blis__bench_file mf = f;
            mf.source = path;
            if (blis__bench_ls(w, path, &sub) != 0) {
                blis__bench_find(&mf, 1, 0, 0, "expected a directory holding prefill/ and decode/");
                continue;
            }
            for (j = 0; j < sub.len; j += strlen(sub.data + j) + 1) {
                const char *s = sub.data + j;
                if (!blis__bench_path(&mf, path2, sizeof path2, path, s)) continue;
                if (!strcmp(s, "prefill"))
                    blis__bench_kind_dir(w, path2, BLIS_BENCH_PREFILL);
                else if (!strcmp(s, "decode"))
                    blis__bench_kind_dir(w, path2, BLIS_BENCH_DECODE);
                else {
                    blis__bench_file uf = mf;
                    uf.source = path2;
                    blis__bench_find(&uf, 1, 0, 0, "unknown entry: mha/ holds only prefill/ and decode/");
                }
            }
            blis_buf_free(&sub);
        } else if (blis__has_suffix(name, ".json") && strlen(name) > 5) {
            blis__bench_json(w, path, name);
        } else {
            blis__bench_file uf = f;
            uf.source = path;
            blis__bench_find(&uf, 1, 0, 0, "unknown entry: expected gemm/, mha/ or <gpu>.json");
        }
    }
    blis_buf_free(&top);
    for (j = 0, i = 0; i < w->ngpus; i++) j |= (size_t)w->gpus[i].folders;
    if (!j)
        blis__bench_find(&f, 1, 0, 0,
                         "no tables: expected gemm/<gpu>/data.csv, mha/prefill/<gpu>/ and mha/decode/<gpu>/");
    for (i = 0; i < w->ngpus; i++) {
        blis__bench_gpu *g = &w->gpus[i];
        if (!g->folders)
            blis__bench_find(&f, 0, 0, 0, "%s.json: provenance for a GPU with no tables", g->name);
        else {
            if (!g->gemm) blis__bench_find(&f, 1, 0, 0, "GPU \"%s\": no gemm/%s/data.csv", g->name, g->name);
            if (!g->prefill.len)
                blis__bench_find(&f, 1, 0, 0, "GPU \"%s\": no prefill tables in mha/prefill/%s/", g->name, g->name);
            if (!g->decode.len)
                blis__bench_find(&f, 1, 0, 0, "GPU \"%s\": no decode tables in mha/decode/%s/", g->name, g->name);
        }
        for (j = 0; j < g->decode.len; j += strlen(g->decode.data + j) + 1) {
            char key[64];
            const char *d = g->decode.data + j, *tp = strstr(d, "-tp");
            blis__copy_cstr(key, sizeof key, d);
            if (tp && (size_t)(tp - d) < sizeof key) key[tp - d] = 0;
            if (!blis__names_has(&g->prefill, key))
                blis__bench_find(&f, 0, 0, 0,
                                 "GPU \"%s\": decode table %s.csv has no prefill table %s.csv; lookups reach decode "
                                 "tables only through a prefill config",
                                 g->name, d, key);
        }
        for (j = 0; j < g->prefill.len; j += strlen(g->prefill.data + j) + 1) {
            char want[80];
            snprintf(want, sizeof want, "%s-tp1", g->prefill.data + j);
            if (g->decode.len && !blis__names_has(&g->decode, want))
                blis__bench_find(&f, 0, 0, 0,
                                 "GPU \"%s\": prefill table %s.csv has no decode table %s.csv; decode lookups for "
                                 "a TP without a table fall back to MFU 1e-4",
                                 g->name, g->prefill.data + j, want);
        }
        blis_buf_free(&g->prefill);
        blis_buf_free(&g->decode);
    }
    blis__bench_file_end(&f);
    blis__free(&a, w);
}

/* ---- importing aiconfigurator tables ---- */

typedef struct blis__imp_row {
    int64_t k[5]; /* GEMM (k, n, m); prefill (H, Hkv, dh, s); decode (h, kvh, dh, bs, kv) */
    double lat_us;
    size_t order; /* file order, for a stable sort */
} blis__imp_row;

static int blis__imp_cmp(const void *pa, const void *pb) {
    const blis__imp_row *a = (const blis__imp_row *)pa, *b = (const blis__imp_row *)pb;
    int i;
    for (i = 0; i < 5; i++)
        if (a->k[i] != b->k[i]) return a->k[i] < b->k[i] ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* Sorts rows and merges repeated measurements (the mean latency). */
static size_t blis__imp_sort_merge(blis__imp_row *rows, size_t n, size_t *merged) {
    size_t i = 0, out = 0;
    qsort(rows, n, sizeof *rows, blis__imp_cmp);
    while (i < n) {
        size_t j = i + 1;
        double sum = rows[i].lat_us;
        while (j < n && !memcmp(rows[j].k, rows[i].k, sizeof rows[i].k)) sum += rows[j++].lat_us;
        rows[out] = rows[i];
        rows[out].lat_us = sum / (double)(j - i);
        *merged += j - i - 1;
        out++;
        i = j;
    }
    return out;
}

/* Reads a table, gzip-compressed or not. */
static blis_status blis__imp_read(const char *path, blis_csv *csv, char **text, blis_err *err) {
    char *raw = NULL;
    size_t len = 0, tlen = 0;
    blis_parse_opts o;
    blis_status st = blis_file_read(path, (size_t)1 << 30, NULL, &raw, &len, err);
    if (st) return st;
    if (len >= 2 && (unsigned char)raw[0] == 0x1f && (unsigned char)raw[1] == 0x8b) {
        st = blis_gunzip((const unsigned char *)raw, len, (size_t)1 << 30, NULL, text, &tlen, err);
        blis_file_free(NULL, raw);
        if (st) {
            blis__copy_cstr(err->source, sizeof err->source, path);
            return st;
        }
    } else {
        *text = raw;
        tlen = len;
    }
    memset(&o, 0, sizeof o);
    o.source = path;
    o.max_input_bytes = (size_t)1 << 30;
    st = blis_csv_parse(*text, tlen, &o, csv, err);
    if (st) {
        blis__free(NULL, *text);
        *text = NULL;
    }
    return st;
}

typedef struct blis__imp_cols {
    int32_t c[10];
} blis__imp_cols;

static blis_status blis__imp_columns(const blis_csv *csv, const char *const *names, int n, blis__imp_cols *out,
                                     blis_err *err) {
    int i;
    for (i = 0; i < n; i++)
        if ((out->c[i] = blis_csv_column(csv, names[i])) < 0) {
            blis_err_clear(err, csv->source);
            return blis_err_set(err, BLIS_E_MISSING, 1, 1, "missing column \"%s\" (not an aiconfigurator table?)",
                                names[i]);
        }
    return BLIS_OK;
}

typedef struct blis__imp_out {
    char relpath[160];
    blis_buf text;
    blis_bench_kind kind;
} blis__imp_out;

typedef struct blis__imp {
    const blis_bench_import_opts *o;
    blis_bench_import_stats *stats;
    const char *dtype;
    double peak; /* FLOP/s */
    char device[96], kernels[3][48];
    blis__imp_out *outs;
    size_t nout, cap;
} blis__imp;

static blis_status blis__imp_new_out(blis__imp *im, blis_bench_kind kind, const char *rel, blis__imp_out **out,
                                     blis_err *err) {
    if (blis__grow(NULL, (void **)&im->outs, &im->cap, im->nout + 1, sizeof *im->outs)) return blis__nomem(err);
    *out = &im->outs[im->nout++];
    memset(*out, 0, sizeof **out);
    (*out)->kind = kind;
    blis__copy_cstr((*out)->relpath, sizeof(*out)->relpath, rel);
    return BLIS_OK;
}

/* Appends "lat,mfu\n" with latency to the nanosecond and the MFU exact. */
static int blis__imp_tail(blis_buf *b, double lat_us, double mfu) {
    char l[BLIS_F64_FIXED_BUF_MAX], m[BLIS_F64_BUF_MAX];
    size_t ln = blis_f64_format_fixed(lat_us, 3, l, sizeof l), mn = blis_f64_format_go(mfu, m);
    if (mn == 0) return -1;
    return blis_buf_write(b, l, ln) || blis_buf_write(b, ",", 1) || blis_buf_write(b, m, mn) ||
           blis_buf_write(b, "\n", 1);
}

static int blis__imp_text(blis_buf *b, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static int blis__imp_text(blis_buf *b, const char *fmt, ...) {
    char tmp[256];
    int n;
    va_list ap;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    return n < 0 || (size_t)n >= sizeof tmp ? -1 : blis_buf_write(b, tmp, (size_t)n);
}

/* The rows of one table kept by dtype (and batch 1 for prefill). which: 0
 * GEMM, 1 context attention, 2 generation attention. */
static blis_status blis__imp_load(blis__imp *im, int which, const char *path, blis__imp_row **rows_out, size_t *n_out,
                                  blis_err *err) {
    static const char *const cols[3][10] = {
        {"device", "kernel_source", "gemm_dtype", "m", "n", "k", "latency", NULL, NULL, NULL},
        {"device", "kernel_source", "attn_dtype", "batch_size", "isl", "num_heads", "num_key_value_heads", "head_dim",
         "latency", "kv_cache_dtype"},
        {"device", "kernel_source", "attn_dtype", "batch_size", "step", "num_heads", "num_key_value_heads", "head_dim",
         "latency", "kv_cache_dtype"}};
    blis_csv csv;
    char *text = NULL;
    blis__imp_cols c;
    blis__imp_row *rows = NULL;
    size_t n = 0;
    uint32_t r;
    int ncols = which == 0 ? 7 : 10, i;
    blis_status st = blis__imp_read(path, &csv, &text, err);
    if (st) return st;
    st = blis__imp_columns(&csv, cols[which], ncols, &c, err);
    if (!st && !(rows = (blis__imp_row *)blis__alloc(NULL, (csv.rows + 1) * sizeof *rows))) st = blis__nomem(err);
    for (r = 0; !st && r < csv.rows; r++) {
        const char *dt = blis_csv_cell(&csv, r, (uint32_t)c.c[2])->ptr;
        int64_t v[6];
        double lat_ms = 0;
        im->stats->rows_read++;
        if (strcmp(dt, im->dtype) != 0 ||
            (which > 0 && strcmp(blis_csv_cell(&csv, r, (uint32_t)c.c[9])->ptr, im->dtype) != 0)) {
            im->stats->rows_skipped++;
            continue;
        }
        for (i = 0; !st && i < (which == 0 ? 3 : 5); i++)
            st = blis_csv_get_i64(&csv, r, (uint32_t)c.c[3 + i], &v[i], err);
        if (!st) st = blis_csv_get_f64(&csv, r, (uint32_t)c.c[which == 0 ? 6 : 8], &lat_ms, err);
        if (st) break;
        for (i = 0; i < (which == 0 ? 3 : 5); i++)
            if (v[i] < (which == 2 && i == 1 ? 0 : 1) || v[i] > ((int64_t)1 << 40)) {
                const blis_csv_field *fd = blis_csv_cell(&csv, r, (uint32_t)c.c[3 + i]);
                blis_err_clear(err, path);
                st = blis_err_set(err, BLIS_E_RANGE, fd->line, fd->col, "column \"%s\": expected 1..2^40, got %lld",
                                  cols[which][3 + i], (long long)v[i]);
            }
        if (!st && !(lat_ms > 0 && lat_ms < 1e9)) {
            const blis_csv_field *fd = blis_csv_cell(&csv, r, (uint32_t)c.c[which == 0 ? 6 : 8]);
            blis_err_clear(err, path);
            st = blis_err_set(err, BLIS_E_RANGE, fd->line, fd->col, "latency must be > 0 ms, got \"%.40s\"", fd->ptr);
        }
        if (st) break;
        if (which == 1 && v[0] != 1) { /* prefill tables are per sequence: batch 1 */
            im->stats->rows_skipped++;
            continue;
        }
        if (!im->device[0]) {
            blis__copy_cstr(im->device, sizeof im->device, blis_csv_cell(&csv, r, (uint32_t)c.c[0])->ptr);
        }
        if (!im->kernels[which][0])
            blis__copy_cstr(im->kernels[which], sizeof im->kernels[which],
                            blis_csv_cell(&csv, r, (uint32_t)c.c[1])->ptr);
        memset(&rows[n], 0, sizeof rows[n]);
        if (which == 0) { /* (k, n, m) */
            rows[n].k[0] = v[2];
            rows[n].k[1] = v[1];
            rows[n].k[2] = v[0];
        } else if (which == 1) { /* (H, Hkv, dh, s) */
            rows[n].k[0] = v[2];
            rows[n].k[1] = v[3];
            rows[n].k[2] = v[4];
            rows[n].k[3] = v[1];
        } else { /* (h, kvh, dh, bs, kv = step + 1) */
            rows[n].k[0] = v[2];
            rows[n].k[1] = v[3];
            rows[n].k[2] = v[4];
            rows[n].k[3] = v[0];
            rows[n].k[4] = v[1] + 1;
        }
        rows[n].lat_us = lat_ms * 1000.0;
        rows[n].order = n;
        n++;
    }
    blis_csv_free(&csv);
    blis__free(NULL, text);
    if (st) {
        blis__free(NULL, rows);
        return st;
    }
    *n_out = blis__imp_sort_merge(rows, n, &im->stats->duplicates_merged);
    *rows_out = rows;
    return BLIS_OK;
}

static const char *blis__imp_dtype_short(const char *d) { return !strcmp(d, "bfloat16") ? "bf16" : d; }

static blis_status blis__imp_gemm(blis__imp *im, const blis__imp_row *rows, size_t n, blis_err *err) {
    blis__imp_out *out = NULL;
    char rel[160];
    size_t i;
    snprintf(rel, sizeof rel, "gemm/%s/data.csv", im->stats->gpu);
    if (blis__imp_new_out(im, BLIS_BENCH_GEMM, rel, &out, err)) return BLIS_E_NOMEM;
    if (blis__imp_text(&out->text, "%s\n", blis_bench_header(BLIS_BENCH_GEMM))) return blis__nomem(err);
    for (i = 0; i < n; i++) {
        double flops = 2.0 * (double)rows[i].k[2] * (double)rows[i].k[0] * (double)rows[i].k[1];
        if (blis__imp_text(&out->text, "%lld,%lld,%lld,", (long long)rows[i].k[2], (long long)rows[i].k[0],
                           (long long)rows[i].k[1]) ||
            blis__imp_tail(&out->text, rows[i].lat_us, flops / (rows[i].lat_us * 1e-6 * im->peak)))
            return blis__nomem(err);
    }
    im->stats->gemm_rows = n;
    return BLIS_OK;
}

/* One prefill table per (H, Hkv, dh); rows[first..end) share it. */
static blis_status blis__imp_prefill(blis__imp *im, const blis__imp_row *rows, size_t first, size_t end,
                                     blis_err *err) {
    blis__imp_out *out = NULL;
    char rel[160];
    size_t i;
    snprintf(rel, sizeof rel, "mha/prefill/%s/%lld-%lld-%lld.csv", im->stats->gpu, (long long)rows[first].k[0],
             (long long)rows[first].k[1], (long long)rows[first].k[2]);
    if (blis__imp_new_out(im, BLIS_BENCH_PREFILL, rel, &out, err)) return BLIS_E_NOMEM;
    if (blis__imp_text(&out->text, "%s\n", blis_bench_header(BLIS_BENCH_PREFILL))) return blis__nomem(err);
    for (i = first; i < end; i++) {
        double s = (double)rows[i].k[3];
        double flops = 4.0 * (double)rows[i].k[0] * s * s * (double)rows[i].k[2];
        if (blis__imp_text(&out->text, "%s,%lld,", blis__imp_dtype_short(im->dtype), (long long)rows[i].k[3]) ||
            blis__imp_tail(&out->text, rows[i].lat_us, flops / (1.8 * rows[i].lat_us * 1e-6 * im->peak)))
            return blis__nomem(err);
    }
    im->stats->prefill_tables++;
    im->stats->prefill_rows += end - first;
    return BLIS_OK;
}

/* Decode tables of the config (H, Hkv, dh) at TP 1, 2, 4 and 8, from the
 * rows measured with that TP's shard of heads (KV heads replicated when
 * there are fewer than the TP degree). */
static blis_status blis__imp_decode(blis__imp *im, const int64_t *cfg, const blis__imp_row *rows, size_t n,
                                    blis_err *err) {
    static const int64_t tps[4] = {1, 2, 4, 8};
    int t;
    for (t = 0; t < 4; t++) {
        int64_t tp = tps[t], h, kvh;
        size_t i;
        blis__imp_out *out = NULL;
        char rel[160];
        if (cfg[0] % tp) continue;
        h = cfg[0] / tp;
        if (cfg[1] >= tp && cfg[1] % tp) continue;
        kvh = cfg[1] >= tp ? cfg[1] / tp : 1;
        for (i = 0; i < n && !(rows[i].k[0] == h && rows[i].k[1] == kvh && rows[i].k[2] == cfg[2]); i++) {
        }
        if (i == n) continue;
        snprintf(rel, sizeof rel, "mha/decode/%s/%lld-%lld-%lld-tp%lld.csv", im->stats->gpu, (long long)cfg[0],
                 (long long)cfg[1], (long long)cfg[2], (long long)tp);
        if (blis__imp_new_out(im, BLIS_BENCH_DECODE, rel, &out, err)) return BLIS_E_NOMEM;
        if (blis__imp_text(&out->text, "%s\n", blis_bench_header(BLIS_BENCH_DECODE))) return blis__nomem(err);
        for (; i < n && rows[i].k[0] == h && rows[i].k[1] == kvh && rows[i].k[2] == cfg[2]; i++) {
            double flops = 4.0 * (double)h * (double)rows[i].k[3] * (double)rows[i].k[4] * (double)cfg[2];
            if (blis__imp_text(&out->text, "%s,%s,%lld,%lld,", blis__imp_dtype_short(im->dtype),
                               blis__imp_dtype_short(im->dtype), (long long)rows[i].k[3], (long long)rows[i].k[4]) ||
                blis__imp_tail(&out->text, rows[i].lat_us, flops / (rows[i].lat_us * 1e-6 * im->peak)))
                return blis__nomem(err);
            im->stats->decode_rows++;
        }
        im->stats->decode_tables++;
    }
    return BLIS_OK;
}

static blis_status blis__imp_provenance(blis__imp *im, blis_err *err) {
    blis__imp_out *out = NULL;
    blis_jw w;
    char rel[160];
    static const char *const names[3] = {"gemm", "context_attention", "generation_attention"};
    const char *paths[3];
    int i;
    paths[0] = im->o->gemm_path;
    paths[1] = im->o->context_path;
    paths[2] = im->o->generation_path;
    snprintf(rel, sizeof rel, "%s.json", im->stats->gpu);
    if (blis__imp_new_out(im, (blis_bench_kind)-1, rel, &out, err)) return BLIS_E_NOMEM;
    blis_jw_init(&w, blis_buf_write, &out->text, 2);
    blis_jw_object_begin(&w);
    blis_jw_key_str(&w, "source", "aiconfigurator kernel tables (imported)");
    blis_jw_key_str(&w, "gpu_name", im->device);
    blis_jw_key_str(&w, "dtype", im->dtype);
    blis_jw_key_f64(&w, "peak_tflops", im->peak / 1e12);
    blis_jw_key(&w, "kernels");
    blis_jw_object_begin(&w);
    for (i = 0; i < 3; i++)
        if (im->kernels[i][0]) blis_jw_key_str(&w, names[i], im->kernels[i]);
    blis_jw_object_end(&w);
    blis_jw_key(&w, "inputs");
    blis_jw_object_begin(&w);
    for (i = 0; i < 3; i++)
        if (paths[i]) blis_jw_key_str(&w, names[i], paths[i]);
    blis_jw_object_end(&w);
    blis_jw_key_str(&w, "mfu_definitions",
                    "gemm 2mkn/(t*peak); prefill 4*H*s^2*dh/(1.8*t*peak) at batch 1; decode 4*(H/tp)*B*kv*dh/(t*peak)");
    blis_jw_key_str(&w, "imported_by", "blis " BLIS_VERSION);
    blis_jw_object_end(&w);
    if (blis_jw_finish(&w) != BLIS_OK || blis_buf_write(&out->text, "\n", 1)) return blis__nomem(err);
    return BLIS_OK;
}

typedef struct blis__imp_first {
    int is_error;
    char msg[700];
} blis__imp_first;

static void blis__imp_report(void *user, int is_error, const char *source, uint32_t line, uint32_t col,
                             const char *msg) {
    blis__imp_first *f = (blis__imp_first *)user;
    if (is_error == 1 && !f->is_error) {
        f->is_error = 1;
        snprintf(f->msg, sizeof f->msg, "%s:%lu:%lu: %s", source, (unsigned long)line, (unsigned long)col, msg);
    }
}

BLIS_DEF blis_status blis_bench_import_aiconfigurator(const blis_bench_import_opts *o, blis_bench_emit_fn emit,
                                                      void *emit_user, blis_bench_import_stats *stats, blis_err *err) {
    blis__imp im;
    blis__imp_row *gemm = NULL, *ctx = NULL, *gen = NULL;
    size_t ngemm = 0, nctx = 0, ngen = 0, i;
    blis_status st = BLIS_OK;
    memset(&im, 0, sizeof im);
    memset(stats, 0, sizeof *stats);
    im.o = o;
    im.stats = stats;
    im.dtype = o->dtype && o->dtype[0] ? o->dtype : "bfloat16";
    im.peak = o->peak_tflops * 1e12;
    blis_err_clear(err, "import");
    if (!(o->peak_tflops >= 0 && o->peak_tflops < 1e6) || (o->peak_tflops == 0 && !o->hardware_doc))
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "the peak must be > 0 TFLOP/s (or come from a hardware config)");
    if (!o->gemm_path || !o->context_path || !o->generation_path)
        return blis_err_set(err, BLIS_E_MISSING, 0, 0,
                            "the GEMM, context attention and generation attention tables are all needed");
    if ((st = blis__imp_load(&im, 0, o->gemm_path, &gemm, &ngemm, err)) ||
        (st = blis__imp_load(&im, 1, o->context_path, &ctx, &nctx, err)) ||
        (st = blis__imp_load(&im, 2, o->generation_path, &gen, &ngen, err)))
        goto done;
    if (!ngemm || !nctx || !ngen) {
        blis_err_clear(err, !ngemm ? o->gemm_path : !nctx ? o->context_path : o->generation_path);
        st = blis_err_set(err, BLIS_E_MISSING, 0, 0, "no rows of dtype %s%s", im.dtype,
                          !ngemm || !ngen ? "" : " at batch size 1");
        goto done;
    }
    if (o->gpu && o->gpu[0])
        blis__copy_cstr(stats->gpu, sizeof stats->gpu, o->gpu);
    else {
        const char *g = blis_gpu_from_device_name(im.device);
        if (!g[0]) {
            blis_err_clear(err, o->gemm_path);
            st = blis_err_set(err, BLIS_E_UNSUPPORTED, 0, 0, "cannot tell the GPU from the device \"%.80s\"; name it",
                              im.device);
            goto done;
        }
        blis__copy_cstr(stats->gpu, sizeof stats->gpu, g);
    }
    if (im.peak == 0) {
        blis_hw_config hw;
        if ((st = blis_hw_config_from_doc(o->hardware_doc, stats->gpu, &hw, err))) goto done;
        if (!(hw.tflops_peak > 0)) {
            blis_err_clear(err, "hardware config");
            st = blis_err_set(err, BLIS_E_INVALID, 0, 0, "GPU \"%s\" has no TFlopsPeak; give the peak", stats->gpu);
            goto done;
        }
        im.peak = hw.tflops_peak * 1e12;
    }
    if (!(o->gpu && o->gpu[0])) { /* the folder name of a derived GPU is lower case, as the reference's */
        for (i = 0; stats->gpu[i]; i++)
            if (stats->gpu[i] >= 'A' && stats->gpu[i] <= 'Z') stats->gpu[i] = (char)(stats->gpu[i] - 'A' + 'a');
    }
    if ((st = blis__imp_gemm(&im, gemm, ngemm, err))) goto done;
    for (i = 0; i < nctx && !st;) {
        size_t j = i;
        while (j < nctx && !memcmp(ctx[j].k, ctx[i].k, 3 * sizeof(int64_t))) j++;
        if (!(st = blis__imp_prefill(&im, ctx, i, j, err))) st = blis__imp_decode(&im, ctx[i].k, gen, ngen, err);
        i = j;
    }
    if (!st) st = blis__imp_provenance(&im, err);
    for (i = 0; !st && i < im.nout; i++) { /* everything built must validate */
        blis_bench_validation v;
        blis__imp_first first;
        if ((int)im.outs[i].kind < 0) continue;
        memset(&v, 0, sizeof v);
        memset(&first, 0, sizeof first);
        v.report = blis__imp_report;
        v.user = &first;
        blis_bench_validate_csv(&v, im.outs[i].kind, im.outs[i].text.data, im.outs[i].text.len, im.outs[i].relpath);
        if (v.errors) {
            blis_err_clear(err, im.outs[i].relpath);
            st = blis_err_set(err, BLIS_E_INVALID, 0, 0, "the converted table does not validate (%.600s)%s", first.msg,
                              strstr(first.msg, "mfu") ? "; is the peak right?" : "");
        }
    }
    for (i = 0; !st && i < im.nout; i++)
        st = emit(emit_user, im.outs[i].relpath, im.outs[i].text.data, im.outs[i].text.len, err);
done:
    for (i = 0; i < im.nout; i++) blis_buf_free(&im.outs[i].text);
    blis__free(NULL, im.outs);
    blis__free(NULL, gemm);
    blis__free(NULL, ctx);
    blis__free(NULL, gen);
    return st;
}

/* ==== >>plan  implementation ====
 * Owns: SLO objectives and their evaluation, capacity and cost, sweep
 * grids, the Pareto front, the knee, the SVG chart. Uses: >>base, >>json,
 * >>cluster, >>metrics. Invariants: per-request values are read in
 * generation order, so sums and counts never depend on the platform; the
 * chart prints coordinates with 2 decimals through blis_f64_format_fixed. */

static const char *const blis__slo_metric_names[4] = {"ttft", "itl", "e2e", "scheduling_delay"};

BLIS_DEF blis_status blis_slo_parse(const char *text, blis_slo_set *set, blis_err *err) {
    const char *p = text ? text : "";
    memset(set, 0, sizeof *set);
    for (;;) {
        const char *end = strchr(p, ','), *lt, *num, *unit;
        size_t len;
        char item[96], name[32];
        blis_slo *s;
        double v, scale;
        size_t unit_len;
        int m, k;
        if (!end) end = p + strlen(p);
        while (p < end && *p == ' ') p++;
        len = (size_t)(end - p);
        while (len && p[len - 1] == ' ') len--;
        snprintf(item, sizeof item, "%.*s", (int)(len > 80 ? 80 : len), p);
        if (!len) return blis_err_set(err, BLIS_E_INVALID, 0, 0, "empty SLO objective in \"%.200s\"", text ? text : "");
        if (set->n == BLIS_MAX_SLOS)
            return blis_err_set(err, BLIS_E_LIMIT, 0, 0, "more than %d SLO objectives", BLIS_MAX_SLOS);
        s = &set->slo[set->n];
        lt = (const char *)memchr(p, '<', len);
        if (!lt || lt == p || (size_t)(lt - p) >= sizeof name)
            return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                                "SLO objective \"%s\": expected METRIC<LIMIT, e.g. ttft_p99<500ms", item);
        memcpy(name, p, (size_t)(lt - p));
        name[lt - p] = '\0';
        for (k = (int)(lt - p); k > 0 && name[k - 1] == ' ';) name[--k] = '\0';
        s->inclusive = lt + 1 < p + len && lt[1] == '=';
        num = lt + 1 + s->inclusive;
        while (num < p + len && *num == ' ') num++;
        s->metric = -1;
        for (m = 0; m < 4; m++) {
            size_t ml = strlen(blis__slo_metric_names[m]);
            const char *stat = name + ml + 1;
            if (strncmp(name, blis__slo_metric_names[m], ml) || name[ml] != '_') continue;
            k = !strcmp(stat, "mean")  ? 0
                : !strcmp(stat, "p90") ? 90
                : !strcmp(stat, "p95") ? 95
                : !strcmp(stat, "p99") ? 99
                                       : -1;
            if (k < 0 || (m == BLIS_SLO_SCHED && k != 99)) continue;
            s->metric = m;
            s->percentile = k;
        }
        if (s->metric < 0)
            return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                                "SLO objective \"%s\": unknown metric \"%s\"; expected ttft, itl or e2e with _mean, "
                                "_p90, _p95 or _p99, or scheduling_delay_p99",
                                item, name);
        for (unit = p + len;
             unit > num && ((unit[-1] >= 'a' && unit[-1] <= 'z') || (unit[-1] >= 'A' && unit[-1] <= 'Z'));)
            unit--;
        if (unit == p + len)
            return blis_err_set(err, BLIS_E_INVALID, 0, 0, "SLO objective \"%s\": the limit needs a unit (us, ms or s)",
                                item);
        if ((size_t)(p + len - unit) == 2 && !strncmp(unit, "us", 2))
            scale = 1e-3;
        else if ((size_t)(p + len - unit) == 2 && !strncmp(unit, "ms", 2))
            scale = 1;
        else if ((size_t)(p + len - unit) == 1 && unit[0] == 's')
            scale = 1e3;
        else
            return blis_err_set(err, BLIS_E_INVALID, 0, 0, "SLO objective \"%s\": unknown unit \"%.*s\" (us, ms or s)",
                                item, (int)(p + len - unit), unit);
        {
            const char *num_end = unit;
            while (num_end > num && num_end[-1] == ' ') num_end--;
            unit_len = (size_t)(num_end - num);
        }
        if (blis_parse_f64(num, unit_len, BLIS_NUM_ALLOW_PLUS | BLIS_NUM_LOOSE_DOT, &v) != BLIS_OK || !(v > 0) ||
            v > 1e15)
            return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                                "SLO objective \"%s\": the limit must be a number > 0 followed by us, ms or s", item);
        snprintf(s->name, sizeof s->name, "%s", name);
        s->limit_ms = v * scale;
        set->n++;
        if (!*end) break;
        p = end + 1;
    }
    return BLIS_OK;
}

BLIS_DEF size_t blis_slo_format(const blis_slo_set *set, char *buf, size_t size) {
    size_t i, at = 0;
    if (size) buf[0] = '\0';
    for (i = 0; i < set->n; i++) {
        char num[BLIS_F64_BUF_MAX];
        int w;
        blis_f64_format_go(set->slo[i].limit_ms, num);
        w = snprintf(at < size ? buf + at : NULL, at < size ? size - at : 0, "%s%s%s%sms", i ? "," : "",
                     set->slo[i].name, set->slo[i].inclusive ? "<=" : "<", num);
        if (w > 0) at += (size_t)w;
    }
    return at;
}

BLIS_DEF double blis_slo_value_ms(const blis_metrics *m, const blis_slo *s) {
    const double *base;
    switch (s->metric) {
    case BLIS_SLO_TTFT: base = &m->ttft_mean_ms; break;
    case BLIS_SLO_ITL: base = &m->itl_mean_ms; break;
    case BLIS_SLO_E2E: base = &m->e2e_mean_ms; break;
    default: return m->scheduling_delay_p99_ms;
    }
    /* mean, p90, p95, p99 follow each other in blis_metrics */
    return s->percentile == 0 ? base[0] : s->percentile == 90 ? base[1] : s->percentile == 95 ? base[2] : base[3];
}

static double blis__slo_request_ms(const blis_request *r, int metric) {
    switch (metric) {
    case BLIS_SLO_TTFT: return (double)r->first_token_us / 1e3;
    case BLIS_SLO_ITL: return r->itl_count > 0 ? (double)r->itl_sum_us / (double)r->itl_count / 1e3 : 0;
    case BLIS_SLO_E2E: return (double)r->e2e_us / 1e3;
    default: return r->sched_delay_us > 0 ? (double)r->sched_delay_us / 1e3 : 0;
    }
}

static int blis__slo_within(const blis_slo *s, double v) { return s->inclusive ? v <= s->limit_ms : v < s->limit_ms; }

BLIS_DEF blis_status blis_cluster_slo_eval(const blis_cluster *c, const blis_metrics *m, const blis_slo_set *set,
                                           blis_slo_result *r, blis_err *err) {
    int64_t within[BLIS_MAX_SLOS];
    size_t i, k;
    int inst, all = 1;
    memset(r, 0, sizeof *r);
    memset(within, 0, sizeof within);
    for (inst = 0; inst < c->n_instances; inst++) {
        const blis_sim *s = &c->instances[inst];
        if (!s->cfg.keep_requests)
            return blis_err_set(err, BLIS_E_INVALID, 0, 0, "SLO evaluation needs blis_sim_config.keep_requests = 1");
        for (i = 0; i < s->request_count; i++) { /* generation order */
            const blis_request *q = s->requests[i];
            int good = 1;
            if (q->state != BLIS_REQ_COMPLETED) continue;
            for (k = 0; k < set->n; k++) {
                int ok = blis__slo_within(&set->slo[k], blis__slo_request_ms(q, set->slo[k].metric));
                within[k] += ok;
                good &= ok;
            }
            if (good) {
                r->good_requests++;
                /* every generated token, the prefill's first included */
                r->good_output_tokens += q->output_tokens > 1 ? q->output_tokens : 1;
            }
        }
    }
    r->offered = c->generated > m->injected + c->rejected ? c->generated : m->injected + c->rejected;
    r->unserved = r->offered - m->completed;
    for (k = 0; k < set->n; k++) {
        r->value_ms[k] = blis_slo_value_ms(m, &set->slo[k]);
        r->met[k] = m->completed > 0 && blis__slo_within(&set->slo[k], r->value_ms[k]);
        r->attainment[k] = r->offered > 0 ? (double)within[k] / (double)r->offered : 0;
        all &= r->met[k];
    }
    r->attainment_all = r->offered > 0 ? (double)r->good_requests / (double)r->offered : 0;
    if (set->min_attainment > 0)
        r->pass = m->completed > 0 && r->attainment_all >= set->min_attainment;
    else
        r->pass = all && m->completed > 0 && r->unserved == 0;
    if (m->duration_s > 0) {
        r->goodput_requests_per_s = (double)r->good_requests / m->duration_s;
        r->goodput_tokens_per_s = (double)r->good_output_tokens / m->duration_s;
    }
    return BLIS_OK;
}

BLIS_DEF void blis_capacity_compute(const blis_metrics *m, int64_t gpus, double usd_per_gpu_hour, blis_capacity *out) {
    memset(out, 0, sizeof *out);
    out->gpus = gpus;
    if (gpus > 0) {
        out->tokens_per_s_per_gpu = m->generated_tokens_per_s / (double)gpus; /* every generated token */
        out->requests_per_s_per_gpu = m->responses_per_s / (double)gpus;
    }
    out->tokens_per_s_per_user = m->itl_mean_ms > 0 ? 1000.0 / m->itl_mean_ms : 0;
    out->usd_per_gpu_hour = usd_per_gpu_hour > 0 && usd_per_gpu_hour <= DBL_MAX ? usd_per_gpu_hour : NAN;
    out->usd_per_hour = out->usd_per_gpu_hour * (double)gpus;
    out->usd_per_million_output_tokens =
        m->generated_tokens_per_s > 0 ? out->usd_per_hour / (m->generated_tokens_per_s * 3600.0) * 1e6 : NAN;
}

BLIS_DEF blis_status blis_price_lookup(const blis_doc *doc, const char *gpu, double *usd_per_gpu_hour, blis_err *err) {
    const blis_node *root = blis_doc_root(doc), *gpus;
    size_t i;
    *usd_per_gpu_hour = NAN;
    if (!root || root->kind != BLIS_NODE_OBJECT)
        return blis__node_err(doc, root, err, BLIS_E_TYPE, "expected an object with \"gpus\"");
    gpus = blis_node_get(doc, root, "gpus");
    if (!gpus || gpus->kind != BLIS_NODE_OBJECT)
        return blis__node_err(doc, gpus ? gpus : root, err, gpus ? BLIS_E_TYPE : BLIS_E_MISSING,
                              "expected \"gpus\": an object of GPU name -> {\"usd_per_gpu_hour\": N}");
    for (i = 0; i < gpus->count; i++) {
        const blis_node *key = blis_node_key_at(doc, gpus, i), *entry = blis_node_at(doc, gpus, i), *price;
        if (blis__ascii_casecmp(key->as.string, gpu) &&
            (!blis_gpu_alias(gpu)[0] || strcmp(key->as.string, blis_gpu_alias(gpu)) != 0))
            continue;
        price = entry->kind == BLIS_NODE_OBJECT ? blis_node_get(doc, entry, "usd_per_gpu_hour") : NULL;
        if (!price || price->kind != BLIS_NODE_NUMBER || !(price->as.number > 0) || price->as.number > 1e9)
            return blis__node_err(doc, price ? price : entry, err, BLIS_E_INVALID,
                                  "expected \"usd_per_gpu_hour\": a number in (0, 1e9]");
        *usd_per_gpu_hour = price->as.number;
    }
    return BLIS_OK;
}

BLIS_DEF void blis_grid_init(blis_grid *g) {
    memset(g, 0, sizeof *g);
    blis__arena_init(&g->arena, NULL);
    g->points = 1; /* no axis: one point */
}

BLIS_DEF void blis_grid_free(blis_grid *g) {
    blis__arena_free(&g->arena);
    memset(g, 0, sizeof *g);
}

static char *blis__grid_str(blis_grid *g, const char *s) { return blis__arena_strndup(&g->arena, s, strlen(s)); }

/* The axis's slot with its name; sets g->points. */
static blis_status blis__grid_axis(blis_grid *g, const char *name, size_t n, blis_grid_axis **out, blis_err *err) {
    size_t k, points = 1;
    blis_grid_axis *a;
    if (g->n_axes == BLIS_GRID_MAX_AXES)
        return blis_err_set(err, BLIS_E_LIMIT, 0, 0, "more than %d sweep axes", BLIS_GRID_MAX_AXES);
    for (k = 0; k < g->n_axes; k++)
        if (!strcmp(g->axes[k].name, name))
            return blis_err_set(err, BLIS_E_DUPLICATE, 0, 0, "axis \"%.100s\" given twice", name);
    if (n < 1 || n > BLIS_GRID_MAX_VALUES)
        return blis_err_set(err, BLIS_E_LIMIT, 0, 0, "axis \"%.100s\": 1..%d values, got %lu", name,
                            BLIS_GRID_MAX_VALUES, (unsigned long)n);
    for (k = 0; k < g->n_axes; k++) points *= g->axes[k].n;
    if (points > BLIS_GRID_MAX_POINTS / n)
        return blis_err_set(err, BLIS_E_LIMIT, 0, 0, "the grid has more than %d points", BLIS_GRID_MAX_POINTS);
    a = &g->axes[g->n_axes];
    memset(a, 0, sizeof *a);
    a->name = blis__grid_str(g, name);
    a->values = (const char **)blis__arena_alloc(&g->arena, n * sizeof *a->values);
    if (!a->name || !a->values) return blis__nomem(err);
    a->n = n;
    g->points = points * n;
    g->n_axes++;
    *out = a;
    return BLIS_OK;
}

BLIS_DEF blis_status blis_grid_add_axis(blis_grid *g, const char *name, const char *const *values, size_t n,
                                        blis_err *err) {
    blis_grid_axis *a;
    size_t i;
    blis_status st = blis__grid_axis(g, name, n, &a, err);
    for (i = 0; !st && i < n; i++)
        if (!(a->values[i] = blis__grid_str(g, values[i]))) st = blis__nomem(err);
    return st;
}

/* from + k x step for k = 0.. while <= to (with a relative slack of 1e-9),
 * each printed with 9 decimals, trailing zeros dropped. */
static blis_status blis__grid_range(blis_grid *g, const char *name, double from, double to, double step,
                                    blis_err *err) {
    blis_grid_axis *a;
    double count;
    size_t i, n;
    blis_status st;
    if (!(step > 0) || !(to >= from) || !(fabs(from) < 1e15) || !(fabs(to) < 1e15))
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "axis \"%.100s\": a range needs finite from <= to and step > 0",
                            name);
    count = floor((to - from) / step * (1 + 1e-9) + 1e-9) + 1;
    if (count > BLIS_GRID_MAX_VALUES)
        return blis_err_set(err, BLIS_E_LIMIT, 0, 0, "axis \"%.100s\": the range has more than %d values", name,
                            BLIS_GRID_MAX_VALUES);
    n = (size_t)count;
    if ((st = blis__grid_axis(g, name, n, &a, err))) return st;
    for (i = 0; i < n; i++) {
        char buf[BLIS_F64_FIXED_BUF_MAX];
        size_t len = blis_f64_format_fixed(from + (double)i * step, 9, buf, sizeof buf);
        while (len > 1 && buf[len - 1] == '0') len--;
        if (len > 1 && buf[len - 1] == '.') len--;
        if (len == 2 && buf[0] == '-' && buf[1] == '0') buf[0] = '0', len = 1;
        if (!(a->values[i] = blis__arena_strndup(&g->arena, buf, len))) return blis__nomem(err);
    }
    return BLIS_OK;
}

BLIS_DEF blis_status blis_grid_add_axis_text(blis_grid *g, const char *name, const char *text, blis_err *err) {
    const char *c1 = strchr(text, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    const char *vals[BLIS_GRID_MAX_VALUES > 4096 ? 4096 : BLIS_GRID_MAX_VALUES];
    char *copy, *p;
    size_t n = 0;
    double f, t, s;
    if (c1 && c2 && !strchr(c2 + 1, ':') && !strchr(text, ',') &&
        blis_parse_f64(text, (size_t)(c1 - text), BLIS_NUM_ALLOW_PLUS | BLIS_NUM_LOOSE_DOT, &f) == BLIS_OK &&
        blis_parse_f64(c1 + 1, (size_t)(c2 - c1 - 1), BLIS_NUM_ALLOW_PLUS | BLIS_NUM_LOOSE_DOT, &t) == BLIS_OK &&
        blis_parse_f64(c2 + 1, strlen(c2 + 1), BLIS_NUM_ALLOW_PLUS | BLIS_NUM_LOOSE_DOT, &s) == BLIS_OK)
        return blis__grid_range(g, name, f, t, s, err);
    if (!(copy = blis__grid_str(g, text))) return blis__nomem(err);
    for (p = copy;;) {
        char *comma = strchr(p, ',');
        if (comma) *comma = '\0';
        if (!*p)
            return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                                "axis \"%.100s\": empty value in \"%.200s\"; expected a,b,c or from:to:step", name,
                                text);
        if (n == sizeof vals / sizeof vals[0])
            return blis_err_set(err, BLIS_E_LIMIT, 0, 0, "axis \"%.100s\": more than %lu listed values", name,
                                (unsigned long)(sizeof vals / sizeof vals[0]));
        vals[n++] = p;
        if (!comma) break;
        p = comma + 1;
    }
    return blis_grid_add_axis(g, name, vals, n, err);
}

/* err as the node's position with the message g's call left. */
static blis_status blis__grid_at(const blis_doc *doc, const blis_node *node, blis_err *err, blis_status st) {
    char msg[BLIS_ERR_MSG_MAX];
    if (!err) return st;
    snprintf(msg, sizeof msg, "%s", err->msg);
    return blis__node_err(doc, node, err, st, msg);
}

BLIS_DEF blis_status blis_grid_from_doc(const blis_doc *doc, blis_grid *g, blis_err *err) {
    const blis_node *root = blis_doc_root(doc), *axes = NULL, *fixed = NULL, *slo = NULL;
    size_t i, j;
    blis_status st;
    if (!root || root->kind != BLIS_NODE_OBJECT)
        return blis__node_err(doc, root, err, BLIS_E_TYPE, "a sweep grid is a mapping with axes (and fixed, slo)");
    for (i = 0; i < root->count; i++) {
        const blis_node *key = blis_node_key_at(doc, root, i), *v = blis_node_at(doc, root, i);
        if (!strcmp(key->as.string, "axes"))
            axes = v;
        else if (!strcmp(key->as.string, "fixed"))
            fixed = v;
        else if (!strcmp(key->as.string, "slo"))
            slo = v;
        else
            return blis__node_errf(doc, key, err, BLIS_E_INVALID, "unknown key \"%.100s\"; expected axes, fixed or slo",
                                   key->as.string);
    }
    if (!axes)
        return blis__node_err(doc, root, err, BLIS_E_MISSING, "the grid needs \"axes\": a mapping of name -> values");
    if (axes->kind != BLIS_NODE_OBJECT || axes->count == 0)
        return blis__node_err(doc, axes, err, BLIS_E_TYPE, "expected a non-empty mapping of name -> values");
    if (slo) {
        const char *text;
        blis_slo_set set;
        if (slo->kind != BLIS_NODE_STRING) return blis__wrong_kind(doc, slo, err, "a string such as ttft_p99<500ms");
        text = slo->as.string;
        if ((st = blis_slo_parse(text, &set, err))) return blis__grid_at(doc, slo, err, st);
        if (!(g->slo = blis__grid_str(g, text))) return blis__nomem(err);
    }
    if (fixed) {
        if (fixed->kind != BLIS_NODE_OBJECT) return blis__wrong_kind(doc, fixed, err, "a mapping of setting -> value");
        if (fixed->count > BLIS_GRID_MAX_FIXED)
            return blis__node_errf(doc, fixed, err, BLIS_E_LIMIT, "more than %d fixed settings", BLIS_GRID_MAX_FIXED);
        for (i = 0; i < fixed->count; i++) {
            const blis_node *key = blis_node_key_at(doc, fixed, i), *v = blis_node_at(doc, fixed, i);
            const char *text;
            if (v->kind == BLIS_NODE_ARRAY || v->kind == BLIS_NODE_OBJECT || v->kind == BLIS_NODE_NULL)
                return blis__wrong_kind(doc, v, err, "one value (a list belongs under axes)");
            if ((st = blis_node_text(doc, v, &text, err))) return st;
            g->fixed_name[i] = blis__grid_str(g, key->as.string);
            g->fixed_value[i] = blis__grid_str(g, text);
            g->fixed_line[i] = key->line;
            if (!g->fixed_name[i] || !g->fixed_value[i]) return blis__nomem(err);
            g->n_fixed++;
        }
    }
    for (i = 0; i < axes->count; i++) {
        const blis_node *key = blis_node_key_at(doc, axes, i), *v = blis_node_at(doc, axes, i);
        const char *name = key->as.string;
        if (v->kind == BLIS_NODE_OBJECT) {
            double r[3];
            static const char *const rk[3] = {"from", "to", "step"};
            if (v->count != 3 || !blis_node_get(doc, v, "from") || !blis_node_get(doc, v, "to") ||
                !blis_node_get(doc, v, "step"))
                return blis__node_err(doc, v, err, BLIS_E_INVALID, "a range is {from: A, to: B, step: S}");
            for (j = 0; j < 3; j++)
                if ((st = blis_doc_get_f64(doc, v, rk[j], &r[j], err))) return st;
            if ((st = blis__grid_range(g, name, r[0], r[1], r[2], err))) return blis__grid_at(doc, v, err, st);
        } else if (v->kind == BLIS_NODE_ARRAY) {
            blis_grid_axis *a;
            if ((st = blis__grid_axis(g, name, v->count, &a, err))) return blis__grid_at(doc, v, err, st);
            for (j = 0; j < v->count; j++) {
                const blis_node *item = blis_node_at(doc, v, j);
                const char *text;
                if (item->kind == BLIS_NODE_ARRAY || item->kind == BLIS_NODE_OBJECT || item->kind == BLIS_NODE_NULL)
                    return blis__wrong_kind(doc, item, err, "a value");
                if ((st = blis_node_text(doc, item, &text, err))) return st;
                if (!(a->values[j] = blis__grid_str(g, text))) return blis__nomem(err);
            }
        } else {
            const char *text;
            if (v->kind == BLIS_NODE_NULL) return blis__wrong_kind(doc, v, err, "a value, a list or a range");
            if ((st = blis_node_text(doc, v, &text, err)) || (st = blis_grid_add_axis(g, name, &text, 1, err)))
                return st ? blis__grid_at(doc, v, err, st) : st;
        }
        g->axes[g->n_axes - 1].line = key->line;
        g->axes[g->n_axes - 1].col = key->col;
    }
    return BLIS_OK;
}

BLIS_DEF void blis_grid_point_values(const blis_grid *g, size_t i, const char **values) {
    size_t k = g->n_axes;
    while (k-- > 0) {
        values[k] = g->axes[k].values[i % g->axes[k].n];
        i /= g->axes[k].n;
    }
}

static uint64_t blis__fnv_u64(uint64_t h, uint64_t v) {
    unsigned char b[8];
    int k;
    for (k = 0; k < 8; k++) b[k] = (unsigned char)(v >> (8 * k));
    return blis__fnv_bytes(h, b, 8);
}

static uint64_t blis__fnv_str(uint64_t h, const char *s) {
    size_t n = strlen(s);
    return blis__fnv_bytes(blis__fnv_u64(h, (uint64_t)n), s, n);
}

BLIS_DEF uint64_t blis_grid_digest(const blis_grid *g, const char *const *settings, size_t n_settings) {
    uint64_t h = blis__fnv_u64(blis__fnv_str(0xcbf29ce484222325ULL, "blis-grid-1"), (uint64_t)g->n_axes);
    size_t k, j;
    for (k = 0; k < g->n_axes; k++) {
        h = blis__fnv_u64(blis__fnv_str(h, g->axes[k].name), (uint64_t)g->axes[k].n);
        for (j = 0; j < g->axes[k].n; j++) h = blis__fnv_str(h, g->axes[k].values[j]);
    }
    h = blis__fnv_u64(h, (uint64_t)n_settings);
    for (k = 0; k < n_settings; k++) h = blis__fnv_str(h, settings[k]);
    return h;
}

typedef struct blis__pareto_pt {
    double x, y;
    size_t i;
} blis__pareto_pt;

static int blis__pareto_cmp(const void *pa, const void *pb) {
    const blis__pareto_pt *a = (const blis__pareto_pt *)pa, *b = (const blis__pareto_pt *)pb;
    if (a->x != b->x) return a->x > b->x ? -1 : 1;
    if (a->y != b->y) return a->y > b->y ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

BLIS_DEF size_t blis_pareto(const double *x, const double *y, size_t n, unsigned char *on_front, blis_err *err) {
    blis__pareto_pt *p;
    size_t i, m = 0, count = 0;
    double best_y = -INFINITY, last_x = NAN, last_y = NAN;
    if (n) memset(on_front, 0, n);
    p = (blis__pareto_pt *)blis__alloc(NULL, (n + 1) * sizeof *p);
    if (!p) {
        blis__nomem(err);
        return 0;
    }
    for (i = 0; i < n; i++)
        if (!isnan(x[i]) && !isnan(y[i])) {
            p[m].x = x[i];
            p[m].y = y[i];
            p[m].i = i;
            m++;
        }
    qsort(p, m, sizeof *p, blis__pareto_cmp);
    for (i = 0; i < m; i++) { /* x descending: on the front when no earlier point reaches its y */
        int front = p[i].y > best_y || (p[i].x == last_x && p[i].y == last_y && on_front[p[i - 1].i]);
        if (front) {
            on_front[p[i].i] = 1;
            count++;
        }
        if (p[i].y > best_y) best_y = p[i].y;
        last_x = p[i].x;
        last_y = p[i].y;
    }
    blis__free(NULL, p);
    return count;
}

BLIS_DEF long blis_knee(const double *x, const double *y, size_t n) {
    double ymin = INFINITY, ymax = -INFINITY, best = 0;
    size_t i;
    long at = -1;
    if (n < 3 || !(x[n - 1] > x[0])) return -1;
    for (i = 0; i < n; i++) {
        if (y[i] < ymin) ymin = y[i];
        if (y[i] > ymax) ymax = y[i];
    }
    if (!(ymax > ymin)) return -1;
    for (i = 1; i + 1 < n; i++) {
        double xn = (x[i] - x[0]) / (x[n - 1] - x[0]), yn = (y[i] - ymin) / (ymax - ymin);
        double yc = (y[0] - ymin) / (ymax - ymin) + xn * ((y[n - 1] - y[0]) / (ymax - ymin)); /* the chord */
        if (yc - yn > best) {
            best = yc - yn;
            at = (long)i;
        }
    }
    return at;
}

/* ---- the SVG chart ---- */

typedef struct blis__svg {
    blis_write_fn write;
    void *user;
    int failed;
    blis_chart *boxes; /* where the boxes go (NULL: nowhere) */
    int box_kind;      /* the kind of the labels being written */
} blis__svg;

BLIS_DEF int blis_chart_boxes_overlap(const blis_chart_box *a, const blis_chart_box *b) {
    return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

/* A text's box: 0.6 em per UTF-8 character, the baseline at y, 1 em tall. */
static blis_chart_box blis__text_box(double x, double y, const char *anchor, double size_px, const char *text,
                                     int kind) {
    blis_chart_box b;
    double chars = 0, wpx;
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    for (; *p; p++) chars += (*p & 0xC0) != 0x80;
    wpx = chars * 0.6 * size_px;
    b.x0 = !strcmp(anchor, "middle") ? x - wpx / 2 : !strcmp(anchor, "end") ? x - wpx : x;
    b.x1 = b.x0 + wpx;
    b.y0 = y - size_px * 0.8;
    b.y1 = y + size_px * 0.2;
    b.kind = kind;
    return b;
}

static void blis__svg_box(blis__svg *s, blis_chart_box b) {
    blis_chart *c = s->boxes;
    if (c && c->boxes && c->boxes_len < c->boxes_cap) c->boxes[c->boxes_len++] = b;
}

static void blis__svg_raw(blis__svg *s, const char *text) {
    if (!s->failed && s->write(s->user, text, strlen(text))) s->failed = 1;
}

/* Text as well-formed XML: the five specials escaped; a control character
 * (XML 1.0 allows none but tab and line ends in text) or a byte that is not
 * valid UTF-8 written as U+FFFD, so any title or label makes a readable SVG. */
static void blis__svg_text(blis__svg *s, const char *text) {
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    while (*p && !s->failed) {
        size_t run = 0, n;
        uint32_t cp;
        while (p[run] >= 0x20 && p[run] < 0x7f && !strchr("&<>\"'", p[run])) run++;
        if (run && s->write(s->user, (const char *)p, run)) s->failed = 1;
        p += run;
        if (!*p || s->failed) break;
        n = blis__utf8_decode(p, strlen((const char *)p), &cp);
        if (*p == '&' || *p == '<' || *p == '>' || *p == '"' || *p == '\'') {
            blis__svg_raw(s, *p == '&'   ? "&amp;"
                             : *p == '<' ? "&lt;"
                             : *p == '>' ? "&gt;"
                             : *p == '"' ? "&quot;"
                                         : "&#39;");
            n = 1;
        } else if (n == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0xfffe || cp == 0xffff) {
            blis__svg_raw(s, "\xef\xbf\xbd"); /* U+FFFD for a control character or a bad byte */
            if (n == 0) n = 1;
        } else if (s->write(s->user, (const char *)p, n)) {
            s->failed = 1;
        }
        p += n;
    }
}

static void blis__svg_num(blis__svg *s, double v) { /* 2 decimals, trailing zeros dropped */
    char buf[BLIS_F64_FIXED_BUF_MAX];
    size_t len = blis_f64_format_fixed(isfinite(v) ? v : 0, 2, buf, sizeof buf);
    while (len > 1 && buf[len - 1] == '0') len--;
    if (len > 1 && buf[len - 1] == '.') len--;
    buf[len] = '\0';
    if (!strcmp(buf, "-0")) buf[0] = '0', buf[1] = '\0';
    blis__svg_raw(s, buf);
}

/* A tick label: the value with the step's decimals. */
static void blis__svg_tick(blis__svg *s, double v, double step) {
    char buf[BLIS_F64_FIXED_BUF_MAX];
    double d = step >= 1 || !(step > 0) ? 0 : ceil(-log10(step) - 1e-9); /* a step of 0 (a span underflowed) */
    int dec = d > 9 ? 9 : (int)d;
    size_t len;
    if (!isfinite(v)) v = 0;
    if (fabs(v) >= 1e6) { /* a large value: "2.5e80", not 81 digits */
        int e = (int)floor(log10(fabs(v)) + 1e-9);
        double m = v / pow(10, e);
        if (fabs(m) >= 9.995) m /= 10, e++;
        len = blis_f64_format_fixed(m, 2, buf, sizeof buf - 8);
        while (len > 1 && buf[len - 1] == '0') len--;
        if (len > 1 && buf[len - 1] == '.') len--;
        snprintf(buf + len, sizeof buf - len, "e%d", e);
        blis__svg_raw(s, buf);
        return;
    }
    len = blis_f64_format_fixed(v, dec, buf, sizeof buf);
    buf[len] = '\0';
    if (!strcmp(buf, "-0")) buf[0] = '0', buf[1] = '\0';
    blis__svg_raw(s, buf);
}

/* Ticks covering [lo, hi]: step 1, 2 or 5 x 10^k, about 5 of them. */
static void blis__nice_range(double *lo, double *hi, double *step) {
    double span, raw, mag, f;
    if (!(*hi > *lo)) {
        double d = fabs(*lo) > 0 ? fabs(*lo) * 0.1 : 1;
        *lo -= *lo >= 0 && *lo - d < 0 ? *lo : d;
        *hi += d;
    }
    span = *hi - *lo;
    raw = span / 5;
    mag = pow(10, floor(log10(raw)));
    f = raw / mag;
    *step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    *lo = floor(*lo / *step + 1e-9) * *step;
    *hi = ceil(*hi / *step - 1e-9) * *step;
}

/* An axis's ticks: on a log axis whole decades (lo, hi in log10), at most
 * about 8 ticks; else blis__nice_range. */
static void blis__axis_range(int log_axis, double *lo, double *hi, double *step) {
    if (!log_axis) {
        blis__nice_range(lo, hi, step);
        return;
    }
    *lo = floor(*lo + 1e-9);
    *hi = ceil(*hi - 1e-9);
    if (*hi <= *lo) *hi = *lo + 1;
    *step = ceil((*hi - *lo) / 8);
    *hi = *lo + ceil((*hi - *lo) / *step) * *step;
}

static const char *const blis__chart_colors[7] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                  "#E69F00", "#56B4E9", "#000000"};
static const char *const blis__chart_dashes[3] = {"", "6 3", "2 3"};

static void blis__svg_attr(blis__svg *s, const char *name, double v) {
    blis__svg_raw(s, " ");
    blis__svg_raw(s, name);
    blis__svg_raw(s, "=\"");
    blis__svg_num(s, v);
    blis__svg_raw(s, "\"");
}

static void blis__svg_label(blis__svg *s, double x, double y, const char *anchor, const char *extra, const char *text) {
    const char *fs = extra ? strstr(extra, "font-size=\"") : NULL;
    blis__svg_box(s, blis__text_box(x, y, anchor, fs ? atof(fs + 11) : 12, text, s->box_kind));
    blis__svg_raw(s, "<text");
    blis__svg_attr(s, "x", x);
    blis__svg_attr(s, "y", y);
    blis__svg_raw(s, " text-anchor=\"");
    blis__svg_raw(s, anchor);
    blis__svg_raw(s, "\"");
    blis__svg_raw(s, extra ? extra : "");
    blis__svg_raw(s, ">");
    blis__svg_text(s, text);
    blis__svg_raw(s, "</text>\n");
}

static void blis__svg_line(blis__svg *s, double x1, double y1, double x2, double y2, const char *style) {
    blis__svg_raw(s, "<line");
    blis__svg_attr(s, "x1", x1);
    blis__svg_attr(s, "y1", y1);
    blis__svg_attr(s, "x2", x2);
    blis__svg_attr(s, "y2", y2);
    blis__svg_raw(s, " ");
    blis__svg_raw(s, style);
    blis__svg_raw(s, "/>\n");
}

/* x and y as drawn: log10 on a logarithmic axis (NaN for values <= 0). */
static double blis__chart_x(const blis_chart *c, double x) { return !c->log_x ? x : x > 0 ? log10(x) : NAN; }
static double blis__chart_y(const blis_chart *c, double y) { return !c->log_y ? y : y > 0 ? log10(y) : NAN; }

BLIS_DEF blis_status blis_svg_chart(const blis_chart *c, blis_write_fn write, void *user, blis_err *err) {
    blis__svg s;
    double w = c->width_px > 0 ? c->width_px : 760, h = c->height_px > 0 ? c->height_px : 460;
    double px0 = 84, px1 = w - 200, py0 = c->subtitle ? 72 : 56, py1 = h - 64;
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY, xs, ys, v;
    double hline = c->has_hline ? blis__chart_y(c, c->hline_y) : NAN;
    blis_chart_box hbox;
    int have_hbox = 0;
    memset(&hbox, 0, sizeof hbox);
    size_t i, k, points = 0;
    s.write = write;
    s.user = user;
    s.failed = 0;
    s.boxes = (blis_chart *)(uintptr_t)c; /* only its boxes are written */
    s.box_kind = 0;
    if (c->boxes) s.boxes->boxes_len = 0;
    if (w < 320 || h < 240 || w > 10000 || h > 10000)
        return blis_err_set(err, BLIS_E_RANGE, 0, 0, "chart size %dx%d px: expected 320..10000 x 240..10000",
                            c->width_px, c->height_px);
    for (k = 0; k < c->n_series; k++)
        for (i = 0; i < c->series[k].n; i++) {
            double x = blis__chart_x(c, c->series[k].x[i]), y = blis__chart_y(c, c->series[k].y[i]);
            if (!isfinite(x) || !isfinite(y)) continue;
            points++;
            if (x < xlo) xlo = x;
            if (x > xhi) xhi = x;
            if (y < ylo) ylo = y;
            if (y > yhi) yhi = y;
        }
    if (!points)
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "the chart \"%.200s\" has no finite point",
                            c->title ? c->title : "");
    if (isfinite(hline)) {
        if (hline > yhi) yhi = hline;
        if (hline < ylo) ylo = hline;
    }
    if (!c->log_x && xlo >= 0 && xlo <= xhi / 2) xlo = 0; /* start at 0 unless that squashes the data */
    if (!c->log_y && ylo >= 0 && ylo <= yhi / 2) ylo = 0;
    blis__axis_range(c->log_x, &xlo, &xhi, &xs);
    blis__axis_range(c->log_y, &ylo, &yhi, &ys);
#define BLIS__SX(x) (px0 + ((x)-xlo) / (xhi - xlo) * (px1 - px0))
#define BLIS__SY(y) (py1 - ((y)-ylo) / (yhi - ylo) * (py1 - py0))
    blis__svg_raw(&s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"");
    blis__svg_attr(&s, "width", w);
    blis__svg_attr(&s, "height", h);
    blis__svg_raw(&s, " viewBox=\"0 0 ");
    blis__svg_num(&s, w);
    blis__svg_raw(&s, " ");
    blis__svg_num(&s, h);
    blis__svg_raw(&s, "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n");
    blis__svg_raw(&s, "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    blis__svg_label(&s, (px0 + px1) / 2, 30, "middle", " font-size=\"16\" font-weight=\"bold\"", c->title);
    if (c->subtitle)
        blis__svg_label(&s, (px0 + px1) / 2, 50, "middle", " font-size=\"12\" fill=\"#555555\"", c->subtitle);
    s.box_kind = 1;
    for (v = xlo, i = 0; v <= xhi + xs * 1e-9 && i < 100; i++, v = xlo + (double)i * xs) { /* x grid and ticks */
        blis__svg_line(&s, BLIS__SX(v), py0, BLIS__SX(v), py1, "stroke=\"#e0e0e0\"");
        blis__svg_raw(&s, "<text");
        blis__svg_attr(&s, "x", BLIS__SX(v));
        blis__svg_attr(&s, "y", py1 + 18);
        blis__svg_raw(&s, " text-anchor=\"middle\">");
        if (c->log_x)
            blis__svg_tick(&s, pow(10, v), pow(10, v));
        else
            blis__svg_tick(&s, v, xs);
        blis__svg_raw(&s, "</text>\n");
    }
    for (v = ylo, i = 0; v <= yhi + ys * 1e-9 && i < 100; i++, v = ylo + (double)i * ys) { /* y grid and ticks */
        blis__svg_line(&s, px0, BLIS__SY(v), px1, BLIS__SY(v), "stroke=\"#e0e0e0\"");
        blis__svg_raw(&s, "<text");
        blis__svg_attr(&s, "x", px0 - 8);
        blis__svg_attr(&s, "y", BLIS__SY(v) + 4);
        blis__svg_raw(&s, " text-anchor=\"end\">");
        if (c->log_y)
            blis__svg_tick(&s, pow(10, v), pow(10, v));
        else
            blis__svg_tick(&s, v, ys);
        blis__svg_raw(&s, "</text>\n");
    }
    blis__svg_line(&s, px0, py1, px1, py1, "stroke=\"#333333\"");
    blis__svg_line(&s, px0, py0, px0, py1, "stroke=\"#333333\"");
    s.box_kind = 2;
    blis__svg_label(&s, (px0 + px1) / 2, h - 20, "middle", " font-size=\"13\"", c->x_label);
    blis__svg_raw(&s, "<text");
    blis__svg_attr(&s, "x", 20);
    blis__svg_attr(&s, "y", (py0 + py1) / 2);
    blis__svg_raw(&s, " text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 20 ");
    blis__svg_num(&s, (py0 + py1) / 2);
    blis__svg_raw(&s, ")\">");
    blis__svg_text(&s, c->y_label);
    blis__svg_raw(&s, "</text>\n");
    if (isfinite(hline)) {
        blis__svg_line(&s, px0, BLIS__SY(hline), px1, BLIS__SY(hline),
                       "stroke=\"#c00000\" stroke-width=\"1.5\" stroke-dasharray=\"8 4\"");
        s.box_kind = 4;
        hbox = blis__text_box(px0 + 6, BLIS__SY(hline) - 6, "start", 12, c->hline_label, 4);
        have_hbox = 1;
        blis__svg_label(&s, px0 + 6, BLIS__SY(hline) - 6, "start", " fill=\"#c00000\"", c->hline_label);
    }
    for (k = 0; k < c->n_series; k++) {
        const blis_chart_series *se = &c->series[k];
        const char *color = blis__chart_colors[k % 7], *dash = blis__chart_dashes[(k / 7) % 3];
        int open = 0;
        if (se->markers != 1) { /* the line, broken at NaN points */
            for (i = 0; i < se->n; i++) {
                if (!isfinite(blis__chart_x(c, se->x[i])) || !isfinite(blis__chart_y(c, se->y[i]))) {
                    if (open) blis__svg_raw(&s, "\"/>\n");
                    open = 0;
                    continue;
                }
                if (!open) {
                    blis__svg_raw(&s, "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"");
                    blis__svg_raw(&s, color);
                    if (*dash) {
                        blis__svg_raw(&s, "\" stroke-dasharray=\"");
                        blis__svg_raw(&s, dash);
                    }
                    blis__svg_raw(&s, "\" points=\"");
                    open = 1;
                } else {
                    blis__svg_raw(&s, " ");
                }
                blis__svg_num(&s, BLIS__SX(blis__chart_x(c, se->x[i])));
                blis__svg_raw(&s, ",");
                blis__svg_num(&s, BLIS__SY(blis__chart_y(c, se->y[i])));
            }
            if (open) blis__svg_raw(&s, "\"/>\n");
        }
        if (se->markers)
            for (i = 0; i < se->n; i++) {
                if (!isfinite(blis__chart_x(c, se->x[i])) || !isfinite(blis__chart_y(c, se->y[i]))) continue;
                blis__svg_raw(&s, "<circle");
                blis__svg_attr(&s, "cx", BLIS__SX(blis__chart_x(c, se->x[i])));
                blis__svg_attr(&s, "cy", BLIS__SY(blis__chart_y(c, se->y[i])));
                blis__svg_raw(&s, " r=\"3.5\" fill=\"");
                blis__svg_raw(&s, color);
                blis__svg_raw(&s, "\"/>\n");
            }
        /* the legend entry */
        blis__svg_raw(&s, "<rect");
        blis__svg_attr(&s, "x", px1 + 16);
        blis__svg_attr(&s, "y", py0 + 3 + 20 * (double)k);
        blis__svg_raw(&s, " width=\"24\" height=\"10\" fill=\"");
        blis__svg_raw(&s, color);
        blis__svg_raw(&s, "\"/>\n");
        s.box_kind = 3;
        blis__svg_label(&s, px1 + 46, py0 + 12 + 20 * (double)k, "start", NULL, se->label);
    }
    if (c->has_mark && isfinite(blis__chart_x(c, c->mark_x)) && isfinite(blis__chart_y(c, c->mark_y))) {
        double mx = BLIS__SX(blis__chart_x(c, c->mark_x)), my = BLIS__SY(blis__chart_y(c, c->mark_y));
        const char *anchor = mx > (px0 + px1) / 2 ? "end" : "start";
        double lx = mx + (mx > (px0 + px1) / 2 ? -10 : 10), ly = my - 12;
        { /* inside the picture */
            blis_chart_box b = blis__text_box(lx, ly, anchor, 12, c->mark_label, 5);
            if (b.x0 < 4)
                lx += 4 - b.x0;
            else if (b.x1 > w - 4)
                lx -= b.x1 - (w - 4);
        }
        /* the mark's label above the mark, else below it, else further down: never over the SLO label */
        if (have_hbox) {
            blis_chart_box b = blis__text_box(lx, ly, anchor, 12, c->mark_label, 5);
            int tries = 0;
            while (blis_chart_boxes_overlap(&b, &hbox) && tries++ < 3) {
                ly = tries == 1 ? my + 24 : ly + 16;
                b = blis__text_box(lx, ly, anchor, 12, c->mark_label, 5);
            }
            if (blis_chart_boxes_overlap(&b, &hbox)) ly = hbox.y1 + 14;
        }
        blis__svg_raw(&s, "<circle");
        blis__svg_attr(&s, "cx", mx);
        blis__svg_attr(&s, "cy", my);
        blis__svg_raw(&s, " r=\"8\" fill=\"none\" stroke=\"#c00000\" stroke-width=\"2.5\"/>\n");
        s.box_kind = 5;
        blis__svg_label(&s, lx, ly, anchor, " fill=\"#c00000\" font-weight=\"bold\"", c->mark_label);
    }
#undef BLIS__SX
#undef BLIS__SY
    blis__svg_raw(&s, "</svg>\n");
    if (s.failed) return blis_err_set(err, BLIS_E_IO, 0, 0, "cannot write the chart");
    return BLIS_OK;
}

/* ==== >>run  implementation ==== */

static int blis__file_write(void *user, const char *data, size_t len_bytes) {
    return fwrite(data, 1, len_bytes, (FILE *)user) == len_bytes ? 0 : -1;
}

#define BLIS__RO(flag, type, field) \
    { flag, type, offsetof(blis_run_options, field) }
static const blis_opt_def blis__run_opts[] = {
    BLIS__RO("--model", BLIS_OPT_STR, model),
    BLIS__RO("--log", BLIS_OPT_STR, log),
    BLIS__RO("--defaults-filepath", BLIS_OPT_STR, defaults),
    BLIS__RO("--model-config-folder", BLIS_OPT_STR, model_dir),
    BLIS__RO("--hardware-config", BLIS_OPT_STR, hw_file),
    BLIS__RO("--workload", BLIS_OPT_STR, workload),
    BLIS__RO("--workload-traces-filepath", BLIS_OPT_STR, traces),
    BLIS__RO("--workload-spec", BLIS_OPT_STR, spec),
    BLIS__RO("--hardware", BLIS_OPT_STR, gpu),
    BLIS__RO("--vllm-version", BLIS_OPT_STR, vllm),
    BLIS__RO("--results-path", BLIS_OPT_STR, results),
    BLIS__RO("--bench-data-path", BLIS_OPT_STR, bench_dir),
    BLIS__RO("--priority-policy", BLIS_OPT_STR, priority),
    BLIS__RO("--scheduler", BLIS_OPT_STR, scheduler),
    BLIS__RO("--seed", BLIS_OPT_I64, seed),
    BLIS__RO("--horizon", BLIS_OPT_I64, horizon_us),
    BLIS__RO("--total-kv-blocks", BLIS_OPT_I64, kv_blocks),
    BLIS__RO("--max-num-running-reqs", BLIS_OPT_I64, max_running),
    BLIS__RO("--max-num-scheduled-tokens", BLIS_OPT_I64, max_tokens),
    BLIS__RO("--block-size-in-tokens", BLIS_OPT_I64, block_tokens),
    BLIS__RO("--max-model-len", BLIS_OPT_I64, max_model_len),
    BLIS__RO("--long-prefill-token-threshold", BLIS_OPT_I64, threshold),
    BLIS__RO("--tp", BLIS_OPT_I64, tp),
    BLIS__RO("--num-requests", BLIS_OPT_I64, num_requests),
    BLIS__RO("--prefix-tokens", BLIS_OPT_I64, prefix),
    BLIS__RO("--prompt-tokens", BLIS_OPT_I64, p_mean),
    BLIS__RO("--prompt-tokens-stdev", BLIS_OPT_I64, p_std),
    BLIS__RO("--prompt-tokens-min", BLIS_OPT_I64, p_min),
    BLIS__RO("--prompt-tokens-max", BLIS_OPT_I64, p_max),
    BLIS__RO("--output-tokens", BLIS_OPT_I64, o_mean),
    BLIS__RO("--output-tokens-stdev", BLIS_OPT_I64, o_std),
    BLIS__RO("--output-tokens-min", BLIS_OPT_I64, o_min),
    BLIS__RO("--output-tokens-max", BLIS_OPT_I64, o_max),
    BLIS__RO("--num-instances", BLIS_OPT_I64, instances),
    BLIS__RO("--rate", BLIS_OPT_F64, rate_per_s),
    BLIS__RO("--arrival", BLIS_OPT_STR, arrival),
    BLIS__RO("--arrival-cv", BLIS_OPT_F64, arrival_cv),
    BLIS__RO("--kv-cpu-blocks", BLIS_OPT_I64, kv_cpu),
    BLIS__RO("--kv-offload-threshold", BLIS_OPT_F64, kv_threshold),
    BLIS__RO("--kv-transfer-bandwidth", BLIS_OPT_F64, kv_bandwidth),
    BLIS__RO("--kv-transfer-base-latency", BLIS_OPT_I64, kv_base_us),
    BLIS__RO("--alpha-coeffs", BLIS_OPT_LIST, alpha),
    BLIS__RO("--beta-coeffs", BLIS_OPT_LIST, beta),
    BLIS__RO("--admission-policy", BLIS_OPT_STR, admission),
    BLIS__RO("--admission-latency", BLIS_OPT_I64, admission_latency_us),
    BLIS__RO("--routing-latency", BLIS_OPT_I64, routing_latency_us),
    BLIS__RO("--token-bucket-capacity", BLIS_OPT_F64, bucket_cap),
    BLIS__RO("--token-bucket-refill-rate", BLIS_OPT_F64, bucket_refill_per_s),
    BLIS__RO("--routing-policy", BLIS_OPT_STR, routing),
    BLIS__RO("--routing-scorers", BLIS_OPT_STR, scorers),
    BLIS__RO("--policy-config", BLIS_OPT_STR, policy_config),
    BLIS__RO("--fitness-weights", BLIS_OPT_STR, fitness),
    BLIS__RO("--trace-level", BLIS_OPT_STR, trace_level),
    BLIS__RO("--counterfactual-k", BLIS_OPT_I64, counterfactual_k),
    BLIS__RO("--summarize-trace", BLIS_OPT_BOOL, summarize_trace),
    BLIS__RO("--snapshot-refresh-interval", BLIS_OPT_I64, snapshot_refresh_us),
    BLIS__RO("--quiet", BLIS_OPT_BOOL, quiet),
    BLIS__RO("--check-invariants", BLIS_OPT_BOOL, check_invariants),
    BLIS__RO("--roofline-ext", BLIS_OPT_STR, roofline_ext),
    BLIS__RO("--kv-cache-dtype", BLIS_OPT_STR, kv_dtype),
    BLIS__RO("--roofline", BLIS_OPT_BOOL, roofline),
    BLIS__RO("--slo", BLIS_OPT_STR, slo),
    BLIS__RO("--slo-attainment", BLIS_OPT_F64, slo_attainment),
    BLIS__RO("--json", BLIS_OPT_BOOL, json),
    BLIS__RO("--gpu-prices", BLIS_OPT_STR, prices),
    BLIS__RO("--gpu-hourly-usd", BLIS_OPT_F64, gpu_usd_per_hour),
    BLIS__RO("--metrics-mode", BLIS_OPT_STR, metrics_mode),
    BLIS__RO("--waiting-requests", BLIS_OPT_STR, waiting_requests),
    BLIS__RO("--compat", BLIS_OPT_STR, compat),
};
#undef BLIS__RO
#define BLIS__RUN_NOPTS (sizeof blis__run_opts / sizeof blis__run_opts[0])

BLIS_DEF const blis_opt_def *blis_run_option_defs(size_t *count) {
    if (count) *count = BLIS__RUN_NOPTS;
    return blis__run_opts;
}

/* name without a leading "--", '_' read as '-', into out (at most 63 chars). */
static size_t blis__flag_norm(const char *name, char *out) {
    size_t n = 0;
    if (name[0] == '-' && name[1] == '-') name += 2;
    for (; *name && n < 63; name++) out[n++] = *name == '_' ? '-' : *name;
    out[n] = '\0';
    return n;
}

BLIS_DEF const char *blis_closest_name(const char *given, const char *const *names, size_t n) {
    char a[64], b[64];
    size_t la, lb, i, j, k, best_d = (size_t)-1;
    const char *best = NULL;
    unsigned char row[64], prev[64];
    if (!given || !*given) return NULL;
    la = blis__flag_norm(given, a);
    for (k = 0; k < n; k++) {
        if (!names[k]) continue;
        lb = blis__flag_norm(names[k], b);
        for (j = 0; j <= lb; j++) prev[j] = (unsigned char)j;
        for (i = 1; i <= la; i++) {
            row[0] = (unsigned char)i;
            for (j = 1; j <= lb; j++) {
                unsigned d = prev[j - 1] + (a[i - 1] != b[j - 1] ? 1u : 0u);
                if (prev[j] + 1u < d) d = prev[j] + 1u;
                if (row[j - 1] + 1u < d) d = row[j - 1] + 1u;
                row[j] = (unsigned char)(d > 255 ? 255 : d);
            }
            memcpy(prev, row, lb + 1);
        }
        if (prev[lb] < best_d) best_d = prev[lb], best = names[k];
    }
    return best && best_d > 0 && best_d <= (la / 3 > 2 ? la / 3 : 2) ? best : NULL;
}

BLIS_DEF const char *blis_run_option_closest(const char *name) {
    const char *names[BLIS_RUN_MAX_OPTIONS];
    size_t k;
    for (k = 0; k < BLIS__RUN_NOPTS && k < BLIS_RUN_MAX_OPTIONS; k++) names[k] = blis__run_opts[k].flag;
    return blis_closest_name(name, names, k);
}

BLIS_DEF long blis_run_option_find(const char *name) {
    size_t k, i;
    if (!name) return -1;
    if (name[0] == '-' && name[1] == '-') name += 2;
    for (k = 0; k < BLIS__RUN_NOPTS; k++) {
        const char *f = blis__run_opts[k].flag + 2;
        for (i = 0; f[i] && name[i] && (f[i] == name[i] || (f[i] == '-' && name[i] == '_')); i++) {
        }
        if (!f[i] && !name[i]) return (long)k;
    }
    return -1;
}

BLIS_DEF void blis_run_options_init(blis_run_options *a) {
    memset(a, 0, sizeof *a);
    blis__arena_init(&a->arena, NULL);
    a->log = "warn";
    a->metrics_mode = "auto";
    a->waiting_requests = "compact";
    a->compat = "blis";
    a->arrival = "constant";
    a->defaults = "defaults.yaml";
    a->workload = "distribution";
    a->priority = "constant";
    a->scheduler = "fcfs";
    a->seed = 42;
    a->horizon_us = INT64_MAX;
    a->kv_blocks = 1000000;
    a->max_running = 256;
    a->max_tokens = 2048;
    a->block_tokens = 16;
    a->max_model_len = 2048;
    a->num_requests = 100;
    a->p_mean = a->o_mean = 512;
    a->p_std = a->o_std = 256;
    a->p_min = a->o_min = 2;
    a->p_max = a->o_max = 7000;
    a->instances = 1;
    a->rate_per_s = 1.0;
    a->kv_threshold = 0.9;
    a->kv_bandwidth = 100.0;
    a->admission = "always-admit";
    a->routing = "round-robin";
    a->scorers = "";
    a->trace_level = "none";
    a->bucket_cap = 10000;
    a->bucket_refill_per_s = 1000;
}

BLIS_DEF void blis_run_options_free(blis_run_options *o) { blis__arena_free(&o->arena); }

BLIS_DEF int blis_run_option_given(const blis_run_options *o, const char *name) {
    long k = blis_run_option_find(name);
    return k >= 0 && k < BLIS_RUN_MAX_OPTIONS && o->given[k];
}

/* A run error with no file at fault: err.source "". */
static blis_status blis__run_fail(blis_err *err, blis_status st, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static blis_status blis__run_fail(blis_err *err, blis_status st, const char *fmt, ...) {
    va_list ap;
    if (!err) return st;
    memset(err, 0, sizeof *err);
    err->status = st;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return st;
}

/* The same error without its file position: err.msg kept, source "". */
static blis_status blis__run_plain(blis_err *err, blis_status st) {
    err->status = st;
    err->source[0] = '\0';
    err->path[0] = '\0';
    err->line = err->col = 0;
    return st;
}

static blis_status blis__flag_error(blis_err *err, const char *flag, const char *expected, const char *got) {
    return blis__run_fail(err, BLIS_E_INVALID, "%s: expected %s, got '%s'", flag, expected, got ? got : "");
}

BLIS_DEF blis_status blis_run_option_set(blis_run_options *a, const char *name, const char *v, blis_err *err) {
    long k = blis_run_option_find(name);
    const blis_opt_def *f;
    void *field;
    if (k < 0) {
        const char *near = blis_run_option_closest(name);
        return blis__run_fail(err, BLIS_E_INVALID, "unknown option for run: %s%s%s%s", name ? name : "",
                              near ? " (did you mean " : "", near ? near : "", near ? "?)" : "");
    }
    f = &blis__run_opts[k];
    field = (char *)a + f->offset;
    if (!v) return blis__flag_error(err, f->flag, "a value", "");
    if (f->type == BLIS_OPT_STR) {
        char *copy = blis__arena_strndup(&a->arena, v, strlen(v));
        if (!copy) return blis__nomem(err);
        *(const char **)field = copy;
    } else if (f->type == BLIS_OPT_BOOL) { /* Go's bool flags: --flag, --flag=true|false|1|0 */
        if (!strcmp(v, "true") || !strcmp(v, "1"))
            *(int *)field = 1;
        else if (!strcmp(v, "false") || !strcmp(v, "0"))
            *(int *)field = 0;
        else
            return blis__flag_error(err, f->flag, "true or false", v);
    } else if (f->type == BLIS_OPT_I64) {
        if (blis_parse_i64(v, strlen(v), BLIS_NUM_ALLOW_PLUS, (int64_t *)field) != BLIS_OK)
            return blis__flag_error(err, f->flag, "an integer", v);
    } else if (f->type == BLIS_OPT_F64) {
        if (blis_parse_f64(v, strlen(v), BLIS_NUM_ALLOW_PLUS | BLIS_NUM_LOOSE_DOT, (double *)field) != BLIS_OK)
            return blis__flag_error(err, f->flag, "a number", v);
    } else { /* a list: comma-separated numbers; the first three are used */
        double *out = (double *)field;
        int *count = !strcmp(f->flag, "--alpha-coeffs") ? &a->alpha_n : &a->beta_n;
        const char *p = v;
        *count = 0;
        for (;;) {
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            double x;
            if (blis_parse_f64(p, len, BLIS_NUM_ALLOW_PLUS | BLIS_NUM_LOOSE_DOT, &x) != BLIS_OK)
                return blis__flag_error(err, f->flag, "comma-separated numbers", v);
            if (*count < 3) out[*count] = x;
            (*count)++;
            if (!comma) break;
            p = comma + 1;
        }
    }
    if (k < BLIS_RUN_MAX_OPTIONS) a->given[k] = 1;
    return BLIS_OK;
}

BLIS_DEF blis_status blis_run_options_from_json(blis_run_options *o, const blis_doc *doc, const blis_node *obj,
                                                blis_err *err) {
    uint32_t i;
    if (!obj || obj->kind != BLIS_NODE_OBJECT)
        return blis__run_fail(err, BLIS_E_TYPE, "the options must be a JSON object of run options");
    for (i = 0; i < obj->count; i++) {
        const char *name = blis_node_key_at(doc, obj, i)->as.string;
        const blis_node *v = blis_node_at(doc, obj, i);
        long k = blis_run_option_find(name);
        char text[BLIS_F64_BUF_MAX * 3 + 8];
        const char *value = NULL;
        blis_status st;
        if (k < 0) {
            blis_err_set(err, BLIS_E_INVALID, obj->line, obj->col, "unknown run option \"%s\"", name);
            return BLIS_E_INVALID;
        }
        if (v->kind == BLIS_NODE_STRING) {
            value = v->as.string;
        } else if (v->kind == BLIS_NODE_NUMBER && blis__run_opts[k].type != BLIS_OPT_STR &&
                   blis__run_opts[k].type != BLIS_OPT_BOOL) {
            if (v->raw)
                value = v->raw;
            else
                text[blis_f64_format_go(v->as.number, text)] = '\0', value = text;
        } else if (v->kind == BLIS_NODE_BOOL && blis__run_opts[k].type == BLIS_OPT_BOOL) {
            value = v->as.boolean ? "true" : "false";
        } else if (v->kind == BLIS_NODE_ARRAY && blis__run_opts[k].type == BLIS_OPT_LIST && v->count > 0 &&
                   v->count <= 3) {
            uint32_t j;
            size_t used = 0;
            for (j = 0; j < v->count; j++) {
                const blis_node *x = blis_node_at(doc, v, j);
                if (x->kind != BLIS_NODE_NUMBER) break;
                if (j) text[used++] = ',';
                used += blis_f64_format_go(x->as.number, text + used);
            }
            text[used] = '\0';
            if (j == v->count) value = text;
        }
        if (!value) {
            static const char *const what[] = {"a string", "an integer", "a number", "an array of 3 numbers",
                                               "true or false"};
            blis_err_set(err, BLIS_E_TYPE, v->line, v->col, "%s: expected %s", name, what[blis__run_opts[k].type]);
            return BLIS_E_TYPE;
        }
        if ((st = blis_run_option_set(o, name, value, err)) != BLIS_OK) {
            char msg[BLIS_ERR_MSG_MAX];
            blis__copy_cstr(msg, sizeof msg, err->msg);
            blis_err_set(err, st, v->line, v->col, "%s", msg);
            return st;
        }
    }
    return BLIS_OK;
}

/* ---- resolution ---- */

static void blis__run_log(blis_run *r, const char *level, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
BLIS_DEF int blis_log_level(const char *level) {
    static const char *const levels[] = {"trace", "debug", "info", "warn", "error", "fatal", "panic"};
    int i;
    for (i = 0; i < 7; i++)
        if (!strcmp(level, levels[i])) return i;
    return -1;
}
static void blis__run_log(blis_run *r, const char *level, const char *fmt, ...) {
    char msg[1600];
    size_t n = 0;
    va_list ap;
    if (!r->env.log || blis_log_level(level) < r->log_threshold) return;
    if (r->log_prefix) {
        blis__copy_cstr(msg, sizeof msg, r->log_prefix);
        n = strlen(msg);
    }
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - n, fmt, ap);
    va_end(ap);
    r->env.log(r->env.log_user, level, msg);
}

static int blis__all_zero(const double *v) { return v[0] == 0 && v[1] == 0 && v[2] == 0; }

static int blis__file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    fclose(f);
    return 1;
}

static void blis__lower_copy(char *dst, size_t size, const char *src) {
    size_t i;
    for (i = 0; i + 1 < size && src[i]; i++) dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] + 32 : src[i]);
    dst[i] = '\0';
}

static blis_status blis__run_defaults_doc(blis_run *r, blis_err *err) {
    blis_status st;
    if (r->have_defaults) return BLIS_OK;
    if ((st = blis_doc_load(r->opt.defaults, 1, &r->defaults, err)) != BLIS_OK) return st;
    r->have_defaults = 1;
    return BLIS_OK;
}

/* A short model name ("qwen2.5-7b-instruct") as the defaults file's full
 * one ("qwen/qwen2.5-7b-instruct") when exactly one entry ends in it. */
static void blis__run_full_name(blis_run *r) {
    const blis_node *defs;
    uint32_t i;
    size_t n = strlen(r->model_lc), hits = 0;
    const char *full = NULL;
    if (strchr(r->model_lc, '/') || !r->have_defaults) return;
    defs = blis_node_get(&r->defaults, blis_doc_root(&r->defaults), "defaults");
    if (!defs || defs->kind != BLIS_NODE_OBJECT) return;
    for (i = 0; i < defs->count; i++) {
        char lc[256];
        const char *key = blis_node_key_at(&r->defaults, defs, i)->as.string, *slash;
        blis__lower_copy(lc, sizeof lc, key);
        if (!strcmp(lc, r->model_lc)) return; /* the short name is an entry of its own */
        slash = strrchr(lc, '/');
        if (slash && strlen(slash + 1) == n && !strcmp(slash + 1, r->model_lc)) {
            full = key;
            hits++;
        }
    }
    if (hits != 1) return;
    blis__run_log(r, "info", "model %s is %s in %s", r->model_lc, full, r->opt.defaults);
    blis__lower_copy(r->model_lc, sizeof r->model_lc, full);
}

/* Spec §1.3 step 3: the GPU, TP and vLLM version from the defaults file
 * when not given, and (coefficients = 1) its trained coefficients. */
static blis_status blis__run_resolve_defaults(blis_run *r, int coefficients, blis_err *err) {
    blis_run_options *a = &r->opt;
    char gpu[64], vllm[128];
    int tp = 0, found = 0;
    int64_t kv = 0;
    blis_status st;
    if ((st = blis__run_defaults_doc(r, err)) != BLIS_OK) {
        if (!blis_run_option_given(a, "defaults-filepath") && !blis__file_exists(a->defaults))
            blis__copy_cstr(r->hint, sizeof r->hint,
                            "no ./defaults.yaml and no bundled data directory found; give --defaults-filepath, set "
                            "BLIS_DATA_DIR, or install blis (make install)");
        return st;
    }
    blis__run_full_name(r);
    if ((st = blis_defaults_specs(&r->defaults, r->model_lc, gpu, sizeof gpu, &tp, vllm, sizeof vllm, err))) return st;
    if (a->tp == 0 && tp > 0) a->tp = tp;
    if (!a->gpu && gpu[0]) {
        blis__copy_cstr(r->gpu, sizeof r->gpu, gpu);
        a->gpu = r->gpu;
    }
    if (!a->vllm && vllm[0]) {
        blis__copy_cstr(r->vllm, sizeof r->vllm, vllm);
        a->vllm = r->vllm;
    }
    if (!coefficients) return BLIS_OK;
    if ((st = blis_defaults_coefficients(&r->defaults, r->model_lc, (int)a->tp, a->gpu ? a->gpu : "",
                                         a->vllm ? a->vllm : "", a->alpha, a->beta, &kv, &found, err)))
        return st;
    if (!found) {
        a->alpha[0] = a->alpha[1] = a->alpha[2] = a->beta[0] = a->beta[1] = a->beta[2] = 0;
        blis__run_log(r, "warn",
                      "no trained coefficients in %s for model=%s, TP=%lld, GPU=%s, vLLM version=%s; trying the "
                      "roofline model",
                      a->defaults, r->model_lc, (long long)a->tp, a->gpu ? a->gpu : "", a->vllm ? a->vllm : "");
    }
    a->alpha_n = a->beta_n = 3;
    if (!blis_run_option_given(a, "total-kv-blocks")) a->kv_blocks = kv;
    r->kv_trained = found && kv > 0;
    return BLIS_OK;
}

/* The directory of the defaults file joined with name. */
static void blis__beside_defaults(const blis_run *r, const char *name, char *buf, size_t size) {
    const char *slash = strrchr(r->opt.defaults, '/');
    if (slash)
        snprintf(buf, size, "%.*s/%s", (int)(slash - r->opt.defaults), r->opt.defaults, name);
    else
        snprintf(buf, size, "%s", name);
}

/* Messages of the resolver and loaders through the run's log (its level and prefix). */
static void blis__run_log_msg(void *user, const char *level, const char *msg) {
    blis__run_log((blis_run *)user, level, "%s", msg);
}

static blis_status blis__run_model_dir(blis_run *r, int allow_download, blis_err *err) {
    char dir[1100];
    blis_status st;
    const char *defaults = blis__file_exists(r->opt.defaults) ? r->opt.defaults : NULL;
    if (r->env.resolve_model) {
        if ((st = r->env.resolve_model(r->env.resolve_user, r->model_lc, r->model_typed, defaults, allow_download, dir,
                                       sizeof dir, r->hint, sizeof r->hint, blis__run_log_msg, r, err)) != BLIS_OK) {
            char msg[BLIS_ERR_MSG_MAX];
            blis__copy_cstr(msg, sizeof msg, err->msg);
            return blis__run_fail(err, st, "%s%s", r->log_prefix ? r->log_prefix : "", msg);
        }
    } else { /* no resolver: model_configs/ beside the defaults file, then in the bundled data */
        char probe[1200];
        const char *short_name = strrchr(r->model_lc, '/') ? strrchr(r->model_lc, '/') + 1 : r->model_lc;
        blis__beside_defaults(r, "model_configs/", dir, sizeof dir - 300);
        blis__copy_cstr(dir + strlen(dir), 256, short_name);
        snprintf(probe, sizeof probe, "%s/config.json", dir);
        if (!blis__file_exists(probe) && r->env.data_dir) {
            snprintf(dir, sizeof dir, "%.800s/model_configs/%.255s", r->env.data_dir, short_name);
            snprintf(probe, sizeof probe, "%s/config.json", dir);
        }
        if (!short_name[0] || short_name[0] == '.' || !blis__file_exists(probe))
            return blis__run_fail(err, BLIS_E_MISSING,
                                  "%sno config.json for model %s in model_configs/ (no model resolver to look in the "
                                  "cache or download it). Provide --model-config-folder explicitly",
                                  r->log_prefix ? r->log_prefix : "", r->model_lc);
    }
    blis__copy_cstr(r->model_dir, sizeof r->model_dir, dir);
    r->opt.model_dir = r->model_dir;
    return BLIS_OK;
}

/* The assumptions under a roofline figure, said: a model whose attention
 * blis does not model (MLA), an entry fitted on another GPU (that fit over
 * its own datasheet). */
static void blis__run_warn_assumptions(blis_run *r, const char *hw_file, int roofline_version, unsigned v1_ext) {
    const char *nm = blis_model_not_modelled(&r->model, roofline_version, v1_ext);
    if (nm && !strcmp(nm, "MLA")) /* what the roofline does not model, said before any figure */
        blis__run_log(r, "warn",
                      "%s uses multi-head latent attention (model_type %s): this roofline does not model MLA (roofline "
                      "v1 with the arch extension does, given kv_lora_rank); its attention and KV cache are costed as "
                      "standard attention over num_key_value_heads (more KV bytes per token than the latent cache: "
                      "fewer KV blocks, slower decode than vLLM's)",
                      r->model_lc[0] ? r->model_lc : "the model", r->model.model_type);
    else if (nm)
        blis__run_log(r, "warn",
                      "%s uses DeepSeek sparse attention (model_type %s): blis costs its attention as full MLA "
                      "attention over the whole context (slower long-context steps than vLLM's)",
                      r->model_lc[0] ? r->model_lc : "the model", r->model.model_type);
    if (r->model.dtype_assumed)
        blis__run_log(r, "warn",
                      "%s's config.json states no torch_dtype: blis assumes bfloat16 activations and unquantized "
                      "weights, as vLLM's dtype \"auto\" picks for a quantized checkpoint without one",
                      r->model_lc[0] ? r->model_lc : "the model");
    if (blis_hw_transferred(&r->hw))
        blis__run_log(r, "warn",
                      "no vLLM measurements on %s: its step-time constants were fitted on %s (CalibratedOn in %.500s) "
                      "and applied to %s's datasheet; treat its absolute latencies as unvalidated",
                      r->hw.gpu, r->hw.calibrated_on, hw_file, r->hw.gpu);
}

/* The hardware config when none was given: hardware_config.json beside the
 * defaults file, else the bundled one; hardware_calibrated.json beside it
 * instead when there is one and roofline v1 runs with extensions. 0 when
 * found. */
static int blis__run_default_hw(blis_run *r) {
    blis_run_options *a = &r->opt;
    char calibrated[1100];
    unsigned ext = BLIS_V1X_ALL;
    int flags;
    blis__beside_defaults(r, "hardware_config.json", r->hw_path, sizeof r->hw_path);
    if (!blis__file_exists(r->hw_path) && r->env.data_dir)
        snprintf(r->hw_path, sizeof r->hw_path, "%.1000s/hardware_config.json", r->env.data_dir);
    if (a->roofline_ext) ext = (flags = blis_v1x_parse(a->roofline_ext)) < 0 ? 0 : (unsigned)flags;
    if (!blis__file_exists(r->hw_path)) return -1;
    /* blis's fitted constants for roofline v1 with its extensions, where they lie beside the file */
    snprintf(calibrated, sizeof calibrated, "%.*shardware_calibrated.json",
             (int)(strlen(r->hw_path) - strlen("hardware_config.json")), r->hw_path);
    if (!a->bench_dir && ext && blis__file_exists(calibrated))
        blis__copy_cstr(r->hw_path, sizeof r->hw_path, calibrated);
    a->hw_file = r->hw_path;
    return 0;
}

static int blis__run_is_dir(const blis_run *r, const char *path) {
    blis_buf names;
    int ok;
    if (!r->env.list_dir) return 0;
    memset(&names, 0, sizeof names);
    ok = r->env.list_dir(r->env.list_user, path, &names) == 0;
    blis_buf_free(&names);
    return ok;
}

/* Spec §1.4 and §6: --roofline resolves the model config (cache, then
 * HuggingFace), the hardware config, and alpha and total-kv-blocks from the
 * defaults file when it has them. */
static blis_status blis__run_roofline_flag(blis_run *r, blis_err *err) {
    blis_run_options *a = &r->opt;
    blis_status st;
    int found = 0;
    if (!a->gpu) return blis__run_fail(err, BLIS_E_INVALID, "--roofline requires --hardware (GPU type)");
    if (a->tp <= 0) return blis__run_fail(err, BLIS_E_INVALID, "--roofline requires --tp > 0");
    r->log_prefix = "--roofline: ";
    if (!blis__all_zero(a->beta))
        blis__run_log(r, "warn",
                      "replaces --beta-coeffs with analytical step time estimation. Alpha coefficients are still "
                      "used for queueing time and output token processing");
    if (a->model_dir) blis__run_log(r, "info", "explicit --model-config-folder takes precedence over auto-resolution");
    if (a->hw_file) blis__run_log(r, "info", "explicit --hardware-config takes precedence over auto-resolution");
    if (blis__file_exists(a->defaults) && blis__run_defaults_doc(r, err) == BLIS_OK) blis__run_full_name(r);
    if (!a->model_dir && (st = blis__run_model_dir(r, 1, err)) != BLIS_OK) return st;
    if (!a->hw_file) {
        if (blis__run_default_hw(r))
            return blis__run_fail(
                err, BLIS_E_MISSING,
                "--roofline: bundled hardware config not found at \"%s\". Provide --hardware-config explicitly",
                r->hw_path);
        blis__run_log(r, "info", "using bundled hardware config at %s", r->hw_path);
    }
    if (!a->bench_dir) { /* a410740f: bench_data/ beside the defaults file selects roofline v2 */
        blis__beside_defaults(r, "bench_data", r->bench_path, sizeof r->bench_path);
        if (blis__run_is_dir(r, r->bench_path)) {
            a->bench_dir = r->bench_path;
            blis__run_log(r, "info", "using bundled bench data at %s (roofline v2)", r->bench_path);
        }
    }
    if (!blis__file_exists(a->defaults)) {
        blis__run_log(r, "warn",
                      "defaults file %s not found; alpha coefficients and total-kv-blocks not loaded (the KV cache "
                      "size is estimated from the GPU memory)",
                      a->defaults);
        return BLIS_OK;
    }
    if ((st = blis__run_defaults_doc(r, err)) != BLIS_OK) return st;
    {
        char gpu[64], vllm[128];
        int tp = 0;
        double alpha[3] = {0, 0, 0}, beta[3] = {0, 0, 0};
        int64_t kv = 0;
        if ((st = blis_defaults_specs(&r->defaults, r->model_lc, gpu, sizeof gpu, &tp, vllm, sizeof vllm, err)))
            return st;
        if (!a->vllm && vllm[0]) {
            blis__copy_cstr(r->vllm, sizeof r->vllm, vllm);
            a->vllm = r->vllm;
        }
        if ((st = blis_defaults_coefficients(&r->defaults, r->model_lc, (int)a->tp, a->gpu, a->vllm ? a->vllm : "",
                                             alpha, beta, &kv, &found, err)))
            return st;
        if (found && blis__all_zero(a->alpha) && !blis__all_zero(alpha)) {
            memcpy(a->alpha, alpha, sizeof alpha);
            a->alpha_n = 3;
            blis__run_log(r, "info", "using the defaults file's trained alpha coefficients");
        }
        if (!blis_run_option_given(a, "total-kv-blocks") && found && kv > 0) {
            a->kv_blocks = kv;
            r->kv_trained = 1;
        } else if (!blis_run_option_given(a, "total-kv-blocks")) {
            blis__run_log(r, "warn",
                          "no trained total-kv-blocks found for model=%s, GPU=%s, TP=%lld; estimating it from the GPU "
                          "memory. Consider setting --total-kv-blocks explicitly for accurate KV cache simulation",
                          r->model_lc, a->gpu, (long long)a->tp);
        }
        if (blis__all_zero(a->alpha))
            blis__run_log(r, "warn",
                          "no trained alpha coefficients found for model=%s, GPU=%s, TP=%lld; queueing and "
                          "output-token overheads are zero (may underestimate TTFT/ITL)",
                          r->model_lc, a->gpu, (long long)a->tp);
    }
    return BLIS_OK;
}

typedef struct blis__bench_log {
    blis_run *r;
} blis__bench_log;

static void blis__run_bench_report(void *user, int is_error, const char *source, uint32_t line, uint32_t col,
                                   const char *msg) {
    blis_run *r = ((blis__bench_log *)user)->r;
    const char *prefix = r->log_prefix;
    if (is_error != 1) return;
    r->log_prefix = NULL;
    if (line)
        blis__run_log(r, "error", "%s:%lu:%lu: %s", source, (unsigned long)line, (unsigned long)col, msg);
    else
        blis__run_log(r, "error", "%s: %s", source, msg);
    r->log_prefix = prefix;
}

static blis_status blis__run_bench_check(blis_run *r, blis_err *err);

/* Roofline v2's tables: the bench_data directory checked as
 * validate-bench-data checks it (its errors logged), loaded for the GPU,
 * the model's attention configuration selected. */
static blis_status blis__run_mfu(blis_run *r, blis_err *err) {
    const blis_run_options *a = &r->opt;
    blis_status st;
    if (!r->env.list_dir)
        return blis__run_fail(err, BLIS_E_INVALID,
                              "--bench-data-path needs a directory lister (blis_run_env.list_dir; blis_fetch.h's "
                              "blis_run_env_posix sets it)");
    blis_mfu_db_init(&r->db, NULL);
    r->have_db = 1;
    if ((st = blis__run_bench_check(r, err)) != BLIS_OK) return st;
    if ((st = blis_mfu_db_load_dir(&r->db, a->bench_dir, a->gpu, r->env.list_dir, r->env.list_user, err)) ||
        (st = blis_mfu_db_select_model(&r->db, &r->model, err)))
        return err->status = st == BLIS_E_IO ? BLIS_E_MISSING : st; /* the tables are the input */
    return BLIS_OK;
}

/* The bench_data directory checked as validate-bench-data checks it (its
 * errors logged): what the validator refuses is refused. */
static blis_status blis__run_bench_check(blis_run *r, blis_err *err) {
    const blis_run_options *a = &r->opt;
    if (blis__run_is_dir(r, a->bench_dir)) { /* refuse what validate-bench-data refuses */
        blis_bench_validation v;
        blis__bench_log bl;
        bl.r = r;
        memset(&v, 0, sizeof v);
        v.report = blis__run_bench_report;
        v.user = &bl;
        v.max_per_file = 5;
        blis_bench_validate_dir(&v, a->bench_dir, r->env.list_dir, r->env.list_user);
        if (v.errors) {
            blis_err_clear(err, a->bench_dir);
            return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                                "%lu errors in the kernel tables (simulation_worker validate-bench-data %s lists them)",
                                (unsigned long)v.errors, a->bench_dir);
        }
    }
    return BLIS_OK;
}

/* Spec §1.3 step 4: blackbox, or roofline from the model and hardware
 * configs. Where the reference stops for a missing config folder or
 * hardware config, blis looks in the bundled data and the cache (no
 * download without --roofline). With no trained total-kv-blocks, the KV
 * cache size is estimated from the GPU memory. */
static blis_status blis__run_latency(blis_run *r, blis_err *err) {
    blis_run_options *a = &r->opt;
    blis_sim_config *cfg = &r->cfg;
    char path[1200];
    blis_status st;
    memcpy(cfg->latency.alpha, a->alpha, sizeof a->alpha);
    memcpy(cfg->latency.beta, a->beta, sizeof a->beta);
    cfg->latency.kind = BLIS_LATENCY_BLACKBOX;
    cfg->latency.v1_ext = BLIS_V1X_ALL; /* roofline v1's default (--roofline-ext none: the reference) */
    if ((a->alpha_n && a->alpha_n < 3) || (a->beta_n && a->beta_n < 3))
        return blis__run_fail(err, BLIS_E_INVALID, "--alpha-coeffs and --beta-coeffs need 3 numbers each");
    if (a->roofline_ext) {
        int flags = blis_v1x_parse(a->roofline_ext);
        if (flags < 0)
            return blis__flag_error(err, "--roofline-ext",
                                    "a list of moe, fused, allreduce, lmhead, gemm, quant, arch (or all, none)",
                                    a->roofline_ext);
        cfg->latency.v1_ext = (unsigned)flags;
        if (a->bench_dir)
            return blis__run_fail(err, BLIS_E_INVALID,
                                  "--roofline-ext extends roofline v1; it does not apply with --bench-data-path");
    }
    if (!a->roofline && (!blis__all_zero(a->alpha) || !blis__all_zero(a->beta))) {
        if (a->roofline_ext)
            return blis__run_fail(err, BLIS_E_INVALID,
                                  "--roofline-ext extends roofline v1; the blackbox model is in use");
        return BLIS_OK;
    }
    if (!a->model_dir && (st = blis__run_model_dir(r, 0, err)) != BLIS_OK) return st;
    if (!a->hw_file && blis__run_default_hw(r))
        return blis__run_fail(err, BLIS_E_MISSING, "Please provide hardware config path (e.g. hardware_config.json)");
    blis__run_log(r, "info", "hardware config %.500s", a->hw_file);
    if (!a->gpu || a->tp <= 0)
        return blis__run_fail(
            err, BLIS_E_INVALID, "the roofline model needs --hardware GPU and --tp N (%s %s gives none for model %s)",
            blis__file_exists(a->defaults) ? "the defaults file" : "no defaults file; ", a->defaults, r->model_lc);
    snprintf(path, sizeof path, "%.1100s/config.json", a->model_dir);
    if ((st = blis_model_config_load(path, a->tp, &r->model, err)) != BLIS_OK) return st;
    if (a->kv_dtype && blis_model_config_set_kv_dtype(&r->model, a->kv_dtype, err)) {
        char msg[BLIS_ERR_MSG_MAX];
        blis__copy_cstr(msg, sizeof msg, err->msg);
        return blis__run_fail(err, BLIS_E_INVALID, "--kv-cache-dtype: %.1000s", msg);
    }
    if ((st = blis_hw_config_load(a->hw_file, a->gpu, a->bench_dir ? 2 : 1, &r->hw, err)) != BLIS_OK) return st;
    blis__run_warn_assumptions(r, a->hw_file, a->bench_dir ? 2 : 1,
                               a->roofline_ext && blis_v1x_parse(a->roofline_ext) >= 0
                                   ? (unsigned)blis_v1x_parse(a->roofline_ext)
                                   : BLIS_V1X_ALL);
    if (!blis_run_option_given(a, "total-kv-blocks") && !r->kv_trained) {
        int64_t blocks = 0;
        const char *prefix = r->log_prefix;
        if ((st = blis_kv_capacity_blocks(&r->model, &r->hw, (int)a->tp, a->block_tokens, 0.9, &blocks, err)))
            return blis__run_plain(err, st);
        cfg->total_kv_blocks = a->kv_blocks = blocks;
        r->log_prefix = NULL;
        blis__run_log(r, "info",
                      "total-kv-blocks %lld, estimated from 90%% of %lld x %g GiB less the weights (%s, block size "
                      "%lld); --total-kv-blocks sets it",
                      (long long)blocks, (long long)a->tp, r->hw.memory_gib, r->model_lc, (long long)a->block_tokens);
        r->log_prefix = prefix;
    }
    cfg->latency.kind = a->bench_dir ? BLIS_LATENCY_ROOFLINE_V2 : BLIS_LATENCY_ROOFLINE_V1;
    cfg->latency.model = &r->model;
    cfg->latency.hw = &r->hw;
    cfg->latency.tp = (int)a->tp;
    if (!a->bench_dir) return BLIS_OK;
    if ((st = blis__run_mfu(r, err)) != BLIS_OK) return st;
    cfg->latency.mfu = &r->db;
    return BLIS_OK;
}

static blis_status blis__run_check(blis_run *r, blis_err *err) {
    const blis_run_options *a = &r->opt;
    blis_sim_config *cfg = &r->cfg;
    if (blis_log_level(a->log) < 0)
        return blis__flag_error(err, "--log", "trace, debug, info, warn, error, fatal or panic", a->log);
    if (blis_priority_policy_parse(a->priority) < 0)
        return blis__run_fail(err, BLIS_E_INVALID,
                              "Unknown priority policy \"%s\". Valid: constant, inverted-slo, slo-based", a->priority);
    if (blis_scheduler_parse(a->scheduler) < 0)
        return blis__run_fail(err, BLIS_E_INVALID,
                              "Unknown scheduler \"%s\". Valid: fcfs, priority-fcfs, reverse-priority, sjf",
                              a->scheduler);
    if (a->num_requests < 0)
        return blis__run_fail(err, BLIS_E_INVALID, "--num-requests must be >= 0, got %lld", (long long)a->num_requests);
    if (strcmp(a->metrics_mode, "auto") && strcmp(a->metrics_mode, "exact") && strcmp(a->metrics_mode, "streaming"))
        return blis__flag_error(err, "--metrics-mode", "auto, exact or streaming", a->metrics_mode);
    if (strcmp(a->waiting_requests, "compact") && strcmp(a->waiting_requests, "full"))
        return blis__flag_error(err, "--waiting-requests", "compact or full", a->waiting_requests);
    if (strcmp(a->compat, "blis") && strcmp(a->compat, "reference"))
        return blis__flag_error(err, "--compat", "blis or reference", a->compat);
    if (blis_run_option_given(a, "slo-attainment") && (!(a->slo_attainment > 0 && a->slo_attainment <= 1) || !a->slo))
        return blis__run_fail(err, BLIS_E_INVALID, "--slo-attainment must be in (0, 1] with --slo, got %g%s",
                              a->slo_attainment, a->slo ? "" : " and no --slo");
    if (blis_arrival_kind_parse(a->arrival) < 0)
        return blis__flag_error(err, "--arrival", "constant, poisson, gamma or weibull", a->arrival);
    if (blis_run_option_given(a, "arrival-cv") && blis_arrival_kind_parse(a->arrival) != BLIS_ARRIVAL_GAMMA &&
        blis_arrival_kind_parse(a->arrival) != BLIS_ARRIVAL_WEIBULL)
        return blis__run_fail(err, BLIS_E_INVALID, "--arrival-cv applies to --arrival gamma or weibull, not %s",
                              a->arrival);
    if (blis_run_option_given(a, "arrival") && (a->spec || !strcmp(a->workload, "traces")))
        return blis__run_fail(err, BLIS_E_INVALID, "--arrival applies to --workload distribution and the presets; %s",
                              a->spec ? "a workload spec names each client's arrival process"
                                      : "a trace's arrivals are its own (--rate time-compresses them)");
    if (a->block_tokens < 1)
        return blis__run_fail(err, BLIS_E_INVALID, "--block-size-in-tokens must be > 0, got %lld",
                              (long long)a->block_tokens);
    if (!a->spec && !strcmp(a->workload, "traces") && (!a->traces || !*a->traces))
        return blis__run_fail(err, BLIS_E_INVALID,
                              "--workload-traces-filepath is required when using --workload traces");
    cfg->total_kv_blocks = a->kv_blocks;
    cfg->block_tokens = a->block_tokens;
    cfg->max_running = a->max_running;
    cfg->max_scheduled_tokens = a->max_tokens;
    cfg->long_prefill_threshold = a->threshold;
    cfg->keep_requests = a->results != NULL || a->slo; /* per-request rows: --results-path, --slo */
    cfg->kv_cpu_blocks = a->kv_cpu;
    cfg->reference_step_chains = !strcmp(a->compat, "reference");
    cfg->kv_offload_threshold = a->kv_threshold;
    cfg->kv_transfer_bandwidth = a->kv_bandwidth;
    cfg->kv_transfer_base_latency_us = a->kv_base_us;
    cfg->horizon_us = a->horizon_us;
    cfg->priority = (blis_priority_policy)blis_priority_policy_parse(a->priority);
    cfg->scheduler = (blis_scheduler_kind)blis_scheduler_parse(a->scheduler);
    return BLIS_OK;
}

/* Spec §1.3 step 7 and §1.6: the cluster's options over the policy
 * bundle's values (an explicit option wins), checked. */
/* The requests the run reads: the count when known ahead, else a
 * horizon-bound workload's rate x horizon (sessions and bursts can exceed
 * it); 0 when neither is known (a trace: counted as it is read). */
static double blis__run_expected_requests(const blis_run *r) {
    double rate = 0, n;
    if (r->progress_total > 0) return (double)r->progress_total;
    if (r->cfg.horizon_us == INT64_MAX) return 0;
    if (r->have_spec) rate = r->spec.aggregate_rate;
    if (r->have_gen) rate = r->legacy_w.rate_per_s;
    n = rate * ((double)r->cfg.horizon_us / 1e6);
    if (r->have_spec && r->lag_max_requests > 0 && (double)r->lag_max_requests < n) n = (double)r->lag_max_requests;
    if (r->have_gen && r->legacy_w.num_requests > 0 && (double)r->legacy_w.num_requests < n)
        n = (double)r->legacy_w.num_requests;
    return n > 0 ? n : 0;
}

/* A run that keeps every request: refused when it would read more than
 * BLIS_RUN_MAX_KEPT_REQUESTS (known or expected). */
static blis_status blis__run_kept_limit(blis_run *r, blis_err *err) {
    double n = blis__run_expected_requests(r);
    if (n <= (double)BLIS_RUN_MAX_KEPT_REQUESTS) return BLIS_OK;
    return blis__run_fail(err, BLIS_E_LIMIT,
                          "the workload gives %s%.0f requests, more than the %lld a run that keeps every request (a "
                          "workload spec, --results-path, --slo, --fitness, a priority policy) holds; set a smaller "
                          "request count or a shorter horizon",
                          r->progress_total > 0 ? "" : "about ", n, (long long)BLIS_RUN_MAX_KEPT_REQUESTS);
}

static blis_status blis__run_cluster_config(blis_run *r, blis_err *err) {
    const blis_run_options *a = &r->opt;
    blis_cluster_config *cc = &r->cc;
    blis_policy_bundle b;
    blis_status st;
    memset(&b, 0, sizeof b);
    blis_cluster_config_defaults(cc);
    cc->instance = r->cfg;
    if (a->policy_config) {
        if ((st = blis_doc_load(a->policy_config, 1, &r->policy_doc, err)) != BLIS_OK) {
            char where[BLIS_ERR_MSG_MAX];
            blis_err_format(err, where, sizeof where);
            return blis__run_fail(err, st, "Failed to load policy config: %.1000s", where);
        }
        r->have_policy_doc = 1;
        if ((st = blis_policy_bundle_from_doc(&r->policy_doc, &b, err)) != BLIS_OK) {
            char where[BLIS_ERR_MSG_MAX];
            blis_err_format(err, where, sizeof where);
            return blis__run_fail(err, st, "Invalid policy config: %.1000s", where);
        }
    }
    if (a->instances < 1) return blis__run_fail(err, BLIS_E_INVALID, "num-instances must be >= 1");
    if (a->instances > 100000)
        return blis__run_fail(err, BLIS_E_INVALID, "--num-instances must be at most 100000, got %lld",
                              (long long)a->instances);
    cc->num_instances = (int)a->instances;
    if (!blis_run_option_given(a, "admission-policy") && b.has_admission)
        cc->admission = (blis_admission_kind)b.admission;
    else if (blis_admission_parse(a->admission) < 0)
        return blis__run_fail(err, BLIS_E_INVALID,
                              "Unknown admission policy \"%s\". Valid: always-admit, reject-all, token-bucket",
                              a->admission);
    else
        cc->admission = (blis_admission_kind)blis_admission_parse(a->admission);
    cc->token_bucket_capacity =
        !blis_run_option_given(a, "token-bucket-capacity") && b.has_capacity ? b.capacity : a->bucket_cap;
    cc->token_bucket_refill_per_s =
        !blis_run_option_given(a, "token-bucket-refill-rate") && b.has_refill ? b.refill : a->bucket_refill_per_s;
    if (!blis_run_option_given(a, "routing-policy") && b.has_routing)
        cc->routing = (blis_routing_kind)b.routing;
    else if (blis_routing_parse(a->routing) < 0)
        return blis__run_fail(err, BLIS_E_INVALID,
                              "Unknown routing policy \"%s\". Valid: always-busiest, least-loaded, prefix-affinity, "
                              "round-robin, weighted",
                              a->routing);
    else
        cc->routing = (blis_routing_kind)blis_routing_parse(a->routing);
    if (blis_run_option_given(a, "routing-scorers")) {
        if (blis_scorers_parse(a->scorers, cc->scorers, &cc->scorer_count, err)) {
            char msg[BLIS_ERR_MSG_MAX];
            blis__copy_cstr(msg, sizeof msg, err->msg);
            return blis__run_fail(err, BLIS_E_INVALID, "Invalid --routing-scorers: %.1000s", msg);
        }
        if (cc->routing != BLIS_ROUTE_WEIGHTED)
            blis__run_log(r, "warn", "--routing-scorers has no effect without --routing-policy weighted");
    } else if (b.has_scorers) {
        memcpy(cc->scorers, b.scorers, sizeof b.scorers);
        cc->scorer_count = b.scorer_count;
    }
    if (!blis_run_option_given(a, "priority-policy") && b.has_priority)
        cc->instance.priority = (blis_priority_policy)b.priority;
    if (!blis_run_option_given(a, "scheduler") && b.has_scheduler)
        cc->instance.scheduler = (blis_scheduler_kind)b.scheduler;
    if (strcmp(a->trace_level, "none") != 0 && strcmp(a->trace_level, "decisions") != 0)
        return blis__run_fail(err, BLIS_E_INVALID, "Unknown trace level \"%s\". Valid: none, decisions",
                              a->trace_level);
    cc->trace_decisions = !strcmp(a->trace_level, "decisions");
    if (!cc->trace_decisions && a->counterfactual_k > 0)
        blis__run_log(r, "warn", "--counterfactual-k has no effect without --trace-level decisions");
    if (!cc->trace_decisions && a->summarize_trace)
        blis__run_log(r, "warn", "--summarize-trace has no effect without --trace-level decisions");
    cc->counterfactual_k = a->counterfactual_k;
    cc->admission_latency_us = a->admission_latency_us;
    cc->routing_latency_us = a->routing_latency_us;
    cc->snapshot_refresh_us = a->snapshot_refresh_us;
    if (a->fitness && blis_fitness_parse(a->fitness, &r->fitness, err)) return blis__run_plain(err, BLIS_E_INVALID);
    if (blis_cluster_config_validate(cc, err)) return blis__run_plain(err, BLIS_E_INVALID);
    if (cc->instance.horizon_us < cc->admission_latency_us + cc->routing_latency_us)
        blis__run_log(r, "warn",
                      "the horizon is shorter than --admission-latency plus --routing-latency: no request "
                      "can reach an instance");
    /* the reports after the metrics read every request */
    if (a->fitness || cc->instance.priority != BLIS_PRIO_CONSTANT || a->spec) cc->instance.keep_requests = 1;
    if (cc->instance.keep_requests) { /* bounded memory: refused up front where the count is known or expected */
        cc->max_kept_requests = BLIS_RUN_MAX_KEPT_REQUESTS;
        return blis__run_kept_limit(r, err);
    }
    return BLIS_OK;
}

static blis_status blis__run_gen_next(void *user, blis_request *q, int *has, blis_err *err) {
    return blis_legacy_gen_next((blis_legacy_gen *)user, q, has, err);
}
static blis_status blis__run_trace_next(void *user, blis_request *q, int *has, blis_err *err) {
    return blis_trace_gen_next((blis_trace_gen *)user, q, has, err);
}
static blis_status blis__run_spec_next(void *user, blis_request *q, int *has, blis_err *err) {
    return blis_spec_gen_next((blis_spec_gen *)user, q, has, err);
}

/* Spec §1.3 steps 5-6 and §2.4: the workload opened as a request source
 * (what opening it again takes kept for blis__run_open_lag). */
static blis_status blis__run_workload(blis_run *r, blis_request_source *src, blis_err *err) {
    blis_run_options *a = &r->opt;
    blis_status st;
    if (a->spec) { /* --seed, --horizon and --num-requests override the spec's only when given */
        int64_t seed, max_requests;
        if ((st = blis_doc_load(a->spec, 1, &r->spec_doc, err)) != BLIS_OK) return st;
        r->have_spec_doc = 1;
        if ((st = blis_workload_spec_from_doc(&r->spec_doc, &r->spec, NULL, err)) != BLIS_OK) return st;
        r->have_spec = 1;
        if ((st = blis_spec_load_servegen(&r->spec, r->env.list_dir, r->env.list_user, blis__run_log_msg, r, err)) !=
            BLIS_OK)
            return st;
        blis_workload_spec_warn(&r->spec, blis__run_log_msg, r);
        seed = blis_run_option_given(a, "seed") ? a->seed : r->spec.seed;
        if (blis_run_option_given(a, "rate")) { /* every client's rate in proportion */
            if (!(a->rate_per_s > 0 && a->rate_per_s < 1e12))
                return blis__run_fail(err, BLIS_E_INVALID, "--rate must be a finite value > 0, got %g", a->rate_per_s);
            r->spec.aggregate_rate = a->rate_per_s;
        }
        if (!blis_run_option_given(a, "horizon") && r->spec.has_horizon) r->cfg.horizon_us = r->spec.horizon_us;
        max_requests = blis_run_option_given(a, "num-requests") ? a->num_requests : r->spec.num_requests;
        if (max_requests <= 0 && r->cfg.horizon_us == INT64_MAX)
            return blis__run_fail(err, BLIS_E_INVALID,
                                  "--workload-spec requires either num_requests (in YAML or --num-requests) or "
                                  "--horizon to bound generation");
        if ((st = blis_spec_gen_init(&r->spec_gen, &r->spec, seed, r->cfg.horizon_us, max_requests, r->cfg.block_tokens,
                                     NULL, err)) != BLIS_OK)
            return st;
        r->have_spec_gen = 1;
        r->lag_seed = seed;
        r->lag_max_requests = max_requests;
        if (r->cfg.horizon_us == INT64_MAX) r->progress_total = max_requests;
        src->next = blis__run_spec_next;
        src->user = &r->spec_gen;
        return BLIS_OK;
    }
    if (!strcmp(a->workload, "traces")) { /* the whole file read now, its rows as the run goes */
        blis_parse_opts opts;
        size_t len = 0;
        memset(&opts, 0, sizeof opts);
        opts.source = a->traces;
        if ((st = blis_file_read(a->traces, 0, NULL, &r->trace_src, &len, err)) != BLIS_OK) {
            if (st == BLIS_E_IO) err->status = st = BLIS_E_MISSING;
            return st;
        }
        if (blis_run_option_given(a, "rate")) { /* the trace time-compressed (or stretched) to that mean rate */
            blis_workload_spec ts;
            double own;
            int64_t n;
            if (!(a->rate_per_s > 0 && a->rate_per_s < 1e12))
                return blis__run_fail(err, BLIS_E_INVALID, "--rate must be a finite value > 0, got %g", a->rate_per_s);
            if ((st = blis_spec_from_trace(r->trace_src, len, a->traces, &ts, err)) != BLIS_OK) return st;
            own = ts.aggregate_rate;
            n = ts.num_requests;
            blis_workload_spec_free(&ts);
            if (n < 2 || !(own > 0) || own == (double)n)
                return blis__run_fail(err, BLIS_E_INVALID,
                                      "--rate cannot apply to %s: its requests do not span any time (fewer than two, "
                                      "or all at one instant)",
                                      a->traces);
            r->trace_time_scale = own / a->rate_per_s;
        }
        if ((st = blis_trace_gen_init(&r->trace, r->trace_src, len, &opts, r->cfg.horizon_us, r->cfg.block_tokens,
                                      err)) != BLIS_OK)
            return st;
        r->trace.time_scale = r->trace_time_scale;
        r->have_trace = 1;
        r->trace_len = len;
        src->next = blis__run_trace_next;
        src->user = &r->trace;
        return BLIS_OK;
    }
    {
        blis_legacy_workload w;
        memset(&w, 0, sizeof w);
        if (!strcmp(a->workload, "distribution")) {
            w.prefix_tokens = a->prefix;
            w.prompt_mean = a->p_mean, w.prompt_std = a->p_std, w.prompt_min = a->p_min, w.prompt_max = a->p_max;
            w.output_mean = a->o_mean, w.output_std = a->o_std, w.output_min = a->o_min, w.output_max = a->o_max;
        } else {
            if ((st = blis__run_defaults_doc(r, err)) != BLIS_OK) return st;
            if ((st = blis_defaults_workload(&r->defaults, a->workload, &w, err)) != BLIS_OK)
                return blis__run_plain(err, st);
        }
        w.rate_per_s = a->rate_per_s;
        w.num_requests = a->num_requests;
        w.arrival = (blis_arrival_kind)blis_arrival_kind_parse(a->arrival);
        w.arrival_cv = a->arrival_cv;
        if ((st = blis_legacy_workload_validate(&w, err)) != BLIS_OK) return blis__run_plain(err, st);
        if ((st = blis_legacy_gen_init(&r->gen, &w, a->seed, r->cfg.horizon_us, r->cfg.block_tokens, NULL, NULL, NULL,
                                       err)) != BLIS_OK)
            return blis__run_plain(err, st);
        r->have_gen = 1;
        r->legacy_w = w;
        if (r->cfg.horizon_us == INT64_MAX) r->progress_total = a->num_requests;
        src->next = blis__run_gen_next;
        src->user = &r->gen;
        return BLIS_OK;
    }
}

/* The workload opened again as the lag source of compact waiting requests
 * (--waiting-requests compact), when the run allows them: one instance, the
 * FCFS scheduler, no request timeout, no per-request output, no closed-loop
 * client, and for a spec at most BLIS_COMPACT_MAX_CLIENTS clients (a second
 * copy of a larger spec's generator, an RNG per client, would hold more than
 * the queue saves). */
static blis_status blis__run_open_lag(blis_run *r, blis_err *err) {
    blis_status st;
    if (strcmp(r->opt.waiting_requests, "compact") != 0 || r->cc.num_instances != 1 || r->cc.client_max_inflight > 0 ||
        !blis__lag_allowed(&r->cc.instance))
        return BLIS_OK;
    if (r->have_spec_gen) {
        if (r->spec.client_count > BLIS_COMPACT_MAX_CLIENTS) return BLIS_OK;
        if ((st = blis_spec_gen_init(&r->spec_gen_lag, &r->spec, r->lag_seed, r->cfg.horizon_us, r->lag_max_requests,
                                     r->cfg.block_tokens, NULL, err)) != BLIS_OK)
            return st;
        r->have_spec_gen_lag = 1;
        r->lag_source.next = blis__run_spec_next;
        r->lag_source.user = &r->spec_gen_lag;
    } else if (r->have_trace) {
        blis_parse_opts opts;
        memset(&opts, 0, sizeof opts);
        opts.source = r->opt.traces;
        if ((st = blis_trace_gen_init(&r->trace_lag, r->trace_src, r->trace_len, &opts, r->cfg.horizon_us,
                                      r->cfg.block_tokens, err)) != BLIS_OK)
            return st;
        r->trace_lag.time_scale = r->trace_time_scale;
        r->have_trace_lag = 1;
        r->lag_source.next = blis__run_trace_next;
        r->lag_source.user = &r->trace_lag;
    } else if (r->have_gen) {
        if ((st = blis_legacy_gen_init(&r->gen_lag, &r->legacy_w, r->opt.seed, r->cfg.horizon_us, r->cfg.block_tokens,
                                       NULL, NULL, NULL, err)) != BLIS_OK)
            return blis__run_plain(err, st);
        r->have_gen_lag = 1;
        r->lag_source.next = blis__run_gen_next;
        r->lag_source.user = &r->gen_lag;
    }
    return BLIS_OK;
}

BLIS_DEF blis_status blis_run_configure(blis_run *r, const blis_run_options *opts, const blis_run_env *env,
                                        blis_err *err) {
    blis_run_options *a = &r->opt;
    blis_status st;
    memset(r, 0, sizeof *r);
    r->opt = *opts;
    if (env) r->env = *env;
    r->log_threshold = blis_log_level(a->log);
    if (!a->model || !*a->model)
        return blis__run_fail(err, BLIS_E_INVALID, "LLM name not provided. Exiting simulation.");
    r->model_typed = a->model;
    blis__lower_copy(r->model_lc, sizeof r->model_lc, a->model);
    a->model = r->model_lc;
    if (!blis_run_option_given(a, "defaults-filepath") && !blis__file_exists(a->defaults) && r->env.data_dir) {
        snprintf(r->defaults_path, sizeof r->defaults_path, "%.1000s/defaults.yaml", r->env.data_dir);
        if (blis__file_exists(r->defaults_path))
            a->defaults = r->defaults_path; /* no ./defaults.yaml: the bundled one */
    }
    blis_sim_config_defaults(&r->cfg);
    if ((st = blis__run_check(r, err)) != BLIS_OK) return st;
    if (a->roofline && (st = blis__run_roofline_flag(r, err)) != BLIS_OK) return st;
    if (blis__all_zero(a->alpha) && blis__all_zero(a->beta)) {
        if (!a->model_dir && !a->hw_file) {
            if ((st = blis__run_resolve_defaults(r, 1, err)) != BLIS_OK) return st;
        } else if (!a->roofline && blis__file_exists(a->defaults)) { /* configs given: GPU and TP still default */
            if ((st = blis__run_resolve_defaults(r, 0, err)) != BLIS_OK) return st;
        }
    }
    r->cfg.total_kv_blocks = a->kv_blocks;
    if ((st = blis__run_latency(r, err)) != BLIS_OK) return st;
    if ((st = blis__run_workload(r, &r->source, err)) != BLIS_OK) return st;
    if ((r->cfg.keep_requests || a->spec || a->fitness) && (st = blis__run_kept_limit(r, err)) != BLIS_OK) return st;
    r->cfg.streaming_metrics = !strcmp(a->metrics_mode, "streaming");
    if (!strcmp(a->metrics_mode, "auto") && blis__run_expected_requests(r) > BLIS_EXACT_METRICS_MAX_REQUESTS &&
        !r->cfg.keep_requests) {
        r->cfg.streaming_metrics = 1;
        blis__run_log(r, "warn",
                      "%s%.0f requests: percentiles from streaming histograms (within %.3f%% of the exact ones; "
                      "means exact); --metrics-mode exact keeps every value",
                      r->progress_total > 0 ? "" : "about ", blis__run_expected_requests(r),
                      100 * BLIS_SKETCH_REL_ERROR);
    }
    return blis__run_cluster_config(r, err);
}

BLIS_DEF blis_status blis_run_prepare(blis_run *r, const blis_run_options *opts, const blis_run_env *env,
                                      blis_err *err) {
    blis_status st;
    if ((st = blis_run_configure(r, opts, env, err)) != BLIS_OK) return st;
    if ((st = blis__run_open_lag(r, err)) != BLIS_OK) return st;
    if ((st = blis_cluster_init(&r->cluster, &r->cc, r->source, NULL, err)) !=
        BLIS_OK) { /* the first request is read */
        if (!err->source[0] || !strcmp(err->source, "<input>")) err->source[0] = '\0';
        return st;
    }
    r->have_cluster = 1;
    if (r->lag_source.next && r->cluster.n_instances == 1 && r->cc.client_max_inflight <= 0) {
        /* bare arrivals (no hashes until the instance's queue): nothing before it reads them, and every
         * request reaches it */
        int bare = r->have_gen_lag && r->cc.admission == BLIS_ADMIT_ALWAYS && !r->cc.trace_decisions &&
                   r->cc.counterfactual_k == 0 &&
                   (r->cc.routing == BLIS_ROUTE_ROUND_ROBIN || r->cc.routing == BLIS_ROUTE_LEAST_LOADED ||
                    r->cc.routing == BLIS_ROUTE_ALWAYS_BUSIEST);
        if (blis_sim_set_lag_source(&r->cluster.instances[0], r->lag_source, 0, bare) && bare) r->gen.bare = 1;
    }
    r->cluster.cancel = r->env.cancel;
    r->cluster.check_invariants = r->opt.check_invariants;
    r->cluster.progress = r->env.progress;
    r->cluster.progress_user = r->env.progress_user;
    r->cluster.progress_every = r->env.progress ? r->env.progress_every : 0;
    return BLIS_OK;
}

BLIS_DEF blis_status blis_run_execute(blis_run *r, blis_err *err) {
    blis_status st;
    int64_t blocks = 0, too_large = 0;
    int i;
    if (!r->have_cluster || r->executed)
        return blis__run_fail(err, BLIS_E_INTERNAL, "blis_run_execute: the run is not prepared, or ran already");
    r->executed = 1;
    if ((st = blis_cluster_run(&r->cluster, err)) != BLIS_OK) {
        if (!strcmp(err->source, "<input>")) err->source[0] = '\0';
        return st;
    }
    /* requests that could never fit the cache (dropped at a stall, spec §3.6 and README) */
    for (i = 0; i < r->cluster.n_instances; i++) {
        blocks = r->cluster.instances[i].kv.total_blocks;
        too_large += r->cluster.instances[i].dropped_too_large;
    }
    if (too_large)
        blis__run_log(r, "warn",
                      "%lld requests dropped as unservable: input and output need more KV blocks than the whole "
                      "cache holds (%lld blocks of %lld tokens per instance); give more --total-kv-blocks",
                      (long long)too_large, (long long)blocks, (long long)r->cluster.cfg.instance.block_tokens);
    return BLIS_OK;
}

BLIS_DEF void blis_run_free(blis_run *r) {
    if (r->have_cluster) blis_cluster_destroy(&r->cluster);
    if (r->have_policy_doc) blis_doc_free(&r->policy_doc);
    if (r->have_gen) blis_legacy_gen_free(&r->gen);
    if (r->have_trace) blis_trace_gen_free(&r->trace);
    if (r->have_spec_gen) blis_spec_gen_free(&r->spec_gen);
    if (r->have_gen_lag) blis_legacy_gen_free(&r->gen_lag);
    if (r->have_trace_lag) blis_trace_gen_free(&r->trace_lag);
    if (r->have_spec_gen_lag) blis_spec_gen_free(&r->spec_gen_lag);
    if (r->have_spec) blis_workload_spec_free(&r->spec);
    if (r->have_spec_doc) blis_doc_free(&r->spec_doc);
    blis_file_free(NULL, r->trace_src);
    if (r->have_db) blis_mfu_db_free(&r->db);
    if (r->have_defaults) blis_doc_free(&r->defaults);
    memset(r, 0, sizeof *r);
}

/* ---- the record and the document ---- */

BLIS_DEF blis_status blis_run_price(const blis_run *r, double *usd, blis_err *err) {
    const blis_run_options *a = &r->opt;
    char path[1200];
    blis_doc doc;
    blis_status st;
    *usd = NAN;
    if (a->gpu_usd_per_hour != 0) {
        if (!(a->gpu_usd_per_hour > 0) || a->gpu_usd_per_hour > 1e9)
            return blis__flag_error(err, "--gpu-hourly-usd", "a price > 0", "");
        *usd = a->gpu_usd_per_hour;
        return BLIS_OK;
    }
    if (!a->gpu) return BLIS_OK;
    if (a->prices)
        snprintf(path, sizeof path, "%.1100s", a->prices);
    else if (r->env.data_dir)
        snprintf(path, sizeof path, "%.1100s/gpu_prices.json", r->env.data_dir);
    else
        return BLIS_OK;
    if (!a->prices && !blis__file_exists(path)) return BLIS_OK; /* a table is an error only when named */
    if ((st = blis_doc_load(path, 0, &doc, err)) != BLIS_OK) return st;
    st = blis_price_lookup(&doc, a->gpu, usd, err);
    blis_doc_free(&doc);
    return st;
}

static void blis__rv_add(blis_run_record *r, const char *name, int kind, const char *s, int64_t i, double f) {
    blis_run_field *x;
    if (r->n == BLIS_RUN_MAX_FIELDS) return;
    x = &r->f[r->n++];
    x->name = name;
    x->kind = kind == BLIS_RV_F64 && !isfinite(f) ? BLIS_RV_NULL : kind;
    x->s = s;
    x->i = i;
    x->f = f;
}
static void blis__rv_s(blis_run_record *r, const char *name, const char *s) {
    size_t n = s ? strlen(s) + 1 : 0;
    if (s && n <= sizeof r->text - r->text_used) {
        memcpy(r->text + r->text_used, s, n);
        s = r->text + r->text_used;
        r->text_used += n;
    }
    blis__rv_add(r, name, s ? BLIS_RV_STR : BLIS_RV_NULL, s, 0, 0);
}

BLIS_DEF void blis_run_record_copy(blis_run_record *dst, const blis_run_record *src) {
    size_t k;
    const char *lo = (const char *)src, *hi = lo + sizeof *src;
    memcpy(dst, src, sizeof *dst);
    for (k = 0; k < dst->n; k++) {
        if (dst->f[k].name >= lo && dst->f[k].name < hi) dst->f[k].name = (const char *)dst + (dst->f[k].name - lo);
        if (dst->f[k].s && dst->f[k].s >= lo && dst->f[k].s < hi) dst->f[k].s = (const char *)dst + (dst->f[k].s - lo);
    }
}

static const char *blis__latency_name(blis_latency_kind kind) {
    return kind == BLIS_LATENCY_ROOFLINE_V1   ? "roofline-v1"
           : kind == BLIS_LATENCY_ROOFLINE_V2 ? "roofline-v2"
                                              : "blackbox";
}

BLIS_DEF blis_status blis_run_record_fill(blis_run_record *r, const blis_run *run, const blis_slo_set *slo, double usd,
                                          blis_err *err) {
    blis_metrics m;
    blis_capacity cap;
    blis_slo_result sr;
    blis_status st;
    size_t k;
    int have = run != NULL;
    memset(r, 0, sizeof *r);
    memset(&m, 0, sizeof m);
    memset(&sr, 0, sizeof sr);
    memset(&cap, 0, sizeof cap);
    if (have) {
        const blis_run_options *a = &run->opt;
        const blis_cluster *c = &run->cluster;
        int64_t tp = a->tp > 0 ? a->tp : 1;
        int traces = !a->spec && !strcmp(a->workload, "traces");
        if (!run->executed) return blis__run_fail(err, BLIS_E_INTERNAL, "the run has not been executed");
        if ((st = blis_cluster_metrics(c, -1, &m, err)) != BLIS_OK ||
            (slo->n && (st = blis_cluster_slo_eval(c, &m, slo, &sr, err)) != BLIS_OK))
            return st;
        blis_capacity_compute(&m, tp * c->n_instances, usd, &cap);
        snprintf(r->workload, sizeof r->workload, "%.1090s",
                 a->spec  ? a->spec
                 : traces ? (a->traces ? a->traces : "traces")
                          : a->workload);
        blis__rv_s(r, "model", a->model);
        blis__rv_s(r, "hardware", a->gpu);
        if (a->tp > 0)
            blis__rv_add(r, "tp", BLIS_RV_I64, NULL, a->tp, 0);
        else
            blis__rv_s(r, "tp", NULL);
        blis__rv_add(r, "num_instances", BLIS_RV_I64, NULL, c->n_instances, 0);
        blis__rv_add(r, "gpus", BLIS_RV_I64, NULL, cap.gpus, 0);
        blis__rv_s(r, "latency_model", blis__latency_name(c->cfg.instance.latency.kind));
        /* the GPU whose measurements the step-time constants were fitted on (null: the file does not say) */
        blis__rv_s(r, "calibrated_on",
                   c->cfg.instance.latency.kind != BLIS_LATENCY_BLACKBOX && run->hw.calibrated_on[0]
                       ? run->hw.calibrated_on
                       : NULL);
        /* the assumptions run warns of, as fields: constants fitted on another GPU; an architecture not modelled */
        if (c->cfg.instance.latency.kind != BLIS_LATENCY_BLACKBOX) {
            blis__rv_add(r, "calibration_transferred", BLIS_RV_BOOL, NULL, blis_hw_transferred(&run->hw), 0);
            blis__rv_s(r, "not_modelled",
                       blis_model_not_modelled(&run->model,
                                               c->cfg.instance.latency.kind == BLIS_LATENCY_ROOFLINE_V2 ? 2 : 1,
                                               c->cfg.instance.latency.v1_ext));
        } else {
            blis__rv_s(r, "calibration_transferred", NULL);
            blis__rv_s(r, "not_modelled", NULL);
        }
        blis__rv_s(r, "workload", r->workload);
        if ((a->spec || traces) && !blis_run_option_given(a, "rate"))
            blis__rv_s(r, "rate", NULL);
        else
            blis__rv_add(r, "rate", BLIS_RV_F64, NULL, 0, a->rate_per_s);
        /* the arrival process: a spec's clients name theirs; a trace replays its own */
        blis__rv_s(r, "arrival", a->spec ? "spec" : traces ? "trace" : a->arrival);
        if (!a->spec && !traces && blis_run_option_given(a, "arrival-cv"))
            blis__rv_add(r, "arrival_cv", BLIS_RV_F64, NULL, 0, a->arrival_cv);
        else
            blis__rv_s(r, "arrival_cv", NULL);
        blis__rv_add(r, "seed", BLIS_RV_I64, NULL,
                     a->spec && !blis_run_option_given(a, "seed") && run->have_spec ? run->spec.seed : a->seed, 0);
        blis__rv_add(r, "rejected_requests", BLIS_RV_I64, NULL, c->rejected, 0);
    } else {
        static const char *const head[] = {"model",
                                           "hardware",
                                           "tp",
                                           "num_instances",
                                           "gpus",
                                           "latency_model",
                                           "calibrated_on",
                                           "calibration_transferred",
                                           "not_modelled",
                                           "workload",
                                           "rate",
                                           "arrival",
                                           "arrival_cv",
                                           "seed",
                                           "rejected_requests"};
        for (k = 0; k < sizeof head / sizeof head[0]; k++) blis__rv_s(r, head[k], NULL);
    }
#define BLIS__RM_I(name, v) (have ? blis__rv_add(r, name, BLIS_RV_I64, NULL, v, 0) : blis__rv_s(r, name, NULL))
#define BLIS__RM_F(name, v) (have ? blis__rv_add(r, name, BLIS_RV_F64, NULL, 0, v) : blis__rv_s(r, name, NULL))
    BLIS__RM_I("completed_requests", m.completed);
    BLIS__RM_I("still_queued", m.still_queued);
    BLIS__RM_I("still_running", m.still_running);
    BLIS__RM_I("injected_requests", m.injected);
    BLIS__RM_I("dropped_unservable", m.dropped_unservable);
    BLIS__RM_I("total_input_tokens", m.total_input_tokens);
    BLIS__RM_I("total_output_tokens", m.total_output_tokens);
    BLIS__RM_F("vllm_estimated_duration_s", m.duration_s);
    BLIS__RM_F("responses_per_sec", m.responses_per_s);
    BLIS__RM_F("tokens_per_sec", m.tokens_per_s);
    BLIS__RM_I("generated_tokens", m.generated_tokens);
    BLIS__RM_F("generated_tokens_per_sec", m.generated_tokens_per_s);
    BLIS__RM_F("e2e_mean_ms", m.e2e_mean_ms);
    BLIS__RM_F("e2e_p90_ms", m.e2e_p90_ms);
    BLIS__RM_F("e2e_p95_ms", m.e2e_p95_ms);
    BLIS__RM_F("e2e_p99_ms", m.e2e_p99_ms);
    BLIS__RM_F("ttft_mean_ms", m.ttft_mean_ms);
    BLIS__RM_F("ttft_p90_ms", m.ttft_p90_ms);
    BLIS__RM_F("ttft_p95_ms", m.ttft_p95_ms);
    BLIS__RM_F("ttft_p99_ms", m.ttft_p99_ms);
    BLIS__RM_F("itl_mean_ms", m.itl_mean_ms);
    BLIS__RM_F("itl_p90_ms", m.itl_p90_ms);
    BLIS__RM_F("itl_p95_ms", m.itl_p95_ms);
    BLIS__RM_F("itl_p99_ms", m.itl_p99_ms);
    BLIS__RM_F("scheduling_delay_p99_ms", m.scheduling_delay_p99_ms);
    BLIS__RM_I("preemption_count", m.preemptions);
    BLIS__RM_I("kv_allocation_failures", m.kv_allocation_failures);
    BLIS__RM_F("cache_hit_rate", m.cache_hit_rate);
    BLIS__RM_F("preemption_rate", m.preemption_rate);
    BLIS__RM_F("kv_thrashing_rate", m.kv_thrashing_rate);
    /* steady state (blis_flow_steady): the window without warm-up and drain */
    if (have)
        blis__rv_s(r, "steady_state", blis_steady_status_name(m.steady.status));
    else
        blis__rv_s(r, "steady_state", NULL);
    {
        int judged = m.steady.status == BLIS_STEADY_OK || m.steady.status == BLIS_STEADY_SATURATED;
        BLIS__RM_F("steady_offered_per_sec", judged ? m.steady.offered_per_s : NAN);
        BLIS__RM_F("steady_responses_per_sec", judged ? m.steady.achieved_per_s : NAN);
        BLIS__RM_F("steady_window_start_s", judged ? m.steady.window_start_s : NAN);
        BLIS__RM_F("steady_window_end_s", judged ? m.steady.window_end_s : NAN);
        if (have && judged)
            blis__rv_add(r, "steady_queue_growth", BLIS_RV_I64, NULL, m.steady.growth, 0);
        else
            blis__rv_s(r, "steady_queue_growth", NULL);
    }
    BLIS__RM_F("tokens_per_sec_per_gpu", cap.tokens_per_s_per_gpu);
    BLIS__RM_F("requests_per_sec_per_gpu", cap.requests_per_s_per_gpu);
    BLIS__RM_F("tokens_per_sec_per_user", cap.tokens_per_s_per_user);
    BLIS__RM_F("usd_per_gpu_hour", have ? cap.usd_per_gpu_hour : NAN);
    BLIS__RM_F("usd_per_hour", have ? cap.usd_per_hour : NAN);
    BLIS__RM_F("usd_per_million_output_tokens", have ? cap.usd_per_million_output_tokens : NAN);
    if (slo->n) {
        blis_slo_format(slo, r->slo_text, sizeof r->slo_text);
        blis__rv_s(r, "slo", have ? r->slo_text : NULL);
        if (have)
            blis__rv_add(r, "slo_pass", BLIS_RV_BOOL, NULL, sr.pass, 0);
        else
            blis__rv_s(r, "slo_pass", NULL);
        if (slo->min_attainment > 0) /* the goodput rule (--slo-attainment) */
            blis__rv_add(r, "slo_min_attainment", BLIS_RV_F64, NULL, 0, slo->min_attainment);
        else
            blis__rv_s(r, "slo_min_attainment", NULL);
        BLIS__RM_F("slo_attainment", sr.attainment_all);
        BLIS__RM_F("goodput_requests_per_sec", sr.goodput_requests_per_s);
        BLIS__RM_F("goodput_tokens_per_sec", sr.goodput_tokens_per_s);
        BLIS__RM_I("unserved_requests", sr.unserved);
        for (k = 0; k < slo->n; k++) {
            snprintf(r->obj_names[k][0], 48, "%.40s_met", slo->slo[k].name);
            snprintf(r->obj_names[k][1], 48, "%.34s_attainment", slo->slo[k].name);
            if (have)
                blis__rv_add(r, r->obj_names[k][0], BLIS_RV_BOOL, NULL, sr.met[k], 0);
            else
                blis__rv_s(r, r->obj_names[k][0], NULL);
            BLIS__RM_F(r->obj_names[k][1], sr.attainment[k]);
        }
    }
#undef BLIS__RM_I
#undef BLIS__RM_F
    return BLIS_OK;
}

BLIS_DEF void blis_run_field_write(blis_jw *w, const blis_run_field *x) {
    blis_jw_key(w, x->name);
    switch (x->kind) {
    case BLIS_RV_STR: blis_jw_str(w, x->s); break;
    case BLIS_RV_I64: blis_jw_i64(w, x->i); break;
    case BLIS_RV_F64: blis_jw_f64(w, x->f); break;
    case BLIS_RV_BOOL: blis_jw_bool(w, (int)x->i); break;
    default: blis_jw_null(w);
    }
}

BLIS_DEF blis_status blis_run_write_json(const blis_run *run, blis_jw *w, blis_err *err) {
    blis_run_record *rec;
    blis_slo_set slo;
    double usd;
    blis_status st;
    size_t k;
    int i;
    memset(&slo, 0, sizeof slo);
    if (run->opt.slo && (st = blis_slo_parse(run->opt.slo, &slo, err)) != BLIS_OK) {
        char msg[BLIS_ERR_MSG_MAX];
        blis__copy_cstr(msg, sizeof msg, err->msg);
        return blis__run_fail(err, st, "--slo: %.1000s", msg);
    }
    slo.min_attainment = run->opt.slo_attainment;
    if ((st = blis_run_price(run, &usd, err)) != BLIS_OK) return st;
    if (!(rec = (blis_run_record *)blis__alloc(NULL, sizeof *rec))) return blis__nomem(err);
    if ((st = blis_run_record_fill(rec, run, &slo, usd, err)) != BLIS_OK) {
        blis__free(NULL, rec);
        return st;
    }
    blis_jw_object_begin(w);
    blis_jw_key_str(w, "blis_version", BLIS_VERSION);
    for (k = 0; k < rec->n; k++) blis_run_field_write(w, &rec->f[k]);
    blis__free(NULL, rec);
    if (run->cluster.n_instances > 1) {
        blis_jw_key(w, "instances");
        blis_jw_array_begin(w);
        for (i = 0; i < run->cluster.n_instances; i++) {
            blis_metrics m;
            char id[32];
            if ((st = blis_cluster_metrics(&run->cluster, i, &m, err)) != BLIS_OK) return st;
            snprintf(id, sizeof id, "instance_%d", i);
            blis_metrics_write(&m, id, w);
        }
        blis_jw_array_end(w);
    }
    blis_jw_object_end(w);
    return BLIS_OK;
}

/* The results file, when the options name one, through a temporary file
 * renamed into place (libc only). */
static blis_status blis__run_write_results(const blis_run *run, blis_err *err) {
    char tmp[1200];
    blis_metrics m;
    blis_jw w;
    blis_status st;
    FILE *f;
    int bad;
    if ((st = blis_cluster_metrics(&run->cluster, -1, &m, err)) != BLIS_OK) return st;
    snprintf(tmp, sizeof tmp, "%.1100s.blis-tmp", run->opt.results);
    if (!(f = fopen(tmp, "wb")))
        return blis__run_fail(err, BLIS_E_IO, "%s: cannot write the results file: %s", run->opt.results,
                              strerror(errno));
    blis_jw_init(&w, blis__file_write, f, 2);
    bad = blis_cluster_results_write(&run->cluster, &m, &w, err) != BLIS_OK || blis_jw_finish(&w) != BLIS_OK;
    bad |= fputc('\n', f) == EOF;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, run->opt.results) != 0) {
        remove(tmp);
        return blis__run_fail(err, BLIS_E_IO, "%s: cannot write the results file", run->opt.results);
    }
    return BLIS_OK;
}

/* err.msg made whole for a caller that shows only the message: the file,
 * line, column and field in front, the hint after. */
static void blis__run_msg_whole(blis_err *err, const char *hint) {
    char msg[BLIS_ERR_MSG_MAX];
    size_t n;
    if (err->source[0]) {
        char where[BLIS_ERR_SOURCE_MAX + BLIS_ERR_PATH_MAX + 64];
        if (err->line)
            snprintf(where, sizeof where, "%s:%lu:%lu: ", err->source, (unsigned long)err->line,
                     (unsigned long)err->col);
        else
            snprintf(where, sizeof where, "%s: ", err->source);
        if (err->path[0]) snprintf(where + strlen(where), sizeof where - strlen(where), "%s: ", err->path);
        snprintf(msg, sizeof msg, "%.500s%.500s", where, err->msg);
        blis__copy_cstr(err->msg, sizeof err->msg, msg);
    }
    n = strlen(err->msg);
    if (hint && hint[0]) snprintf(err->msg + n, sizeof err->msg - n, " (hint: %s)", hint);
}

/* The options text of a JSON call parsed; *root its object. */
static blis_status blis__options_doc(const char *json, size_t len, blis_doc *doc, const blis_node **root,
                                     blis_err *err) {
    blis_parse_opts po;
    blis_status st;
    memset(&po, 0, sizeof po);
    po.source = "<options>";
    if ((st = blis_json_parse(json, len, &po, doc, err)) != BLIS_OK) return st;
    *root = blis_doc_root(doc);
    if ((*root)->kind != BLIS_NODE_OBJECT) {
        blis_doc_free(doc);
        return blis__run_fail(err, BLIS_E_TYPE, "the options must be a JSON object");
    }
    return BLIS_OK;
}

/* key's index in names ('-' and '_' alike), or n. */
static size_t blis__option_index(const char *const *names, size_t n, const char *key) {
    size_t k, j;
    for (k = 0; k < n; k++) {
        for (j = 0; names[k][j] && (names[k][j] == key[j] || (names[k][j] == '_' && key[j] == '-')); j++) {
        }
        if (!names[k][j] && !key[j]) return k;
    }
    return n;
}

/* The end of a JSON call: the document written (st OK) or err's message
 * made whole (hint may be NULL); out freed. */
static blis_status blis__call_end(blis_status st, blis_buf *out, const char *hint, blis_write_fn write, void *user,
                                  blis_err *err) {
    if (st != BLIS_OK) blis__run_msg_whole(err, hint);
    if (st == BLIS_OK && (write(user, out->data ? out->data : "", out->len) != 0 || write(user, "\n", 1) != 0))
        st = blis__run_fail(err, BLIS_E_IO, "cannot write the document");
    blis_buf_free(out);
    return st;
}

BLIS_DEF blis_status blis_run_json(const char *json, size_t len, const blis_run_env *env, blis_write_fn write,
                                   void *user, blis_err *err) {
    blis_doc doc;
    const blis_node *root;
    blis_run_options o;
    blis_run *run = NULL;
    blis_buf out;
    blis_jw w;
    blis_status st;
    char hint[512] = "";
    memset(&out, 0, sizeof out);
    if ((st = blis__options_doc(json, len, &doc, &root, err)) != BLIS_OK)
        return blis__call_end(st, &out, NULL, write, user, err);
    blis_run_options_init(&o);
    st = blis_run_options_from_json(&o, &doc, root, err);
    blis_doc_free(&doc);
    if (st == BLIS_OK && !(run = (blis_run *)blis__alloc(NULL, sizeof *run))) st = blis__nomem(err);
    if (st == BLIS_OK) {
        if ((st = blis_run_prepare(run, &o, env, err)) == BLIS_OK && (st = blis_run_execute(run, err)) == BLIS_OK) {
            blis_jw_init(&w, blis_buf_write, &out, 2);
            if ((st = blis_run_write_json(run, &w, err)) == BLIS_OK && (st = blis_jw_finish(&w)) != BLIS_OK)
                blis__run_fail(err, st, "cannot format the document");
            if (st == BLIS_OK && run->opt.results) st = blis__run_write_results(run, err);
        }
        blis__copy_cstr(hint, sizeof hint, run->hint);
        blis_run_free(run);
    }
    blis__free(NULL, run);
    blis_run_options_free(&o);
    return blis__call_end(st, &out, hint, write, user, err);
}

/* ---- step ---- */

static blis_status blis__step_count(const char *flag, const char *s, size_t len, int64_t min, int64_t *out,
                                    const char *whole, blis_err *err) {
    if (blis_parse_i64(s, len, 0, out) != BLIS_OK || *out < min || *out > ((int64_t)1 << 40))
        return blis__flag_error(err, flag, min > 0 ? "a positive integer" : "a non-negative integer", whole);
    return BLIS_OK;
}

/* "CACHED+NEW" (prefill: one request) or "CONTEXT[xCOUNT]" (decode: COUNT
 * requests): *x, *y. */
static blis_status blis__step_parse(const char *v, int prefill, int64_t *x, int64_t *y, blis_err *err) {
    const char *flag = prefill ? "--prefill" : "--decode", *sep = strchr(v, prefill ? '+' : 'x');
    blis_status st;
    *x = 0;
    *y = 1;
    if (prefill && !sep) return blis__flag_error(err, flag, "CACHED+NEW (e.g. 0+2048)", v);
    if ((st = blis__step_count(flag, v, sep ? (size_t)(sep - v) : strlen(v), 0, x, v, err)) != BLIS_OK) return st;
    if (sep && (st = blis__step_count(flag, sep + 1, strlen(sep + 1), 1, y, sep + 1, err)) != BLIS_OK) return st;
    return BLIS_OK;
}

/* The requests of one side of the batch (allocated; free with blis__free). */
static blis_status blis__step_side(const char *const *specs, size_t n, int prefill, blis_step_req **out, size_t *count,
                                   blis_err *err) {
    int64_t total = 0, x, y, j;
    size_t i, at = 0;
    blis_status st;
    *out = NULL;
    *count = 0;
    for (i = 0; i < n; i++) {
        if ((st = blis__step_parse(specs[i], prefill, &x, &y, err)) != BLIS_OK) return st;
        total += prefill ? 1 : y;
        if (total > BLIS_STEP_MAX_REQUESTS)
            return blis__run_fail(err, BLIS_E_LIMIT, "a step holds at most %d requests", BLIS_STEP_MAX_REQUESTS);
    }
    if (!total) return BLIS_OK;
    if (!(*out = (blis_step_req *)blis__alloc(NULL, (size_t)total * sizeof **out))) return blis__nomem(err);
    for (i = 0; i < n; i++) {
        blis__step_parse(specs[i], prefill, &x, &y, err);
        for (j = 0; j < (prefill ? 1 : y); j++, at++) {
            (*out)[at].progress_tokens = x;
            (*out)[at].new_tokens = prefill ? y : 1;
        }
    }
    *count = at;
    return BLIS_OK;
}

BLIS_DEF blis_status blis_step_write_json(const blis_step_options *o, const blis_run_env *env, blis_jw *w,
                                          blis_err *err) {
    blis_run *r;
    blis_step_req *prefill = NULL, *decode = NULL;
    size_t n_prefill = 0, n_decode = 0, i;
    blis_step_batch batch;
    blis_step_breakdown b;
    unsigned ext = BLIS_V1X_ALL;
    int64_t tp = o->tp ? o->tp : 1;
    char model_path[1200], hw_path[1200];
    blis_status st = BLIS_OK;
    if (o->roofline_ext) {
        int flags = blis_v1x_parse(o->roofline_ext);
        if (flags < 0)
            return blis__flag_error(err, "--roofline-ext",
                                    "a list of moe, fused, allreduce, lmhead, gemm, quant, arch (or all, none)",
                                    o->roofline_ext);
        ext = (unsigned)flags;
        if (o->bench_dir)
            return blis__run_fail(err, BLIS_E_INVALID,
                                  "--roofline-ext extends roofline v1; it does not apply with --bench-data-path");
    }
    if (!o->model == !o->model_dir)
        return blis__run_fail(err, BLIS_E_INVALID, "step needs exactly one of --model and --model-config-folder");
    if (!o->gpu) return blis__run_fail(err, BLIS_E_INVALID, "step needs --hardware GPU");
    if (tp < 1 || tp > 1024)
        return blis__flag_error(err, "--tp", "a tensor-parallel degree of at most 1024", tp < 1 ? "0" : "> 1024");
    if ((st = blis__step_side(o->prefill, o->n_prefill, 1, &prefill, &n_prefill, err)) == BLIS_OK)
        st = blis__step_side(o->decode, o->n_decode, 0, &decode, &n_decode, err);
    if (st != BLIS_OK || !(r = (blis_run *)blis__alloc(NULL, sizeof *r))) {
        blis__free(NULL, prefill);
        blis__free(NULL, decode);
        return st != BLIS_OK ? st : blis__nomem(err);
    }
    memset(r, 0, sizeof *r); /* the run's resolution, for the model's config and the bundled files */
    if (env) r->env = *env;
    r->log_threshold = 3;
    r->opt.defaults = "";
    if (r->env.data_dir) {
        snprintf(r->defaults_path, sizeof r->defaults_path, "%.1000s/defaults.yaml", r->env.data_dir);
        r->opt.defaults = r->defaults_path;
    }
    if (o->model_dir) {
        snprintf(model_path, sizeof model_path, "%.1100s/config.json", o->model_dir);
    } else {
        r->model_typed = o->model;
        blis__lower_copy(r->model_lc, sizeof r->model_lc, o->model);
        if ((st = blis__run_model_dir(r, 1, err)) == BLIS_OK)
            snprintf(model_path, sizeof model_path, "%.1100s/config.json", r->model_dir);
    }
    if (st == BLIS_OK) st = blis_model_config_load(model_path, tp, &r->model, err);
    if (st == BLIS_OK && o->kv_dtype && blis_model_config_set_kv_dtype(&r->model, o->kv_dtype, err)) {
        char msg[BLIS_ERR_MSG_MAX];
        blis__copy_cstr(msg, sizeof msg, err->msg);
        st = blis__run_fail(err, BLIS_E_INVALID, "--kv-cache-dtype: %.1000s", msg);
    }
    if (st == BLIS_OK) {
        if (o->hw_file)
            snprintf(hw_path, sizeof hw_path, "%.1100s", o->hw_file);
        else if (r->env.data_dir)
            snprintf(hw_path, sizeof hw_path, "%.1000s/%s", r->env.data_dir,
                     !o->bench_dir && ext ? "hardware_calibrated.json" : "hardware_config.json");
        else
            st = blis__run_fail(err, BLIS_E_INVALID, "no --hardware-config and no bundled data; set BLIS_DATA_DIR");
    }
    if (st == BLIS_OK) st = blis_hw_config_load(hw_path, o->gpu, o->bench_dir ? 2 : 1, &r->hw, err);
    if (st == BLIS_OK) blis__run_warn_assumptions(r, hw_path, o->bench_dir ? 2 : 1, ext);
    batch.prefill = prefill;
    batch.prefill_count = n_prefill;
    batch.decode = decode;
    batch.decode_count = n_decode;
    if (st == BLIS_OK && !o->bench_dir) {
        st = blis_roofline_v1x_step(&r->model, &r->hw, (int)tp, ext, &batch, &b, err);
    } else if (st == BLIS_OK) {
        r->opt.bench_dir = o->bench_dir; /* the run's roofline v2 set-up: the tables checked and loaded */
        r->opt.gpu = o->gpu;
        if (!r->env.list_dir)
            st = blis__run_fail(err, BLIS_E_INVALID,
                                "--bench-data-path needs a directory lister (blis_run_env.list_dir)");
        if (st == BLIS_OK) st = blis__run_mfu(r, err);
        if (st == BLIS_OK) st = blis_roofline_v2_step(&r->model, &r->hw, &r->db, (int)tp, &batch, &b, err);
    }
    if (st == BLIS_OK) {
        blis_jw_object_begin(w);
        blis_jw_key_i64(w, "step_time_us", b.step_time_us);
        blis_jw_key_i64(w, "roofline", b.version);
        if (b.version == 1) { /* the extensions in use, named in a fixed order */
            char names[64];
            blis_v1x_format(ext, ',', names, sizeof names);
            blis_jw_key_str(w, "roofline_ext", names);
        }
        blis_jw_key_str(w, "model", o->model ? o->model : o->model_dir);
        blis_jw_key_str(w, "model_config", model_path);
        blis_jw_key_str(w, "hardware", r->hw.gpu[0] ? r->hw.gpu : o->gpu); /* the entry an alias named */
        blis_jw_key_str(w, "hardware_config", hw_path);
        blis_jw_key(w, "calibrated_on");
        if (r->hw.calibrated_on[0])
            blis_jw_str(w, r->hw.calibrated_on);
        else
            blis_jw_null(w);
        blis_jw_key_f64(w, "weight_bytes_per_param", b.weight_bytes_per_param);
        blis_jw_key_f64(w, "kv_bytes_per_param", b.kv_bytes_per_param);
        if (r->model.quant_method[0]) blis_jw_key_str(w, "quant_method", r->model.quant_method);
        blis_jw_key_i64(w, "tp", tp);
        if (o->bench_dir) blis_jw_key_str(w, "attention_config", r->db.attn_config);
        blis_jw_key(w, "batch");
        blis_jw_object_begin(w);
        blis_jw_key(w, "prefill");
        blis_jw_array_begin(w);
        for (i = 0; i < o->n_prefill; i++) blis_jw_str(w, o->prefill[i]);
        blis_jw_array_end(w);
        blis_jw_key(w, "decode");
        blis_jw_array_begin(w);
        for (i = 0; i < o->n_decode; i++) blis_jw_str(w, o->decode[i]);
        blis_jw_array_end(w);
        blis_jw_object_end(w);
        blis_jw_key(w, "breakdown");
        blis_step_breakdown_write(w, &b);
        if (!o->bench_dir && (ext & BLIS_V1X_ARCH)) { /* the counts under the figures, to check by hand */
            blis_model_shape sh;
            blis_model_shape_of(&r->model, &sh);
            blis_jw_key(w, "shape");
            blis_model_shape_write(w, &sh, (int)tp);
        }
        blis_jw_object_end(w);
    }
    if (st != BLIS_OK && r->hint[0]) {
        size_t n = strlen(err->msg);
        snprintf(err->msg + n, sizeof err->msg - n, " (hint: %s)", r->hint);
    }
    if (r->have_db) blis_mfu_db_free(&r->db);
    blis__free(NULL, r);
    blis__free(NULL, prefill);
    blis__free(NULL, decode);
    return st;
}

/* The strings of a JSON array (or one string) member into a NULL-free list. */
static blis_status blis__json_str_list(const blis_doc *doc, const blis_node *v, const char *name, const char ***out,
                                       size_t *n, blis_err *err) {
    size_t i, count = v->kind == BLIS_NODE_ARRAY ? v->count : 1;
    if (v->kind != BLIS_NODE_ARRAY && v->kind != BLIS_NODE_STRING)
        return blis_err_set(err, BLIS_E_TYPE, v->line, v->col, "%s: expected an array of strings", name);
    if (!(*out = (const char **)blis__alloc(NULL, (count ? count : 1) * sizeof **out))) return blis__nomem(err);
    for (i = 0; i < count; i++) {
        const blis_node *x = v->kind == BLIS_NODE_ARRAY ? blis_node_at(doc, v, i) : v;
        if (x->kind != BLIS_NODE_STRING)
            return blis_err_set(err, BLIS_E_TYPE, x->line, x->col, "%s: expected an array of strings", name);
        (*out)[i] = x->as.string;
    }
    *n = count;
    return BLIS_OK;
}

BLIS_DEF blis_status blis_step_json(const char *json, size_t len, const blis_run_env *env, blis_write_fn write,
                                    void *user, blis_err *err) {
    static const char *const names[] = {
        "model",          "model_config_folder", "hardware", "hardware_config", "bench_data_path",
        "kv_cache_dtype", "roofline_ext",        "tp",       "prefill",         "decode"};
    blis_doc doc;
    blis_step_options o;
    const blis_node *root;
    const char **prefill = NULL, **decode = NULL;
    blis_buf out;
    blis_jw w;
    blis_status st;
    uint32_t i;
    memset(&o, 0, sizeof o);
    memset(&out, 0, sizeof out);
    if ((st = blis__options_doc(json, len, &doc, &root, err)) != BLIS_OK) return st;
    for (i = 0; st == BLIS_OK && i < root->count; i++) {
        const char *key = blis_node_key_at(&doc, root, i)->as.string;
        const blis_node *v = blis_node_at(&doc, root, i);
        size_t k = blis__option_index(names, sizeof names / sizeof names[0], key);
        if (k == sizeof names / sizeof names[0]) {
            st = blis_err_set(err, BLIS_E_INVALID, v->line, v->col, "unknown step option \"%s\"", key);
        } else if (k == 7) {
            if (v->kind != BLIS_NODE_NUMBER || !(v->flags & BLIS_NODE_F_INT_LITERAL))
                st = blis_err_set(err, BLIS_E_TYPE, v->line, v->col, "tp: expected an integer");
            else
                o.tp = (int64_t)v->as.number;
        } else if (k >= 8) {
            st = blis__json_str_list(&doc, v, key, k == 8 ? &prefill : &decode, k == 8 ? &o.n_prefill : &o.n_decode,
                                     err);
        } else if (v->kind != BLIS_NODE_STRING) {
            st = blis_err_set(err, BLIS_E_TYPE, v->line, v->col, "%s: expected a string", key);
        } else {
            const char **field[] = {&o.model,     &o.model_dir, &o.gpu,         &o.hw_file,
                                    &o.bench_dir, &o.kv_dtype,  &o.roofline_ext};
            *field[k] = v->as.string;
        }
    }
    o.prefill = prefill;
    o.decode = decode;
    if (st == BLIS_OK) {
        blis_jw_init(&w, blis_buf_write, &out, 2);
        if ((st = blis_step_write_json(&o, env, &w, err)) == BLIS_OK && (st = blis_jw_finish(&w)) != BLIS_OK)
            blis__run_fail(err, st, "cannot format the document");
    }
    blis__free(NULL, (void *)prefill);
    blis__free(NULL, (void *)decode);
    blis_doc_free(&doc);
    return blis__call_end(st, &out, NULL, write, user, err);
}

/* ---- evaluate ---- */

static const char *const blis__eval_metric_names[BLIS_EVAL_METRICS] = {"ttft_mean", "ttft_p90", "ttft_p99", "e2e_mean",
                                                                       "e2e_p90",   "e2e_p99",  "itl_mean"};
static const char *const blis__eval_stage_names[3] = {"ttft_mean", "e2e_mean", "itl_mean"};

BLIS_DEF const char *blis_eval_metric_name(int k) {
    return k >= 0 && k < BLIS_EVAL_METRICS ? blis__eval_metric_names[k] : "";
}
BLIS_DEF const char *blis_eval_stage_name(int k) { return k >= 0 && k < 3 ? blis__eval_stage_names[k] : ""; }

BLIS_DEF void blis_eval_options_init(blis_eval_options *o) {
    memset(o, 0, sizeof *o);
    o->v1_ext = BLIS_V1X_ALL; /* roofline v1's default (--roofline-ext none: the reference) */
    o->client_cap = 256;
    o->client_timeout_s = -1;
    o->seed = 42;
}

static double blis__eval_pick(const blis_metrics *m, int k) {
    switch (k) {
    case 0: return m->ttft_mean_ms;
    case 1: return m->ttft_p90_ms;
    case 2: return m->ttft_p99_ms;
    case 3: return m->e2e_mean_ms;
    case 4: return m->e2e_p90_ms;
    case 5: return m->e2e_p99_ms;
    default: return m->itl_mean_ms;
    }
}

BLIS_DEF blis_status blis_evaluation_open(blis_evaluation *ev, const blis_eval_options *opts, const blis_run_env *env,
                                          blis_err *err) {
    const char *slash;
    blis_status st;
    memset(ev, 0, sizeof *ev);
    ev->opt = *opts;
    if (env) ev->env = *env;
    if (!opts->ground_truth) return blis__run_fail(err, BLIS_E_INVALID, "evaluate needs --ground-truth FILE");
    if (opts->bench_dir) { /* refuse the tables run and step refuse */
        blis_run *r = (blis_run *)blis__alloc(NULL, sizeof *r);
        if (!r) return blis__nomem(err);
        memset(r, 0, sizeof *r);
        r->env = ev->env;
        r->opt.bench_dir = opts->bench_dir;
        st = r->env.list_dir ? blis__run_bench_check(r, err) : BLIS_OK;
        blis__free(NULL, r);
        if (st != BLIS_OK) return st;
    }
    if ((st = blis_doc_load(opts->ground_truth, 0, &ev->doc, err)) != BLIS_OK) return st;
    ev->recs = blis_node_get(&ev->doc, blis_doc_root(&ev->doc), "records");
    if (!ev->recs || ev->recs->kind != BLIS_NODE_ARRAY) {
        blis_doc_free(&ev->doc);
        blis_err_clear(err, opts->ground_truth);
        return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                            "expected an object with a \"records\" array (groundtruth README schema)");
    }
    slash = strrchr(opts->ground_truth, '/');
    if (slash)
        snprintf(ev->gt_dir, sizeof ev->gt_dir, "%.*s", (int)(slash - opts->ground_truth), opts->ground_truth);
    else
        snprintf(ev->gt_dir, sizeof ev->gt_dir, ".");
    if (ev->env.data_dir) {
        snprintf(ev->defaults_path, sizeof ev->defaults_path, "%.1000s/defaults.yaml", ev->env.data_dir);
        if (blis__file_exists(ev->defaults_path)) ev->defaults = ev->defaults_path;
    }
    return BLIS_OK;
}

BLIS_DEF int blis_evaluation_wanted(const blis_evaluation *ev, size_t i) {
    const blis_node *idn = blis_node_get(&ev->doc, blis_node_at(&ev->doc, ev->recs, i), "id");
    size_t j;
    if (!ev->opt.n_ids) return 1;
    for (j = 0; j < ev->opt.n_ids; j++)
        if (idn && idn->kind == BLIS_NODE_STRING && !strcmp(idn->as.string, ev->opt.ids[j])) return 1;
    return 0;
}

BLIS_DEF void blis_eval_prep_free(blis_eval_prep *p) {
    if (p->have_trace) blis_eval_trace_free(&p->tr);
    if (p->have_db) blis_mfu_db_free(&p->db);
    p->have_trace = p->have_db = p->ready = 0;
}

BLIS_DEF void blis_eval_prepare(const blis_evaluation *ev, size_t i, blis_eval_prep *p) {
    const blis_eval_options *a = &ev->opt;
    const blis_node *rec = blis_node_at(&ev->doc, ev->recs, i);
    blis_gt_experiment *e = &p->e;
    blis_eval_result *res = &p->res;
    blis_err err;
    char path[1400];
    memset(p, 0, sizeof *p);
    if (blis_gt_experiment_from_doc(&ev->doc, rec, e, &err)) {
        const blis_node *idn = blis_node_get(&ev->doc, rec, "id");
        snprintf(res->id, sizeof res->id, "%s", idn && idn->kind == BLIS_NODE_STRING ? idn->as.string : "(no id)");
        blis_err_format(&err, res->reason, sizeof res->reason);
        res->bad_input = 1;
        return;
    }
    snprintf(res->id, sizeof res->id, "%s", e->id);
    snprintf(res->model, sizeof res->model, "%s", e->model);
    snprintf(res->gpu, sizeof res->gpu, "%s", e->gpu);
    res->tp = e->tp;
    res->dp = e->dp;
    res->measured[0] = e->measured.ttft_mean, res->measured[1] = e->measured.ttft_p90;
    res->measured[2] = e->measured.ttft_p99, res->measured[3] = e->measured.e2e_mean;
    res->measured[4] = e->measured.e2e_p90, res->measured[5] = e->measured.e2e_p99;
    res->measured[6] = e->measured.itl_mean;
    if (!e->gpu[0]) {
        snprintf(res->reason, sizeof res->reason, "GPU \"%s\" has no bundled hardware entry", e->device);
        return;
    }
    if (e->disaggregated) { /* said, not simulated as another deployment (not bad input: a limit of blis) */
        snprintf(res->reason, sizeof res->reason,
                 "disaggregated prefill/decode (flags.disaggregated or mode \"disagg\"): blis does not simulate "
                 "disaggregated serving yet, and an aggregated run would predict another deployment");
        return;
    }
    if (e->expert_parallel > 1 || e->attention_dp > 1) { /* the same: a deployment blis does not model yet */
        snprintf(res->reason, sizeof res->reason,
                 "expert parallelism (moe_ep_size %lld) or data-parallel attention (attention_dp_size %lld): blis "
                 "models tensor parallelism only, and a TP run would predict another deployment",
                 (long long)e->expert_parallel, (long long)e->attention_dp);
        return;
    }
    if ((!e->trace_path || a->ignore_traces) && e->profile.kind == BLIS_GT_PROFILE_NONE) {
        snprintf(res->reason, sizeof res->reason, "%s%s", e->trace_path ? "" : "no per-request trace, and ",
                 e->profile.reason);
        res->bad_input = e->profile.invalid;
        return;
    }
    { /* the model's config: the bundled copies and the cache, no download */
        char lc[256], dir[1100], hint[8];
        blis__lower_copy(lc, sizeof lc, e->model);
        if (!ev->env.resolve_model) {
            snprintf(res->reason, sizeof res->reason, "model config: no model resolver (blis_run_env.resolve_model)");
            return;
        }
        if (ev->env.resolve_model(ev->env.resolve_user, lc, e->model, ev->defaults, 0, dir, sizeof dir, hint,
                                  sizeof hint, NULL, NULL, &err)) {
            snprintf(res->reason, sizeof res->reason, "model config: %.900s", err.msg);
            return;
        }
        snprintf(path, sizeof path, "%.1100s/config.json", dir);
    }
    if (blis_model_config_load(path, p->e.tp, &p->m, &err)) {
        blis_err_format(&err, res->reason, sizeof res->reason);
        return;
    }
    snprintf(res->precision, sizeof res->precision, "%s", p->m.quant_method[0] ? p->m.quant_method : p->m.dtype);
    if (a->hw_file)
        snprintf(path, sizeof path, "%.1100s", a->hw_file);
    else
        snprintf(path, sizeof path, "%.1000s/%s", ev->env.data_dir ? ev->env.data_dir : "data",
                 !a->bench_dir && a->v1_ext ? "hardware_calibrated.json" : "hardware_config.json");
    if (blis_hw_config_load(path, e->gpu, a->bench_dir ? 2 : 1, &p->hw, &err)) {
        blis_err_format(&err, res->reason, sizeof res->reason);
        return;
    }
    if (blis_kv_capacity_blocks(&p->m, &p->hw, (int)e->tp, e->block_size, e->gpu_memory_utilization, &res->kv_derived,
                                &err))
        res->kv_derived = 0;
    res->kv_blocks = e->gpu_kv_blocks > 0 ? e->gpu_kv_blocks : res->kv_derived;
    if (res->kv_blocks <= 0) {
        snprintf(res->reason, sizeof res->reason, "no GPU KV block count stated and none derivable: %.900s", err.msg);
        return;
    }
    /* the load generator: a closed loop when it limited the run (or its strategy is one), its timeout */
    e->client_max_inflight = e->client_limited && !a->open_loop ? a->client_cap : 0;
    e->unique_prompts = a->unique_prompts;
    if (a->open_loop)
        e->client_timeout_ms = 0;
    else if (a->client_timeout_s >= 0)
        e->client_timeout_ms = a->client_timeout_s * 1000;
    res->from_profile = !e->trace_path || a->ignore_traces;
    if (res->from_profile) {
        if (blis_gt_profile_inflight(&e->profile) > 0) e->client_max_inflight = blis_gt_profile_inflight(&e->profile);
        if (blis_eval_trace_from_profile(e, a->seed, e->block_size, a->max_requests, NULL, &p->tr, &err)) {
            blis_err_format(&err, res->reason, sizeof res->reason);
            res->bad_input = err.status != BLIS_E_NOMEM; /* a description asking for too many requests */
            return;
        }
    } else {
        if (e->trace_path[0] == '/')
            snprintf(path, sizeof path, "%.1300s", e->trace_path);
        else
            snprintf(path, sizeof path, "%.1000s/%.300s", ev->gt_dir, e->trace_path);
        if (blis_eval_trace_load(e, path, a->max_requests, NULL, &p->tr, &err)) {
            blis_err_format(&err, res->reason, sizeof res->reason);
            res->bad_input = err.status != BLIS_E_NOMEM;
            return;
        }
    }
    p->have_trace = 1;
    res->requests = (int64_t)p->tr.n;
    if (a->bench_dir) {
        blis_mfu_db_init(&p->db, NULL);
        p->have_db = 1;
        if (!ev->env.list_dir) {
            snprintf(res->reason, sizeof res->reason, "--bench-data-path needs a directory lister");
            blis_eval_prep_free(p);
            return;
        }
        if (blis_mfu_db_load_dir(&p->db, a->bench_dir, e->gpu, ev->env.list_dir, ev->env.list_user, &err) ||
            blis_mfu_db_select_model(&p->db, &p->m, &err)) {
            blis_err_format(&err, res->reason, sizeof res->reason);
            blis_eval_prep_free(p);
            return;
        }
    }
    p->ready = 1;
}

BLIS_DEF void blis_eval_run(const blis_evaluation *ev, blis_eval_prep *p, const blis_hw_config *hw) {
    const blis_eval_options *a = &ev->opt;
    blis_cluster_config cc;
    blis_cluster cl;
    blis_eval_source src;
    blis_request_source rs;
    blis_metrics met;
    blis_err err;
    int k;
    clock_t t0 = clock();
    int64_t start_us[BLIS_GT_MAX_STAGES];
    size_t windows, w;
    blis_window_metrics wm[BLIS_GT_MAX_STAGES];
    p->res.ran = 0;
    if (!p->ready) return;
    blis_cluster_config_defaults(&cc);
    cc.num_instances = (int)p->e.dp;
    cc.instance.total_kv_blocks = p->res.kv_blocks;
    cc.instance.block_tokens = p->e.block_size;
    cc.instance.max_running = p->e.max_num_seqs;
    cc.instance.max_scheduled_tokens = p->e.max_num_batched_tokens;
    windows = blis_gt_stage_windows(&p->e, &p->tr, start_us, BLIS_GT_MAX_STAGES);
    cc.instance.keep_requests = windows > 0; /* the per-stage means read the requests */
    cc.instance.kv_cpu_blocks = p->e.cpu_kv_blocks;
    cc.instance.request_timeout_us = (int64_t)(p->e.client_timeout_ms * 1000);
    cc.client_max_inflight = p->e.client_max_inflight;
    cc.instance.latency.kind = a->bench_dir ? BLIS_LATENCY_ROOFLINE_V2 : BLIS_LATENCY_ROOFLINE_V1;
    memcpy(cc.instance.latency.alpha, a->alpha, sizeof a->alpha);
    cc.instance.latency.model = &p->m;
    cc.instance.latency.hw = hw ? hw : &p->hw;
    cc.instance.latency.tp = (int)p->e.tp;
    cc.instance.latency.v1_ext = a->v1_ext;
    if (p->have_db) cc.instance.latency.mfu = &p->db;
    blis_eval_source_init(&src, &p->tr, &p->e, p->e.block_size, NULL);
    rs.next = blis_eval_source_next;
    rs.user = &src;
    if (blis_cluster_init(&cl, &cc, rs, NULL, &err)) {
        blis_err_format(&err, p->res.reason, sizeof p->res.reason);
    } else {
        cl.cancel = ev->env.cancel;
        if (blis_cluster_run(&cl, &err) || blis_cluster_metrics(&cl, -1, &met, &err)) {
            blis_err_format(&err, p->res.reason, sizeof p->res.reason);
        } else {
            if (met.dropped_unservable > 0) { /* the server ran them: the record's KV cannot be what it says */
                snprintf(p->res.reason, sizeof p->res.reason,
                         "%lld of %lld requests do not fit the %lld KV blocks of %lld tokens the record states "
                         "(vllm_config.gpu_kv_blocks, block_size): the measured server ran them",
                         (long long)met.dropped_unservable, (long long)p->res.requests, (long long)p->res.kv_blocks,
                         (long long)p->e.block_size);
                p->res.bad_input = 1;
                blis_cluster_destroy(&cl);
                blis_eval_source_free(&src);
                return;
            }
            for (k = 0; k < BLIS_EVAL_METRICS; k++) p->res.predicted[k] = blis__eval_pick(&met, k);
            p->res.n_stages = 0;
            if (windows && blis_cluster_window_metrics(&cl, start_us, windows, wm, &err) == BLIS_OK) {
                for (w = 0; w < windows; w++) {
                    const blis_gt_measured *m = &p->e.stages[w];
                    p->res.stage_measured[w][0] = m->ttft_mean;
                    p->res.stage_measured[w][1] = m->e2e_mean;
                    p->res.stage_measured[w][2] = m->itl_mean;
                    p->res.stage_predicted[w][0] = wm[w].ttft_mean_ms;
                    p->res.stage_predicted[w][1] = wm[w].e2e_mean_ms;
                    p->res.stage_predicted[w][2] = wm[w].itl_mean_ms;
                }
                p->res.n_stages = windows;
            }
            p->res.ran = 1;
        }
        blis_cluster_destroy(&cl);
    }
    blis_eval_source_free(&src);
    p->res.cpu_s = (double)(clock() - t0) / CLOCKS_PER_SEC;
}

BLIS_DEF blis_status blis_evaluate(blis_evaluation *ev, void (*progress)(void *, size_t, size_t, const char *),
                                   void *user, blis_err *err) {
    blis_eval_prep *p;
    size_t i, j, total = ev->opt.n_ids ? ev->opt.n_ids : ev->recs->count;
    blis__free(NULL, ev->res);
    ev->n = ev->run = 0;
    if (!(ev->res = (blis_eval_result *)blis__alloc(NULL, (ev->recs->count + 1) * sizeof *ev->res)) ||
        !(p = (blis_eval_prep *)blis__alloc(NULL, sizeof *p)))
        return blis__nomem(err);
    for (i = 0; i < ev->recs->count; i++) {
        if (!blis_evaluation_wanted(ev, i)) continue;
        blis_eval_prepare(ev, i, p);
        blis_eval_run(ev, p, NULL);
        ev->res[ev->n] = p->res;
        blis_eval_prep_free(p);
        ev->run += ev->res[ev->n].ran ? 1u : 0u;
        ev->n++;
        if (progress) progress(user, ev->n, total, ev->res[ev->n - 1].id);
        if (ev->env.cancel && *ev->env.cancel) {
            blis__free(NULL, p);
            return blis__run_fail(err, BLIS_E_CANCELLED, "evaluation interrupted");
        }
    }
    blis__free(NULL, p);
    for (i = 0; i < ev->opt.n_ids; i++) { /* an --id that names no record is an error, not silence */
        int found = 0;
        for (j = 0; j < ev->n && !found; j++) found = !strcmp(ev->res[j].id, ev->opt.ids[i]);
        if (!found) {
            blis_err_clear(err, ev->opt.ground_truth);
            return blis_err_set(err, BLIS_E_INVALID, 0, 0, "--id %s: no such record", ev->opt.ids[i]);
        }
    }
    return BLIS_OK;
}

BLIS_DEF double blis_eval_err_pct(const blis_eval_result *r, int k) {
    return (r->predicted[k] - r->measured[k]) / r->measured[k] * 100;
}

static int blis__dbl_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* 1 when the record measured metric k (a positive number): its error counts. */
static int blis__eval_measured(const blis_eval_result *r, int k) { return r->measured[k] > 0; }

BLIS_DEF void blis_eval_summary(const blis_eval_result *res, size_t n, int k, double *mape, double *median,
                                size_t *count) {
    double *v = (double *)malloc((n + 1) * sizeof *v); /* every record (it stopped at 1,024 before) */
    size_t i, c = 0;
    double sum = 0;
    for (i = 0; i < n; i++)
        if (res[i].ran && blis__eval_measured(&res[i], k)) {
            double e = fabs(blis_eval_err_pct(&res[i], k));
            if (v) v[c] = e;
            sum += e;
            c++;
        }
    *count = c;
    *mape = c ? sum / (double)c : NAN;
    if (!v) { /* no memory for the median: said as NaN, the mean still exact */
        *median = NAN;
        return;
    }
    qsort(v, c, sizeof v[0], blis__dbl_cmp);
    *median = !c ? NAN : c % 2 ? v[c / 2] : (v[c / 2 - 1] + v[c / 2]) / 2;
    free(v);
}

static const char *const blis__eval_by_names[6] = {"model", "gpu", "tp", "dp", "precision", "workload"};

BLIS_DEF blis_status blis_eval_by_parse(const char *list, unsigned *by, blis_err *err) {
    const char *p = list ? list : "";
    *by = 0;
    blis_err_clear(err, "--by");
    while (*p) {
        size_t n = strcspn(p, ","), k;
        for (k = 0; k < 6; k++)
            if (n == strlen(blis__eval_by_names[k]) && !strncmp(p, blis__eval_by_names[k], n)) break;
        if (k == 6)
            return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                                "expected a list of model, gpu, tp, dp, precision, workload; got \"%.*s\"",
                                (int)(n > 60 ? 60 : n), p);
        *by |= 1u << k;
        p += n + (p[n] == ',');
        if (p[-1] == ',' && !*p) return blis_err_set(err, BLIS_E_INVALID, 0, 0, "a list ends in a comma");
    }
    if (!*by)
        return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                            "expected at least one of model, gpu, tp, dp, precision, workload");
    return BLIS_OK;
}

BLIS_DEF void blis_eval_group_key(const blis_eval_result *r, unsigned by, char *key, size_t size) {
    size_t at = 0;
    int k;
    key[0] = '\0';
    for (k = 0; k < 6; k++) {
        char v[160];
        int w;
        if (!(by & (1u << k))) continue;
        if (k == 0) snprintf(v, sizeof v, "%s", r->model);
        if (k == 1) snprintf(v, sizeof v, "%s", r->gpu);
        if (k == 2) snprintf(v, sizeof v, "%lld", (long long)r->tp);
        if (k == 3) snprintf(v, sizeof v, "%lld", (long long)r->dp);
        if (k == 4) snprintf(v, sizeof v, "%s", r->precision[0] ? r->precision : "?");
        if (k == 5) snprintf(v, sizeof v, "%s", r->from_profile ? "description" : "trace");
        w = snprintf(key + at, at < size ? size - at : 0, "%s%s=%s", at ? " " : "", blis__eval_by_names[k], v);
        if (w > 0) at += (size_t)w;
        if (at >= size) at = size - 1;
    }
}

BLIS_DEF blis_status blis_eval_groups(const blis_eval_result *res, size_t n, unsigned by, blis_eval_group **out,
                                      size_t *n_out, blis_err *err) {
    blis_eval_group *g = (blis_eval_group *)calloc(n + 1, sizeof *g);
    size_t i, j, m = 0;
    int k;
    *out = NULL;
    *n_out = 0;
    if (!g) return blis__nomem(err);
    for (i = 0; i < n; i++) {
        char key[sizeof g->key];
        if (!res[i].ran) continue;
        blis_eval_group_key(&res[i], by, key, sizeof key);
        for (j = 0; j < m && strcmp(g[j].key, key) != 0; j++) {
        }
        if (j == m) memcpy(g[m++].key, key, sizeof key);
        g[j].n++;
        for (k = 0; k < BLIS_EVAL_METRICS; k++)
            if (blis__eval_measured(&res[i], k)) {
                g[j].mape[k] += fabs(blis_eval_err_pct(&res[i], k));
                g[j].count[k]++;
            }
    }
    for (j = 0; j < m; j++)
        for (k = 0; k < BLIS_EVAL_METRICS; k++)
            g[j].mape[k] = g[j].count[k] ? g[j].mape[k] / (double)g[j].count[k] : NAN;
    *out = g;
    *n_out = m;
    return BLIS_OK;
}

BLIS_DEF double blis_eval_stage_err_pct(const blis_eval_result *r, size_t s, int k) {
    return (r->stage_predicted[s][k] - r->stage_measured[s][k]) / r->stage_measured[s][k] * 100;
}

BLIS_DEF double blis_eval_stage_mape(const blis_eval_result *res, size_t n, int k, size_t *count) {
    double sum = 0;
    size_t i, s, c = 0;
    for (i = 0; i < n; i++)
        for (s = 0; res[i].ran && s < res[i].n_stages; s++) {
            double e = blis_eval_stage_err_pct(&res[i], s, k);
            if (e == e && res[i].stage_measured[s][k] > 0) {
                sum += fabs(e);
                c++;
            }
        }
    *count = c;
    return c ? sum / (double)c : NAN;
}

static void blis__eval_jw_num(blis_jw *w, const char *key, double v) {
    if (v == v && v - v == 0) {
        blis_jw_key_f64(w, key, v);
    } else {
        blis_jw_key(w, key);
        blis_jw_null(w);
    }
}

/* key: {metric: value, ...} over the evaluation's metrics. */
static void blis__eval_jw_metrics(blis_jw *w, const char *key, const double *v) {
    int k;
    blis_jw_key(w, key);
    blis_jw_object_begin(w);
    for (k = 0; k < BLIS_EVAL_METRICS; k++) blis__eval_jw_num(w, blis__eval_metric_names[k], v[k]);
    blis_jw_object_end(w);
}

/* key: the mean (which 0) or median (1) absolute percentage error per metric. */
static void blis__eval_jw_summary(blis_jw *w, const char *key, const blis_eval_result *res, size_t n, int which) {
    double v[BLIS_EVAL_METRICS];
    int k;
    for (k = 0; k < BLIS_EVAL_METRICS; k++) {
        double mape, med;
        size_t c;
        blis_eval_summary(res, n, k, &mape, &med, &c);
        v[k] = which ? med : mape;
    }
    blis__eval_jw_metrics(w, key, v);
}

BLIS_DEF void blis_evaluation_write_json(const blis_evaluation *ev, blis_jw *w) {
    blis_evaluation_write_json_by(ev, 0, w);
}

/* "by": the groups' errors (blis_eval_groups); nothing when none can be made. */
static void blis__eval_jw_by(blis_jw *w, const blis_evaluation *ev, unsigned by) {
    blis_eval_group *g = NULL;
    size_t m = 0, j;
    char keys[80] = "";
    int k;
    blis_err err;
    for (k = 0; k < 6; k++)
        if (by & (1u << k))
            snprintf(keys + strlen(keys), sizeof keys - strlen(keys), "%s%s", keys[0] ? "," : "",
                     blis__eval_by_names[k]);
    if (blis_eval_groups(ev->res, ev->n, by, &g, &m, &err)) return;
    blis_jw_key(w, "by");
    blis_jw_object_begin(w);
    blis_jw_key_str(w, "keys", keys);
    blis_jw_key(w, "groups");
    blis_jw_array_begin(w);
    for (j = 0; j < m; j++) {
        blis_jw_object_begin(w);
        blis_jw_key_str(w, "key", g[j].key);
        blis_jw_key_i64(w, "n", (int64_t)g[j].n);
        blis__eval_jw_metrics(w, "mape", g[j].mape);
        blis_jw_object_end(w);
    }
    blis_jw_array_end(w);
    blis_jw_object_end(w);
    free(g);
}

BLIS_DEF void blis_evaluation_write_json_by(const blis_evaluation *ev, unsigned by, blis_jw *w) {
    const blis_eval_result *res = ev->res;
    size_t i, j, n = ev->n;
    int k;
    char ext_names[64];
    blis_v1x_format(ev->opt.v1_ext, ',', ext_names, sizeof ext_names);
    blis_jw_object_begin(w);
    blis_jw_key_str(w, "latency_model", ev->opt.bench_dir ? "roofline-v2" : "roofline-v1");
    if (!ev->opt.bench_dir) blis_jw_key_str(w, "roofline_ext", ext_names);
    blis_jw_key_i64(w, "experiments_run", (int64_t)ev->run);
    blis_jw_key(w, "experiments_skipped");
    blis_jw_array_begin(w);
    for (i = 0; i < n; i++)
        if (!res[i].ran) {
            blis_jw_object_begin(w);
            blis_jw_key_str(w, "id", res[i].id);
            blis_jw_key_str(w, "reason", res[i].reason);
            blis_jw_object_end(w);
        }
    blis_jw_array_end(w);
    blis__eval_jw_summary(w, "mape", res, n, 0);
    blis__eval_jw_summary(w, "median_ape", res, n, 1);
    if (by) blis__eval_jw_by(w, ev, by);
    blis_jw_key(w, "stage_mape"); /* per load stage, where records measured their stages */
    blis_jw_object_begin(w);
    for (k = 0; k < 3; k++) {
        size_t c;
        blis__eval_jw_num(w, blis__eval_stage_names[k], blis_eval_stage_mape(res, n, k, &c));
    }
    blis_jw_object_end(w);
    blis_jw_key(w, "results");
    blis_jw_array_begin(w);
    for (i = 0; i < n; i++) {
        double err_pct[BLIS_EVAL_METRICS];
        if (!res[i].ran) continue;
        blis_jw_object_begin(w);
        blis_jw_key_str(w, "id", res[i].id);
        blis_jw_key_str(w, "model", res[i].model);
        blis_jw_key_str(w, "gpu", res[i].gpu);
        blis_jw_key_str(w, "precision", res[i].precision);
        blis_jw_key_i64(w, "tp", res[i].tp);
        blis_jw_key_i64(w, "dp", res[i].dp);
        blis_jw_key_i64(w, "requests", res[i].requests);
        blis_jw_key_str(w, "workload", res[i].from_profile ? "description" : "trace");
        blis_jw_key_i64(w, "kv_blocks", res[i].kv_blocks);
        blis_jw_key_i64(w, "kv_blocks_derived", res[i].kv_derived);
        for (k = 0; k < BLIS_EVAL_METRICS; k++) err_pct[k] = blis_eval_err_pct(&res[i], k);
        blis__eval_jw_metrics(w, "measured_ms", res[i].measured);
        blis__eval_jw_metrics(w, "predicted_ms", res[i].predicted);
        blis__eval_jw_metrics(w, "error_pct", err_pct);
        blis_jw_key(w, "stages");
        blis_jw_array_begin(w);
        for (j = 0; j < res[i].n_stages; j++) {
            blis_jw_object_begin(w);
            for (k = 0; k < 3; k++) {
                blis_jw_key(w, blis__eval_stage_names[k]);
                blis_jw_object_begin(w);
                blis__eval_jw_num(w, "measured_ms", res[i].stage_measured[j][k]);
                blis__eval_jw_num(w, "predicted_ms", res[i].stage_predicted[j][k]);
                blis__eval_jw_num(w, "error_pct", blis_eval_stage_err_pct(&res[i], j, k));
                blis_jw_object_end(w);
            }
            blis_jw_object_end(w);
        }
        blis_jw_array_end(w);
        blis_jw_object_end(w);
    }
    blis_jw_array_end(w);
    blis_jw_object_end(w);
}

BLIS_DEF size_t blis_evaluation_bad_inputs(const blis_evaluation *ev) {
    size_t i, bad = 0;
    for (i = 0; i < ev->n; i++) bad += !ev->res[i].ran && ev->res[i].bad_input;
    return bad;
}

BLIS_DEF void blis_evaluation_free(blis_evaluation *ev) {
    if (ev->recs) blis_doc_free(&ev->doc);
    blis__free(NULL, ev->res);
    memset(ev, 0, sizeof *ev);
}

BLIS_DEF blis_status blis_evaluate_json(const char *json, size_t len, const blis_run_env *env, blis_write_fn write,
                                        void *user, blis_err *err) {
    static const char *const names[] = {"ground_truth", "bench_data_path",     "hardware_config", "id",
                                        "open_loop",    "unique_prompts",      "ignore_traces",   "max_requests",
                                        "seed",         "client_max_inflight", "client_timeout",  "roofline_ext",
                                        "alpha_coeffs"};
    blis_doc doc;
    blis_eval_options o;
    blis_evaluation *ev = NULL;
    const blis_node *root;
    const char **ids = NULL;
    blis_buf out;
    blis_jw w;
    blis_status st;
    uint32_t i;
    memset(&out, 0, sizeof out);
    blis_eval_options_init(&o);
    if ((st = blis__options_doc(json, len, &doc, &root, err)) != BLIS_OK) return st;
    for (i = 0; st == BLIS_OK && i < root->count; i++) {
        const char *key = blis_node_key_at(&doc, root, i)->as.string;
        const blis_node *v = blis_node_at(&doc, root, i);
        size_t k = blis__option_index(names, sizeof names / sizeof names[0], key), j;
        double x = 0;
        if (k == sizeof names / sizeof names[0]) {
            st = blis_err_set(err, BLIS_E_INVALID, v->line, v->col, "unknown evaluate option \"%s\"", key);
        } else if (k == 3) {
            st = blis__json_str_list(&doc, v, key, &ids, &o.n_ids, err);
            o.ids = ids;
        } else if (k >= 4 && k <= 6) {
            if (v->kind != BLIS_NODE_BOOL)
                st = blis_err_set(err, BLIS_E_TYPE, v->line, v->col, "%s: expected true or false", key);
            else
                *(k == 4 ? &o.open_loop : k == 5 ? &o.unique_prompts : &o.ignore_traces) = v->as.boolean;
        } else if (k >= 7 && k <= 10) {
            if (v->kind != BLIS_NODE_NUMBER) {
                st = blis_err_set(err, BLIS_E_TYPE, v->line, v->col, "%s: expected a number", key);
                continue;
            }
            x = v->as.number;
            if (k == 10) {
                if (!(x >= 0 && x <= 1e9))
                    st = blis_err_set(err, BLIS_E_RANGE, v->line, v->col, "%s: expected seconds, 0..1e9", key);
                o.client_timeout_s = x;
            } else if (!(v->flags & BLIS_NODE_F_INT_LITERAL) || x < (k == 9 ? 1 : k == 8 ? -9e15 : 0) || x > 9e15) {
                st = blis_err_set(err, BLIS_E_RANGE, v->line, v->col, "%s: expected an integer%s", key,
                                  k == 9   ? " >= 1"
                                  : k == 7 ? " >= 0"
                                           : "");
            } else {
                *(k == 7 ? &o.max_requests : k == 8 ? &o.seed : &o.client_cap) = (int64_t)x;
            }
        } else if (k == 12) {
            if (v->kind != BLIS_NODE_ARRAY || v->count != 3) {
                st = blis_err_set(err, BLIS_E_TYPE, v->line, v->col, "%s: expected an array of 3 numbers", key);
                continue;
            }
            for (j = 0; j < 3 && st == BLIS_OK; j++) {
                const blis_node *c = blis_node_at(&doc, v, j);
                if (c->kind != BLIS_NODE_NUMBER)
                    st = blis_err_set(err, BLIS_E_TYPE, c->line, c->col, "%s: expected an array of 3 numbers", key);
                else
                    o.alpha[j] = c->as.number;
            }
        } else if (v->kind != BLIS_NODE_STRING) {
            st = blis_err_set(err, BLIS_E_TYPE, v->line, v->col, "%s: expected a string", key);
        } else if (k == 11) {
            int flags = blis_v1x_parse(v->as.string);
            if (flags < 0)
                st = blis_err_set(
                    err, BLIS_E_INVALID, v->line, v->col,
                    "%s: expected a list of moe, fused, allreduce, lmhead, gemm, quant, arch (or all, none)", key);
            o.v1_ext = (unsigned)flags;
        } else {
            *(k == 0 ? &o.ground_truth : k == 1 ? &o.bench_dir : &o.hw_file) = v->as.string;
        }
    }
    if (st == BLIS_OK && !(ev = (blis_evaluation *)blis__alloc(NULL, sizeof *ev))) st = blis__nomem(err);
    if (st == BLIS_OK) {
        if ((st = blis_evaluation_open(ev, &o, env, err)) == BLIS_OK &&
            (st = blis_evaluate(ev, NULL, NULL, err)) == BLIS_OK) {
            blis_jw_init(&w, blis_buf_write, &out, 2);
            blis_evaluation_write_json(ev, &w);
            if ((st = blis_jw_finish(&w)) != BLIS_OK) blis__run_fail(err, st, "cannot format the document");
        }
        blis_evaluation_free(ev);
    }
    blis__free(NULL, ev);
    blis__free(NULL, (void *)ids);
    blis_doc_free(&doc);
    return blis__call_end(st, &out, NULL, write, user, err);
}

/* ---- calibrate ---- */

static const char *const blis__calib_names[BLIS_CALIB_PARAMS] = {
    "BwEffConstant", "TOverheadMicros",  "v1LayerOverheadUs", "mfuPrefill",
    "mfuDecode",     "allReduceLatency", "v1SeqOverheadUs",   "v1RequestOverheadUs"};

BLIS_DEF const char *blis_calib_name(int k) { return k >= 0 && k < BLIS_CALIB_PARAMS ? blis__calib_names[k] : ""; }

BLIS_DEF double *blis_calib_field(blis_hw_config *hw, int k) {
    switch (k) {
    case 0: return &hw->v1_bw_efficiency;
    case 1: return &hw->v1_step_overhead_us;
    case 2: return &hw->v1_layer_overhead_us;
    case 3: return &hw->v1_mfu_prefill;
    case 4: return &hw->v1_mfu_decode;
    case 5: return &hw->v1_allreduce_us;
    case 6: return &hw->v1_seq_overhead_us;
    default: return &hw->v1_request_overhead_us;
    }
}

BLIS_DEF blis_status blis_calib_parse_fix(const char *v, unsigned *mask, blis_err *err) {
    const char *p = v;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int k;
        for (k = 0; k < BLIS_CALIB_PARAMS; k++)
            if (strlen(blis__calib_names[k]) == len && !memcmp(blis__calib_names[k], p, len)) break;
        if (k == BLIS_CALIB_PARAMS) {
            char expected[256] = "a list of";
            for (k = 0; k < BLIS_CALIB_PARAMS; k++)
                snprintf(expected + strlen(expected), sizeof expected - strlen(expected), "%s %s", k ? "," : "",
                         blis__calib_names[k]);
            return blis__flag_error(err, "--fix", expected, v);
        }
        *mask |= 1u << k;
        if (!end) return BLIS_OK;
        p = end + 1;
    }
}

BLIS_DEF int blis_calib_fixed(const blis_calibration *c, int k) {
    return ((c->fixed >> k) & 1u) || (k == 4 && (c->ev->opt.v1_ext & BLIS_V1X_GEMM));
}

BLIS_DEF void blis_calib_apply(const blis_calibration *c, const double *x, blis_hw_config *hw) {
    int k;
    *hw = c->base;
    for (k = 0; k < BLIS_CALIB_PARAMS; k++) {
        double v;
        if (blis_calib_fixed(c, k)) continue; /* not fitted: kept exactly */
        v = exp(x[k]);
        if ((k == 0 || k == 3 || k == 4) && v > 1) v = 1; /* efficiencies and MFUs stay at most 1 */
        *blis_calib_field(hw, k) = v;
    }
}

BLIS_DEF blis_status blis_calibration_init(blis_calibration *c, const blis_evaluation *ev, const char *gpu,
                                           blis_err *err) {
    size_t r;
    memset(c, 0, sizeof *c);
    c->ev = ev;
    c->preps = (blis_eval_prep *)blis__alloc(NULL, (ev->recs->count + 1) * sizeof *c->preps);
    c->errs = (double *)blis__alloc(NULL, (2 * ev->recs->count + 2) * sizeof *c->errs);
    c->scratch = (double *)blis__alloc(NULL, (2 * ev->recs->count + 2) * sizeof *c->scratch);
    if (!c->preps || !c->errs || !c->scratch) {
        blis_calibration_free(c);
        return blis__nomem(err);
    }
    for (r = 0; r < ev->recs->count; r++) {
        blis_eval_prep *p = &c->preps[c->n];
        if (!blis_evaluation_wanted(ev, r)) continue;
        blis_eval_prepare(ev, r, p);
        if (!p->ready) {
            c->bad_skipped += (size_t)p->res.bad_input;
        } else if (strcmp(p->e.gpu, gpu) != 0) {
            blis_eval_prep_free(p); /* another GPU's record */
            continue;
        } else {
            int k, seen = 0;
            if (!c->n_models) c->base = p->hw;
            for (k = 0; k < c->n_models; k++) seen |= !strcmp(c->models[k], p->e.model);
            if (!seen && c->n_models < 16) snprintf(c->models[c->n_models++], sizeof c->models[0], "%s", p->e.model);
        }
        c->n++;
    }
    return BLIS_OK;
}

BLIS_DEF void blis_calib_one(blis_calibration *c, const blis_hw_config *hw, const char *only_model, size_t i,
                             double *out) {
    blis_eval_prep *p = &c->preps[i];
    out[2 * i] = out[2 * i + 1] = NAN;
    if (!p->ready) return;
    if (only_model ? strcmp(p->e.model, only_model) != 0 : (c->skip_model && !strcmp(p->e.model, c->skip_model)))
        return;
    blis_eval_run(c->ev, p, hw);
    if (!p->res.ran) return;
    out[2 * i] = blis_eval_err_pct(&p->res, 0);
    out[2 * i + 1] = blis_eval_err_pct(&p->res, 3);
}

BLIS_DEF double blis_calib_error(blis_calibration *c, const blis_hw_config *hw, const char *only_model, size_t *count,
                                 double abs_sums[2]) {
    double sum = 0, wsum = 0;
    size_t i, j, n = 0;
    if (c->map) {
        c->map(c->map_user, c, hw, only_model, c->errs);
    } else {
        for (i = 0; i < c->n; i++) blis_calib_one(c, hw, only_model, i, c->errs);
    }
    if (abs_sums) abs_sums[0] = abs_sums[1] = 0;
    for (i = 0; i < c->n; i++) {
        double t = c->errs[2 * i], e = c->errs[2 * i + 1], w = 1, same = 0;
        if (t != t || e != e) continue;
        if (abs_sums) {
            abs_sums[0] += fabs(t);
            abs_sums[1] += fabs(e);
        }
        if (c->balance) {
            for (j = 0; j < c->n; j++)
                same += c->errs[2 * j] == c->errs[2 * j] && !strcmp(c->preps[j].e.model, c->preps[i].e.model);
            w = 1 / same;
        }
        if (c->objective == BLIS_CALIB_LOG)
            sum += w * 100 * (fabs(log(1 + t / 100)) + fabs(log(1 + e / 100)));
        else if (c->objective == BLIS_CALIB_MAPE)
            sum += w * (fabs(t) + fabs(e));
        else /* capped at 200%: one run past saturation cannot dominate */
            sum += w * ((fabs(t) < 200 ? fabs(t) : 200) + (fabs(e) < 200 ? fabs(e) : 200));
        wsum += w;
        n++;
    }
    if (count) *count = n;
    return n ? sum / (2.0 * wsum) : HUGE_VAL;
}

static double blis__calib_objective(void *user, const double *x) {
    blis_calibration *c = (blis_calibration *)user;
    blis_hw_config hw;
    int j;
    double v;
    for (j = 0; j < c->n_moved; j++) c->x_full[c->moved[j]] = x[j];
    blis_calib_apply(c, c->x_full, &hw);
    c->evals++;
    v = blis_calib_error(c, &hw, NULL, NULL, NULL);
    if (c->evals == 1 || v < c->best) c->best = v;
    if (c->progress) c->progress(c->progress_user, c, v);
    return v;
}

BLIS_DEF double blis_calib_fit(blis_calibration *c, double *x, int max_evals) {
    double step[BLIS_CALIB_PARAMS], xm[BLIS_CALIB_PARAMS], fit;
    int j, k, evals = 0;
    c->n_moved = 0;
    for (k = 0; k < BLIS_CALIB_PARAMS; k++) {
        double v = *blis_calib_field(&c->base, k);
        x[k] = log(v > 0 ? v : k == 7 ? 5000 : 5); /* absent terms: 5 us per request per step, 5 ms per request */
        c->x_full[k] = x[k];
        if (blis_calib_fixed(c, k)) continue;
        xm[c->n_moved] = x[k];
        step[c->n_moved] = 0.5; /* a factor of e^0.5 ~ 1.65 either way to start */
        c->moved[c->n_moved++] = k;
    }
    c->max_evals = max_evals;
    c->evals = 0;
    fit = blis_nelder_mead(blis__calib_objective, c, xm, step, c->n_moved, max_evals, 0.05, &evals);
    for (j = 0; j < c->n_moved; j++) x[c->moved[j]] = xm[j];
    return fit;
}

BLIS_DEF blis_status blis_calib_write_hw(const blis_doc *base, const blis_hw_config *fit, int transfer, blis_jw *w,
                                         blis_err *err) {
    const blis_node *root = blis_doc_root(base);
    blis_status st;
    size_t i;
    int k;
    blis_jw_object_begin(w);
    for (i = 0; i < root->count; i++) {
        const blis_node *key = blis_node_key_at(base, root, i);
        blis_hw_config hw;
        if (blis_node_at(base, root, i)->kind != BLIS_NODE_OBJECT) continue; /* a _comment */
        if ((st = blis_hw_config_from_doc(base, key->as.string, &hw, err)) != BLIS_OK) return st;
        if (transfer || !strcmp(hw.gpu, fit->gpu)) {
            blis_hw_config f = *fit;
            for (k = 0; k < BLIS_CALIB_PARAMS; k++) *blis_calib_field(&hw, k) = *blis_calib_field(&f, k);
            blis__copy_cstr(hw.calibrated_on, sizeof hw.calibrated_on, fit->gpu); /* runs on others say so */
        }
        snprintf(hw.gpu, sizeof hw.gpu, "%s", key->as.string);
        blis_hw_config_write(w, &hw);
    }
    blis_jw_object_end(w);
    return BLIS_OK;
}

BLIS_DEF void blis_calibration_free(blis_calibration *c) {
    size_t r;
    for (r = 0; c->preps && r < c->n; r++) blis_eval_prep_free(&c->preps[r]);
    blis__free(NULL, c->preps);
    blis__free(NULL, c->errs);
    blis__free(NULL, c->scratch);
    memset(c, 0, sizeof *c);
}

/* ---- convert and compose ---- */

static blis_status blis__spec_alloc_clients(blis_workload_spec *spec, size_t n, blis_err *err) {
    spec->clients = (blis_spec_client *)blis__alloc(&spec->alloc, (n ? n : 1) * sizeof *spec->clients);
    if (!spec->clients) return blis__nomem(err);
    memset(spec->clients, 0, (n ? n : 1) * sizeof *spec->clients);
    spec->client_count = n;
    return BLIS_OK;
}

static void blis__gauss(blis_length_dist *d, double mean, double std_dev, double mn, double mx) {
    memset(d, 0, sizeof *d);
    d->kind = BLIS_DIST_GAUSSIAN;
    d->mean = mean, d->std_dev = std_dev, d->min = mn, d->max = mx;
}

BLIS_DEF blis_status blis_spec_from_legacy(const blis_legacy_workload *w, int64_t seed, blis_workload_spec *spec,
                                           blis_err *err) {
    blis_spec_client *c;
    blis_status st;
    memset(spec, 0, sizeof *spec);
    if ((st = blis_legacy_workload_validate(w, err))) return st;
    if ((st = blis__spec_alloc_clients(spec, 1, err))) return st;
    spec->seed = seed;
    spec->has_seed = 1;
    spec->aggregate_rate = w->rate_per_s;
    spec->num_requests = w->num_requests;
    blis__copy_cstr(spec->category, sizeof spec->category, "language");
    c = &spec->clients[0];
    c->id = "distribution";
    c->tenant_id = c->slo_class = c->prefix_group = "";
    c->rate_fraction = 1;
    c->arrival = w->arrival; /* the same process; the spec's own RNG draws the gaps */
    c->cv = w->arrival == BLIS_ARRIVAL_GAMMA || w->arrival == BLIS_ARRIVAL_WEIBULL ? w->arrival_cv : 1;
    blis__gauss(&c->input, (double)w->prompt_mean, (double)w->prompt_std, (double)w->prompt_min, (double)w->prompt_max);
    blis__gauss(&c->output, (double)w->output_mean, (double)w->output_std, (double)w->output_min,
                (double)w->output_max);
    if (w->prefix_tokens > 0) {
        c->prefix_group = "shared";
        c->prefix_length = w->prefix_tokens;
    }
    return BLIS_OK;
}

BLIS_DEF blis_status blis_spec_from_trace(const char *src, size_t len, const char *source, blis_workload_spec *spec,
                                          blis_err *err) {
    blis_trace_gen g;
    blis_parse_opts o;
    blis_spec_client *c;
    blis_status st;
    int64_t n = 0, first = 0, last = 0;
    double in_sum = 0, out_sum = 0, mean_in, mean_out;
    int has = 1;
    memset(spec, 0, sizeof *spec);
    memset(&o, 0, sizeof o);
    o.source = source;
    if ((st = blis_trace_gen_init(&g, src, len, &o, INT64_MAX, 16, err))) return st;
    while (has) {
        blis_request r;
        if ((st = blis_trace_gen_next(&g, &r, &has, err))) {
            blis_trace_gen_free(&g);
            return st;
        }
        if (!has) break;
        if (!n) first = r.arrival_us;
        last = r.arrival_us;
        in_sum += (double)r.input_tokens;
        out_sum += (double)r.output_tokens;
        n++;
        blis_request_free(NULL, &r);
    }
    blis_trace_gen_free(&g);
    if (!n) {
        blis_err_clear(err, source);
        return blis_err_set(err, BLIS_E_INVALID, 0, 0, "the trace has no requests");
    }
    if ((st = blis__spec_alloc_clients(spec, 1, err))) return st;
    spec->seed = 42;
    spec->has_seed = 1;
    spec->aggregate_rate = last > first ? (double)n / ((double)(last - first) / 1e6) : (double)n;
    spec->num_requests = n;
    blis__copy_cstr(spec->category, sizeof spec->category, "language");
    mean_in = floor(in_sum / (double)n + 0.5);
    mean_out = floor(out_sum / (double)n + 0.5);
    c = &spec->clients[0];
    c->id = "trace";
    c->tenant_id = c->slo_class = c->prefix_group = "";
    c->rate_fraction = 1;
    c->arrival = BLIS_ARRIVAL_CONSTANT;
    c->cv = 1;
    blis__gauss(&c->input, mean_in, 0, mean_in < 1 ? 1 : mean_in, mean_in < 1 ? 1 : mean_in);
    blis__gauss(&c->output, mean_out, 0, mean_out < 1 ? 1 : mean_out, mean_out < 1 ? 1 : mean_out);
    return BLIS_OK;
}

/* A copy of a length distribution (empirical tables duplicated). */
static blis_status blis__dist_copy(const blis_alloc *a, blis_length_dist *dst, const blis_length_dist *src,
                                   blis_err *err) {
    *dst = *src;
    dst->emp_values = NULL;
    dst->emp_cdf = NULL;
    if (!src->emp_n) return BLIS_OK;
    dst->emp_values = (int64_t *)blis__alloc(a, src->emp_n * sizeof *dst->emp_values);
    dst->emp_cdf = (double *)blis__alloc(a, src->emp_n * sizeof *dst->emp_cdf);
    if (!dst->emp_values || !dst->emp_cdf) return blis__nomem(err);
    memcpy(dst->emp_values, src->emp_values, src->emp_n * sizeof *dst->emp_values);
    memcpy(dst->emp_cdf, src->emp_cdf, src->emp_n * sizeof *dst->emp_cdf);
    return BLIS_OK;
}

BLIS_DEF blis_status blis_spec_compose(const blis_workload_spec *const *specs, size_t n, blis_workload_spec *out,
                                       blis_err *err) {
    size_t i, j, k, total = 0, at = 0;
    blis_status st;
    int unlimited = 0;
    memset(out, 0, sizeof *out);
    if (!n) return blis__run_fail(err, BLIS_E_INVALID, "compose needs at least one spec (--from FILE)");
    for (i = 0; i < n; i++) {
        total += specs[i]->client_count;
        out->aggregate_rate += specs[i]->aggregate_rate;
        unlimited |= specs[i]->num_requests <= 0;
        out->num_requests += specs[i]->num_requests;
        if (specs[i]->has_horizon && (!out->has_horizon || specs[i]->horizon_us > out->horizon_us)) {
            out->horizon_us = specs[i]->horizon_us;
            out->has_horizon = 1;
        }
    }
    if (total > 100000) return blis__run_fail(err, BLIS_E_LIMIT, "compose: at most 100000 clients in all");
    if (unlimited) out->num_requests = 0;
    out->seed = specs[0]->seed;
    out->has_seed = specs[0]->has_seed;
    blis__copy_cstr(out->category, sizeof out->category, specs[0]->category);
    for (i = 1; i < n; i++)
        if (strcmp(specs[i]->category, out->category) != 0) out->category[0] = '\0'; /* mixed: none */
    if ((st = blis__spec_alloc_clients(out, total, err))) return st;
    out->client_count = 0;
    for (i = 0; i < n; i++) {
        double sum = 0;
        for (j = 0; j < specs[i]->client_count; j++) sum += specs[i]->clients[j].rate_fraction;
        for (j = 0; j < specs[i]->client_count; j++) {
            const blis_spec_client *s = &specs[i]->clients[j];
            blis_spec_client *c = &out->clients[at++];
            *c = *s;
            c->shared = 0;
            c->windows = NULL;
            memset(&c->input, 0, sizeof c->input);
            memset(&c->output, 0, sizeof c->output);
            memset(&c->reason_ratio, 0, sizeof c->reason_ratio);
            memset(c->mm, 0, sizeof c->mm);
            out->client_count = at; /* owned from here: freed with out */
            c->rate_fraction = s->rate_fraction / sum * specs[i]->aggregate_rate / out->aggregate_rate;
            if (!(c->id = blis__spec_own(out, s->id)) || !(c->tenant_id = blis__spec_own(out, s->tenant_id)) ||
                !(c->slo_class = blis__spec_own(out, s->slo_class)) ||
                !(c->prefix_group = blis__spec_own(out, s->prefix_group)))
                return blis__nomem(err);
            if ((st = blis__dist_copy(&out->alloc, &c->input, &s->input, err)) ||
                (st = blis__dist_copy(&out->alloc, &c->output, &s->output, err)) ||
                (st = blis__dist_copy(&out->alloc, &c->reason_ratio, &s->reason_ratio, err)))
                return st;
            for (k = 0; k < 7; k++)
                if ((st = blis__dist_copy(&out->alloc, &c->mm[k], &s->mm[k], err))) return st;
            if (s->window_count) {
                c->windows = (blis_spec_window *)blis__alloc(&out->alloc, s->window_count * sizeof *c->windows);
                if (!c->windows) return blis__nomem(err);
                memcpy(c->windows, s->windows, s->window_count * sizeof *c->windows);
            }
        }
    }
    return BLIS_OK;
}

/* ---- YAML out ---- */

typedef struct blis__yw {
    blis_write_fn write;
    void *user;
    int failed;
} blis__yw;

static void blis__yw_raw(blis__yw *y, const char *s) {
    if (!y->failed && y->write(y->user, s, strlen(s)) != 0) y->failed = 1;
}

static void blis__yw_num(blis__yw *y, double v) {
    char buf[BLIS_F64_BUF_MAX + 1];
    buf[blis_f64_format_go(v, buf)] = '\0';
    blis__yw_raw(y, buf);
}

static void blis__yw_int(blis__yw *y, int64_t v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    blis__yw_raw(y, buf);
}

/* A double-quoted scalar (JSON escapes, which YAML reads). */
static void blis__yw_str(blis__yw *y, const char *s) {
    char buf[8];
    blis__yw_raw(y, "\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            buf[0] = '\\', buf[1] = (char)ch, buf[2] = '\0';
        } else if (ch < 0x20) {
            snprintf(buf, sizeof buf, "\\x%02x", ch);
        } else {
            buf[0] = (char)ch, buf[1] = '\0';
        }
        blis__yw_raw(y, buf);
    }
    blis__yw_raw(y, "\"");
}

/* "{type: TYPE, params: {name: value, ...}}" less its closing braces. */
static void blis__yw_params(blis__yw *y, const char *type, const char *const *names, const double *values, size_t n) {
    size_t i;
    blis__yw_raw(y, "{type: ");
    blis__yw_raw(y, type);
    blis__yw_raw(y, ", params: {");
    for (i = 0; i < n; i++) {
        blis__yw_raw(y, i ? ", " : "");
        blis__yw_raw(y, names[i]);
        blis__yw_raw(y, ": ");
        blis__yw_num(y, values[i]);
    }
}

static void blis__yw_dist(blis__yw *y, const blis_length_dist *d) {
    static const char *const gauss[] = {"mean", "std_dev", "min", "max"},
                             *const pareto[] = {"alpha", "xm", "mu", "sigma", "mix_weight"}, *const mean[] = {"mean"},
                             *const value[] = {"value"};
    size_t i;
    switch (d->kind) {
    case BLIS_DIST_GAUSSIAN: {
        double v[4];
        v[0] = d->mean, v[1] = d->std_dev, v[2] = d->min, v[3] = d->max;
        blis__yw_params(y, "gaussian", gauss, v, 4);
        break;
    }
    case BLIS_DIST_EXPONENTIAL: blis__yw_params(y, "exponential", mean, &d->mean, 1); break;
    case BLIS_DIST_PARETO_LOGNORMAL: {
        double v[5];
        v[0] = d->alpha, v[1] = d->xm, v[2] = d->mu, v[3] = d->sigma, v[4] = d->mix_weight;
        blis__yw_params(y, "pareto_lognormal", pareto, v, 5);
        break;
    }
    case BLIS_DIST_CONSTANT: blis__yw_params(y, "constant", value, &d->value, 1); break;
    case BLIS_DIST_EMPIRICAL: /* the probabilities back from the CDF's steps */
        blis__yw_raw(y, "{type: empirical, params: {");
        for (i = 0; i < d->emp_n; i++) {
            blis__yw_raw(y, i ? ", \"" : "\"");
            blis__yw_int(y, d->emp_values[i]);
            blis__yw_raw(y, "\": ");
            blis__yw_num(y, d->emp_cdf[i] - (i ? d->emp_cdf[i - 1] : 0));
        }
        break;
    }
    blis__yw_raw(y, "}}");
}

BLIS_DEF blis_status blis_workload_spec_write_yaml(const blis_workload_spec *spec, blis_write_fn write, void *user) {
    blis__yw y;
    size_t i, k;
    y.write = write;
    y.user = user;
    y.failed = 0;
    blis__yw_raw(&y, "version: \"2\"\n");
    if (spec->has_seed) {
        blis__yw_raw(&y, "seed: ");
        blis__yw_int(&y, spec->seed);
        blis__yw_raw(&y, "\n");
    }
    if (spec->category[0]) {
        blis__yw_raw(&y, "category: ");
        blis__yw_raw(&y, spec->category);
        blis__yw_raw(&y, "\n");
    }
    blis__yw_raw(&y, "aggregate_rate: ");
    blis__yw_num(&y, spec->aggregate_rate);
    blis__yw_raw(&y, "\n");
    if (spec->num_requests > 0) {
        blis__yw_raw(&y, "num_requests: ");
        blis__yw_int(&y, spec->num_requests);
        blis__yw_raw(&y, "\n");
    }
    if (spec->has_horizon) {
        blis__yw_raw(&y, "horizon: ");
        blis__yw_int(&y, spec->horizon_us);
        blis__yw_raw(&y, "\n");
    }
    blis__yw_raw(&y, "clients:\n");
    for (i = 0; i < spec->client_count; i++) {
        const blis_spec_client *c = &spec->clients[i];
        blis__yw_raw(&y, "  - id: ");
        blis__yw_str(&y, c->id ? c->id : "");
        blis__yw_raw(&y, "\n");
        if (c->tenant_id && c->tenant_id[0]) {
            blis__yw_raw(&y, "    tenant_id: ");
            blis__yw_str(&y, c->tenant_id);
            blis__yw_raw(&y, "\n");
        }
        if (c->slo_class && c->slo_class[0]) {
            blis__yw_raw(&y, "    slo_class: ");
            blis__yw_raw(&y, c->slo_class);
            blis__yw_raw(&y, "\n");
        }
        blis__yw_raw(&y, "    rate_fraction: ");
        blis__yw_num(&y, c->rate_fraction);
        blis__yw_raw(&y, "\n    arrival: {process: ");
        blis__yw_raw(&y, blis_arrival_kind_name(c->arrival));
        if (c->arrival == BLIS_ARRIVAL_GAMMA || c->arrival == BLIS_ARRIVAL_WEIBULL) {
            blis__yw_raw(&y, ", cv: ");
            blis__yw_num(&y, c->cv);
        }
        blis__yw_raw(&y, "}\n    input_distribution: ");
        blis__yw_dist(&y, &c->input);
        blis__yw_raw(&y, "\n    output_distribution: ");
        blis__yw_dist(&y, &c->output);
        blis__yw_raw(&y, "\n");
        if (c->prefix_group && c->prefix_group[0]) {
            blis__yw_raw(&y, "    prefix_group: ");
            blis__yw_str(&y, c->prefix_group);
            blis__yw_raw(&y, "\n    prefix_length: ");
            blis__yw_int(&y, c->prefix_length ? c->prefix_length : 50);
            blis__yw_raw(&y, "\n");
        }
        if (c->window_count) {
            size_t live = 0;
            for (k = 0; k < c->window_count; k++) live += c->windows[k].end_us > c->windows[k].start_us;
            blis__yw_raw(&y, "    lifecycle:\n      windows:\n");
            if (!live)
                blis__yw_raw(&y, "        - {start_us: 0, end_us: 1}\n"); /* never active: arrivals come after 0 */
            for (k = 0; k < c->window_count; k++) {
                if (c->windows[k].end_us <= c->windows[k].start_us) continue; /* an empty cohort segment */
                blis__yw_raw(&y, "        - {start_us: ");
                blis__yw_int(&y, c->windows[k].start_us);
                blis__yw_raw(&y, ", end_us: ");
                blis__yw_int(&y, c->windows[k].end_us);
                blis__yw_raw(&y, "}\n");
            }
        }
        if (c->max_rounds > 0) {
            blis__yw_raw(&y, "    reasoning:\n      multi_turn: {max_rounds: ");
            blis__yw_int(&y, c->max_rounds);
            blis__yw_raw(&y, ", think_time_us: ");
            blis__yw_int(&y, c->think_time_us);
            if (c->accumulate) blis__yw_raw(&y, ", context_growth: accumulate");
            blis__yw_raw(&y, "}\n");
            if (c->has_ratio) {
                blis__yw_raw(&y, "      reason_ratio_distribution: ");
                blis__yw_dist(&y, &c->reason_ratio);
                blis__yw_raw(&y, "\n");
            }
        }
        if (c->mm_set) {
            blis__yw_raw(&y, "    multimodal:\n");
            for (k = 0; k < 7; k++) {
                if (!(c->mm_set & (1u << k))) continue;
                blis__yw_raw(&y, "      ");
                blis__yw_raw(&y, blis__mm_names[k]);
                blis__yw_raw(&y, ": ");
                blis__yw_dist(&y, &c->mm[k]);
                blis__yw_raw(&y, "\n");
            }
        }
    }
    return y.failed ? BLIS_E_IO : BLIS_OK;
}

#endif /* BLIS_IMPLEMENTATION */

/*
 * LICENCE
 *   Copyright 2026 the blis authors. Licensed under the Apache License,
 *   Version 2.0 (see LICENSE). blis reimplements the behaviour of BLIS
 *   (inference-sim/inference-sim, Apache-2.0) from its specification.
 *
 * VERSION HISTORY
 *   0.1.0  foundation: errors, allocator, exact number conversion, JSON
 *          (parser, document model, Go-compatible writer), CSV, YAML subset.
 */
