/* tests/test_tra.c - the Transformer Roofline Analyzer: table, formulas, quirks. */

/* Parses "512 1024" or a number node into values; returns the count. */
static size_t t_tra_list(const blis_doc *doc, const blis_node *n, int64_t *out, size_t cap) {
    size_t k = 0;
    if (!n) return 0;
    if (n->kind == BLIS_NODE_NUMBER) {
        out[0] = (int64_t)n->as.number;
        return 1;
    }
    if (n->kind == BLIS_NODE_STRING) {
        const char *s = n->as.string;
        while (*s && k < cap) {
            char *end;
            out[k++] = strtoll(s, &end, 10);
            s = end;
            while (*s == ' ') s++;
        }
    }
    (void)doc;
    return k;
}

/* Runs one test.json case of the reference analyzer into out (text). */
static int t_tra_case(t_ctx *t_, const blis_doc *doc, const blis_node *c, unsigned flags, blis_buf *out,
                      char *expected_rel, size_t rel_size) {
    const blis_node *o = blis_node_get(doc, c, "CommandOptions");
    int64_t cached[256], input[256];
    size_t nc, ni, i, batch = 0;
    char rel[256], *src = NULL;
    size_t len = 0;
    blis_model_config m;
    blis_tra_report r;
    blis_err err;
    nc = t_tra_list(doc, blis_node_get(doc, o, "cached-tokens"), cached, 128);
    ni = t_tra_list(doc, blis_node_get(doc, o, "input-tokens"), input, 128);
    CHECK(nc == ni && ni > 0);
    if (blis_node_get(doc, o, "batch-size")) batch = (size_t)blis_node_get(doc, o, "batch-size")->as.number;
    for (i = ni; i < batch && i < 256; i++) {
        cached[i] = cached[i % ni];
        input[i] = input[i % ni];
    }
    if (batch) ni = batch;
    snprintf(rel, sizeof rel, "conformance/tra/llama/%s", blis_node_get(doc, c, "Config")->as.string);
    if (!t_read_shared(t_, rel, &src, &len)) return 0;
    CHECK(blis_model_config_parse(src, len, rel, &m, &err) == BLIS_OK);
    free(src);
    CHECK(blis_tra_analyze(&m, cached, input, ni, flags, &r, &err) == BLIS_OK);
    memset(out, 0, sizeof *out);
    CHECK(blis_tra_write_table(&r, NULL, 1, blis_buf_write, out) == 0);
    snprintf(expected_rel, rel_size, "conformance/tra/llama/%s", blis_node_get(doc, c, "Output")->as.string);
    return 1;
}

static void t_strip(char *s) {
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' ')) s[--n] = '\0';
}

TEST(tra_reference_cases_with_quirks_exact) {
    blis_doc doc;
    const blis_node *cases;
    uint32_t i;
    SHARED_JSON_OR_SKIP("conformance/tra/llama/test.json", &doc);
    cases = blis_doc_root(&doc);
    CHECK_EQ_U64(cases->count, 5);
    for (i = 0; i < cases->count; i++) {
        blis_buf out;
        char rel[256], *want = NULL;
        size_t len;
        if (!t_tra_case(t_, &doc, blis_node_at(&doc, cases, i), BLIS_TRA_QUIRKS, &out, rel, sizeof rel)) break;
        CHECK(t_read_shared(t_, rel, &want, &len));
        t_strip(want);
        t_strip(out.data);
        CHECK_MSG(want && !strcmp(out.data, want), "%s differs", rel);
        free(want);
        blis_buf_free(&out);
    }
    blis_doc_free(&doc);
}

/* Without the quirks every line matches except the ActMul row, whose
 * compute is 5 * I * N, and the Total row's compute and intensity cells. */
