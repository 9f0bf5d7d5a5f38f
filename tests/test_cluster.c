/* tests/test_cluster.c - the cluster layer (spec §3.8, §3.9, §8.3): one
 * instance through the cluster equals the instance alone on the golden
 * cases; each admission and routing policy against an outcome worked out
 * from the spec's rules; the reports. */

/* A legacy workload of n requests, `prompt` input tokens each (no spread),
 * 8 output tokens, rate req/s. */
static void t_cl_workload(blis_legacy_workload *w, int64_t n, int64_t prompt, double rate) {
    memset(w, 0, sizeof *w);
    w->rate_per_s = rate;
    w->num_requests = n;
    w->prompt_mean = w->prompt_std = w->prompt_min = w->prompt_max = prompt;
    w->output_mean = w->output_std = w->output_min = w->output_max = 8;
}

static void t_cl_instance(blis_sim_config *c) {
    blis_sim_config_defaults(c);
    c->total_kv_blocks = 10000;
    c->latency.alpha[0] = 100;
    c->latency.beta[0] = 5000;
    c->latency.beta[1] = 1;
    c->latency.beta[2] = 10;
}

/* Runs a cluster over a legacy workload; 0 on failure (reported). */
static int t_cl_run(t_ctx *t_, const blis_cluster_config *cfg, const blis_legacy_workload *w, blis_cluster *c,
                    blis_legacy_gen *gen) {
    blis_request_source src;
    blis_err err;
    if (blis_legacy_gen_init(gen, w, 7, cfg->instance.horizon_us, cfg->instance.block_tokens, NULL, NULL, NULL, &err)) {
        CHECK_MSG(0, "workload: %s", err.msg);
        return 0;
    }
    src.next = t_gen_next;
    src.user = gen;
    if (blis_cluster_init(c, cfg, src, NULL, &err)) {
        CHECK_MSG(0, "cluster: %s", err.msg);
        blis_legacy_gen_free(gen);
        return 0;
    }
    if (blis_cluster_run(c, &err)) {
        CHECK_MSG(0, "run: %s", err.msg);
        blis_cluster_destroy(c);
        blis_legacy_gen_free(gen);
        return 0;
    }
    return 1;
}

static void t_cl_free(blis_cluster *c, blis_legacy_gen *gen) {
    blis_cluster_destroy(c);
    blis_legacy_gen_free(gen);
}

/* The instance serving request `index`, or -1. */
static int t_cl_where(const blis_cluster *c, int64_t index) {
    int i;
    size_t k;
    for (i = 0; i < c->n_instances; i++)
        for (k = 0; k < c->instances[i].request_count; k++)
            if (c->instances[i].requests[k]->index == index) return i;
    return -1;
}

/* One instance behind the cluster (zero latencies, always-admit) gives the
 * golden metrics and per-request timings the instance alone gives. */
TEST(cluster_single_instance_matches_golden) {
    blis_doc doc;
    size_t k;
    SHARED_JSON_OR_SKIP("conformance/blis/golden/goldendataset_v0.6.1.json", &doc);
    for (k = 0; k < 5; k++) {
        const blis_node *c = blis_node_at(&doc, blis_node_get(&doc, blis_doc_root(&doc), "tests"), k);
        blis_legacy_workload w;
        blis_cluster_config cc;
        blis_cluster cl;
        blis_legacy_gen gen;
        blis_sim sim;
        blis_legacy_gen gen1;
        blis_metrics a, b;
        blis_err err;
        size_t i, bad = 0;
        blis_cluster_config_defaults(&cc);
        t_golden_config(&doc, c, &w, &cc.instance, 1);
        {
            blis_request_source src;
            if (blis_legacy_gen_init(&gen, &w, t_num(&doc, c, "seed"), cc.instance.horizon_us, cc.instance.block_tokens,
                                     NULL, NULL, NULL, &err))
                break;
            src.next = t_gen_next;
            src.user = &gen;
            CHECK_EQ_I64(blis_cluster_init(&cl, &cc, src, NULL, &err), BLIS_OK);
            CHECK_EQ_I64(blis_cluster_run(&cl, &err), BLIS_OK);
        }
        if (!t_golden_run(t_, &doc, c, &sim, &gen1, 1, 0)) break;
        CHECK_EQ_I64(blis_cluster_metrics(&cl, -1, &a, &err), BLIS_OK);
        CHECK_EQ_I64(blis_sim_metrics(&sim, &b, &err), BLIS_OK);
        CHECK_MSG(!memcmp(&a, &b, sizeof a), "case %lu: cluster metrics differ (e2e p99 %.17g vs %.17g)",
                  (unsigned long)k, a.e2e_p99_ms, b.e2e_p99_ms);
        CHECK_EQ_I64((int64_t)cl.instances[0].request_count, (int64_t)sim.request_count);
        for (i = 0; i < sim.request_count && i < cl.instances[0].request_count; i++) {
            const blis_request *x = cl.instances[0].requests[i], *y = sim.requests[i];
            bad += x->index != y->index || x->first_token_us != y->first_token_us || x->e2e_us != y->e2e_us ||
                   x->sched_delay_us != y->sched_delay_us;
        }
        CHECK_EQ_I64((int64_t)bad, 0);
        blis_sim_destroy(&sim);
        blis_legacy_gen_free(&gen1);
        t_cl_free(&cl, &gen);
    }
    blis_doc_free(&doc);
}

/* Round-robin: request i to instance i mod N; every request accounted for. */
TEST(cluster_round_robin) {
    blis_cluster_config cc;
    blis_legacy_workload w;
    blis_cluster c;
    blis_legacy_gen gen;
    blis_metrics m;
    blis_err err;
    int64_t i, wrong = 0, sum = 0;
    blis_cluster_config_defaults(&cc);
    t_cl_instance(&cc.instance);
    cc.num_instances = 3;
    t_cl_workload(&w, 30, 64, 50);
    if (!t_cl_run(t_, &cc, &w, &c, &gen)) return;
    for (i = 0; i < 30; i++) wrong += t_cl_where(&c, i) != (int)(i % 3);
    CHECK_EQ_I64(wrong, 0);
    for (i = 0; i < 3; i++) {
        CHECK_EQ_I64(blis_cluster_metrics(&c, (int)i, &m, &err), BLIS_OK);
        CHECK_EQ_I64(m.completed, 10);
        sum += m.injected;
        CHECK_EQ_I64(blis_sim_check(&c.instances[i]), 0);
    }
    CHECK_EQ_I64(sum, 30);
    CHECK_EQ_I64(blis_cluster_metrics(&c, -1, &m, &err), BLIS_OK);
    CHECK_EQ_I64(m.completed, 30);
    CHECK_EQ_I64(blis_cluster_metrics(&c, 3, &m, &err), BLIS_E_RANGE);
    t_cl_free(&c, &gen);
}

