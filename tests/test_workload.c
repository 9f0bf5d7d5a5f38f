/* tests/test_workload.c - >>workload: the block hasher and the legacy generator. */

typedef struct t_tokens {
    int64_t prefix[16];
    int64_t prompt[16][5];
    int64_t output[16][5];
} t_tokens;

static void t_capture(void *user, int kind, int64_t request, int64_t position, int64_t token) {
    t_tokens *t = (t_tokens *)user;
    if (kind == 0 && position < 16) t->prefix[position] = token;
    if (kind == 1 && request < 16 && position < 5) t->prompt[request][position] = token;
    if (kind == 2 && request < 16 && position < 5) t->output[request][position] = token;
}

static void t_golden0_workload(blis_legacy_workload *w) {
    memset(w, 0, sizeof *w);
    w->rate_per_s = 10;
    w->num_requests = 300;
    w->prefix_tokens = 284;
    w->prompt_mean = 70;
    w->prompt_std = 35;
    w->prompt_min = 2;
    w->prompt_max = 200;
    w->output_mean = 215;
    w->output_std = 80;
    w->output_min = 1;
    w->output_max = 512;
}

TEST(workload_legacy_reference_head) {
    blis_doc doc;
    blis_legacy_workload w;
    blis_legacy_gen g;
    blis_err err;
    static t_tokens tok;
    const blis_node *reqs, *pre;
    uint32_t i, k;
    SHARED_JSON_OR_SKIP("conformance/blis/workload/legacy_distribution_workload_head.json", &doc);
    t_golden0_workload(&w);
    memset(&tok, 0, sizeof tok);
    CHECK_EQ_I64(blis_legacy_gen_init(&g, &w, 42, INT64_MAX, 16, NULL, t_capture, &tok, &err), BLIS_OK);
    pre = blis_node_get(&doc, blis_doc_root(&doc), "prefix_first10_token_ids");
    for (i = 0; i < 10; i++) CHECK_EQ_I64(tok.prefix[i], (int64_t)blis_node_at(&doc, pre, i)->as.number);
    reqs = blis_node_get(&doc, blis_doc_root(&doc), "requests");
    CHECK(reqs && reqs->count == 10);
    for (i = 0; reqs && i < reqs->count; i++) {
        const blis_node *e = blis_node_at(&doc, reqs, i);
        blis_request r;
        int has = 0;
        CHECK(blis_legacy_gen_next(&g, &r, &has, &err) == BLIS_OK && has);
        CHECK_EQ_I64(r.arrival_us, (int64_t)blis_node_get(&doc, e, "arrival_us")->as.number);
        CHECK_EQ_I64(r.input_tokens - 284, (int64_t)blis_node_get(&doc, e, "prompt_len_excl_prefix")->as.number);
        CHECK_EQ_I64(r.output_tokens, (int64_t)blis_node_get(&doc, e, "output_len")->as.number);
        CHECK_EQ_I64(r.block_hash_count, (r.input_tokens + r.output_tokens) / 16);
        for (k = 0; k < 5; k++) {
            CHECK_EQ_I64(tok.prompt[i][k],
                         (int64_t)blis_node_at(&doc, blis_node_get(&doc, e, "prompt_first5_token_ids"), k)->as.number);
            CHECK_EQ_I64(tok.output[i][k],
                         (int64_t)blis_node_at(&doc, blis_node_get(&doc, e, "output_first5_token_ids"), k)->as.number);
        }
        blis_request_free(NULL, &r);
    }
    blis_legacy_gen_free(&g);
    blis_doc_free(&doc);
}

