/* tests/test_eval.c - the ground-truth loader, the trace reader and the
 * request source of `evaluate`, on records and traces written here; the
 * command on two real records (skipped without ../shared). */

TEST(eval_gpu_names) {
    CHECK_STR(blis_gpu_from_device_name("NVIDIA H100 80GB HBM3 (SXM)"), "H100");
    CHECK_STR(blis_gpu_from_device_name("NVIDIA H100 80GB HBM3"), "H100");
    CHECK_STR(blis_gpu_from_device_name("NVIDIA H200"), "H200");
    CHECK_STR(blis_gpu_from_device_name("NVIDIA A100-SXM4-80GB"), "A100-80");
    CHECK_STR(blis_gpu_from_device_name("NVIDIA A100-SXM4-40GB"), "A100-40GB");
    CHECK_STR(blis_gpu_from_device_name("nvidia l40s"), "L40S");
    CHECK_STR(blis_gpu_from_device_name("Tesla V100-SXM2-16GB"), "");
    /* exact names and aliases only: a name containing an entry's is not it */
    CHECK_STR(blis_gpu_from_device_name("NVIDIA GB200"), "GB200"); /* its own entry, not B200 */
    CHECK_STR(blis_gpu_from_device_name("NVIDIA B300"), "B300");
    CHECK_STR(blis_gpu_from_device_name("NVIDIA GB300"), "");
    CHECK_STR(blis_gpu_from_device_name("NVIDIA H100 NVL"), "");
    CHECK_STR(blis_gpu_from_device_name("NVIDIA A100-PCIE-40GB"), "");
    CHECK_STR(blis_gpu_from_device_name("NVIDIA B200"), "B200");
    CHECK_STR(blis_gpu_from_device_name("NVIDIA H100 PCIe"), "H100-PCIe");
    CHECK_STR(blis_gpu_alias("  h100-sxm5_80gb "), "H100");
    CHECK_STR(blis_gpu_alias("A100 80GB PCIe"), "A100-PCIe");
    CHECK_STR(blis_gpu_alias(""), "");
    CHECK_STR(blis_gpu_alias(NULL), "");
}

#define T_GT_RECORD(extra)                                                                                           \
    "{\"id\": \"r1\", \"model\": \"Qwen/Qwen3-14B\", \"hardware\": {\"gpu\": \"NVIDIA H100 80GB HBM3\"}, \"tp\": 2," \
    " \"vllm_config\": {\"max_num_seqs\": 64, \"block_size\": 16, \"gpu_kv_blocks\": 1000, \"cpu_offload\": true,"   \
    " \"cpu_kv_blocks\": 50}," extra                                                                                 \
    " \"metrics\": {\"summary\": {\"ttft_ms\": {\"mean\": 20, \"p90\": 30, \"p99\": 40}, \"e2e_ms\": {\"mean\": "    \
    "900, \"p90\": 1000, \"p99\": 1200}, \"tpot_derived_ms\": 7.5}}}"

static blis_status t_gt_parse(const char *json, blis_gt_experiment *e, blis_doc *d, blis_err *err) {
    blis_parse_opts o;
    blis_status st;
    memset(&o, 0, sizeof o);
    o.source = "gt.json";
    if ((st = blis_json_parse(json, strlen(json), &o, d, err))) return st;
    return blis_gt_experiment_from_doc(d, blis_doc_root(d), e, err);
}

