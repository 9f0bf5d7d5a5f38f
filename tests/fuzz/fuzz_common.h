/* tests/fuzz/fuzz_common.h - the property checks behind every fuzz target.
 *
 * Each function takes arbitrary bytes, runs one parser, and returns 0 when
 * every property holds, or a non-zero code (after a line on stderr) when one
 * is violated. The libFuzzer targets abort on non-zero; the test runner
 * replays every corpus file through the same function (tests/test_fuzz_replay.c).
 * Requires the blis implementation to be compiled in the same unit. */
#ifndef BLIS_FUZZ_COMMON_H
#define BLIS_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int blis_fuzz_report(const char *target, const char *what) {
    fprintf(stderr, "fuzz %s: property violated: %s\n", target, what);
    return 1;
}

static int blis_fuzz_write_doc(const blis_doc *doc, blis_buf *out) {
    blis_jw w;
    memset(out, 0, sizeof *out);
    blis_jw_init(&w, blis_buf_write, out, 0);
    blis_jw_node(&w, doc, blis_doc_root(doc));
    return (int)blis_jw_finish(&w);
}

/* Any document through the config readers; a valid model through both
 * rooflines and the analyzer. Errors are fine; crashes and UB are not. */
/* A document as ground-truth records (evaluate): each accepted or refused
 * with a message. */
static int blis_fuzz_ground_truth(const blis_doc *doc) {
    const blis_node *root = blis_doc_root(doc), *recs = blis_node_get(doc, root, "records");
    blis_gt_experiment e;
    blis_err err;
    size_t i;
    if (blis_gt_experiment_from_doc(doc, root, &e, &err) != BLIS_OK && !err.msg[0])
        return blis_fuzz_report("ground truth", "error without a message");
    for (i = 0; recs && recs->kind == BLIS_NODE_ARRAY && i < recs->count && i < 8; i++)
        if (blis_gt_experiment_from_doc(doc, blis_node_at(doc, recs, i), &e, &err) != BLIS_OK && !err.msg[0])
            return blis_fuzz_report("ground truth", "record error without a message");
    return 0;
}

/* The bytes as a gzip file: decoded within the cap and NUL-terminated, or
 * refused with a message. */
static int blis_fuzz_gzip(const unsigned char *data, size_t size) {
    char *out = NULL;
    size_t n = 0;
    blis_err err;
    memset(&err, 0, sizeof err);
    if (blis_gunzip(data, size, (size_t)1 << 20, NULL, &out, &n, &err) != BLIS_OK) {
        if (out || !err.msg[0]) return blis_fuzz_report("gzip", "error left output or no message");
        return 0;
    }
    if (!out || n >= ((size_t)1 << 20) || out[n] != '\0') {
        free(out);
        return blis_fuzz_report("gzip", "output over the cap or not terminated");
    }
    free(out);
    return 0;
}

static int blis_fuzz_configs(const blis_doc *doc) {
    blis_model_config m;
    blis_hw_config hw;
    blis_err err;
    blis_step_breakdown out;
    blis_step_req pre = {7, 300}, dec[3] = {{10, 1}, {5000, 1}, {0, 1}};
    blis_step_batch b;
    blis_mfu_db db;
    blis_tra_report *r;
    int64_t cached[2] = {0, 1024}, input[2] = {512, 1};
    if (blis_hw_config_from_doc(doc, "H100", &hw, &err) == BLIS_OK) {
        (void)blis_hw_config_validate(&hw, 1, &err);
        (void)blis_hw_config_validate(&hw, 2, &err);
    }
    if (blis_model_config_from_doc(doc, &m, &err) != BLIS_OK || blis_model_config_validate(&m, &err) != BLIS_OK)
        return 0;
    memset(&hw, 0, sizeof hw);
    hw.tflops_peak = 989.5;
    hw.bw_peak_tbs = 3.35;
    hw.v1_bw_efficiency = 0.72;
    hw.v1_mfu_prefill = 0.65;
    hw.v1_mfu_decode = 0.12;
    hw.v2_layer_cpu_overhead_us = 100;
    b.prefill = &pre;
    b.prefill_count = 1;
    b.decode = dec;
    b.decode_count = 3;
    (void)blis_roofline_v1_step(&m, &hw, 2, &b, &out, &err);
    blis_mfu_db_init(&db, NULL);
    if (blis_mfu_db_select_model(&db, &m, &err) == BLIS_OK)
        (void)blis_roofline_v2_step(&m, &hw, &db, 4, &b, &out, &err);
    blis_mfu_db_free(&db);
    r = (blis_tra_report *)malloc(sizeof *r);
    if (r && blis_tra_analyze(&m, cached, input, 2, 0, r, &err) == BLIS_OK) {
        blis_buf t;
        memset(&t, 0, sizeof t);
        if (blis_tra_write_table(r, &hw, 2, blis_buf_write, &t) != 0) {
            free(r);
            blis_buf_free(&t);
            return blis_fuzz_report("json", "analyzer table failed");
        }
        blis_buf_free(&t);
    }
    free(r);
    return 0;
}

