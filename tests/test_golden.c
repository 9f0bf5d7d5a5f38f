/* tests/test_golden.c - the engine against the reference golden dataset
 * (conformance/blis/golden): every metric and every request's timings. */

static blis_status t_gen_next(void *user, blis_request *r, int *has, blis_err *err) {
    return blis_legacy_gen_next((blis_legacy_gen *)user, r, has, err);
}

static int64_t t_num(const blis_doc *doc, const blis_node *o, const char *key) {
    const blis_node *n = blis_node_get(doc, o, key);
    return n ? (int64_t)n->as.number : 0;
}

/* A golden case's workload and instance configuration. */
static void t_golden_config(const blis_doc *doc, const blis_node *c, blis_legacy_workload *w, blis_sim_config *cfg,
                            int keep_requests) {
    int i;
    memset(w, 0, sizeof *w);
    w->rate_per_s = blis_node_get(doc, c, "rate")->as.number;
    w->num_requests = t_num(doc, c, "num-requests");
    w->prefix_tokens = t_num(doc, c, "prefix_tokens");
    w->prompt_mean = t_num(doc, c, "prompt_tokens");
    w->prompt_std = t_num(doc, c, "prompt_tokens_stdev");
    w->prompt_min = t_num(doc, c, "prompt_tokens_min");
    w->prompt_max = t_num(doc, c, "prompt_tokens_max");
    w->output_mean = t_num(doc, c, "output_tokens");
    w->output_std = t_num(doc, c, "output_tokens_stdev");
    w->output_min = t_num(doc, c, "output_tokens_min");
    w->output_max = t_num(doc, c, "output_tokens_max");
    blis_sim_config_defaults(cfg);
    cfg->total_kv_blocks = t_num(doc, c, "total-kv-blocks");
    cfg->block_tokens = t_num(doc, c, "block-size-in-tokens");
    cfg->max_running = t_num(doc, c, "max-num-running-reqs");
    cfg->max_scheduled_tokens = t_num(doc, c, "max-num-scheduled-tokens");
    cfg->long_prefill_threshold = t_num(doc, c, "long-prefill-token-threshold");
    cfg->keep_requests = keep_requests;
    for (i = 0; i < 3; i++) {
        cfg->latency.alpha[i] = blis_node_at(doc, blis_node_get(doc, c, "alpha-coeffs"), (size_t)i)->as.number;
        cfg->latency.beta[i] = blis_node_at(doc, blis_node_get(doc, c, "beta-coeffs"), (size_t)i)->as.number;
    }
}

/* Builds and runs one golden case; the caller destroys sim and gen. */
static int t_golden_run(t_ctx *t_, const blis_doc *doc, const blis_node *c, blis_sim *sim, blis_legacy_gen *gen,
                        int keep_requests, int reference_chains) {
    blis_legacy_workload w;
    blis_sim_config cfg;
    blis_request_source src;
    blis_err err;
    t_golden_config(doc, c, &w, &cfg, keep_requests);
    cfg.reference_step_chains = reference_chains;
    if (blis_legacy_gen_init(gen, &w, t_num(doc, c, "seed"), cfg.horizon_us, cfg.block_tokens, NULL, NULL, NULL,
                             &err)) {
        CHECK_MSG(0, "workload: %s", err.msg);
        return 0;
    }
    src.next = t_gen_next;
    src.user = gen;
    if (blis_sim_init(sim, &cfg, src, NULL, &err)) {
        CHECK_MSG(0, "sim: %s", err.msg);
        blis_legacy_gen_free(gen);
        return 0;
    }
    { /* event by event, the invariants checked after each; with a large cache
       * every (blocks / 4096)th event, as the KV check walks every block */
        int done = 0;
        int64_t events = 0, bad_event = -1, every = cfg.total_kv_blocks / 4096 + 1;
        while (!done) {
            if (blis_sim_step(sim, &done, &err)) {
                CHECK_MSG(0, "step: %s", err.msg);
                break;
            }
            events++;
            if (bad_event < 0 && (done || events % every == 0) && blis_sim_check(sim)) bad_event = events;
        }
        CHECK_EQ_I64(bad_event, -1);
    }
    return 1;
}

