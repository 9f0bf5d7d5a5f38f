/* tests/bench.c - `make bench`: throughput of the parsers and of the number
 * conversions on synthetic inputs built in memory (no files needed).
 * Prints one line per benchmark: name, size, best-of-5 time, rate. */
#define BLIS_IMPLEMENTATION
#include "../blis.h"
#include "../blis_fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef int (*bench_fn)(const blis_buf *in);

static int run_json(const blis_buf *in) {
    blis_doc d;
    blis_err e;
    int ok = blis_json_parse(in->data, in->len, NULL, &d, &e) == BLIS_OK;
    blis_doc_free(&d);
    return ok;
}
static int run_yaml(const blis_buf *in) {
    blis_doc d;
    blis_err e;
    int ok = blis_yaml_parse(in->data, in->len, NULL, &d, &e) == BLIS_OK;
    blis_doc_free(&d);
    return ok;
}
static int run_csv(const blis_buf *in) {
    blis_csv c;
    blis_err e;
    int ok = blis_csv_parse(in->data, in->len, NULL, &c, &e) == BLIS_OK;
    blis_csv_free(&c);
    return ok;
}

static void bench(const char *name, bench_fn fn, const blis_buf *in) {
    double best = 1e9;
    int i;
    for (i = 0; i < 5; i++) {
        double t0 = now_s();
        if (!fn(in)) {
            printf("%-22s FAILED to parse\n", name);
            return;
        }
        if (now_s() - t0 < best) best = now_s() - t0;
    }
    printf("%-22s %8.2f MiB  %8.2f ms  %8.1f MiB/s\n", name, (double)in->len / 1048576.0, best * 1e3,
           (double)in->len / 1048576.0 / best);
}

/* A synthetic MFU database shaped like the reference's H100 tables (GEMM
 * rows over m for several (k, n); prefill and decode attention grids), so
 * the benchmark needs no outside file. */
static void synthetic_db(blis_mfu_db *db) {
    blis_buf g, p, d;
    blis_err err;
    static const int kn[][2] = {{2048, 6144}, {4096, 6144},  {4096, 11008}, {8192, 11008},
                                {3584, 6144}, {4096, 14336}, {14336, 4096}};
    size_t i;
    int m, bs, kv, seq;
    char line[128];
    memset(&g, 0, sizeof g);
    memset(&p, 0, sizeof p);
    memset(&d, 0, sizeof d);
    blis_buf_write(&g, "m,k,n,latency_us,mfu\n", 21);
    for (i = 0; i < sizeof kn / sizeof kn[0]; i++)
        for (m = 8; m <= 131072; m *= 2) {
            int n = snprintf(line, sizeof line, "%d,%d,%d,1.0,%.3f\n", m, kn[i][0], kn[i][1],
                             m >= 4096 ? 0.7 : 0.7 * m / 4096.0 + 0.01);
            blis_buf_write(&g, line, (size_t)n);
        }
    blis_buf_write(&p, "dtype,seq_len,latency_us,mfu\n", 29);
    for (seq = 1024; seq <= 32768; seq *= 2) {
        int n = snprintf(line, sizeof line, "bf16,%d,1.0,0.%d\n", seq, 2 + seq / 8192);
        blis_buf_write(&p, line, (size_t)n);
    }
    blis_buf_write(&d, "dtype,kv_dtype,batch_size,kv_len,latency_us,mfu\n", 48);
    for (bs = 1; bs <= 512; bs *= 2)
        for (kv = 1024; kv <= 131072; kv *= 2) {
            int n = snprintf(line, sizeof line, "bf16,bf16,%d,%d,1.0,0.0%d\n", bs, kv, 1 + (bs + kv / 1024) % 9);
            blis_buf_write(&d, line, (size_t)n);
        }
    blis_mfu_db_init(db, NULL);
    if (blis_mfu_db_add_gemm_csv(db, g.data, g.len, "gemm", &err) ||
        blis_mfu_db_add_prefill_csv(db, "32-8-128", p.data, p.len, "p", &err) ||
        blis_mfu_db_add_decode_csv(db, "32-8-128-tp1", d.data, d.len, "d", &err))
        printf("synthetic db: %s\n", err.msg);
    blis_buf_free(&g);
    blis_buf_free(&p);
    blis_buf_free(&d);
}

