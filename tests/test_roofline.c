/* tests/test_roofline.c - >>roofline and >>mfu: v1 and v2 step times, the MFU
 * database lookups, against the reference vectors; and the roofline laws. */

static int t_shared_model(t_ctx *t_, const char *dir, const char *name, blis_model_config *m) {
    char rel[256], *src = NULL;
    size_t len = 0;
    blis_err err;
    int ok;
    snprintf(rel, sizeof rel, "%s/%s/config.json", dir, name);
    if (!t_read_shared(t_, rel, &src, &len)) return 0;
    ok = blis_model_config_parse(src, len, rel, m, &err) == BLIS_OK && blis_model_config_validate(m, &err) == BLIS_OK;
    CHECK_MSG(ok, "%s: %s %s", rel, err.path, err.msg);
    free(src);
    return ok;
}

static int t_shared_hw(t_ctx *t_, const char *rel, const char *gpu, blis_hw_config *hw) {
    blis_doc doc;
    blis_err err;
    int ok;
    if (!t_shared_json(t_, rel, &doc)) return 0;
    ok = blis_hw_config_from_doc(&doc, gpu, hw, &err) == BLIS_OK;
    CHECK_MSG(ok, "%s: %s", rel, err.msg);
    blis_doc_free(&doc);
    return ok;
}

/* A step_config of the vectors -> a batch (arrays of up to 64 requests). */
typedef struct t_batch {
    blis_step_req prefill[64], decode[64];
    blis_step_batch b;
} t_batch;

static void t_batch_from(const blis_doc *doc, const blis_node *cfg, t_batch *tb) {
    const blis_node *p = blis_node_get(doc, cfg, "prefill_requests"), *d = blis_node_get(doc, cfg, "decode_requests");
    uint32_t i;
    memset(tb, 0, sizeof *tb);
    for (i = 0; p && p->kind == BLIS_NODE_ARRAY && i < p->count && i < 64; i++) {
        const blis_node *r = blis_node_at(doc, p, i);
        tb->prefill[i].progress_tokens = (int64_t)blis_node_get(doc, r, "progress_index")->as.number;
        tb->prefill[i].new_tokens = (int64_t)blis_node_get(doc, r, "num_new_prefill_tokens")->as.number;
        tb->b.prefill_count++;
    }
    for (i = 0; d && d->kind == BLIS_NODE_ARRAY && i < d->count && i < 64; i++) {
        const blis_node *r = blis_node_at(doc, d, i);
        tb->decode[i].progress_tokens = (int64_t)blis_node_get(doc, r, "progress_index")->as.number;
        tb->decode[i].new_tokens = (int64_t)blis_node_get(doc, r, "num_new_decode_tokens")->as.number;
        tb->b.decode_count++;
    }
    tb->b.prefill = tb->prefill;
    tb->b.decode = tb->decode;
}

TEST(roofline_v1_reference_step_times) {
    blis_doc doc;
    blis_err err;
    const blis_node *cases;
    uint32_t i;
    long bad = 0, checked = 0;
    SHARED_JSON_OR_SKIP("conformance/blis/roofline/roofline_v1_step_times.json", &doc);
    cases = blis_node_get(&doc, blis_doc_root(&doc), "cases");
    for (i = 0; i < cases->count; i++) {
        const blis_node *c = blis_node_at(&doc, cases, i);
        const char *gpu = blis_node_get(&doc, c, "gpu")->as.string,
                   *model = blis_node_get(&doc, c, "model_config")->as.string;
        int tp = (int)blis_node_get(&doc, c, "tp")->as.number;
        int64_t want = (int64_t)blis_node_get(&doc, c, "step_time_us")->as.number;
        blis_model_config m;
        blis_hw_config hw;
        t_batch tb;
        blis_step_breakdown out;
        if (!t_shared_model(t_, "reference/upstream/v0.6.1/model_configs", model, &m) ||
            !t_shared_hw(t_, "reference/upstream/v0.6.1/hardware_config.json", gpu, &hw))
            break;
        CHECK(blis_hw_config_validate(&hw, 1, &err) == BLIS_OK);
        t_batch_from(&doc, blis_node_get(&doc, c, "step_config"), &tb);
        CHECK(blis_roofline_v1_step(&m, &hw, tp, &tb.b, &out, &err) == BLIS_OK);
        checked++;
        if (out.step_time_us != want && bad++ < 5)
            CHECK_MSG(0, "%s %s tp%d %s: got %lld us, want %lld", model, gpu, tp,
                      blis_node_get(&doc, c, "step")->as.string, (long long)out.step_time_us, (long long)want);
    }
    CHECK_EQ_I64(bad, 0);
    CHECK_EQ_I64(checked, 270);
    blis_doc_free(&doc);
}

static void t_check_mem(t_ctx *t_, const blis_doc *doc, const blis_node *want, const blis_mem_bytes *got) {
    CHECK_EQ_F64(got->activations_tokens, blis_node_get(doc, want, "activations_tokens")->as.number);
    CHECK_EQ_F64(got->model_weights, blis_node_get(doc, want, "model_weights")->as.number);
    CHECK_EQ_F64(got->total, blis_node_get(doc, want, "total")->as.number);
    if (blis_node_get(doc, want, "kv_cache_access")) {
        CHECK_EQ_F64(got->kv_cache_access, blis_node_get(doc, want, "kv_cache_access")->as.number);
        CHECK_EQ_F64(got->kv_cache_growth, blis_node_get(doc, want, "kv_cache_growth")->as.number);
    }
}

TEST(roofline_v1_v2_components_llama_8b) {
    blis_doc doc;
    blis_model_config m;
    const blis_node *comps;
    uint32_t i;
    SHARED_JSON_OR_SKIP("conformance/blis/roofline/roofline_v1_step_times.json", &doc);
    if (!t_shared_model(t_, "reference/upstream/v0.6.1/model_configs", "llama-3.1-8b-instruct", &m)) return;
    comps = blis_node_get(&doc, blis_doc_root(&doc), "components_llama_3_1_8b");
    CHECK(comps && comps->count == 4);
    for (i = 0; i < comps->count; i++) {
        const blis_node *c = blis_node_at(&doc, comps, i), *f = blis_node_get(&doc, c, "flops");
        double seq = blis_node_get(&doc, c, "seq_len")->as.number, nt = blis_node_get(&doc, c, "new_tokens")->as.number;
        blis_v1_flops fl;
        blis_mem_bytes mm;
        blis_roofline_v1_flops(&m, seq, nt, &fl);
        CHECK_EQ_F64(fl.gemm_ops, blis_node_get(&doc, f, "gemm_ops")->as.number);
        CHECK_EQ_F64(fl.sram_ops, blis_node_get(&doc, f, "sram_ops")->as.number);
        CHECK_EQ_F64(fl.total, blis_node_get(&doc, f, "total")->as.number);
        blis_roofline_mem(&m, 1, seq, nt, 0, &mm);
        t_check_mem(t_, &doc, blis_node_get(&doc, c, "mem_bytes_no_kv"), &mm);
        blis_roofline_mem(&m, 1, seq, nt, 1, &mm);
        t_check_mem(t_, &doc, blis_node_get(&doc, c, "mem_bytes_with_kv"), &mm);
    }
    blis_doc_free(&doc);
    SHARED_JSON_OR_SKIP("conformance/blis/roofline/roofline_v2_step_times_a410740f.json", &doc);
    comps = blis_node_get(&doc, blis_doc_root(&doc), "memory_components_llama_3_1_8b");
    CHECK(comps && comps->count >= 3);
    for (i = 0; i < comps->count; i++) {
        const blis_node *c = blis_node_at(&doc, comps, i);
        double seq = blis_node_get(&doc, c, "seq_len")->as.number, nt = blis_node_get(&doc, c, "new_tokens")->as.number;
        blis_mem_bytes mm;
        blis_roofline_mem(&m, 2, seq, nt, 0, &mm);
        t_check_mem(t_, &doc, blis_node_get(&doc, c, "mem_bytes_no_kv"), &mm);
        blis_roofline_mem(&m, 2, seq, nt, 1, &mm);
        t_check_mem(t_, &doc, blis_node_get(&doc, c, "mem_bytes_with_kv"), &mm);
    }
    blis_doc_free(&doc);
}