/* The bytes as each kind of MFU table, then lookups over them. */
static void blis_fuzz_mfu_tables(const unsigned char *data, size_t size) {
    blis_mfu_db db;
    blis_err err;
    blis_model_config m;
    const char *src = (const char *)data;
    memset(&m, 0, sizeof m);
    m.num_heads = 32;
    m.num_kv_heads = 8;
    m.hidden_size = 4096;
    blis_mfu_db_init(&db, NULL);
    (void)blis_mfu_db_add_gemm_csv(&db, src, size, "gemm", &err);
    (void)blis_mfu_db_add_prefill_csv(&db, "32-8-128", src, size, "prefill", &err);
    (void)blis_mfu_db_add_decode_csv(&db, "32-8-128-tp1", src, size, "decode", &err);
    (void)blis_mfu_db_select_model(&db, &m, &err);
    (void)blis_mfu_gemm(&db, 77, 4096, 14336);
    (void)blis_mfu_gemm(&db, 1 << 20, 1, 1);
    (void)blis_mfu_attn_prefill(&db, 3000);
    (void)blis_mfu_attn_decode(&db, 20, 5000, 4);
    (void)blis_mfu_attn_decode(&db, 0, 0, 1);
    blis_mfu_db_free(&db);
}

/* JSON: parse; a document satisfies the invariants; writing it, parsing the
 * output and writing again gives identical bytes; the output also parses
 * as YAML (flow style) to the same document. */
static int blis_fuzz_json(const unsigned char *data, size_t size) {
    blis_doc doc, again;
    blis_err err;
    blis_buf a, b;
    int rc = 0;
    if (blis_json_parse((const char *)data, size, NULL, &doc, &err) != BLIS_OK) {
        if (err.status == BLIS_OK || err.msg[0] == '\0')
            return blis_fuzz_report("json", "error without status or message");
        if (doc.nodes != NULL) return blis_fuzz_report("json", "failed parse left nodes");
        return 0;
    }
    if (blis_doc_check(&doc)) rc = blis_fuzz_report("json", "document invariants");
    if (!rc) rc = blis_fuzz_configs(&doc);
    if (!rc) rc = blis_fuzz_ground_truth(&doc);
    if (!rc && blis_fuzz_write_doc(&doc, &a) != BLIS_OK) rc = blis_fuzz_report("json", "writer failed");
    if (!rc) {
        if (blis_json_parse(a.data, a.len, NULL, &again, &err) != BLIS_OK) {
            rc = blis_fuzz_report("json", "writer output does not parse");
        } else {
            if (blis_fuzz_write_doc(&again, &b) != BLIS_OK || b.len != a.len || memcmp(a.data, b.data, a.len))
                rc = blis_fuzz_report("json", "write/parse/write not idempotent");
            blis_buf_free(&b);
            blis_doc_free(&again);
            if (!rc && blis_yaml_parse(a.data, a.len, NULL, &again, &err) == BLIS_OK) {
                if (blis_fuzz_write_doc(&again, &b) != BLIS_OK || b.len != a.len || memcmp(a.data, b.data, a.len))
                    rc = blis_fuzz_report("json", "JSON output read as YAML differs");
                blis_buf_free(&b);
                blis_doc_free(&again);
            }
        }
        blis_buf_free(&a);
    }
    blis_doc_free(&doc);
    return rc;
}

/* YAML: parse; invariants; the document written as JSON re-reads (as JSON
 * and as YAML) to the same bytes. Documents holding NaN or infinities
 * cannot be written as JSON and stop after the invariants. */
/* A document as a workload spec: read it and, when it is one, generate a
 * few requests (arrivals must not decrease; errors carry a message). */
