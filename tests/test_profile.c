/* tests/test_profile.c - records simulated from their description
 * (blis_gt_profile, blis_eval_trace_from_profile, evaluate --ignore-traces):
 * inference-perf stages and prompt sets, Poisson tenants, guidellm
 * strategies, and the reasons a description cannot be simulated. Every
 * record here is written by the test from the ground-truth schema. */

#define T_PROF_RECORD(id, workload, summary)                                                                      \
    "{\"id\": \"" id "\", \"model\": \"Qwen/Qwen3-14B\", \"hardware\": {\"gpu\": \"NVIDIA H100 80GB HBM3\"},"     \
    " \"tp\": 1, \"vllm_config\": {\"max_num_seqs\": 64, \"max_num_batched_tokens\": 2048, \"block_size\": 16,"   \
    " \"gpu_kv_blocks\": 4000}, \"workload\": " workload ", \"metrics\": {\"summary\": {\"ttft_ms\": {\"mean\": " \
    "50, \"p90\": 60, \"p99\": 70}, \"e2e_ms\": {\"mean\": 900, \"p90\": 1000, \"p99\": 1200}" summary "}}}"

#define T_PROF_IP                                                                                             \
    "{\"stages\": [{\"rate\": 2, \"duration_s\": 10}, {\"rate\": 4, \"duration_s\": 5}], \"shared_prefix\": " \
    "{\"num_unique_system_prompts\": 3, \"num_users_per_system_prompt\": 2, \"system_prompt_len\": 100, "     \
    "\"question_len\": 200, \"output_len\": 50, \"enable_multi_turn_chat\": true}}"

#define T_PROF_GUIDELLM(strategy, extra)                                                                      \
    "{\"generator\": \"guidellm\", \"strategy\": " strategy ", \"synthetic_data\": {\"prefix_tokens\": 32, "  \
    "\"prompt_tokens\": 100, \"prompt_tokens_stdev\": 10, \"prompt_tokens_min\": 90, \"prompt_tokens_max\": " \
    "110, \"output_tokens\": 20}" extra "}"

static int t_prof_load(t_ctx *t_, const char *json, blis_doc *d, blis_gt_experiment *e) {
    blis_err err;
    blis_parse_opts o;
    blis_status st;
    memset(&o, 0, sizeof o);
    o.source = "gt.json";
    st = blis_json_parse(json, strlen(json), &o, d, &err);
    CHECK_EQ_I64(st, BLIS_OK);
    if (st) return 0;
    st = blis_gt_experiment_from_doc(d, blis_doc_root(d), e, &err);
    CHECK_EQ_I64(st, BLIS_OK);
    if (st) blis_doc_free(d);
    return st == BLIS_OK;
}

/* inference-perf: the stages' request counts and spans, the prompt set
 * (system prompts x users, lengths within the spread of the tokenized
 * length, one length per prompt), the system prompts' shared blocks. */
TEST(profile_inference_perf) {
    blis_doc d;
    blis_gt_experiment e;
    blis_eval_trace t, t2, t3;
    blis_err err;
    size_t i, j, in_first = 0;
    double base = 300 * BLIS_GT_PROMPT_TOKEN_FACTOR;
    if (!t_prof_load(t_, T_PROF_RECORD("ip", T_PROF_IP, ""), &d, &e)) return;
    CHECK_EQ_I64(e.profile.kind, BLIS_GT_PROFILE_SHARED_PREFIX);
    CHECK_EQ_I64(e.profile.stage_count, 2);
    CHECK_EQ_I64(blis_gt_profile_inflight(&e.profile), 0);
    CHECK_EQ_I64(blis_eval_trace_from_profile(&e, 7, 16, 0, NULL, &t, &err), BLIS_OK);
    CHECK_EQ_I64(t.n, 40); /* 2/s x 10 s + 4/s x 5 s */
    CHECK_EQ_I64(t.arrival_us[0], 0);
    CHECK_EQ_I64(t.group_blocks, (int64_t)(100 * BLIS_GT_PROMPT_TOKEN_FACTOR) / 16);
    for (i = 0; i < t.n; i++) {
        CHECK(i == 0 || t.arrival_us[i] >= t.arrival_us[i - 1]);
        CHECK(t.arrival_us[i] < 15000000);
        CHECK(t.prompt_id[i] >= 0 && t.prompt_id[i] < 6);
        CHECK_EQ_I64(t.group_id[i], t.prompt_id[i] / 2);
        CHECK_EQ_I64(t.output_tokens[i], 50);
        CHECK((double)t.input_tokens[i] >= floor(base * (1 - BLIS_GT_PROMPT_SPREAD)) &&
              (double)t.input_tokens[i] <= ceil(base * (1 + BLIS_GT_PROMPT_SPREAD)));
        for (j = 0; j < i; j++) /* a prompt has one length */
            if (t.prompt_id[j] == t.prompt_id[i]) CHECK_EQ_I64(t.input_tokens[j], t.input_tokens[i]);
        in_first += t.arrival_us[i] < 10000000 - t.arrival_us[1] ? 1u : 0u;
    }
    CHECK(in_first >= 18 && in_first <= 22); /* the first stage's 20, give or take the shift to 0 */
    /* the same seed, the same requests; another seed, other ones; max_requests keeps the first */
    CHECK_EQ_I64(blis_eval_trace_from_profile(&e, 7, 16, 0, NULL, &t2, &err), BLIS_OK);
    CHECK(memcmp(t.arrival_us, t2.arrival_us, t.n * sizeof(int64_t)) == 0);
    CHECK(memcmp(t.prompt_id, t2.prompt_id, t.n * sizeof(int64_t)) == 0);
    blis_eval_trace_free(&t2);
    CHECK_EQ_I64(blis_eval_trace_from_profile(&e, 8, 16, 0, NULL, &t2, &err), BLIS_OK);
    CHECK(memcmp(t.arrival_us, t2.arrival_us, t.n * sizeof(int64_t)) != 0);
    blis_eval_trace_free(&t2);
    CHECK_EQ_I64(blis_eval_trace_from_profile(&e, 7, 16, 5, NULL, &t3, &err), BLIS_OK);
    CHECK_EQ_I64(t3.n, 5);
    CHECK_EQ_I64(t3.input_tokens[4], t.input_tokens[4]);
    blis_eval_trace_free(&t3);
    { /* the requests: the same prompt shares its full input blocks, the same system prompt its first ones */
        blis_eval_source s;
        blis_request r[40];
        int has = 1;
        size_t a = 0, b = 0, c = 0, k;
        blis_eval_source_init(&s, &t, &e, 16, NULL);
        for (k = 0; k < t.n && has; k++) CHECK_EQ_I64(blis_eval_source_next(&s, &r[k], &has, &err), BLIS_OK);
        CHECK_EQ_I64(k, 40);
        for (i = 1; i < t.n; i++)
            for (j = 0; j < i; j++) {
                int64_t full = t.input_tokens[i] / 16;
                if (t.prompt_id[i] == t.prompt_id[j] && !a) {
                    CHECK(memcmp(r[i].block_hashes, r[j].block_hashes, (size_t)full * sizeof(uint64_t)) == 0);
                    CHECK(r[i].block_hashes[full + 1] != r[j].block_hashes[full + 1]); /* outputs differ */
                    a = 1;
                } else if (t.group_id[i] == t.group_id[j] && t.prompt_id[i] != t.prompt_id[j] && !b) {
                    CHECK(memcmp(r[i].block_hashes, r[j].block_hashes, (size_t)t.group_blocks * sizeof(uint64_t)) == 0);
                    CHECK(r[i].block_hashes[t.group_blocks] != r[j].block_hashes[t.group_blocks]);
                    b = 1;
                } else if (t.group_id[i] != t.group_id[j] && !c) {
                    CHECK(r[i].block_hashes[0] != r[j].block_hashes[0]);
                    c = 1;
                }
            }
        CHECK(a && b && c);
        for (k = 0; k < t.n; k++) blis_request_free(NULL, &r[k]);
        blis_eval_source_free(&s);
    }
    blis_eval_trace_free(&t);
    blis_doc_free(&d);
}