/* The reference bench_data for H100, loaded through the directory API. */
static int t_reference_db(t_ctx *t_, blis_mfu_db *db) {
    char dir[512];
    blis_err err;
    if (!t_shared_dir()) return 0;
    snprintf(dir, sizeof dir, "%s/reference/upstream/a410740f/bench_data", t_shared_dir());
    blis_mfu_db_init(db, NULL);
    CHECK_MSG(blis_mfu_db_load_dir(db, dir, "H100", blis_posix_list_dir, NULL, &err) == BLIS_OK, "%s: %s", err.source,
              err.msg);
    return 1;
}

TEST(mfu_reference_lookups) {
    static const char *models[] = {"codellama-34b-instruct-hf", "llama-3.1-8b-instruct", "qwen2.5-1.5b-instruct",
                                   "qwen2.5-3b-instruct",       "qwen2.5-7b-instruct",   "qwen3-14b"};
    blis_doc doc;
    blis_mfu_db db;
    blis_hw_config hw;
    blis_err err;
    const blis_node *root, *arr;
    uint32_t i, j;
    long bad = 0, checked = 0;
    SHARED_JSON_OR_SKIP("conformance/blis/roofline/mfu_database_lookups_a410740f.json", &doc);
    if (!t_reference_db(t_, &db)) return;
    root = blis_doc_root(&doc);
    arr = blis_node_get(&doc, root, "_gemm_mfu");
    for (i = 0; i < arr->count; i++, checked++) {
        const blis_node *r = blis_node_at(&doc, arr, i);
        double got = blis_mfu_gemm(&db, (int64_t)blis_node_get(&doc, r, "m")->as.number,
                                   (int64_t)blis_node_get(&doc, r, "k")->as.number,
                                   (int64_t)blis_node_get(&doc, r, "n")->as.number);
        double want = blis_node_get(&doc, r, "mfu")->as.number;
        if (fabs(got - want) > 1e-9 * fabs(want) && bad++ < 5)
            CHECK_MSG(0, "gemm row %u: got %.17g want %.17g", i, got, want);
    }
    (void)t_shared_hw(t_, "reference/upstream/a410740f/hardware_config.json", "H100", &hw);
    arr = blis_node_get(&doc, root, "_gemm_time_h100_bf16");
    for (i = 0; i < arr->count; i++, checked++) {
        const blis_node *r = blis_node_at(&doc, arr, i);
        double got = blis_mfu_gemm_time_s(&db, &hw, blis_node_get(&doc, r, "bytes_per_param")->as.number,
                                          (int64_t)blis_node_get(&doc, r, "m")->as.number,
                                          (int64_t)blis_node_get(&doc, r, "k")->as.number,
                                          (int64_t)blis_node_get(&doc, r, "n")->as.number);
        double want = blis_node_get(&doc, r, "time_s")->as.number;
        if (fabs(got - want) > 1e-9 * fabs(want) && bad++ < 5)
            CHECK_MSG(0, "gemm time row %u: got %.17g want %.17g", i, got, want);
    }
    for (j = 0; j < sizeof models / sizeof models[0]; j++) {
        const blis_node *mm = blis_node_get(&doc, root, models[j]);
        blis_model_config m;
        if (!t_shared_model(t_, "reference/upstream/model_configs", models[j], &m)) break;
        CHECK(blis_mfu_db_select_model(&db, &m, &err) == BLIS_OK);
        arr = blis_node_get(&doc, mm, "attn_prefill_mfu");
        for (i = 0; i < arr->count; i++, checked++) {
            const blis_node *r = blis_node_at(&doc, arr, i);
            double got = blis_mfu_attn_prefill(&db, (int64_t)blis_node_get(&doc, r, "seq_len")->as.number);
            double want = blis_node_get(&doc, r, "mfu")->as.number;
            if (fabs(got - want) > 1e-9 * fabs(want) && bad++ < 5)
                CHECK_MSG(0, "%s prefill row %u: got %.17g want %.17g", models[j], i, got, want);
        }
        arr = blis_node_get(&doc, mm, "attn_decode_mfu");
        for (i = 0; i < arr->count; i++, checked++) {
            const blis_node *r = blis_node_at(&doc, arr, i);
            double got = blis_mfu_attn_decode(&db, (int64_t)blis_node_get(&doc, r, "batch_size")->as.number,
                                              (int64_t)blis_node_get(&doc, r, "kv_len")->as.number,
                                              (int)blis_node_get(&doc, r, "tp")->as.number);
            double want = blis_node_get(&doc, r, "mfu")->as.number;
            if (fabs(got - want) > 1e-9 * fabs(want) && bad++ < 5)
                CHECK_MSG(0, "%s decode row %u (bs %g kv %g tp %g): got %.17g want %.17g", models[j], i,
                          blis_node_get(&doc, r, "batch_size")->as.number, blis_node_get(&doc, r, "kv_len")->as.number,
                          blis_node_get(&doc, r, "tp")->as.number, got, want);
        }
    }
    CHECK_EQ_I64(bad, 0);
    CHECK_MSG(checked > 2000, "only %ld lookups checked", checked);
    blis_mfu_db_free(&db);
    blis_doc_free(&doc);
}

