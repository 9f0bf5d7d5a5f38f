/* Capacity planning: blis.h >>plan (SLOs, goodput, capacity, grids, the
 * Pareto front, the knee, SVG charts) and the tools' run --json / --slo,
 * sweep, sweep merge, search and plot. Included after test_cli.c (t_run). */
#include <dirent.h>

#define PLAN_RUN "./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --hardware H100 --tp 1"

/* A number member of a JSON document, by its key (NaN when absent). */
static double t_json_num(const char *doc, const char *key) {
    char pat[80];
    const char *p;
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    p = strstr(doc, pat);
    return p ? strtod(p + strlen(pat), NULL) : NAN;
}

typedef struct slo_case {
    const char *name;
    const char *text;
    int ok;
    const char *canonical; /* blis_slo_format, or the error's expected fragment */
} slo_case;

static const slo_case slo_cases[] = {
    {"slo_1", "ttft_p99<500ms", 1, "ttft_p99<500ms"},
    {"slo_2", "ttft_p99<500ms,itl_p99<50ms,e2e_p90<=10s", 1, "ttft_p99<500ms,itl_p99<50ms,e2e_p90<=10000ms"},
    {"slo_3", " itl_mean < 2500us ", 1, "itl_mean<2.5ms"},
    {"slo_4", "scheduling_delay_p99<1s", 1, "scheduling_delay_p99<1000ms"},
    {"slo_5", "e2e_p95<0.5s", 1, "e2e_p95<500ms"},
    {"slo_6", "ttft_p50<500ms", 0, "unknown metric \"ttft_p50\""},
    {"slo_7", "scheduling_delay_mean<1s", 0, "unknown metric"},
    {"slo_8", "ttft_p99<500", 0, "needs a unit"},
    {"slo_9", "ttft_p99<500min", 0, "unknown unit \"min\""},
    {"slo_10", "ttft_p99>500ms", 0, "expected METRIC<LIMIT"},
    {"slo_11", "ttft_p99<-5ms", 0, "a number > 0"},
    {"slo_12", "ttft_p99<0ms", 0, "a number > 0"},
    {"slo_13", "ttft_p99<500ms,", 0, "empty SLO objective"},
    {"slo_14", "", 0, "empty SLO objective"},
};

static void slo_case_run(t_ctx *t_, const slo_case *c) {
    blis_slo_set set;
    blis_err err;
    char buf[400];
    blis_status st = blis_slo_parse(c->text, &set, &err);
    CHECK_EQ_I64(st == BLIS_OK, c->ok);
    if (c->ok && st == BLIS_OK) {
        blis_slo_format(&set, buf, sizeof buf);
        CHECK_STR(buf, c->canonical);
    } else if (st != BLIS_OK) {
        CHECK_CONTAINS(err.msg, c->canonical);
    }
}
TABLE(slo_parse, slo_cases, slo_case_run)

TEST(slo_value_reads_the_metrics_block) {
    blis_metrics m;
    blis_slo_set set;
    blis_err err;
    memset(&m, 0, sizeof m);
    m.ttft_mean_ms = 1, m.ttft_p90_ms = 2, m.ttft_p95_ms = 3, m.ttft_p99_ms = 4;
    m.itl_mean_ms = 5, m.itl_p99_ms = 8, m.e2e_p90_ms = 10, m.scheduling_delay_p99_ms = 12;
    CHECK_EQ_I64(
        blis_slo_parse("ttft_mean<1ms,ttft_p95<1ms,itl_p99<1ms,e2e_p90<1ms,scheduling_delay_p99<1ms", &set, &err),
        BLIS_OK);
    CHECK_EQ_F64(blis_slo_value_ms(&m, &set.slo[0]), 1);
    CHECK_EQ_F64(blis_slo_value_ms(&m, &set.slo[1]), 3);
    CHECK_EQ_F64(blis_slo_value_ms(&m, &set.slo[2]), 8);
    CHECK_EQ_F64(blis_slo_value_ms(&m, &set.slo[3]), 10);
    CHECK_EQ_F64(blis_slo_value_ms(&m, &set.slo[4]), 12);
}

TEST(capacity_and_cost_by_hand) {
    blis_metrics m;
    blis_capacity c;
    memset(&m, 0, sizeof m);
    m.tokens_per_s = 7900; /* the reference's count (each request's first token left out): not the one costed */
    m.generated_tokens_per_s = 8000;
    m.responses_per_s = 16;
    m.itl_mean_ms = 20;
    blis_capacity_compute(&m, 4, 2.5, &c);
    CHECK_EQ_I64(c.gpus, 4);
    CHECK_EQ_F64(c.tokens_per_s_per_gpu, 2000);
    CHECK_EQ_F64(c.requests_per_s_per_gpu, 4);
    CHECK_EQ_F64(c.tokens_per_s_per_user, 50);
    CHECK_EQ_F64(c.usd_per_hour, 10);
    /* $10/hour for 8000 tok/s = 28.8M tokens per hour: $0.3472.. per million */
    CHECK(fabs(c.usd_per_million_output_tokens - 10.0 / 28.8) < 1e-12);
    blis_capacity_compute(&m, 4, NAN, &c);
    CHECK(isnan(c.usd_per_hour) && isnan(c.usd_per_million_output_tokens));
}

TEST(price_table_lookup) {
    const char *src = "{\"gpus\": {\"H100\": {\"usd_per_gpu_hour\": 3.0}, \"bad\": {\"usd_per_gpu_hour\": -1}}}";
    blis_doc doc;
    blis_err err;
    double usd = 0;
    CHECK_EQ_I64(blis_json_parse(src, strlen(src), NULL, &doc, &err), BLIS_OK);
    CHECK_EQ_I64(blis_price_lookup(&doc, "h100", &usd, &err), BLIS_OK);
    CHECK_EQ_F64(usd, 3.0);
    CHECK_EQ_I64(blis_price_lookup(&doc, "L40S", &usd, &err), BLIS_OK);
    CHECK(isnan(usd));
    CHECK_EQ_I64(blis_price_lookup(&doc, "bad", &usd, &err), BLIS_E_INVALID);
    CHECK_STR(err.path, "gpus.bad.usd_per_gpu_hour");
    blis_doc_free(&doc);
}

TEST(pareto_front_by_hand) {
    /* (1,5) (2,4) (3,1) on the front; (1,3) (2,2) dominated; (3,1) twice: both on it; NaN never */
    const double x[] = {1, 2, 3, 1, 2, 3, NAN, 0.5};
    const double y[] = {5, 4, 1, 3, 2, 1, 9, 5};
    unsigned char front[8];
    blis_err err;
    CHECK_EQ_I64((int64_t)blis_pareto(x, y, 8, front, &err), 4);
    CHECK(front[0] && front[1] && front[2] && front[5]);
    CHECK(!front[3] && !front[4] && !front[6] && !front[7]); /* (0.5,5) is dominated by (1,5) */
}

TEST(knee_of_a_hockey_stick) {
    const double x[] = {1, 2, 3, 4, 5, 6, 7};
    const double y[] = {10, 10.5, 11, 11.5, 12, 40, 90};
    const double flat[] = {3, 3, 3};
    double neg[7];
    const double tput[] = {1, 2, 3, 3.05, 3.1, 3.1, 3.1};
    size_t i;
    CHECK_EQ_I64(blis_knee(x, y, 7), 4); /* the last point before latency climbs */
    CHECK_EQ_I64(blis_knee(x, flat, 3), -1);
    CHECK_EQ_I64(blis_knee(x, y, 2), -1);
    for (i = 0; i < 7; i++) neg[i] = -tput[i];
    /* throughput stops tracking the load at x = 3: scaled, 0.619 below the chord there, 0.476 at x = 4 */
    CHECK_EQ_I64(blis_knee(x, neg, 7), 2);
}

TEST(grid_from_yaml) {
    const char *src = "slo: ttft_p99<500ms\n"
                      "fixed: {num-requests: 200, model: qwen/qwen2.5-7b-instruct}\n"
                      "axes:\n"
                      "  hardware: [H100, A100-80]\n"
                      "  tp: 2\n"
                      "  rate: {from: 0.1, to: 0.5, step: 0.1}\n";
    blis_doc doc;
    blis_grid g;
    blis_err err;
    const char *v[BLIS_GRID_MAX_AXES];
    CHECK_EQ_I64(blis_yaml_parse(src, strlen(src), NULL, &doc, &err), BLIS_OK);
    blis_grid_init(&g);
    CHECK_EQ_I64(blis_grid_from_doc(&doc, &g, &err), BLIS_OK);
    CHECK_EQ_I64((int64_t)g.n_axes, 3);
    CHECK_EQ_I64((int64_t)g.points, 10);
    CHECK_STR(g.slo, "ttft_p99<500ms");
    CHECK_EQ_I64((int64_t)g.n_fixed, 2);
    CHECK_STR(g.fixed_name[0], "num-requests");
    CHECK_STR(g.fixed_value[0], "200");
    CHECK_STR(g.axes[2].values[2], "0.3"); /* 0.1 + 2 x 0.1, not 0.30000000000000004 */
    CHECK_STR(g.axes[2].values[4], "0.5");
    blis_grid_point_values(&g, 0, v);
    CHECK(!strcmp(v[0], "H100") && !strcmp(v[1], "2") && !strcmp(v[2], "0.1"));
    blis_grid_point_values(&g, 7, v); /* the last axis fastest: 7 = 1 x 5 + 2 */
    CHECK(!strcmp(v[0], "A100-80") && !strcmp(v[2], "0.3"));
    blis_grid_free(&g);
    blis_doc_free(&doc);
}

typedef struct grid_bad {
    const char *name;
    const char *src, *msg, *path;
} grid_bad;

static const grid_bad grid_bads[] = {
    {"grid_1", "axes: {rate: [1, 2]}\nextra: 1\n", "unknown key \"extra\"", "extra"},
    {"grid_2", "fixed: {seed: 1}\n", "needs \"axes\"", ""},
    {"grid_3", "axes: {rate: {from: 5, to: 1, step: 1}}\n", "from <= to", "axes.rate"},
    {"grid_4", "axes: {rate: {from: 1, to: 5}}\n", "{from: A, to: B, step: S}", "axes.rate"},
    {"grid_5", "axes: {rate: {from: 0, to: 1000000, step: 0.001}}\n", "more than 100000 values", "axes.rate"},
    {"grid_6", "axes: {rate: []}\n", "1..100000 values", "axes.rate"},
    {"grid_7", "axes: {rate: [1, [2]]}\n", "expected a value", "axes.rate[1]"},
    {"grid_8", "axes: {rate: [1]}\nfixed: {seed: [1, 2]}\n", "a list belongs under axes", "fixed.seed"},
    {"grid_9", "axes: {rate: [1]}\nslo: ttft<1ms\n", "unknown metric", "slo"},
};

static void grid_bad_run(t_ctx *t_, const grid_bad *c) {
    blis_doc doc;
    blis_grid g;
    blis_err err;
    CHECK_EQ_I64(blis_yaml_parse(c->src, strlen(c->src), NULL, &doc, &err), BLIS_OK);
    blis_grid_init(&g);
    CHECK(blis_grid_from_doc(&doc, &g, &err) != BLIS_OK);
    CHECK_CONTAINS(err.msg, c->msg);
    CHECK_STR(err.path, c->path);
    CHECK(err.line > 0);
    blis_grid_free(&g);
    blis_doc_free(&doc);
}
TABLE(grid_bad_inputs, grid_bads, grid_bad_run)