/* --max-requests bounds what a description keeps (the earliest, the same
 * requests as the whole expansion's first ones, in memory for those
 * alone); more than 10^7 kept or 10^8 drawn is refused before allocating. */
TEST(profile_bounded_generation) {
    static const char *const wl[3] = {
        "{\"stages\": [{\"rate\": 20, \"duration_s\": 10}, {\"rate\": 40, \"duration_s\": 5}], \"shared_prefix\": "
        "{\"num_unique_system_prompts\": 3, \"num_users_per_system_prompt\": 2, \"system_prompt_len\": 100, "
        "\"question_len\": 200, \"output_len\": 50}}",
        "{\"duration_s\": 60, \"tenants\": {\"A\": {\"num_requests\": 300, \"input_tokens_target\": [1024]}, \"B\": "
        "{\"num_requests\": 100, \"input_tokens_target\": [256]}}, \"output_tokens\": 128}",
        T_PROF_GUIDELLM("{\"type_\": \"poisson\", \"rate\": 5}", ", \"max_requests\": 400")};
    int k;
    for (k = 0; k < 3; k++) {
        char json[2048];
        blis_doc d;
        blis_gt_experiment e;
        blis_eval_trace all, first;
        blis_err err;
        size_t i;
        snprintf(json, sizeof json, T_PROF_RECORD("b", "%s", ""), wl[k]);
        if (!t_prof_load(t_, json, &d, &e)) return;
        CHECK_EQ_I64(blis_eval_trace_from_profile(&e, 3, 16, 0, NULL, &all, &err), BLIS_OK);
        CHECK_EQ_I64(blis_eval_trace_from_profile(&e, 3, 16, 17, NULL, &first, &err), BLIS_OK);
        CHECK_EQ_I64(all.n, 400);
        CHECK_EQ_I64(first.n, 17);
        for (i = 0; i < first.n && i < all.n; i++) {
            CHECK_EQ_I64(first.arrival_us[i], all.arrival_us[i]);
            CHECK_EQ_I64(first.input_tokens[i], all.input_tokens[i]);
            CHECK_EQ_I64(first.output_tokens[i], all.output_tokens[i]);
            CHECK_EQ_I64(first.prompt_id[i], all.prompt_id[i]);
            CHECK_EQ_I64(first.group_id[i], all.group_id[i]);
        }
        CHECK_EQ_I64(first.origin_us, all.origin_us);
        blis_eval_trace_free(&all);
        blis_eval_trace_free(&first);
        blis_doc_free(&d);
    }
    { /* 1.1 x 10^7 requests: refused whole, 1,000 of them kept */
        blis_doc d;
        blis_gt_experiment e;
        blis_eval_trace t;
        blis_err err;
        size_t i;
        if (!t_prof_load(t_,
                         T_PROF_RECORD("big",
                                       "{\"stages\": [{\"rate\": 1000000, \"duration_s\": 11}], \"shared_prefix\": "
                                       "{\"num_unique_system_prompts\": 3, \"num_users_per_system_prompt\": 2, "
                                       "\"system_prompt_len\": 100, \"question_len\": 200, \"output_len\": 50}}",
                                       ""),
                         &d, &e))
            return;
        CHECK_EQ_I64(blis_eval_trace_from_profile(&e, 3, 16, 0, NULL, &t, &err), BLIS_E_RANGE);
        CHECK_CONTAINS(err.msg, "the description gives 11000000 requests, more than the 10^7");
        CHECK(t.arrival_us == NULL);
        CHECK_EQ_I64(blis_eval_trace_from_profile(&e, 3, 16, 1000, NULL, &t, &err), BLIS_OK);
        CHECK_EQ_I64(t.n, 1000);
        for (i = 1; i < t.n; i++) CHECK(t.arrival_us[i] >= t.arrival_us[i - 1]);
        CHECK(t.arrival_us[999] < 10000); /* 1,000 of 10^6 a second: about the first millisecond */
        blis_eval_trace_free(&t);
        e.profile.stage_rate_per_s[0] = 1e6, e.profile.stage_duration_s[0] = 200; /* 2 x 10^8 draws */
        CHECK_EQ_I64(blis_eval_trace_from_profile(&e, 3, 16, 1000, NULL, &t, &err), BLIS_E_RANGE);
        CHECK_CONTAINS(err.msg, "more than 10^8 requests");
        blis_doc_free(&d);
    }
}