TEST(eval_record_loader) {
    blis_gt_experiment e;
    blis_doc d;
    blis_err err;
    static const struct {
        const char *json, *want;
    } bad[] = {
        {"{\"id\": \"x\"}", "missing field \"model\""},
        {"{\"id\": \"x\", \"model\": \"m/n\"}", "missing field \"hardware\""},
        {"{\"id\": \"x\", \"model\": \"m/n\", \"hardware\": {\"gpu\": \"H100\"}}", "missing field \"tp\""},
        {"{\"id\": \"x\", \"model\": \"m/n\", \"hardware\": {\"gpu\": \"H100\"}, \"tp\": 0}", "tp must be in 1..64"},
        {"{\"id\": \"x\", \"model\": \"m/n\", \"hardware\": {\"gpu\": \"H100\"}, \"tp\": 1}",
         "missing field \"vllm_config\""},
        {"{\"id\": \"x\", \"model\": \"m/n\", \"hardware\": {\"gpu\": \"H100\"}, \"tp\": 1, \"vllm_config\": {}}",
         "missing field \"metrics.summary\""},
        {"{\"id\": \"x\", \"model\": 7}", "model"},
        {"[1]", "a record must be an object"},
        {"{\"id\": \"x\", \"model\": \"m/n\", \"hardware\": {\"gpu\": \"H100\"}, \"tp\": 1, \"vllm_config\": "
         "{\"block_size\": -16}}",
         "must be >= 1 when given, got -16"},
    };
    size_t i;
    CHECK_EQ_I64(t_gt_parse(T_GT_RECORD(" \"workload\": {\"shared_prefix\": {\"output_len\": 247, "
                                        "\"num_unique_system_prompts\": 3, \"system_prompt_len\": 100}},"
                                        " \"trace\": {\"path\": \"t.csv.gz\"}, \"flags\": {\"client_limited\": true},"),
                            &e, &d, &err),
                 BLIS_OK);
    CHECK_STR(e.id, "r1");
    CHECK_STR(e.gpu, "H100");
    CHECK_EQ_I64(e.tp, 2);
    CHECK_EQ_I64(e.dp, 1);
    CHECK_EQ_I64(e.max_num_seqs, 64);
    CHECK_EQ_I64(e.max_num_batched_tokens, 8192); /* vLLM's default when not stated */
    CHECK_EQ_I64(e.gpu_kv_blocks, 1000);
    CHECK_EQ_I64(e.cpu_kv_blocks, 50);
    CHECK_EQ_I64(e.output_len, 247);
    CHECK_EQ_I64(e.shared_prompts, 3);
    CHECK(e.client_limited == 1 && e.gpu_memory_utilization == 0.9);
    CHECK_STR(e.trace_path, "t.csv.gz");
    CHECK(e.measured.ttft_p99 == 40 && e.measured.e2e_mean == 900 && e.measured.itl_mean == 7.5);
    CHECK_STR(e.itl_source, "tpot_derived_ms");
    CHECK_EQ_F64(e.client_timeout_ms, 0.0); /* nothing failed: no timeout known */
    blis_doc_free(&d);
    /* the client's timeout, from the failed requests' E2E median */
    CHECK_EQ_I64(t_gt_parse("{\"id\": \"r2\", \"model\": \"m/n\", \"hardware\": {\"gpu\": \"H100\"}, \"tp\": 1, "
                            "\"vllm_config\": {}, \"metrics\": {\"summary\": {\"num_requests_failed\": 7, "
                            "\"failed_e2e_ms\": {\"mean\": 300600, \"p50\": 300502.5}}}}",
                            &e, &d, &err),
                 BLIS_OK);
    CHECK_EQ_F64(e.client_timeout_ms, 300502.5);
    blis_doc_free(&d);
    CHECK_EQ_I64(t_gt_parse("{\"id\": \"r3\", \"model\": \"m/n\", \"hardware\": {\"gpu\": \"H100\"}, \"tp\": 1, "
                            "\"vllm_config\": {}, \"metrics\": {\"summary\": {\"num_requests_failed\": 0, "
                            "\"failed_e2e_ms\": {\"p50\": 300502.5}}}}",
                            &e, &d, &err),
                 BLIS_OK);
    CHECK_EQ_F64(e.client_timeout_ms, 0.0);
    blis_doc_free(&d);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        blis_status st = t_gt_parse(bad[i].json, &e, &d, &err);
        CHECK_MSG(st != BLIS_OK, "case %lu accepted", (unsigned long)i);
        CHECK_MSG(strstr(err.msg, bad[i].want) != NULL || strstr(err.path, bad[i].want) != NULL, "case %lu: %s",
                  (unsigned long)i, err.msg);
        CHECK_MSG(err.line >= 1, "case %lu: no position", (unsigned long)i);
        blis_doc_free(&d);
    }
}

/* The trace: columns by name, sorted by arrival (the first at 0), the send
 * time when client-limited, output_len for every request; the source, with
 * unique prompts: the system prompt's blocks shared per prompt, the rest
 * unique; with inference-perf's prompt set (the default): an input as long
 * as an earlier one is the same prompt, every full block shared. */
