/* tests/test_spec.c - the workload-spec generator against the reference's
 * vectors (conformance/blis/workload/workload_generation_a410740f.json):
 * arrivals, lengths, the first token IDs, SLO classes and tenants. */

/* yaml: the spec's text (NULL: the vector's own). */
static void t_spec_case_yaml(t_ctx *t_, const char *name, const char *yaml) {
    blis_doc vec, ydoc;
    const blis_node *c, *ys, *list, *last, *hz;
    blis_workload_spec spec;
    blis_spec_gen g;
    blis_parse_opts o;
    blis_err err;
    int64_t horizon = INT64_MAX, count = 0, bad = 0;
    size_t n_list;
    int has = 1;
    SHARED_JSON_OR_SKIP("conformance/blis/workload/workload_generation_a410740f.json", &vec);
    c = blis_node_get(&vec, blis_doc_root(&vec), name);
    ys = blis_node_get(&vec, c, "yaml");
    list = blis_node_get(&vec, c, "first15");
    if (!list) list = blis_node_get(&vec, c, "first10");
    last = blis_node_get(&vec, c, "last");
    n_list = list ? list->count : 0;
    memset(&o, 0, sizeof o);
    o.source = name;
    if (yaml == NULL && ys) yaml = ys->as.string;
    if (!yaml || blis_yaml_parse(yaml, strlen(yaml), &o, &ydoc, &err) != BLIS_OK) {
        CHECK_MSG(0, "%s: no yaml or it does not parse", name);
        blis_doc_free(&vec);
        return;
    }
    if (blis_workload_spec_from_doc(&ydoc, &spec, NULL, &err) != BLIS_OK) {
        CHECK_MSG(0, "spec: %s", err.msg);
        blis_doc_free(&ydoc);
        blis_doc_free(&vec);
        return;
    }
    if ((hz = blis_node_get(&vec, c, "horizon_us"))) horizon = (int64_t)hz->as.number;
    if (spec.has_horizon) horizon = spec.horizon_us;
    if (blis_spec_gen_init(&g, &spec, spec.seed, horizon, spec.num_requests, 16, NULL, &err) != BLIS_OK) {
        CHECK_MSG(0, "gen: %s", err.msg);
    } else {
        while (has) {
            blis_request r;
            const blis_node *want = NULL;
            if (blis_spec_gen_next(&g, &r, &has, &err) != BLIS_OK) {
                CHECK_MSG(0, "next: %s", err.msg);
                break;
            }
            if (!has) break;
            if ((size_t)r.index < n_list) want = blis_node_at(&vec, list, (size_t)r.index);
            if (want) {
                const blis_node *in5 = blis_node_get(&vec, want, "input_first5"),
                                *out5 = blis_node_get(&vec, want, "output_first5"),
                                *slo = blis_node_get(&vec, want, "slo_class"),
                                *ten = blis_node_get(&vec, want, "tenant_id");
                const blis_spec_client *cl = &spec.clients[g.last_client];
                int k, ok = r.arrival_us == (int64_t)blis_node_get(&vec, want, "arrival_us")->as.number &&
                            r.input_tokens == (int64_t)blis_node_get(&vec, want, "input_len")->as.number &&
                            r.output_tokens == (int64_t)blis_node_get(&vec, want, "output_len")->as.number;
                for (k = 0; k < 5; k++) { /* a list is shorter than 5 when the request is */
                    if ((uint32_t)k < in5->count)
                        ok &= g.last_in5[k] == (int64_t)blis_node_at(&vec, in5, (size_t)k)->as.number;
                    if ((uint32_t)k < out5->count)
                        ok &= g.last_out5[k] == (int64_t)blis_node_at(&vec, out5, (size_t)k)->as.number;
                }
                if (slo) ok &= !strcmp(cl->slo_class, slo->as.string);
                if (ten) ok &= !strcmp(cl->tenant_id, ten->as.string);
                if (!ok && bad++ < 3)
                    CHECK_MSG(0, "%s request_%lld: arrival %lld in %lld out %lld tokens %lld,%lld", name,
                              (long long)r.index, (long long)r.arrival_us, (long long)r.input_tokens,
                              (long long)r.output_tokens, (long long)g.last_in5[0], (long long)g.last_out5[0]);
            }
            if (last && r.index == (int64_t)blis_node_get(&vec, c, "count")->as.number - 1) {
                const blis_node *w = blis_node_at(&vec, last, 0);
                CHECK_EQ_I64(r.arrival_us, (int64_t)blis_node_get(&vec, w, "arrival_us")->as.number);
                CHECK_EQ_I64(r.input_tokens, (int64_t)blis_node_get(&vec, w, "input_len")->as.number);
                CHECK_EQ_I64(g.last_out5[0],
                             (int64_t)blis_node_at(&vec, blis_node_get(&vec, w, "output_first5"), 0)->as.number);
            }
            count++;
            blis_request_free(NULL, &r);
        }
        CHECK_EQ_I64(bad, 0);
        CHECK_EQ_I64(count, (int64_t)blis_node_get(&vec, c, "count")->as.number);
        blis_spec_gen_free(&g);
    }
    blis_workload_spec_free(&spec);
    blis_doc_free(&ydoc);
    blis_doc_free(&vec);
}