TEST(grid_axis_text) {
    blis_grid g;
    blis_err err;
    blis_grid_init(&g);
    CHECK_EQ_I64(blis_grid_add_axis_text(&g, "rate", "1:3:0.5", &err), BLIS_OK);
    CHECK_EQ_I64((int64_t)g.axes[0].n, 5);
    CHECK_STR(g.axes[0].values[1], "1.5");
    CHECK_EQ_I64(blis_grid_add_axis_text(&g, "hardware", "H100,A100-80", &err), BLIS_OK);
    CHECK_EQ_I64((int64_t)g.points, 10);
    CHECK_EQ_I64(blis_grid_add_axis_text(&g, "tp", "1,,2", &err), BLIS_E_INVALID);
    CHECK_CONTAINS(err.msg, "empty value");
    CHECK_EQ_I64(blis_grid_add_axis_text(&g, "rate", "7", &err), BLIS_E_DUPLICATE);
    blis_grid_free(&g);
}

TEST(svg_chart_is_deterministic_xml) {
    const double x[] = {1, 2, 4, 8}, y[] = {10, 12, 30, 200};
    blis_chart_series s;
    blis_chart c;
    blis_buf a, b;
    blis_err err;
    memset(&s, 0, sizeof s);
    memset(&c, 0, sizeof c);
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    s.label = "p99 <ttft> & more";
    s.x = x, s.y = y, s.n = 4, s.markers = 2;
    c.title = "TTFT vs load";
    c.x_label = "offered load (req/s)";
    c.y_label = "TTFT (ms)";
    c.series = &s;
    c.n_series = 1;
    c.has_hline = 1, c.hline_y = 100, c.hline_label = "SLO";
    c.has_mark = 1, c.mark_x = 4, c.mark_y = 30, c.mark_label = "knee";
    CHECK_EQ_I64(blis_svg_chart(&c, blis_buf_write, &a, &err), BLIS_OK);
    CHECK_EQ_I64(blis_svg_chart(&c, blis_buf_write, &b, &err), BLIS_OK);
    CHECK(a.len == b.len && !memcmp(a.data, b.data, a.len));
    CHECK_CONTAINS(a.data, "p99 &lt;ttft&gt; &amp; more"); /* escaped */
    CHECK_CONTAINS(a.data, "<polyline");
    CHECK_CONTAINS(a.data, ">200</text>");              /* the y axis reaches the data's maximum */
    CHECK_CONTAINS(a.data, "stroke-dasharray=\"8 4\""); /* the SLO line */
    CHECK(strstr(a.data, "</svg>\n") == a.data + a.len - 7);
    {
        size_t lt = 0, gt = 0, i; /* every < has its > (xmllint checks the tools' charts) */
        for (i = 0; i < a.len; i++) lt += a.data[i] == '<', gt += a.data[i] == '>';
        CHECK_EQ_I64((int64_t)lt, (int64_t)gt);
    }
    c.series = NULL, c.n_series = 0;
    CHECK_EQ_I64(blis_svg_chart(&c, blis_buf_write, &a, &err), BLIS_E_INVALID);
    blis_buf_free(&a);
    blis_buf_free(&b);
}

/* Titles and labels with control characters or bytes that are not UTF-8
 * (a hostile --title, a row's key) still make well-formed XML: each such
 * character is U+FFFD, the rest (UTF-8 included) kept (issue 30). */
TEST(svg_text_control_and_bad_utf8) {
    const double x[] = {1, 2}, y[] = {10, 12};
    blis_chart_series s;
    blis_chart c;
    blis_buf a;
    blis_err err;
    size_t i;
    memset(&s, 0, sizeof s);
    memset(&c, 0, sizeof c);
    memset(&a, 0, sizeof a);
    s.label = "key\x1b[31m red";
    s.x = x, s.y = y, s.n = 2;
    c.title = "bad\x01title \xff\xfe caf\xc3\xa9 \xe2\x80\xaeH100\n";
    c.x_label = "x";
    c.y_label = "y";
    c.series = &s;
    c.n_series = 1;
    CHECK_EQ_I64(blis_svg_chart(&c, blis_buf_write, &a, &err), BLIS_OK);
    CHECK_CONTAINS(a.data, "bad\xef\xbf\xbdtitle \xef\xbf\xbd\xef\xbf\xbd caf\xc3\xa9 \xe2\x80\xaeH100\xef\xbf\xbd");
    CHECK_CONTAINS(a.data, "key\xef\xbf\xbd[31m red");
    for (i = 0; i < a.len;) { /* valid UTF-8 throughout, no control character but the line ends */
        uint32_t cp = 0;
        size_t n = blis__utf8_decode((const unsigned char *)a.data + i, a.len - i, &cp);
        CHECK_MSG(n > 0 && (cp >= 0x20 || cp == '\n'), "byte %lu: 0x%02x", (unsigned long)i,
                  (unsigned)(unsigned char)a.data[i]);
        if (n == 0 || (cp < 0x20 && cp != '\n')) break;
        i += n;
    }
    blis_buf_free(&a);
}

/* ---- the tools ---- */

static char *t_slurp(const char *path) {
    char *data = NULL;
    size_t len = 0;
    blis_err err;
    if (blis_file_read(path, 0, NULL, &data, &len, &err) != BLIS_OK) return NULL;
    return data;
}