TEST(tra_reference_cases_corrected) {
    blis_doc doc;
    const blis_node *cases;
    uint32_t i;
    SHARED_JSON_OR_SKIP("conformance/tra/llama/test.json", &doc);
    cases = blis_doc_root(&doc);
    for (i = 0; i < cases->count; i++) {
        blis_buf out;
        char rel[256], *want = NULL, *a, *b, *sa = NULL, *sb = NULL;
        size_t len;
        int lines = 0;
        if (!t_tra_case(t_, &doc, blis_node_at(&doc, cases, i), 0, &out, rel, sizeof rel)) break;
        CHECK(t_read_shared(t_, rel, &want, &len));
        for (a = strtok_r(out.data, "\n", &sa), b = strtok_r(want, "\n", &sb); a && b;
             a = strtok_r(NULL, "\n", &sa), b = strtok_r(NULL, "\n", &sb), lines++) {
            if (strstr(a, "Ffn - ActMul")) {
                CHECK(strcmp(a, b) != 0); /* the corrected value differs */
                continue;
            }
            if (strstr(a, "Total (")) { /* Weight, Input and Output cells agree */
                CHECK(!strncmp(strstr(a, "GiB") - 12, strstr(b, "GiB") - 12, 12));
                continue;
            }
            CHECK_MSG(!strcmp(a, b), "%s line %d:\n got  %s\n want %s", rel, lines + 1, a, b);
        }
        CHECK(lines >= 15);
        free(want);
        blis_buf_free(&out);
    }
    blis_doc_free(&doc);
}

static void t_tra_model(blis_model_config *m, int moe, int64_t layers, int64_t step) {
    memset(m, 0, sizeof *m);
    strcpy(m->model_type, moe ? "llama4" : "llama");
    strcpy(m->dtype, "bfloat16");
    m->arch = moe ? BLIS_ARCH_MOE : BLIS_ARCH_DENSE;
    m->num_layers = layers;
    m->hidden_size = 5120;
    m->num_heads = 40;
    m->num_kv_heads = 8;
    m->head_dim = 128;
    m->intermediate_size = 8192;
    m->vocab_size = 202048;
    m->bytes_per_param = 2;
    if (moe) {
        m->num_experts = 16;
        m->experts_per_token = 1;
        m->num_shared_experts = 1;
        m->expert_intermediate_size = 8192;
        m->shared_expert_intermediate_size = 8192;
        m->dense_intermediate_size = 16384;
        m->moe_layer_step = step;
    }
}

static const blis_tra_row *t_tra_find(const blis_tra_report *r, const char *name) {
    size_t i;
    for (i = 0; i < r->row_count; i++)
        if (!strcmp(r->rows[i].name, name)) return &r->rows[i];
    return NULL;
}

/* Hand-computed values for a llama4 (Scout-shaped) model. */
TEST(tra_llama4_rows_by_hand) {
    blis_model_config m;
    blis_tra_report r;
    blis_err err;
    int64_t cached[8] = {0, 0, 0, 0, 0, 0, 0, 0}, input[8] = {2048, 2048, 2048, 2048, 2048, 2048, 2048, 2048};
    const blis_tra_row *row;
    t_tra_model(&m, 1, 48, 1);
    CHECK_EQ_I64(blis_tra_analyze(&m, cached, input, 8, 0, &r, &err), BLIS_OK);
    row = t_tra_find(&r, "Ffn - Router"); /* proj(N=16384, 16, 5120) */
    CHECK(row != NULL);
    if (row) {
        CHECK_EQ_F64(row->compute_flops, 16384.0 * 16 * (2 * 5120 - 1));
        CHECK_EQ_F64(row->weight_bytes, 5120.0 * 16 * 2);
        CHECK_EQ_I64(row->blocks, 48);
    }
    row = t_tra_find(&r, "Ffn - RoutedExp_GateUp_Proj"); /* proj(N, 2I, h) once: k = 1 */
    CHECK(row && row->compute_flops == 16384.0 * 16384 * (2 * 5120 - 1));
    CHECK(t_tra_find(&r, "Ffn - NonMoE_GateUp_Proj") == NULL); /* step 1: no dense layers */
    CHECK_EQ_I64(r.additional_experts_bytes, (int64_t)5120 * 8192 * 2 * 3 * 15 * 48);
    CHECK_EQ_I64(r.embedding_bytes, (int64_t)5120 * 202048 * 2);
    CHECK_EQ_I64(r.kv_cache_bytes, (int64_t)8 * 2048 * 128 * 8 * 2 * 2 * 48);
    CHECK_EQ_I64(r.storage_bytes,
                 r.total_weight_bytes + r.kv_cache_bytes + r.additional_experts_bytes + r.embedding_bytes);
}

/* Interleaved MoE (step 2): routed/shared rows in L/2 blocks, dense MLP rows
 * in the other half; the router in MoE blocks only unless quirks are on. */