TEST(mfu_attention_keys_and_nearest_config) {
    blis_doc doc;
    blis_mfu_db db;
    blis_err err;
    const blis_node *keys;
    uint32_t i;
    SHARED_JSON_OR_SKIP("conformance/blis/roofline/roofline_v2_step_times_a410740f.json", &doc);
    if (!t_reference_db(t_, &db)) return;
    keys = blis_node_get(&doc, blis_doc_root(&doc), "model_attention_keys");
    for (i = 0; i < keys->count; i++) {
        blis_model_config m;
        const char *name = blis_node_key_at(&doc, keys, i)->as.string;
        if (!t_shared_model(t_, "reference/upstream/model_configs", name, &m)) break;
        CHECK(blis_mfu_db_select_model(&db, &m, &err) == BLIS_OK);
        CHECK_STR(db.attn_key, blis_node_at(&doc, keys, i)->as.string);
        if (!strcmp(name, "qwen3-14b")) {
            CHECK_STR(db.attn_config, "32-8-128"); /* 40-8-128 -> nearest */
            CHECK(db.attn_config_is_fallback);
        }
    }
    blis_mfu_db_free(&db);
    blis_doc_free(&doc);
}

TEST(roofline_v2_reference_step_times) {
    blis_doc doc;
    blis_mfu_db db;
    blis_err err;
    blis_hw_config hw;
    const blis_node *cases;
    uint32_t i;
    long bad = 0, checked = 0;
    SHARED_JSON_OR_SKIP("conformance/blis/roofline/roofline_v2_step_times_a410740f.json", &doc);
    if (!t_reference_db(t_, &db)) return;
    CHECK(t_shared_hw(t_, "reference/upstream/a410740f/hardware_config.json", "H100", &hw));
    CHECK(blis_hw_config_validate(&hw, 2, &err) == BLIS_OK);
    cases = blis_node_get(&doc, blis_doc_root(&doc), "cases");
    for (i = 0; i < cases->count; i++) {
        const blis_node *c = blis_node_at(&doc, cases, i);
        const char *model = blis_node_get(&doc, c, "model_config")->as.string;
        int tp = (int)blis_node_get(&doc, c, "tp")->as.number;
        int64_t want = (int64_t)blis_node_get(&doc, c, "step_time_us")->as.number;
        blis_model_config m;
        t_batch tb;
        blis_step_breakdown out;
        if (!t_shared_model(t_, "reference/upstream/model_configs", model, &m)) break;
        CHECK(blis_mfu_db_select_model(&db, &m, &err) == BLIS_OK);
        t_batch_from(&doc, blis_node_get(&doc, c, "step_config"), &tb);
        CHECK(blis_roofline_v2_step(&m, &hw, &db, tp, &tb.b, &out, &err) == BLIS_OK);
        checked++;
        if (out.step_time_us != want && bad++ < 5)
            CHECK_MSG(0, "%s tp%d %s: got %lld us, want %lld", model, tp, blis_node_get(&doc, c, "step")->as.string,
                      (long long)out.step_time_us, (long long)want);
    }
    CHECK_EQ_I64(bad, 0);
    CHECK_EQ_I64(checked, 180);
    blis_mfu_db_free(&db);
    blis_doc_free(&doc);
}

/* Synthetic tables quoted from the reference's unit tests (conformance README). */
TEST(mfu_synthetic_unit_vectors) {
    blis_mfu_db db;
    blis_err err;
    blis_model_config m;
    const char *pre =
        "dtype,seq_len,latency_us,mfu\nbf16,128,1,0.10\nbf16,512,1,0.30\nbf16,1024,1,0.50\nbf16,4096,1,0.70\n";
    const char *dec =
        "dtype,kv_dtype,batch_size,kv_len,latency_us,mfu\nbf16,bf16,1,128,1,0.05\nbf16,bf16,1,512,1,0.10\n"
        "bf16,bf16,8,128,1,0.15\nbf16,bf16,8,512,1,0.20\nbf16,bf16,32,128,1,0.25\nbf16,bf16,32,512,1,0.30\n";
    const char *gemm =
        "m,k,n,latency_us,mfu\n1,4096,4096,1,0.05\n8,4096,4096,1,0.20\n32,4096,4096,1,0.40\n128,4096,4096,1,0.60\n";
    double v;
    CHECK_EQ_F64(blis__lerp(2, 8, 0.25), 3.5);
    blis_mfu_db_init(&db, NULL);
    CHECK(blis_mfu_db_add_prefill_csv(&db, "32-8-128", pre, strlen(pre), "pre.csv", &err) == BLIS_OK);
    CHECK(blis_mfu_db_add_decode_csv(&db, "32-8-128-tp1", dec, strlen(dec), "dec.csv", &err) == BLIS_OK);
    CHECK(blis_mfu_db_add_gemm_csv(&db, gemm, strlen(gemm), "gemm.csv", &err) == BLIS_OK);
    memset(&m, 0, sizeof m);
    m.num_heads = 32;
    m.num_kv_heads = 8;
    m.hidden_size = 4096;
    CHECK(blis_mfu_db_select_model(&db, &m, &err) == BLIS_OK);
    CHECK_STR(db.attn_key, "32-8-128");
    CHECK_EQ_F64(blis_mfu_attn_prefill(&db, 512), 0.30);
    CHECK_EQ_F64(blis_mfu_attn_prefill(&db, 64), 0.10);
    CHECK_EQ_F64(blis_mfu_attn_prefill(&db, 8192), 0.70);
    v = blis_mfu_attn_prefill(&db, 768);
    CHECK(fabs(v - 0.40) < 1e-12);
    CHECK_EQ_F64(blis_mfu_attn_decode(&db, 8, 128, 1), 0.15);
    v = blis_mfu_attn_decode(&db, 20, 128, 1);
    CHECK(fabs(v - 0.2) < 1e-12);
    CHECK_EQ_F64(blis_mfu_attn_decode(&db, 8, 128, 4), 0.15); /* tp4 falls back to tp1 */
    CHECK_EQ_F64(blis_mfu_gemm(&db, 8, 4096, 4096), 0.20);
    CHECK_EQ_F64(blis_mfu_gemm(&db, 0, 4096, 4096), 0.05);
    CHECK_EQ_F64(blis_mfu_gemm(&db, 1000, 4096, 4096), 0.60);
    m.num_heads = 28;
    m.num_kv_heads = 4;
    m.hidden_size = 3584;
    CHECK(blis_mfu_db_select_model(&db, &m, &err) == BLIS_OK);
    CHECK_STR(db.attn_config, "32-8-128");
    blis_mfu_db_free(&db);
}

TEST(mfu_zero_protection_and_empty_db) {
    blis_mfu_db db;
    blis_err err;
    blis_model_config m;
    const char *pre =
        "dtype,seq_len,latency_us,mfu\nbf16,100,1,0.0\nbf16,1000,1,0.0\nbf16,5000,1,0.4\nbf16,9000,1,0.6\n";
    const char *gemm = "m,k,n,latency_us,mfu\n1,64,64,1,0.0\n8,64,64,1,0.0\n16,64,64,1,0.3\n";
    blis_mfu_db_init(&db, NULL);
    memset(&m, 0, sizeof m);
    m.num_heads = 8;
    m.hidden_size = 512;
    CHECK(blis_mfu_db_select_model(&db, &m, &err) == BLIS_OK);
    CHECK_EQ_F64(blis_mfu_gemm(&db, 8, 64, 64), 1e-4); /* no data */
    CHECK_EQ_F64(blis_mfu_attn_prefill(&db, 100), 1e-4);
    CHECK_EQ_F64(blis_mfu_attn_decode(&db, 1, 100, 1), 1e-4);
    CHECK(blis_mfu_db_add_prefill_csv(&db, "8-8-64", pre, strlen(pre), "p.csv", &err) == BLIS_OK);
    CHECK(blis_mfu_db_add_gemm_csv(&db, gemm, strlen(gemm), "g.csv", &err) == BLIS_OK);
    CHECK(blis_mfu_db_select_model(&db, &m, &err) == BLIS_OK);
    CHECK_EQ_F64(blis_mfu_attn_prefill(&db, 200), 0.4); /* lerp gives 0: the nearest usable row (5000) */
    CHECK_EQ_F64(blis_mfu_gemm(&db, 4, 64, 64), 0.3);   /* the first usable row in file order */
    blis_mfu_db_free(&db);
}