/* Poisson tenants: each tenant's count over the duration, the target
 * lengths scaled to the server's measured mean input. */
TEST(profile_tenants) {
    blis_doc d;
    blis_gt_experiment e;
    blis_eval_trace t;
    blis_err err;
    size_t i, na = 0, nb = 0;
    double scale = 700.0 / ((30.0 * 1024 + 10.0 * 256) / 40);
    int64_t ia = (int64_t)floor(1024 * scale + 0.5), ib = (int64_t)floor(256 * scale + 0.5);
    if (!t_prof_load(t_,
                     T_PROF_RECORD("ten",
                                   "{\"duration_s\": 60, \"tenants\": {\"A\": {\"num_requests\": 30, "
                                   "\"input_tokens_target\": [1024]}, \"B\": {\"num_requests\": 10, "
                                   "\"input_tokens_target\": [256]}}, \"server_input_tokens_mean\": 700, "
                                   "\"output_tokens\": 128}",
                                   ""),
                     &d, &e))
        return;
    CHECK_EQ_I64(e.profile.kind, BLIS_GT_PROFILE_TENANTS);
    CHECK_EQ_I64(blis_eval_trace_from_profile(&e, 42, 16, 0, NULL, &t, &err), BLIS_OK);
    CHECK_EQ_I64(t.n, 40);
    for (i = 0; i < t.n; i++) {
        na += t.input_tokens[i] == ia;
        nb += t.input_tokens[i] == ib;
        CHECK_EQ_I64(t.output_tokens[i], 128);
        CHECK_EQ_I64(t.prompt_id[i], -1);
        CHECK(t.arrival_us[i] < 60000000);
    }
    CHECK_EQ_I64(na, 30);
    CHECK_EQ_I64(nb, 10);
    blis_eval_trace_free(&t);
    blis_doc_free(&d);
}

typedef struct t_strategy_case {
    const char *name, *strategy;
    int64_t inflight;
    double gap_us; /* constant: the exact gap; poisson: the mean gap (within 10%); 0: all at 0 */
} t_strategy_case;

static const t_strategy_case t_strategies[] = {
    {"synchronous", "{\"type_\": \"synchronous\"}", 1, 0},
    {"throughput", "{\"type_\": \"throughput\", \"max_concurrency\": 8}", 8, 0},
    {"concurrent", "{\"type_\": \"concurrent\", \"worker_count\": 4}", 4, 0},
    {"constant", "{\"type_\": \"constant\", \"rate\": 2}", 0, 500000},
    {"poisson", "{\"type_\": \"poisson\", \"rate\": 4}", 0, 250000},
};

/* guidellm: each strategy's arrivals and in-flight cap, the clamped
 * normal lengths after the shared prefix. */
