/* tests/bench.c - `make bench`: throughput of the parsers and of the number
 * conversions on synthetic inputs built in memory (no files needed).
 * Prints one line per benchmark: name, size, best-of-5 time, rate. */
#define BLIS_IMPLEMENTATION
#include "../blis.h"

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
    return sink < 0;
}