static int blis_fuzz_spec(const blis_doc *doc) {
    blis_workload_spec spec;
    blis_spec_gen g;
    blis_err err;
    int has = 1, n = 0, rc = 0;
    int64_t last = -1, tokens = 0;
    if (blis_workload_spec_from_doc(doc, &spec, NULL, &err) != BLIS_OK)
        return err.msg[0] ? 0 : blis_fuzz_report("spec", "error without a message");
    if (spec.client_count <= 64 && blis_spec_gen_init(&g, &spec, spec.seed, 1000000, 20, 16, NULL, &err) == BLIS_OK) {
        while (has && n < 20) {
            blis_request r;
            if (blis_spec_gen_next(&g, &r, &has, &err) != BLIS_OK) {
                if (!err.msg[0]) rc = blis_fuzz_report("spec", "generation error without a message");
                break;
            }
            if (!has) break;
            if (r.arrival_us < last) rc = blis_fuzz_report("spec", "arrivals go back");
            last = r.arrival_us;
            tokens += r.input_tokens + r.output_tokens;
            blis_request_free(NULL, &r);
            n++;
            if (tokens > 1000000) break; /* legitimate but slow: million-token requests */
        }
        blis_spec_gen_free(&g);
    }
    blis_workload_spec_free(&spec);
    return rc;
}

/* A document as a policy bundle: accepted, or an error with a message and
 * names within their enums. */
static int blis_fuzz_policy(const blis_doc *doc) {
    blis_policy_bundle b;
    blis_err err;
    if (blis_policy_bundle_from_doc(doc, &b, &err) != BLIS_OK)
        return err.msg[0] ? 0 : blis_fuzz_report("policy", "error without a message");
    if (b.scorer_count > BLIS_MAX_SCORERS || (b.has_routing && (b.routing < 0 || b.routing > 4)) ||
        (b.has_admission && (b.admission < 0 || b.admission > 2)))
        return blis_fuzz_report("policy", "bundle out of range");
    return 0;
}

/* The bytes as a CSV trace: every row a request or a located error. */
static int blis_fuzz_trace(const unsigned char *data, size_t size) {
    blis_trace_gen g;
    blis_err err;
    int has = 1, rc = 0;
    int64_t last = -1;
    if (blis_trace_gen_init(&g, (const char *)data, size, NULL, INT64_MAX, 16, &err) != BLIS_OK) return 0;
    while (has) {
        blis_request r;
        if (blis_trace_gen_next(&g, &r, &has, &err) != BLIS_OK) {
            if (!err.msg[0]) rc = blis_fuzz_report("trace", "error without a message");
            break;
        }
        if (!has) break;
        if (r.arrival_us < last || r.block_hash_count * 16 > r.input_tokens + r.output_tokens)
            rc = blis_fuzz_report("trace", "request invariants");
        last = r.arrival_us;
        blis_request_free(NULL, &r);
    }
    blis_trace_gen_free(&g);
    return rc;
}

/* The bytes as a bench_data table (the first byte picks GEMM, prefill or
 * decode): the validator counts every finding with a message, and a table
 * it passes without errors loads into the MFU database, whose lookups stay
 * finite and >= 1e-4 (the reference's floor). */
typedef struct blis_fuzz_bench_seen {
    int missing_message;
} blis_fuzz_bench_seen;

static void blis_fuzz_bench_report(void *user, int is_error, const char *source, uint32_t line, uint32_t col,
                                   const char *msg) {
    (void)is_error;
    (void)line;
    (void)col;
    if (!source || !msg || !msg[0]) ((blis_fuzz_bench_seen *)user)->missing_message = 1;
}