/* reject-all admits nothing; the token bucket admits exactly the requests
 * the spec's refill rule allows (worked out here step by step). */
TEST(cluster_admission) {
    blis_cluster_config cc;
    blis_legacy_workload w;
    blis_cluster c;
    blis_legacy_gen gen;
    blis_anomalies an;
    blis_err err;
    double tokens = 1000;
    int64_t i, want_admitted = 0, last = 0;
    blis_cluster_config_defaults(&cc);
    t_cl_instance(&cc.instance);
    cc.num_instances = 2;
    cc.admission = BLIS_ADMIT_REJECT_ALL;
    t_cl_workload(&w, 20, 600, 1);
    if (!t_cl_run(t_, &cc, &w, &c, &gen)) return;
    CHECK_EQ_I64(c.rejected, 20);
    CHECK_EQ_I64(c.instances[0].request_count + c.instances[1].request_count, 0);
    CHECK_EQ_I64(blis_cluster_anomalies(&c, &an, &err), BLIS_OK);
    CHECK_EQ_I64(an.rejected, 20);
    t_cl_free(&c, &gen);
    cc.admission = BLIS_ADMIT_TOKEN_BUCKET;
    cc.token_bucket_capacity = 1000;
    cc.token_bucket_refill_per_s = 100;
    if (!t_cl_run(t_, &cc, &w, &c, &gen)) return;
    for (i = 0; i < 20; i++) { /* arrivals every second from 0; each costs its 600 input tokens */
        int64_t t = i * 1000000;
        if (t > last)
            tokens = tokens + (double)(t - last) * 100 / 1e6 < 1000 ? tokens + (double)(t - last) * 100 / 1e6 : 1000;
        last = t;
        if (tokens >= 600) {
            tokens -= 600;
            want_admitted++;
        }
    }
    CHECK_EQ_I64(c.admitted, want_admitted);
    CHECK_EQ_I64(c.rejected, 20 - want_admitted);
    CHECK(want_admitted > 1 && want_admitted < 20);
    t_cl_free(&c, &gen);
}

/* Admission and routing latencies delay every request's arrival at its
 * instance: its first token comes at least their sum after its arrival. */
TEST(cluster_latencies) {
    blis_cluster_config cc;
    blis_legacy_workload w;
    blis_cluster c;
    blis_legacy_gen gen;
    size_t k;
    int i;
    int64_t early = 0, n = 0;
    blis_cluster_config_defaults(&cc);
    t_cl_instance(&cc.instance);
    cc.num_instances = 2;
    cc.admission_latency_us = 1000;
    cc.routing_latency_us = 500;
    t_cl_workload(&w, 20, 64, 20);
    if (!t_cl_run(t_, &cc, &w, &c, &gen)) return;
    for (i = 0; i < 2; i++)
        for (k = 0; k < c.instances[i].request_count; k++) {
            const blis_request *r = c.instances[i].requests[k];
            early += r->first_token_us < 1500 || r->sched_delay_us < 1500;
            n++;
        }
    CHECK_EQ_I64(n, 20);
    CHECK_EQ_I64(early, 0);
    t_cl_free(&c, &gen);
}

/* always-busiest sends everything to the first instance (it is busiest
 * from the first request on); least-loaded spreads a burst. */
TEST(cluster_load_policies) {
    blis_cluster_config cc;
    blis_legacy_workload w;
    blis_cluster c;
    blis_legacy_gen gen;
    int64_t i, on0 = 0, used[4] = {0, 0, 0, 0};
    blis_cluster_config_defaults(&cc);
    t_cl_instance(&cc.instance);
    cc.num_instances = 4;
    cc.routing = BLIS_ROUTE_ALWAYS_BUSIEST;
    t_cl_workload(&w, 40, 256, 200);
    if (!t_cl_run(t_, &cc, &w, &c, &gen)) return;
    for (i = 0; i < 40; i++) on0 += t_cl_where(&c, i) == 0;
    CHECK_EQ_I64(on0, 40);
    t_cl_free(&c, &gen);
    cc.routing = BLIS_ROUTE_LEAST_LOADED;
    if (!t_cl_run(t_, &cc, &w, &c, &gen)) return;
    for (i = 0; i < 40; i++) {
        int at = t_cl_where(&c, i);
        if (at >= 0) used[at]++;
    }
    CHECK_EQ_I64(t_cl_where(&c, 0), 0); /* all idle: the first index */
    CHECK(used[0] > 0 && used[1] > 0 && used[2] > 0 && used[3] > 0);
    CHECK_EQ_I64(used[0] + used[1] + used[2] + used[3], 40);
    t_cl_free(&c, &gen);
}

static blis_status t_trace_next(void *user, blis_request *r, int *has, blis_err *err) {
    return blis_trace_gen_next((blis_trace_gen *)user, r, has, err);
}

/* Routes a trace whose rows repeat inputs A, B, A, B, A, C (32 tokens),
 * 100 us apart (all in flight together). */
static int t_cl_trace_run(t_ctx *t_, const blis_cluster_config *cfg, blis_cluster *c, blis_trace_gen *g) {
    static char text[4096];
    const char *inputs[3] = {"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32",
                             "9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9",
                             "5,4,3,2,1,5,4,3,2,1,5,4,3,2,1,5,4,3,2,1,5,4,3,2,1,5,4,3,2,1,5,4"};
    const int which[6] = {0, 1, 0, 1, 0, 2};
    size_t len = 0;
    int i;
    blis_parse_opts o;
    blis_request_source src;
    blis_err err;
    len += (size_t)snprintf(text, sizeof text, "arrival,a,b,input,output\n");
    for (i = 0; i < 6; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "0.000%d,x,y,\"[%s]\",\"[1,2]\"\n", i, inputs[which[i]]);
    memset(&o, 0, sizeof o);
    if (blis_trace_gen_init(g, text, len, &o, INT64_MAX, 16, &err)) {
        CHECK_MSG(0, "trace: %s", err.msg);
        return 0;
    }
    src.next = t_trace_next;
    src.user = g;
    if (blis_cluster_init(c, cfg, src, NULL, &err) || blis_cluster_run(c, &err)) {
        CHECK_MSG(0, "cluster: %s", err.msg);
        blis_trace_gen_free(g);
        return 0;
    }
    return 1;
}