TEST(run_json_and_slo) {
    static char out[65536];
    blis_doc d;
    blis_err err;
    const blis_node *root;
    double tps = 0, good = 0, att = -1, cost = 0, tpg = 0, ref_tps = 0;
    int pass = -1;
    CHECK_EQ_I64(t_run("(" PLAN_RUN " --rate 10 --num-requests 200 --slo 'ttft_p99<10s,itl_p99<1s' --json 2>/dev/null)",
                       out, sizeof out),
                 0);
    CHECK_EQ_I64(blis_json_parse(out, strlen(out), NULL, &d, &err), BLIS_OK);
    root = blis_doc_root(&d);
    CHECK_EQ_I64(blis_doc_get_bool(&d, root, "slo_pass", &pass, &err), BLIS_OK);
    CHECK_EQ_I64(pass, 1);
    blis_doc_get_f64(&d, root, "tokens_per_sec", &ref_tps, &err);
    blis_doc_get_f64(&d, root, "generated_tokens_per_sec", &tps, &err);
    blis_doc_get_f64(&d, root, "goodput_tokens_per_sec", &good, &err);
    blis_doc_get_f64(&d, root, "slo_attainment", &att, &err);
    blis_doc_get_f64(&d, root, "usd_per_million_output_tokens", &cost, &err);
    blis_doc_get_f64(&d, root, "tokens_per_sec_per_gpu", &tpg, &err);
    CHECK_EQ_F64(att, 1);
    CHECK_EQ_F64(good, tps); /* every request good: goodput is the throughput (every generated token) */
    CHECK_EQ_F64(tpg, tps);  /* one GPU */
    /* the reference's total_output_tokens leaves out each of the 200 requests' first token */
    CHECK_MSG(fabs((tps - ref_tps) * t_json_num(out, "vllm_estimated_duration_s") - 200) < 1e-6,
              "generated %g tok/s, the reference's %g", tps, ref_tps);
    /* the bundled price of an H100 ($3/hour) */
    CHECK(fabs(cost - 3.0 / (tps * 3600) * 1e6) < 1e-9);
    blis_doc_free(&d);
    /* an SLO nobody meets: fails, attainment 0, goodput 0 */
    CHECK_EQ_I64(
        t_run("(" PLAN_RUN " --rate 10 --num-requests 50 --slo 'ttft_p99<1us' --json 2>/dev/null)", out, sizeof out),
        0);
    CHECK_EQ_I64(blis_json_parse(out, strlen(out), NULL, &d, &err), BLIS_OK);
    root = blis_doc_root(&d);
    blis_doc_get_bool(&d, root, "slo_pass", &pass, &err);
    blis_doc_get_f64(&d, root, "goodput_requests_per_sec", &good, &err);
    blis_doc_get_f64(&d, root, "ttft_p99_attainment", &att, &err);
    CHECK_EQ_I64(pass, 0);
    CHECK_EQ_F64(good, 0);
    CHECK_EQ_F64(att, 0);
    blis_doc_free(&d);
    /* a workload spec's own seed and no rate (its arrivals are its own) */
    CHECK_EQ_I64(t_run("(" PLAN_RUN " --workload-spec data/examples/workload_spec.yaml --num-requests 20 --json "
                       "2>/dev/null)",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"seed\": 2026,");
    CHECK_CONTAINS(out, "\"rate\": null,");
    CHECK_CONTAINS(out, "\"workload\": \"data/examples/workload_spec.yaml\",");
    /* text mode: the metrics block unchanged, then the SLO block */
    CHECK_EQ_I64(t_run(PLAN_RUN " --rate 10 --num-requests 20 --slo 'e2e_p90<1h'", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--slo: SLO objective \"e2e_p90<1h\": unknown unit \"h\"");
    CHECK_EQ_I64(t_run("(" PLAN_RUN " --rate 10 --num-requests 20 --slo 'e2e_p90<100s' 2>/dev/null)", out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "=== Simulation Metrics ===");
    CHECK_CONTAINS(out, "=== SLO and Capacity ===");
    CHECK_CONTAINS(out, "\"e2e_p90_met\": true");
}

/* Every member of the run's --json document equals the sweep row's. */
static void t_same_fields(t_ctx *t_, const char *run_json, const char *row) {
    blis_doc a, b;
    blis_err err;
    size_t k, compared = 0;
    const blis_node *ra, *rb;
    CHECK_EQ_I64(blis_json_parse(run_json, strlen(run_json), NULL, &a, &err), BLIS_OK);
    CHECK_EQ_I64(blis_json_parse(row, strlen(row), NULL, &b, &err), BLIS_OK);
    ra = blis_doc_root(&a);
    rb = blis_doc_root(&b);
    for (k = 0; ra && rb && k < ra->count; k++) {
        const char *key = blis_node_key_at(&a, ra, k)->as.string, *ta = NULL, *tb = NULL;
        const blis_node *va = blis_node_at(&a, ra, k), *vb = blis_node_get(&b, rb, key);
        if (!strcmp(key, "blis_version")) continue;
        CHECK_MSG(vb != NULL, "the sweep row lacks %s", key);
        if (!vb) continue;
        if (va->kind == BLIS_NODE_NULL) {
            CHECK_EQ_I64(vb->kind, BLIS_NODE_NULL);
            continue;
        }
        blis_node_text(&a, va, &ta, &err);
        blis_node_text(&b, vb, &tb, &err);
        CHECK_MSG(ta && tb && !strcmp(ta, tb), "%s: run %s, sweep %s", key, ta ? ta : "?", tb ? tb : "?");
        compared++;
    }
    CHECK(compared >= 40);
    blis_doc_free(&a);
    blis_doc_free(&b);
}

TEST(sweep_point_equals_run) {
    static char out[65536], row[16384];
    char *rows;
    const char *line;
    system("rm -f build/plan_sw.jsonl build/plan_sw.jsonl.partial");
    CHECK_EQ_I64(t_run("./simulation_worker sweep --model meta-llama/llama-3.1-8b-instruct --hardware H100 --tp 1,2 "
                       "--rate 4,16 --num-requests 120 --slo 'ttft_p99<300ms,itl_p99<40ms' --quiet --jobs 2 "
                       "--out build/plan_sw.jsonl",
                       out, sizeof out),
                 0);
    rows = t_slurp("build/plan_sw.jsonl");
    CHECK(rows != NULL);
    if (!rows) return;
    /* point 3 is tp=2 rate=16 (the last axis fastest) */
    line = rows;
    {
        int i;
        for (i = 0; i < 3 && line; i++) line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL;
    }
    CHECK(line != NULL);
    if (line) {
        snprintf(row, sizeof row, "%.*s", (int)strcspn(line, "\n"), line);
        CHECK_CONTAINS(row, "{\"point\":3,\"points\":4,\"grid\":\"");
        CHECK_CONTAINS(row, "\",\"key\":\"tp=2 rate=16\",\"status\":\"ok\"");
        CHECK_EQ_I64(t_run("(" PLAN_RUN " --tp 2 --rate 16 --num-requests 120 --slo 'ttft_p99<300ms,itl_p99<40ms' "
                           "--arrival poisson --json 2>/dev/null)",
                           out, sizeof out),
                     0);
        t_same_fields(t_, out, row);
    }
    snprintf(row, sizeof row, "%.*s", (int)strcspn(rows, "\n"), rows);
    CHECK_EQ_I64(t_run("(" PLAN_RUN
                       " --rate 4 --num-requests 120 --slo 'ttft_p99<300ms,itl_p99<40ms' --arrival poisson --json "
                       "2>/dev/null)",
                       out, sizeof out),
                 0);
    t_same_fields(t_, out, row);
    free(rows);
}

#define PLAN_SWEEP_ARGS                                                                                        \
    "sweep --model meta-llama/llama-3.1-8b-instruct --hardware H100 --tp 1,2 --rate 2:12:5 --num-requests 60 " \
    "--quiet --slo "
#define PLAN_SWEEP   "./simulation_worker " PLAN_SWEEP_ARGS "'ttft_p99<300ms'"
#define PLAN_SWEEP_Q "./simulation_worker " PLAN_SWEEP_ARGS "\"ttft_p99<300ms\"" /* inside '...' */

static int t_same_file(const char *a, const char *b) {
    char *x = t_slurp(a), *y = t_slurp(b);
    int same = x && y && !strcmp(x, y);
    free(x);
    free(y);
    return same;
}

TEST(sweep_bytes_independent_of_jobs_and_shards) {
    static char out[8192];
    system("rm -f build/plan_j1.csv build/plan_j2.csv build/plan_s*.csv build/plan_merged.csv");
    CHECK_EQ_I64(t_run(PLAN_SWEEP " --jobs 1 --out build/plan_j1.csv", out, sizeof out), 0);
    CHECK_EQ_I64(t_run(PLAN_SWEEP " --jobs 2 --out build/plan_j2.csv", out, sizeof out), 0);
    CHECK(t_same_file("build/plan_j1.csv", "build/plan_j2.csv"));
    CHECK_EQ_I64(t_run(PLAN_SWEEP " --shard 2/3 --out build/plan_s2.csv", out, sizeof out), 0);
    CHECK_EQ_I64(t_run(PLAN_SWEEP " --shard 0/3 --out build/plan_s0.csv", out, sizeof out), 0);
    CHECK_EQ_I64(
        t_run("./simulation_worker sweep merge --out build/plan_merged.csv build/plan_s2.csv build/plan_s0.csv", out,
              sizeof out),
        2);
    CHECK_CONTAINS(out, "2 of 6 points missing (1, 4); run their shards, or give --allow-missing");
    CHECK_EQ_I64(t_run(PLAN_SWEEP " --shard 1/3 --out build/plan_s1.csv", out, sizeof out), 0);
    CHECK_EQ_I64(
        t_run("./simulation_worker sweep merge --out build/plan_merged.csv build/plan_s2.csv build/plan_s0.csv "
              "build/plan_s1.csv",
              out, sizeof out),
        0);
    CHECK(t_same_file("build/plan_j1.csv", "build/plan_merged.csv"));
    {
        char *csv = t_slurp("build/plan_j1.csv");
        CHECK(csv && !strncmp(csv, "point,points,grid,key,status,error,model,hardware,tp,", 53));
        CHECK(csv && strstr(csv, "\n5,6,") && strstr(csv, ",tp=2 rate=12,ok,,"));
        free(csv);
    }
}

TEST(sweep_shards_through_gnu_parallel) {
    static char out[8192];
    if (system("parallel --version >/dev/null 2>&1") != 0) SKIP("GNU parallel is not installed (Debian: parallel)");
    system("rm -f build/plan_gp_*.jsonl build/plan_gp_all.jsonl build/plan_gp_one.jsonl");
    CHECK_EQ_I64(t_run(PLAN_SWEEP " --jobs 1 --out build/plan_gp_one.jsonl", out, sizeof out), 0);
    CHECK_EQ_I64(t_run("parallel --will-cite -j 2 '" PLAN_SWEEP_Q
                       " --jobs 1 --shard {}/4 --out build/plan_gp_{}.jsonl' "
                       "::: 0 1 2 3",
                       out, sizeof out),
                 0);
    CHECK_EQ_I64(t_run("./simulation_worker sweep merge --out build/plan_gp_all.jsonl build/plan_gp_3.jsonl "
                       "build/plan_gp_1.jsonl build/plan_gp_0.jsonl build/plan_gp_2.jsonl",
                       out, sizeof out),
                 0);
    CHECK(t_same_file("build/plan_gp_one.jsonl", "build/plan_gp_all.jsonl"));
}

TEST(sweep_resume_continues_an_interrupted_output) {
    static char out[8192];
    char *full;
    FILE *f;
    size_t cut;
    system("rm -f build/plan_r.jsonl build/plan_r.jsonl.partial build/plan_full.jsonl");
    CHECK_EQ_I64(t_run(PLAN_SWEEP " --out build/plan_full.jsonl", out, sizeof out), 0);
    full = t_slurp("build/plan_full.jsonl");
    CHECK(full != NULL);
    if (!full) return;
    /* two complete rows and half of the third, as a killed sweep leaves them */
    cut = (size_t)(strchr(strchr(full, '\n') + 1, '\n') - full) + 1;
    f = fopen("build/plan_r.jsonl.partial", "wb");
    CHECK(f != NULL);
    if (f) {
        fwrite(full, 1, cut + 40, f);
        fclose(f);
    }
    CHECK_EQ_I64(t_run(PLAN_SWEEP " --resume --out build/plan_r.jsonl", out, sizeof out), 0);
    CHECK(t_same_file("build/plan_full.jsonl", "build/plan_r.jsonl"));
    CHECK(!file_exists("build/plan_r.jsonl.partial"));
    /* complete already: nothing to run */
    CHECK_EQ_I64(t_run(PLAN_SWEEP " --resume --out build/plan_r.jsonl", out, sizeof out), 0);
    /* another grid's output is not continued */
    CHECK_EQ_I64(t_run("./simulation_worker sweep --model meta-llama/llama-3.1-8b-instruct --hardware H100 --tp 1 "
                       "--rate 3,4 --num-requests 20 --resume --out build/plan_r.jsonl",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "build/plan_r.jsonl was not written by this sweep");
    free(full);
}

/* search: r* passes in a direct run (its SLOs met, steady state reached),
 * the bracket's upper end fails (an objective missed, or not steady), both
 * at the run size the search settled on; search at a tenth of that size
 * finds the same max rate within the tolerance (the run size does not
 * decide the answer). */
static double t_search_max(t_ctx *t_, const char *flags, const char *slo, double *hi, int64_t *requests) {
    static char cmd[2048], out[65536];
    blis_doc d;
    blis_err err;
    const blis_node *root;
    double lo = 0;
    int settled = 0;
    const char *verdict = "";
    system("rm -f build/plan_search.jsonl");
    snprintf(cmd, sizeof cmd,
             "./simulation_worker search --model meta-llama/llama-3.1-8b-instruct --hardware H100 --tp 1 %s "
             "--slo '%s' --quiet --out build/plan_search.jsonl",
             flags, slo);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    CHECK_CONTAINS(out, "max rate");
    {
        char *rows = t_slurp("build/plan_search.jsonl");
        CHECK(rows != NULL);
        if (!rows) return NAN;
        CHECK_EQ_I64(blis_json_parse(rows, strlen(rows), NULL, &d, &err), BLIS_OK);
        free(rows);
    }
    root = blis_doc_root(&d);
    blis_doc_get_str(&d, root, "verdict", &verdict, &err);
    CHECK_STR(verdict, "met");
    CHECK_EQ_I64(blis_doc_get_f64(&d, root, "max_rate", &lo, &err), BLIS_OK);
    CHECK_EQ_I64(blis_doc_get_f64(&d, root, "fail_rate", hi, &err), BLIS_OK);
    CHECK_EQ_I64(blis_doc_get_i64(&d, root, "requests", requests, &err), BLIS_OK);
    CHECK_EQ_I64(blis_doc_get_bool(&d, root, "settled", &settled, &err), BLIS_OK);
    CHECK(settled == 1);
    CHECK(lo > 0 && *hi > lo && *hi / lo - 1 <= 0.02 + 1e-12);
    blis_doc_free(&d);
    return lo;
}

static void t_search_bracket(t_ctx *t_, const char *flags, const char *slo, int64_t first_size) {
    static char cmd[2048], out[65536];
    blis_doc d;
    blis_err err;
    double lo, hi = 0, lo_small, hi_small = 0;
    int64_t n = 0, n_small = 0;
    int pass = -1;
    const char *steady = "";
    char num_lo[BLIS_F64_BUF_MAX], num_hi[BLIS_F64_BUF_MAX], with_n[512];
    snprintf(with_n, sizeof with_n, "%s --num-requests %lld", flags, (long long)first_size);
    lo = t_search_max(t_, with_n, slo, &hi, &n);
    snprintf(with_n, sizeof with_n, "%s --num-requests %lld", flags, (long long)(first_size / 10));
    lo_small = t_search_max(t_, with_n, slo, &hi_small, &n_small);
    /* each bracket is within 2%; seeds move a p99 by a little more, so two run sizes' brackets agree within
     * twice the tolerance (the issue's own case agrees within 2%: search_run_size_does_not_decide) */
    CHECK_MSG(fabs(lo_small - lo) <= 0.04 * lo, "max rate %g from %lld requests, %g from %lld", lo, (long long)n,
              lo_small, (long long)n_small);
    if (!(lo > 0)) return;
    blis_f64_format_go(lo, num_lo);
    blis_f64_format_go(hi, num_hi);
    snprintf(cmd, sizeof cmd,
             "(" PLAN_RUN " %s --num-requests %lld --arrival poisson --rate %s --slo '%s' --json 2>/dev/null)", flags,
             (long long)n, num_lo, slo);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    CHECK_EQ_I64(blis_json_parse(out, strlen(out), NULL, &d, &err), BLIS_OK);
    blis_doc_get_bool(&d, blis_doc_root(&d), "slo_pass", &pass, &err);
    blis_doc_get_str(&d, blis_doc_root(&d), "steady_state", &steady, &err);
    CHECK_MSG(pass == 1 && !strcmp(steady, "steady"), "a run at r* = %s: slo_pass %d, %s", num_lo, pass, steady);
    blis_doc_free(&d);
    snprintf(cmd, sizeof cmd,
             "(" PLAN_RUN " %s --num-requests %lld --arrival poisson --rate %s --slo '%s' --json 2>/dev/null)", flags,
             (long long)n, num_hi, slo);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    CHECK_EQ_I64(blis_json_parse(out, strlen(out), NULL, &d, &err), BLIS_OK);
    blis_doc_get_bool(&d, blis_doc_root(&d), "slo_pass", &pass, &err);
    blis_doc_get_str(&d, blis_doc_root(&d), "steady_state", &steady, &err);
    CHECK_MSG(pass == 0 || strcmp(steady, "steady"), "a run at the bracket's end %s meets %s and is steady", num_hi,
              slo);
    blis_doc_free(&d);
}

/* The question: Llama-3.1-8B on one H100, 1,000-token prompts and
 * 200-token answers, p99 TTFT < 500 ms and mean ITL < 50 ms, Poisson
 * arrivals: about 30 req/s whether search starts from 300 requests or from
 * 3,000 (it was 48 at 100 requests and 33.5 evenly spaced before). */
TEST(search_run_size_does_not_decide) {
    double hi = 0, hi2 = 0, a, b;
    int64_t n = 0, n2 = 0;
    const char *flags = "--prompt-tokens 1000 --prompt-tokens-stdev 0 --output-tokens 200 --output-tokens-stdev 0";
    char f300[256], f3000[256];
    snprintf(f300, sizeof f300, "%s --num-requests 300", flags);
    snprintf(f3000, sizeof f3000, "%s --num-requests 3000", flags);
    a = t_search_max(t_, f300, "ttft_p99<500ms,itl_mean<50ms", &hi, &n);
    b = t_search_max(t_, f3000, "ttft_p99<500ms,itl_mean<50ms", &hi2, &n2);
    CHECK_MSG(fabs(a - b) <= 0.02 * b && b > 28 && b < 31, "300: %g req/s (%lld requests), 3000: %g (%lld)", a,
              (long long)n, b, (long long)n2);
}

TEST(search_brackets_the_max_rate_on_two_workloads) {
    t_search_bracket(t_, "", "ttft_p99<300ms,itl_p99<40ms", 2000);
    t_search_bracket(
        t_, "--prompt-tokens 2048 --prompt-tokens-max 4096 --output-tokens 128 --max-num-scheduled-tokens 8192",
        "e2e_p90<4s", 3000);
}

TEST(search_says_when_no_rate_meets_the_slo) {
    static char out[8192];
    CHECK_EQ_I64(t_run("./simulation_worker search --model meta-llama/llama-3.1-8b-instruct --hardware H100 --tp 1 "
                       "--num-requests 20 --slo 'ttft_p99<1ms' --quiet",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "the SLOs cannot be met at any rate (they fail at --rate-min 0.01 req/s");
}

TEST(search_cheapest_configuration) {
    static char out[8192];
    CHECK_EQ_I64(t_run("./simulation_worker search --model meta-llama/llama-3.1-8b-instruct --hardware H100 --tp 1,2 "
                       "--num-requests 150 --slo 'ttft_p99<300ms,itl_p99<40ms' --target-rate 8 --quiet",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "tp=1 (poisson arrivals): max rate");
    CHECK_CONTAINS(out, "tp=2 (poisson arrivals): max rate");
    CHECK_CONTAINS(out, "cheapest configuration serving 8 req/s within the SLOs: tp=1 (1 GPUs, $3.00/hour); a run "
                        "at 8 req/s meets them");
}

static void t_png_check(t_ctx *t_, const char *svg) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "xmllint --noout %s", svg);
    CHECK_MSG(system(cmd) == 0, "%s is not well-formed XML", svg);
    snprintf(cmd, sizeof cmd, "rsvg-convert %s -o %s.png && python3 tests/tools/png_nonblank.py %s.png 0.01 >/dev/null",
             svg, svg, svg);
    CHECK_MSG(system(cmd) == 0, "%s renders blank (or not at all)", svg);
}

TEST(plot_every_kind_renders) {
    static char out[8192];
    const char *kinds[3] = {"latency", "throughput", "pareto"};
    char cmd[600], path[100];
    int i;
    if (system("rsvg-convert --version >/dev/null 2>&1 && xmllint --version >/dev/null 2>&1 && python3 -c 1") != 0)
        SKIP("rsvg-convert (librsvg2-bin), xmllint (libxml2-utils) or python3 is not installed");
    system("rm -f build/plan_plot.jsonl");
    CHECK_EQ_I64(t_run("./simulation_worker sweep --model meta-llama/llama-3.1-8b-instruct --hardware H100 --tp 1,2 "
                       "--rate 5:60:5 --num-requests 100 --slo 'ttft_p99<300ms' --quiet --out build/plan_plot.jsonl",
                       out, sizeof out),
                 0);
    for (i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "build/plan_%s.svg", kinds[i]);
        snprintf(cmd, sizeof cmd, "./simulation_worker plot %s build/plan_plot.jsonl --out %s", kinds[i], path);
        CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
        t_png_check(t_, path);
    }
    {
        char *svg = t_slurp("build/plan_latency.svg"); /* two configurations: p99 of each, labelled */
        CHECK(svg && strstr(svg, "SLO ttft_p99 &lt; 300 ms") && strstr(svg, "knee of tp=1: "));
        CHECK(svg && strstr(svg, ">tp=1</text>") && strstr(svg, ">tp=2</text>") && !strstr(svg, ">p90</text>"));
        free(svg);
    }
    /* one configuration: its mean, p90 and p99 */
    system("rm -f build/plan_plot1.jsonl");
    CHECK_EQ_I64(t_run("./simulation_worker sweep --model meta-llama/llama-3.1-8b-instruct --hardware H100 --tp 1 "
                       "--rate 5:60:5 --num-requests 100 --quiet --out build/plan_plot1.jsonl",
                       out, sizeof out),
                 0);
    CHECK_EQ_I64(t_run("./simulation_worker plot latency build/plan_plot1.jsonl --metric e2e --slo 'e2e_p99<20s' --out "
                       "build/plan_latency1.svg",
                       out, sizeof out),
                 0);
    {
        char *svg = t_slurp("build/plan_latency1.svg");
        size_t legends = 0;
        const char *p;
        for (p = svg; p && (p = strstr(p, "<rect x=")) != NULL; p++) legends++;
        CHECK_EQ_I64((int64_t)legends, 3);
        CHECK(svg && strstr(svg, ">mean</text>") && strstr(svg, ">p90</text>") && strstr(svg, ">p99</text>"));
        CHECK(svg && strstr(svg, "SLO e2e_p99 &lt; 20000 ms") && strstr(svg, "E2E latency vs offered load"));
        free(svg);
    }
    t_png_check(t_, "build/plan_latency1.svg");
    CHECK_EQ_I64(t_run("(" PLAN_RUN " --rate 20 --num-requests 100 --results-path build/plan_res.json >/dev/null 2>&1)",
                       out, sizeof out),
                 0);
    CHECK_EQ_I64(t_run("./simulation_worker plot cdf build/plan_res.json --out build/plan_cdf.svg", out, sizeof out),
                 0);
    t_png_check(t_, "build/plan_cdf.svg");
    /* the same input, the same bytes */
    CHECK_EQ_I64(t_run("./simulation_worker plot cdf build/plan_res.json --out build/plan_cdf2.svg", out, sizeof out),
                 0);
    CHECK(t_same_file("build/plan_cdf.svg", "build/plan_cdf2.svg"));
}

typedef struct plan_bad {
    const char *name;
    const char *cmd, *msg;
} plan_bad;

static const plan_bad plan_bads[] = {
    {"bad_1", "./simulation_worker sweep --model m --rate 1", "sweep needs a grid"},
    {"bad_2", "./simulation_worker sweep --model m --rate 1,2 --shard 3/2", "--shard: expected I/N with 0 <= I < N"},
    {"bad_3", "./simulation_worker sweep --model m --rate 1,2 --slo 'ttft<1ms'",
     "--slo: SLO objective \"ttft<1ms\": unknown metric"},
    {"bad_4", "./simulation_worker sweep --model m --rate 1,,2", "--rate: axis \"rate\": empty value"},
    {"bad_5", "./simulation_worker sweep --model m --rate 1,2 --format xml", "--format: expected csv or jsonl"},
    {"bad_6", "./simulation_worker sweep --model m --rate 1,2 --frobnicate 3", "unknown option for sweep"},
    {"bad_7", "./simulation_worker sweep --grid build/plan_bad_grid.yaml",
     "build/plan_bad_grid.yaml:3: axes: unknown setting \"gpus\""},
    {"bad_8", "./simulation_worker search --model m --tp 1,2", "search needs SLOs"},
    {"bad_9", "./simulation_worker search --model m --rate 1,2 --slo 'ttft_p99<1s'", "search finds the rate itself"},
    {"bad_10", "./simulation_worker search --model m --slo 'ttft_p99<1s' --rate-min 5 --rate-start 1",
     "--rate-min <= --rate-start"},
    {"bad_11", "./simulation_worker plot bars x.jsonl", "plot needs a kind"},
    {"bad_12", "./simulation_worker plot latency build/plan_missing.jsonl", "build/plan_missing.jsonl"},
    {"bad_13", "./simulation_worker sweep merge --out build/x.csv", "sweep merge needs the shard files"},
    {"bad_14", "./simulation_worker sweep --model m --rate 1,2 --results-path build/x.json",
     "unknown option for sweep"},
    {"bad_15", "./simulation_worker sweep --model m --rate 1,2 --json", "unknown option for sweep"},
};

static void plan_bad_run(t_ctx *t_, const plan_bad *c) {
    static char out[8192];
    CHECK(t_write_file("build/plan_bad_grid.yaml", "axes:\n  rate: [1, 2]\n  gpus: [1, 2]\n"));
    CHECK_EQ_I64(t_run(c->cmd, out, sizeof out), 2);
    CHECK_CONTAINS(out, c->msg);
}
TABLE(plan_bad_inputs, plan_bads, plan_bad_run)

TEST(sweep_all_points_failing_exits_2_with_rows) {
    static char out[8192];
    char *csv;
    system("rm -f build/plan_fail.csv");
    CHECK_EQ_I64(t_run("./simulation_worker sweep --model meta-llama/llama-3.1-8b-instruct --hardware X9,Y9 --tp 1 "
                       "--num-requests 5 --quiet --out build/plan_fail.csv",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "2 of 2 points failed (their rows say why)");
    csv = t_slurp("build/plan_fail.csv");
    CHECK(csv && strstr(csv, "\n0,2,") && strstr(csv, ",hardware=X9,error,\"") &&
          strstr(csv, "GPU \"\"X9\"\" not found"));
    free(csv);
}

/* Outputs never destroy what they replace: a link stays a link (its target
 * written), a device is written in place, "-" is stdout. */
TEST(outputs_keep_links_and_devices) {
    static char out[65536];
    char target[4096];
    struct stat sb;
    blis_doc d;
    blis_err err;
    system("rm -f build/plan_link.json build/plan_real.json build/plan_link.csv build/plan_real.csv");
    CHECK(symlink("plan_real.json", "build/plan_link.json") == 0);
    CHECK_EQ_I64(blis_posix_output_target("build/plan_link.json", target, sizeof target), BLIS_OUT_REPLACE);
    CHECK_STR(target, "build/plan_real.json");
    CHECK_EQ_I64(blis_posix_output_target("/dev/null", target, sizeof target), BLIS_OUT_IN_PLACE);
    CHECK_EQ_I64(blis_posix_output_target("-", target, sizeof target), BLIS_OUT_STDOUT);
    CHECK_EQ_I64(t_run(PLAN_RUN " --num-requests 5 --results-path build/plan_link.json >/dev/null", out, sizeof out),
                 0);
    CHECK(lstat("build/plan_link.json", &sb) == 0 && S_ISLNK(sb.st_mode));
    CHECK(stat("build/plan_real.json", &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 100);
    CHECK_EQ_I64(t_run(PLAN_RUN " --num-requests 5 --results-path /dev/null >/dev/null", out, sizeof out), 0);
    CHECK(stat("/dev/null", &sb) == 0 && S_ISCHR(sb.st_mode));
    CHECK_EQ_I64(t_run("(" PLAN_RUN " --num-requests 5 --results-path /dev/full >/dev/null)", out, sizeof out), 1);
    CHECK_CONTAINS(out, "/dev/full: error: cannot write the results file");
    /* "-": the results document alone on stdout */
    CHECK_EQ_I64(t_run("(" PLAN_RUN " --num-requests 5 --results-path - 2>/dev/null)", out, sizeof out), 0);
    CHECK_EQ_I64(blis_json_parse(out, strlen(out), NULL, &d, &err), BLIS_OK);
    CHECK(blis_node_get(&d, blis_doc_root(&d), "requests") != NULL);
    blis_doc_free(&d);
    CHECK_EQ_I64(t_run(PLAN_RUN " --num-requests 5 --results-path - --json", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--json and --results-path - both write stdout");
    /* sweep outputs alike */
    CHECK(symlink("plan_real.csv", "build/plan_link.csv") == 0);
    CHECK_EQ_I64(t_run(PLAN_SWEEP " --out build/plan_link.csv", out, sizeof out), 0);
    CHECK(lstat("build/plan_link.csv", &sb) == 0 && S_ISLNK(sb.st_mode));
    CHECK(stat("build/plan_real.csv", &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 100);
    CHECK_EQ_I64(t_run(PLAN_SWEEP " --out /dev/null", out, sizeof out), 0);
    CHECK(stat("/dev/null", &sb) == 0 && S_ISCHR(sb.st_mode));
    CHECK_EQ_I64(t_run(PLAN_SWEEP " --out /dev/full", out, sizeof out), 1);
    CHECK_CONTAINS(out, "/dev/full: error: cannot write: No space left on device");
    CHECK_EQ_I64(t_run(PLAN_SWEEP " --out /dev/null --resume", out, sizeof out), 2);
}

/* KV pressure as vLLM handles it (issue 20): a step that can form no batch
 * while requests wait frees the blocks waiting requests hold, and every
 * request that fits the cache completes, with the invariants checked after
 * every event; a request larger than the whole cache is dropped as
 * unservable with a warning, and the queue behind it goes on. */
TEST(kv_pressure_completes) {
    static char out[65536];
    const char *dir = t_shared_dir();
    char cmd[1024];
    CHECK_EQ_I64(t_run("(" PLAN_RUN " --total-kv-blocks 300 --rate 50 --num-requests 200 --quiet --json "
                       "--check-invariants --log error)",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"completed_requests\": 200,");
    CHECK_CONTAINS(out, "\"still_queued\": 0,");
    CHECK_CONTAINS(out, "\"dropped_unservable\": 0,");
    CHECK(strstr(out, "stalled") == NULL && strstr(out, "warning") == NULL);
    /* 40 blocks (640 tokens): most requests cannot fit; the rest complete */
    CHECK_EQ_I64(t_run("(" PLAN_RUN " --total-kv-blocks 40 --rate 50 --num-requests 200 --quiet --json "
                       "--check-invariants)",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "requests dropped as unservable: input and output need more KV blocks than the whole cache "
                        "holds (40 blocks of 16 tokens per instance)");
    CHECK_CONTAINS(out, "\"still_queued\": 0,");
    CHECK_CONTAINS(out, "\"completed_requests\": 24,");
    CHECK_CONTAINS(out, "\"dropped_unservable\": 176,");
    /* a horizon that ends the run is no stall */
    CHECK_EQ_I64(
        t_run("(" PLAN_RUN " --rate 100 --num-requests 200 --horizon 2000000 --quiet >/dev/null)", out, sizeof out), 0);
    CHECK(strstr(out, "stalled") == NULL && strstr(out, "unservable") == NULL);
    if (!dir) SKIP("../shared is absent (the reference's defaults file)");
    /* the case: the reference's defaults (trained coefficients), 400 blocks, no --horizon */
    snprintf(cmd, sizeof cmd,
             "(./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --defaults-filepath "
             "%s/reference/upstream/v0.6.1/defaults.yaml --total-kv-blocks 400 --rate 20 --num-requests 200 "
             "--check-invariants 2>&1)",
             dir);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    CHECK_CONTAINS(out, "\"completed_requests\": 200,");
    CHECK_CONTAINS(out, "\"still_queued\": 0,");
    CHECK(strstr(out, "warning") == NULL);
}

/* The stall counter: the engine, alone, under the same pressure. */
TEST(kv_pressure_stall_count) {
    blis_sim sim;
    blis_sim_config cfg;
    blis_legacy_workload w;
    blis_legacy_gen gen;
    blis_request_source src;
    blis_metrics m;
    blis_err err;
    int done = 0;
    memset(&w, 0, sizeof w);
    w.rate_per_s = 20;
    w.num_requests = 200;
    w.prompt_mean = w.output_mean = 512;
    w.prompt_std = w.output_std = 256;
    w.prompt_min = w.output_min = 2;
    w.prompt_max = w.output_max = 7000;
    blis_sim_config_defaults(&cfg);
    cfg.total_kv_blocks = 400;
    cfg.latency.beta[0] = 5000, cfg.latency.beta[1] = 10, cfg.latency.beta[2] = 5; /* a blackbox step */
    CHECK(blis_legacy_gen_init(&gen, &w, 42, cfg.horizon_us, cfg.block_tokens, NULL, NULL, NULL, &err) == BLIS_OK);
    src.next = t_gen_next;
    src.user = &gen;
    CHECK(blis_sim_init(&sim, &cfg, src, NULL, &err) == BLIS_OK);
    while (!done && blis_sim_step(&sim, &done, &err) == BLIS_OK) CHECK_EQ_I64(blis_sim_check(&sim), 0);
    CHECK(blis_sim_metrics(&sim, &m, &err) == BLIS_OK);
    CHECK(sim.stalls > 0);      /* it did reach the state */
    CHECK(sim.kv_waiting_free); /* and freed the waiting requests' blocks */
    CHECK_EQ_I64(m.completed + m.dropped_unservable, 200);
    CHECK_EQ_I64(m.still_queued, 0);
    CHECK_EQ_I64(sim.dropped_too_large, m.dropped_unservable); /* every drop at a stall: no prompt exceeds 400 blocks */
    blis_sim_destroy(&sim);
    blis_legacy_gen_free(&gen);
}

/* Standard output that cannot be written is an error that says so. */
TEST(stdout_write_error_says_so) {
    static char out[8192];
    CHECK_EQ_I64(t_run("(" PLAN_RUN " --num-requests 5 --quiet >/dev/full)", out, sizeof out), 1);
    CHECK_CONTAINS(out, "simulation_worker: error: cannot write to standard output");
    CHECK_EQ_I64(t_run("(./simulation_worker step --model qwen3-14b --hardware H100 >/dev/full)", out, sizeof out), 1);
    CHECK_CONTAINS(out, "simulation_worker: error: cannot write to standard output");
    CHECK_EQ_I64(t_run("(./simulation_worker --help >/dev/full)", out, sizeof out), 1);
    CHECK_CONTAINS(out, "cannot write to standard output");
    CHECK_EQ_I64(t_run("(./transformer_roofline_analyzer --input-tokens 512 --hardware H100 -- mixtral-8x7b-v0.1 "
                       ">/dev/full)",
                       out, sizeof out),
                 1);
    CHECK_CONTAINS(out, "transformer_roofline_analyzer: error: cannot write to standard output");
}

/* Out of memory while simulating says what drives the memory, not "<input>". */
TEST(run_out_of_memory_says_what) {
    static char out[8192];
    CHECK_EQ_I64(t_run("(ulimit -v 60000; " PLAN_RUN " --num-requests 2000000 --rate 100000 --quiet >/dev/null)", out,
                       sizeof out),
                 1);
    CHECK_CONTAINS(out, "simulation_worker: error: out of memory while simulating (at simulated time ");
    CHECK_CONTAINS(out, "fewer --num-requests, a shorter --horizon or a lower --rate use less");
    CHECK(strstr(out, "<input>") == NULL);
}

/* --log error silences the "no trained coefficients" warning of a plain run. */
TEST(run_log_error_is_quiet) {
    static char out[16384];
    CHECK_EQ_I64(t_run("(./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --num-requests 5 >/dev/null)",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "warning: no trained coefficients in");
    CHECK_EQ_I64(t_run("(./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --num-requests 5 --log error "
                       ">/dev/null)",
                       out, sizeof out),
                 0);
    CHECK_STR(out, "");
}

/* The analyzer's help says it downloads; its error advises what it takes. */
TEST(analyzer_help_and_advice) {
    static char out[16384];
    CHECK_EQ_I64(t_run("./transformer_roofline_analyzer --help", out, sizeof out), 0);
    CHECK_CONTAINS(out, "else downloaded from HuggingFace through curl");
    CHECK_EQ_I64(t_run("HF_HUB_OFFLINE=1 XDG_CACHE_HOME=$PWD/build/tra_cache ./transformer_roofline_analyzer "
                       "--input-tokens 5 -- org/nonexistent-model",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "Give the path to its config.json instead");
    CHECK(strstr(out, "--model-config-folder") == NULL);
}

/* The run's progress line: done of total, the percentage and the ETA when
 * the total is known (the line itself shows on a terminal only). */
TEST(run_progress_text) {
    char buf[200];
    progress_format(buf, sizeof buf, 12.34, 250, 1000, 10.0, 3.21e6);
    CHECK_STR(buf, "[blis] 250/1000 requests (25.0%), simulated 12.3 s, 3.21M events/s, ETA 30 s");
    progress_format(buf, sizeof buf, 1.0, 0, 1000, 2.0, 1e6);
    CHECK_STR(buf, "[blis] 0/1000 requests (0.0%), simulated 1.0 s, 1.00M events/s");
    progress_format(buf, sizeof buf, 5.0, 42, 0, 2.0, 2e6);
    CHECK_STR(buf, "[blis] simulated 5.0 s, 42 requests completed, 2.00M events/s");
}

/* Arrivals on the load axis (issue 27): run keeps the reference's evenly
 * spaced requests and says so; --arrival and --arrival-cv are checked; a
 * spec's rate and a trace's are scaled by --rate, never silently ignored;
 * sweep rows default to Poisson. */

TEST(plan_arrival_processes_and_rate_scaling) {
    static char out[65536];
    double dur_spec, dur_spec_fast, dur_trace, dur_trace_fast;
    FILE *f;
    int i;
    CHECK_EQ_I64(t_run("(" PLAN_RUN " --rate 10 --num-requests 20 --json 2>/dev/null)", out, sizeof out), 0);
    CHECK_CONTAINS(out, "\"arrival\": \"constant\",");
    CHECK_CONTAINS(out, "\"arrival_cv\": null,");
    CHECK_EQ_I64(t_run("(" PLAN_RUN " --rate 10 --num-requests 20 --arrival gamma --arrival-cv 2 --json 2>/dev/null)",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"arrival\": \"gamma\",");
    CHECK_CONTAINS(out, "\"arrival_cv\": 2,");
    CHECK_EQ_I64(t_run(PLAN_RUN " --arrival bursty", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--arrival: expected constant, poisson, gamma or weibull, got 'bursty'");
    CHECK_EQ_I64(t_run(PLAN_RUN " --arrival poisson --arrival-cv 2", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--arrival-cv applies to --arrival gamma or weibull, not poisson");
    CHECK_EQ_I64(t_run(PLAN_RUN " --arrival weibull", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--arrival weibull needs --arrival-cv in [0.01, 10.4], got 0");
    CHECK_EQ_I64(t_run(PLAN_RUN " --workload-spec data/examples/workload_spec.yaml --arrival poisson", out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "a workload spec names each client's arrival process");
    /* a spec at its own rate (12.5 req/s), then at 3 req/s: the same 200 requests over about 66 s */
    CHECK_EQ_I64(t_run("(" PLAN_RUN " --workload-spec data/examples/workload_spec.yaml --num-requests 200 --json "
                       "--max-num-running-reqs 1000 2>/dev/null)",
                       out, sizeof out),
                 0);
    dur_spec = t_json_num(out, "vllm_estimated_duration_s");
    CHECK_CONTAINS(out, "\"arrival\": \"spec\",");
    CHECK_EQ_I64(t_run("(" PLAN_RUN " --workload-spec data/examples/workload_spec.yaml --num-requests 200 --json "
                       "--max-num-running-reqs 1000 --rate 3 2>/dev/null)",
                       out, sizeof out),
                 0);
    dur_spec_fast = t_json_num(out, "vllm_estimated_duration_s");
    CHECK_CONTAINS(out, "\"rate\": 3,");
    CHECK_MSG(dur_spec_fast > 60 && dur_spec < 25, "spec: %g s at its rate, %g s at --rate 3", dur_spec, dur_spec_fast);
    /* a trace of 50 requests 1 s apart (1 req/s by blis's measure: 50 in 49 s), replayed at 10 req/s */
    f = fopen("build/plan_rate_trace.csv", "w");
    CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "arrival,a,b,input,output\n");
    for (i = 0; i < 50; i++) fprintf(f, "%d,x,y,\"[%d,2,3,4,5,6,7,8]\",\"[1,2,3,4]\"\n", i, i);
    fclose(f);
    CHECK_EQ_I64(t_run("(" PLAN_RUN " --workload traces --workload-traces-filepath build/plan_rate_trace.csv --json "
                       "2>/dev/null)",
                       out, sizeof out),
                 0);
    dur_trace = t_json_num(out, "vllm_estimated_duration_s");
    CHECK_CONTAINS(out, "\"arrival\": \"trace\",");
    CHECK_EQ_I64(t_run("(" PLAN_RUN " --workload traces --workload-traces-filepath build/plan_rate_trace.csv --json "
                       "--rate 10 2>/dev/null)",
                       out, sizeof out),
                 0);
    dur_trace_fast = t_json_num(out, "vllm_estimated_duration_s");
    CHECK_MSG(dur_trace > 48 && dur_trace_fast > 4.5 && dur_trace_fast < 5.5, "trace: %g s, at --rate 10 %g s",
              dur_trace, dur_trace_fast);
    f = fopen("build/plan_rate_trace1.csv", "w");
    CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "arrival,a,b,input,output\n0,x,y,\"[1,2]\",\"[3]\"\n");
    fclose(f);
    CHECK_EQ_I64(t_run(PLAN_RUN " --workload traces --workload-traces-filepath build/plan_rate_trace1.csv --rate 10",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "--rate cannot apply to build/plan_rate_trace1.csv: its requests do not span any time");
    /* sweep: Poisson unless the point says otherwise */
    CHECK_EQ_I64(t_run("./simulation_worker sweep --model meta-llama/llama-3.1-8b-instruct --hardware H100 --tp 1 "
                       "--rate 4 --num-requests 40 --quiet --jobs 1 --arrival constant,poisson --format jsonl",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"arrival\":\"constant\"");
    CHECK_CONTAINS(out, "\"arrival\":\"poisson\"");
    CHECK_EQ_I64(t_run("./simulation_worker sweep --model meta-llama/llama-3.1-8b-instruct --hardware H100 --tp 1 "
                       "--rate 4,8 --num-requests 40 --quiet --jobs 1 --format jsonl",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"key\":\"rate=8\"");
    CHECK(strstr(out, "\"arrival\":\"constant\"") == NULL);
    CHECK_CONTAINS(out, "\"arrival\":\"poisson\"");
}

/* search names its arrivals, lists configurations it cannot price beside
 * the cheapest (never drops them), and exits 2 when every configuration
 * errors (as sweep does). */
TEST(search_unpriced_listed_and_all_errors_exit_2) {
    static char out[16384];
    CHECK_EQ_I64(t_run("./simulation_worker search --model meta-llama/llama-3.1-8b-instruct --hardware H100,A100-40GB "
                       "--tp 1 --num-requests 200 --slo 'ttft_p99<500ms' --target-rate 2 --quiet --log error",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "hardware=H100 (poisson arrivals): max rate");
    CHECK_CONTAINS(out, "cheapest configuration serving 2 req/s within the SLOs: hardware=H100 (1 GPUs, $3.00/hour)");
    CHECK_CONTAINS(out, "also serving 2 req/s within the SLOs, not compared on cost:\n"
                        "  hardware=A100-40GB (1 GPUs): no price known");
    CHECK_EQ_I64(t_run("./simulation_worker search --model meta-llama/llama-3.1-8b-instruct --hardware H100 --tp 3,5 "
                       "--num-requests 20 --slo 'ttft_p99<500ms' --quiet --log error",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "tp=3: error: ");
    CHECK_CONTAINS(out, "search: error: every configuration failed (2 of 2)");
}

/* The file's text, checked to contain want (NULL when unreadable). */
static char *t_slurp_check(t_ctx *t_, const char *path, const char *want) {
    char *text = t_slurp(path);
    CHECK_MSG(text != NULL, "%s: unreadable", path);
    if (text) CHECK_MSG(strstr(text, want) != NULL, "%s lacks %s", path, want);
    return text;
}

/* plot on hostile values (issue 30): a TTFT of 1e300 in a results file and
 * latencies of 1e80 in a sweep draw a chart (exponent tick labels), never
 * overflow a buffer. */
TEST(plot_huge_values_are_drawn) {
    static char out[8192];
    FILE *f = fopen("build/plot_huge.json", "w");
    CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "{\"requests\": [{\"arrived_at\": 0, \"requestID\": \"request_0\", \"ttft_ms\": 1e300, \"e2e_ms\": "
               "1e300}, {\"arrived_at\": 1, \"requestID\": \"request_1\", \"ttft_ms\": 3, \"e2e_ms\": 9}]}\n");
    fclose(f);
    CHECK_EQ_I64(t_run("./simulation_worker plot cdf build/plot_huge.json --out build/plot_huge.svg", out, sizeof out),
                 0);
    free(t_slurp_check(t_, "build/plot_huge.svg", ">1e304<"));
    f = fopen("build/plot_huge.csv", "w");
    CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "point,points,key,status,rate,ttft_mean_ms,ttft_p90_ms,ttft_p99_ms,responses_per_sec\n"
               "0,2,rate=1,ok,1,1e80,2e80,3e80,1\n1,2,rate=2,ok,2,5,6,7,2\n");
    fclose(f);
    CHECK_EQ_I64(
        t_run("./simulation_worker plot latency build/plot_huge.csv --out build/plot_huge2.svg", out, sizeof out), 0);
    free(t_slurp_check(t_, "build/plot_huge2.svg", ">1e88<")); /* 5 to 3e80 ms: a log axis */
}

/* Nothing destroyed (issue 30): a link planted at OUT.partial is refused,
 * its target untouched; --resume does not append through one; --out naming
 * a directory is refused before any point runs (no DIR.partial). */
TEST(sweep_partial_never_follows_a_link) {
    static char out[8192];
    char *kept;
    system("rm -rf build/pl_link_out.csv build/pl_link_out.csv.partial build/pl_dir build/pl_dir.partial && "
           "mkdir -p build/pl_dir && printf 'precious\\n' > build/pl_precious.txt && "
           "ln -s pl_precious.txt build/pl_link_out.csv.partial");
    CHECK_EQ_I64(t_run("./simulation_worker sweep --model meta-llama/llama-3.1-8b-instruct --hardware H100 --tp 1 "
                       "--rate 1,2 --num-requests 10 --quiet --out build/pl_link_out.csv",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "pl_link_out.csv.partial: error: exists and is not a regular file");
    CHECK_EQ_I64(t_run("./simulation_worker sweep --model meta-llama/llama-3.1-8b-instruct --hardware H100 --tp 1 "
                       "--rate 1,2 --num-requests 10 --quiet --resume --out build/pl_link_out.csv",
                       out, sizeof out),
                 2);
    kept = t_slurp("build/pl_precious.txt");
    CHECK(kept != NULL && !strcmp(kept, "precious\n"));
    free(kept);
    CHECK_EQ_I64(t_run("./simulation_worker sweep --model meta-llama/llama-3.1-8b-instruct --hardware H100 --tp 1 "
                       "--rate 1,2 --num-requests 10 --quiet --out build/pl_dir",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "build/pl_dir: error: --out names a directory; expected a file");
    CHECK_EQ_I64(t_run("test -e build/pl_dir.partial", out, sizeof out), 1);
    /* a regular leftover partial is replaced, as before */
    system("rm -f build/pl_link_out.csv.partial && echo junk > build/pl_link_out.csv.partial");
    CHECK_EQ_I64(t_run("./simulation_worker sweep --model meta-llama/llama-3.1-8b-instruct --hardware H100 --tp 1 "
                       "--rate 1,2 --num-requests 10 --quiet --out build/pl_link_out.csv",
                       out, sizeof out),
                 0);
    kept = t_slurp("build/pl_link_out.csv");
    CHECK(kept != NULL && !strncmp(kept, "point,points,grid,key", 21));
    free(kept);
}

/* Charts people can read (issue 27): the Pareto chart chooses only among
 * rows meeting the SLOs; the latency and throughput charts mark one knee
 * (the last steady rate); latency spanning more than 100x is drawn on a
 * log axis (--linear-y keeps it linear); a subtitle names the model, GPU,
 * TP, instances, workload and arrivals. */
TEST(plot_pareto_knee_logy_subtitle) {
    static char out[8192];
    char *svg;
    FILE *f = fopen("build/plot_rows.csv", "w");
    CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "point,points,key,status,model,hardware,tp,num_instances,workload,arrival,rate,ttft_mean_ms,"
               "ttft_p90_ms,ttft_p99_ms,responses_per_sec,steady_state,steady_responses_per_sec,"
               "tokens_per_sec_per_user,tokens_per_sec_per_gpu,slo,slo_pass\n"
               "0,4,rate=4,ok,m1,H100,1,1,distribution,poisson,4,10,20,30,4,steady,4,60,1000,ttft_p99<500ms,true\n"
               "1,4,rate=8,ok,m1,H100,1,1,distribution,poisson,8,20,40,60,8,steady,8,50,2000,ttft_p99<500ms,true\n"
               "2,4,rate=16,ok,m1,H100,1,1,distribution,poisson,16,900,3000,9000,11,saturated,11,40,3000,"
               "ttft_p99<500ms,false\n"
               "3,4,rate=32,ok,m1,H100,1,1,distribution,poisson,32,5000,9000,20000,12,saturated,12,30,4000,"
               "ttft_p99<500ms,false\n");
    fclose(f);
    CHECK_EQ_I64(
        t_run("./simulation_worker plot pareto build/plot_rows.csv --out build/plot_rows_p.svg", out, sizeof out), 0);
    svg = t_slurp_check(t_, "build/plot_rows_p.svg", "chosen: 2000 tok/s/GPU at 50.0 tok/s/user");
    free(svg);
    CHECK_EQ_I64(
        t_run("./simulation_worker plot latency build/plot_rows.csv --out build/plot_rows_l.svg", out, sizeof out), 0);
    svg = t_slurp_check(t_, "build/plot_rows_l.svg", "knee: 8 req/s (last steady)");
    if (svg) {
        CHECK_CONTAINS(svg, ">10000<"); /* 30 to 20000 ms: decades */
        CHECK_CONTAINS(
            svg, "m1 \xc2\xb7 H100 \xc2\xb7 TP 1 \xc2\xb7 1 instance \xc2\xb7 distribution \xc2\xb7 poisson arrivals");
    }
    free(svg);
    CHECK_EQ_I64(t_run("./simulation_worker plot latency build/plot_rows.csv --linear-y --out build/plot_rows_l2.svg",
                       out, sizeof out),
                 0);
    svg = t_slurp_check(t_, "build/plot_rows_l2.svg", ">20000<");
    if (svg) CHECK(strstr(svg, ">100000<") == NULL && strstr(svg, ">5000<") != NULL);
    free(svg);
    CHECK_EQ_I64(
        t_run("./simulation_worker plot throughput build/plot_rows.csv --out build/plot_rows_t.svg", out, sizeof out),
        0);
    free(t_slurp_check(t_, "build/plot_rows_t.svg", "knee: 8 req/s (last steady)"));
}

/* --slo-attainment F: the goodput rule (at least F of the requests meet
 * every objective) beside the aggregate one. A TTFT limit between the
 * run's p90 and p99 fails the aggregate rule and passes at 0.9. */
TEST(slo_attainment_rule) {
    static char out[65536];
    char cmd[512];
    double p90, p99, att;
    CHECK_EQ_I64(
        t_run("(" PLAN_RUN " --rate 25 --arrival poisson --num-requests 300 --json 2>/dev/null)", out, sizeof out), 0);
    p90 = t_json_num(out, "ttft_p90_ms");
    p99 = t_json_num(out, "ttft_p99_ms");
    CHECK(p99 > p90 + 1);
    snprintf(cmd, sizeof cmd,
             "(" PLAN_RUN " --rate 25 --arrival poisson --num-requests 300 --slo 'ttft_p99<%.0fms' --json 2>/dev/null)",
             (p90 + p99) / 2);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    CHECK_CONTAINS(out, "\"slo_pass\": false,");
    CHECK_CONTAINS(out, "\"slo_min_attainment\": null,");
    att = t_json_num(out, "slo_attainment");
    CHECK(att >= 0.9 && att < 0.99);
    snprintf(cmd, sizeof cmd,
             "(" PLAN_RUN
             " --rate 25 --arrival poisson --num-requests 300 --slo 'ttft_p99<%.0fms' --slo-attainment 0.9 "
             "--json 2>/dev/null)",
             (p90 + p99) / 2);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    CHECK_CONTAINS(out, "\"slo_pass\": true,");
    CHECK_CONTAINS(out, "\"slo_min_attainment\": 0.9,");
    CHECK_EQ_I64(t_run(PLAN_RUN " --slo-attainment 0.9", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--slo-attainment must be in (0, 1] with --slo, got 0.9 and no --slo");
}

/* report: one self-contained page (no script, no external resource) with
 * the question, the answer and the charts inline, rendered by a real
 * headless browser: the screenshot is not blank and the console is quiet. */
TEST(report_renders_in_headless_chromium) {
    static char out[16384];
    char *html;
    if (system("command -v chromium >/dev/null 2>&1 && python3 -c 1 >/dev/null 2>&1") != 0)
        SKIP("chromium (Debian: chromium) or python3 is not installed");
    system("rm -f build/report_sweep.jsonl build/report.html build/report.png");
    CHECK_EQ_I64(t_run("./simulation_worker sweep --model meta-llama/llama-3.1-8b-instruct --hardware H100 --tp 1,2 "
                       "--rate 5:40:5 --num-requests 200 --slo 'ttft_p99<300ms' --quiet --out build/report_sweep.jsonl",
                       out, sizeof out),
                 0);
    CHECK_EQ_I64(t_run("./simulation_worker report build/report_sweep.jsonl --out build/report.html", out, sizeof out),
                 0);
    html = t_slurp_check(t_, "build/report.html", "<h2>The answer</h2>");
    if (html) {
        CHECK_CONTAINS(html, "<h2>The question</h2>");
        CHECK_CONTAINS(html, "Cheapest per output token within the SLOs:</strong> tp=");
        CHECK_CONTAINS(html, "<td>tp=1</td>");
        CHECK_CONTAINS(html, "Throughput per GPU vs per-user speed (within the SLOs)");
        CHECK(strstr(html, "<script") == NULL && strstr(html, "src=") == NULL && strstr(html, "href=") == NULL);
        CHECK(strstr(html, "<?xml") == NULL); /* the charts inlined without their XML declaration */
    }
    free(html);
    CHECK_EQ_I64(
        t_run("timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir=build/chromium-profile "
              "--enable-logging=stderr --v=0 --window-size=1100,1800 --screenshot=build/report.png "
              "\"file://$(pwd)/build/report.html\" >build/report_chromium.log 2>&1; "
              "python3 tests/tools/png_nonblank.py build/report.png 0.01",
              out, sizeof out),
        0);
    html = t_slurp("build/report_chromium.log");
    CHECK(html != NULL);
    if (html) CHECK_MSG(strstr(html, "CONSOLE") == NULL && strstr(html, "Uncaught") == NULL, "console: %.300s", html);
    free(html);
    CHECK_EQ_I64(t_run("./simulation_worker report build/report_sweep.jsonl --tittle x", out, sizeof out), 2);
    CHECK_CONTAINS(out, "(did you mean --title?)");
    CHECK_EQ_I64(t_run("./simulation_worker report build/none.jsonl", out, sizeof out), 2);
}

/* Bounded work from small inputs (issue 30): sweep merge never trusts a
 * shard's "points" beyond the grid limit (1e18 exited 1 silently; 4e8 took
 * 3 GB); search refuses a tolerance under 1e-6 (1e-300 bisected forever). */
TEST(plan_merge_points_and_search_tolerance_bounded) {
    static char out[4096];
    FILE *f = fopen("build/merge_huge.csv", "w");
    CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "point,points,key,status\n0,1e18,rate=1,ok\n");
    fclose(f);
    CHECK_EQ_I64(
        t_run("./simulation_worker sweep merge --out build/merge_huge_out.csv build/merge_huge.csv", out, sizeof out),
        2);
    CHECK_CONTAINS(out, "file 1, row 1: \"points\" must be a whole number in 1..10000000");
    f = fopen("build/merge_huge.csv", "w");
    CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "point,points,key,status\n0,400000000,rate=1,ok\n");
    fclose(f);
    CHECK_EQ_I64(
        t_run("./simulation_worker sweep merge --out build/merge_huge_out.csv build/merge_huge.csv", out, sizeof out),
        2);
    CHECK_EQ_I64(t_run("./simulation_worker search --model meta-llama/llama-3.1-8b-instruct --hardware H100 --tp 1 "
                       "--slo 'ttft_p99<300ms' --tolerance 1e-300",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "--tolerance: expected at least 1e-6, got '1e-300'");
}

/* search --seeds K: the search repeated at K consecutive seeds from --seed;
 * max_rate is the lowest (a run at it passes and is steady at every seed),
 * max_rate_median and max_rate_highest beside it; a seed axis and K outside
 * 1..100 are errors. */
TEST(search_seeds_spread) {
    static char out[65536];
    char cmd[1024], num[BLIS_F64_BUF_MAX];
    const char *flags = "--model meta-llama/llama-3.1-8b-instruct --hardware H100 --tp 1 --prompt-tokens 1000 "
                        "--output-tokens 200";
    const char *slo = "ttft_p99<500ms,itl_mean<50ms";
    blis_doc d;
    blis_err err;
    double lo = NAN, median = NAN, highest = NAN;
    int64_t seeds = 0, n = 0, seed = -1, k;
    snprintf(cmd, sizeof cmd,
             "rm -f build/t_seeds.jsonl && ./simulation_worker search %s --slo '%s' --seeds 3 --seed 7 --out "
             "build/t_seeds.jsonl --quiet >/dev/null && cat build/t_seeds.jsonl",
             flags, slo);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    CHECK_EQ_I64(blis_json_parse(out, strlen(out), NULL, &d, &err), BLIS_OK);
    blis_doc_get_f64(&d, blis_doc_root(&d), "max_rate", &lo, &err);
    blis_doc_get_f64(&d, blis_doc_root(&d), "max_rate_median", &median, &err);
    blis_doc_get_f64(&d, blis_doc_root(&d), "max_rate_highest", &highest, &err);
    blis_doc_get_i64(&d, blis_doc_root(&d), "seeds", &seeds, &err);
    blis_doc_get_i64(&d, blis_doc_root(&d), "requests", &n, &err);
    blis_doc_get_i64(&d, blis_doc_root(&d), "seed", &seed, &err);
    blis_doc_free(&d);
    CHECK_EQ_I64(seeds, 3);
    CHECK_MSG(lo > 20 && lo <= median && median <= highest && highest > lo, "lowest %g, median %g, highest %g", lo,
              median, highest);
    CHECK_MSG(seed >= 7 && seed <= 9, "the row's seed %lld", (long long)seed);
    blis_f64_format_go(lo, num);
    for (k = 7; k <= 9; k++) { /* every seed's run at the answer passes, in steady state */
        int pass = -1;
        const char *steady = "";
        snprintf(cmd, sizeof cmd,
                 "(./simulation_worker run %s --arrival poisson --rate %s --num-requests %lld --seed %lld --slo '%s' "
                 "--json 2>/dev/null)",
                 flags, num, (long long)n, (long long)k, slo);
        CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
        CHECK_EQ_I64(blis_json_parse(out, strlen(out), NULL, &d, &err), BLIS_OK);
        blis_doc_get_bool(&d, blis_doc_root(&d), "slo_pass", &pass, &err);
        blis_doc_get_str(&d, blis_doc_root(&d), "steady_state", &steady, &err);
        CHECK_MSG(pass == 1 && !strcmp(steady, "steady"), "seed %lld at %s req/s: pass %d, %s", (long long)k, num, pass,
                  steady);
        blis_doc_free(&d);
    }
    CHECK_EQ_I64(t_run("./simulation_worker search --model meta-llama/llama-3.1-8b-instruct --seed 1,2 --seeds 3 "
                       "--slo 'ttft_p99<500ms'",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "--seeds repeats the search at consecutive seeds from --seed");
    CHECK_EQ_I64(t_run("./simulation_worker search --model meta-llama/llama-3.1-8b-instruct --seeds 101 "
                       "--slo 'ttft_p99<500ms'",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "--seeds: expected an integer in 1..100, got '101'");
}

/* No fixed-size truncation of a grid (issue 30): an axis value too long for
 * a point's argument, or point keys too long, is refused before any point
 * runs, naming the axis; a value just under the limit runs as given. */
TEST(sweep_long_axis_values_refused_not_cut) {
    static char out[16384], cmd[8192], value[1400];
    memset(value, 'x', 1300);
    value[1300] = '\0';
    snprintf(cmd, sizeof cmd,
             "./simulation_worker sweep --model meta-llama/llama-3.1-8b-instruct --workload-spec a.yaml,build/%s "
             "--num-requests 5",
             value);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 2);
    CHECK_CONTAINS(out, "axis \"workload-spec\": a value of 1306 bytes (at most 1183)");
    memset(value, 'y', 1100); /* two such values: the command would pass t_run's limit, so a grid file */
    value[1100] = '\0';
    {
        FILE *f = fopen("build/t_long_grid.yaml", "w");
        CHECK(f != NULL);
        if (!f) return;
        fprintf(f, "axes:\n  workload-spec: [a.yaml, build/%s]\n  workload-traces-filepath: [b.csv, build/%s]\n", value,
                value);
        fclose(f);
    }
    CHECK_EQ_I64(t_run("./simulation_worker search --model meta-llama/llama-3.1-8b-instruct --slo 'ttft_p99<1s' "
                       "--grid build/t_long_grid.yaml",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "the grid's point keys (\"axis=value ...\") would be up to 2252 bytes (at most 2047)");
}

/* plot draws at most 64 configurations (issue 30: 100,000 took 727 MB and
 * exited 1 silently): more is refused with the reason, in bounded memory;
 * one configuration of many rows is drawn. */
TEST(plot_bounds_configurations) {
    static char out[8192];
    FILE *f = fopen("build/t_many_configs.jsonl", "w");
    int i;
    CHECK(f != NULL);
    if (!f) return;
    for (i = 0; i < 20000; i++)
        fprintf(f,
                "{\"key\": \"rate=1 seed=%d\", \"status\": \"ok\", \"rate\": 1, \"ttft_mean_ms\": 1, \"ttft_p90_ms\": "
                "2, \"ttft_p99_ms\": 3}\n",
                i);
    fclose(f);
    CHECK_EQ_I64(t_run("(ulimit -v 400000; ./simulation_worker plot latency build/t_many_configs.jsonl --out "
                       "build/t_many.svg)",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "build/t_many_configs.jsonl: more than 64 configurations (one line each");
    f = fopen("build/t_one_config.jsonl", "w");
    CHECK(f != NULL);
    if (!f) return;
    for (i = 0; i < 20000; i++) /* rates descending: drawn ascending */
        fprintf(f,
                "{\"key\": \"rate=%d\", \"status\": \"ok\", \"rate\": %d, \"ttft_mean_ms\": %d, \"ttft_p90_ms\": %d, "
                "\"ttft_p99_ms\": %d}\n",
                20000 - i, 20000 - i, 1 + i, 2 + i, 3 + i);
    fclose(f);
    CHECK_EQ_I64(
        t_run("./simulation_worker plot latency build/t_one_config.jsonl --out build/t_one.svg", out, sizeof out), 0);
}

/* The grid's identity (issue 30): every row carries a digest of the grid,
 * the flags every point shares and the search's settings; --resume refuses
 * rows with another digest, a row of another width or garbage in place of a
 * row (the point and key right), and merge refuses shards of other sweeps,
 * so "complete" never joins different grids. */
TEST(plan_grid_digest_guards_resume_and_merge) {
    static char out[8192];
    static const char *const a[] = {"1", "2"}, *const b[] = {"1", "3"};
    const char *set1[] = {"sweep", "--num-requests=20"}, *set2[] = {"sweep", "--num-requests=21"};
    blis_grid g1, g2;
    blis_err err;
    char *full, line[512], digest[17];
    const char *nl;
    FILE *f;
    blis_grid_init(&g1);
    blis_grid_init(&g2);
    CHECK_EQ_I64(blis_grid_add_axis(&g1, "rate", a, 2, &err), BLIS_OK);
    CHECK_EQ_I64(blis_grid_add_axis(&g2, "rate", b, 2, &err), BLIS_OK);
    CHECK(blis_grid_digest(&g1, set1, 2) == blis_grid_digest(&g1, set1, 2));
    CHECK(blis_grid_digest(&g1, set1, 2) != blis_grid_digest(&g2, set1, 2)); /* another value */
    CHECK(blis_grid_digest(&g1, set1, 2) != blis_grid_digest(&g1, set2, 2)); /* another fixed flag */
    CHECK(blis_grid_digest(&g1, set1, 2) != blis_grid_digest(&g1, set1, 1)); /* one fewer */
    blis_grid_free(&g1);
    blis_grid_free(&g2);
    system("rm -f build/gd_*");
#define T_GD "./simulation_worker sweep --model meta-llama/llama-3.1-8b-instruct --hardware H100 --tp 1 --quiet "
    CHECK_EQ_I64(t_run(T_GD "--rate 1,2,3,4 --num-requests 20 --out build/gd_full.csv", out, sizeof out), 0);
    full = t_slurp("build/gd_full.csv");
    CHECK(full != NULL);
    if (!full) return;
    nl = strchr(full, '\n');
    CHECK(nl && strlen(nl) > 20 && nl[1] == '0' && nl[2] == ',' && nl[3] == '4' && nl[4] == ',');
    if (!nl) return;
    snprintf(digest, sizeof digest, "%.16s", nl + 5);
    CHECK_EQ_I64((int64_t)strspn(digest, "0123456789abcdef"), 16);
    /* the right point, key and digest, but not a row this sweep writes */
    f = fopen("build/gd_r.csv.partial", "wb");
    CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "%.*s0,4,%s,rate=1,ok,,GARBAGE\n", (int)(nl - full + 1), full, digest);
    fclose(f);
    CHECK_EQ_I64(t_run(T_GD "--rate 1,2,3,4 --num-requests 20 --resume --out build/gd_r.csv", out, sizeof out), 2);
    CHECK_CONTAINS(out, "build/gd_r.csv.partial was not written by this sweep");
    /* a real first row, resumed by a sweep with another fixed flag */
    snprintf(line, sizeof line, "%.*s", (int)strcspn(nl + 1, "\n"), nl + 1);
    f = fopen("build/gd_r.csv.partial", "wb");
    CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "%.*s%s\n", (int)(nl - full + 1), full, line);
    fclose(f);
    CHECK_EQ_I64(t_run(T_GD "--rate 1,2,3,4 --num-requests 21 --resume --out build/gd_r.csv", out, sizeof out), 2);
    CHECK_CONTAINS(out, "was not written by this sweep");
    CHECK_EQ_I64(t_run(T_GD "--rate 1,2,3,4 --num-requests 20 --resume --out build/gd_r.csv", out, sizeof out), 0);
    CHECK(t_same_file("build/gd_full.csv", "build/gd_r.csv"));
    /* shards of two sweeps: refused; of one: the whole sweep */
    CHECK_EQ_I64(t_run(T_GD "--rate 1,2,3,4 --num-requests 20 --shard 0/2 --out build/gd_s0.csv", out, sizeof out), 0);
    CHECK_EQ_I64(t_run(T_GD "--rate 1,2,3,4 --num-requests 21 --shard 1/2 --out build/gd_s1.csv", out, sizeof out), 0);
    CHECK_EQ_I64(
        t_run("./simulation_worker sweep merge --out build/gd_m.csv build/gd_s0.csv build/gd_s1.csv", out, sizeof out),
        2);
    CHECK_CONTAINS(out, "file 2, row 1: the files come from different sweeps");
    CHECK(!file_exists("build/gd_m.csv"));
    CHECK_EQ_I64(t_run(T_GD "--rate 1,2,3,4 --num-requests 20 --shard 1/2 --out build/gd_s1.csv", out, sizeof out), 0);
    CHECK_EQ_I64(
        t_run("./simulation_worker sweep merge --out build/gd_m.csv build/gd_s0.csv build/gd_s1.csv", out, sizeof out),
        0);
    CHECK(t_same_file("build/gd_full.csv", "build/gd_m.csv"));
    /* a file without digests (hand-written, or older) is not merged */
    f = fopen("build/gd_old.csv", "wb");
    CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "point,points,key,status\n0,1,rate=1,ok\n");
    fclose(f);
    CHECK_EQ_I64(t_run("./simulation_worker sweep merge --out build/gd_m2.csv build/gd_old.csv", out, sizeof out), 2);
    CHECK_CONTAINS(out, "file 1: no \"grid\" column");
#undef T_GD
    free(full);
}

/* The rows fuzz corpus (tests/fuzz/corpus/rows: seeds and every input the
 * fuzzer ever found) through the tool's sweep merge: refused with exit 2 or
 * merged, and a merged output merges again to the same bytes. */
TEST(plan_rows_fuzz_corpus_merges) {
    static char out[16384];
    DIR *d = opendir("tests/fuzz/corpus/rows");
    struct dirent *e;
    int files = 0;
    CHECK(d != NULL);
    if (!d) return;
    while ((e = readdir(d)) != NULL) {
        char cmd[1024];
        int rc;
        if (e->d_name[0] == '.') continue;
        files++;
        system("rm -f build/rows_m.csv build/rows_m2.csv");
        snprintf(cmd, sizeof cmd,
                 "./simulation_worker sweep merge --out build/rows_m.csv 'tests/fuzz/corpus/rows/%.200s'", e->d_name);
        rc = t_run(cmd, out, sizeof out);
        CHECK_MSG(rc == 0 || rc == 2, "%s: exit %d: %.300s", e->d_name, rc, out);
        if (rc != 0) continue;
        CHECK_EQ_I64(t_run("./simulation_worker sweep merge --out build/rows_m2.csv build/rows_m.csv", out, sizeof out),
                     0);
        CHECK(t_same_file("build/rows_m.csv", "build/rows_m2.csv"));
    }
    closedir(d);
    CHECK(files >= 3);
}

/* search notes a GPU whose constants were fitted on another (from the row's
 * calibration_transferred), report lists it under "Unvalidated"; not the
 * H100 the constants were fitted on. */
TEST(plan_unmeasured_gpu_noted) {
    static char out[65536];
    /* search notes the transferred GPU (from the row's field), report lists it; not the H100 */
    system("rm -f build/unmeasured.jsonl build/unmeasured.html");
    CHECK_EQ_I64(t_run("./simulation_worker search --model meta-llama/llama-3.1-8b-instruct --hardware L40S,H100 "
                       "--tp 1 --num-requests 200 --slo 'ttft_p99<2000ms' --rate-max 64 --quiet "
                       "--out build/unmeasured.jsonl",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "note: no vLLM measurements on L40S");
    CHECK(strstr(out, "no vLLM measurements on H100") == NULL);
    CHECK_EQ_I64(
        t_run("./simulation_worker report build/unmeasured.jsonl --out build/unmeasured.html", out, sizeof out), 0);
    {
        char *html = t_slurp("build/unmeasured.html");
        CHECK(html && strstr(html, "<strong>Unvalidated:</strong> no vLLM measurements on L40S (constants fitted on "
                                   "H100)"));
        CHECK(html && !strstr(html, "measurements on H100"));
        free(html);
    }
}