static void t_spec_case(t_ctx *t_, const char *name) { t_spec_case_yaml(t_, name, NULL); }

TEST(spec_two_clients_seed7) { t_spec_case(t_, "spec_two_clients_seed7"); }

/* `convert distribution` (a410740f's SynthesizeFromDistribution, spec §2.6),
 * written as YAML and read back, generates the reference's unified-pipeline
 * requests: the default flags, and golden case 0's. */
static void t_convert_case(t_ctx *t_, const char *name, const blis_legacy_workload *w) {
    blis_workload_spec spec;
    blis_buf yaml;
    blis_err err;
    memset(&yaml, 0, sizeof yaml);
    if (blis_spec_from_legacy(w, 42, &spec, &err) != BLIS_OK) {
        CHECK_MSG(0, "%s", err.msg);
        return;
    }
    CHECK(blis_workload_spec_write_yaml(&spec, blis_buf_write, &yaml) == BLIS_OK);
    blis_workload_spec_free(&spec);
    blis_buf_write(&yaml, "", 1);
    t_spec_case_yaml(t_, name, yaml.data);
    blis_buf_free(&yaml);
}

TEST(spec_convert_default_distribution) {
    blis_legacy_workload w = {1.0, 100, 0, 512, 256, 2, 7000, 512, 256, 2, 7000, BLIS_ARRIVAL_CONSTANT, 0};
    t_convert_case(t_, "default_distribution_seed42", &w);
}

TEST(spec_convert_golden_case0) {
    blis_legacy_workload w = {10.0, 300, 284, 70, 35, 2, 200, 215, 80, 1, 512, BLIS_ARRIVAL_CONSTANT, 0};
    t_convert_case(t_, "golden_case0_params_via_unified_pipeline_seed42", &w);
}
TEST(spec_weibull_seed11_horizon60s) { t_spec_case(t_, "spec_weibull_seed11_horizon60s"); }

static blis_status t_spec_parse(const char *yaml, blis_workload_spec *spec, blis_doc *doc, blis_err *err) {
    blis_parse_opts o;
    blis_status st;
    memset(&o, 0, sizeof o);
    o.source = "spec.yaml";
    if ((st = blis_yaml_parse(yaml, strlen(yaml), &o, doc, err))) return st;
    st = blis_workload_spec_from_doc(doc, spec, NULL, err);
    if (st == BLIS_OK) blis_workload_spec_free(spec);
    blis_doc_free(doc);
    return st;
}

#define T_SPEC_HEAD "aggregate_rate: 10\nnum_requests: 5\nclients:\n  - id: a\n    rate_fraction: 1\n"
#define T_SPEC_DISTS                                                  \
    "    input_distribution: {type: constant, params: {value: 10}}\n" \
    "    output_distribution: {type: constant, params: {value: 5}}\n"