static int blis_fuzz_bench(const unsigned char *data, size_t size) {
    blis_bench_validation v;
    blis_fuzz_bench_seen seen;
    blis_mfu_db db;
    blis_err err;
    blis_status st;
    int kind, rc = 0;
    const char *src = (const char *)data + 1;
    static const char *const names[3] = {"data", "32-8-128", "32-8-128-tp1"};
    if (size < 1) return 0;
    kind = data[0] % 3;
    memset(&v, 0, sizeof v);
    memset(&seen, 0, sizeof seen);
    v.report = blis_fuzz_bench_report;
    v.user = &seen;
    v.max_per_file = 1000000;
    blis_bench_validate_csv(&v, (blis_bench_kind)kind, src, size - 1, "fuzz.csv");
    if (seen.missing_message) return blis_fuzz_report("bench", "a finding without a message");
    blis_mfu_db_init(&db, NULL);
    st = kind == 0   ? blis_mfu_db_add_gemm_csv(&db, src, size - 1, "fuzz.csv", &err)
         : kind == 1 ? blis_mfu_db_add_prefill_csv(&db, names[1], src, size - 1, "fuzz.csv", &err)
                     : blis_mfu_db_add_decode_csv(&db, names[2], src, size - 1, "fuzz.csv", &err);
    if (st != BLIS_OK && v.errors == 0) rc = blis_fuzz_report("bench", "a table that validates does not load");
    if (st == BLIS_OK && kind == 0) {
        static const int64_t ms[5] = {1, 7, 512, 100000, (int64_t)1 << 40};
        int i;
        for (i = 0; i < 5; i++) {
            double m = blis_mfu_gemm(&db, ms[i], 4096, 4096);
            if (!(m >= 1e-4 && m <= DBL_MAX)) rc = blis_fuzz_report("bench", "GEMM MFU not finite or below the floor");
        }
    }
    if (st == BLIS_OK && kind > 0) {
        blis_model_config m;
        memset(&m, 0, sizeof m);
        m.num_heads = 32;
        m.num_kv_heads = 8;
        m.hidden_size = 4096;
        if (kind == 2) { /* a decode table is reached through a prefill config */
            const char *pre = "dtype,seq_len,latency_us,mfu\nbf16,1024,10,0.5\n";
            (void)blis_mfu_db_add_prefill_csv(&db, names[1], pre, strlen(pre), "pre.csv", &err);
        }
        if (blis_mfu_db_select_model(&db, &m, &err) == BLIS_OK) {
            static const int64_t xs[5] = {0, 1, 1000, 65536, (int64_t)1 << 40};
            int i, j;
            for (i = 0; i < 5; i++) {
                double p = blis_mfu_attn_prefill(&db, xs[i]);
                if (!(p >= 1e-4 && p <= DBL_MAX)) rc = blis_fuzz_report("bench", "prefill MFU out of range");
                for (j = 0; j < 5; j++) {
                    double d = blis_mfu_attn_decode(&db, xs[i], xs[j], 1);
                    if (!(d >= 1e-4 && d <= DBL_MAX)) rc = blis_fuzz_report("bench", "decode MFU out of range");
                }
            }
        }
    }
    blis_mfu_db_free(&db);
    return rc;
}

/* A document as a defaults file (run's defaults.yaml): presets, the
 * model's defaults and hf_repo, trained coefficients; each refused with a
 * message or giving values within their documented ranges. */
static int blis_fuzz_defaults(const blis_doc *doc) {
    static const char *const presets[3] = {"chatbot", "summarization", "x"};
    static const char *const models[2] = {"meta-llama/llama-3.1-8b-instruct", "qwen3-14b"};
    blis_legacy_workload w;
    blis_err err;
    char gpu[64], vllm[64], repo[256];
    double alpha[3], beta[3];
    int64_t kv = 0;
    int i, tp = 0, found = 0;
    for (i = 0; i < 3; i++) {
        memset(&err, 0, sizeof err);
        if (blis_defaults_workload(doc, presets[i], &w, &err) != BLIS_OK && !err.msg[0])
            return blis_fuzz_report("defaults", "preset error without a message");
    }
    for (i = 0; i < 2; i++) {
        memset(&err, 0, sizeof err);
        if (blis_defaults_specs(doc, models[i], gpu, sizeof gpu, &tp, vllm, sizeof vllm, &err) != BLIS_OK &&
            !err.msg[0])
            return blis_fuzz_report("defaults", "specs error without a message");
        if (blis_defaults_hf_repo(doc, models[i], repo, sizeof repo, &err) != BLIS_OK && !err.msg[0])
            return blis_fuzz_report("defaults", "hf_repo error without a message");
        if (blis_defaults_coefficients(doc, models[i], 1, "H100", "v", alpha, beta, &kv, &found, &err) != BLIS_OK) {
            if (!err.msg[0]) return blis_fuzz_report("defaults", "coefficients error without a message");
        } else if (found && kv < 0) {
            return blis_fuzz_report("defaults", "negative KV blocks accepted");
        }
    }
    return 0;
}

