/* tests/test_spec.c - the workload-spec generator against the reference's
 * vectors (conformance/blis/workload/workload_generation_a410740f.json):
 * arrivals, lengths, the first token IDs, SLO classes and tenants. */

static void t_spec_case(t_ctx *t_, const char *name) {
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
    if (!ys || blis_yaml_parse(ys->as.string, strlen(ys->as.string), &o, &ydoc, &err) != BLIS_OK) {
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
                for (k = 0; k < 5; k++) {
                    ok &= g.last_in5[k] == (int64_t)blis_node_at(&vec, in5, (size_t)k)->as.number;
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

TEST(spec_two_clients_seed7) { t_spec_case(t_, "spec_two_clients_seed7"); }
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
        {T_SPEC_HEAD "    arrival: {process: poisson}\n" T_SPEC_DISTS "    reasoning: {}\n",
         "field reasoning is not supported in this version of blis yet", 9},
        {"cohorts: []\n" T_SPEC_HEAD, "field cohorts is not supported", 1},
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
 * share its prefix; multi-turn chat is rejected by name. */
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
                                    "    system_prompt_len: 1, question_len: 1, output_len: 1, "
                                    "enable_multi_turn_chat: true}\n";
        CHECK(t_spec_parse(multi, &spec, &doc, &err) == BLIS_E_INVALID);
        CHECK_CONTAINS(err.msg, "enable_multi_turn_chat (reasoning sessions) is not supported");
    }
}

/* A distribution that draws absurd lengths is an input error naming the
 * client, not an allocation of terabytes. */
TEST(spec_length_limit) {
    static const char yaml[] = "num_requests: 3\naggregate_rate: 1\nclients:\n  - id: huge\n    rate_fraction: 1\n"
                               "    arrival: {process: poisson}\n"
                               "    input_distribution: {type: constant, params: {value: 1e12}}\n"
                               "    output_distribution: {type: constant, params: {value: 1}}\n";
    blis_parse_opts o;
    blis_doc doc;
    blis_workload_spec spec;
    blis_spec_gen g;
    blis_err err;
    memset(&o, 0, sizeof o);
    o.source = "big.yaml";
    if (blis_yaml_parse(yaml, strlen(yaml), &o, &doc, &err) || blis_workload_spec_from_doc(&doc, &spec, NULL, &err)) {
        CHECK_MSG(0, "%s", err.msg);
        return;
    }
    CHECK_EQ_I64(blis_spec_gen_init(&g, &spec, 1, INT64_MAX, 3, 16, NULL, &err), BLIS_E_LIMIT);
    CHECK_CONTAINS(err.msg, "client \"huge\": drew an input length of 1000000000000 tokens");
    CHECK(!strcmp(err.source, "big.yaml"));
    blis_workload_spec_free(&spec);
    blis_doc_free(&doc);
}
