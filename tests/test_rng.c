/* tests/test_rng.c - >>base random numbers: Go math/rand (v1) bit for bit. */
#define GEN_RNG_TABLES_NO_MAIN
#include "../tools/gen_rng_tables.c"

/* The tables in blis.h are exactly what tools/gen_rng_tables.c computes. */
TEST(rng_tables_recomputed) {
    static gen_rng_tables t;
    int i, bad = 0;
    gen_rng_tables_compute(&t);
    for (i = 0; i < BLIS_RNG_LEN; i++) bad += t.cooked[i] != blis__rng_cooked[i];
    for (i = 0; i < 128; i++)
        bad += t.kn[i] != blis__zig_kn[i] || t.wn[i] != blis__zig_wn[i] || t.fn[i] != blis__zig_fn[i];
    for (i = 0; i < 256; i++)
        bad += t.ke[i] != blis__zig_ke[i] || t.we[i] != blis__zig_we[i] || t.fe[i] != blis__zig_fe[i];
    CHECK_EQ_I64(bad, 0);
    CHECK_EQ_I64((int64_t)blis__rng_cooked[0], -4181792142133755926LL); /* Go's rngCooked[0] */
    CHECK_EQ_U64(blis__zig_kn[0], 0x76ad2212u);
    CHECK_EQ_U64(blis__zig_ke[0], 0xe290a139u);
}

typedef enum t_rng_method { T_INT63, T_INTN, T_FLOAT64, T_NORM, T_EXP } t_rng_method;

static void t_rng_list(t_ctx *t_, const blis_doc *doc, const blis_node *seed_obj, const char *key, t_rng_method m) {
    const blis_node *want = blis_node_get(doc, seed_obj, key);
    int64_t seed = 0;
    blis_rng r;
    uint32_t i;
    blis_err err;
    CHECK(blis_doc_get_i64(doc, seed_obj, "seed", &seed, &err) == BLIS_OK);
    CHECK_MSG(want && want->count == 10, "%s missing", key);
    if (!want) return;
    blis_rng_seed(&r, seed);
    for (i = 0; i < want->count; i++) {
        const blis_node *w = blis_node_at(doc, want, i);
        if (m == T_INT63 || m == T_INTN) {
            int64_t exp_v = 0, got = m == T_INT63 ? blis_rng_int63(&r) : blis_rng_intn(&r, 128000);
            CHECK(blis_node_i64(doc, w, &exp_v, &err) == BLIS_OK);
            CHECK_MSG(got == exp_v, "seed %lld %s[%u]: got %lld want %lld", (long long)seed, key, i, (long long)got,
                      (long long)exp_v);
        } else {
            double got = m == T_FLOAT64 ? blis_rng_float64(&r)
                         : m == T_NORM  ? blis_rng_norm_float64(&r)
                                        : blis_rng_exp_float64(&r);
            CHECK_MSG(got == w->as.number, "seed %lld %s[%u]: got %.17g want %.17g", (long long)seed, key, i, got,
                      w->as.number);
        }
    }
}

TEST(rng_go_math_rand_vectors) {
    blis_doc doc;
    const blis_node *seeds;
    uint32_t i;
    blis_err err;
    SHARED_JSON_OR_SKIP("conformance/blis/rng/rng_go_math_rand.json", &doc);
    seeds = blis_node_get(&doc, blis_doc_root(&doc), "seeds");
    CHECK(seeds && seeds->count >= 7);
    for (i = 0; seeds && i < seeds->count; i++) {
        const blis_node *s = blis_node_at(&doc, seeds, i);
        blis_rng r;
        int64_t seed = 0, want = 0, got = 0;
        int k;
        t_rng_list(t_, &doc, s, "int63_first10", T_INT63);
        t_rng_list(t_, &doc, s, "intn_128000_first10", T_INTN);
        t_rng_list(t_, &doc, s, "float64_first10", T_FLOAT64);
        t_rng_list(t_, &doc, s, "normfloat64_first10", T_NORM);
        t_rng_list(t_, &doc, s, "expfloat64_first10", T_EXP);
        CHECK(blis_doc_get_i64(&doc, s, "seed", &seed, &err) == BLIS_OK);
        CHECK(blis_doc_get_i64(&doc, s, "int63_after_1000_draws", &want, &err) == BLIS_OK);
        blis_rng_seed(&r, seed);
        for (k = 0; k < 1001; k++) got = blis_rng_int63(&r);
        CHECK_MSG(got == want, "seed %lld: draw 1001 got %lld want %lld", (long long)seed, (long long)got,
                  (long long)want);
    }
    blis_doc_free(&doc);
}