/* prefix-affinity (policy) and the weighted prefix-affinity scorer: the
 * requests repeating an input follow the first one's instance. */
TEST(cluster_prefix_affinity) {
    blis_cluster_config cc;
    blis_cluster c;
    blis_trace_gen g;
    int pass;
    blis_cluster_config_defaults(&cc);
    t_cl_instance(&cc.instance);
    cc.num_instances = 3;
    for (pass = 0; pass < 2; pass++) {
        if (pass == 0) {
            cc.routing = BLIS_ROUTE_PREFIX_AFFINITY;
        } else {
            cc.routing = BLIS_ROUTE_WEIGHTED;
            cc.scorers[0].kind = BLIS_SCORER_PREFIX_AFFINITY;
            cc.scorers[0].weight = 3;
            cc.scorers[1].kind = BLIS_SCORER_LOAD_BALANCE;
            cc.scorers[1].weight = 1;
            cc.scorer_count = 2;
        }
        if (!t_cl_trace_run(t_, &cc, &c, &g)) return;
        CHECK_MSG(t_cl_where(&c, 0) == t_cl_where(&c, 2) && t_cl_where(&c, 2) == t_cl_where(&c, 4), "pass %d: A split",
                  pass);
        CHECK_MSG(t_cl_where(&c, 1) == t_cl_where(&c, 3), "pass %d: B split", pass);
        CHECK_MSG(t_cl_where(&c, 0) != t_cl_where(&c, 1), "pass %d: A and B together", pass);
        blis_cluster_destroy(&c);
        blis_trace_gen_free(&g);
    }
}

/* Weighted routing's scorers, each alone: queue-depth and load-balance
 * send a burst away from the loaded instance; with a snapshot interval
 * longer than the run the KV figures are never refreshed. */
TEST(cluster_weighted_scorers_and_snapshots) {
    blis_cluster_config cc;
    blis_legacy_workload w;
    blis_cluster c;
    blis_legacy_gen gen;
    int k;
    blis_cluster_config_defaults(&cc);
    t_cl_instance(&cc.instance);
    cc.num_instances = 2;
    cc.routing = BLIS_ROUTE_WEIGHTED;
    t_cl_workload(&w, 10, 64, 1000);
    for (k = 1; k < 4; k++) {
        cc.scorers[0].kind = (blis_scorer_kind)k;
        cc.scorers[0].weight = 1;
        cc.scorer_count = 1;
        if (!t_cl_run(t_, &cc, &w, &c, &gen)) return;
        CHECK_EQ_I64(t_cl_where(&c, 0), 0);
        if (k != BLIS_SCORER_KV_UTILIZATION) CHECK_EQ_I64(t_cl_where(&c, 1), 1); /* instance 0 has one pending */
        CHECK(c.instances[0].request_count > 0 && c.instances[1].request_count > 0);
        t_cl_free(&c, &gen);
    }
    cc.snapshot_refresh_us = (int64_t)1e12;
    if (!t_cl_run(t_, &cc, &w, &c, &gen)) return;
    CHECK_EQ_I64(c.snap[0].refreshed_us, 0);
    CHECK(c.snap[0].kv_utilization == 0);
    t_cl_free(&c, &gen);
    cc.snapshot_refresh_us = 0;
    if (!t_cl_run(t_, &cc, &w, &c, &gen)) return;
    CHECK(c.snap[0].refreshed_us > 0);
    t_cl_free(&c, &gen);
}

/* Priority inversions (O(n log n) in blis) against the definition counted
 * pair by pair; fitness components against the metrics. */
TEST(cluster_reports) {
    blis_cluster_config cc;
    blis_legacy_workload w;
    blis_cluster c;
    blis_legacy_gen gen;
    blis_anomalies an;
    blis_metrics m;
    blis_err err;
    blis_fitness_weights fw;
    blis_buf out;
    int64_t brute = 0;
    int k;
    size_t i, j;
    blis_cluster_config_defaults(&cc);
    t_cl_instance(&cc.instance);
    cc.instance.priority = BLIS_PRIO_SLO_BASED;
    cc.instance.max_running = 4;
    cc.num_instances = 2;
    t_cl_workload(&w, 60, 300, 300);
    w.prompt_std = 150;
    w.prompt_min = 10;
    w.prompt_max = 600;
    w.output_mean = 100;
    w.output_std = 90;
    w.output_min = 1;
    w.output_max = 400;
    if (!t_cl_run(t_, &cc, &w, &c, &gen)) return;
    for (k = 0; k < 2; k++) {
        const blis_sim *s = &c.instances[k];
        for (i = 0; i < s->request_count; i++)
            for (j = 0; j < s->request_count; j++) {
                const blis_request *a = s->requests[i], *b = s->requests[j];
                if (a->state != BLIS_REQ_COMPLETED || b->state != BLIS_REQ_COMPLETED) continue;
                if ((a->arrival_us < b->arrival_us || (a->arrival_us == b->arrival_us && a->index < b->index)) &&
                    a->e2e_us > 2 * b->e2e_us)
                    brute++;
            }
    }
    CHECK_EQ_I64(blis_cluster_anomalies(&c, &an, &err), BLIS_OK);
    CHECK_EQ_I64(an.priority_inversions, brute);
    CHECK(brute > 0);
    CHECK_EQ_I64(blis_cluster_metrics(&c, -1, &m, &err), BLIS_OK);
    CHECK_EQ_I64(blis_fitness_parse("throughput:2,tokens_per_sec:1", &fw, &err), BLIS_OK);
    memset(&out, 0, sizeof out);
    CHECK_EQ_I64(blis_cluster_fitness_write(&c, &m, &fw, blis_buf_write, &out, &err), BLIS_OK);
    {
        double rps = m.responses_per_s, tps = m.tokens_per_s;
        char want[200];
        snprintf(want, sizeof want, "Score: %.6f\n  throughput: %.6f\n  tokens_per_sec: %.6f\n",
                 2 * (rps / (rps + 100)) + tps / (tps + 10000), rps / (rps + 100), tps / (tps + 10000));
        CHECK(blis_buf_write(&out, "", 1) == 0);
        CHECK_CONTAINS(out.data, want);
    }
    blis_buf_free(&out);
    CHECK_EQ_I64(blis_fitness_parse("p99_ttft:-1", &fw, &err), BLIS_E_INVALID);
    t_cl_free(&c, &gen);
}

