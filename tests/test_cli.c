/* tests/test_cli.c - the simulation_worker command line (run from the
 * repository root after `make`, which builds ./simulation_worker). */
#include <sys/wait.h>

/* Runs a shell command, capturing stdout+stderr; returns the exit status
 * (or -1 if it did not exit normally). */
static int t_run(const char *cmd, char *out, size_t size) {
    char full[2100];
    FILE *p;
    size_t n = 0;
    int st;
    if ((size_t)snprintf(full, sizeof full, "%s 2>&1", cmd) >= sizeof full) { /* never run a cut command */
        snprintf(out, size, "t_run: the command is longer than %lu bytes", (unsigned long)sizeof full - 6);
        return -1;
    }
    p = popen(full, "r");
    if (!p) return -1;
    while (n + 1 < size) {
        size_t k = fread(out + n, 1, size - 1 - n, p);
        if (!k) break;
        n += k;
    }
    out[n] = '\0';
    {
        /* Drain what did not fit: closing the pipe early would kill the child with SIGPIPE. */
        char sink[4096];
        while (fread(sink, 1, sizeof sink, p) > 0) {
        }
    }
    st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int t_write_file(const char *path, const char *content) {
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fputs(content, f);
    return fclose(f) == 0;
}

TEST(cli_help_and_version) {
    char out[16384];
    CHECK_EQ_I64(t_run("./simulation_worker --help", out, sizeof out), 0);
    CHECK_CONTAINS(out, "usage: simulation_worker <command>");
    CHECK_CONTAINS(out, "check [--as json|yaml|csv] [--print] FILE...");
    CHECK_EQ_I64(t_run("./simulation_worker --version", out, sizeof out), 0);
    CHECK_CONTAINS(out, "simulation_worker (blis) " BLIS_VERSION);
}

TEST(cli_usage_errors_exit_2) {
    char out[4096];
    CHECK_EQ_I64(t_run("./simulation_worker", out, sizeof out), 2);
    CHECK_CONTAINS(out, "missing command");
    CHECK_EQ_I64(t_run("./simulation_worker frobnicate", out, sizeof out), 2);
    CHECK_CONTAINS(out,
                   "unknown command (available: run, sweep, search, plot, report, step, evaluate, calibrate, convert, "
                   "compose, validate-bench-data, import-kernel-tables, check): frobnicate");
    CHECK_EQ_I64(t_run("./simulation_worker check", out, sizeof out), 2);
    CHECK_CONTAINS(out, "check needs at least one FILE");
    CHECK_EQ_I64(t_run("./simulation_worker check --as toml x", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--as must be json, yaml or csv, got: toml");
    CHECK_EQ_I64(t_run("./simulation_worker check --bogus x.json", out, sizeof out), 2);
    CHECK_CONTAINS(out, "unknown option for check: --bogus");
}

TEST(cli_check_valid_and_invalid_files) {
    char out[4096];
    CHECK(t_write_file("build/cli_ok.yaml", "a: [1, 2]\nb: {c: d}\n"));
    CHECK(t_write_file("build/cli_bad.json", "{\n  \"a\": [1,\n}\n"));
    CHECK(t_write_file("build/cli_bad.csv", "a,b\n1\n"));
    CHECK(t_write_file("build/cli_noext", "{}"));
    CHECK_EQ_I64(t_run("./simulation_worker check build/cli_ok.yaml", out, sizeof out), 0);
    CHECK_STR(out, "build/cli_ok.yaml: ok (yaml, 9 values)\n");
    /* check answers what run would: the kinds it recognises are validated */
    CHECK_EQ_I64(t_run("./simulation_worker check data/model_configs/llama-3.1-8b-instruct/config.json "
                       "data/hardware_calibrated.json data/examples/workload_spec.yaml",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "llama-3.1-8b-instruct/config.json: ok (json, 19 values, a model config)\n");
    { /* the file's own value count (it grows with the GPUs) */
        char want[160], *src = NULL;
        size_t len = 0;
        blis_doc d;
        blis_err err;
        CHECK_EQ_I64(blis_file_read("data/hardware_calibrated.json", 0, NULL, &src, &len, &err), BLIS_OK);
        CHECK_EQ_I64(blis_json_parse(src, len, NULL, &d, &err), BLIS_OK);
        snprintf(want, sizeof want, "data/hardware_calibrated.json: ok (json, %lu values, a hardware config)\n",
                 (unsigned long)d.node_count);
        CHECK_CONTAINS(out, want);
        blis_doc_free(&d);
        free(src);
    }
    CHECK_CONTAINS(out, "data/examples/workload_spec.yaml: ok (yaml, 83 values, a workload spec)\n");
    CHECK_EQ_I64(t_run("./simulation_worker check --print build/cli_ok.yaml", out, sizeof out), 0);
    CHECK_STR(out, "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {\n    \"c\": \"d\"\n  }\n}\n");
    CHECK_EQ_I64(t_run("./simulation_worker check build/cli_bad.json", out, sizeof out), 2);
    CHECK_STR(out, "build/cli_bad.json:3:1: error: unexpected '}', expected a value\n");
    CHECK_EQ_I64(t_run("./simulation_worker check build/cli_bad.csv", out, sizeof out), 2);
    CHECK_STR(out, "build/cli_bad.csv:2:1: error: row 2 has 1 field, the header has 2\n");
    CHECK_EQ_I64(t_run("./simulation_worker check build/cli_noext", out, sizeof out), 2);
    CHECK_CONTAINS(out, "cannot tell the format");
    CHECK_EQ_I64(t_run("./simulation_worker check --as json build/cli_noext", out, sizeof out), 0);
    CHECK_EQ_I64(t_run("./simulation_worker check build/does-not-exist.json", out, sizeof out), 2);
    CHECK_CONTAINS(out, "build/does-not-exist.json: error: cannot open: No such file or directory");
    CHECK_EQ_I64(t_run("./simulation_worker check --as yaml build", out, sizeof out), 2);
    CHECK_CONTAINS(out, "build: error: cannot read");
    /* several files: every one is reported, the status is the worst */
    CHECK_EQ_I64(t_run("./simulation_worker check build/cli_bad.json build/cli_ok.yaml", out, sizeof out), 2);
    CHECK_CONTAINS(out, "build/cli_ok.yaml: ok");
}

TEST(cli_check_print_refuses_infinity) {
    char out[4096];
    CHECK(t_write_file("build/cli_inf.yaml", "a: .inf\n"));
    CHECK_EQ_I64(t_run("./simulation_worker check --print build/cli_inf.yaml", out, sizeof out), 2);
    CHECK_CONTAINS(out, "NaN or infinity");
}

TEST(cli_check_bundled_example) {
    char out[4096];
    CHECK_EQ_I64(t_run("./simulation_worker check data/examples/workload_spec.yaml", out, sizeof out), 0);
    CHECK_CONTAINS(out, "data/examples/workload_spec.yaml: ok (yaml,");
}

TEST(cli_step_v1_bundled_data) {
    char out[8192];
    CHECK_EQ_I64(t_run("./simulation_worker step --model llama-3.1-8b-instruct --hardware H100 --roofline-ext none",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"step_time_us\": 1140,"); /* the empty step of spec §4.3, the reference's constants */
    CHECK_CONTAINS(out, "data/hardware_config.json");
    /* the default (v1 with its extensions) runs blis's calibrated constants, in step and run */
    CHECK_EQ_I64(t_run("./simulation_worker step --model llama-3.1-8b-instruct --hardware H100", out, sizeof out), 0);
    CHECK_CONTAINS(out, "data/hardware_calibrated.json");
    CHECK_EQ_I64(t_run("./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --rate 4 --num-requests 5 "
                       "--log info",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "info: hardware config ./data/hardware_calibrated.json");
    CHECK_EQ_I64(t_run("./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --rate 4 --num-requests 5 "
                       "--log info --roofline-ext none",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "info: hardware config ./data/hardware_config.json");
    CHECK_EQ_I64(t_run("./simulation_worker step --model Meta-Llama/LLAMA-3.1-8B-Instruct --hardware H100 --tp 2 "
                       "--prefill 0+2048 --decode 512x8 --roofline-ext none",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"roofline\": 1,");
    CHECK_CONTAINS(out, "\"roofline_ext\": \"none\",");
    CHECK_CONTAINS(out, "\"tp\": 2,");
    CHECK_CONTAINS(out, "\"bound\": \"compute\"");
    CHECK_CONTAINS(out, "\"bound\": \"memory\"");
    CHECK_CONTAINS(out, "\"comm_us\": 1280,"); /* the reference's v1: 32 layers x 2 all-reduces x 20 us */
    /* the default: every extension; the all-reduces also move 2056 tokens x 4096 x 2 bytes */
    CHECK_EQ_I64(t_run("./simulation_worker step --model Meta-Llama/LLAMA-3.1-8B-Instruct --hardware H100 --tp 2 "
                       "--prefill 0+2048 --decode 512x8",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"roofline_ext\": \"moe,fused,allreduce,lmhead,gemm,quant,arch\",");
    CHECK(strstr(out, "\"comm_us\": 1280,") == NULL);
}

TEST(cli_step_v2_reference_bench_data) {
    char out[8192], cmd[1024];
    if (!t_shared_dir()) SKIP("../shared is absent (set BLIS_SHARED_DIR)");
    snprintf(cmd, sizeof cmd,
             "./simulation_worker step --model llama-3.1-8b-instruct --hardware H100 --hardware-config "
             "%s/reference/upstream/a410740f/hardware_config.json --bench-data-path "
             "%s/reference/upstream/a410740f/bench_data --prefill 0+2048",
             t_shared_dir(), t_shared_dir());
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    CHECK_CONTAINS(out, "\"step_time_us\": 55011,"); /* spec §4.4 example */
    CHECK_CONTAINS(out, "\"attention_config\": \"32-8-128\"");
}

TEST(cli_step_errors) {
    char out[4096];
    CHECK_EQ_I64(t_run("./simulation_worker step --model llama-3.1-8b --hardware H100 --tp 0", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--tp: expected a positive integer, got '0'");
    CHECK_EQ_I64(t_run("./simulation_worker step --model llama-3.1-8b --hardware H100 --tp abc", out, sizeof out), 2);
    CHECK_EQ_I64(t_run("./simulation_worker step --model nope --hardware H100", out, sizeof out), 2);
    CHECK_CONTAINS(out, "could not find config.json for model \"nope\". Tried: ");
    CHECK_CONTAINS(out, "data/model_configs/nope");
    CHECK_CONTAINS(out, "invalid HuggingFace repo name \"nope\"");
    /* path traversal in a model name is refused before any file is touched */
    CHECK_EQ_I64(t_run("./simulation_worker step --model ../../etc/passwd --hardware H100", out, sizeof out), 2);
    CHECK_CONTAINS(out, "contains invalid path components");
    /* with downloads off, everything tried is listed */
    CHECK_EQ_I64(
        t_run("HF_HUB_OFFLINE=1 ./simulation_worker step --model org/unknown-model --hardware H100", out, sizeof out),
        2);
    CHECK_CONTAINS(out, "data/model_configs/unknown-model");
    CHECK_CONTAINS(out, "downloading from https://huggingface.co/org/unknown-model is off here");
    CHECK_CONTAINS(out, "HF_HUB_OFFLINE is set");
    CHECK_EQ_I64(t_run("./simulation_worker step --model qwen3-14b --hardware TPU", out, sizeof out), 2);
    CHECK_CONTAINS(out, "GPU \"TPU\" not found in hardware config (available: H100, H100-PCIe, H200");
    /* GPU names: exact or the alias table, never a part of a name */
    CHECK_EQ_I64(t_run("./simulation_worker step --model qwen3-14b --hardware 'NVIDIA GB300'", out, sizeof out), 2);
    CHECK_CONTAINS(out, "GPU \"NVIDIA GB300\" not found in hardware config");
    CHECK_EQ_I64(t_run("./simulation_worker step --model qwen3-14b --hardware 'NVIDIA H100 80GB HBM3' --decode 1024x8",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"hardware\": \"H100\"");
    CHECK_EQ_I64(t_run("./simulation_worker step --model qwen3-14b --hardware H100 --prefill 100", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--prefill: expected CACHED+NEW (e.g. 0+2048), got '100'");
    CHECK_EQ_I64(t_run("./simulation_worker step --model qwen3-14b --hardware H100 --decode 5x0", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--decode: expected a positive integer, got '0'");
    CHECK_EQ_I64(t_run("./simulation_worker step --hardware H100", out, sizeof out), 2);
    CHECK_CONTAINS(out, "exactly one of --model and --model-config-folder");
    CHECK_EQ_I64(t_run("./simulation_worker step --model qwen3-14b", out, sizeof out), 2);
    CHECK_CONTAINS(out, "step needs --hardware GPU");
    CHECK_EQ_I64(t_run("./simulation_worker step --model-config-folder build/nowhere --hardware H100", out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "build/nowhere/config.json: error: cannot open");
    CHECK_EQ_I64(t_run("./simulation_worker step --model qwen3-14b --hardware H100 --bench-data-path build/nowhere",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "build/nowhere/gemm: error: cannot list the directory");
    CHECK_EQ_I64(t_run("./simulation_worker step --model qwen3-14b --hardware H100 --frob 1", out, sizeof out), 2);
    CHECK_CONTAINS(out, "unknown option for step: --frob");
}

TEST(cli_step_model_config_folder_errors_name_the_field) {
    char out[4096];
    CHECK(system("mkdir -p build/cfg_bad") == 0);
    CHECK(t_write_file("build/cfg_bad/config.json",
                       "{\"model_type\": \"llama\", \"torch_dtype\": \"bfloat16\", \"num_hidden_layers\": 2,\n"
                       " \"hidden_size\": 100, \"num_attention_heads\": 8}"));
    CHECK_EQ_I64(t_run("./simulation_worker step --model-config-folder build/cfg_bad --hardware H100", out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "build/cfg_bad/config.json: error: num_attention_heads: (8) does not divide hidden_size (100)");
}

TEST(cli_analyzer) {
    char out[16384], cmd[1024];
    CHECK_EQ_I64(t_run("./transformer_roofline_analyzer --help", out, sizeof out), 0);
    CHECK_CONTAINS(out, "usage: transformer_roofline_analyzer");
    { /* --help names every bundled GPU (each entry of data/hardware_config.json) */
        blis_doc hw;
        size_t i;
        CHECK(t_read_json_file("data/hardware_config.json", &hw));
        for (i = 0; i < blis_doc_root(&hw)->count; i++) {
            const char *name = blis_node_key_at(&hw, blis_doc_root(&hw), i)->as.string;
            char word[64];
            if (name[0] == '_') continue;
            snprintf(word, sizeof word, " %s%s", name, strstr(name, "GB200") ? ")" : ",");
            CHECK_MSG(strstr(out, word) != NULL, "analyzer --help lacks %s", name);
        }
        blis_doc_free(&hw);
    }
    CHECK_EQ_I64(
        t_run("./transformer_roofline_analyzer --input-tokens 128 -- Qwen/Qwen2.5-7B-Instruct", out, sizeof out), 0);
    CHECK_CONTAINS(out, "| Total (28 Blocks)  |");
    CHECK_CONTAINS(out, "Minimum Storage Requirement: (Weights)");
    CHECK_EQ_I64(
        t_run("./transformer_roofline_analyzer --json --hardware H100 --tp 2 --input-tokens 64 mixtral-8x7b-v0.1", out,
              sizeof out),
        0);
    CHECK_CONTAINS(out, "\"additional_experts\": ");
    CHECK_CONTAINS(out, "\"bound\": \"");
    if (t_shared_dir()) {
        snprintf(cmd, sizeof cmd,
                 "./transformer_roofline_analyzer --cached-tokens 0 0 --input-tokens 512 1024 --tra-quirks -- "
                 "%s/conformance/tra/llama/config-0.json | cmp - %s/conformance/tra/llama/output-0-1.txt",
                 t_shared_dir(), t_shared_dir());
        CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    }
}

TEST(cli_analyzer_errors) {
    char out[4096];
    CHECK_EQ_I64(
        t_run("./transformer_roofline_analyzer --cached-tokens 0 0 --input-tokens 5 -- llama-3.1-8b", out, sizeof out),
        2);
    CHECK_CONTAINS(out, "--cached-tokens has 2 values but --input-tokens has 1");
    CHECK_EQ_I64(
        t_run("./transformer_roofline_analyzer --input-tokens 5 7 --batch-size 3 -- llama-3.1-8b", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--batch-size 3 is not a multiple of the 2 queries given");
    CHECK_EQ_I64(t_run("./transformer_roofline_analyzer --input-tokens 0 -- llama-3.1-8b", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--input-tokens: expected positive integers, got '0'");
    CHECK_EQ_I64(t_run("./transformer_roofline_analyzer --input-tokens 5", out, sizeof out), 2);
    CHECK_CONTAINS(out, "missing the model");
    CHECK_EQ_I64(t_run("./transformer_roofline_analyzer --input-tokens 5 -- gpt-2", out, sizeof out), 2);
    CHECK_CONTAINS(out, "invalid HuggingFace repo name \"gpt-2\"");
    CHECK_EQ_I64(t_run("./transformer_roofline_analyzer --input-tokens 5 -- build/none.json", out, sizeof out), 2);
    CHECK_CONTAINS(out, "build/none.json: error: cannot open");
    CHECK_EQ_I64(
        t_run("./transformer_roofline_analyzer --input-tokens 5 --hardware Z9 -- llama-3.1-8b", out, sizeof out), 2);
    CHECK_CONTAINS(out, "GPU \"Z9\" not found");
    CHECK_EQ_I64(t_run("./transformer_roofline_analyzer --input-tokens 5 --wat -- llama-3.1-8b", out, sizeof out), 2);
    CHECK_CONTAINS(out, "unknown option: --wat");
}

#define T_GOLDEN0_ARGS                                                                                               \
    "--model meta-llama/llama-3.1-8b-instruct --workload distribution --rate 10 --num-requests 300 "                 \
    "--prefix-tokens 284 --prompt-tokens 70 --prompt-tokens-stdev 35 --prompt-tokens-min 2 --prompt-tokens-max 200 " \
    "--output-tokens 215 --output-tokens-stdev 80 --output-tokens-min 1 --output-tokens-max 512 --hardware H100 "    \
    "--tp 1 --seed 42 --max-num-running-reqs 256 --max-num-scheduled-tokens 2048 --max-model-len 4096 "              \
    "--total-kv-blocks 7463 --block-size-in-tokens 16 --long-prefill-token-threshold 0 "                             \
    "--alpha-coeffs 232.46191091038054,1.752360364195244,3357.4400353290152 "                                        \
    "--beta-coeffs 5752.705191348184,17.25086436834028,5.999143920128404"

/* The golden command's stdout: each metric printed with the very digits the
 * reference's own run printed (the extended summary was written by Go). */
TEST(cli_run_golden_case0_bytes) {
    static char out[65536];
    blis_doc got, ext;
    blis_err err;
    const char *js;
    const blis_node *sum, *root;
    uint32_t i, compared = 0;
    CHECK_EQ_I64(
        t_run("./simulation_worker run " T_GOLDEN0_ARGS " --results-path build/golden0_results.json", out, sizeof out),
        0);
    {
        const char *head = "=== Simulation Metrics ===\n{\n  \"instance_id\": \"cluster\",\n";
        CHECK(strncmp(out, head, strlen(head)) == 0);
    }
    CHECK_CONTAINS(
        out,
        "\n}\n=== KV Cache Metrics ===\nPreemption Rate: 0.0000\nCache Hit Rate: 0.4685\nKV Thrashing Rate: 0.0000\n");
    js = strchr(out, '{');
    if (!js || blis_json_parse(js, (size_t)(strstr(js, "\n}") + 2 - js), NULL, &got, &err)) {
        CHECK_MSG(0, "stdout JSON does not parse");
        return;
    }
    if (!t_shared_json(t_, "conformance/blis/golden/golden_v061_extended_summary.json", &ext)) {
        blis_doc_free(&got);
        if (!t_shared_dir()) SKIP("../shared is absent (set BLIS_SHARED_DIR)");
        return;
    }
    sum = blis_node_get(&ext, blis_node_at(&ext, blis_doc_root(&ext), 0), "summary");
    root = blis_doc_root(&got);
    for (i = 0; i < root->count; i++) {
        const char *key = blis_node_key_at(&got, root, i)->as.string;
        const blis_node *want = blis_node_get(&ext, sum, key), *have = blis_node_at(&got, root, i);
        if (!want || have->kind != BLIS_NODE_NUMBER) continue;
        CHECK_MSG(!strcmp(have->raw, want->raw), "%s: printed %s, the reference printed %s", key, have->raw, want->raw);
        compared++;
    }
    CHECK_MSG(compared >= 18, "only %u metrics compared", compared);
    blis_doc_free(&ext);
    blis_doc_free(&got);
    CHECK_EQ_I64(t_run("python3 -c \"import json;d=json.load(open('build/golden0_results.json'));"
                       "r=d['requests'];print(len(r),r[0]['requestID'],r[0]['handled_by'],r[1]['arrived_at'])\"",
                       out, sizeof out),
                 0);
    CHECK_STR(out, "300 request_0 instance_0 0.099999\n");
}

TEST(cli_run_is_deterministic) {
    static char a[65536], b[65536];
    CHECK_EQ_I64(t_run("./simulation_worker run " T_GOLDEN0_ARGS " --seed 7 --num-requests 50", a, sizeof a), 0);
    CHECK_EQ_I64(t_run("./simulation_worker run " T_GOLDEN0_ARGS " --seed 7 --num-requests 50", b, sizeof b), 0);
    CHECK(strlen(a) > 100 && !strcmp(a, b));
    CHECK_EQ_I64(t_run("./simulation_worker run " T_GOLDEN0_ARGS " --seed 8 --num-requests 50", b, sizeof b), 0);
    CHECK(strcmp(a, b) != 0);
}

TEST(cli_run_errors) {
    char out[4096];
    CHECK_EQ_I64(t_run("./simulation_worker run --rate 5", out, sizeof out), 2);
    CHECK_CONTAINS(out, "LLM name not provided. Exiting simulation.");
    CHECK_EQ_I64(t_run("./simulation_worker run " T_GOLDEN0_ARGS " --rate 0", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--rate must be a finite value > 0, got 0");
    CHECK_EQ_I64(t_run("./simulation_worker run " T_GOLDEN0_ARGS " --rate abc", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--rate: expected a number, got 'abc'");
    CHECK_EQ_I64(t_run("./simulation_worker run " T_GOLDEN0_ARGS " --total-kv-blocks 0", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--total-kv-blocks must be > 0, got 0");
    CHECK_EQ_I64(t_run("./simulation_worker run " T_GOLDEN0_ARGS " --max-num-running-reqs -1", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--max-num-running-reqs must be > 0, got -1");
    CHECK_EQ_I64(t_run("./simulation_worker run " T_GOLDEN0_ARGS " --prompt-tokens-stdev 500", out, sizeof out), 2);
    CHECK_CONTAINS(out, "prompt-tokens and prompt-tokens-stdev should be in range");
    CHECK_EQ_I64(t_run("./simulation_worker run " T_GOLDEN0_ARGS " --scheduler lifo", out, sizeof out), 2);
    CHECK_CONTAINS(out, "Unknown scheduler \"lifo\"");
    CHECK_EQ_I64(t_run("./simulation_worker run " T_GOLDEN0_ARGS " --priority-policy urgent", out, sizeof out), 2);
    CHECK_CONTAINS(out, "Unknown priority policy \"urgent\"");
    CHECK_EQ_I64(t_run("./simulation_worker run " T_GOLDEN0_ARGS " --log loud", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--log: expected trace, debug, info, warn, error, fatal or panic, got 'loud'");
    CHECK_EQ_I64(t_run("./simulation_worker run " T_GOLDEN0_ARGS " --alpha-coeffs 1,x,3", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--alpha-coeffs: expected comma-separated numbers, got '1,x,3'");
    {
        static const char *const bad[][2] = {
            {"--num-instances 0", "num-instances must be >= 1"},
            {"--routing-policy fastest", "Unknown routing policy \"fastest\". Valid: always-busiest, least-loaded"},
            {"--admission-policy maybe", "Unknown admission policy \"maybe\". Valid: always-admit, reject-all"},
            {"--admission-policy token-bucket --token-bucket-capacity 0",
             "--token-bucket-capacity must be a finite value > 0, got 0"},
            {"--admission-policy token-bucket --token-bucket-refill-rate NaN", "--token-bucket-refill-rate: expected"},
            {"--routing-policy weighted --routing-scorers foo:1",
             "Invalid --routing-scorers: routing scorer[0]: unknown scorer \"foo\""},
            {"--routing-policy weighted --routing-scorers queue-depth:1,queue-depth:2",
             "routing scorer[1]: duplicate scorer \"queue-depth\""},
            {"--routing-policy weighted --routing-scorers load-balance:-1",
             "routing scorer[0] \"load-balance\": weight must be a finite positive number, got -1"},
            {"--trace-level all", "Unknown trace level \"all\". Valid: none, decisions"},
            {"--trace-level decisions --counterfactual-k -1", "--counterfactual-k must be >= 0, got -1"},
            {"--snapshot-refresh-interval -5", "--snapshot-refresh-interval must be >= 0, got -5"},
            {"--admission-latency -1", "--admission-latency must be >= 0, got -1"},
            {"--fitness-weights speed:1", "unknown fitness metric key \"speed\""},
            {"--fitness-weights throughput", "invalid fitness weight \"throughput\": expected key:value"},
            {"--summarize-trace=perhaps", "--summarize-trace: expected true or false"},
        };
        size_t i;
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            char cmd[1400];
            snprintf(cmd, sizeof cmd, "./simulation_worker run " T_GOLDEN0_ARGS " %s", bad[i][0]);
            CHECK_MSG(t_run(cmd, out, sizeof out) == 2, "%s: not exit 2", bad[i][0]);
            CHECK_MSG(strstr(out, bad[i][1]) != NULL, "%s: %s", bad[i][0], out);
        }
    }
    CHECK_EQ_I64(t_run("./simulation_worker run " T_GOLDEN0_ARGS " --bogus 1", out, sizeof out), 2);
    CHECK_CONTAINS(out, "unknown option for run: --bogus");
    CHECK_EQ_I64(
        t_run("./simulation_worker run --model some/model --defaults-filepath build/none.yaml", out, sizeof out), 2);
    CHECK_CONTAINS(out, "build/none.yaml: error: cannot open");
    CHECK_EQ_I64(
        t_run("./simulation_worker run " T_GOLDEN0_ARGS " --results-path build/no/such/dir/r.json", out, sizeof out),
        2); /* before the run, not after it */
    CHECK_CONTAINS(out, "cannot write the results file");
}

TEST(cli_run_roofline_and_defaults_presets) {
    char out[8192], cmd[1024];
    CHECK_EQ_I64(t_run("./simulation_worker run --model x --model-config-folder data/model_configs/qwen3-14b "
                       "--hardware-config data/hardware_config.json --hardware H100 --tp 1 --num-requests 20 --rate 5",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"completed_requests\": 20,");
    if (!t_shared_dir()) SKIP("../shared is absent (set BLIS_SHARED_DIR)");
    snprintf(cmd, sizeof cmd,
             "./simulation_worker run --model meta-llama/Llama-3.1-8B-Instruct --tp 1 --workload chatbot "
             "--rate 4 --num-requests 30 --defaults-filepath %s/reference/upstream/v0.6.1/defaults.yaml",
             t_shared_dir());
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0); /* coefficients and kv blocks from the defaults file */
    CHECK_CONTAINS(out, "\"completed_requests\": 30,");
    snprintf(cmd, sizeof cmd,
             "./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --workload nosuch "
             "--tp 1 --defaults-filepath %s/reference/upstream/v0.6.1/defaults.yaml",
             t_shared_dir());
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 2);
    CHECK_CONTAINS(out, "Undefined workload. Use one among (chatbot, summarization, contentgen, multidoc)");
}

/* --workload traces end to end: the trace's requests, a prefix hit between
 * two identical prompts, exit 2 with file:line:col for a bad row. */
TEST(cli_run_trace) {
    char out[8192];
    CHECK(t_write_file(
        "build/trace_ok.csv",
        "arrival_time,model,x,prefill_tokens,decode_tokens\n"
        "0.0,m,,\"[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33]\","
        "\"[1,2,3]\"\n"
        "1.0,m,,\"[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33]\","
        "\"[4,5]\"\n"));
    CHECK_EQ_I64(t_run("./simulation_worker run --model m --alpha-coeffs 100,1,1000 --beta-coeffs 5000,10,5 "
                       "--total-kv-blocks 100 --workload traces --workload-traces-filepath build/trace_ok.csv",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"completed_requests\": 2,");
    CHECK_CONTAINS(out, "\"total_input_tokens\": 66,");
    CHECK_CONTAINS(out, "\"total_output_tokens\": 3,"); /* decode steps: the first token comes with the prefill */
    /* 33-token prompts, blocks of 16: the first misses 3 blocks, the second
     * hits the 2 full ones and misses its last: 2 / (2 + 4) */
    CHECK_CONTAINS(out, "Cache Hit Rate: 0.3333");
    CHECK_EQ_I64(t_run("./simulation_worker run --model m --alpha-coeffs 100,1,1000 --beta-coeffs 5000,10,5 "
                       "--workload traces",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "--workload-traces-filepath is required when using --workload traces");
    remove("build/trace_bad_results.json");
    CHECK(t_write_file("build/trace_bad.csv", "t,a,b,in,out\n0,,,[1],[2]\n1,,,[1],[2.5]\n"));
    CHECK_EQ_I64(t_run("./simulation_worker run --model m --alpha-coeffs 100,1,1000 --beta-coeffs 5000,10,5 "
                       "--workload traces --workload-traces-filepath build/trace_bad.csv --results-path "
                       "build/trace_bad_results.json",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "build/trace_bad.csv:3:9: error: csv row 1: decode_tokens: token IDs must be integers");
    {
        FILE *f = fopen("build/trace_bad_results.json", "rb"); /* nothing half-written */
        CHECK(f == NULL);
        if (f) fclose(f);
    }
    CHECK_EQ_I64(t_run("./simulation_worker run --model m --alpha-coeffs 100,1,1000 --beta-coeffs 5000,10,5 "
                       "--workload traces --workload-traces-filepath build/no_such_trace.csv",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "no_such_trace.csv");
}

TEST(cli_run_kv_cpu_tier) {
    char out[8192];
    CHECK_EQ_I64(t_run("./simulation_worker run --model x --alpha-coeffs 100,1,1000 --beta-coeffs 5000,10,5 "
                       "--total-kv-blocks 400 --rate 50 --num-requests 300 --prefix-tokens 256 --prompt-tokens 256 "
                       "--prompt-tokens-stdev 128 --prompt-tokens-max 1000 --output-tokens 64 --output-tokens-stdev 32 "
                       "--output-tokens-max 200 --kv-cpu-blocks 2000 --kv-offload-threshold 0.5",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"completed_requests\": 300,");
    CHECK_CONTAINS(out, "KV Thrashing Rate: 0.");
    CHECK(strstr(out, "KV Thrashing Rate: 0.0000") == NULL);
    CHECK_EQ_I64(t_run("./simulation_worker run --model x --alpha-coeffs 1,1,1 --beta-coeffs 1,1,1 --kv-cpu-blocks -5",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "--kv-cpu-blocks must be >= 0, got -5");
    CHECK_EQ_I64(t_run("./simulation_worker run --model x --alpha-coeffs 1,1,1 --beta-coeffs 1,1,1 --kv-cpu-blocks 5 "
                       "--kv-transfer-bandwidth nan",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "--kv-transfer-bandwidth");
}

/* --workload-spec: the spec's own num_requests, --num-requests overriding
 * it, the bound check, and a bad field with file:line:col. */
TEST(cli_run_workload_spec) {
    char out[8192];
    CHECK(t_write_file("build/spec_ok.yaml", "seed: 5\naggregate_rate: 20\nnum_requests: 30\nclients:\n"
                                             "  - id: a\n    rate_fraction: 1\n    arrival: {process: gamma, cv: 1.5}\n"
                                             "    input_distribution: {type: constant, params: {value: 40}}\n"
                                             "    output_distribution: {type: constant, params: {value: 4}}\n"));
    CHECK_EQ_I64(t_run("./simulation_worker run --model x --alpha-coeffs 100,1,1000 --beta-coeffs 5000,10,5 "
                       "--workload-spec build/spec_ok.yaml",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"completed_requests\": 30,");
    CHECK_CONTAINS(out, "\"total_input_tokens\": 1200,");
    CHECK_EQ_I64(t_run("./simulation_worker run --model x --alpha-coeffs 100,1,1000 --beta-coeffs 5000,10,5 "
                       "--workload-spec build/spec_ok.yaml --num-requests 12",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"completed_requests\": 12,");
    CHECK(
        t_write_file("build/spec_unbounded.yaml",
                     "aggregate_rate: 20\nclients:\n  - id: a\n    rate_fraction: 1\n    arrival: {process: poisson}\n"
                     "    input_distribution: {type: constant, params: {value: 40}}\n"
                     "    output_distribution: {type: constant, params: {value: 4}}\n"));
    CHECK_EQ_I64(t_run("./simulation_worker run --model x --alpha-coeffs 1,1,1 --beta-coeffs 1,1,1 "
                       "--workload-spec build/spec_unbounded.yaml",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "--workload-spec requires either num_requests (in YAML or --num-requests) or --horizon");
    CHECK(t_write_file("build/spec_bad.yaml", "aggregate_rate: 20\nnum_requests: 3\nclients:\n  - id: a\n"
                                              "    rate_fraction: 1\n    arrival: {process: poison}\n"));
    CHECK_EQ_I64(t_run("./simulation_worker run --model x --alpha-coeffs 1,1,1 --beta-coeffs 1,1,1 "
                       "--workload-spec build/spec_bad.yaml",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "build/spec_bad.yaml:6:24: error: clients[0].arrival.process: unknown arrival process");
}

/* step on a bundled FP8 checkpoint prints the bytes it used. */
TEST(cli_step_quantized) {
    char out[8192];
    CHECK_EQ_I64(t_run("./simulation_worker step --model llama-4-scout-17b-16e-instruct-fp8-dynamic --hardware H100 "
                       "--tp 2 --decode 1000x8",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"weight_bytes_per_param\": 1,");
    CHECK_CONTAINS(out, "\"kv_bytes_per_param\": 2,");
    CHECK_CONTAINS(out, "\"quant_method\": \"compressed-tensors\"");
    CHECK_EQ_I64(t_run("./simulation_worker step --model llama-4-scout-17b-16e-instruct-fp8-dynamic --hardware H100 "
                       "--tp 2 --decode 1000x8 --kv-cache-dtype fp8",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"kv_bytes_per_param\": 1,");
    CHECK_EQ_I64(t_run("./simulation_worker step --model llama-4-scout-17b-16e-instruct-fp8-dynamic --hardware H100 "
                       "--tp 2 --decode 1000x8 --roofline-ext none",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"weight_bytes_per_param\": 2,"); /* the reference's v1: torch_dtype */
    CHECK_EQ_I64(t_run("./simulation_worker step --model llama-3.1-8b-instruct --hardware H100 --kv-cache-dtype fp4",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "--kv-cache-dtype: unknown KV cache dtype \"fp4\"");
    { /* run: an 8-bit KV cache holds twice the blocks in the same memory */
        const char *p;
        long long bf = 0, f8 = 0;
        CHECK_EQ_I64(t_run("./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --rate 4 --num-requests 5 "
                           "--log info",
                           out, sizeof out),
                     0);
        if ((p = strstr(out, "total-kv-blocks "))) bf = atoll(p + 16);
        CHECK_EQ_I64(t_run("./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --rate 4 --num-requests 5 "
                           "--log info --kv-cache-dtype fp8",
                           out, sizeof out),
                     0);
        if ((p = strstr(out, "total-kv-blocks "))) f8 = atoll(p + 16);
        CHECK_MSG(bf > 1000 && (f8 == 2 * bf || f8 == 2 * bf + 1), "bf16 %lld blocks, fp8 %lld", bf, f8);
        CHECK_EQ_I64(t_run("./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --kv-cache-dtype x", out,
                           sizeof out),
                     2);
        CHECK_CONTAINS(out, "--kv-cache-dtype: unknown KV cache dtype \"x\"");
    }
}

/* Tensor parallelism over PCIe is never charged less than over NVLink
 * (issue 27): Llama-3.1-70B at TP 8, one step of a 2,048-token prefill and
 * 64 decodes, on L40S (PCIe Gen4), H100 PCIe (Gen5) and H100 SXM (NVLink). */
static double t_step_comm_us(t_ctx *t_, const char *gpu) {
    char cmd[256], out[8192];
    const char *p;
    snprintf(cmd, sizeof cmd,
             "./simulation_worker step --model meta-llama/llama-3.1-70b-instruct --hardware %s --tp 8 "
             "--prefill 0+2048 --decode 1024x64",
             gpu);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    p = strstr(out, "\"comm_us\": ");
    CHECK_MSG(p != NULL, "%s: no comm_us in %.200s", gpu, out);
    return p ? strtod(p + 11, NULL) : -1;
}

TEST(cli_step_pcie_allreduce) {
    double h100 = t_step_comm_us(t_, "H100"), l40s = t_step_comm_us(t_, "L40S"), pcie = t_step_comm_us(t_, "H100-PCIe");
    CHECK_MSG(l40s > h100 && pcie > h100 && l40s > pcie, "comm us: H100 %g, H100-PCIe %g, L40S %g", h100, pcie, l40s);
}

/* COMMAND --help prints that command's usage; an unknown flag names the
 * closest known one (issue 27). */
TEST(cli_command_help_and_did_you_mean) {
    static char out[16384];
    CHECK_EQ_I64(t_run("./simulation_worker search --help", out, sizeof out), 0);
    CHECK(!strncmp(out, "usage: simulation_worker search [options]\n", 42));
    CHECK_CONTAINS(out, "  search pareto SWEEP_OUTPUT");
    CHECK(strstr(out, "  sweep merge") == NULL && strstr(out, "  run --model") == NULL);
    CHECK_EQ_I64(t_run("./simulation_worker run --model x --help", out, sizeof out), 0);
    CHECK_CONTAINS(out, "--arrival constant|poisson|gamma|weibull");
    CHECK_CONTAINS(out, "--check-invariants"); /* the block spans the whole of run's flags */
    CHECK(strstr(out, "  step (--model") == NULL);
    CHECK_EQ_I64(t_run("./simulation_worker plot -h", out, sizeof out), 0);
    CHECK_CONTAINS(out, "--log-y | --linear-y");
    CHECK_EQ_I64(t_run("./simulation_worker run --model x --num-request 5", out, sizeof out), 2);
    CHECK_CONTAINS(out, "unknown option for run (did you mean --num-requests?): --num-request");
    CHECK_EQ_I64(t_run("./simulation_worker search --slo 'ttft_p99<1s' --rate-mx 5", out, sizeof out), 2);
    CHECK_CONTAINS(out, "(did you mean --rate-max?)");
    CHECK_EQ_I64(t_run("./simulation_worker plot latency x.csv --titel T", out, sizeof out), 2);
    CHECK_CONTAINS(out, "(did you mean --title?)");
    CHECK_EQ_I64(t_run("./simulation_worker step --model x --hardwre H100", out, sizeof out), 2);
    CHECK_CONTAINS(out, "(did you mean --hardware?)");
    CHECK_EQ_I64(t_run("./simulation_worker run --model x --qqqqqqqq 1", out, sizeof out), 2);
    CHECK(strstr(out, "did you mean") == NULL);
    CHECK_STR(blis_run_option_closest("arival"), "--arrival");
    CHECK_STR(blis_run_option_closest("--num_request"), "--num-requests");
    CHECK(blis_run_option_closest("--num-requests") == NULL); /* an exact name is not a suggestion */
}

/* A GPU without vLLM measurements predicts from H100's fitted constants:
 * run and step say so on stderr and in their JSON (calibrated_on); an H100
 * run does not warn. */
TEST(cli_unmeasured_gpu_warns) {
    static char out[65536];
    CHECK_EQ_I64(t_run("./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --hardware L40S --tp 1 "
                       "--num-requests 10 --rate 2 --json",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "warning: no vLLM measurements on L40S: its step-time constants were fitted on H100");
    CHECK_CONTAINS(out, "\"calibrated_on\": \"H100\"");
    CHECK_CONTAINS(out, "\"calibration_transferred\": true");
    CHECK_CONTAINS(out, "\"not_modelled\": null");
    CHECK_EQ_I64(t_run("./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --hardware h100 --tp 1 "
                       "--num-requests 10 --rate 2 --json",
                       out, sizeof out),
                 0);
    CHECK(strstr(out, "no vLLM measurements") == NULL);
    CHECK_CONTAINS(out, "\"calibrated_on\": \"H100\"");
    CHECK_CONTAINS(out, "\"calibration_transferred\": false");
    CHECK_EQ_I64(t_run("./simulation_worker run --model deepseek-ai/deepseek-v2-lite --hardware H100 --tp 1 "
                       "--num-requests 5 --json",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"not_modelled\": null"); /* the arch extension models MLA (the default) */
    CHECK_EQ_I64(t_run("./simulation_worker run --model deepseek-ai/deepseek-v2-lite --hardware H100 --tp 1 "
                       "--num-requests 5 --json --roofline-ext moe,fused,allreduce,lmhead,gemm,quant",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"not_modelled\": \"MLA\"");
    CHECK_EQ_I64(t_run("./simulation_worker step --model meta-llama/llama-3.1-8b-instruct --hardware B200 --tp 1 "
                       "--prefill 0+512",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "no vLLM measurements on B200");
    CHECK_CONTAINS(out, "\"calibrated_on\": \"H100\"");
    /* what the roofline does not model is said, not run silently as something else */
    CHECK_EQ_I64(t_run("./simulation_worker step --model deepseek-ai/deepseek-v2-lite --hardware H100 --tp 1 "
                       "--prefill 0+512 --roofline-ext all",
                       out, sizeof out),
                 0);
    CHECK(strstr(out, "latent attention") == NULL);
    CHECK_EQ_I64(t_run("./simulation_worker step --model deepseek-ai/deepseek-v2-lite --hardware H100 --tp 1 "
                       "--prefill 0+512 --roofline-ext moe",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "uses multi-head latent attention (model_type deepseek_v2): this roofline does not model MLA");
    CHECK_EQ_I64(
        t_run("./simulation_worker step --model qwen3-14b --hardware H100 --tp 1 --prefill 0+512", out, sizeof out), 0);
    CHECK(strstr(out, "latent attention") == NULL && strstr(out, "warning") == NULL);
}