static void t_golden_metric(t_ctx *t_, const char *name, double got, const blis_node *want) {
    double w = want ? want->as.number : -1;
    CHECK_MSG(want && (got == w || fabs(got - w) <= 1e-9 * fabs(w)), "%s: got %.17g want %.17g", name, got, w);
}

static void t_golden_case(t_ctx *t_, size_t index, int reference_chains) {
    blis_doc doc;
    const blis_node *c, *mw;
    blis_sim sim;
    blis_legacy_gen gen;
    blis_metrics m;
    blis_err err;
    char rel[128], *csv_src = NULL;
    size_t len = 0, i;
    blis_csv csv;
    int64_t bad = 0;
    SHARED_JSON_OR_SKIP("conformance/blis/golden/goldendataset_v0.6.1.json", &doc);
    c = blis_node_at(&doc, blis_node_get(&doc, blis_doc_root(&doc), "tests"), index);
    mw = blis_node_get(&doc, c, "metrics");
    if (!t_golden_run(t_, &doc, c, &sim, &gen, 1, reference_chains)) {
        blis_doc_free(&doc);
        return;
    }
    CHECK(blis_sim_metrics(&sim, &m, &err) == BLIS_OK);
    CHECK_EQ_I64(m.completed, t_num(&doc, mw, "completed_requests"));
    CHECK_EQ_I64(m.total_input_tokens, t_num(&doc, mw, "total_input_tokens"));
    CHECK_EQ_I64(m.total_output_tokens, t_num(&doc, mw, "total_output_tokens"));
    t_golden_metric(t_, "vllm_estimated_duration_s", m.duration_s,
                    blis_node_get(&doc, mw, "vllm_estimated_duration_s"));
    t_golden_metric(t_, "responses_per_sec", m.responses_per_s, blis_node_get(&doc, mw, "responses_per_sec"));
    t_golden_metric(t_, "tokens_per_sec", m.tokens_per_s, blis_node_get(&doc, mw, "tokens_per_sec"));
    t_golden_metric(t_, "e2e_mean_ms", m.e2e_mean_ms, blis_node_get(&doc, mw, "e2e_mean_ms"));
    t_golden_metric(t_, "e2e_p90_ms", m.e2e_p90_ms, blis_node_get(&doc, mw, "e2e_p90_ms"));
    t_golden_metric(t_, "e2e_p95_ms", m.e2e_p95_ms, blis_node_get(&doc, mw, "e2e_p95_ms"));
    t_golden_metric(t_, "e2e_p99_ms", m.e2e_p99_ms, blis_node_get(&doc, mw, "e2e_p99_ms"));
    t_golden_metric(t_, "ttft_mean_ms", m.ttft_mean_ms, blis_node_get(&doc, mw, "ttft_mean_ms"));
    t_golden_metric(t_, "ttft_p90_ms", m.ttft_p90_ms, blis_node_get(&doc, mw, "ttft_p90_ms"));
    t_golden_metric(t_, "ttft_p95_ms", m.ttft_p95_ms, blis_node_get(&doc, mw, "ttft_p95_ms"));
    t_golden_metric(t_, "ttft_p99_ms", m.ttft_p99_ms, blis_node_get(&doc, mw, "ttft_p99_ms"));
    t_golden_metric(t_, "itl_mean_ms", m.itl_mean_ms, blis_node_get(&doc, mw, "itl_mean_ms"));
    t_golden_metric(t_, "itl_p90_ms", m.itl_p90_ms, blis_node_get(&doc, mw, "itl_p90_ms"));
    t_golden_metric(t_, "itl_p95_ms", m.itl_p95_ms, blis_node_get(&doc, mw, "itl_p95_ms"));
    t_golden_metric(t_, "itl_p99_ms", m.itl_p99_ms, blis_node_get(&doc, mw, "itl_p99_ms"));
    t_golden_metric(t_, "scheduling_delay_p99_ms", m.scheduling_delay_p99_ms,
                    blis_node_get(&doc, mw, "scheduling_delay_p99_ms"));
    snprintf(rel, sizeof rel, "conformance/blis/golden/golden_case%lu_per_request.csv", (unsigned long)index);
    if (t_read_shared(t_, rel, &csv_src, &len) && blis_csv_parse(csv_src, len, NULL, &csv, &err) == BLIS_OK) {
        int32_t c_id = blis_csv_column(&csv, "request_id"), c_ttft = blis_csv_column(&csv, "ttft_us"),
                c_e2e = blis_csv_column(&csv, "e2e_us"), c_sd = blis_csv_column(&csv, "scheduling_delay_us"),
                c_arr = blis_csv_column(&csv, "arrival_us");
        CHECK_EQ_I64(csv.rows, sim.request_count);
        for (i = 0; i < csv.rows && i < sim.request_count; i++) {
            const blis_request *r = sim.requests[i];
            int64_t ttft = 0, e2e = 0, sd = 0, arr = 0;
            char id[32];
            snprintf(id, sizeof id, "request_%lld", (long long)r->index);
            blis_csv_get_i64(&csv, (uint32_t)i, (uint32_t)c_ttft, &ttft, &err);
            blis_csv_get_i64(&csv, (uint32_t)i, (uint32_t)c_e2e, &e2e, &err);
            blis_csv_get_i64(&csv, (uint32_t)i, (uint32_t)c_sd, &sd, &err);
            blis_csv_get_i64(&csv, (uint32_t)i, (uint32_t)c_arr, &arr, &err);
            if (strcmp(blis_csv_cell(&csv, (uint32_t)i, (uint32_t)c_id)->ptr, id) || r->arrival_us != arr ||
                r->first_token_us != ttft || r->e2e_us != e2e || r->sched_delay_us != sd) {
                if (bad++ < 3)
                    CHECK_MSG(0, "case %lu %s: ttft %lld/%lld e2e %lld/%lld sched %lld/%lld", (unsigned long)index, id,
                              (long long)r->first_token_us, (long long)ttft, (long long)r->e2e_us, (long long)e2e,
                              (long long)r->sched_delay_us, (long long)sd);
            }
        }
        CHECK_EQ_I64(bad, 0);
        blis_csv_free(&csv);
    }
    free(csv_src);
    blis_sim_destroy(&sim);
    blis_legacy_gen_free(&gen);
    blis_doc_free(&doc);
}