TEST(mfu_bad_tables) {
    blis_mfu_db db;
    blis_err err;
    blis_mfu_db_init(&db, NULL);
    CHECK_EQ_I64(blis_mfu_db_add_gemm_csv(&db, "m,k,latency_us,mfu\n1,2,3,0.1\n", 29, "g.csv", &err), BLIS_E_MISSING);
    CHECK_CONTAINS(err.msg, "missing column \"n\"");
    CHECK_EQ_I64(
        blis_mfu_db_add_prefill_csv(&db, "8-8-64", "dtype,seq_len,latency_us,mfu\nbf16,x,1,0.1\n", 42, "p.csv", &err),
        BLIS_E_TYPE);
    CHECK_STR(err.source, "p.csv");
    CHECK_EQ_U64(err.line, 2);
    CHECK_EQ_U64(db.prefill_count, 0); /* the failed table is not left half-built */
    CHECK_EQ_F64(blis_mfu_attn_prefill(&db, 100), 1e-4);
    {
        const char *huge = "m,k,n,latency_us,mfu\n1,4096,4096,1,0.1\n1,2222222222222222222222,4096,1,0.1\n";
        const char *zero = "m,k,n,latency_us,mfu\n0,4096,4096,1,0.1\n";
        CHECK_EQ_I64(blis_mfu_db_add_gemm_csv(&db, huge, strlen(huge), "g.csv", &err), BLIS_E_RANGE);
        CHECK_EQ_U64(err.line, 3);
        CHECK_EQ_U64(err.col, 3);
        CHECK_EQ_I64(blis_mfu_db_add_gemm_csv(&db, zero, strlen(zero), "g.csv", &err), BLIS_E_RANGE);
        CHECK_CONTAINS(err.msg, "row 2, column \"m\": expected 1..2^40, got 0");
        CHECK_EQ_U64(db.gemm_rows, 0);
    }
    CHECK_EQ_I64(blis_mfu_db_add_prefill_csv(&db, "8-8", "dtype,seq_len,latency_us,mfu\n", 29, "p.csv", &err),
                 BLIS_E_INVALID);
    CHECK_CONTAINS(err.msg, "is not <heads>-<kv_heads>-<head_dim>.csv");
    {
        const char *short_row = "dtype,kv_dtype,batch_size,kv_len,latency_us,mfu\nbf16,bf16,1\n";
        CHECK_EQ_I64(blis_mfu_db_add_decode_csv(&db, "8-8-64-tp1", short_row, strlen(short_row), "d.csv", &err),
                     BLIS_E_SYNTAX);
    }
    CHECK_CONTAINS(err.msg, "row 2 has 3 fields, the header has 6");
    CHECK_EQ_I64(blis_mfu_db_load_dir(&db, "tests/no-such-bench", "h100", blis_posix_list_dir, NULL, &err), BLIS_E_IO);
    blis_mfu_db_free(&db);
}

/* ---- laws ---- */

static void t_law_model(blis_model_config *m) {
    memset(m, 0, sizeof *m);
    strcpy(m->model_type, "llama");
    m->num_layers = 32;
    m->hidden_size = 4096;
    m->num_heads = 32;
    m->num_kv_heads = 8;
    m->intermediate_size = 14336;
    m->vocab_size = 128256;
    m->bytes_per_param = 2;
    m->weight_bytes_per_param = 2;
}

static void t_law_hw(blis_hw_config *hw) {
    memset(hw, 0, sizeof *hw);
    hw->tflops_peak = 989.5;
    hw->bw_peak_tbs = 3.35;
    hw->v1_bw_efficiency = 0.72;
    hw->v1_step_overhead_us = 500;
    hw->v1_layer_overhead_us = 20;
    hw->v1_mfu_prefill = 0.65;
    hw->v1_mfu_decode = 0.12;
    hw->v1_allreduce_us = 20;
}

static int64_t t_v1(const blis_model_config *m, const blis_hw_config *hw, int tp, int64_t pre_progress, int64_t pre_new,
                    int n_decode, blis_step_breakdown *out) {
    blis_step_req pre, dec[512];
    blis_step_batch b;
    blis_err err;
    int i;
    pre.progress_tokens = pre_progress;
    pre.new_tokens = pre_new;
    for (i = 0; i < n_decode; i++) {
        dec[i].progress_tokens = 1000;
        dec[i].new_tokens = 1;
    }
    b.prefill = &pre;
    b.prefill_count = pre_new > 0;
    b.decode = dec;
    b.decode_count = (size_t)n_decode;
    blis_roofline_v1_step(m, hw, tp, &b, out, &err);
    return out->step_time_us;
}

TEST(roofline_laws_v1) {
    blis_model_config m;
    blis_hw_config hw;
    blis_step_breakdown a, b;
    int64_t prev = 0, n;
    t_law_model(&m);
    t_law_hw(&hw);
    for (n = 16; n <= 16384; n *= 2) { /* monotone in prefill tokens */
        int64_t t = t_v1(&m, &hw, 1, 0, n, 0, &a);
        CHECK_MSG(t >= prev, "prefill %lld tokens: %lld us < %lld", (long long)n, (long long)t, (long long)prev);
        prev = t;
    }
    prev = 0;
    for (n = 1; n <= 256; n *= 2) { /* monotone in decode batch */
        int64_t t = t_v1(&m, &hw, 1, 0, 0, (int)n, &a);
        CHECK(t >= prev);
        prev = t;
    }
    t_v1(&m, &hw, 1, 0, 0, 1, &a); /* decode batch 1: memory-bound */
    CHECK(a.decode.present && a.decode.memory_bound);
    t_v1(&m, &hw, 1, 0, 8192, 0, &a); /* long prefill: compute-bound */
    CHECK(a.prefill.present && !a.prefill.memory_bound);
    t_v1(&m, &hw, 1, 0, 8192, 0, &a);
    t_v1(&m, &hw, 4, 0, 8192, 0, &b); /* TP helps compute */
    CHECK(b.prefill.compute_s < a.prefill.compute_s);
    CHECK(b.step_time_us < a.step_time_us);
    CHECK_EQ_I64(t_v1(&m, &hw, 1, 0, 0, 0, &a), 1140); /* empty step: layers x 20 + 500 (spec §4.3) */
}

