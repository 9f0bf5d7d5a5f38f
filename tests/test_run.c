/* tests/test_run.c - blis.h >>run: run options by flag name, the JSON call
 * (blis_run_json) against the golden dataset and against `run --json`, and
 * the run path's rough edges (short model names, the GPU and TP from the
 * defaults file beside explicit configs). Included after test_cli.c (t_run). */

static blis_status t_run_json(const char *json, const blis_run_env *env, blis_buf *out, blis_err *err) {
    memset(out, 0, sizeof *out);
    return blis_run_json(json, strlen(json), env, blis_buf_write, out, err);
}

static double t_doc_num(const blis_doc *d, const char *key) {
    const blis_node *n = blis_node_get(d, blis_doc_root(d), key);
    return n && n->kind == BLIS_NODE_NUMBER ? n->as.number : NAN;
}

static const char *t_doc_str(const blis_doc *d, const char *key) {
    const blis_node *n = blis_node_get(d, blis_doc_root(d), key);
    return n && n->kind == BLIS_NODE_STRING ? n->as.string : "(none)";
}

TEST(run_option_names) {
    blis_run_options o;
    blis_err err;
    long k = blis_run_option_find("num_requests");
    size_t n = 0;
    const blis_opt_def *defs = blis_run_option_defs(&n);
    CHECK(k >= 0);
    CHECK_EQ_I64(k, blis_run_option_find("--num-requests"));
    CHECK_EQ_I64(k, blis_run_option_find("num-requests"));
    CHECK_STR(defs[k].flag, "--num-requests");
    CHECK_EQ_I64(blis_run_option_find("num_request"), -1);
    CHECK_EQ_I64(blis_run_option_find("--num-requests-x"), -1);
    CHECK(n <= BLIS_RUN_MAX_OPTIONS);
    blis_run_options_init(&o);
    CHECK_EQ_I64(o.num_requests, 100);
    CHECK(!blis_run_option_given(&o, "num_requests"));
    CHECK(blis_run_option_set(&o, "num_requests", "7", &err) == BLIS_OK);
    CHECK_EQ_I64(o.num_requests, 7);
    CHECK(blis_run_option_given(&o, "--num-requests"));
    CHECK(blis_run_option_set(&o, "rate", "fast", &err) == BLIS_E_INVALID);
    CHECK_STR(err.msg, "--rate: expected a number, got 'fast'");
    CHECK(blis_run_option_set(&o, "alpha-coeffs", "1,2,x", &err) == BLIS_E_INVALID);
    CHECK_CONTAINS(err.msg, "comma-separated numbers");
    CHECK(blis_run_option_set(&o, "colour", "red", &err) == BLIS_E_INVALID);
    CHECK_CONTAINS(err.msg, "unknown option for run: colour");
    CHECK(blis_run_option_set(&o, "model", "Qwen/X", &err) == BLIS_OK);
    CHECK_STR(o.model, "Qwen/X");
    blis_run_options_free(&o);
}

/* The JSON call's input errors name the member, its line and column. */
TEST(run_json_bad_options) {
    static const struct {
        const char *json, *want;
        blis_status st;
    } cases[] = {
        {"[1]", "must be a JSON object", BLIS_E_TYPE},
        {"{\"model\": \"m\", \"colour\": 1}", "unknown run option \"colour\"", BLIS_E_INVALID},
        {"{\"model\": \"m\",\n \"rate\": \"fast\"}", "--rate: expected a number, got 'fast'", BLIS_E_INVALID},
        {"{\"model\": \"m\", \"rate\": true}", "rate: expected a number", BLIS_E_TYPE},
        {"{\"model\": 7}", "model: expected a string", BLIS_E_TYPE},
        {"{\"model\": \"m\", \"alpha_coeffs\": [1, 2, 3, 4]}", "alpha_coeffs: expected an array of 3 numbers",
         BLIS_E_TYPE},
        {"{\"model\": \"m\", \"quiet\": 1}", "quiet: expected true or false", BLIS_E_TYPE},
        {"{\"model\": \"m\", ", "", BLIS_E_SYNTAX},
        {"{}", "LLM name not provided", BLIS_E_INVALID},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        blis_buf out;
        blis_err err;
        blis_status st = t_run_json(cases[i].json, NULL, &out, &err);
        CHECK_MSG(st == cases[i].st, "%s: status %d, want %d (%s)", cases[i].json, (int)st, (int)cases[i].st, err.msg);
        CHECK_CONTAINS(err.msg, cases[i].want);
        CHECK_EQ_I64((int64_t)out.len, 0); /* nothing written on an error */
        blis_buf_free(&out);
    }
    { /* the position of the member at fault */
        blis_buf out;
        blis_err err;
        t_run_json("{\"model\": \"m\",\n  \"rate\": \"fast\"}", NULL, &out, &err);
        CHECK_EQ_I64(err.line, 2);
        CHECK_EQ_I64(err.col, 11);
        blis_buf_free(&out);
    }
}

/* Every golden case through the JSON call: its options object (the case's
 * settings under their flag names) in, the reference's metrics out. */
TEST(run_json_golden) {
    blis_doc doc;
    const blis_node *tests;
    size_t i;
    SHARED_JSON_OR_SKIP("conformance/blis/golden/goldendataset_v0.6.1.json", &doc);
    tests = blis_node_get(&doc, blis_doc_root(&doc), "tests");
    CHECK(tests && tests->count == 5);
    for (i = 0; tests && i < tests->count; i++) {
        const blis_node *c = blis_node_at(&doc, tests, i), *mw = blis_node_get(&doc, c, "metrics");
        static const char *const metrics[] = {
            "ttft_mean_ms",      "ttft_p90_ms", "ttft_p99_ms",    "itl_mean_ms",       "itl_p99_ms",
            "e2e_mean_ms",       "e2e_p99_ms",  "tokens_per_sec", "responses_per_sec", "scheduling_delay_p99_ms",
            "completed_requests"};
        blis_buf opts, out;
        blis_jw w;
        blis_err err;
        blis_doc got;
        size_t k;
        memset(&opts, 0, sizeof opts);
        blis_jw_init(&w, blis_buf_write, &opts, 0);
        blis_jw_object_begin(&w);
        for (k = 0; k < c->count; k++) {
            const char *key = blis_node_key_at(&doc, c, k)->as.string;
            const blis_node *v = blis_node_at(&doc, c, k);
            size_t j;
            if (!strcmp(key, "metrics") || !strcmp(key, "approach") || !strcmp(key, "blis-cmd")) continue;
            blis_jw_key(&w, key);
            if (v->kind == BLIS_NODE_STRING)
                blis_jw_str(&w, v->as.string);
            else if (v->kind == BLIS_NODE_NUMBER)
                blis_jw_f64(&w, v->as.number);
            else {
                blis_jw_array_begin(&w);
                for (j = 0; j < v->count; j++) blis_jw_f64(&w, blis_node_at(&doc, v, j)->as.number);
                blis_jw_array_end(&w);
            }
        }
        blis_jw_object_end(&w);
        CHECK(blis_jw_finish(&w) == BLIS_OK);
        if (t_run_json(opts.data, NULL, &out, &err) != BLIS_OK) {
            CHECK_MSG(0, "case %lu: %s", (unsigned long)i, err.msg);
            blis_buf_free(&opts);
            continue;
        }
        CHECK(blis_json_parse(out.data, out.len, NULL, &got, &err) == BLIS_OK);
        CHECK_STR(t_doc_str(&got, "latency_model"), "blackbox");
        for (k = 0; k < sizeof metrics / sizeof metrics[0]; k++) {
            double g = t_doc_num(&got, metrics[k]), want = blis_node_get(&doc, mw, metrics[k])->as.number;
            CHECK_MSG(g == want || fabs(g - want) <= 1e-9 * fabs(want), "case %lu %s: got %.17g want %.17g",
                      (unsigned long)i, metrics[k], g, want);
        }
        blis_doc_free(&got);
        blis_buf_free(&out);
        blis_buf_free(&opts);
    }
    blis_doc_free(&doc);
}