/* Bad specs: the message names the field, with its line and column. */
TEST(spec_input_errors) {
    static const struct {
        const char *yaml, *want;
        uint32_t line;
    } cases[] = {
        {T_SPEC_HEAD "    arrival: {process: poisson}\n" T_SPEC_DISTS "    colour: red\n", "unknown field colour", 9},
        {T_SPEC_HEAD "    arrival: {process: poisson}\n" T_SPEC_DISTS "    multimodal: {}\n",
         "client[0].multimodal: give at least one distribution", 9},
        {T_SPEC_HEAD "    arrival: {process: poisson}\n" T_SPEC_DISTS "    multimodal: {photo_distribution: {}}\n",
         "unknown field photo_distribution", 9},
        {T_SPEC_HEAD "    arrival: {process: poisson}\n" T_SPEC_DISTS
                     "    multimodal:\n      image_distribution: {type: uniform}\n",
         "unknown distribution type \"uniform\"", 10},
        {T_SPEC_HEAD "    arrival: {process: poisson}\n" T_SPEC_DISTS
                     "    reasoning: {multi_turn: {think_time_us: 5}}\n",
         "client[0].reasoning.multi_turn.max_rounds is required", 9},
        {T_SPEC_HEAD "    arrival: {process: poisson}\n" T_SPEC_DISTS "    reasoning: {multi_turn: {max_rounds: 0}}\n",
         "client[0]: max_rounds must be in 1..10000, got 0", 9},
        {T_SPEC_HEAD "    arrival: {process: poisson}\n" T_SPEC_DISTS
                     "    reasoning:\n      multi_turn: {max_rounds: 2, context_growth: sliding}\n",
         "client[0]: unknown context_growth \"sliding\"; valid: accumulate", 10},
        {T_SPEC_HEAD "    arrival: {process: poisson}\n" T_SPEC_DISTS
                     "    reasoning:\n      multi_turn: {max_rounds: 2, think_time_us: -1}\n",
         "client[0]: think_time_us must be in 0..1e15, got -1", 10},
        {T_SPEC_HEAD "    arrival: {process: poisson}\n" T_SPEC_DISTS "    reasoning: {effort: high}\n",
         "unknown field effort", 9},
        {"aggregate_rate: 1\nservegen_data: {path: x, span: 1}\n", "unknown field span", 2},
        {"aggregate_rate: 10\ncohorts:\n  - {id: c, rate_fraction: 1}\n", "cohort[0]: population is required", 3},
        {"aggregate_rate: 10\ncohorts:\n  - {id: c, population: 0}\n", "population must be in 1..100000, got 0", 3},
        {"aggregate_rate: 10\ncohorts:\n  - {id: c, population: 60000}\n  - {id: d, population: 60000}\n",
         "cohorts: at most 100000 clients in all", 3},
        {"aggregate_rate: 10\ncohorts:\n  - id: c\n    population: 2\n    rate_fraction: 1\n"
         "    arrival: {process: poisson}\n" T_SPEC_DISTS "    spike: {start_time_us: 5, duration_us: 0}\n",
         "cohort[0].spike: start_time_us must be >= 0, duration_us > 0", 9},
        {"aggregate_rate: 10\ncohorts:\n  - id: c\n    population: 2\n    rate_fraction: 1\n"
         "    arrival: {process: poisson}\n" T_SPEC_DISTS "    diurnal: {peak_hour: 25, peak_to_trough_ratio: 2}\n",
         "peak_hour must be in 0..23", 9},
        {"aggregate_rate: 10\ncohorts:\n  - id: c\n    population: 2\n    rate_fraction: 1\n"
         "    arrival: {process: poisson}\n" T_SPEC_DISTS "    lifecycle: {windows: []}\n",
         "unknown field lifecycle", 9},
        {T_SPEC_HEAD "    arrival: {process: lognormal}\n" T_SPEC_DISTS, "unknown arrival process \"lognormal\"", 6},
        {T_SPEC_HEAD "    arrival: {process: weibull, cv: 20}\n" T_SPEC_DISTS,
         "client[0]: weibull CV must be in [0.01, 10.4], got 20.000000", 6},
        {"aggregate_rate: 10\nclients:\n  - id: a\n    rate_fraction: -1\n    arrival: {process: "
         "poisson}\n" T_SPEC_DISTS,
         "client[0]: rate_fraction must be positive, got -1.000000", 4},
        {"aggregate_rate: 0\nclients:\n  - id: a\n    rate_fraction: 1\n    arrival: {process: poisson}\n" T_SPEC_DISTS,
         "aggregate_rate must be a finite value > 0, got 0.000000", 1},
        {T_SPEC_HEAD "    arrival: {process: poisson}\n"
                     "    input_distribution: {type: gaussian, params: {mean: 10, std_dev: 1, min: 1}}\n"
                     "    output_distribution: {type: constant, params: {value: 5}}\n",
         "distribution requires parameter \"max\"", 7},
        {T_SPEC_HEAD "    arrival: {process: poisson}\n"
                     "    input_distribution: {type: zipf, params: {s: 1}}\n"
                     "    output_distribution: {type: constant, params: {value: 5}}\n",
         "unknown distribution type \"zipf\"", 7},
        {T_SPEC_HEAD "    slo_class: urgent\n    arrival: {process: poisson}\n" T_SPEC_DISTS,
         "unknown slo_class \"urgent\"", 6},
        {"aggregate_rate: 10\nclients: []\n", "at least one client", 2},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        blis_workload_spec spec;
        blis_doc doc;
        blis_err err;
        memset(&err, 0, sizeof err);
        CHECK_MSG(t_spec_parse(cases[i].yaml, &spec, &doc, &err) != BLIS_OK, "case %lu accepted", (unsigned long)i);
        CHECK_MSG(strstr(err.msg, cases[i].want) != NULL, "case %lu: %s", (unsigned long)i, err.msg);
        CHECK_MSG(err.line == cases[i].line, "case %lu: line %u", (unsigned long)i, (unsigned)err.line);
    }
}

/* Lifecycle windows drop the arrivals outside them; an empirical length
 * distribution yields only its keys; the cap of num_requests holds; the
 * arrivals never decrease across clients. */