TEST(tra_interleaved_moe_blocks) {
    blis_model_config m;
    blis_tra_report r;
    blis_err err;
    int64_t cached[1] = {100}, input[1] = {10};
    t_tra_model(&m, 1, 48, 2);
    m.experts_per_token = 2;
    CHECK_EQ_I64(blis_tra_analyze(&m, cached, input, 1, 0, &r, &err), BLIS_OK);
    CHECK(t_tra_find(&r, "Ffn - Router")->blocks == 24);
    CHECK(t_tra_find(&r, "Ffn - RoutedExp_Down_Proj")->blocks == 24);
    CHECK(t_tra_find(&r, "Ffn - NonMoE_Down_Proj")->blocks == 24);
    CHECK_EQ_F64(t_tra_find(&r, "Ffn - RoutedExp_Down_Proj")->weight_bytes, 8192.0 * 5120 * 2 * 2); /* k = 2 experts */
    CHECK_EQ_F64(t_tra_find(&r, "Ffn - NonMoE_GateUp_Proj")->weight_bytes, 5120.0 * 2 * 16384 * 2);
    CHECK_EQ_I64(blis_tra_analyze(&m, cached, input, 1, BLIS_TRA_QUIRKS, &r, &err), BLIS_OK);
    CHECK(t_tra_find(&r, "Ffn - Router")->blocks == 48);
    CHECK_EQ_I64(blis_tra_analyze(&m, cached, input, 0, 0, &r, &err), BLIS_E_INVALID);
    input[0] = 0;
    CHECK_EQ_I64(blis_tra_analyze(&m, cached, input, 1, 0, &r, &err), BLIS_E_INVALID);
}

typedef struct tra_qty_case {
    const char *name;
    double v;
    int iec;
    const char *unit, *expect;
} tra_qty_case;

static const tra_qty_case tra_qty_cases[] = {
    {"zero_bytes", 0, 1, "B", "0.00 B"},
    {"kib_below_mib", 1024000, 1, "B", "1000.00 KiB"},
    {"gib_below_tib", 1012.5 * 1073741824.0, 1, "B", "1012.50 GiB"},
    {"exact_tib", 1099511627776.0, 1, "B", "1.00 TiB"},
    {"milli", 0.99979, 0, "FLOPs/Bytes", "999.79 mFLOPs/Bytes"},
    {"micro_is_greek_mu", 15.69e-6, 0, "FLOPs/Bytes",
     "15.69 \xCE\xBC"
     "FLOPs/Bytes"},
    {"nano", 2.5e-9, 0, "s", "2.50 ns"},
    {"plain", 945.1234, 0, "FLOPs/Bytes", "945.12 FLOPs/Bytes"},
    {"kilo", 1310.0, 0, "FLOPs/Bytes", "1.31 kFLOPs/Bytes"},
    {"peta", 3.0e15, 0, "FLOPs", "3.00 PFLOPs"},
    {"tie_to_even_down", 0.125, 0, "", "125.00 m"},
    {"binary_tie_rounds_even", 1.125, 1, "B", "1.12 B"},
    {"binary_tie_rounds_even_up", 1.375, 1, "B", "1.38 B"},
    {"not_a_tie", 2.675, 1, "B", "2.67 B"},
};

static void run_tra_qty_case(t_ctx *t_, const tra_qty_case *c) {
    char buf[64];
    blis_tra_quantity(c->v, c->iec, c->unit, buf, sizeof buf);
    CHECK_STR(buf, c->expect);
}
TABLE(tra_quantity, tra_qty_cases, run_tra_qty_case)

/* The exact two-decimal rounding agrees with libc's %.2f in the C locale. */
TEST(tra_fixed2_matches_printf) {
    uint64_t s = 0x2545F4914F6CDD1Dull;
    long i, n = t_->quick ? 2000 : 100000, bad = 0;
    for (i = 0; i < n; i++) {
        char a[64], b[64];
        double v = (double)(t_rng(&s) % 1000000000u) / (double)(1 + t_rng(&s) % 1000u);
        if (i % 3 == 0) v = (double)(t_rng(&s) % 100000u) / 8.0; /* exact binary ties */
        blis_f64_format_fixed(v, 2, a, sizeof a);
        snprintf(b, sizeof b, "%.2f", v);
        bad += strcmp(a, b) != 0;
    }
    CHECK_EQ_I64(bad, 0);
}