static void t_strategy(t_ctx *t_, const t_strategy_case *c) {
    char json[2048];
    blis_doc d;
    blis_gt_experiment e;
    blis_eval_trace t;
    blis_err err;
    size_t i;
    snprintf(json, sizeof json, "%s%s%s",
             "{\"id\": \"g\", \"model\": \"Qwen/Qwen3-14B\", \"hardware\": {\"gpu\": \"NVIDIA H100\"}, \"tp\": 1, "
             "\"vllm_config\": {}, \"workload\": {\"generator\": \"guidellm\", \"max_requests\": 2000, \"strategy\": ",
             c->strategy,
             ", \"synthetic_data\": {\"prefix_tokens\": 32, \"prompt_tokens\": 100, \"prompt_tokens_stdev\": 10, "
             "\"prompt_tokens_min\": 90, \"prompt_tokens_max\": 110, \"output_tokens\": 20}}, \"metrics\": "
             "{\"summary\": {\"itl_ms\": {\"mean\": 9.5}, \"tpot_ms\": {\"mean\": 9.9}}}}");
    if (!t_prof_load(t_, json, &d, &e)) return;
    CHECK_EQ_I64(e.profile.kind, BLIS_GT_PROFILE_GUIDELLM);
    CHECK_EQ_I64(blis_gt_profile_inflight(&e.profile), c->inflight);
    CHECK_STR(e.itl_source, "itl_ms"); /* guidellm's ITL scored as such */
    CHECK_EQ_F64(e.measured.itl_mean, 9.5);
    CHECK_EQ_I64(blis_eval_trace_from_profile(&e, 1, 16, 0, NULL, &t, &err), BLIS_OK);
    CHECK_EQ_I64(t.n, 2000);
    CHECK_EQ_I64(t.group_blocks, 2);
    for (i = 0; i < t.n; i++) {
        CHECK(t.input_tokens[i] >= 32 + 90 && t.input_tokens[i] <= 32 + 110);
        CHECK_EQ_I64(t.output_tokens[i], 20);
        CHECK_EQ_I64(t.group_id[i], 0);
        if (c->gap_us == 0) CHECK_EQ_I64(t.arrival_us[i], 0);
        if (c->inflight == 0 && c->gap_us == 500000) CHECK_EQ_I64(t.arrival_us[i], (int64_t)i * 500000);
    }
    if (c->inflight == 0) {
        double mean = (double)t.arrival_us[t.n - 1] / (double)(t.n - 1);
        CHECK_MSG(fabs(mean / c->gap_us - 1) < 0.1, "mean gap %g us, expected %g", mean, c->gap_us);
    }
    {
        int64_t lo = t.input_tokens[0], hi = lo;
        for (i = 1; i < t.n; i++) {
            if (t.input_tokens[i] < lo) lo = t.input_tokens[i];
            if (t.input_tokens[i] > hi) hi = t.input_tokens[i];
        }
        CHECK(lo == 122 && hi == 142); /* the normal reaches both clamps in 2000 draws */
    }
    blis_eval_trace_free(&t);
    blis_doc_free(&d);
}
TABLE(profile_guidellm, t_strategies, t_strategy)

typedef struct t_bad_profile {
    const char *name, *workload, *want;
} t_bad_profile;

static const t_bad_profile t_bad_profiles[] = {
    {"no_workload", "null", "no workload description"},
    {"unknown_shape", "{\"profile\": \"chat\"}", "no description blis can simulate"},
    {"no_stages", "{\"shared_prefix\": {\"num_unique_system_prompts\": 1}}", "workload.stages: expected 1..16"},
    {"stage_rate", "{\"stages\": [{\"rate\": -1, \"duration_s\": 5}], \"shared_prefix\": {}}",
     "workload.stages[0].rate (line 1): expected a number in"},
    {"no_question",
     "{\"stages\": [{\"rate\": 1, \"duration_s\": 5}], \"shared_prefix\": {"
     "\"num_unique_system_prompts\": 1, \"num_users_per_system_prompt\": 1, \"system_prompt_len\": 1}}",
     "workload.shared_prefix: missing field \"question_len\""},
    {"strategy_type", T_PROF_GUIDELLM("{\"type_\": \"sweep\"}", ", \"max_requests\": 5"),
     "workload.strategy.type_: expected synchronous, throughput, concurrent, constant or poisson"},
    {"strategy_kind", "{\"strategy\": 3}", "workload.strategy: expected an object"},
    {"throughput_cap", T_PROF_GUIDELLM("{\"type_\": \"throughput\"}", ", \"max_requests\": 5"),
     "workload.strategy: missing field \"max_concurrency\""},
    {"concurrent_workers", T_PROF_GUIDELLM("{\"type_\": \"concurrent\"}", ", \"max_requests\": 5"),
     "concurrent needs worker_count or max_concurrency"},
    {"poisson_rate", T_PROF_GUIDELLM("{\"type_\": \"poisson\"}", ", \"max_requests\": 5"),
     "workload.strategy: missing field \"rate\""},
    {"no_count", T_PROF_GUIDELLM("{\"type_\": \"synchronous\"}", ""), "workload.max_requests: missing"},
    {"min_max",
     "{\"strategy\": {\"type_\": \"synchronous\"}, \"max_requests\": 5, \"synthetic_data\": {"
     "\"prompt_tokens\": 100, \"prompt_tokens_min\": 200, \"prompt_tokens_max\": 100, \"output_tokens\": 5}}",
     "prompt_tokens_min 200 exceeds prompt_tokens_max 100"},
    {"no_data", "{\"strategy\": {\"type_\": \"synchronous\"}, \"max_requests\": 5}",
     "workload.synthetic_data: missing"},
    {"tenant_len",
     "{\"duration_s\": 60, \"output_tokens\": 5, \"tenants\": {\"A\": {\"num_requests\": 3, "
     "\"input_tokens_target\": [1, 2]}}}",
     "workload.tenants.A.input_tokens_target: expected one length"},
    {"tenant_duration", "{\"output_tokens\": 5, \"tenants\": {\"A\": {\"num_requests\": 3}}}",
     "workload: missing field \"duration_s\""},
};

/* A description that cannot be simulated keeps the record (its trace may
 * still run) and says why, naming the field. */
static void t_bad_profile_run(t_ctx *t_, const t_bad_profile *c) {
    char json[2048];
    blis_doc d;
    blis_gt_experiment e;
    blis_eval_trace t;
    blis_err err;
    snprintf(json, sizeof json,
             "{\"id\": \"b\", \"model\": \"m/n\", \"hardware\": {\"gpu\": \"H100\"}, \"tp\": 1, \"vllm_config\": {}, "
             "\"workload\": %s, \"metrics\": {\"summary\": {}}}",
             c->workload);
    if (!t_prof_load(t_, json, &d, &e)) return;
    CHECK_EQ_I64(e.profile.kind, BLIS_GT_PROFILE_NONE);
    CHECK_CONTAINS(e.profile.reason, c->want);
    CHECK_EQ_I64(blis_eval_trace_from_profile(&e, 1, 16, 0, NULL, &t, &err), BLIS_E_INVALID);
    CHECK_CONTAINS(err.msg, c->want);
    blis_doc_free(&d);
}
TABLE(profile_bad, t_bad_profiles, t_bad_profile_run)