/* The policy bundle: strict keys, names and scorers checked, with lines. */
TEST(cluster_policy_bundle) {
    static const char good[] = "admission: {policy: token-bucket, token_bucket_capacity: 500, "
                               "token_bucket_refill_rate: 50}\n"
                               "routing:\n  policy: weighted\n  scorers:\n    - {name: queue-depth, weight: 2}\n"
                               "    - {name: load-balance, weight: 1}\n"
                               "priority: {policy: slo-based}\nscheduler: priority-fcfs\n";
    static const struct {
        const char *yaml, *want;
        uint32_t line;
    } bad[] = {
        {"routing: {policy: fastest}\n", "unknown routing policy \"fastest\"; valid options:", 1},
        {"admission: {policy: always-admit, burst: 3}\n", "unknown field burst in admission", 1},
        {"scheduler: lifo\n", "unknown scheduler \"lifo\"; valid options:", 1},
        {"routing:\n  scorers:\n    - {name: queue-depth, weight: 0}\n",
         "routing scorer[0] \"queue-depth\": weight must be a finite positive number", 3},
        {"routing:\n  scorers:\n    - {name: a, weight: 1}\n", "routing scorer[0]: unknown scorer \"a\"", 3},
        {"autoscaler: {}\n", "unknown field autoscaler", 1},
        {"admission: {token_bucket_capacity: -1}\n", "token_bucket_capacity must be a finite number >= 0", 1},
    };
    blis_doc d;
    blis_policy_bundle b;
    blis_parse_opts o;
    blis_err err;
    size_t i;
    memset(&o, 0, sizeof o);
    o.source = "policy.yaml";
    CHECK_EQ_I64(blis_yaml_parse(good, strlen(good), &o, &d, &err), BLIS_OK);
    CHECK_EQ_I64(blis_policy_bundle_from_doc(&d, &b, &err), BLIS_OK);
    CHECK(b.has_admission && b.admission == BLIS_ADMIT_TOKEN_BUCKET && b.capacity == 500 && b.refill == 50);
    CHECK(b.has_routing && b.routing == BLIS_ROUTE_WEIGHTED && b.scorer_count == 2);
    CHECK(b.scorers[1].kind == BLIS_SCORER_LOAD_BALANCE && b.scorers[1].weight == 1);
    CHECK(b.has_priority && b.priority == BLIS_PRIO_SLO_BASED && b.has_scheduler);
    blis_doc_free(&d);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (blis_yaml_parse(bad[i].yaml, strlen(bad[i].yaml), &o, &d, &err) != BLIS_OK) {
            CHECK_MSG(0, "case %lu does not parse", (unsigned long)i);
            continue;
        }
        CHECK_MSG(blis_policy_bundle_from_doc(&d, &b, &err) != BLIS_OK, "case %lu accepted", (unsigned long)i);
        CHECK_MSG(strstr(err.msg, bad[i].want) != NULL, "case %lu: %s", (unsigned long)i, err.msg);
        CHECK_MSG(err.line == bad[i].line, "case %lu: line %u", (unsigned long)i, (unsigned)err.line);
        blis_doc_free(&d);
    }
}

/* The command line: instance blocks before the cluster's, the reports in
 * the reference's order, the policy bundle under explicit flags, the
 * results file's handled_by. */