TEST(spec_windows_empirical_and_merge) {
    static const char yaml[] =
        "seed: 3\naggregate_rate: 100\nnum_requests: 400\nclients:\n"
        "  - id: a\n    rate_fraction: 1\n    arrival: {process: constant}\n"
        "    input_distribution: {type: empirical, params: {\"10\": 0.5, \"20\": 0.25, \"40\": 0.25, \"80\": 0}}\n"
        "    output_distribution: {type: constant, params: {value: 3}}\n"
        "    lifecycle: {windows: [{start_us: 0, end_us: 1000000}, {start_us: 3000000, end_us: 4000000}]}\n"
        "  - id: b\n    rate_fraction: 1\n    arrival: {process: poisson}\n"
        "    input_distribution: {type: exponential, params: {mean: 50}}\n"
        "    output_distribution: {type: gaussian, params: {mean: 5, std_dev: 2, min: 5, max: 5}}\n";
    blis_parse_opts o;
    blis_doc doc;
    blis_workload_spec spec;
    blis_spec_gen g;
    blis_err err;
    int has = 1;
    int64_t n = 0, last = -1, seen[3] = {0, 0, 0}, outside = 0, bad_len = 0;
    memset(&o, 0, sizeof o);
    if (blis_yaml_parse(yaml, strlen(yaml), &o, &doc, &err) || blis_workload_spec_from_doc(&doc, &spec, NULL, &err)) {
        CHECK_MSG(0, "%s", err.msg);
        return;
    }
    CHECK_EQ_I64(blis_spec_gen_init(&g, &spec, spec.seed, INT64_MAX, spec.num_requests, 16, NULL, &err), BLIS_OK);
    while (has) {
        blis_request r;
        if (blis_spec_gen_next(&g, &r, &has, &err) != BLIS_OK || !has) break;
        if (r.arrival_us < last) CHECK_MSG(0, "arrivals go back at request %lld", (long long)r.index);
        last = r.arrival_us;
        if (g.last_client == 0) {
            if (!((r.arrival_us < 1000000) || (r.arrival_us >= 3000000 && r.arrival_us < 4000000))) outside++;
            if (r.input_tokens == 10)
                seen[0]++;
            else if (r.input_tokens == 20)
                seen[1]++;
            else if (r.input_tokens == 40)
                seen[2]++;
            else
                bad_len++;
            if (r.arrival_us % 20000 != 0) bad_len++; /* constant: 50 req/s -> every 20,000 us */
        } else if (r.output_tokens != 5) {
            bad_len++;
        }
        n++;
        blis_request_free(NULL, &r);
    }
    CHECK_EQ_I64(n, 400);
    CHECK_EQ_I64(outside, 0);
    CHECK_EQ_I64(bad_len, 0);
    CHECK(seen[0] > seen[1] && seen[1] > 0 && seen[2] > 0);
    blis_spec_gen_free(&g);
    blis_workload_spec_free(&spec);
    blis_doc_free(&doc);
}

/* inference_perf expands into N*M clients; the users of one system prompt
 * share its prefix; multi-turn chat makes each client's arrivals 5-round
 * accumulating sessions 500 ms (plus the output length) apart. */
TEST(spec_inference_perf_expansion) {
    static const char yaml[] = "seed: 3\nnum_requests: 60\ninference_perf:\n"
                               "  stages: [{rate: 10, duration: 2}, {rate: 30, duration: 2}]\n"
                               "  shared_prefix: {num_unique_system_prompts: 2, num_users_per_system_prompt: 3,\n"
                               "                  system_prompt_len: 100, question_len: 20, output_len: 8}\n";
    blis_parse_opts o;
    blis_doc doc;
    blis_workload_spec spec;
    blis_spec_gen g;
    blis_err err;
    int64_t first[2] = {-1, -1}, n = 0, mismatched = 0, wrong_len = 0;
    int has = 1;
    memset(&o, 0, sizeof o);
    if (blis_yaml_parse(yaml, strlen(yaml), &o, &doc, &err) || blis_workload_spec_from_doc(&doc, &spec, NULL, &err)) {
        CHECK_MSG(0, "%s", err.msg);
        return;
    }
    CHECK_EQ_I64((int64_t)spec.client_count, 6);
    CHECK(spec.aggregate_rate == 20.0); /* (10 * 2 + 30 * 2) / 4 */
    CHECK(!strcmp(spec.clients[5].id, "prompt-1-user-2") && !strcmp(spec.clients[5].tenant_id, "prompt-1"));
    CHECK(!strcmp(spec.clients[5].slo_class, "batch") && spec.clients[5].rate_fraction == 1.0 / 6);
    CHECK_EQ_I64((int64_t)spec.clients[0].window_count, 2);
    CHECK_EQ_I64(spec.clients[0].windows[1].start_us, 2000000);
    CHECK_EQ_I64(spec.clients[0].windows[1].end_us, 4000000);
    CHECK_EQ_I64(blis_spec_gen_init(&g, &spec, spec.seed, INT64_MAX, spec.num_requests, 16, NULL, &err), BLIS_OK);
    while (has) {
        blis_request r;
        size_t tenant;
        if (blis_spec_gen_next(&g, &r, &has, &err) != BLIS_OK || !has) break;
        tenant = g.last_client / 3;
        if (first[tenant] < 0) first[tenant] = g.last_in5[0];
        mismatched += g.last_in5[0] != first[tenant];
        wrong_len += r.input_tokens != 120 || r.output_tokens != 8;
        n++;
        blis_request_free(NULL, &r);
    }
    CHECK_EQ_I64(n, 60);
    CHECK_EQ_I64(mismatched, 0);
    CHECK_EQ_I64(wrong_len, 0);
    CHECK(first[0] >= 0 && first[1] >= 0 && first[0] != first[1]);
    blis_spec_gen_free(&g);
    blis_workload_spec_free(&spec);
    blis_doc_free(&doc);
    {
        static const char multi[] = "num_requests: 5\ninference_perf:\n  stages: [{rate: 1, duration: 1}]\n"
                                    "  shared_prefix: {num_unique_system_prompts: 1, num_users_per_system_prompt: 1,\n"
                                    "    system_prompt_len: 1, question_len: 3, output_len: 2, "
                                    "enable_multi_turn_chat: true}\n";
        int64_t arrivals[50], inputs[50], unmatched = 0, rounds[5] = {0, 0, 0, 0, 0};
        size_t k = 0, m;
        has = 1;
        if (blis_yaml_parse(multi, strlen(multi), &o, &doc, &err) ||
            blis_workload_spec_from_doc(&doc, &spec, NULL, &err)) {
            CHECK_MSG(0, "%s", err.msg);
            return;
        }
        CHECK_EQ_I64(spec.clients[0].max_rounds, 5);
        CHECK_EQ_I64(spec.clients[0].think_time_us, 500000);
        CHECK(spec.clients[0].accumulate == 1);
        CHECK_EQ_I64(blis_spec_gen_init(&g, &spec, 1, INT64_MAX, 50, 16, NULL, &err), BLIS_OK);
        while (has && k < 50) {
            blis_request r;
            if (blis_spec_gen_next(&g, &r, &has, &err) != BLIS_OK || !has) break;
            arrivals[k] = r.arrival_us;
            inputs[k++] = r.input_tokens;
            blis_request_free(NULL, &r);
        }
        CHECK_EQ_I64((int64_t)k, 50);
        for (m = 0; m < k; m++) { /* round r: 3 new tokens after the r earlier rounds' 3 + 2, 500,002 us later */
            int64_t round = (inputs[m] - 3) / 5, found = round == 0;
            size_t q;
            if ((inputs[m] - 3) % 5 || round > 4) {
                CHECK_MSG(0, "request %lu: input %lld", (unsigned long)m, (long long)inputs[m]);
                continue;
            }
            rounds[round]++;
            for (q = 0; q < m && !found; q++) found = inputs[q] == inputs[m] - 5 && arrivals[q] == arrivals[m] - 500002;
            unmatched += !found;
        }
        CHECK_EQ_I64(unmatched, 0);
        CHECK(rounds[0] >= 10 && rounds[4] >= 5);
        blis_spec_gen_free(&g);
        blis_workload_spec_free(&spec);
        blis_doc_free(&doc);
    }
}