TEST(eval_trace_and_source) {
    blis_gt_experiment e;
    blis_doc d;
    blis_err err;
    blis_eval_trace t;
    blis_eval_source s;
    blis_request r[4];
    size_t k;
    int has = 1;
    FILE *f;
    if (system("gzip --version >/dev/null 2>&1") != 0) SKIP("the gzip program is not installed");
    if ((f = fopen("build/eval_trace.csv", "w")) == NULL) {
        CHECK_MSG(0, "cannot write the trace");
        return;
    }
    fputs("request_id,arrival_time_us,send_time_rel_us,server_input_tokens,output_tokens\n"
          "0,1000,1500,120,9\n1,500,2500,64,3\n2,3000,1200,200,0\n3,4000,4000,40,5\n",
          f);
    fclose(f);
    CHECK_EQ_I64(system("gzip -f build/eval_trace.csv"), 0);
    CHECK_EQ_I64(t_gt_parse(T_GT_RECORD(""), &e, &d, &err), BLIS_OK);
    CHECK_EQ_I64(blis_eval_trace_load(&e, "build/eval_trace.csv.gz", 0, NULL, &t, &err), BLIS_OK);
    CHECK_EQ_I64((int64_t)t.n, 4);
    CHECK(t.arrival_us[0] == 0 && t.arrival_us[1] == 500 && t.arrival_us[2] == 2500 && t.arrival_us[3] == 3500);
    CHECK(t.input_tokens[0] == 64 && t.output_tokens[0] == 3 && t.output_tokens[2] == 1); /* 0 outputs -> 1 */
    blis_eval_trace_free(&t);
    e.client_limited = 1; /* replay the send times */
    e.output_len = 7;
    e.shared_prompts = 2;
    e.shared_len = 32;
    CHECK_EQ_I64(blis_eval_trace_load(&e, "build/eval_trace.csv.gz", 3, NULL, &t, &err), BLIS_OK);
    CHECK_EQ_I64((int64_t)t.n, 3); /* --max-requests keeps the first rows */
    CHECK(t.arrival_us[0] == 0 && t.arrival_us[1] == 300 && t.arrival_us[2] == 1300);
    CHECK(t.output_tokens[0] == 7 && t.output_tokens[1] == 7 && t.input_tokens[0] == 200);
    blis_eval_trace_free(&t);
    CHECK_EQ_I64(blis_eval_trace_load(&e, "build/eval_trace.csv.gz", 0, NULL, &t, &err), BLIS_OK);
    e.unique_prompts = 1;
    blis_eval_source_init(&s, &t, &e, 16, NULL);
    for (k = 0; k < 4 && has; k++) CHECK_EQ_I64(blis_eval_source_next(&s, &r[k], &has, &err), BLIS_OK);
    /* rows sorted by send time: 1200 (200 in), 1500 (120), 2500 (64), 4000 (40); prompts 0,1,0,1 in turn */
    CHECK(r[0].input_tokens == 200 && r[1].input_tokens == 120 && r[2].input_tokens == 64);
    CHECK(r[0].block_hashes[0] == r[2].block_hashes[0] && r[0].block_hashes[1] == r[2].block_hashes[1]);
    CHECK(r[0].block_hashes[0] != r[1].block_hashes[0]);
    CHECK(r[0].block_hashes[2] != r[2].block_hashes[2]); /* past the 32-token system prompt: unique */
    for (k = 0; k < 4; k++) blis_request_free(NULL, &r[k]);
    blis_eval_source_free(&s);
    blis_eval_trace_free(&t);
    if ((f = fopen("build/eval_trace.csv", "w")) == NULL) {
        CHECK_MSG(0, "cannot write the trace");
        return;
    }
    fputs("arrival_time_us,input_tokens,output_tokens\n0,100,40\n10,60,40\n20,100,40\n30,101,40\n", f);
    fclose(f);
    CHECK_EQ_I64(system("gzip -f build/eval_trace.csv"), 0);
    e.unique_prompts = 0;
    e.client_limited = 0;
    e.output_len = 0;
    CHECK_EQ_I64(blis_eval_trace_load(&e, "build/eval_trace.csv.gz", 0, NULL, &t, &err), BLIS_OK);
    blis_eval_source_init(&s, &t, &e, 16, NULL);
    for (k = 0, has = 1; k < 4 && has; k++) CHECK_EQ_I64(blis_eval_source_next(&s, &r[k], &has, &err), BLIS_OK);
    CHECK(r[0].input_tokens == 100 && r[2].input_tokens == 100 && r[3].input_tokens == 101);
    CHECK_EQ_I64(r[0].block_hash_count, 8);                                      /* (100 + 40) / 16 */
    for (k = 0; k < 6; k++) CHECK(r[0].block_hashes[k] == r[2].block_hashes[k]); /* all 6 full input blocks */
    CHECK(r[0].block_hashes[6] != r[2].block_hashes[6]); /* the block with the last input tokens: its own */
    CHECK(r[0].block_hashes[0] != r[3].block_hashes[0] && r[0].block_hashes[0] != r[1].block_hashes[0]);
    for (k = 0; k < 4; k++) blis_request_free(NULL, &r[k]);
    blis_eval_source_free(&s);
    blis_eval_trace_free(&t);
    if ((f = fopen("build/eval_bad.csv", "w")) != NULL) {
        fputs("when,input_tokens,output_tokens\n1,2,3\n", f);
        fclose(f);
    }
    CHECK_EQ_I64(system("gzip -f build/eval_bad.csv"), 0);
    e.client_limited = 0;
    CHECK_EQ_I64(blis_eval_trace_load(&e, "build/eval_bad.csv.gz", 0, NULL, &t, &err), BLIS_E_MISSING);
    CHECK_CONTAINS(err.msg, "trace needs columns arrival_time_us");
    CHECK_EQ_I64(blis_eval_trace_load(&e, "build/none.csv.gz", 0, NULL, &t, &err), BLIS_E_IO);
    blis_doc_free(&d);
    remove("build/eval_trace.csv.gz");
    remove("build/eval_bad.csv.gz");
}