/* evaluate on a ground truth of description-only records: a guidellm
 * record of each strategy, a profile-only inference-perf record, and a
 * broken one listed with its reason; synchronous (one request out) waits
 * less for its first token than throughput (64 out at once). */
TEST(profile_evaluate_cli) {
    static char out[131072], again[131072];
    FILE *f = fopen("build/gt_desc.json", "w");
    const char *p;
    double sync_ttft, thr_ttft;
    CHECK(f != NULL);
    if (!f) return;
    fputs("{\"records\": [\n", f);
    fputs(T_PROF_RECORD("g-sync", T_PROF_GUIDELLM("{\"type_\": \"synchronous\"}", ", \"max_requests\": 30"),
                        ", \"itl_ms\": {\"mean\": 12}") ",\n",
          f);
    fputs(T_PROF_RECORD(
              "g-throughput",
              T_PROF_GUIDELLM("{\"type_\": \"throughput\", \"max_concurrency\": 64}", ", \"max_requests\": 200"),
              ", \"itl_ms\": {\"mean\": 12}") ",\n",
          f);
    fputs(T_PROF_RECORD("g-concurrent",
                        T_PROF_GUIDELLM("{\"type_\": \"concurrent\", \"worker_count\": 4}", ", \"max_requests\": 40"),
                        ", \"itl_ms\": {\"mean\": 12}") ",\n",
          f);
    fputs(T_PROF_RECORD("g-constant",
                        T_PROF_GUIDELLM("{\"type_\": \"constant\", \"rate\": 2}", ", \"max_requests\": 40"),
                        ", \"itl_ms\": {\"mean\": 12}") ",\n",
          f);
    fputs(T_PROF_RECORD("g-poisson", T_PROF_GUIDELLM("{\"type_\": \"poisson\", \"rate\": 2}", ", \"max_requests\": 40"),
                        ", \"itl_ms\": {\"mean\": 12}") ",\n",
          f);
    fputs(
        T_PROF_RECORD("ip-profile", T_PROF_IP,
                      ", \"tpot_derived_ms\": 12}, \"stages\": [{\"ttft_ms\": {\"mean\": 41}, \"e2e_ms\": {\"mean\": "
                      "800}, \"tpot_profile_len_ms\": 11}, {\"ttft_ms\": {\"mean\": 43}, \"e2e_ms\": {\"mean\": 850}, "
                      "\"tpot_derived_ms\": 13}], \"x\": {\"y\": 0") ",\n",
        f);
    fputs(T_PROF_RECORD("broken", T_PROF_GUIDELLM("{\"type_\": \"sweep\"}", ", \"max_requests\": 5"), "") "\n", f);
    fputs("]}\n", f);
    fclose(f);
    CHECK_EQ_I64(t_run("./simulation_worker evaluate --ground-truth build/gt_desc.json --json", out, sizeof out), 2);
    CHECK_CONTAINS(out, "1 record skipped for bad input in build/gt_desc.json");
    CHECK_CONTAINS(out, "\"experiments_run\": 6");
    CHECK_CONTAINS(
        out, "\"id\": \"broken\",\n      \"reason\": \"no per-request trace, and records[6].workload.strategy.type_:");
    CHECK_CONTAINS(out, "\"workload\": \"description\"");
    CHECK_CONTAINS(out, "\"itl_mean\": 12");
    /* the two measured stages of ip-profile compared one by one (2 stages x its 40 requests) */
    p = strstr(out, "\"id\": \"ip-profile\"");
    CHECK(p && strstr(p, "\"stages\": [\n        {\n          \"ttft_mean\": {\n            \"measured_ms\": 41,"));
    CHECK(p && strstr(p, "\"itl_mean\": {\n            \"measured_ms\": 13,"));
    CHECK_CONTAINS(out, "\"stage_mape\": {\n    \"ttft_mean\": ");
    p = strstr(out, "\"id\": \"g-sync\"");
    CHECK(p && strstr(p, "\"stages\": []"));
    p = strstr(out, "\"id\": \"g-sync\"");
    CHECK(p && (p = strstr(p, "\"predicted_ms\"")) && (p = strstr(p, "\"ttft_mean\": ")));
    sync_ttft = p ? atof(p + 13) : 0;
    p = strstr(out, "\"id\": \"g-throughput\"");
    CHECK(p && (p = strstr(p, "\"predicted_ms\"")) && (p = strstr(p, "\"ttft_mean\": ")));
    thr_ttft = p ? atof(p + 13) : 0;
    CHECK_MSG(sync_ttft > 0 && thr_ttft > 3 * sync_ttft, "synchronous TTFT %g ms, throughput %g ms", sync_ttft,
              thr_ttft);
    /* the seed fixes the draws: the same bytes again, others with another seed */
    CHECK_EQ_I64(t_run("./simulation_worker evaluate --ground-truth build/gt_desc.json --json", again, sizeof again),
                 2);
    CHECK_STR(out, again);
    CHECK_EQ_I64(
        t_run("./simulation_worker evaluate --ground-truth build/gt_desc.json --json --seed 9", again, sizeof again),
        2);
    CHECK(strcmp(out, again) != 0);
    CHECK_EQ_I64(t_run("./simulation_worker evaluate --ground-truth build/gt_desc.json --seed x", again, sizeof again),
                 2);
    CHECK_CONTAINS(again, "--seed");
    /* calibrate fits on what runs, writes its file, and still says the input had an error */
    remove("build/gt_desc_cal.json");
    CHECK_EQ_I64(t_run("./simulation_worker calibrate --ground-truth build/gt_desc.json --hardware H100 --out "
                       "build/gt_desc_cal.json --max-evals 2 --quiet",
                       again, sizeof again),
                 2);
    CHECK_CONTAINS(again, "skipped broken: no per-request trace, and records[6].workload.strategy.type_:");
    CHECK_CONTAINS(again, "1 record skipped for bad input in build/gt_desc.json");
    {
        FILE *cal = fopen("build/gt_desc_cal.json", "rb");
        CHECK(cal != NULL);
        if (cal) fclose(cal);
    }
    remove("build/gt_desc_cal.json");
    remove("build/gt_desc.json");
}