/* Reasoning sessions (spec §2.5): each arrival starts max_rounds requests,
 * round r at start + r * (think_time_us + output length); rounds of
 * overlapping sessions interleave in arrival order (ties: the earlier
 * drawn); with accumulate, round r's input is the conversation so far and its
 * KV blocks extend round 0's, so prefix caching can reuse them. */
TEST(spec_reasoning_sessions) {
    static const char yaml[] = "seed: 5\naggregate_rate: 400\nnum_requests: 20\nclients:\n"
                               "  - id: chat\n    rate_fraction: 1\n    arrival: {process: constant}\n"
                               "    input_distribution: {type: constant, params: {value: 40}}\n"
                               "    output_distribution: {type: constant, params: {value: 8}}\n"
                               "    reasoning:\n"
                               "      reason_ratio_distribution: {type: gaussian, params: {mean: 50, std_dev: 10, "
                               "min: 0, max: 100}}\n"
                               "      multi_turn: {max_rounds: 3, think_time_us: 3000, context_growth: accumulate}\n";
    blis_parse_opts o;
    blis_doc doc;
    blis_workload_spec spec;
    blis_spec_gen g;
    blis_err err;
    int64_t want_at[42], want_in[42], want_sess[42], n_want = 0, i, j, k = 0, bad = 0, bad_prefix = 0;
    uint64_t round0[14][3];
    int64_t round0_first[14];
    int has = 1;
    /* the expected order, drawn up by hand: 2N = 40 requests cap the
     * generation, so 14 sessions start, every 2500 us (400 req/s) */
    for (i = 0; i < 14; i++)
        for (j = 0; j < 3; j++) {
            want_at[n_want] = 2500 * (i + 1) + j * 3008;
            want_in[n_want] = 40 + 48 * j;
            want_sess[n_want++] = i;
        }
    for (i = 1; i < n_want; i++) /* stable insertion sort by arrival */
        for (j = i; j > 0 && want_at[j] < want_at[j - 1]; j--) {
            int64_t a = want_at[j], b = want_in[j], c = want_sess[j];
            want_at[j] = want_at[j - 1], want_in[j] = want_in[j - 1], want_sess[j] = want_sess[j - 1];
            want_at[j - 1] = a, want_in[j - 1] = b, want_sess[j - 1] = c;
        }
    memset(&o, 0, sizeof o);
    memset(round0, 0, sizeof round0);
    if (blis_yaml_parse(yaml, strlen(yaml), &o, &doc, &err) || blis_workload_spec_from_doc(&doc, &spec, NULL, &err)) {
        CHECK_MSG(0, "%s", err.msg);
        return;
    }
    CHECK_EQ_I64(blis_spec_gen_init(&g, &spec, spec.seed, INT64_MAX, spec.num_requests, 16, NULL, &err), BLIS_OK);
    while (has) {
        blis_request r;
        int64_t sess, round;
        if (blis_spec_gen_next(&g, &r, &has, &err) != BLIS_OK || !has) break;
        if (k >= 20) {
            CHECK_MSG(0, "more than num_requests");
            blis_request_free(NULL, &r);
            break;
        }
        sess = want_sess[k];
        round = (want_in[k] - 40) / 48;
        if (r.arrival_us != want_at[k] || r.input_tokens != want_in[k] || r.output_tokens != 8) {
            CHECK_MSG(0, "request %lld: at %lld in %lld, want at %lld in %lld", (long long)k, (long long)r.arrival_us,
                      (long long)r.input_tokens, (long long)want_at[k], (long long)want_in[k]);
            bad++;
        }
        CHECK_EQ_I64(r.block_hash_count, (r.input_tokens + r.output_tokens) / 16);
        if (round == 0 && r.block_hash_count >= 3) {
            memcpy(round0[sess], r.block_hashes, sizeof round0[sess]);
            round0_first[sess] = g.last_in5[0];
        } else if (round > 0 && r.block_hash_count >= 3) {
            bad_prefix += memcmp(round0[sess], r.block_hashes, sizeof round0[sess]) != 0;
            bad_prefix += g.last_in5[0] != round0_first[sess];
        }
        k++;
        blis_request_free(NULL, &r);
    }
    CHECK_EQ_I64(k, 20);
    CHECK_EQ_I64(bad, 0);
    CHECK_EQ_I64(bad_prefix, 0);
    CHECK(round0[0][0] != round0[1][0]); /* sessions draw their own tokens */
    blis_spec_gen_free(&g);
    blis_workload_spec_free(&spec);
    blis_doc_free(&doc);
}