TEST(golden_case0) { t_golden_case(t_, 0, 0); }
TEST(golden_case1) { t_golden_case(t_, 1, 0); }
TEST(golden_case2) { t_golden_case(t_, 2, 0); }
TEST(golden_case3) { t_golden_case(t_, 3, 0); }
TEST(golden_case4) { t_golden_case(t_, 4, 0); }
/* The same cases in --compat reference (the reference's parallel step
 * chains): no golden case queues two requests at one microsecond at an idle
 * instance, so both modes reproduce every value (README, "Conformance"). */
TEST(golden_cases_in_reference_compat_mode) {
    size_t i;
    for (i = 0; i < 5; i++) t_golden_case(t_, i, 1);
}

/* Bit-identical to the metrics the v0.6.1 code itself computes (the
 * extended summary, recomputed by running the reference), internals included. */
static void t_golden_extended(t_ctx *t_, size_t index) {
    blis_doc doc, ext;
    const blis_node *c, *sum = NULL, *arr;
    blis_sim sim;
    blis_legacy_gen gen;
    blis_metrics m;
    blis_err err;
    uint32_t i;
    SHARED_JSON_OR_SKIP("conformance/blis/golden/goldendataset_v0.6.1.json", &doc);
    if (!t_shared_json(t_, "conformance/blis/golden/golden_v061_extended_summary.json", &ext)) {
        blis_doc_free(&doc);
        return;
    }
    arr = blis_doc_root(&ext);
    for (i = 0; i < arr->count; i++)
        if ((size_t)t_num(&ext, blis_node_at(&ext, arr, i), "case_index") == index)
            sum = blis_node_get(&ext, blis_node_at(&ext, arr, i), "summary");
    CHECK(sum != NULL);
    c = blis_node_at(&doc, blis_node_get(&doc, blis_doc_root(&doc), "tests"), index);
    if (sum && t_golden_run(t_, &doc, c, &sim, &gen, 1, 0)) {
        CHECK(blis_sim_metrics(&sim, &m, &err) == BLIS_OK);
#define T_BITS(key, v) CHECK_EQ_F64((double)(v), blis_node_get(&ext, sum, key)->as.number)
        T_BITS("e2e_mean_ms", m.e2e_mean_ms);
        T_BITS("e2e_p90_ms", m.e2e_p90_ms);
        T_BITS("e2e_p95_ms", m.e2e_p95_ms);
        T_BITS("e2e_p99_ms", m.e2e_p99_ms);
        T_BITS("ttft_mean_ms", m.ttft_mean_ms);
        T_BITS("ttft_p90_ms", m.ttft_p90_ms);
        T_BITS("ttft_p95_ms", m.ttft_p95_ms);
        T_BITS("ttft_p99_ms", m.ttft_p99_ms);
        T_BITS("itl_mean_ms", m.itl_mean_ms);
        T_BITS("itl_p90_ms", m.itl_p90_ms);
        T_BITS("itl_p95_ms", m.itl_p95_ms);
        T_BITS("itl_p99_ms", m.itl_p99_ms);
        T_BITS("scheduling_delay_p99_ms", m.scheduling_delay_p99_ms);
        T_BITS("responses_per_sec", m.responses_per_s);
        T_BITS("tokens_per_sec", m.tokens_per_s);
        T_BITS("vllm_estimated_duration_s", m.duration_s);
        T_BITS("num_steps", sim.step_count);
        T_BITS("peak_kv_blocks_used", sim.peak_kv_blocks);
        T_BITS("kv_blocks_used_integral_block_us", sim.kv_blocks_integral);
        T_BITS("all_itls_count", sim.itl.total);
        T_BITS("sim_ended_time_us", m.sim_ended_us);
        T_BITS("preemption_count", m.preemptions);
#undef T_BITS
        blis_sim_destroy(&sim);
        blis_legacy_gen_free(&gen);
    }
    blis_doc_free(&ext);
    blis_doc_free(&doc);
}