/* A closed loop of fixed lengths (guidellm concurrent, 4 workers) started
 * in steady state: 4 warm-up requests first, arriving at 0, each with a
 * measured request's prompt and (k + 1/2)/4 of its 20-token output; the
 * measured requests are the synchronized start's, draw for draw. */
#define T_PROF_FIXED(workers, prompt, output, count)                                                                \
    "{\"generator\": \"aiperf\", \"strategy\": {\"type_\": \"concurrent\", \"worker_count\": " workers              \
    "}, \"synthetic_data\": {\"prompt_tokens\": " prompt ", \"prompt_tokens_stdev\": 0, \"output_tokens\": " output \
    ", \"output_tokens_stdev\": 0}, \"max_requests\": " count "}"
TEST(profile_steady_start) {
    blis_doc d;
    blis_gt_experiment e;
    blis_eval_trace sync, steady;
    blis_err err;
    size_t i;
    static const int64_t warm_out[4] = {3, 8, 13, 18}; /* floor(20 (k + 1/2) / 4 + 1/2) */
    if (!t_prof_load(t_, T_PROF_RECORD("fixed", T_PROF_FIXED("4", "100", "20", "12"), ""), &d, &e)) return;
    CHECK_EQ_I64(blis_eval_trace_from_profile(&e, 5, 16, 0, NULL, &sync, &err), BLIS_OK);
    e.steady_start = 1;
    CHECK_EQ_I64(blis_eval_trace_from_profile(&e, 5, 16, 0, NULL, &steady, &err), BLIS_OK);
    CHECK_EQ_I64(sync.n, 12);
    CHECK_EQ_I64(sync.warmup, 0);
    CHECK_EQ_I64(steady.n, 16);
    CHECK_EQ_I64(steady.warmup, 4);
    for (i = 0; i < 4 && steady.n == 16; i++) {
        CHECK_EQ_I64(steady.arrival_us[i], 0);
        CHECK_EQ_I64(steady.input_tokens[i], 100);
        CHECK_EQ_I64(steady.output_tokens[i], warm_out[i]);
        CHECK_EQ_I64(steady.prompt_id[i], -1);
    }
    for (i = 0; i < sync.n && steady.n == 16; i++) {
        CHECK_EQ_I64(steady.arrival_us[i + 4], sync.arrival_us[i]);
        CHECK_EQ_I64(steady.input_tokens[i + 4], sync.input_tokens[i]);
        CHECK_EQ_I64(steady.output_tokens[i + 4], sync.output_tokens[i]);
    }
    blis_eval_trace_free(&sync);
    blis_eval_trace_free(&steady);
    /* an open-loop strategy has no workers to start: no warm-up */
    blis_doc_free(&d);
    if (!t_prof_load(t_,
                     T_PROF_RECORD("poisson",
                                   T_PROF_GUIDELLM("{\"type_\": \"poisson\", \"rate\": 2}", ", \"max_requests\": 10"),
                                   ""),
                     &d, &e))
        return;
    e.steady_start = 1;
    CHECK_EQ_I64(blis_eval_trace_from_profile(&e, 5, 16, 0, NULL, &steady, &err), BLIS_OK);
    CHECK_EQ_I64(steady.n, 10);
    CHECK_EQ_I64(steady.warmup, 0);
    blis_eval_trace_free(&steady);
    blis_doc_free(&d);
}

/* evaluate --steady-start: 8 workers sending 1,000-token prompts at once
 * queue 8,000 prefill tokens behind a 2,048-token step budget every round
 * (lock step); started in steady state, a prompt mostly joins a decode
 * batch alone, so the mean TTFT is lower. The request count excludes the
 * warm-up; --kv-cache-dtype and a record's vllm_config.kv_cache_dtype set the
 * KV element bytes (the derived block count doubles at 1 byte). */