/* Parameters past any token count are refused when the spec is read,
 * naming the field; a heavy-tailed law that draws an absurd length is an
 * input error naming the client, not an allocation of terabytes. */
TEST(spec_length_limit) {
    static const char big[] = "num_requests: 3\naggregate_rate: 1\nclients:\n  - id: huge\n    rate_fraction: 1\n"
                              "    arrival: {process: poisson}\n"
                              "    input_distribution: {type: constant, params: {value: 1e12}}\n"
                              "    output_distribution: {type: constant, params: {value: 1}}\n";
    static const char tail[] = "num_requests: 3\naggregate_rate: 1\nclients:\n  - id: huge\n    rate_fraction: 1\n"
                               "    arrival: {process: poisson}\n"
                               "    input_distribution: {type: pareto_lognormal, params: {alpha: 0.01, xm: 1000000, "
                               "mu: 1, sigma: 1, mix_weight: 1}}\n"
                               "    output_distribution: {type: constant, params: {value: 1}}\n";
    blis_parse_opts o;
    blis_doc doc;
    blis_workload_spec spec;
    blis_spec_gen g;
    blis_err err;
    memset(&o, 0, sizeof o);
    o.source = "big.yaml";
    CHECK_EQ_I64(blis_yaml_parse(big, strlen(big), &o, &doc, &err), BLIS_OK);
    CHECK(blis_workload_spec_from_doc(&doc, &spec, NULL, &err) != BLIS_OK);
    CHECK_CONTAINS(err.msg, "must be in 0..the token limit, got 1e12 (the token limit: 16777216");
    CHECK_STR(err.path, "clients[0].input_distribution.params.value");
    CHECK(err.line == 7);
    blis_doc_free(&doc);
    if (blis_yaml_parse(tail, strlen(tail), &o, &doc, &err) || blis_workload_spec_from_doc(&doc, &spec, NULL, &err)) {
        CHECK_MSG(0, "%s", err.msg);
        return;
    }
    CHECK_EQ_I64(blis_spec_gen_init(&g, &spec, 1, INT64_MAX, 3, 16, NULL, &err), BLIS_E_LIMIT);
    CHECK_CONTAINS(err.msg, "client \"huge\": drew an input length of");
    CHECK(!strcmp(err.source, "big.yaml"));
    blis_workload_spec_free(&spec);
    blis_doc_free(&doc);
}

/* A spec's first requests: arrival, input and output lengths, and (for
 * cohorts) the client each came from; n_want of them, then no more. */
typedef struct t_spec_req {
    int64_t arrival_us, input, output;
    const char *client;
} t_spec_req;