static void bench_roofline(void) {
    blis_model_config m;
    blis_hw_config hw;
    blis_mfu_db db;
    blis_step_req pre[4], dec[252];
    blis_step_batch b;
    blis_step_breakdown out;
    blis_err err;
    int i, iters = 200000, v;
    double t0, t1;
    int64_t sink = 0;
    memset(&m, 0, sizeof m);
    strcpy(m.model_type, "llama");
    m.num_layers = 32;
    m.hidden_size = 4096;
    m.num_heads = 32;
    m.num_kv_heads = 8;
    m.intermediate_size = 14336;
    m.bytes_per_param = 2;
    memset(&hw, 0, sizeof hw);
    hw.tflops_peak = 989.5;
    hw.bw_peak_tbs = 3.35;
    hw.v1_bw_efficiency = 0.72;
    hw.v1_step_overhead_us = 500;
    hw.v1_layer_overhead_us = 20;
    hw.v1_mfu_prefill = 0.65;
    hw.v1_mfu_decode = 0.12;
    hw.v1_allreduce_us = 20;
    hw.v2_bw_efficiency = 0.82;
    hw.v2_layer_cpu_overhead_us = 100;
    for (i = 0; i < 4; i++) {
        pre[i].progress_tokens = 512 * i;
        pre[i].new_tokens = 512;
    }
    for (i = 0; i < 252; i++) {
        dec[i].progress_tokens = 100 + 37 * i;
        dec[i].new_tokens = 1;
    }
    b.prefill = pre;
    b.prefill_count = 4;
    b.decode = dec;
    b.decode_count = 252;
    synthetic_db(&db);
    blis_mfu_db_select_model(&db, &m, &err);
    printf("roofline step evaluation, llama-3.1-8b shape, 256-request mixed batch (4 prefill chunks + 252 decodes)\n");
    for (v = 1; v <= 2; v++) {
        int n = v == 1 ? iters : iters / 4;
        t0 = now_s();
        for (i = 0; i < n; i++) {
            if (v == 1)
                blis_roofline_v1_step(&m, &hw, 1 + i % 2, &b, &out, &err);
            else
                blis_roofline_v2_step(&m, &hw, &db, 1 + i % 2, &b, &out, &err);
            sink += out.step_time_us;
        }
        t1 = now_s();
        printf("%-22s %8d steps %8.2f ms  %8.3f us/step\n", v == 1 ? "roofline_v1_step" : "roofline_v2_step", n,
               (t1 - t0) * 1e3, (t1 - t0) * 1e6 / n);
    }
    if (sink == 42) printf("\n");
    blis_mfu_db_free(&db);
}

int main(void) {
    blis_buf js, ys, cs;
    char line[256];
    int i, n;
    uint64_t s = 88172645463325252ull;
    double t0, t1, sink = 0;
    memset(&js, 0, sizeof js);
    memset(&ys, 0, sizeof ys);
    memset(&cs, 0, sizeof cs);
    blis_buf_write(&js, "[", 1);
    blis_buf_write(&ys, "requests:\n", 10);
    {
        static const char hdr[] = "request_id,arrival_us,num_input_tokens,num_output_tokens,ttft_ms\n";
        blis_buf_write(&cs, hdr, sizeof hdr - 1);
    }
    for (i = 0; i < 100000; i++) {
        double v = (double)(i * 7919 % 100003) / 7.0;
        char num[BLIS_F64_BUF_MAX];
        blis_f64_format_go(v, num);
        n = snprintf(line, sizeof line,
                     "%s{\"id\":\"request_%d\",\"arrival_us\":%lld,\"in\":%d,\"ttft_ms\":%s,\"ok\":true}", i ? "," : "",
                     i, (long long)i * 99999, 100 + i % 900, num);
        blis_buf_write(&js, line, (size_t)n);
        n = snprintf(line, sizeof line, "  - {id: request_%d, arrival_us: %lld, in: %d, ttft_ms: %s}\n", i,
                     (long long)i * 99999, 100 + i % 900, num);
        blis_buf_write(&ys, line, (size_t)n);
        n = snprintf(line, sizeof line, "request_%d,%lld,%d,%d,%s\n", i, (long long)i * 99999, 100 + i % 900,
                     1 + i % 500, num);
        blis_buf_write(&cs, line, (size_t)n);
    }
    blis_buf_write(&js, "]", 1);
    printf("blis %s parser benchmarks (100,000 records each; best of 5)\n", BLIS_VERSION);
    bench("json_parse", run_json, &js);
    bench("yaml_parse (flow rows)", run_yaml, &ys);
    bench("csv_parse", run_csv, &cs);
    t0 = now_s();
    for (i = 0; i < 1000000; i++) {
        double v;
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        v = (double)(s % 10000000000ull) / 1e6;
        n = (int)blis_f64_format_go(v, line);
        sink += (double)n;
    }
    t1 = now_s();
    printf("%-22s %8d nums  %8.2f ms  %8.1f ns/number\n", "f64_format_go", 1000000, (t1 - t0) * 1e3, (t1 - t0) * 1e3);
    t0 = now_s();
    for (i = 0; i < 1000000; i++) {
        double v = 0;
        n = snprintf(line, sizeof line, "%d.%06d", i % 100000, (i * 7) % 1000000);
        blis_parse_f64(line, (size_t)n, 0, &v);
        sink += v;
    }
    t1 = now_s();
    printf("%-22s %8d nums  %8.2f ms  %8.1f ns/number (incl. snprintf)\n", "f64_parse (<=15 digits)", 1000000,
           (t1 - t0) * 1e3, (t1 - t0) * 1e3);
    t0 = now_s();
    for (i = 0; i < 200000; i++) {
        double v = 0;
        n = snprintf(line, sizeof line, "%d.%012d3", i, (i * 7919) % 1000000);
        blis_parse_f64(line, (size_t)n, 0, &v);
        sink += v;
    }
    t1 = now_s();
    printf("%-22s %8d nums  %8.2f ms  %8.1f ns/number (incl. snprintf)\n", "f64_parse (17+ digits)", 200000,
           (t1 - t0) * 1e3, (t1 - t0) * 1e3 / 0.2);
    blis_buf_free(&js);
    blis_buf_free(&ys);
    blis_buf_free(&cs);
    bench_roofline();
    return sink < 0;
}