TEST(profile_evaluate_steady_kv) {
    static char out[65536], steady[65536];
    FILE *f = fopen("build/gt_steady.json", "w");
    const char *p;
    double sync_ttft = 0, steady_ttft = 0;
    long blocks_auto = 0, blocks_fp8 = 0;
    CHECK(f != NULL);
    if (!f) return;
    fputs("{\"records\": [\n", f);
    fputs(T_PROF_RECORD("lock", T_PROF_FIXED("8", "1000", "50", "64"), ", \"itl_ms\": {\"mean\": 12}") ",\n", f);
    fputs("{\"id\": \"kv-bf16\", \"model\": \"Qwen/Qwen3-14B\", \"precision\": \"bf16\", \"hardware\": {\"gpu\": "
          "\"NVIDIA H100 80GB HBM3\"}, \"tp\": 1, \"vllm_config\": {}, \"workload\": " T_PROF_FIXED(
              "2", "100", "10",
              "4") ", \"metrics\": {\"summary\": {\"ttft_ms\": {\"mean\": 50}, \"e2e_ms\": {\"mean\": 900}}}},\n",
          f);
    fputs("{\"id\": \"kv-stated\", \"model\": \"Qwen/Qwen3-14B\", \"precision\": \"bf16\", \"hardware\": {\"gpu\": "
          "\"NVIDIA H100 80GB HBM3\"}, \"tp\": 1, \"vllm_config\": {\"kv_cache_dtype\": \"fp8_e4m3\"}, "
          "\"workload\": " T_PROF_FIXED("2", "100", "10",
                                        "4") ", \"metrics\": {\"summary\": {\"ttft_ms\": {\"mean\": 50}, \"e2e_ms\": "
                                             "{\"mean\": 900}}}},\n",
          f);
    fputs("{\"id\": \"derived-flag\", \"model\": \"Qwen/Qwen3-14B\", \"hardware\": {\"gpu\": \"NVIDIA H100 80GB "
          "HBM3\"}, \"tp\": 1, \"vllm_config\": {}, \"flags\": {\"concurrency_derived\": true}, "
          "\"workload\": " T_PROF_FIXED("48", "100", "10",
                                        "96") ", \"metrics\": {\"summary\": {\"ttft_ms\": {\"mean\": 50}}}}\n]}\n",
          f);
    fclose(f);
    CHECK_EQ_I64(t_run("./simulation_worker evaluate --ground-truth build/gt_steady.json --json", out, sizeof out), 0);
    CHECK_EQ_I64(
        t_run("./simulation_worker evaluate --ground-truth build/gt_steady.json --json --steady-start --kv-cache-dtype "
              "fp8:fp8,bf16:fp8",
              steady, sizeof steady),
        0);
    /* a concurrency the converter derived is not a load blis can simulate: said, not bad input (exit 0) */
    CHECK_CONTAINS(out, "\"id\": \"derived-flag\",\n      \"reason\": \"flags.concurrency_derived: the record does "
                        "not state the concurrency its run used");
    CHECK_CONTAINS(out, "\"experiments_run\": 3");
    p = strstr(out, "\"id\": \"lock\"");
    CHECK(p && strstr(p, "\"requests\": 64,\n      \"warmup_requests\": 0,"));
    if (p && (p = strstr(p, "\"predicted_ms\"")) && (p = strstr(p, "\"ttft_mean\": "))) sync_ttft = atof(p + 13);
    p = strstr(steady, "\"id\": \"lock\"");
    CHECK(p && strstr(p, "\"requests\": 64,\n      \"warmup_requests\": 8,"));
    if (p && (p = strstr(p, "\"predicted_ms\"")) && (p = strstr(p, "\"ttft_mean\": "))) steady_ttft = atof(p + 13);
    CHECK_MSG(steady_ttft > 0 && sync_ttft > 2 * steady_ttft, "lock-step TTFT %g ms, steady start %g ms", sync_ttft,
              steady_ttft);
    /* auto: the config's bfloat16; the record's own statement wins over the flag; the flag by precision label */
    p = strstr(out, "\"id\": \"kv-bf16\"");
    CHECK(p && strstr(p, "\"kv_cache_dtype\": \"auto\",\n      \"kv_bytes_per_element\": 2,"));
    if (p && (p = strstr(p, "\"kv_blocks\": "))) blocks_auto = atol(p + 13);
    p = strstr(steady, "\"id\": \"kv-bf16\"");
    CHECK(p && strstr(p, "\"kv_cache_dtype\": \"fp8\",\n      \"kv_bytes_per_element\": 1,"));
    if (p && (p = strstr(p, "\"kv_blocks\": "))) blocks_fp8 = atol(p + 13);
    CHECK_MSG(blocks_auto > 1000 && (blocks_fp8 == 2 * blocks_auto || blocks_fp8 == 2 * blocks_auto + 1),
              "KV blocks %ld at 2 bytes, %ld at 1", blocks_auto, blocks_fp8);
    p = strstr(out, "\"id\": \"kv-stated\"");
    CHECK(p && strstr(p, "\"kv_cache_dtype\": \"fp8_e4m3\",\n      \"kv_bytes_per_element\": 1,"));
    /* bad specs: exit 2 naming the flag, the record's field with its position */
    CHECK_EQ_I64(t_run("./simulation_worker evaluate --ground-truth build/gt_steady.json --kv-cache-dtype fp8:", out,
                       sizeof out),
                 2);
    CHECK_CONTAINS(out, "--kv-cache-dtype: expected a dtype (auto, fp8,");
    CHECK_EQ_I64(t_run("./simulation_worker evaluate --ground-truth build/gt_steady.json --kv-cache-dtype int4", out,
                       sizeof out),
                 2);
    CHECK_CONTAINS(out, "got \"int4\"");
    f = fopen("build/gt_steady.json", "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs("{\"records\": [\n{\"id\": \"kv-bad\", \"model\": \"Qwen/Qwen3-14B\", \"hardware\": {\"gpu\": \"NVIDIA H100 "
          "80GB HBM3\"}, \"tp\": 1, \"vllm_config\": {\"kv_cache_dtype\": \"fp4\"}, \"workload\": " T_PROF_FIXED(
              "2", "100", "10", "4") ", \"metrics\": {\"summary\": {\"ttft_ms\": {\"mean\": 50}}}}\n]}\n",
          f);
    fclose(f);
    CHECK_EQ_I64(t_run("./simulation_worker evaluate --ground-truth build/gt_steady.json", out, sizeof out), 2);
    CHECK_CONTAINS(out, "build/gt_steady.json:2:");
    CHECK_CONTAINS(out, "vllm_config.kv_cache_dtype: expected one of auto, fp8,");
    remove("build/gt_steady.json");
}

/* --ignore-traces on the shared records: all 43 run from their
 * descriptions (skipped without ../shared). */
TEST(profile_shared_records) {
    static char out[262144];
    char cmd[1400];
    const char *dir = t_shared_dir();
    if (!dir) SKIP("../shared is absent (the real records)");
    snprintf(cmd, sizeof cmd,
             "./simulation_worker evaluate --ground-truth %s/groundtruth/groundtruth.json --json --ignore-traces "
             "--max-requests 300",
             dir);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    CHECK_CONTAINS(out, "\"experiments_run\": 43");
    CHECK_CONTAINS(out, "\"experiments_skipped\": []");
    CHECK(strstr(out, "\"workload\": \"trace\"") == NULL);
}

/* evaluate --by through the tool: the table under the summary and "by" in
 * --json, the groups of the records that ran; a bad list and calibrate
 * --by are usage errors. */
TEST(eval_by_cli) {
    static char out[65536];
    FILE *f = fopen("build/gt_by.json", "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs("{\"records\": [\n", f);
    fputs(T_PROF_RECORD("a", T_PROF_GUIDELLM("{\"type_\": \"constant\", \"rate\": 2}", ", \"max_requests\": 20"),
                        "") ",\n",
          f);
    fputs(T_PROF_RECORD("b", T_PROF_GUIDELLM("{\"type_\": \"poisson\", \"rate\": 2}", ", \"max_requests\": 20"),
                        "") ",\n",
          f);
    /* disaggregated prefill/decode: said and skipped (a limit of blis, not bad input), never run aggregated */
    fputs(T_PROF_RECORD("c\", \"mode\": \"disagg",
                        T_PROF_GUIDELLM("{\"type_\": \"poisson\", \"rate\": 2}", ", \"max_requests\": 20"), "") ",\n",
          f);
    /* expert parallelism: the same (a TP run would be another deployment) */
    fputs(T_PROF_RECORD("d\", \"parallelism\": {\"tp_size\": 1, \"moe_ep_size\": 2, \"attention_dp_size\": null},"
                        " \"x\": \"",
                        T_PROF_GUIDELLM("{\"type_\": \"poisson\", \"rate\": 2}", ", \"max_requests\": 20"), "") ",\n",
          f);
    /* a measurement repeated under another id counts once; a record whose GPU count is unknown is not run */
    fputs(T_PROF_RECORD("e\", \"flags\": {\"duplicate_of\": \"a\"}, \"x\": \"",
                        T_PROF_GUIDELLM("{\"type_\": \"poisson\", \"rate\": 2}", ", \"max_requests\": 20"), "") ",\n",
          f);
    fputs(T_PROF_RECORD("g\", \"flags\": {\"parallelism_inconsistent\": true}, \"x\": \"",
                        T_PROF_GUIDELLM("{\"type_\": \"poisson\", \"rate\": 2}", ", \"max_requests\": 20"), "") "\n",
          f);
    fputs("]}\n", f);
    fclose(f);
    CHECK_EQ_I64(t_run("./simulation_worker evaluate --ground-truth build/gt_by.json --by model,gpu,tp,workload", out,
                       sizeof out),
                 0);
    CHECK_CONTAINS(out, "skipped c: disaggregated prefill/decode (flags.disaggregated or mode \"disagg\"): blis does "
                        "not simulate disaggregated serving yet");
    CHECK_CONTAINS(out, "skipped d: expert parallelism (moe_ep_size 2) or data-parallel attention (attention_dp_size "
                        "1): blis models tensor parallelism only");
    CHECK_CONTAINS(out, "skipped e: the same measurement as record a (flags.duplicate_of)");
    CHECK_CONTAINS(out, "skipped g: flags.parallelism_inconsistent: the record's parallelism does not add up");
    CHECK_CONTAINS(out, "2 experiments run, 4 skipped");
    CHECK_CONTAINS(out, "MAPE % per group");
    CHECK_CONTAINS(out, "model=Qwen/Qwen3-14B gpu=H100 tp=1 workload=description    2 ");
    CHECK_EQ_I64(
        t_run("./simulation_worker evaluate --ground-truth build/gt_by.json --by precision --json", out, sizeof out),
        0);
    CHECK_CONTAINS(out, "\"by\": {\n    \"keys\": \"precision\",\n    \"groups\": [\n      {\n        \"key\": "
                        "\"precision=bfloat16\",\n        \"n\": 2,");
    CHECK_CONTAINS(out, "\"precision\": \"bfloat16\"");
    CHECK_EQ_I64(t_run("./simulation_worker evaluate --ground-truth build/gt_by.json --by modle", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--by: expected a list of model, gpu, tp, dp, precision, workload");
    CHECK_EQ_I64(t_run("./simulation_worker calibrate --ground-truth build/gt_by.json --hardware H100 --out "
                       "build/gt_by_fit.json --by model",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "--by and --json are evaluate's");
    remove("build/gt_by.json");
}