/* `run --json` prints exactly blis_run_json's document for the same options
 * (the CLI's environment: the bundled data, the bench_data lister). */
TEST(run_json_equals_cli) {
    static const struct {
        const char *flags, *json;
    } cases[] = {
        {T_GOLDEN0_ARGS " --slo 'ttft_p99<500ms,itl_p99<50ms' --num-instances 2 --routing-policy least-loaded",
         "{\"model\": \"meta-llama/llama-3.1-8b-instruct\", \"workload\": \"distribution\", \"rate\": 10, "
         "\"num_requests\": 300, \"prefix_tokens\": 284, \"prompt_tokens\": 70, \"prompt_tokens_stdev\": 35, "
         "\"prompt_tokens_min\": 2, \"prompt_tokens_max\": 200, \"output_tokens\": 215, \"output_tokens_stdev\": 80, "
         "\"output_tokens_min\": 1, \"output_tokens_max\": 512, \"hardware\": \"H100\", \"tp\": 1, \"seed\": 42, "
         "\"max_num_running_reqs\": 256, \"max_num_scheduled_tokens\": 2048, \"max_model_len\": 4096, "
         "\"total_kv_blocks\": 7463, \"block_size_in_tokens\": 16, \"long_prefill_token_threshold\": 0, "
         "\"alpha_coeffs\": [232.46191091038054, 1.752360364195244, 3357.4400353290152], "
         "\"beta_coeffs\": \"5752.705191348184,17.25086436834028,5.999143920128404\", "
         "\"slo\": \"ttft_p99<500ms,itl_p99<50ms\", \"num_instances\": 2, \"routing_policy\": \"least-loaded\"}"},
        {"--model qwen/qwen2.5-7b-instruct --rate 4 --num-requests 60 --gpu-hourly-usd 2.5",
         "{\"model\": \"qwen/qwen2.5-7b-instruct\", \"rate\": 4, \"num_requests\": 60, \"gpu_hourly_usd\": 2.5}"},
    };
    static char out[1 << 16];
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char cmd[4096];
        blis_run_env env;
        blis_buf doc;
        blis_err err;
        snprintf(cmd, sizeof cmd, "(BLIS_DATA_DIR=data ./simulation_worker run --json --log error %s 2>/dev/null)",
                 cases[i].flags);
        CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
        blis_run_env_posix(&env, "data", NULL);
        if (t_run_json(cases[i].json, &env, &doc, &err) != BLIS_OK) {
            CHECK_MSG(0, "case %lu: %s", (unsigned long)i, err.msg);
            continue;
        }
        CHECK_STR(doc.data, out);
        blis_buf_free(&doc);
    }
}

/* Short model names run as their defaults-file entry; explicit configs
 * still take the GPU and TP from the defaults file. */