static void t_spec_first(t_ctx *t_, const char *yaml, const t_spec_req *want, size_t n_want) {
    blis_parse_opts o;
    blis_doc doc;
    blis_workload_spec spec;
    blis_spec_gen g;
    blis_err err;
    size_t i;
    int has = 1;
    memset(&o, 0, sizeof o);
    if (blis_yaml_parse(yaml, strlen(yaml), &o, &doc, &err) || blis_workload_spec_from_doc(&doc, &spec, NULL, &err)) {
        CHECK_MSG(0, "%s", err.msg);
        return;
    }
    CHECK_EQ_I64(blis_spec_gen_init(&g, &spec, spec.seed, INT64_MAX, spec.num_requests, 16, NULL, &err), BLIS_OK);
    for (i = 0; i <= n_want && has; i++) {
        blis_request r;
        if (blis_spec_gen_next(&g, &r, &has, &err) != BLIS_OK) {
            CHECK_MSG(0, "%s", err.msg);
            break;
        }
        if (!has) break;
        if (i == n_want) {
            CHECK_MSG(0, "a request past the %lu expected (at %lld us)", (unsigned long)n_want,
                      (long long)r.arrival_us);
        } else {
            CHECK_EQ_I64(r.arrival_us, want[i].arrival_us);
            CHECK_EQ_I64(r.input_tokens, want[i].input);
            CHECK_EQ_I64(r.output_tokens, want[i].output);
            if (want[i].client) CHECK_STR(spec.clients[g.last_client].id, want[i].client);
        }
        blis_request_free(NULL, &r);
    }
    CHECK_EQ_I64(i, n_want);
    blis_spec_gen_free(&g);
    blis_workload_spec_free(&spec);
    blis_doc_free(&doc);
}

/* Cohorts (spec §2.7), by hand: a population of 2 at rate fraction 1 of 10
 * req/s is two clients of 5 req/s, i.e. 10 x (0.5 / 1) / 1e6 = 5e-06 req/us
 * (a double just above 5e-6), constant arrivals every int64(1 / 5e-06) =
 * 199999 us from t = 199999. The spike window [250000, 750000) keeps
 * 399998 and 599997 of each; 799996 is past the window: the client ends.
 * Ties keep client order. */
TEST(spec_cohort_spike_by_hand) {
    static const t_spec_req want[] = {
        {399998, 100, 20, "web-0"}, {399998, 100, 20, "web-1"}, {599997, 100, 20, "web-0"}, {599997, 100, 20, "web-1"}};
    t_spec_first(t_,
                 "seed: 7\naggregate_rate: 10\nhorizon: 5000000\ncohorts:\n  - id: web\n    population: 2\n"
                 "    rate_fraction: 1\n    arrival: {process: constant}\n"
                 "    input_distribution: {type: constant, params: {value: 100}}\n"
                 "    output_distribution: {type: constant, params: {value: 20}}\n"
                 "    spike: {start_time_us: 250000, duration_us: 500000}\n",
                 want, 4);
}

/* Diurnal and drain windows (spec §2.7) and the expansion's rate fractions. */
TEST(spec_cohort_windows) {
    const char *yaml =
        "aggregate_rate: 10\nclients:\n  - id: a\n    rate_fraction: 2\n    arrival: {process: poisson}\n"
        "    input_distribution: {type: constant, params: {value: 10}}\n"
        "    output_distribution: {type: constant, params: {value: 5}}\n"
        "cohorts:\n  - id: day\n    population: 4\n    rate_fraction: 2\n    arrival: {process: poisson}\n"
        "    input_distribution: {type: constant, params: {value: 10}}\n"
        "    output_distribution: {type: constant, params: {value: 5}}\n"
        "    diurnal: {peak_hour: 12, peak_to_trough_ratio: 4}\n"
        "  - id: end\n    population: 1\n    rate_fraction: 1\n    arrival: {process: poisson}\n"
        "    input_distribution: {type: constant, params: {value: 10}}\n"
        "    output_distribution: {type: constant, params: {value: 5}}\n"
        "    drain: {start_time_us: 1000000, ramp_duration_us: 1000000}\n";
    blis_parse_opts o;
    blis_doc doc;
    blis_workload_spec spec;
    blis_err err;
    memset(&o, 0, sizeof o);
    if (blis_yaml_parse(yaml, strlen(yaml), &o, &doc, &err) || blis_workload_spec_from_doc(&doc, &spec, NULL, &err)) {
        CHECK_MSG(0, "%s", err.msg);
        return;
    }
    CHECK_EQ_I64((int64_t)spec.client_count, 1 + 4 + 1);
    CHECK_STR(spec.clients[0].id, "a");
    CHECK_STR(spec.clients[1].id, "day-0");
    CHECK_STR(spec.clients[4].id, "day-3");
    CHECK_STR(spec.clients[5].id, "end-0");
    CHECK(spec.clients[1].rate_fraction == 0.5 && spec.clients[4].rate_fraction == 0.5);
    /* diurnal, peak 12, ratio 4: mult(h) = (1 + cos(2 pi (h - 12) / 24)) / 2 x 0.75 + 0.25 */
    CHECK_EQ_I64((int64_t)spec.clients[3].window_count, 24);
    CHECK_EQ_I64(spec.clients[3].windows[0].start_us, 0);
    CHECK_EQ_I64(spec.clients[3].windows[0].end_us, 900000000); /* the trough: a quarter of the hour */
    CHECK_EQ_I64(spec.clients[3].windows[12].start_us, 43200000000LL);
    CHECK_EQ_I64(spec.clients[3].windows[12].end_us, 46800000000LL); /* the peak: the whole hour */
    CHECK_EQ_I64(spec.clients[3].windows[6].end_us - spec.clients[3].windows[6].start_us, 2250000000LL); /* mult 5/8 */
    /* drain from 1 s over 1 s: [0, 1 s), then 10 segments of 0.1 s active 10/10, 9/10, ... 1/10 */
    CHECK_EQ_I64((int64_t)spec.clients[5].window_count, 11);
    CHECK_EQ_I64(spec.clients[5].windows[0].end_us, 1000000);
    CHECK_EQ_I64(spec.clients[5].windows[1].start_us, 1000000);
    CHECK_EQ_I64(spec.clients[5].windows[1].end_us, 1100000);
    CHECK_EQ_I64(spec.clients[5].windows[2].start_us, 1100000);
    CHECK_EQ_I64(spec.clients[5].windows[2].end_us, 1190000);
    CHECK_EQ_I64(spec.clients[5].windows[10].end_us, 1910000);
    blis_workload_spec_free(&spec);
    blis_doc_free(&doc);
}