TEST(rng_subsystem_seeds) {
    blis_doc doc;
    const blis_node *subs;
    uint32_t i;
    blis_err err;
    SHARED_JSON_OR_SKIP("conformance/blis/rng/rng_go_math_rand.json", &doc);
    subs = blis_node_get(&doc, blis_doc_root(&doc), "partitioned_rng_subsystems");
    CHECK(subs && subs->count == 5);
    for (i = 0; subs && i < subs->count; i++) {
        const char *name = blis_node_key_at(&doc, subs, i)->as.string;
        const blis_node *v = blis_node_at(&doc, subs, i);
        int64_t fnv = 0, derived = 0;
        CHECK(blis_doc_get_i64(&doc, v, "fnv1a64_as_int64", &fnv, &err) == BLIS_OK);
        CHECK(blis_doc_get_i64(&doc, v, "derived_seed_for_master_42", &derived, &err) == BLIS_OK);
        CHECK_EQ_I64(blis_fnv1a64(name), fnv);
        CHECK_EQ_I64(42 ^ blis_fnv1a64(name), derived);
        /* the real "workload" stream uses the master seed itself (spec §2.1) */
        CHECK_EQ_I64(blis_rng_subsystem_seed(42, name), strcmp(name, "workload") ? derived : 42);
    }
    blis_doc_free(&doc);
}

TEST(rng_seed_edge_cases_and_ranges) {
    blis_rng a, b;
    int i, bad = 0;
    blis_rng_seed(&a, 0);
    blis_rng_seed(&b, 89482311); /* seed 0 maps to 89482311 */
    for (i = 0; i < 100; i++) bad += blis_rng_int63(&a) != blis_rng_int63(&b);
    blis_rng_seed(&a, -7);
    blis_rng_seed(&b, 2147483647 - 7); /* negative seeds are taken mod 2^31-1, made positive */
    for (i = 0; i < 100; i++) bad += blis_rng_int63(&a) != blis_rng_int63(&b);
    CHECK_EQ_I64(bad, 0);
    blis_rng_seed(&a, 123);
    for (i = 0; i < 100000; i++) {
        int64_t v = blis_rng_intn(&a, 7), w = blis_rng_intn(&a, 1024), big = blis_rng_intn(&a, (int64_t)1 << 40);
        double f = blis_rng_float64(&a), e = blis_rng_exp_float64(&a);
        bad +=
            v < 0 || v >= 7 || w < 0 || w >= 1024 || big < 0 || big >= ((int64_t)1 << 40) || f < 0 || f >= 1 || e < 0;
    }
    CHECK_EQ_I64(bad, 0);
    CHECK_EQ_I64(blis_rng_intn(&a, 0), 0);
}

TEST(rng_normal_moments) {
    blis_rng r;
    double sum = 0, sq = 0;
    int i, n = 200000;
    blis_rng_seed(&r, 2026);
    for (i = 0; i < n; i++) {
        double x = blis_rng_norm_float64(&r);
        sum += x;
        sq += x * x;
    }
    CHECK(fabs(sum / n) < 0.01);
    CHECK(fabs(sq / n - 1.0) < 0.02);
}