static int blis_fuzz_yaml(const unsigned char *data, size_t size) {
    blis_doc doc, again;
    blis_err err;
    blis_buf a, b;
    int rc = 0;
    blis_status wst;
    if (blis_yaml_parse((const char *)data, size, NULL, &doc, &err) != BLIS_OK) {
        if (err.status == BLIS_OK || err.msg[0] == '\0')
            return blis_fuzz_report("yaml", "error without status or message");
        if (doc.nodes != NULL) return blis_fuzz_report("yaml", "failed parse left nodes");
        return 0;
    }
    if (blis_doc_check(&doc)) rc = blis_fuzz_report("yaml", "document invariants");
    if (!rc) rc = blis_fuzz_spec(&doc);
    if (!rc) rc = blis_fuzz_policy(&doc);
    if (!rc) rc = blis_fuzz_defaults(&doc);
    wst = rc ? BLIS_E_INVALID : (blis_status)blis_fuzz_write_doc(&doc, &a);
    if (!rc && wst == BLIS_OK) {
        if (blis_json_parse(a.data, a.len, NULL, &again, &err) != BLIS_OK) {
            rc = blis_fuzz_report("yaml", "JSON of the document does not parse");
        } else {
            if (blis_fuzz_write_doc(&again, &b) != BLIS_OK || b.len != a.len || memcmp(a.data, b.data, a.len))
                rc = blis_fuzz_report("yaml", "JSON round trip differs");
            blis_buf_free(&b);
            blis_doc_free(&again);
        }
        if (!rc && blis_yaml_parse(a.data, a.len, NULL, &again, &err) == BLIS_OK) {
            if (blis_fuzz_write_doc(&again, &b) != BLIS_OK || b.len != a.len || memcmp(a.data, b.data, a.len))
                rc = blis_fuzz_report("yaml", "YAML round trip through JSON differs");
            blis_buf_free(&b);
            blis_doc_free(&again);
        } else if (!rc) {
            rc = blis_fuzz_report("yaml", "JSON of the document does not parse as YAML");
        }
    } else if (!rc && wst != BLIS_E_INVALID) {
        rc = blis_fuzz_report("yaml", "writer failed");
    }
    if (wst == BLIS_OK || wst == BLIS_E_INVALID) blis_buf_free(&a);
    blis_doc_free(&doc);
    return rc;
}

static void blis_fuzz_csv_quote(blis_buf *out, const char *s, size_t n) {
    size_t i;
    blis_buf_write(out, "\"", 1);
    for (i = 0; i < n; i++) blis_buf_write(out, s[i] == '"' ? "\"\"" : s + i, s[i] == '"' ? 2u : 1u);
    blis_buf_write(out, "\"", 1);
}

/* CSV: a parsed table satisfies the invariants; the streaming reader sees
 * the same rows; writing the table back (all fields quoted) and parsing it
 * gives the same cells. */
static int blis_fuzz_csv(const unsigned char *data, size_t size) {
    blis_csv csv, again;
    blis_csv_reader r;
    blis_err err;
    blis_buf out;
    uint32_t row, col, rows = 0;
    int has = 1, rc = 0;
    blis_fuzz_mfu_tables(data, size);
    if (blis_fuzz_trace(data, size)) return 1;
    if (blis_csv_parse((const char *)data, size, NULL, &csv, &err) != BLIS_OK) {
        if (err.status == BLIS_OK || err.msg[0] == '\0')
            return blis_fuzz_report("csv", "error without status or message");
        return 0;
    }
    if (blis_csv_check(&csv)) rc = blis_fuzz_report("csv", "table invariants");
    if (blis_csv_reader_init(&r, (const char *)data, size, NULL, &err) == BLIS_OK) {
        while (has && blis_csv_reader_next(&r, &has, &err) == BLIS_OK) rows += (uint32_t)has;
        blis_csv_reader_free(&r);
        if (rows != csv.rows + 1) rc = blis_fuzz_report("csv", "reader and table disagree on rows");
    }
    memset(&out, 0, sizeof out);
    for (row = 0; row <= csv.rows && !rc; row++) {
        for (col = 0; col < csv.columns; col++) {
            const blis_csv_field *f = row == 0 ? &csv.header[col] : blis_csv_cell(&csv, row - 1, col);
            if (col) blis_buf_write(&out, ",", 1);
            blis_fuzz_csv_quote(&out, f->ptr, f->len);
        }
        blis_buf_write(&out, "\n", 1);
    }
    if (!rc) {
        if (blis_csv_parse(out.data, out.len, NULL, &again, &err) != BLIS_OK) {
            rc = blis_fuzz_report("csv", "written table does not parse");
        } else {
            if (again.rows != csv.rows || again.columns != csv.columns) rc = blis_fuzz_report("csv", "shape changed");
            for (row = 0; row < csv.rows && !rc; row++)
                for (col = 0; col < csv.columns && !rc; col++) {
                    const blis_csv_field *x = blis_csv_cell(&csv, row, col), *y = blis_csv_cell(&again, row, col);
                    if (x->len != y->len || memcmp(x->ptr, y->ptr, x->len))
                        rc = blis_fuzz_report("csv", "cell changed");
                }
            blis_csv_free(&again);
        }
    }
    blis_buf_free(&out);
    blis_csv_free(&csv);
    return rc;
}