TEST(roofline_laws_v2_synthetic_db) {
    blis_model_config m;
    blis_hw_config hw;
    blis_mfu_db db;
    blis_err err;
    blis_step_breakdown a, b;
    blis_step_req r, d[64];
    blis_step_batch bt;
    const char *gemm = "m,k,n,latency_us,mfu\n1,16384,16384,1,0.01\n64,16384,16384,1,0.3\n4096,16384,16384,1,0.7\n";
    int64_t prev = 0, n;
    int i;
    t_law_model(&m);
    t_law_hw(&hw);
    hw.v2_bw_efficiency = 0.82;
    hw.v2_layer_cpu_overhead_us = 100;
    blis_mfu_db_init(&db, NULL);
    CHECK(blis_mfu_db_add_gemm_csv(&db, gemm, strlen(gemm), "g.csv", &err) == BLIS_OK);
    CHECK(blis_mfu_db_select_model(&db, &m, &err) == BLIS_OK);
    memset(&bt, 0, sizeof bt);
    bt.prefill = &r;
    bt.prefill_count = 1;
    for (n = 64; n <= 16384; n *= 2) {
        r.progress_tokens = 0;
        r.new_tokens = n;
        CHECK(blis_roofline_v2_step(&m, &hw, &db, 1, &bt, &a, &err) == BLIS_OK);
        CHECK(a.step_time_us >= prev);
        prev = a.step_time_us;
    }
    CHECK(!a.prefill.memory_bound);
    CHECK(blis_roofline_v2_step(&m, &hw, &db, 2, &bt, &b, &err) == BLIS_OK);
    CHECK(b.step_time_us < a.step_time_us);
    for (i = 0; i < 64; i++) {
        d[i].progress_tokens = 512;
        d[i].new_tokens = 1;
    }
    /* v2 folds the bandwidth floor into each GEMM: at batch 1 every GEMM takes
     * its weight-read time, at 4096 tokens its compute time. */
    CHECK_EQ_F64(blis_mfu_gemm_time_s(&db, &hw, 2, 1, 4096, 14336), 4096.0 * 14336.0 * 2 / (3.35e12 * 0.82));
    CHECK(blis_mfu_gemm_time_s(&db, &hw, 2, 4096, 4096, 14336) > 4096.0 * 14336.0 * 2 / (3.35e12 * 0.82));
    memset(&bt, 0, sizeof bt);
    bt.decode = d;
    bt.decode_count = 1;
    CHECK(blis_roofline_v2_step(&m, &hw, &db, 1, &bt, &a, &err) == BLIS_OK);
    CHECK(a.decode.present && a.decode.compute_s > 0 && a.decode.memory_s > 0);
    prev = a.step_time_us;
    bt.decode_count = 64;
    CHECK(blis_roofline_v2_step(&m, &hw, &db, 1, &bt, &b, &err) == BLIS_OK);
    CHECK(b.step_time_us > prev); /* more decode work costs more */
    memset(&bt, 0, sizeof bt);
    CHECK(blis_roofline_v2_step(&m, &hw, &db, 1, &bt, &a, &err) == BLIS_OK);
    CHECK_EQ_I64(a.step_time_us, 3200); /* empty: 100 us x 32 layers / TP 1 */
    CHECK(blis_roofline_v2_step(&m, &hw, &db, 0, &bt, &a, &err) == BLIS_E_INVALID);
    CHECK_CONTAINS(err.msg, "roofline requires TP > 0, got 0");
    blis_mfu_db_free(&db);
}

/* The largest model validation admits, with the largest token counts a
 * batch admits: a clean range error, never undefined behaviour (the UBSan
 * run checks the latter). */
TEST(roofline_extremes_are_errors_not_ub) {
    blis_model_config m;
    blis_hw_config hw;
    blis_step_req r = {(int64_t)1 << 40, (int64_t)1 << 40};
    blis_step_batch b;
    blis_step_breakdown out;
    blis_err err;
    t_law_model(&m);
    t_law_hw(&hw);
    m.num_layers = 100000;
    m.hidden_size = (int64_t)1 << 24;
    m.num_heads = 1;
    m.num_kv_heads = 1;
    m.intermediate_size = (int64_t)1 << 24;
    CHECK_EQ_I64(blis_model_config_validate(&m, &err), BLIS_OK);
    b.prefill = &r;
    b.prefill_count = 1;
    b.decode = &r;
    b.decode_count = 1;
    CHECK_EQ_I64(blis_roofline_v1_step(&m, &hw, 1, &b, &out, &err), BLIS_E_RANGE);
    CHECK_CONTAINS(err.msg, "step time out of range");
    r.progress_tokens = -1;
    CHECK_EQ_I64(blis_roofline_v1_step(&m, &hw, 1, &b, &out, &err), BLIS_E_INVALID);
}

/* ---- roofline v1 extensions (blis's own, switchable) ---- */

static blis_status t_v1x(const blis_model_config *m, const blis_hw_config *hw, int tp, unsigned ext,
                         const blis_step_req *pre, size_t np, const blis_step_req *dec, size_t nd,
                         blis_step_breakdown *out) {
    blis_step_batch b;
    blis_err err;
    b.prefill = pre;
    b.prefill_count = np;
    b.decode = dec;
    b.decode_count = nd;
    return blis_roofline_v1x_step(m, hw, tp, ext, &b, out, &err);
}

static int t_near(double a, double b) { return fabs(a - b) <= 1e-9 * (fabs(a) + fabs(b)) + 1e-12; }

/* ext 0 is v1 exactly; the names parse; each extension changes what it
 * says, worked out here from its formula. */