TEST(workload_legacy_horizon_count_and_prefix_sharing) {
    blis_legacy_workload w;
    blis_legacy_gen g;
    blis_err err;
    blis_request a, b;
    int has = 0, n = 0;
    t_golden0_workload(&w);
    w.num_requests = 5;
    CHECK_EQ_I64(blis_legacy_gen_init(&g, &w, 42, INT64_MAX, 16, NULL, NULL, NULL, &err), BLIS_OK);
    CHECK(blis_legacy_gen_next(&g, &a, &has, &err) == BLIS_OK && has);
    CHECK(blis_legacy_gen_next(&g, &b, &has, &err) == BLIS_OK && has);
    CHECK(a.block_hashes[16] == b.block_hashes[16]); /* 17 full prefix blocks are shared */
    CHECK(a.block_hashes[17] != b.block_hashes[17]); /* block 17 mixes prefix and prompt */
    blis_request_free(NULL, &a);
    blis_request_free(NULL, &b);
    while (blis_legacy_gen_next(&g, &a, &has, &err) == BLIS_OK && has) {
        n++;
        blis_request_free(NULL, &a);
    }
    CHECK_EQ_I64(n, 3); /* --num-requests */
    blis_legacy_gen_free(&g);
    CHECK_EQ_I64(blis_legacy_gen_init(&g, &w, 42, 250000, 16, NULL, NULL, NULL, &err), BLIS_OK);
    n = 0;
    while (blis_legacy_gen_next(&g, &a, &has, &err) == BLIS_OK && has) {
        n++;
        blis_request_free(NULL, &a);
    }
    CHECK_EQ_I64(n, 3); /* arrivals 0, 99999, 199998; the next (299997) passes the horizon */
    blis_legacy_gen_free(&g);
}

TEST(workload_legacy_validation) {
    blis_legacy_workload w;
    blis_legacy_gen g;
    blis_err err;
    t_golden0_workload(&w);
    w.rate_per_s = 0;
    CHECK_EQ_I64(blis_legacy_gen_init(&g, &w, 42, INT64_MAX, 16, NULL, NULL, NULL, &err), BLIS_E_INVALID);
    CHECK_CONTAINS(err.msg, "--rate must be a finite value > 0, got 0");
    t_golden0_workload(&w);
    w.prompt_std = 300; /* the reference requires the stdev inside [min, max] too */
    CHECK_EQ_I64(blis_legacy_gen_init(&g, &w, 42, INT64_MAX, 16, NULL, NULL, NULL, &err), BLIS_E_INVALID);
    CHECK_CONTAINS(err.msg, "prompt-tokens and prompt-tokens-stdev should be in range");
    t_golden0_workload(&w);
    w.output_mean = 0;
    CHECK_EQ_I64(blis_legacy_gen_init(&g, &w, 42, INT64_MAX, 16, NULL, NULL, NULL, &err), BLIS_E_INVALID);
    CHECK_CONTAINS(err.msg, "output-tokens and output-tokens-stdev should be in range");
}

/* --arrival: random processes keep the constant run's requests (lengths,
 * tokens, hashes) and draw only the gaps, from a stream of their own; the
 * gaps' mean is 1/rate and their cv the one asked (Poisson: 1); the first
 * request arrives at 0; same seed, same arrivals. */
static void t_arrival_stats(t_ctx *t_, blis_arrival_kind kind, double cv, double *mean_us, double *cv_out) {
    blis_legacy_workload w, wc;
    blis_legacy_gen g, c;
    blis_err err;
    blis_request a, b;
    int has = 1, hc = 1;
    int64_t n = 0, prev = 0, same = 0;
    double sum = 0, sq = 0;
    t_golden0_workload(&w);
    w.num_requests = 20000;
    w.arrival = kind;
    w.arrival_cv = cv;
    wc = w;
    wc.arrival = BLIS_ARRIVAL_CONSTANT;
    wc.arrival_cv = 0;
    *mean_us = *cv_out = -1;
    if (blis_legacy_gen_init(&g, &w, 42, INT64_MAX, 16, NULL, NULL, NULL, &err) ||
        blis_legacy_gen_init(&c, &wc, 42, INT64_MAX, 16, NULL, NULL, NULL, &err)) {
        CHECK_MSG(0, "init: %s", err.msg);
        return;
    }
    while (blis_legacy_gen_next(&g, &a, &has, &err) == BLIS_OK && has &&
           blis_legacy_gen_next(&c, &b, &hc, &err) == BLIS_OK && hc) {
        if (n == 0) CHECK_EQ_I64(a.arrival_us, 0);
        if (n > 0) {
            double gap = (double)(a.arrival_us - prev);
            sum += gap;
            sq += gap * gap;
        }
        same += a.input_tokens == b.input_tokens && a.output_tokens == b.output_tokens &&
                a.block_hash_count == b.block_hash_count &&
                !memcmp(a.block_hashes, b.block_hashes, (size_t)a.block_hash_count * sizeof(uint64_t));
        prev = a.arrival_us;
        n++;
        blis_request_free(NULL, &a);
        blis_request_free(NULL, &b);
    }
    CHECK_EQ_I64(n, 20000);
    CHECK_EQ_I64(same, n);
    if (n > 1) {
        double m = sum / (double)(n - 1);
        *mean_us = m;
        *cv_out = sqrt(sq / (double)(n - 1) - m * m) / m;
    }
    blis_legacy_gen_free(&g);
    blis_legacy_gen_free(&c);
}