/* Numbers: whatever parses as a JSON-grammar number must equal libc strtod
 * in the C locale bit for bit, and its Go rendering must parse back to the
 * same double. */
static int blis_fuzz_number(const unsigned char *data, size_t size) {
    char buf[128], out[BLIS_F64_BUF_MAX];
    double v = 0, ref, back = 0;
    blis_status st;
    if (size >= sizeof buf) return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    if (strlen(buf) != size) return 0; /* embedded NUL: strtod cannot compare */
    st = blis_parse_f64(buf, size, 0, &v);
    if (st == BLIS_E_SYNTAX) return 0;
    ref = strtod(buf, NULL);
    if (st == BLIS_E_RANGE) return (ref - ref == 0) ? blis_fuzz_report("number", "range error for a finite value") : 0;
    if (memcmp(&v, &ref, sizeof v) != 0) return blis_fuzz_report("number", "differs from strtod");
    if (blis_f64_format_go(v, out) == 0 || blis_parse_f64(out, strlen(out), 0, &back) != BLIS_OK ||
        memcmp(&v, &back, sizeof v) != 0)
        return blis_fuzz_report("number", "format does not round-trip");
    return 0;
}

/* SVG charts: the bytes give the title, labels and subtitle (NUL-separated
 * text, any bytes), the flags (log axes, markers, an SLO line, a mark) and
 * the points as raw doubles (NaN, infinities, denormals, 1e300). A chart
 * written is well-formed as far as text goes: valid UTF-8 with no control
 * character but line ends, one </text> per <text, ending in </svg>. */
static int blis_fuzz_svg(const unsigned char *data, size_t size) {
    const char *text[5] = {"", "", "", NULL, ""};
    char *copy = (char *)malloc(size + 1);
    double *v;
    size_t at = 0, k, nv, opens = 0, closes = 0;
    unsigned flags = size ? data[0] : 0;
    blis_chart c;
    blis_chart_series sr[2];
    blis_buf out;
    blis_err err;
    blis_status st;
    int rc = 0;
    if (!copy) return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    at = size ? 1 : 0;
    for (k = 0; k < 5 && at < size; k++) { /* five NUL-terminated texts after the flags byte */
        const char *nul = (const char *)memchr(copy + at, '\0', size - at);
        size_t n = nul ? (size_t)(nul - (copy + at)) : size - at;
        text[k] = copy + at;
        at += n + 1;
    }
    if (at > size) at = size;
    nv = (size - at) / sizeof(double);
    v = (double *)malloc((nv + 1) * sizeof *v);
    if (!v) {
        free(copy);
        return 0;
    }
    memcpy(v, data + at, nv * sizeof *v);
    memset(&c, 0, sizeof c);
    memset(sr, 0, sizeof sr);
    c.title = text[0], c.x_label = text[1], c.y_label = text[2], c.subtitle = text[3];
    c.log_x = (int)(flags & 1u), c.log_y = (int)((flags >> 1) & 1u);
    c.has_hline = (int)((flags >> 2) & 1u), c.hline_y = nv ? v[0] : 1, c.hline_label = text[4];
    c.has_mark = (int)((flags >> 3) & 1u), c.mark_x = nv > 1 ? v[1] : 1, c.mark_y = nv > 2 ? v[2] : 1;
    c.mark_label = text[4];
    sr[0].label = text[4], sr[0].x = v, sr[0].y = v + nv / 4, sr[0].n = nv / 4,
    sr[0].markers = (int)((flags >> 4) & 3u);
    sr[1].label = text[0], sr[1].x = v + nv / 2, sr[1].y = v + 3 * (nv / 4), sr[1].n = nv / 4, sr[1].markers = 1;
    c.series = sr;
    c.n_series = (flags >> 6) & 1u ? 1 : 2;
    memset(&out, 0, sizeof out);
    st = blis_svg_chart(&c, blis_buf_write, &out, &err);
    if (st != BLIS_OK) {
        if (!err.msg[0]) rc = blis_fuzz_report("svg", "error without a message");
    } else {
        const unsigned char *p = (const unsigned char *)out.data;
        size_t i = 0, n;
        uint32_t cp;
        while (i < out.len && !rc) {
            if (!(n = blis__utf8_decode(p + i, out.len - i, &cp)))
                rc = blis_fuzz_report("svg", "invalid UTF-8");
            else if ((cp < 0x20 && cp != '\n') || cp == 0x7F)
                rc = blis_fuzz_report("svg", "a control character");
            else if (cp == '<' && i + 5 <= out.len && !memcmp(p + i, "<text", 5))
                opens++;
            else if (cp == '<' && i + 7 <= out.len && !memcmp(p + i, "</text>", 7))
                closes++;
            i += n ? n : 1;
        }
        if (!rc && opens != closes) rc = blis_fuzz_report("svg", "<text> and </text> do not pair");
        if (!rc && (out.len < 7 || memcmp(out.data + out.len - 7, "</svg>\n", 7) != 0))
            rc = blis_fuzz_report("svg", "does not end in </svg>");
    }
    blis_buf_free(&out);
    free(v);
    free(copy);
    return rc;
}