/* The command on two real records: deterministic JSON; an unknown --id is
 * an error; a bad record is listed as skipped with its reason. */
TEST(eval_cli) {
    static char out[65536], again[65536];
    const char *dir = t_shared_dir();
    char cmd[1400];
    FILE *f;
    if ((f = fopen("build/gt_bad.json", "w")) != NULL) {
        fputs("{\"records\": [{\"id\": \"broken\", \"model\": \"m/n\"},\n" T_GT_RECORD(" \"trace\": null,") "]}\n", f);
        fclose(f);
    }
    /* what ran (nothing) is printed; a bad record makes the exit status 2 */
    CHECK_EQ_I64(t_run("./simulation_worker evaluate --ground-truth build/gt_bad.json --json", out, sizeof out), 2);
    CHECK_CONTAINS(out, "1 record skipped for bad input in build/gt_bad.json");
    CHECK_CONTAINS(out, "\"experiments_run\": 0");
    CHECK_CONTAINS(out, "\"id\": \"broken\",\n      \"reason\": \"build/gt_bad.json:1:");
    CHECK_CONTAINS(out, "missing field \\\"hardware\\\"");
    CHECK_CONTAINS(out, "\"id\": \"r1\",\n      \"reason\": \"no per-request trace");
    CHECK_EQ_I64(t_run("./simulation_worker evaluate --ground-truth build/gt_bad.json --id nope", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--id nope: no such record");
    CHECK_EQ_I64(t_run("./simulation_worker evaluate", out, sizeof out), 2);
    CHECK_CONTAINS(out, "evaluate needs --ground-truth FILE");
    CHECK_EQ_I64(
        t_run("./simulation_worker evaluate --ground-truth build/gt_bad.json --roofline-ext moe,gpu", out, sizeof out),
        2);
    CHECK_CONTAINS(out, "--roofline-ext");
    CHECK_CONTAINS(out, "moe, fused, allreduce");
    CHECK_EQ_I64(
        t_run("./simulation_worker evaluate --ground-truth build/gt_bad.json --client-max-inflight 0", out, sizeof out),
        2);
    CHECK_CONTAINS(out, "--client-max-inflight");
    CHECK_EQ_I64(
        t_run("./simulation_worker evaluate --ground-truth build/gt_bad.json --client-timeout -3", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--client-timeout");
    CHECK_EQ_I64(t_run("./simulation_worker evaluate --ground-truth build/gt_bad.json --client-timeout 30 "
                       "--client-max-inflight 8 --roofline-ext all --open-loop --unique-prompts --json",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "\"experiments_run\": 0");
    remove("build/gt_bad.json");
    if (!dir) SKIP("../shared is absent (the real records)");
    snprintf(cmd, sizeof cmd,
             "./simulation_worker evaluate --ground-truth %s/groundtruth/groundtruth.json --json --id "
             "residency-sweep_rate-agg_2rps-vanilla --id isim-train-20260218-084319-llama-2-70b-tp4-roleplay",
             dir);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    CHECK_CONTAINS(out, "\"experiments_run\": 2");
    CHECK_CONTAINS(out, "\"kv_blocks\": 18038");
    CHECK_CONTAINS(out, "\"ttft_mean\": 66.87,"); /* the record's measured mean */
    CHECK_EQ_I64(t_run(cmd, again, sizeof again), 0);
    CHECK_STR(out, again);
}

static double t_rosenbrock(void *user, const double *x) {
    (void)user;
    return 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) + (1 - x[0]) * (1 - x[0]);
}

static double t_bowl(void *user, const double *x) {
    const double *c = (const double *)user;
    double s = 0;
    int i;
    for (i = 0; i < 6; i++) s += (double)(i + 1) * (x[i] - c[i]) * (x[i] - c[i]);
    return s;
}

static double t_nan_edge(void *user, const double *x) {
    (void)user;
    return x[0] < 0 ? NAN : (x[0] - 2) * (x[0] - 2);
}

/* The optimiser on problems with known optima: Rosenbrock's valley (1, 1),
 * a scaled 6-D bowl, and a region where the objective is NaN (treated as
 * +infinity); the same inputs give the same evaluations. */
TEST(eval_nelder_mead) {
    double x[6] = {-1.2, 1, 0, 0, 0, 0}, step[6] = {0.5, 0.5, 1, 1, 1, 1}, c[6] = {1, -2, 3, 0.5, -1, 4}, f, f2;
    double y[6] = {0, 0, 0, 0, 0, 0};
    int evals = 0, evals2 = 0, i;
    f = blis_nelder_mead(t_rosenbrock, NULL, x, step, 2, 5000, 1e-14, &evals);
    CHECK_MSG(fabs(x[0] - 1) < 1e-3 && fabs(x[1] - 1) < 1e-3 && f < 1e-6, "rosenbrock: (%g, %g) f=%g after %d", x[0],
              x[1], f, evals);
    CHECK(evals <= 5000 + 3);
    f = blis_nelder_mead(t_bowl, c, y, step, 6, 20000, 1e-16, &evals);
    for (i = 0; i < 6; i++) CHECK_MSG(fabs(y[i] - c[i]) < 1e-3, "bowl x[%d] = %g, want %g", i, y[i], c[i]);
    memset(y, 0, sizeof y);
    f2 = blis_nelder_mead(t_bowl, c, y, step, 6, 20000, 1e-16, &evals2);
    CHECK(f == f2 && evals == evals2); /* deterministic */
    x[0] = 1;
    f = blis_nelder_mead(t_nan_edge, NULL, x, step + 2, 1, 500, 1e-14, &evals);
    CHECK_MSG(fabs(x[0] - 2) < 1e-4, "nan edge: %g", x[0]);
    CHECK(blis_nelder_mead(t_bowl, c, y, step, 0, 10, 0, &evals) == HUGE_VAL);
}

/* calibrate on two real records, briefly: a hardware config comes out that
 * the reader accepts; bad invocations are usage errors. */

TEST(eval_calibrate_cli) {
    static char out[65536];
    const char *dir = t_shared_dir();
    char cmd[1400];
    CHECK_EQ_I64(t_run("./simulation_worker calibrate --ground-truth x.json --out build/x.json", out, sizeof out), 2);
    CHECK_CONTAINS(out, "calibrate needs --hardware GPU and --out FILE");
    CHECK_EQ_I64(t_run("./simulation_worker calibrate --ground-truth x.json --hardware H100 --out build/x.json "
                       "--max-evals 0",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "--max-evals");
    CHECK_EQ_I64(t_run("./simulation_worker calibrate --ground-truth x.json --hardware H100 --out build/x.json "
                       "--fix allReduceLatency,mfu",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "--fix: expected a list of BwEffConstant");
    { /* forty --id pairs are evaluate's options, not too many: the missing file is the error */
        char many[2048];
        int k;
        size_t len = (size_t)snprintf(many, sizeof many,
                                      "./simulation_worker calibrate --ground-truth build/none.json --hardware H100 "
                                      "--out build/x.json");
        for (k = 0; k < 40; k++) len += (size_t)snprintf(many + len, sizeof many - len, " --id r%d", k);
        CHECK(len < sizeof many);
        CHECK_EQ_I64(t_run(many, out, sizeof out), 2);
        CHECK(strstr(out, "too many options") == NULL);
        CHECK_CONTAINS(out, "build/none.json");
    }
    if (!dir) SKIP("../shared is absent (the real records)");
    snprintf(cmd, sizeof cmd,
             "./simulation_worker calibrate --ground-truth %s/groundtruth/groundtruth.json --hardware H100 --out "
             "build/calib_h100.json --max-evals 8 --max-requests 100 --id residency-sweep_rate-agg_2rps-vanilla "
             "--id isim-train-20260218-084319-llama-2-70b-tp4-roleplay --leave-one-model-out",
             dir);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    CHECK_CONTAINS(out, "calibrate H100 on 2 model(s), each trace's first 100 requests");
    CHECK_CONTAINS(out, "leave-one-model-out");
    CHECK_CONTAINS(out, "Qwen/Qwen3-14B");
    CHECK_CONTAINS(out, "every record, each from the fit without its model: TTFT-mean MAPE ");
    CHECK_EQ_I64(t_run("./simulation_worker step --model qwen3-14b --hardware H100 --hardware-config "
                       "build/calib_h100.json --decode 1000x8",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"step_time_us\": ");
    { /* a complete hardware file: every GPU of the one it started from, only the fitted one changed; with
         --transfer every GPU gets the fitted constants */
        blis_doc base, fit;
        int k;
        blis_hw_config b_h100, b_h200, f_h100, f_h200;
        blis_err err;
        CHECK(t_read_json_file("data/hardware_calibrated.json", &base));
        CHECK(t_read_json_file("build/calib_h100.json", &fit));
        CHECK_EQ_I64(blis_hw_config_from_doc(&base, "H100", &b_h100, &err), BLIS_OK);
        CHECK_EQ_I64(blis_hw_config_from_doc(&base, "H200", &b_h200, &err), BLIS_OK);
        CHECK_EQ_I64(blis_hw_config_from_doc(&fit, "H100", &f_h100, &err), BLIS_OK);
        CHECK_EQ_I64(blis_hw_config_from_doc(&fit, "H200", &f_h200, &err), BLIS_OK);
        CHECK(blis_node_get(&fit, blis_doc_root(&fit), "L40S") && blis_node_get(&fit, blis_doc_root(&fit), "B200"));
        CHECK_EQ_F64(f_h200.v1_bw_efficiency, b_h200.v1_bw_efficiency);
        CHECK_EQ_F64(f_h200.bw_peak_tbs, b_h200.bw_peak_tbs);
        CHECK_EQ_F64(f_h100.tflops_peak, b_h100.tflops_peak); /* the fitted GPU keeps its datasheet */
        CHECK_EQ_F64(f_h100.memory_gib, b_h100.memory_gib);
        blis_doc_free(&fit);
        blis_doc_free(&base);
        /* --fix keeps the named constants where they started: from the reference's file, whose request
           overhead is absent (0), the fit otherwise starts it at 5 ms; --transfer gives every GPU the fit */
        for (k = 0; k < 3; k++) {
            snprintf(cmd, sizeof cmd,
                     "./simulation_worker calibrate --ground-truth %s/groundtruth/groundtruth.json --hardware H100 "
                     "--out build/calib_t.json --max-evals 12 --max-requests 60 --ignore-traces %s --id "
                     "residency-sweep_rate-agg_2rps-vanilla",
                     dir,
                     k == 0   ? "--hardware-config data/hardware_config.json"
                     : k == 1 ? "--hardware-config data/hardware_config.json --fix allReduceLatency,v1RequestOverheadUs"
                              : "--transfer");
            CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
            CHECK(t_read_json_file("build/calib_t.json", &fit));
            CHECK_EQ_I64(blis_hw_config_from_doc(&fit, "H100", &f_h100, &err), BLIS_OK);
            CHECK_EQ_I64(blis_hw_config_from_doc(&fit, "L40S", &f_h200, &err), BLIS_OK);
            blis_doc_free(&fit);
            if (k == 0) CHECK(f_h100.v1_request_overhead_us > 0);
            if (k == 1) {
                CHECK_CONTAINS(out, "(fixed, kept at ");
                CHECK_EQ_F64(f_h100.v1_request_overhead_us, 0);
                CHECK_EQ_F64(f_h100.v1_allreduce_us, 20);
            }
        }
        CHECK_CONTAINS(out, "[blis] calibrate H100: evaluation 10/12, objective ");
        CHECK_CONTAINS(out, "each with the fitted constants");
        CHECK_EQ_F64(f_h200.v1_request_overhead_us, f_h100.v1_request_overhead_us);
        CHECK_EQ_F64(f_h200.v1_mfu_prefill, f_h100.v1_mfu_prefill);
        CHECK_EQ_F64(f_h200.tflops_peak, 362.05); /* its own datasheet */
        remove("build/calib_t.json");
    }
    /* the worker processes do not change the result: one job and three give the same file */
    {
        char *a = NULL, *b = NULL;
        size_t la = 0, lb = 0;
        blis_err err;
        int k;
        for (k = 0; k < 2; k++) {
            snprintf(cmd, sizeof cmd,
                     "./simulation_worker calibrate --ground-truth %s/groundtruth/groundtruth.json --hardware H100 "
                     "--out build/calib_j%d.json --max-evals 12 --max-requests 80 --roofline-ext all --objective log "
                     "--weigh-models-equally --jobs %d --id residency-sweep_rate-agg_2rps-vanilla --id "
                     "residency-w5_sweep-agg6 --id isim-train-20260218-084319-llama-2-70b-tp4-roleplay",
                     dir, k, k ? 3 : 1);
            CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
        }
        CHECK_CONTAINS(out, "3 job(s), roofline extensions moe fused allreduce lmhead gemm");
        CHECK_CONTAINS(out, "mfuDecode");
        CHECK_CONTAINS(out, "(unused with gemm, kept at 0.12)");
        CHECK_CONTAINS(out, "objective: log errors of the TTFT and E2E means, each model weighing the same");
        CHECK_CONTAINS(out, "v1SeqOverheadUs");
        CHECK_EQ_I64(blis_file_read("build/calib_j0.json", 0, NULL, &a, &la, &err), BLIS_OK);
        CHECK_EQ_I64(blis_file_read("build/calib_j1.json", 0, NULL, &b, &lb, &err), BLIS_OK);
        CHECK(a && b && la == lb && memcmp(a, b, la) == 0);
        CHECK(a && strstr(a, "\"v1RequestOverheadUs\"") != NULL);
        blis_file_free(NULL, a);
        blis_file_free(NULL, b);
        remove("build/calib_j0.json");
        remove("build/calib_j1.json");
    }
    remove("build/calib_h100.json");
}

/* Bounded work: --max-requests stops reading a trace (a bad row after
 * them is never parsed), and a trace that inflates past the stated limit
 * is an error, not gigabytes. */
TEST(eval_trace_bounded) {
    blis_gt_experiment e;
    blis_doc d;
    blis_err err;
    blis_eval_trace t;
    FILE *f;
    if (system("gzip --version >/dev/null 2>&1") != 0) SKIP("the gzip program is not installed");
    if ((f = fopen("build/eval_stop.csv", "w")) == NULL) {
        CHECK_MSG(0, "cannot write the trace");
        return;
    }
    fputs("arrival_time_us,input_tokens,output_tokens\n10,5,5\n20,6,6\nnot,a,row\n", f);
    fclose(f);
    CHECK_EQ_I64(system("gzip -f build/eval_stop.csv"), 0);
    CHECK_EQ_I64(t_gt_parse(T_GT_RECORD(""), &e, &d, &err), BLIS_OK);
    CHECK_EQ_I64(blis_eval_trace_load(&e, "build/eval_stop.csv.gz", 2, NULL, &t, &err), BLIS_OK);
    CHECK_EQ_I64((int64_t)t.n, 2);
    blis_eval_trace_free(&t);
    CHECK_EQ_I64(blis_eval_trace_load(&e, "build/eval_stop.csv.gz", 0, NULL, &t, &err), BLIS_E_TYPE);
    CHECK_CONTAINS(err.msg, "row 3: the arrival time and the token counts must be integers");
    CHECK_EQ_I64(err.line, 4);
    /* 300 MB of rows in a gzip of ~1 MB, through the tool (not inflated under the runner's valgrind) */
    CHECK_EQ_I64(system("(echo arrival_time_us,input_tokens,output_tokens; yes 1,1,1 | head -c 300000000) | gzip -1 > "
                        "build/eval_bomb.csv.gz"),
                 0);
    if ((f = fopen("build/eval_bomb.json", "w")) != NULL) {
        fputs("{\"records\": [" T_GT_RECORD(" \"trace\": {\"path\": \"eval_bomb.csv.gz\"},") "]}\n", f);
        fclose(f);
    }
    {
        static char out[16384];
        CHECK_EQ_I64(
            t_run("./simulation_worker evaluate --ground-truth build/eval_bomb.json --max-requests 5", out, sizeof out),
            2);
        CHECK_CONTAINS(out,
                       "build/eval_bomb.csv.gz: error: the trace inflates past 256 MiB (BLIS_EVAL_MAX_TRACE_BYTES)");
        CHECK_CONTAINS(out, "1 record skipped for bad input");
    }
    remove("build/eval_bomb.json");
    remove("build/eval_bomb.csv.gz");
    remove("build/eval_stop.csv.gz");
    blis_doc_free(&d);
}

/* evaluate --by: the list parsed strictly; records grouped in order of first
 * appearance, each metric's MAPE over the group's records that measured it
 * (worked by hand below); the overall summary counts every record (it
 * stopped at 1,024). */
TEST(eval_groups_by) {
    static blis_eval_result res[1100];
    blis_eval_group *g = NULL;
    size_t n = 0, i, c;
    unsigned by = 0;
    double mape, med;
    blis_err err;
    CHECK_EQ_I64(blis_eval_by_parse("model,gpu,tp", &by, &err), BLIS_OK);
    CHECK_EQ_I64(by, BLIS_EVAL_BY_MODEL | BLIS_EVAL_BY_GPU | BLIS_EVAL_BY_TP);
    CHECK_EQ_I64(blis_eval_by_parse("precision,workload,dp", &by, &err), BLIS_OK);
    CHECK_EQ_I64(by, BLIS_EVAL_BY_PRECISION | BLIS_EVAL_BY_WORKLOAD | BLIS_EVAL_BY_DP);
    CHECK_EQ_I64(blis_eval_by_parse("model,gpux", &by, &err), BLIS_E_INVALID);
    CHECK_CONTAINS(err.msg, "got \"gpux\"");
    CHECK_EQ_I64(blis_eval_by_parse("model,", &by, &err), BLIS_E_INVALID);
    CHECK_EQ_I64(blis_eval_by_parse("", &by, &err), BLIS_E_INVALID);
    memset(res, 0, sizeof res);
    for (i = 0; i < 4; i++) { /* A/H100/tp1 twice, B/H100/tp2, A/H100/tp1 skipped */
        int k;
        snprintf(res[i].model, sizeof res[i].model, "%s", i == 2 ? "B" : "A");
        snprintf(res[i].gpu, sizeof res[i].gpu, "H100");
        snprintf(res[i].precision, sizeof res[i].precision, "bfloat16");
        res[i].tp = i == 2 ? 2 : 1;
        res[i].ran = i != 3;
        for (k = 0; k < BLIS_EVAL_METRICS; k++) res[i].measured[k] = 100, res[i].predicted[k] = 100;
    }
    res[0].predicted[0] = 110; /* +10% */
    res[1].predicted[0] = 80;  /* -20% */
    res[2].predicted[0] = 150; /* +50% */
    res[1].measured[6] = NAN;  /* not measured: not counted */
    CHECK_EQ_I64(blis_eval_groups(res, 4, BLIS_EVAL_BY_MODEL | BLIS_EVAL_BY_TP, &g, &n, &err), BLIS_OK);
    CHECK_EQ_I64(n, 2);
    if (n == 2) {
        CHECK_STR(g[0].key, "model=A tp=1");
        CHECK_EQ_I64(g[0].n, 2);
        CHECK_MSG(fabs((g[0].mape[0]) - (15)) < 1e-9, "%g, expected %g", g[0].mape[0], (double)(15));
        CHECK_EQ_I64(g[0].count[6], 1);
        CHECK_STR(g[1].key, "model=B tp=2");
        CHECK_MSG(fabs((g[1].mape[0]) - (50)) < 1e-9, "%g, expected %g", g[1].mape[0], (double)(50));
    }
    free(g);
    res[0].from_profile = 1;
    CHECK_EQ_I64(
        blis_eval_groups(res, 4, BLIS_EVAL_BY_GPU | BLIS_EVAL_BY_PRECISION | BLIS_EVAL_BY_WORKLOAD, &g, &n, &err),
        BLIS_OK);
    CHECK_EQ_I64(n, 2);
    if (n == 2) {
        CHECK_STR(g[0].key, "gpu=H100 precision=bfloat16 workload=description");
        CHECK_STR(g[1].key, "gpu=H100 precision=bfloat16 workload=trace");
        CHECK_EQ_I64(g[1].n, 2);
    }
    free(g);
    for (i = 0; i < 1100; i++) { /* 1,100 records, each 10% off: all counted */
        res[i].ran = 1;
        res[i].measured[0] = 100;
        res[i].predicted[0] = 110;
    }
    blis_eval_summary(res, 1100, 0, &mape, &med, &c);
    CHECK_EQ_I64(c, 1100);
    CHECK_MSG(fabs((mape) - (10)) < 1e-9, "%g, expected %g", mape, (double)(10));
    CHECK_MSG(fabs((med) - (10)) < 1e-9, "%g, expected %g", med, (double)(10));
}