TEST(cluster_cli) {
    static char out[65536];
    const char *a, *b, *c;
    FILE *f;
    CHECK_EQ_I64(t_run("./simulation_worker run " T_GOLDEN0_ARGS " --num-instances 2 --routing-policy least-loaded "
                       "--trace-level decisions --summarize-trace --counterfactual-k 2 --fitness-weights "
                       "p99_ttft:1,throughput:1 --results-path build/cluster_results.json",
                       out, sizeof out),
                 0);
    a = strstr(out, "\"instance_id\": \"instance_0\"");
    b = strstr(out, "\"instance_id\": \"instance_1\"");
    c = strstr(out, "\"instance_id\": \"cluster\"");
    CHECK(a && b && c && a < b && b < c);
    CHECK_CONTAINS(out, "\"completed_requests\": 300");
    a = strstr(out, "=== Fitness Evaluation ===");
    b = strstr(out, "=== Trace Summary ===");
    CHECK(a && b && c < a && a < b);
    CHECK_CONTAINS(out, "  p99_ttft: ");
    CHECK_CONTAINS(out, "Total Decisions: 300\n  Admitted: 300\n  Rejected: 0\nUnique Targets: 2\n");
    CHECK_CONTAINS(out, "Mean Regret: 0.000000"); /* least-loaded picks the best candidate by construction */
    {
        char *text = NULL;
        size_t len = 0;
        blis_err err;
        if (blis_file_read("build/cluster_results.json", 0, NULL, &text, &len, &err) == BLIS_OK) {
            CHECK_CONTAINS(text, "\"instance_id\": \"cluster\"");
            CHECK_CONTAINS(text, "\"handled_by\": \"instance_0\"");
            CHECK_CONTAINS(text, "\"handled_by\": \"instance_1\"");
            blis_file_free(NULL, text);
        } else {
            CHECK_MSG(0, "no results file: %s", err.msg);
        }
        remove("build/cluster_results.json");
    }
    /* reject-all: no metrics block, the anomaly counters say why */
    CHECK_EQ_I64(t_run("./simulation_worker run " T_GOLDEN0_ARGS " --admission-policy reject-all", out, sizeof out), 0);
    CHECK(strstr(out, "=== Simulation Metrics ===") == NULL);
    CHECK_CONTAINS(out, "[cluster] all 300 requests rejected by admission policy \"reject-all\"");
    CHECK_CONTAINS(out, "=== Anomaly Counters ===\nPriority Inversions: 0\nHOL Blocking Events: 0\nRejected "
                        "Requests: 300\nDropped Unservable: 0\n");
    /* the bundle's routing yields to --routing-policy; its admission applies */
    if ((f = fopen("build/policy.yaml", "w")) != NULL) {
        fputs("admission: {policy: reject-all}\nrouting: {policy: always-busiest}\n", f);
        fclose(f);
    }
    CHECK_EQ_I64(t_run("./simulation_worker run " T_GOLDEN0_ARGS " --policy-config build/policy.yaml "
                       "--admission-policy always-admit --num-instances 2 --trace-level decisions "
                       "--summarize-trace",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "Unique Targets: 1\nTarget Distribution:\n  instance_0: 300\n");
    if ((f = fopen("build/policy.yaml", "w")) != NULL) {
        fputs("routing: {policy: weighted, scorers: [{name: queue-depth, weight: 0}]}\n", f);
        fclose(f);
    }
    CHECK_EQ_I64(t_run("./simulation_worker run " T_GOLDEN0_ARGS " --policy-config build/policy.yaml", out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "Invalid policy config: build/policy.yaml:1:");
    CHECK_CONTAINS(out, "weight must be a finite positive number");
    remove("build/policy.yaml");
}

/* Per-SLO metrics appear when a spec has two SLO classes; each class's
 * counts add up to the requests completed. */
TEST(cluster_cli_per_slo) {
    static char out[65536];
    FILE *f = fopen("build/slo_spec.yaml", "w");
    const char *p;
    long n_total = 0;
    if (!f) {
        CHECK_MSG(0, "cannot write build/slo_spec.yaml");
        return;
    }
    fputs("seed: 3\naggregate_rate: 20\nnum_requests: 80\nclients:\n"
          "  - {id: a, slo_class: critical, rate_fraction: 1, arrival: {process: poisson},\n"
          "     input_distribution: {type: constant, params: {value: 100}},\n"
          "     output_distribution: {type: constant, params: {value: 20}}}\n"
          "  - {id: b, slo_class: batch, tenant_id: t2, rate_fraction: 1, arrival: {process: poisson},\n"
          "     input_distribution: {type: constant, params: {value: 400}},\n"
          "     output_distribution: {type: constant, params: {value: 50}}}\n",
          f);
    fclose(f);
    CHECK_EQ_I64(t_run("./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --workload-spec "
                       "build/slo_spec.yaml --num-instances 2 --alpha-coeffs 100,1,1 --beta-coeffs 5000,1,10 "
                       "--results-path build/slo_results.json",
                       out, sizeof out),
                 0);
    p = strstr(out, "=== Per-SLO Metrics ===\n  batch:\n    TTFT: mean=");
    CHECK(p != NULL);
    CHECK_CONTAINS(out, "\n  critical:\n    TTFT: mean=");
    for (p = out; (p = strstr(p, "    E2E:  mean=")) != NULL; p++) {
        const char *nn = strstr(p, "(n=");
        if (nn) n_total += strtol(nn + 3, NULL, 10);
    }
    CHECK_EQ_I64(n_total, 80);
    {
        char *text = NULL;
        size_t len = 0;
        blis_err err;
        if (blis_file_read("build/slo_results.json", 0, NULL, &text, &len, &err) == BLIS_OK) {
            CHECK_CONTAINS(text, "\"slo_class\": \"batch\",\n      \"tenant_id\": \"t2\",\n      \"handled_by\"");
            blis_file_free(NULL, text);
        }
    }
    remove("build/slo_spec.yaml");
    remove("build/slo_results.json");
}

/* Every run flag: a valid value runs (exit 0), an invalid one is refused
 * with exit 2 and a message naming it. */
TEST(cli_every_run_flag) {
    static const struct {
        const char *valid, *invalid, *want;
    } flags[] = {
        {"--log info", "--log loud", "--log"},
        {"--seed 7", "--seed x7", "--seed"},
        {"--horizon 5000000", "--horizon -1", "--horizon"},
        {"--num-requests 5", "--num-requests -3", "--num-requests"},
        {"--rate 3.5", "--rate 0", "--rate"},
        {"--prefix-tokens 16", "--prefix-tokens -1", "prefix"},
        {"--prompt-tokens 80", "--prompt-tokens 900", "prompt-tokens"},
        {"--prompt-tokens-stdev 30", "--prompt-tokens-stdev 1000", "prompt-tokens"},
        {"--prompt-tokens-min 5", "--prompt-tokens-min 100", "prompt-tokens"},
        {"--prompt-tokens-max 300", "--prompt-tokens-max 10", "prompt-tokens"},
        {"--output-tokens 100", "--output-tokens 900", "output-tokens"},
        {"--output-tokens-stdev 50", "--output-tokens-stdev 900", "output-tokens"},
        {"--output-tokens-min 2", "--output-tokens-min 300", "output-tokens"},
        {"--output-tokens-max 400", "--output-tokens-max 5", "output-tokens"},
        {"--total-kv-blocks 9000", "--total-kv-blocks 0", "--total-kv-blocks"},
        {"--block-size-in-tokens 32", "--block-size-in-tokens 0", "--block-size-in-tokens"},
        {"--max-num-running-reqs 64", "--max-num-running-reqs 0", "--max-num-running-reqs"},
        {"--max-num-scheduled-tokens 4096", "--max-num-scheduled-tokens -1", "--max-num-scheduled-tokens"},
        {"--long-prefill-token-threshold 256", "--long-prefill-token-threshold -1", "--long-prefill-token-threshold"},
        {"--max-model-len 8192", "--max-model-len big", "--max-model-len"},
        {"--scheduler sjf", "--scheduler lifo", "scheduler"},
        {"--priority-policy inverted-slo", "--priority-policy urgent", "priority policy"},
        {"--kv-cpu-blocks 500", "--kv-cpu-blocks -1", "--kv-cpu-blocks"},
        {"--kv-offload-threshold 0.5", "--kv-offload-threshold 2", "--kv-offload-threshold"},
        {"--kv-cpu-blocks 500 --kv-transfer-bandwidth 10", "--kv-cpu-blocks 500 --kv-transfer-bandwidth 0",
         "--kv-transfer-bandwidth"},
        {"--kv-transfer-base-latency 5", "--kv-transfer-base-latency -5", "--kv-transfer-base-latency"},
        {"--alpha-coeffs 100,1,1", "--alpha-coeffs 1,2", "--alpha-coeffs"},
        {"--beta-coeffs 5000,2,3", "--beta-coeffs 1,NaN,3", "--beta-coeffs"},
        {"--workload chatbot --defaults-filepath data/defaults.yaml", "--workload poetry", "workload"},
        {"--workload traces --workload-traces-filepath build/flag_trace.csv", "--workload traces",
         "--workload-traces-filepath"},
        {"--workload-spec data/examples/workload_spec.yaml", "--workload-spec build/none.yaml", "build/none.yaml"},
        {"--results-path build/flag_results.json", "--results-path build/no/dir/r.json", "results file"},
        {"--defaults-filepath data/defaults.yaml",
         "--defaults-filepath build/none.yaml --alpha-coeffs 0,0,0 "
         "--beta-coeffs 0,0,0",
         "build/none.yaml"},
        {"--hardware A100-80", "--hardware TPU --alpha-coeffs 0,0,0 --beta-coeffs 0,0,0", "TPU"},
        {"--tp 2", "--tp x", "--tp"},
        {"--vllm-version v9", "--vllm-version", "--vllm-version"},
        {"--model-config-folder data/model_configs/qwen3-14b --hardware-config data/hardware_config.json "
         "--alpha-coeffs 0,0,0 --beta-coeffs 0,0,0",
         "--model-config-folder build/nowhere --alpha-coeffs 0,0,0 --beta-coeffs 0,0,0", "build/nowhere"},
        {"--hardware-config data/hardware_config.json",
         "--hardware-config build/none.json --alpha-coeffs 0,0,0 "
         "--beta-coeffs 0,0,0",
         "build/none.json"},
        {"--bench-data-path build",
         "--bench-data-path build/nowhere --alpha-coeffs 0,0,0 --beta-coeffs 0,0,0 "
         "--model-config-folder data/model_configs/qwen3-14b",
         "build/nowhere"},
        {"--roofline=false", "--roofline=maybe", "--roofline"},
        {"--num-instances 3", "--num-instances 0", "num-instances"},
        {"--admission-policy token-bucket", "--admission-policy maybe", "admission policy"},
        {"--admission-latency 100", "--admission-latency -1", "--admission-latency"},
        {"--routing-latency 100", "--routing-latency -1", "--routing-latency"},
        {"--admission-policy token-bucket --token-bucket-capacity 5000",
         "--admission-policy token-bucket --token-bucket-capacity -1", "--token-bucket-capacity"},
        {"--admission-policy token-bucket --token-bucket-refill-rate 50",
         "--admission-policy token-bucket --token-bucket-refill-rate 0", "--token-bucket-refill-rate"},
        {"--routing-policy least-loaded", "--routing-policy fastest", "routing policy"},
        {"--routing-policy weighted --routing-scorers load-balance:1", "--routing-scorers load-balance",
         "--routing-scorers"},
        {"--policy-config build/flag_policy.yaml", "--policy-config build/none.yaml", "policy config"},
        {"--fitness-weights mean_e2e:1", "--fitness-weights mean_e2e:x", "mean_e2e"},
        {"--trace-level decisions", "--trace-level all", "trace level"},
        {"--trace-level decisions --counterfactual-k 3", "--counterfactual-k -1", "--counterfactual-k"},
        {"--trace-level decisions --summarize-trace", "--summarize-trace=2", "--summarize-trace"},
        {"--snapshot-refresh-interval 1000", "--snapshot-refresh-interval -1", "--snapshot-refresh-interval"},
        {"--quiet", "--quiet=loud", "--quiet"},
    };
    static char out[65536];
    char cmd[2048];
    size_t i;
    FILE *f;
    if ((f = fopen("build/flag_trace.csv", "w")) != NULL) {
        fputs("arrival,a,b,input,output\n0.0,x,y,\"[1,2,3]\",\"[4,5]\"\n0.5,x,y,\"[6,7]\",\"[8]\"\n", f);
        fclose(f);
    }
    if ((f = fopen("build/flag_policy.yaml", "w")) != NULL) {
        fputs("routing: {policy: least-loaded}\n", f);
        fclose(f);
    }
    for (i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        snprintf(cmd, sizeof cmd,
                 "./simulation_worker run " T_GOLDEN0_ARGS " --num-requests 20 --prompt-tokens-max 200 %s",
                 flags[i].valid);
        CHECK_MSG(t_run(cmd, out, sizeof out) == 0, "valid %s: %s", flags[i].valid, out);
        snprintf(cmd, sizeof cmd, "./simulation_worker run " T_GOLDEN0_ARGS " --num-requests 20 %s", flags[i].invalid);
        CHECK_MSG(t_run(cmd, out, sizeof out) == 2, "invalid %s: exit not 2: %s", flags[i].invalid, out);
        CHECK_MSG(strstr(out, flags[i].want) != NULL, "invalid %s: %s", flags[i].invalid, out);
    }
    remove("build/flag_trace.csv");
    remove("build/flag_policy.yaml");
    remove("build/flag_results.json");
}

/* The prefix-affinity scorer's LRU (white box): 10,000 hashes per
 * instance; a touch makes a hash the newest; a new hash at capacity evicts
 * the oldest; the index survives its backward-shift deletions. */
TEST(cluster_prefix_lru) {
    blis__lru l;
    blis_alloc a;
    uint64_t k;
    int64_t missing = 0, present = 0;
    memset(&a, 0, sizeof a);
    if (blis__lru_init(&a, &l)) {
        CHECK_MSG(0, "out of memory");
        return;
    }
    for (k = 1; k <= BLIS_PREFIX_LRU_CAPACITY; k++) CHECK_EQ_I64(blis__lru_touch(&a, &l, k * 0x9E37u), 0);
    CHECK_EQ_I64(l.len, BLIS_PREFIX_LRU_CAPACITY);
    CHECK_EQ_I64(blis__lru_touch(&a, &l, 1 * 0x9E37u), 0); /* hash 1 becomes the newest */
    CHECK_EQ_I64(blis__lru_touch(&a, &l, 777777777u), 0);  /* evicts hash 2, the oldest now */
    CHECK(blis__map_get(&l.index, 1 * 0x9E37u) != NULL);
    CHECK(blis__map_get(&l.index, 2 * 0x9E37u) == NULL);
    CHECK(blis__map_get(&l.index, 777777777u) != NULL);
    for (k = 0; k < 5000; k++) CHECK_EQ_I64(blis__lru_touch(&a, &l, 1000000007u + k), 0); /* evicts 3..5002 */
    for (k = 3; k <= BLIS_PREFIX_LRU_CAPACITY; k++) {
        int in = blis__map_get(&l.index, k * 0x9E37u) != NULL;
        if (k <= 5002)
            missing += !in;
        else
            present += in;
    }
    CHECK_EQ_I64(missing, 5000);
    CHECK_EQ_I64(present, BLIS_PREFIX_LRU_CAPACITY - 5002);
    CHECK_EQ_I64((int64_t)l.index.len, BLIS_PREFIX_LRU_CAPACITY);
    blis__lru_free(&a, &l);
}

/* The E2E (ms) of one 64-token request alone on an instance of cfg; -1 on
 * failure (reported). */
static double t_cl_lone_e2e(t_ctx *t_, const blis_cluster_config *cfg) {
    blis_legacy_workload w;
    blis_cluster c;
    blis_legacy_gen gen;
    blis_metrics m;
    blis_err err;
    double e2e = -1;
    t_cl_workload(&w, 1, 64, 1000);
    if (!t_cl_run(t_, cfg, &w, &c, &gen)) return -1;
    if (blis_cluster_metrics(&c, -1, &m, &err) == BLIS_OK && m.completed == 1) e2e = m.e2e_mean_ms;
    CHECK(e2e > 0);
    t_cl_free(&c, &gen);
    return e2e;
}

/* The closed-loop client (client_max_inflight): with one request out at a
 * time, no request waits for another, so every E2E equals a lone request's
 * E2E, and each request is sent when the one before it finishes. Open
 * loop, the same burst queues. */
TEST(cluster_client_inflight_cap) {
    blis_cluster_config cc;
    blis_legacy_workload w;
    blis_cluster c;
    blis_legacy_gen gen;
    blis_metrics m;
    blis_err err;
    double lone;
    size_t k;
    blis_cluster_config_defaults(&cc);
    t_cl_instance(&cc.instance);
    if ((lone = t_cl_lone_e2e(t_, &cc)) < 0) return;
    cc.client_max_inflight = 1;
    t_cl_workload(&w, 5, 64, 1000); /* a burst: 5 requests within a few ms */
    if (!t_cl_run(t_, &cc, &w, &c, &gen)) return;
    CHECK_EQ_I64(blis_cluster_metrics(&c, -1, &m, &err), BLIS_OK);
    CHECK_EQ_I64(m.completed, 5);
    CHECK_EQ_F64(m.e2e_mean_ms, lone);
    CHECK_EQ_F64(m.e2e_p99_ms, lone);
    CHECK_EQ_I64(c.client_delayed, 4);
    CHECK_EQ_I64(c.client_inflight, 0);
    for (k = 2; k < c.instances[0].request_count; k++) { /* sent when the previous one left: equal gaps */
        blis_request *const *q = c.instances[0].requests;
        CHECK_EQ_I64(q[k]->arrival_us - q[k - 1]->arrival_us, q[1]->arrival_us - q[0]->arrival_us);
        CHECK(q[k]->arrival_us - q[k - 1]->arrival_us <= (int64_t)(lone * 1000));
        CHECK(q[k]->arrival_us - q[k - 1]->arrival_us >= (int64_t)(lone * 1000) - 10020); /* last step */
    }
    CHECK_EQ_I64(blis_sim_check(&c.instances[0]), 0);
    t_cl_free(&c, &gen);
    cc.client_max_inflight = 0; /* open loop: the burst queues */
    if (!t_cl_run(t_, &cc, &w, &c, &gen)) return;
    CHECK_EQ_I64(blis_cluster_metrics(&c, -1, &m, &err), BLIS_OK);
    CHECK(m.e2e_mean_ms > lone);
    CHECK_EQ_I64(c.client_delayed, 0);
    t_cl_free(&c, &gen);
    cc.client_max_inflight = -1;
    CHECK_EQ_I64(blis_cluster_config_validate(&cc, &err), BLIS_E_INVALID);
    CHECK_CONTAINS(err.msg, "client in-flight limit must be >= 0, got -1");
}

/* ITL metrics count completed requests only (spec §3.4: AllITLs is
 * appended at completion), though blis adds ITLs a step at a time: a run
 * cut by the horizon while requests decode reports the completed
 * requests' ITL mean, sum(E2E - TTFT) / sum(len(ITL)). Runs the cluster
 * (kv_blocks 0: the default; outputs of mean and spread out_mean,
 * out_spread, at least 2), checks that, and counts the requests in flight
 * holding ITLs and those holding them in more than one run of steps. */
typedef struct t_itl_case {
    int64_t kv_blocks, horizon_us, n, prompt, out_mean, out_spread;
    double rate;
    int64_t live, split; /* out */
    blis_metrics m;      /* out */
} t_itl_case;

static int t_itl_run(t_ctx *t_, t_itl_case *tc) {
    blis_cluster_config cc;
    blis_legacy_workload w;
    blis_cluster c;
    blis_legacy_gen gen;
    blis_err err;
    size_t k;
    int64_t sum_us = 0, entries = 0;
    blis_cluster_config_defaults(&cc);
    t_cl_instance(&cc.instance);
    if (tc->kv_blocks) cc.instance.total_kv_blocks = tc->kv_blocks;
    cc.instance.horizon_us = tc->horizon_us;
    t_cl_workload(&w, tc->n, tc->prompt, tc->rate);
    w.output_min = 2;
    w.output_max = tc->out_mean + 2 * tc->out_spread;
    w.output_mean = tc->out_mean;
    w.output_std = tc->out_spread;
    tc->live = tc->split = 0;
    if (!t_cl_run(t_, &cc, &w, &c, &gen)) return 0;
    CHECK_EQ_I64(blis_cluster_metrics(&c, -1, &tc->m, &err), BLIS_OK);
    for (k = 0; k < c.instances[0].request_count; k++) {
        const blis_request *r = c.instances[0].requests[k];
        if (r->state == BLIS_REQ_COMPLETED) { /* L ITLs, more when tokens were redone after a preemption */
            sum_us += r->e2e_us - r->first_token_us;
            entries += r->itl_count;
        } else if (r->itl_count > 0) {
            tc->live++;
            tc->split += r->itl_run_count > 0;
        }
    }
    CHECK(tc->m.completed > 0 && entries > 0);
    CHECK_EQ_F64(tc->m.itl_mean_ms, (double)sum_us / (double)entries / 1000);
    CHECK_EQ_I64(blis_sim_check(&c.instances[0]), 0);
    t_cl_free(&c, &gen);
    return 1;
}

TEST(cluster_itl_metrics_completed_only) {
    t_itl_case tc = {0, 60000, 12, 64, 20, 20, 2000, 0, 0, {0}};
    if (!t_itl_run(t_, &tc)) return;
    CHECK(tc.m.still_running > 0);
    CHECK(tc.live > 0); /* running requests hold ITLs the metrics must leave out */
}

/* The same with preemptions (a small KV cache; longer outputs): preempted
 * requests keep their ITLs (spec §3.6: no reset) in several runs of steps,
 * and those still in flight at the horizon are left out of the metrics. */
TEST(cluster_itl_metrics_preempted) {
    t_itl_case tc = {60, 10000000, 40, 100, 150, 80, 400, 0, 0, {0}};
    if (!t_itl_run(t_, &tc)) return;
    CHECK(tc.m.preemptions > 0);
    CHECK(tc.split > 0); /* in flight, its ITLs from before and after a preemption */
}

/* Client timeouts (request_timeout_us): one request runs at a time; the
 * timeout lets the first finish, the second times out while running (it
 * started after one lone E2E and needs another) and the third while
 * waiting. Their KV blocks come back; only the first is in the metrics. */
TEST(cluster_client_timeout) {
    blis_cluster_config cc;
    blis_legacy_workload w;
    blis_cluster c;
    blis_legacy_gen gen;
    blis_metrics m;
    blis_err err;
    double lone;
    blis_cluster_config_defaults(&cc);
    t_cl_instance(&cc.instance);
    cc.instance.max_running = 1;
    if ((lone = t_cl_lone_e2e(t_, &cc)) < 0) return;
    cc.instance.request_timeout_us = (int64_t)(lone * 1000 * 1.5);
    cc.client_max_inflight = 3; /* the timeouts free the client's slots */
    t_cl_workload(&w, 3, 64, 100000);
    if (!t_cl_run(t_, &cc, &w, &c, &gen)) return;
    CHECK_EQ_I64(blis_cluster_metrics(&c, -1, &m, &err), BLIS_OK);
    CHECK_EQ_I64(m.completed, 1);
    CHECK_EQ_I64(m.timed_out, 2);
    CHECK_EQ_I64(m.injected, 3);
    CHECK_EQ_F64(m.e2e_mean_ms, lone);
    CHECK_EQ_I64(c.instances[0].itl.total, 8); /* the completed request's L ITLs; the aborted one's taken out */
    CHECK_EQ_I64(c.instances[0].running_len + c.instances[0].waitq.len, 0);
    CHECK_EQ_I64(c.instances[0].kv.used_blocks, 0);
    CHECK_EQ_I64(c.client_inflight, 0);
    CHECK(c.instances[0].requests[1]->progress_tokens > 64); /* it was decoding */
    CHECK(c.instances[0].requests[2]->progress_tokens == 0); /* it never ran */
    CHECK_EQ_I64(blis_sim_check(&c.instances[0]), 0);
    t_cl_free(&c, &gen);
    /* spaced arrivals, each timing out alone: the queue empties between them */
    cc.instance.request_timeout_us = (int64_t)(lone * 1000 / 2);
    t_cl_workload(&w, 3, 64, 1);
    if (!t_cl_run(t_, &cc, &w, &c, &gen)) return;
    CHECK_EQ_I64(blis_cluster_metrics(&c, -1, &m, &err), BLIS_OK);
    CHECK_EQ_I64(m.completed, 0);
    CHECK_EQ_I64(m.timed_out, 3);
    CHECK_EQ_I64(blis_sim_check(&c.instances[0]), 0);
    t_cl_free(&c, &gen);
    cc.instance.request_timeout_us = -5;
    {
        blis_request_source none = {NULL, NULL};
        CHECK_EQ_I64(blis_cluster_init(&c, &cc, none, NULL, &err), BLIS_E_INVALID);
        CHECK_CONTAINS(err.msg, "request timeout must be >= 0 us, got -5");
    }
}

/* A run that keeps every request stops, with BLIS_E_LIMIT, at the request
 * past max_kept_requests (memory bounded whatever the source gives); one
 * that frees them, or has no limit, runs on. */
TEST(cluster_max_kept_requests) {
    blis_cluster_config cfg;
    blis_legacy_workload w;
    blis_legacy_gen gen;
    blis_request_source src;
    blis_cluster c;
    blis_err err;
    int keep;
    t_cl_workload(&w, 12, 64, 10);
    for (keep = 0; keep < 2; keep++) {
        blis_cluster_config_defaults(&cfg);
        t_cl_instance(&cfg.instance);
        cfg.instance.keep_requests = keep;
        cfg.max_kept_requests = 5;
        CHECK_EQ_I64(blis_legacy_gen_init(&gen, &w, 7, INT64_MAX, 16, NULL, NULL, NULL, &err), BLIS_OK);
        src.next = t_gen_next;
        src.user = &gen;
        CHECK_EQ_I64(blis_cluster_init(&c, &cfg, src, NULL, &err), BLIS_OK);
        CHECK_EQ_I64(blis_cluster_run(&c, &err), keep ? BLIS_E_LIMIT : BLIS_OK);
        if (keep) CHECK_CONTAINS(err.msg, "the workload gives more than 5 requests");
        CHECK_EQ_I64(c.generated, keep ? 5 : 12);
        t_cl_free(&c, &gen);
    }
}