/* Described ground-truth records (evaluate --ignore-traces): a record the
 * profile reader accepts expands, at most 500 requests kept, into arrivals
 * from 0 in order with positive token counts; where the description draws
 * few enough to expand whole, the 500 kept are the whole expansion's first
 * (bounded generation keeps the same requests). Refusals carry a message. */
static int blis_fuzz_profile(const unsigned char *data, size_t size) {
    blis_doc doc;
    blis_err err;
    blis_gt_experiment e;
    blis_eval_trace t, all;
    int64_t drawn;
    size_t i;
    int rc = 0;
    if (blis_json_parse((const char *)data, size, NULL, &doc, &err) != BLIS_OK) return 0;
    if (blis_gt_experiment_from_doc(&doc, blis_doc_root(&doc), &e, &err) != BLIS_OK) {
        blis_doc_free(&doc);
        return err.msg[0] ? 0 : blis_fuzz_report("profile", "record error without a message");
    }
    drawn = blis__gt_profile_count(&e.profile);
    if (e.profile.kind == BLIS_GT_PROFILE_NONE || drawn > 2000000) { /* fuzzing time, not a limit of blis */
        blis_doc_free(&doc);
        return 0;
    }
    if (blis_eval_trace_from_profile(&e, 42, 16, 500, NULL, &t, &err) != BLIS_OK) {
        blis_doc_free(&doc);
        return err.msg[0] ? 0 : blis_fuzz_report("profile", "expansion error without a message");
    }
    if (t.n == 0 || t.n > 500 || t.arrival_us[0] != 0) rc = blis_fuzz_report("profile", "kept count or origin");
    for (i = 0; i < t.n && !rc; i++)
        if ((i && t.arrival_us[i] < t.arrival_us[i - 1]) || t.input_tokens[i] < 1 || t.output_tokens[i] < 1)
            rc = blis_fuzz_report("profile", "arrivals out of order or a token count below 1");
    if (!rc && drawn <= 20000 && blis_eval_trace_from_profile(&e, 42, 16, 0, NULL, &all, &err) == BLIS_OK) {
        for (i = 0; i < t.n && i < all.n && !rc; i++)
            if (t.arrival_us[i] != all.arrival_us[i] || t.input_tokens[i] != all.input_tokens[i] ||
                t.output_tokens[i] != all.output_tokens[i] || t.prompt_id[i] != all.prompt_id[i])
                rc = blis_fuzz_report("profile", "the kept requests are not the whole expansion's first");
        blis_eval_trace_free(&all);
    }
    blis_eval_trace_free(&t);
    blis_doc_free(&doc);
    return rc;
}

#endif