TEST(run_model_short_name_and_defaults) {
    static char out[1 << 16];
    blis_doc d;
    blis_err err;
    CHECK_EQ_I64(t_run("(BLIS_DATA_DIR=data HF_HUB_OFFLINE=1 ./simulation_worker run --json --model "
                       "Qwen2.5-7B-Instruct --num-requests 20 2>/dev/null)",
                       out, sizeof out),
                 0);
    if (blis_json_parse(out, strlen(out), NULL, &d, &err) == BLIS_OK) {
        CHECK_STR(t_doc_str(&d, "model"), "qwen/qwen2.5-7b-instruct");
        CHECK_STR(t_doc_str(&d, "hardware"), "H100");
        CHECK_EQ_I64((int64_t)t_doc_num(&d, "completed_requests"), 20);
        blis_doc_free(&d);
    } else {
        CHECK_MSG(0, "%s", err.msg);
    }
    CHECK_EQ_I64(t_run("(BLIS_DATA_DIR=data ./simulation_worker run --json --model meta-llama/llama-3.1-70b-instruct "
                       "--hardware-config data/hardware_config.json --num-requests 10 2>/dev/null)",
                       out, sizeof out),
                 0);
    if (blis_json_parse(out, strlen(out), NULL, &d, &err) == BLIS_OK) {
        CHECK_STR(t_doc_str(&d, "hardware"), "H100");
        CHECK_EQ_I64((int64_t)t_doc_num(&d, "tp"), 4);
        CHECK_STR(t_doc_str(&d, "latency_model"), "roofline-v1");
        blis_doc_free(&d);
    } else {
        CHECK_MSG(0, "%s", err.msg);
    }
    /* with no defaults entry the error says what is missing, not that the file has none */
    CHECK_EQ_I64(t_run("BLIS_DATA_DIR=data ./simulation_worker run --model nobody/nothing --model-config-folder "
                       "data/model_configs/qwen3-14b --defaults-filepath build/none.yaml --num-requests 5",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "no defaults file;");
}

/* A library user with no environment: no bundled data, no resolver. */
TEST(run_json_without_env) {
    blis_buf out;
    blis_err err;
    CHECK(t_run_json("{\"model\": \"qwen/qwen2.5-7b-instruct\", \"defaults_filepath\": \"build/none.yaml\"}", NULL,
                     &out, &err) != BLIS_OK);
    CHECK_CONTAINS(err.msg, "build/none.yaml");
    blis_buf_free(&out);
    CHECK(t_run_json("{\"model\": \"qwen/qwen2.5-7b-instruct\", \"defaults_filepath\": \"data/defaults.yaml\", "
                     "\"num_requests\": 5, \"rate\": 2}",
                     NULL, &out, &err) == BLIS_OK);
    CHECK_STR(err.msg, "");
    CHECK_CONTAINS(out.data, "\"completed_requests\": 5");
    CHECK_CONTAINS(out.data, "\"latency_model\": \"roofline-v1\"");
    blis_buf_free(&out);
    /* results_path: the results file written beside the document */
    remove("build/run_json_results.json");
    CHECK(t_run_json("{\"model\": \"qwen/qwen2.5-7b-instruct\", \"defaults_filepath\": \"data/defaults.yaml\", "
                     "\"num_requests\": 5, \"results_path\": \"build/run_json_results.json\"}",
                     NULL, &out, &err) == BLIS_OK);
    {
        char *src = NULL;
        size_t len = 0;
        CHECK(blis_file_read("build/run_json_results.json", 0, NULL, &src, &len, &err) == BLIS_OK);
        CHECK_CONTAINS(src, "\"requests\"");
        blis_file_free(NULL, src);
    }
    remove("build/run_json_results.json");
    blis_buf_free(&out);
}

/* `evaluate --json` prints exactly blis_evaluate_json's document; its
 * option errors name the member. */
TEST(run_evaluate_json_equals_cli) {
    static char out[1 << 17];
    const char *dir = t_shared_dir();
    char cmd[1400], json[1400];
    blis_run_env env;
    blis_buf doc;
    blis_err err;
    CHECK(t_run_json("{\"rate\": 1}", NULL, &doc, &err) != BLIS_OK); /* a run option is no evaluate option */
    blis_buf_free(&doc);
    {
        const char *bad = "{\"ground_truth\": \"x.json\", \"seed\": 1.5}";
        CHECK(blis_evaluate_json(bad, strlen(bad), NULL, blis_buf_write, &doc, &err) == BLIS_E_RANGE);
    }
    CHECK_CONTAINS(err.msg, "seed: expected an integer");
    blis_buf_free(&doc);
    {
        const char *bad = "{\"groundtruth\": \"x.json\"}";
        CHECK(blis_evaluate_json(bad, strlen(bad), NULL, blis_buf_write, &doc, &err) == BLIS_E_INVALID);
    }
    CHECK_CONTAINS(err.msg, "unknown evaluate option \"groundtruth\"");
    blis_buf_free(&doc);
    if (!dir) SKIP("../shared is absent (the real records)");
    snprintf(cmd, sizeof cmd,
             "(BLIS_DATA_DIR=data ./simulation_worker evaluate --ground-truth %s/groundtruth/groundtruth.json --json "
             "--max-requests 200 --id residency-sweep_rate-agg_2rps-vanilla 2>/dev/null)",
             dir);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    snprintf(json, sizeof json,
             "{\"ground_truth\": \"%s/groundtruth/groundtruth.json\", \"max_requests\": 200, \"id\": "
             "[\"residency-sweep_rate-agg_2rps-vanilla\"]}",
             dir);
    blis_run_env_posix(&env, "data", NULL);
    if (blis_evaluate_json(json, strlen(json), &env, blis_buf_write, &doc, &err) != BLIS_OK) {
        CHECK_MSG(0, "%s", err.msg);
        return;
    }
    CHECK_CONTAINS(doc.data, "\"experiments_run\": 1");
    CHECK_STR(doc.data, out);
    blis_buf_free(&doc);
}

/* Cohorts and multimodal clients (tests/test_spec.c) run through the command line. */
TEST(spec_cohort_multimodal_run) {
    static char out[65536];
    FILE *f = fopen("build/spec_cohort.yaml", "w");
    if (!f) {
        CHECK_MSG(0, "cannot write build/spec_cohort.yaml");
        return;
    }
    fputs("seed: 3\naggregate_rate: 20\nnum_requests: 60\ncohorts:\n  - id: users\n    population: 5\n"
          "    rate_fraction: 1\n    arrival: {process: poisson}\n"
          "    input_distribution: {type: gaussian, params: {mean: 200, std_dev: 50, min: 10, max: 400}}\n"
          "    output_distribution: {type: exponential, params: {mean: 50}}\n"
          "clients:\n  - id: cam\n    rate_fraction: 1\n    arrival: {process: gamma, cv: 2}\n"
          "    input_distribution: {type: constant, params: {value: 1}}\n"
          "    output_distribution: {type: constant, params: {value: 30}}\n"
          "    multimodal:\n      text_distribution: {type: exponential, params: {mean: 40}}\n"
          "      video_distribution: {type: gaussian, params: {mean: 300, std_dev: 30, min: 100, max: 500}}\n"
          "      video_count_distribution: {type: constant, params: {value: 1}}\n",
          f);
    fclose(f);
    CHECK_EQ_I64(t_run("(./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --workload-spec "
                       "build/spec_cohort.yaml --json --log error --check-invariants)",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"completed_requests\": 60,");
    CHECK_EQ_I64(t_run("./simulation_worker check build/spec_cohort.yaml", out, sizeof out), 0);
    remove("build/spec_cohort.yaml");
}

/* convert and compose: each source's spec runs unchanged through run
 * --workload-spec, and a spec written back generates the same requests
 * (the same metrics) as the spec it came from. */
TEST(run_convert_compose) {
    static char out[1 << 16], again[1 << 16];
    FILE *f;
    CHECK_EQ_I64(t_run("(./simulation_worker convert preset chatbot --rate 5 --num-requests 40 --seed 9 "
                       "--defaults-filepath data/defaults.yaml > build/conv_preset.yaml)",
                       out, sizeof out),
                 0);
    CHECK_EQ_I64(t_run("(./simulation_worker convert distribution --rate 8 --num-requests 30 --prefix-tokens 64 "
                       "> build/conv_dist.yaml)",
                       out, sizeof out),
                 0);
    if ((f = fopen("build/conv_trace.csv", "w")) != NULL) {
        fputs("arrival,a,b,input,output\n0.0,x,y,\"[1,2,3,4]\",\"[5,6]\"\n0.5,x,y,\"[7,8]\",\"[9]\"\n"
              "1.0,x,y,\"[1,2,3,4,5,6]\",\"[4,5,6]\"\n",
              f);
        fclose(f);
    }
    CHECK_EQ_I64(
        t_run("(./simulation_worker convert csv-trace build/conv_trace.csv >build/conv_trace.yaml)", out, sizeof out),
        0);
    CHECK_CONTAINS(out, "convert csv-trace is lossy");
    CHECK_EQ_I64(t_run("cat build/conv_trace.yaml", out, sizeof out), 0);
    CHECK_CONTAINS(out, "aggregate_rate: 3\n"); /* 3 rows over 1 s */
    CHECK_CONTAINS(out, "num_requests: 3\n");
    CHECK_CONTAINS(out, "{type: gaussian, params: {mean: 4, std_dev: 0, min: 4, max: 4}}"); /* (4+2+6)/3 */
    CHECK_CONTAINS(out, "{type: gaussian, params: {mean: 2, std_dev: 0, min: 2, max: 2}}"); /* (2+1+3)/3 */
    if ((f = fopen("build/conv_ip.yaml", "w")) != NULL) {
        fputs("seed: 5\nnum_requests: 30\ninference_perf:\n  stages: [{rate: 4, duration: 5}, {rate: 8, duration: 5}]\n"
              "  shared_prefix: {num_unique_system_prompts: 2, num_users_per_system_prompt: 2, system_prompt_len: 32,"
              " question_len: 20, output_len: 10}\n",
              f);
        fclose(f);
    }
    CHECK_EQ_I64(
        t_run("(./simulation_worker convert inference-perf build/conv_ip.yaml > build/conv_ip2.yaml)", out, sizeof out),
        0);
    CHECK_EQ_I64(t_run("(./simulation_worker compose --from build/conv_preset.yaml --from build/conv_dist.yaml "
                       "> build/conv_both.yaml)",
                       out, sizeof out),
                 0);
    CHECK_EQ_I64(t_run("cat build/conv_both.yaml", out, sizeof out), 0);
    CHECK_CONTAINS(out, "aggregate_rate: 13\n");      /* 5 + 8 */
    CHECK_CONTAINS(out, "rate_fraction: 0.38461538"); /* 5 / 13: each keeps its own rate */
    CHECK_CONTAINS(out, "num_requests: 70\n");
    {
        static const char *const files[] = {"build/conv_preset.yaml", "build/conv_dist.yaml", "build/conv_trace.yaml",
                                            "build/conv_ip2.yaml", "build/conv_both.yaml"};
        size_t i;
        for (i = 0; i < sizeof files / sizeof files[0]; i++) {
            char cmd[512];
            snprintf(cmd, sizeof cmd,
                     "(./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --workload-spec %s --json "
                     "--log error --horizon 600000000)",
                     files[i]);
            CHECK_MSG(t_run(cmd, out, sizeof out) == 0, "%s: %s", files[i], out);
            CHECK_CONTAINS(out, "\"completed_requests\":");
        }
    }
    /* the expanded spec generates what the inference_perf spec does */
    CHECK_EQ_I64(t_run("(./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --workload-spec "
                       "build/conv_ip.yaml --json --log error)",
                       out, sizeof out),
                 0);
    CHECK_EQ_I64(t_run("(./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --workload-spec "
                       "build/conv_ip2.yaml --json --log error | sed 's/conv_ip2/conv_ip/')",
                       again, sizeof again),
                 0);
    CHECK_STR(again, out);
    /* bad input */
    CHECK_EQ_I64(t_run("./simulation_worker convert servegen build/no-such-dir", out, sizeof out), 2);
    CHECK_CONTAINS(out, "build/no-such-dir: error: cannot read the ServeGen directory");
    CHECK_EQ_I64(
        t_run("./simulation_worker convert preset nosuch --defaults-filepath data/defaults.yaml", out, sizeof out), 2);
    CHECK_EQ_I64(t_run("./simulation_worker convert csv-trace build/none.csv", out, sizeof out), 2);
    CHECK_CONTAINS(out, "build/none.csv");
    CHECK_EQ_I64(t_run("./simulation_worker compose build/conv_dist.yaml", out, sizeof out), 2);
    CHECK_CONTAINS(out, "compose takes --from SPEC.yaml");
    CHECK_EQ_I64(t_run("./simulation_worker convert distribution --rate -1", out, sizeof out), 2);
    remove("build/conv_preset.yaml");
    remove("build/conv_dist.yaml");
    remove("build/conv_trace.csv");
    remove("build/conv_trace.yaml");
    remove("build/conv_ip.yaml");
    remove("build/conv_ip2.yaml");
    remove("build/conv_both.yaml");
}

/* ServeGen data (servegen_data, convert servegen), written here. Chunk 0:
 * windows [0, 600) at 2 req/s (Gamma, cv 2), [600, 1200) idle, [1200, 1800)
 * at 1 (Weibull, cv 3) and [1800, 2400) at 1 (Gamma, cv 1; the last row
 * lasts as long as the one before). Chunk 3: [600, 1200) at 0.5 (Weibull,
 * cv 1.5). Chunk 7: never active. */
static int t_servegen_dir(const char *dir) {
    char cmd[256], path[256];
    int ok;
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", dir, dir);
    if (system(cmd) != 0) return 0;
    snprintf(path, sizeof path, "%s/chunk-0-trace.csv", dir);
    ok = t_write_file(path, "0,2.0,2.0,Gamma,0.25,2.0\n600,0,0,,0,0\n1200,1.0,3.0,Weibull,0.4,1.0\n"
                            "1800,1.0,1.0,Gamma,1,1\n");
    snprintf(path, sizeof path, "%s/chunk-0-dataset.json", dir);
    ok &= t_write_file(path, "{\"0\": {\"input_tokens\": \"{100: 0.5, 200: 0.5}\", \"output_tokens\": \"{10: 1.0}\", "
                             "\"image_tokens\": \"{}\"},\n \"1200\": {\"input_tokens\": {\"300\": 1}, "
                             "\"output_tokens\": \"{20: 0.25, 10: 0.75}\"}}\n");
    snprintf(path, sizeof path, "%s/chunk-3-trace.csv", dir);
    ok &= t_write_file(path, "0,0,0,,0,0\n600,0.5,1.5,Weibull,0.5,1.0\n");
    snprintf(path, sizeof path, "%s/chunk-3-dataset.json", dir);
    ok &= t_write_file(path, "{\"0\": {\"input_tokens\": \"{50: 1.0}\", \"output_tokens\": \"{5: 1.0}\"}}\n");
    snprintf(path, sizeof path, "%s/chunk-7-trace.csv", dir);
    ok &= t_write_file(path, "0,0,0,,0,0\n");
    snprintf(path, sizeof path, "%s/chunk-7-dataset.json", dir);
    ok &= t_write_file(path, "{\"0\": {\"input_tokens\": \"{1: 1}\", \"output_tokens\": \"{1: 1}\"}}\n");
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    ok &= t_write_file(path, "not a chunk\n");
    return ok;
}

typedef struct t_log_seen {
    char text[1024];
} t_log_seen;
static void t_log_collect(void *user, const char *level, const char *msg) {
    t_log_seen *s = (t_log_seen *)user;
    size_t n = strlen(s->text);
    snprintf(s->text + n, sizeof s->text - n, "%s: %s\n", level, msg);
}

static blis_status t_servegen_load(const char *yaml, blis_doc *doc, blis_workload_spec *spec, blis_list_dir_fn list,
                                   t_log_seen *seen, blis_err *err) {
    blis_parse_opts o;
    blis_status st;
    memset(&o, 0, sizeof o);
    o.source = "sg.yaml";
    memset(spec, 0, sizeof *spec);
    if ((st = blis_yaml_parse(yaml, strlen(yaml), &o, doc, err))) return st;
    if ((st = blis_workload_spec_from_doc(doc, spec, NULL, err)) ||
        (st = blis_spec_load_servegen(spec, list, NULL, t_log_collect, seen, err))) {
        blis_workload_spec_free(spec);
        blis_doc_free(doc);
    }
    return st;
}

/* Each client by hand: chunk 0 carries 2x600 + 1x600 + 1x600 = 2400 requests
 * over 1800 active seconds (4/3 req/s); Gamma carries 1800 of them against
 * Weibull's 600; cv (1200x2 + 600x3 + 600x1) / 2400 = 2. Dataset window "0"
 * covers the first active row (1200 requests), "1200" the other two (1200):
 * inputs 100 and 200 at 0.25, 300 at 0.5; outputs 10 at 0.5 + 0.5x0.75 =
 * 0.875. The aggregate rate is 4/3 + 1/2, the horizon the 2400 s traced. */
TEST(spec_servegen_by_hand) {
    blis_doc doc;
    blis_workload_spec spec;
    blis_err err;
    t_log_seen seen;
    const blis_spec_client *c;
    memset(&seen, 0, sizeof seen);
    CHECK(t_servegen_dir("build/servegen"));
    if (t_servegen_load("seed: 3\nnum_requests: 50\nservegen_data: {path: build/servegen}\n", &doc, &spec,
                        blis_posix_list_dir, &seen, &err)) {
        CHECK_MSG(0, "%s", err.msg);
        return;
    }
    CHECK_EQ_I64((int64_t)spec.client_count, 2);
    c = &spec.clients[0];
    CHECK_STR(c->id, "servegen-0");
    CHECK_EQ_F64(c->rate_fraction, 2400.0 / 1800.0);
    CHECK_EQ_I64(c->arrival, BLIS_ARRIVAL_GAMMA);
    CHECK_EQ_F64(c->cv, 2.0);
    CHECK_EQ_I64((int64_t)c->window_count, 2);
    CHECK_EQ_I64(c->windows[0].start_us, 0);
    CHECK_EQ_I64(c->windows[0].end_us, 600000000);
    CHECK_EQ_I64(c->windows[1].start_us, 1200000000);
    CHECK_EQ_I64(c->windows[1].end_us, 2400000000LL);
    CHECK_EQ_I64((int64_t)c->input.emp_n, 3);
    CHECK_EQ_I64(c->input.emp_values[2], 300);
    CHECK_EQ_F64(c->input.emp_cdf[0], 0.25);
    CHECK_EQ_F64(c->input.emp_cdf[1], 0.5);
    CHECK_EQ_I64((int64_t)c->output.emp_n, 2);
    CHECK_EQ_F64(c->output.emp_cdf[0], 0.875);
    c = &spec.clients[1];
    CHECK_STR(c->id, "servegen-3");
    CHECK_EQ_F64(c->rate_fraction, 0.5);
    CHECK_EQ_I64(c->arrival, BLIS_ARRIVAL_WEIBULL);
    CHECK_EQ_F64(c->cv, 1.5);
    CHECK_EQ_I64(c->windows[0].start_us, 600000000);
    CHECK_EQ_I64(c->windows[0].end_us, 1200000000);
    CHECK_EQ_F64(spec.aggregate_rate, 2400.0 / 1800.0 + 0.5);
    CHECK_EQ_I64(spec.horizon_us, 2400000000LL);
    CHECK_CONTAINS(seen.text, "info: servegen: 2 clients from build/servegen (1 chunks without requests in the span)");
    CHECK_CONTAINS(seen.text, "warn: servegen: dataset fields not used (only input_tokens and output_tokens are): "
                              "image_tokens");
    blis_workload_spec_free(&spec);
    blis_doc_free(&doc);
    /* a span: [600, 1800) keeps chunk 0's third row (its dataset window "1200") and chunk 3 */
    memset(&seen, 0, sizeof seen);
    if (t_servegen_load("aggregate_rate: 3\nnum_requests: 5\nservegen_data: {path: build/servegen, span_start: 600, "
                        "span_end: 1800}\n",
                        &doc, &spec, blis_posix_list_dir, &seen, &err)) {
        CHECK_MSG(0, "%s", err.msg);
        return;
    }
    CHECK_EQ_I64((int64_t)spec.client_count, 2);
    CHECK_EQ_F64(spec.clients[0].rate_fraction, 1.0);
    CHECK_EQ_I64(spec.clients[0].arrival, BLIS_ARRIVAL_WEIBULL);
    CHECK_EQ_I64(spec.clients[0].windows[0].start_us, 600000000);
    CHECK_EQ_I64(spec.clients[0].windows[0].end_us, 1200000000);
    CHECK_EQ_I64(spec.clients[0].input.emp_values[0], 300);
    CHECK_EQ_I64(spec.clients[1].windows[0].start_us, 0);
    CHECK_EQ_F64(spec.aggregate_rate, 3.0); /* given: the clients' rates scale to it */
    CHECK_EQ_I64(spec.horizon_us, 1200000000);
    blis_workload_spec_free(&spec);
    blis_doc_free(&doc);
    /* without a directory lister: chunks 0, 1, ... up to the first missing (chunk 1) */
    if (t_servegen_load("num_requests: 5\nservegen_data: {path: build/servegen}\n", &doc, &spec, NULL, &seen, &err)) {
        CHECK_MSG(0, "%s", err.msg);
        return;
    }
    CHECK_EQ_I64((int64_t)spec.client_count, 1);
    blis_workload_spec_free(&spec);
    blis_doc_free(&doc);
}

/* The loaded clients generate exactly what the same clients written by hand
 * (the expectations above as YAML) generate: arrivals and lengths. */
TEST(spec_servegen_requests) {
    static const char *const by_hand =
        "seed: 3\nnum_requests: 300\naggregate_rate: 1.8333333333333333\nclients:\n"
        "  - id: a\n    rate_fraction: 1.3333333333333333\n    arrival: {process: gamma, cv: 2}\n"
        "    input_distribution: {type: empirical, params: {\"100\": 0.25, \"200\": 0.25, \"300\": 0.5}}\n"
        "    output_distribution: {type: empirical, params: {\"10\": 0.875, \"20\": 0.125}}\n"
        "    lifecycle: {windows: [{start_us: 0, end_us: 600000000}, {start_us: 1200000000, end_us: 2400000000}]}\n"
        "  - id: b\n    rate_fraction: 0.5\n    arrival: {process: weibull, cv: 1.5}\n"
        "    input_distribution: {type: constant, params: {value: 50}}\n"
        "    output_distribution: {type: constant, params: {value: 5}}\n"
        "    lifecycle: {windows: [{start_us: 600000000, end_us: 1200000000}]}\n";
    blis_doc d1, d2;
    blis_workload_spec s1, s2;
    blis_spec_gen g1, g2;
    blis_parse_opts o;
    blis_err err;
    t_log_seen seen;
    int has1 = 1, has2 = 1, n = 0, mismatches = 0, early = 0;
    memset(&seen, 0, sizeof seen);
    memset(&o, 0, sizeof o);
    CHECK(t_servegen_dir("build/servegen"));
    if (t_servegen_load("seed: 3\nnum_requests: 300\nservegen_data: {path: build/servegen}\n", &d1, &s1,
                        blis_posix_list_dir, &seen, &err) ||
        blis_yaml_parse(by_hand, strlen(by_hand), &o, &d2, &err) || blis_workload_spec_from_doc(&d2, &s2, NULL, &err)) {
        CHECK_MSG(0, "%s", err.msg);
        return;
    }
    CHECK_EQ_I64(blis_spec_gen_init(&g1, &s1, 3, s1.horizon_us, 300, 16, NULL, &err), BLIS_OK);
    CHECK_EQ_I64(blis_spec_gen_init(&g2, &s2, 3, s1.horizon_us, 300, 16, NULL, &err), BLIS_OK);
    while (has1 && has2) {
        blis_request r1, r2;
        if (blis_spec_gen_next(&g1, &r1, &has1, &err) || blis_spec_gen_next(&g2, &r2, &has2, &err)) break;
        if (has1 != has2) break;
        if (!has1) break;
        mismatches += r1.arrival_us != r2.arrival_us || r1.input_tokens != r2.input_tokens ||
                      r1.output_tokens != r2.output_tokens;
        early += r1.arrival_us >= 600000000 && r1.arrival_us < 1200000000 && r1.input_tokens != 50 &&
                 r1.input_tokens != 300; /* chunk 0 is idle there */
        n++;
        blis_request_free(NULL, &r1);
        blis_request_free(NULL, &r2);
    }
    CHECK_EQ_I64(has1, has2);
    CHECK_EQ_I64(n, 300);
    CHECK_EQ_I64(mismatches, 0);
    CHECK_EQ_I64(early, 0);
    blis_spec_gen_free(&g1);
    blis_spec_gen_free(&g2);
    blis_workload_spec_free(&s1);
    blis_workload_spec_free(&s2);
    blis_doc_free(&d1);
    blis_doc_free(&d2);
}

/* Bad ServeGen data: each error names the file, its line and column. */
TEST(spec_servegen_errors) {
    static const struct {
        const char *trace, *dataset, *yaml, *want;
    } cases[] = {
        {"0,1,1,Lognormal,1,1\n", NULL, NULL, "chunk-0-trace.csv:1:7: error: unknown arrival family \"Lognormal\""},
        {"0,1,1,Gamma\n0,1,1,Gamma\n", NULL, NULL, "chunk-0-trace.csv:2:1: error: start_s must be seconds in 0..1e12"},
        {"0,1,1,Gamma\n1e300,1,1,Gamma\n", NULL, NULL,
         "chunk-0-trace.csv:2:1: error: start_s must be seconds in 0..1e12, greater than the previous row's; got "
         "\"1e300\""},
        {"0,x,1,Gamma\n", NULL, NULL, "chunk-0-trace.csv:1:3: error: rate must be a finite number >= 0"},
        {"0,1\n", NULL, NULL, "chunk-0-trace.csv:1:1: error: expected start_s,rate,cv,family"},
        {"0,1,1,Gamma\n", NULL, NULL, "one row gives no window length"},
        {"0,1,1,Gamma\n600,1,1,Gamma\n", "{\"0\": {\"input_tokens\": \"{1: 0.5, x: 0.5}\", \"output_tokens\": \"{}\"}}",
         NULL, "chunk-0-dataset.json:1:24: error: 0.input_tokens: expected a token count before ':' at byte 9"},
        {"0,1,1,Gamma\n600,1,1,Gamma\n", "{\"0\": {\"input_tokens\": \"{1: 1}\"}}", NULL,
         "error: 0: input_tokens and output_tokens are required"},
        {"0,1,1,Gamma\n600,1,1,Gamma\n", "{\"0\": {\"input_tokens\": \"{1: 0}\", \"output_tokens\": \"{1: 1}\"}}", NULL,
         "0.input_tokens: the probabilities sum to 0"},
        {"0,1,1,Gamma\n600,1,1,Gamma\n", "[]", NULL, "expected an object of windows"},
        {"0,1,1,Gamma\n600,1,1,Gamma\n", NULL, NULL, "chunk-0-dataset.json: error: cannot open"},
        {"0,0,0,,0,0\n600,0,0,,0,0\n", NULL, NULL, "no ServeGen client has requests in the span"},
        {NULL, NULL, "num_requests: 1\nservegen_data: {span_start: 5}\n", "servegen_data: path is required"},
        {NULL, NULL, "num_requests: 1\nservegen_data: {path: x, span_start: 5, span_end: 2}\n",
         "sg.yaml:2:51: error: servegen_data.span_end: must be 0 (to the end) or after span_start"},
        {NULL, NULL, "num_requests: 1\nservegen_data: {path: x, span_start: 1e300}\n",
         "servegen_data.span_start: must be seconds in 0..1e12"},
        {NULL, NULL, "num_requests: 1\nservegen_data: {path: x, spans: 1}\n", "unknown field spans"},
        {NULL, NULL, "num_requests: 1\naggregate_rate: 0\nservegen_data: {path: x}\n",
         "aggregate_rate must be a finite value > 0"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        blis_doc doc;
        blis_workload_spec spec;
        blis_err err;
        t_log_seen seen;
        char msg[1200];
        CHECK_EQ_I64(system("rm -rf build/servegen_bad && mkdir -p build/servegen_bad"), 0);
        if (cases[i].trace) CHECK(t_write_file("build/servegen_bad/chunk-0-trace.csv", cases[i].trace));
        if (cases[i].dataset) CHECK(t_write_file("build/servegen_bad/chunk-0-dataset.json", cases[i].dataset));
        memset(&seen, 0, sizeof seen);
        memset(&err, 0, sizeof err);
        if (t_servegen_load(cases[i].yaml ? cases[i].yaml
                                          : "num_requests: 1\nservegen_data: {path: build/servegen_bad}\n",
                            &doc, &spec, blis_posix_list_dir, &seen, &err) == BLIS_OK) {
            CHECK_MSG(0, "case %lu loaded", (unsigned long)i);
            blis_workload_spec_free(&spec);
            blis_doc_free(&doc);
            continue;
        }
        blis_err_format(&err, msg, sizeof msg);
        CHECK_MSG(strstr(msg, cases[i].want) != NULL, "case %lu: got \"%s\", expected \"%s\"", (unsigned long)i, msg,
                  cases[i].want);
    }
}

/* convert servegen's output runs through run --workload-spec and gives what
 * the servegen_data spec gives. */
TEST(run_convert_servegen) {
    static char out[1 << 16], again[1 << 16];
    CHECK(t_servegen_dir("build/servegen_cli"));
    CHECK(t_write_file("build/servegen_cli.yaml", "seed: 4\nservegen_data: {path: build/servegen_cli}\n"));
    CHECK_EQ_I64(t_run("(./simulation_worker convert servegen build/servegen_cli > build/servegen_cli_conv.yaml)", out,
                       sizeof out),
                 0);
    CHECK_CONTAINS(out, "warning: servegen: dataset fields not used");
    CHECK_EQ_I64(t_run("cat build/servegen_cli_conv.yaml", out, sizeof out), 0);
    CHECK_CONTAINS(out, "horizon: 2400000000\n");
    CHECK_CONTAINS(out, "  - id: \"servegen-3\"\n    rate_fraction: 0.5\n    arrival: {process: weibull, cv: 1.5}\n");
    CHECK_EQ_I64(t_run("(./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --workload-spec "
                       "build/servegen_cli.yaml --json --log error)",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"completed_requests\":");
    CHECK_EQ_I64(
        t_run("(./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --workload-spec "
              "build/servegen_cli_conv.yaml --seed 4 --json --log error | sed 's/servegen_cli_conv/servegen_cli/')",
              again, sizeof again),
        0);
    CHECK_STR(again, out);
    CHECK_EQ_I64(
        t_run("./simulation_worker convert servegen build/servegen_cli --span-end 5 --span-start 9", out, sizeof out),
        2);
    CHECK_CONTAINS(out, "--span-end must be after --span-start");
    CHECK_EQ_I64(t_run("./simulation_worker convert servegen build/servegen_cli --span 9", out, sizeof out), 2);
    CHECK_CONTAINS(out, "unknown convert servegen flag");
    remove("build/servegen_cli.yaml");
    remove("build/servegen_cli_conv.yaml");
}

/* The streaming histograms' buckets by hand: exact below 2048, then 1024 per
 * power of two, each reported at its midpoint. */
TEST(sketch_buckets_by_hand) {
    CHECK_EQ_I64((int64_t)blis__sk_bucket(0), 0);
    CHECK_EQ_I64((int64_t)blis__sk_bucket(2047), 2047);
    CHECK_EQ_I64((int64_t)blis__sk_bucket(2048), 2048);
    CHECK_EQ_I64((int64_t)blis__sk_bucket(2049), 2048); /* [2048, 4096) in steps of 2 */
    CHECK_EQ_I64((int64_t)blis__sk_bucket(2050), 2049);
    CHECK_EQ_I64((int64_t)blis__sk_bucket(4095), 3071);
    CHECK_EQ_I64((int64_t)blis__sk_bucket(4096), 3072); /* [4096, 8192) in steps of 4 */
    CHECK_EQ_I64((int64_t)blis__sk_bucket(4099), 3072);
    CHECK_EQ_I64((int64_t)blis__sk_bucket(INT64_MAX), 2048 + 51 * 1024 + 1023);
    CHECK_EQ_F64(blis__sk_value(2047), 2047.0);
    CHECK_EQ_F64(blis__sk_value(2048), 2048.5);
    CHECK_EQ_F64(blis__sk_value(2049), 2050.5);
    CHECK_EQ_F64(blis__sk_value(3071), 4094.5);
    CHECK_EQ_F64(blis__sk_value(3072), 4097.5);
    { /* every value within BLIS_SKETCH_REL_ERROR of its bucket's midpoint */
        int64_t v;
        double worst = 0;
        for (v = 1; v < 5000000; v += 7) {
            double e = fabs(blis__sk_value(blis__sk_bucket(v)) - (double)v) / (double)v;
            if (e > worst) worst = e;
        }
        CHECK_MSG(worst <= BLIS_SKETCH_REL_ERROR, "worst relative error %g", worst);
    }
}

static double t_json_member(const blis_buf *b, const char *key) {
    blis_doc d;
    blis_err err;
    double v = NAN;
    if (blis_json_parse(b->data, b->len, NULL, &d, &err) == BLIS_OK) {
        v = t_doc_num(&d, key);
        blis_doc_free(&d);
    }
    return v;
}

/* --metrics-mode streaming against exact on the same runs (one and two
 * instances, a run that ends with requests in flight): every percentile
 * within the stated relative error, the means exact to rounding, the
 * counters equal. */
TEST(run_streaming_metrics_within_error) {
    static const char *const runs[] = {
        "\"rate\": 40, \"num_requests\": 3000",
        "\"rate\": 90, \"num_requests\": 4000, \"num_instances\": 2",
        "\"rate\": 200, \"num_requests\": 5000, \"horizon\": 20000000",
    };
    static const char *const pcts[] = {
        "e2e_p90_ms",  "e2e_p95_ms", "e2e_p99_ms", "ttft_p90_ms", "ttft_p95_ms",
        "ttft_p99_ms", "itl_p90_ms", "itl_p95_ms", "itl_p99_ms",  "scheduling_delay_p99_ms"};
    static const char *const means[] = {"e2e_mean_ms",  "ttft_mean_ms",  "itl_mean_ms",   "completed_requests",
                                        "still_queued", "still_running", "tokens_per_sec"};
    size_t i, k;
    for (i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        char opts[2][600];
        blis_buf out[2];
        blis_err err;
        int m, ok = 1;
        for (m = 0; m < 2; m++) {
            snprintf(opts[m], sizeof opts[m],
                     "{\"model\": \"meta-llama/llama-3.1-8b-instruct\", \"alpha_coeffs\": [232.46, 1.75, 3357.44], "
                     "\"beta_coeffs\": [5752.7, 17.25, 5.99], \"total_kv_blocks\": 29205, %s, \"metrics_mode\": "
                     "\"%s\"}",
                     runs[i], m ? "streaming" : "exact");
            if (t_run_json(opts[m], NULL, &out[m], &err) != BLIS_OK) {
                CHECK_MSG(0, "run %lu: %s", (unsigned long)i, err.msg);
                ok = 0;
            }
        }
        if (!ok) continue;
        for (k = 0; k < sizeof pcts / sizeof pcts[0]; k++) {
            double x = t_json_member(&out[0], pcts[k]), s = t_json_member(&out[1], pcts[k]);
            CHECK_MSG(x > 0 && fabs(s - x) <= BLIS_SKETCH_REL_ERROR * x * (1 + 1e-12),
                      "run %lu %s: exact %.17g, "
                      "streaming %.17g",
                      (unsigned long)i, pcts[k], x, s);
        }
        for (k = 0; k < sizeof means / sizeof means[0]; k++) {
            double x = t_json_member(&out[0], means[k]), s = t_json_member(&out[1], means[k]);
            CHECK_MSG(fabs(s - x) <= 1e-9 * fabs(x), "run %lu %s: exact %.17g, streaming %.17g", (unsigned long)i,
                      means[k], x, s);
        }
        if (i == 2) CHECK(t_json_member(&out[0], "still_queued") > 0); /* requests in flight at the horizon */
        blis_buf_free(&out[0]);
        blis_buf_free(&out[1]);
    }
}

/* --metrics-mode auto: exact up to BLIS_EXACT_METRICS_MAX_REQUESTS, streaming
 * above with a note; per-request rows keep it exact; bad values named. */
TEST(run_metrics_mode_auto) {
    static const struct {
        const char *n, *extra;
        int streaming;
    } cases[] = {{"1000", NULL, 0}, {"2000000", NULL, 0}, {"2000001", NULL, 1}, {"3000000", "build/mm.json", 0}};
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        blis_run_options o;
        blis_run r;
        blis_err err;
        blis_run_env env;
        t_log_seen seen;
        memset(&env, 0, sizeof env);
        memset(&seen, 0, sizeof seen);
        env.log = t_log_collect;
        env.log_user = &seen;
        blis_run_options_init(&o);
        CHECK(blis_run_option_set(&o, "model", "meta-llama/llama-3.1-8b-instruct", &err) == BLIS_OK);
        CHECK(blis_run_option_set(&o, "alpha-coeffs", "1,1,1", &err) == BLIS_OK);
        CHECK(blis_run_option_set(&o, "beta-coeffs", "1,1,1", &err) == BLIS_OK);
        CHECK(blis_run_option_set(&o, "num-requests", cases[i].n, &err) == BLIS_OK);
        if (cases[i].extra) CHECK(blis_run_option_set(&o, "results-path", cases[i].extra, &err) == BLIS_OK);
        if (blis_run_configure(&r, &o, &env, &err) != BLIS_OK) {
            CHECK_MSG(0, "case %lu: %s", (unsigned long)i, err.msg);
        } else {
            CHECK_EQ_I64(r.cfg.streaming_metrics, cases[i].streaming);
            if (cases[i].streaming)
                CHECK_CONTAINS(seen.text, "warn: 2000001 requests: percentiles from streaming histograms (within "
                                          "0.049% of the exact ones; means exact)");
            else
                CHECK(!strstr(seen.text, "streaming"));
        }
        blis_run_free(&r);
        blis_run_options_free(&o);
    }
    {
        blis_buf out;
        blis_err err;
        CHECK(t_run_json("{\"model\": \"m\", \"metrics_mode\": \"sketchy\"}", NULL, &out, &err) == BLIS_E_INVALID);
        CHECK_CONTAINS(err.msg, "--metrics-mode");
        CHECK_CONTAINS(err.msg, "auto, exact or streaming");
    }
}

/* Compact waiting requests give the same bytes as whole ones: each run's
 * full text output (metrics, KV and anomaly blocks) with --waiting-requests
 * compact and full, over the paths a waiting request can take: long queues,
 * KV pressure (preemptions, stalls, requests too large), prefix caching,
 * chunked prefill, the CPU tier, a horizon that leaves requests queued,
 * out-of-order queueing (a large per-token queueing delay), admission that
 * rejects, workload specs (sessions, cohorts) and traces, invariants checked
 * after every event. */
TEST(run_compact_waiting_same_bytes) {
    static const char *const base = "./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --alpha-coeffs "
                                    "232.46,1.75,3357.44 --beta-coeffs 5752.7,17.25,5.99 --log error ";
    static const char *const runs[] = {
        "--total-kv-blocks 29205 --rate 1000 --num-requests 3000",
        "--total-kv-blocks 400 --rate 20 --num-requests 200",
        "--total-kv-blocks 120 --rate 50 --num-requests 150 --prompt-tokens 600 --prompt-tokens-stdev 500 "
        "--output-tokens 900 --output-tokens-stdev 600",
        "--total-kv-blocks 5000 --rate 300 --num-requests 2000 --prefix-tokens 200",
        "--total-kv-blocks 5000 --rate 300 --num-requests 1500 --long-prefill-token-threshold 128",
        "--total-kv-blocks 2000 --rate 200 --num-requests 1500 --kv-cpu-blocks 3000",
        "--total-kv-blocks 29205 --rate 1000 --num-requests 5000 --horizon 3000000",
        "--alpha-coeffs 0,400,0 --total-kv-blocks 29205 --rate 2000 --num-requests 3000 --prompt-tokens-stdev 900",
        "--total-kv-blocks 29205 --rate 800 --num-requests 2000 --admission-policy token-bucket "
        "--token-bucket-capacity 20000 --token-bucket-refill-rate 300000",
        "--total-kv-blocks 3000 --rate 400 --num-requests 800 --check-invariants",
        "--total-kv-blocks 29205 --rate 500 --num-requests 1000 --num-instances 2",
        "--total-kv-blocks 29205 --workload-spec build/compact_spec.yaml",
        "--total-kv-blocks 29205 --workload traces --workload-traces-filepath build/compact_trace.csv",
    };
    static char full[1 << 15], compact[1 << 15];
    FILE *f;
    size_t i;
    if ((f = fopen("build/compact_spec.yaml", "w")) != NULL) {
        fputs("seed: 11\nnum_requests: 1500\naggregate_rate: 600\nclients:\n"
              "  - id: chat\n    rate_fraction: 3\n    arrival: {process: gamma, cv: 3}\n"
              "    input_distribution: {type: exponential, params: {mean: 300}}\n"
              "    output_distribution: {type: exponential, params: {mean: 200}}\n    prefix_group: sys\n"
              "  - id: think\n    rate_fraction: 1\n    arrival: {process: poisson}\n"
              "    input_distribution: {type: gaussian, params: {mean: 200, std_dev: 50, min: 10, max: 400}}\n"
              "    output_distribution: {type: constant, params: {value: 300}}\n"
              "    reasoning: {multi_turn: {max_rounds: 3, think_time_us: 200000, context_growth: accumulate}}\n"
              "cohorts:\n  - id: burst\n    population: 3\n    rate_fraction: 1\n    arrival: {process: poisson}\n"
              "    input_distribution: {type: constant, params: {value: 100}}\n"
              "    output_distribution: {type: constant, params: {value: 50}}\n"
              "    spike: {start_time_us: 500000, duration_us: 1000000}\n",
              f);
        fclose(f);
    }
    if ((f = fopen("build/compact_trace.csv", "w")) != NULL) {
        int k;
        fputs("arrival,a,b,input,output\n", f);
        for (k = 0; k < 400; k++)
            fprintf(f, "%d.%03d,x,y,\"[%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d]\",\"[1,2,3,4,5,6,7,8]\"\n",
                    k / 500, (k * 2) % 1000, k % 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, k);
        fclose(f);
    }
    for (i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        char cmd[1024];
        int rc_full, rc_compact;
        snprintf(cmd, sizeof cmd, "(%s %s --waiting-requests full)", base, runs[i]);
        rc_full = t_run(cmd, full, sizeof full);
        snprintf(cmd, sizeof cmd, "(%s %s)", base, runs[i]);
        rc_compact = t_run(cmd, compact, sizeof compact);
        CHECK_MSG(rc_full == 0 && rc_compact == 0, "run %lu: exit %d / %d: %s", (unsigned long)i, rc_full, rc_compact,
                  compact);
        CHECK_MSG(!strcmp(full, compact), "run %lu: compact output differs:\n%s\n---\n%s", (unsigned long)i, full,
                  compact);
        CHECK_CONTAINS(compact, "\"completed_requests\":");
    }
    remove("build/compact_spec.yaml");
    remove("build/compact_trace.csv");
}

/* A run from a JSON options object, prepared (o, d and r to free). */
static blis_status t_run_prepared(const char *json, blis_run_options *o, blis_doc *d, blis_run *r, blis_err *err) {
    blis_status st;
    memset(r, 0, sizeof *r);
    memset(d, 0, sizeof *d);
    blis_run_options_init(o);
    if ((st = blis_json_parse(json, strlen(json), NULL, d, err)) != BLIS_OK) return st;
    if ((st = blis_run_options_from_json(o, d, blis_doc_root(d), err)) != BLIS_OK) return st;
    return blis_run_prepare(r, o, NULL, err);
}

/* The compact queue's paths are taken: requests queued as indices, and
 * (queueing delay growing with the prompt, so a later short prompt is queued
 * before an earlier long one) requests held aside whole. */
TEST(run_compact_waiting_paths) {
    static const char *const runs[] = {
        "{\"model\": \"m\", \"alpha_coeffs\": [232.46, 1.75, 3357.44], \"beta_coeffs\": [5752.7, 17.25, 5.99], "
        "\"total_kv_blocks\": 29205, \"rate\": 1000, \"num_requests\": 3000}",
        "{\"model\": \"m\", \"alpha_coeffs\": [0, 400, 0], \"beta_coeffs\": [5752.7, 17.25, 5.99], "
        "\"total_kv_blocks\": 29205, \"rate\": 2000, \"num_requests\": 3000, \"prompt_tokens_stdev\": 900}",
    };
    size_t i;
    for (i = 0; i < 2; i++) {
        blis_run_options o;
        blis_run r;
        blis_err err;
        blis_doc d;
        if (t_run_prepared(runs[i], &o, &d, &r, &err) != BLIS_OK || blis_run_execute(&r, &err) != BLIS_OK) {
            CHECK_MSG(0, "run %lu: %s", (unsigned long)i, err.msg);
        } else {
            const blis_sim *s = &r.cluster.instances[0];
            CHECK(s->lazy);
            CHECK_MSG(s->compacted > 1000, "run %lu: %lld compacted", (unsigned long)i, (long long)s->compacted);
            if (i == 1) CHECK_MSG(s->held_aside > 0, "held aside %lld", (long long)s->held_aside);
            CHECK_EQ_I64(s->completed, 3000);
            CHECK_EQ_I64(s->side_len, 0);
            CHECK_EQ_I64(s->waitq.vlen, 0);
        }
        blis_run_free(&r);
        blis_run_options_free(&o);
        blis_doc_free(&d);
    }
}

/* Where compact waiting requests cannot pay, the workload is not opened a
 * second time: several instances, a spec of more than
 * BLIS_COMPACT_MAX_CLIENTS clients, per-request output. */
TEST(run_compact_waiting_not_opened) {
    static const char *const runs[] = {
        "{\"model\": \"m\", \"alpha_coeffs\": [1, 1, 1], \"beta_coeffs\": [1, 1, 1], \"num_requests\": 10, "
        "\"num_instances\": 2}",
        "{\"model\": \"m\", \"alpha_coeffs\": [1, 1, 1], \"beta_coeffs\": [1, 1, 1], \"num_requests\": 10, "
        "\"results_path\": \"build/compact_results.json\"}",
        "{\"model\": \"m\", \"alpha_coeffs\": [1, 1, 1], \"beta_coeffs\": [1, 1, 1], \"num_requests\": 10, "
        "\"workload_spec\": \"build/compact_many.yaml\"}",
        "{\"model\": \"m\", \"alpha_coeffs\": [1, 1, 1], \"beta_coeffs\": [1, 1, 1], \"num_requests\": 10}",
    };
    size_t i;
    CHECK(t_write_file("build/compact_many.yaml",
                       "aggregate_rate: 10\ncohorts:\n  - id: c\n    population: 1025\n    rate_fraction: 1\n"
                       "    arrival: {process: poisson}\n"
                       "    input_distribution: {type: constant, params: {value: 10}}\n"
                       "    output_distribution: {type: constant, params: {value: 5}}\n"));
    for (i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        blis_run_options o;
        blis_run r;
        blis_err err;
        blis_doc d;
        if (t_run_prepared(runs[i], &o, &d, &r, &err) != BLIS_OK) {
            CHECK_MSG(0, "run %lu: %s", (unsigned long)i, err.msg);
        } else {
            int opened = r.have_gen_lag || r.have_spec_gen_lag || r.have_trace_lag;
            CHECK_MSG(opened == (i == 3), "run %lu: lag source opened %d", (unsigned long)i, opened);
            CHECK_EQ_I64(r.cluster.instances[0].lazy, i == 3);
        }
        blis_run_free(&r);
        blis_run_options_free(&o);
        blis_doc_free(&d);
    }
    remove("build/compact_many.yaml");
    remove("build/compact_results.json");
}

/* The held indices' byte ring: small differences (either way) a byte each,
 * large ones escaped, through many doublings and wraps. */
TEST(waitq_held_indices) {
    blis_waitq q;
    int64_t want[3000], idx = 5;
    size_t n = 0, k;
    int round;
    memset(&q, 0, sizeof q);
    for (round = 0; round < 40; round++) {
        for (k = 0; k < 60 && n < 3000; k++) {
            int64_t step = (k % 7 == 3) ? -2 : (k % 13 == 5) ? (int64_t)1 << 40 : (k % 17 == 2) ? -300 : 1;
            idx = idx + step < 0 ? idx + 1 : idx + step;
            want[n++] = idx;
            CHECK_EQ_I64(blis__wq_vpush(&q, idx), 0);
        }
        for (k = 0; k < 40 && n > 0; k++) { /* pop from the front: the oldest first */
            CHECK_EQ_I64(blis__wq_vpop(&q), want[0]);
            memmove(want, want + 1, (n - 1) * sizeof *want);
            n--;
        }
        CHECK_EQ_I64(q.vlen, (int64_t)n);
    }
    while (n > 0) {
        CHECK_EQ_I64(blis__wq_vpop(&q), want[0]);
        memmove(want, want + 1, (n - 1) * sizeof *want);
        n--;
    }
    CHECK_EQ_I64(q.vlen, 0);
    CHECK_EQ_I64((int64_t)q.vb_len, 0);
    blis__free(NULL, q.vbytes);
}