TEST(roofline_v1_extensions) {
    blis_model_config m, moe;
    blis_hw_config hw;
    blis_step_breakdown a, b;
    blis_step_req pre = {0, 512}, dec[64];
    double d = 4096, L = 32, dKV = 8 * 128, bpp = 2, attn_w = (d * (d + 2 * dKV) + d * d) * L * bpp, E = 8, k = 2;
    size_t i;
    for (i = 0; i < 64; i++) {
        dec[i].progress_tokens = 700 + (int64_t)i;
        dec[i].new_tokens = 1;
    }
    t_law_model(&m);
    t_law_hw(&hw);
    hw.nvlink_gbs = 900;
    CHECK_EQ_I64(blis_v1x_parse("none"), 0);
    CHECK_EQ_I64(blis_v1x_parse("moe,fused"), (int64_t)(BLIS_V1X_MOE | BLIS_V1X_FUSED));
    CHECK_EQ_I64(blis_v1x_parse("all"), (int64_t)BLIS_V1X_ALL);
    CHECK_EQ_I64(blis_v1x_parse("allreduce"), (int64_t)BLIS_V1X_ALLREDUCE);
    CHECK_EQ_I64(blis_v1x_parse("moe,,fused"), -1);
    CHECK_EQ_I64(blis_v1x_parse("MoE"), -1);
    CHECK_EQ_I64(blis_v1x_parse(""), -1);
    {
        char buf[64];
        blis_v1x_format(BLIS_V1X_LMHEAD | BLIS_V1X_MOE, ',', buf, sizeof buf);
        CHECK_STR(buf, "moe,lmhead");
        blis_v1x_format(BLIS_V1X_ALL, ' ', buf, sizeof buf);
        CHECK_STR(buf, "moe fused allreduce lmhead gemm quant arch");
        blis_v1x_format(0, ',', buf, sizeof buf);
        CHECK_STR(buf, "none");
        blis_v1x_format(BLIS_V1X_ALL, ',', buf, 12); /* whole names only */
        CHECK_STR(buf, "moe,fused");
        CHECK_EQ_I64(blis_v1x_parse("moe,fused,allreduce,lmhead,gemm,quant,arch"), (int64_t)BLIS_V1X_ALL);
        CHECK_EQ_I64(blis_v1x_parse("gemm"), (int64_t)BLIS_V1X_GEMM);
    }
    /* 0 and MOE on a dense model: the reference's v1, bit for bit */
    CHECK_EQ_I64(t_v1x(&m, &hw, 2, 0, &pre, 1, dec, 64, &a), BLIS_OK);
    {
        blis_step_batch bb;
        blis_err err;
        bb.prefill = &pre;
        bb.prefill_count = 1;
        bb.decode = dec;
        bb.decode_count = 64;
        CHECK_EQ_I64(blis_roofline_v1_step(&m, &hw, 2, &bb, &b, &err), BLIS_OK);
    }
    CHECK_EQ_I64(a.step_time_us, b.step_time_us);
    CHECK_EQ_F64(a.hardware_s, b.hardware_s);
    CHECK_EQ_I64(t_v1x(&m, &hw, 2, BLIS_V1X_MOE, &pre, 1, dec, 64, &b), BLIS_OK);
    CHECK_EQ_F64(a.hardware_s, b.hardware_s);
    /* FUSED: max(summed compute, weights once + both phases' dynamic bytes) */
    CHECK_EQ_I64(t_v1x(&m, &hw, 2, BLIS_V1X_FUSED, &pre, 1, dec, 64, &b), BLIS_OK);
    {
        double bw = 3.35e12 * 0.72, w = a.prefill.weight_bytes;
        double mem = (w + a.prefill.dynamic_bytes + a.decode.dynamic_bytes) / bw;
        double comp = a.prefill.compute_s + a.decode.compute_s;
        CHECK(t_near(b.hardware_s, mem > comp ? mem : comp));
        CHECK(b.hardware_s < a.hardware_s); /* the weights are read once, not twice */
        CHECK_EQ_F64(b.comm_us, a.comm_us);
    }
    /* GEMM: the decode phase's FLOPs at mfuPrefill too, in the fused roofline */
    CHECK_EQ_I64(t_v1x(&m, &hw, 2, BLIS_V1X_GEMM, &pre, 1, dec, 64, &b), BLIS_OK);
    {
        double bw = 3.35e12 * 0.72, peak = hw.tflops_peak * 1e12, w = a.prefill.weight_bytes;
        double mem = (w + a.prefill.dynamic_bytes + a.decode.dynamic_bytes) / bw;
        double comp = a.prefill.compute_s + a.decode.gemm_flops / (peak * hw.v1_mfu_prefill) +
                      a.decode.other_flops / (peak * 0.10);
        CHECK(hw.v1_mfu_prefill != hw.v1_mfu_decode);
        CHECK(t_near(b.hardware_s, mem > comp ? mem : comp));
        CHECK(t_near(b.decode.compute_s, comp - a.prefill.compute_s));
    }
    /* GEMM on a decode-only step: its FLOPs at mfuPrefill, one phase's roofline */
    CHECK_EQ_I64(t_v1x(&m, &hw, 1, 0, NULL, 0, dec, 64, &a), BLIS_OK);
    CHECK_EQ_I64(t_v1x(&m, &hw, 1, BLIS_V1X_GEMM, NULL, 0, dec, 64, &b), BLIS_OK);
    {
        double peak = hw.tflops_peak * 1e12,
               comp = a.decode.gemm_flops / (peak * hw.v1_mfu_prefill) + a.decode.other_flops / (peak * 0.10);
        CHECK(t_near(b.decode.compute_s, comp));
        CHECK(t_near(b.hardware_s, comp > a.decode.memory_s ? comp : a.decode.memory_s));
    }
    /* FUSED with one phase only: unchanged */
    CHECK_EQ_I64(t_v1x(&m, &hw, 1, 0, NULL, 0, dec, 64, &a), BLIS_OK);
    CHECK_EQ_I64(t_v1x(&m, &hw, 1, BLIS_V1X_FUSED, NULL, 0, dec, 64, &b), BLIS_OK);
    CHECK_EQ_F64(a.hardware_s, b.hardware_s);
    /* ALLREDUCE: 2 per layer, latency + 2(tp-1)/tp x tokens x d x bpp / (0.65 x 450 GB/s) */
    CHECK_EQ_I64(t_v1x(&m, &hw, 4, BLIS_V1X_ALLREDUCE, &pre, 1, dec, 64, &b), BLIS_OK);
    CHECK(t_near(b.comm_us, L * 2 * (20 + (512.0 + 64) * d * bpp * 1.5 / (0.65 * 450e9) * 1e6)));
    CHECK_EQ_I64(t_v1x(&m, &hw, 1, BLIS_V1X_ALLREDUCE, &pre, 1, dec, 64, &b), BLIS_OK);
    CHECK_EQ_F64(b.comm_us, 0.0); /* no TP, no all-reduce */
    {
        double nvlink_us = 0, bytes = (512.0 + 64) * d * bpp, bw = 0.63 * 31.5076923076923 * 1e9;
        CHECK_EQ_I64(t_v1x(&m, &hw, 4, BLIS_V1X_ALLREDUCE, &pre, 1, dec, 64, &b), BLIS_OK);
        nvlink_us = b.comm_us;
        hw.nvlink_gbs = 0; /* no NVLink and no PCIe named: refused, never charged the latency alone */
        hw.pcie_gen = 0;
        CHECK_EQ_I64(t_v1x(&m, &hw, 4, BLIS_V1X_ALLREDUCE, &pre, 1, dec, 64, &b), BLIS_E_UNSUPPORTED);
        CHECK_EQ_I64(t_v1x(&m, &hw, 4, 0, &pre, 1, dec, 64, &b), BLIS_OK); /* the reference's v1: latency only */
        CHECK(t_near(b.comm_us, L * 2 * 20));
        hw.pcie_gen = 4; /* PCIe Gen4 x16: the cheaper of ring and tree, 1 us a step, 0.63 of 31.5 GB/s */
        hw.pcie_lanes = 16;
        CHECK_EQ_I64(t_v1x(&m, &hw, 4, BLIS_V1X_ALLREDUCE, &pre, 1, dec, 64, &b), BLIS_OK);
        {
            double ring = 6e-6 + bytes * 1.5 / bw, tree = 4e-6 + bytes * 2 / bw;
            CHECK(t_near(b.comm_us, L * 2 * (20 + (ring < tree ? ring : tree) * 1e6)));
        }
        CHECK_MSG(b.comm_us > 2 * nvlink_us, "PCIe %g us, NVLink %g us", b.comm_us, nvlink_us);
        /* small messages: the tree's fewer steps win at TP 8 */
        CHECK(t_near(blis_hw_allreduce_s(&hw, 8, 1024), 6e-6 + 1024.0 * 2 / bw));
        CHECK(t_near(blis_hw_allreduce_s(&hw, 8, 64e6), 14e-6 + 64e6 * 2 * 7 / 8 / bw));
        CHECK(blis_hw_allreduce_s(&hw, 1, 64e6) == 0);
        hw.pcie_gen = 7;
        CHECK(blis_hw_allreduce_s(&hw, 8, 1024) < 0);
        hw.pcie_gen = 0;
        hw.nvlink_gbs = 900;
    }
    CHECK(blis_pcie_lane_gbs(3) > 0.98 && blis_pcie_lane_gbs(3) < 0.99);
    CHECK(blis_pcie_lane_gbs(6) > 7.56 && blis_pcie_lane_gbs(6) < 7.57);
    CHECK(blis_pcie_lane_gbs(2) == 0);
    /* MOE: 8 experts of 14336, top 2 (Mixtral's shape) */
    moe = m;
    moe.num_experts = 8;
    moe.experts_per_token = 2;
    moe.expert_intermediate_size = 14336;
    CHECK_EQ_I64(t_v1x(&moe, &hw, 1, 0, NULL, 0, dec, 1, &a), BLIS_OK);
    CHECK_EQ_I64(t_v1x(&moe, &hw, 1, BLIS_V1X_MOE, NULL, 0, dec, 1, &b), BLIS_OK);
    /* one token touches k experts; FLOPs of k experts per token */
    CHECK(t_near(b.decode.weight_bytes, attn_w + k * 3 * d * 14336 * L * bpp));
    CHECK(t_near(b.decode.gemm_flops - a.decode.gemm_flops, (k - 1) * 6 * d * 14336 * L));
    /* 64 tokens touch E(1 - (1 - k/E)^64) experts: all 8, nearly */
    CHECK_EQ_I64(t_v1x(&moe, &hw, 1, BLIS_V1X_MOE, NULL, 0, dec, 64, &b), BLIS_OK);
    CHECK(t_near(b.decode.weight_bytes, attn_w + E * (1 - pow(1 - k / E, 64)) * 3 * d * 14336 * L * bpp));
    CHECK(b.decode.weight_bytes > 7.99 / 2 * a.decode.weight_bytes);
    /* a shared expert and a leading dense layer (DeepSeek's shape) */
    moe.num_shared_experts = 1;
    moe.shared_expert_intermediate_size = 1000;
    moe.first_dense_layers = 1;
    moe.dense_intermediate_size = 20000;
    CHECK_EQ_I64(t_v1x(&moe, &hw, 1, BLIS_V1X_MOE, NULL, 0, dec, 1, &b), BLIS_OK);
    CHECK(t_near(b.decode.weight_bytes, (d * (d + 2 * dKV) + d * d) * L * bpp + 3 * d * 20000 * bpp +
                                            (L - 1) * 3 * d * (k * 14336 + 1000) * bpp));
    /* LMHEAD: the V x d weights once per step, 2 d V FLOPs per request */
    CHECK_EQ_I64(blis_v1x_parse("lmhead,moe"), (int64_t)(BLIS_V1X_LMHEAD | BLIS_V1X_MOE));
    CHECK_EQ_I64(t_v1x(&m, &hw, 2, 0, NULL, 0, dec, 64, &a), BLIS_OK);
    CHECK_EQ_I64(t_v1x(&m, &hw, 2, BLIS_V1X_LMHEAD, NULL, 0, dec, 64, &b), BLIS_OK);
    CHECK(t_near(b.decode.weight_bytes - a.decode.weight_bytes, 128256.0 * d * bpp / 2));
    CHECK(t_near(b.decode.gemm_flops - a.decode.gemm_flops, 64 * 2 * d * 128256.0 / 2));
    m.vocab_size = 0; /* unknown vocabulary: nothing added */
    CHECK_EQ_I64(t_v1x(&m, &hw, 2, BLIS_V1X_LMHEAD, NULL, 0, dec, 64, &b), BLIS_OK);
    CHECK_EQ_F64(b.decode.weight_bytes, a.decode.weight_bytes);
    m.vocab_size = 128256;
    /* v1SeqOverheadUs: per request in the batch, per step */
    hw.v1_seq_overhead_us = 10;
    CHECK_EQ_I64(t_v1x(&m, &hw, 1, 0, &pre, 1, dec, 64, &b), BLIS_OK);
    hw.v1_seq_overhead_us = 0;
    CHECK_EQ_I64(t_v1x(&m, &hw, 1, 0, &pre, 1, dec, 64, &a), BLIS_OK);
    CHECK_EQ_I64(b.step_time_us - a.step_time_us, 650);
}