TEST(golden_extended_case0) { t_golden_extended(t_, 0); }
TEST(golden_extended_case1) { t_golden_extended(t_, 1); }
TEST(golden_extended_case2) { t_golden_extended(t_, 2); }
TEST(golden_extended_case3) { t_golden_extended(t_, 3); }
TEST(golden_extended_case4) { t_golden_extended(t_, 4); }

/* Every golden case with keep_requests = 0 (completed requests freed, only
 * their timings kept) gives the same metrics, bit for bit. */
TEST(golden_compact_mode) {
    blis_doc doc;
    size_t k;
    SHARED_JSON_OR_SKIP("conformance/blis/golden/goldendataset_v0.6.1.json", &doc);
    for (k = 0; k < 5; k++) {
        const blis_node *c = blis_node_at(&doc, blis_node_get(&doc, blis_doc_root(&doc), "tests"), k);
        blis_sim a, b;
        blis_legacy_gen ga, gb;
        blis_metrics ma, mb;
        blis_err err;
        if (!t_golden_run(t_, &doc, c, &a, &ga, 1, 0)) break;
        if (t_golden_run(t_, &doc, c, &b, &gb, 0, 0)) {
            CHECK(blis_sim_metrics(&a, &ma, &err) == BLIS_OK && blis_sim_metrics(&b, &mb, &err) == BLIS_OK);
            CHECK_MSG(memcmp(&ma, &mb, sizeof ma) == 0, "case %lu: metrics differ", (unsigned long)k);
            CHECK_MSG(b.request_count < a.request_count, "case %lu: %lu requests kept", (unsigned long)k,
                      (unsigned long)b.request_count);
            blis_sim_destroy(&b);
            blis_legacy_gen_free(&gb);
        }
        blis_sim_destroy(&a);
        blis_legacy_gen_free(&ga);
    }
    blis_doc_free(&doc);
}