/* Multimodal (spec §2.5 GenerateMultimodalTokens), by hand: 10 text tokens
 * plus 2 images of 100 (the audio has no count: skipped) is a 210-token
 * prompt; one client at 4 req/s, constant: every int64(1 / 4e-06) = 250000
 * us (4e-06 is exact enough: 1 / 4e-06 = 250000). */
TEST(spec_multimodal_by_hand) {
    static const t_spec_req want[] = {{250000, 210, 7, NULL}, {500000, 210, 7, NULL}, {750000, 210, 7, NULL}};
    t_spec_first(t_,
                 "category: multimodal\naggregate_rate: 4\nnum_requests: 3\nclients:\n  - id: v\n    rate_fraction: 1\n"
                 "    arrival: {process: constant}\n"
                 "    input_distribution: {type: constant, params: {value: 999}}\n"
                 "    output_distribution: {type: constant, params: {value: 7}}\n"
                 "    multimodal:\n      text_distribution: {type: constant, params: {value: 10}}\n"
                 "      image_distribution: {type: constant, params: {value: 100}}\n"
                 "      image_count_distribution: {type: constant, params: {value: 2}}\n"
                 "      audio_distribution: {type: constant, params: {value: 50}}\n",
                 want, 3);
}

/* An empirical table with no positive weight draws 1 (the reference's
 * behaviour), with a warning naming the client and the distribution. */
static void t_spec_warn_log(void *user, const char *level, const char *msg) {
    char *buf = (char *)user;
    size_t n = strlen(buf);
    snprintf(buf + n, 1024 - n, "%s: %s\n", level, msg);
}

TEST(spec_empty_empirical_warns) {
    static const char yaml[] = "seed: 3\naggregate_rate: 10\nnum_requests: 20\nclients:\n"
                               "  - id: chat\n    rate_fraction: 1\n    arrival: {process: poisson}\n"
                               "    input_distribution: {type: empirical, params: {}}\n"
                               "    output_distribution: {type: empirical, params: {\"7\": 0}}\n"
                               "  - id: code\n    rate_fraction: 1\n    arrival: {process: poisson}\n" T_SPEC_DISTS;
    blis_parse_opts o;
    blis_doc doc;
    blis_workload_spec spec;
    blis_spec_gen g;
    blis_request r;
    blis_err err;
    char log[1024] = "";
    int has = 1, chat = 0;
    memset(&o, 0, sizeof o);
    if (blis_yaml_parse(yaml, strlen(yaml), &o, &doc, &err) || blis_workload_spec_from_doc(&doc, &spec, NULL, &err)) {
        CHECK_MSG(0, "%s", err.msg);
        return;
    }
    CHECK_EQ_I64(blis_workload_spec_warn(&spec, t_spec_warn_log, log), 2);
    CHECK_CONTAINS(log, "warn: client chat: its input distribution is an empirical table with no positive weight");
    CHECK_CONTAINS(log, "client chat: its output distribution");
    CHECK(strstr(log, "code") == NULL);
    CHECK_EQ_I64(blis_spec_gen_init(&g, &spec, 3, INT64_MAX, 20, 16, NULL, &err), BLIS_OK);
    while (blis_spec_gen_next(&g, &r, &has, &err) == BLIS_OK && has) {
        if (r.input_tokens != 10) { /* chat's: 1 and 1; code's: 10 and 5 */
            chat++;
            CHECK_EQ_I64(r.input_tokens, 1);
            CHECK_EQ_I64(r.output_tokens, 1);
        } else {
            CHECK_EQ_I64(r.output_tokens, 5);
        }
        blis_request_free(NULL, &r);
    }
    CHECK(chat > 0);
    blis_spec_gen_free(&g);
    blis_workload_spec_free(&spec);
    blis_doc_free(&doc);
}
