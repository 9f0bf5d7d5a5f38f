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