/* A small dense llama config, quantized by `quant` (a quantization_config
 * object, or "" for none). */
static int t_quant_model(t_ctx *t_, const char *quant, blis_model_config *m) {
    char src[1024];
    blis_err err;
    int ok;
    snprintf(src, sizeof src,
             "{\"model_type\": \"llama\", \"num_hidden_layers\": 2, \"hidden_size\": 256, \"num_attention_heads\": "
             "4, \"num_key_value_heads\": 2, \"intermediate_size\": 512, \"vocab_size\": 1000, \"torch_dtype\": "
             "\"bfloat16\"%s%s}",
             quant[0] ? ", \"quantization_config\": " : "", quant);
    ok = blis_model_config_parse(src, strlen(src), "q.json", m, &err) == BLIS_OK &&
         blis_model_config_validate(m, &err) == BLIS_OK;
    CHECK_MSG(ok, "%s: %s", quant, err.msg);
    return ok;
}

/* The quant extension: an FP8 model's layer weights at 1 byte per
 * parameter (the LM head at the dtype's 2), its GEMMs on the FP8 peak; a
 * 4-bit AWQ model's at half a byte, on the BF16 peak; an 8-bit KV cache at
 * half the KV bytes; none of it without the extension (the reference). */
TEST(roofline_quantized_models) {
    blis_model_config bf, fp8, awq, ct, cti, kv8;
    blis_hw_config hw;
    blis_step_breakdown a, b;
    blis_step_req pre = {0, 1000}, dec = {1000, 1};
    blis_err err;
    double params = 2 * (256.0 * (256 + 2 * 128) + 256.0 * 256 + 3 * 256.0 * 512), lm_head = 1000 * 256 * 2;
    if (!t_quant_model(t_, "", &bf) ||
        !t_quant_model(t_, "{\"quant_method\": \"fp8\", \"activation_scheme\": \"dynamic\"}", &fp8) ||
        !t_quant_model(t_, "{\"quant_method\": \"awq\", \"bits\": 4}", &awq) ||
        !t_quant_model(t_,
                       "{\"quant_method\": \"compressed-tensors\", \"config_groups\": {\"group_0\": {\"weights\": "
                       "{\"num_bits\": 8, \"type\": \"float\"}, \"input_activations\": {\"num_bits\": 8, \"type\": "
                       "\"float\"}}}, \"kv_cache_scheme\": {\"num_bits\": 8, \"type\": \"float\"}}",
                       &ct) ||
        !t_quant_model(t_,
                       "{\"quant_method\": \"compressed-tensors\", \"config_groups\": {\"group_0\": {\"weights\": "
                       "{\"num_bits\": 8, \"type\": \"int\"}}}}",
                       &cti))
        return;
    CHECK_EQ_F64(bf.weight_bytes_per_param, 2);
    CHECK_EQ_F64(bf.kv_bytes_per_param, 2);
    CHECK_EQ_I64(bf.fp8_gemm, 0);
    CHECK_EQ_F64(fp8.weight_bytes_per_param, 1);
    CHECK_EQ_I64(fp8.fp8_gemm, 1);
    CHECK_EQ_F64(fp8.kv_bytes_per_param, 2);
    CHECK_EQ_F64(awq.weight_bytes_per_param, 0.5);
    CHECK_EQ_I64(awq.fp8_gemm, 0);
    CHECK_EQ_I64(ct.fp8_gemm, 1);
    CHECK_EQ_F64(ct.kv_bytes_per_param, 1);
    CHECK_EQ_I64(cti.fp8_gemm, 0); /* int8 weights: no FP8 GEMMs */
    CHECK_EQ_F64(cti.weight_bytes_per_param, 1);
    t_law_hw(&hw);
    hw.tflops_peak_fp8 = 1979;
    /* weights: the layers at 1 byte per parameter, the LM head at 2 */
    CHECK_EQ_I64(t_v1x(&fp8, &hw, 1, BLIS_V1X_ALL, NULL, 0, &dec, 1, &a), BLIS_OK);
    CHECK_EQ_F64(a.decode.weight_bytes, params * 1 + lm_head);
    CHECK_EQ_I64(t_v1x(&bf, &hw, 1, BLIS_V1X_ALL, NULL, 0, &dec, 1, &b), BLIS_OK);
    CHECK_EQ_F64(b.decode.weight_bytes, params * 2 + lm_head);
    CHECK_EQ_I64(t_v1x(&awq, &hw, 1, BLIS_V1X_ALL, NULL, 0, &dec, 1, &b), BLIS_OK);
    CHECK_EQ_F64(b.decode.weight_bytes, params * 0.5 + lm_head);
    /* without QUANT (and ARCH, which counts each part at its format) the dtype's bytes */
    CHECK_EQ_I64(t_v1x(&fp8, &hw, 1, BLIS_V1X_ALL & ~(BLIS_V1X_QUANT | BLIS_V1X_ARCH), NULL, 0, &dec, 1, &b), BLIS_OK);
    CHECK_EQ_F64(b.decode.weight_bytes, params * 2 + lm_head);
    CHECK_EQ_I64(t_v1x(&fp8, &hw, 1, 0, NULL, 0, &dec, 1, &b), BLIS_OK); /* the reference: torch_dtype only */
    CHECK_EQ_F64(b.decode.weight_bytes, params * 2);
    /* GEMMs: FP8 on the FP8 peak, 4-bit weights on the BF16 peak */
    CHECK_EQ_I64(t_v1x(&fp8, &hw, 1, BLIS_V1X_QUANT, &pre, 1, NULL, 0, &a), BLIS_OK);
    CHECK_EQ_I64(t_v1x(&bf, &hw, 1, BLIS_V1X_QUANT, &pre, 1, NULL, 0, &b), BLIS_OK);
    CHECK(t_near(a.prefill.compute_s - a.prefill.other_flops / (hw.tflops_peak * 1e12 * 0.10),
                 (b.prefill.compute_s - b.prefill.other_flops / (hw.tflops_peak * 1e12 * 0.10)) / 2));
    CHECK_EQ_I64(t_v1x(&awq, &hw, 1, BLIS_V1X_QUANT, &pre, 1, NULL, 0, &a), BLIS_OK);
    CHECK_EQ_F64(a.prefill.compute_s, b.prefill.compute_s);
    /* KV: 8-bit elements halve the KV reads and writes; activations unchanged */
    CHECK_EQ_I64(t_v1x(&bf, &hw, 1, BLIS_V1X_QUANT, NULL, 0, &dec, 1, &b), BLIS_OK);
    CHECK_EQ_F64(b.decode.dynamic_bytes, 2 * 256 * 2 + 2.0 * 2 * 2 * 64 * 2 * 1001);
    kv8 = bf;
    CHECK_EQ_I64(blis_model_config_set_kv_dtype(&kv8, "fp8", &err), BLIS_OK);
    CHECK_EQ_F64(kv8.kv_bytes_per_param, 1);
    CHECK_EQ_I64(t_v1x(&kv8, &hw, 1, BLIS_V1X_QUANT, NULL, 0, &dec, 1, &a), BLIS_OK);
    CHECK_EQ_F64(a.decode.dynamic_bytes, 2 * 256 * 2 + 2.0 * 2 * 2 * 64 * 1 * 1001);
    CHECK_EQ_I64(blis_model_config_set_kv_dtype(&kv8, "auto", &err), BLIS_OK);
    CHECK_EQ_F64(kv8.kv_bytes_per_param, 1); /* auto keeps what the config says */
    CHECK_EQ_I64(blis_model_config_set_kv_dtype(&kv8, "int3", &err), BLIS_E_INVALID);
    CHECK_CONTAINS(err.msg, "unknown KV cache dtype \"int3\"; valid: auto, fp8");
    /* the KV capacity: quantized weights leave more room; 8-bit KV elements fit twice the blocks */
    {
        int64_t n_bf = 0, n_fp8 = 0, n_kv8 = 0;
        hw.memory_gib = 1;
        CHECK_EQ_I64(blis_kv_capacity_blocks(&bf, &hw, 1, 16, 0.9, &n_bf, &err), BLIS_OK);
        CHECK_EQ_I64(blis_kv_capacity_blocks(&fp8, &hw, 1, 16, 0.9, &n_fp8, &err), BLIS_OK);
        CHECK_EQ_I64(blis_model_config_set_kv_dtype(&kv8, "fp8", &err), BLIS_OK);
        CHECK_EQ_I64(blis_kv_capacity_blocks(&kv8, &hw, 1, 16, 0.9, &n_kv8, &err), BLIS_OK);
        CHECK(n_fp8 > n_bf);
        CHECK(n_kv8 >= 2 * n_bf && n_kv8 <= 2 * n_bf + 1);
    }
}