TEST(workload_legacy_arrival_processes) {
    double mean, cv;
    t_arrival_stats(t_, BLIS_ARRIVAL_CONSTANT, 0, &mean, &cv);
    CHECK_EQ_F64(mean, 99999.0); /* the reference's truncated gap */
    CHECK_EQ_F64(cv, 0.0);
    t_arrival_stats(t_, BLIS_ARRIVAL_POISSON, 0, &mean, &cv);
    CHECK_MSG(fabs(mean - 1e5) < 0.03 * 1e5 && fabs(cv - 1) < 0.05, "poisson: mean %g us, cv %g", mean, cv);
    t_arrival_stats(t_, BLIS_ARRIVAL_GAMMA, 2, &mean, &cv);
    CHECK_MSG(fabs(mean - 1e5) < 0.06 * 1e5 && fabs(cv - 2) < 0.15, "gamma: mean %g us, cv %g", mean, cv);
    t_arrival_stats(t_, BLIS_ARRIVAL_WEIBULL, 0.5, &mean, &cv);
    CHECK_MSG(fabs(mean - 1e5) < 0.03 * 1e5 && fabs(cv - 0.5) < 0.05, "weibull: mean %g us, cv %g", mean, cv);
    {
        blis_legacy_workload w;
        blis_legacy_gen g;
        blis_err err;
        t_golden0_workload(&w);
        w.arrival = BLIS_ARRIVAL_GAMMA; /* no cv */
        CHECK_EQ_I64(blis_legacy_gen_init(&g, &w, 42, INT64_MAX, 16, NULL, NULL, NULL, &err), BLIS_E_INVALID);
        CHECK_CONTAINS(err.msg, "--arrival gamma needs --arrival-cv in [0.01, 10.4], got 0");
        CHECK_EQ_I64(blis_arrival_kind_parse("weibull"), BLIS_ARRIVAL_WEIBULL);
        CHECK_EQ_I64(blis_arrival_kind_parse("Poisson"), -1);
        CHECK_STR(blis_arrival_kind_name(BLIS_ARRIVAL_CONSTANT), "constant");
    }
}

/* --prompt-tokens-stdev 0: fixed lengths, whatever min and max are. */
TEST(workload_legacy_stdev_zero_is_fixed) {
    blis_legacy_workload w;
    blis_legacy_gen g;
    blis_err err;
    blis_request r;
    int has = 1, n = 0, fixed = 0;
    t_golden0_workload(&w);
    w.prompt_std = w.output_std = 0;
    CHECK_EQ_I64(blis_legacy_gen_init(&g, &w, 42, INT64_MAX, 16, NULL, NULL, NULL, &err), BLIS_OK);
    while (blis_legacy_gen_next(&g, &r, &has, &err) == BLIS_OK && has) {
        fixed += r.input_tokens == w.prefix_tokens + w.prompt_mean && r.output_tokens == w.output_mean;
        n++;
        blis_request_free(NULL, &r);
    }
    CHECK(n > 0);
    CHECK_EQ_I64(fixed, n);
    blis_legacy_gen_free(&g);
}

TEST(workload_block_hasher_is_a_prefix_chain) {
    blis_block_hasher a, b;
    uint64_t ha[4], hb[4], h;
    int i, na = 0, nb = 0;
    blis_block_hasher_init(&a, 4);
    blis_block_hasher_init(&b, 4);
    for (i = 0; i < 16; i++) {
        if (blis_block_hasher_push(&a, i, &h)) ha[na++] = h;
        if (blis_block_hasher_push(&b, i == 9 ? 999 : i, &h)) hb[nb++] = h; /* differs in block 2 */
    }
    CHECK(na == 4 && nb == 4);
    CHECK(ha[0] == hb[0] && ha[1] == hb[1]);
    CHECK(ha[2] != hb[2] && ha[3] != hb[3]); /* a later block's hash covers the whole prefix */
}
