/* simulation_worker - the blis command-line tool.
 *
 * Thin by design: it parses arguments, reads files, calls blis.h and prints.
 * stdout carries results; diagnostics go to stderr as
 * "file:line:col: error: message". Exit status: 0 success, 1 runtime
 * failure (e.g. stdout cannot be written), 2 usage or input error. */
#define _POSIX_C_SOURCE 200809L /* blis_fetch.h lists directories */
#define BLIS_IMPLEMENTATION
#include "../blis.h"
#include "../blis_fetch.h"

#include "cli_common.h"

#include <errno.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Requests one step command may describe. */
#define STEP_MAX_REQUESTS 1000000

#define EXIT_RUNTIME 1
#define EXIT_USAGE   2

static const char usage_text[] = "usage: simulation_worker <command> [options]\n"
                                 "       simulation_worker --help | --version\n"
                                 "\n"
                                 "blis " BLIS_VERSION ": a C port of BLIS, the LLM inference serving simulator.\n"
                                 "\n"
                                 "commands:\n"
                                 "  run --model NAME [options]\n"
                                 "        Simulate vLLM instances serving a workload; print the reference's\n"
                                 "        '=== Simulation Metrics ===' JSON (TTFT, ITL, E2E, throughput).\n"
                                 "    workload:\n"
                                 "      --workload distribution|traces|chatbot|summarization|contentgen|multidoc\n"
                                 "                      (distribution; presets from the defaults file)\n"
                                 "      --rate R (1 req/s) --num-requests N (100) --seed S (42) --horizon US (none)\n"
                                 "                      (with a spec: its aggregate rate, every client in\n"
                                 "                      proportion; with a trace: its arrivals time-\n"
                                 "                      compressed to that mean rate)\n"
                                 "      --arrival constant|poisson|gamma|weibull  the distribution's and the\n"
                                 "                      presets' arrivals (constant: evenly spaced, the\n"
                                 "                      reference's; sweep and search: poisson)\n"
                                 "      --arrival-cv F  gamma and weibull: the gaps' coefficient of variation\n"
                                 "                      (1 is Poisson's burstiness; 0.01 to 10.4)\n"
                                 "      --prefix-tokens N (0) --prompt-tokens N (512) --prompt-tokens-stdev N (256)\n"
                                 "      --prompt-tokens-min N (2) --prompt-tokens-max N (7000); the same four\n"
                                 "      for --output-tokens\n"
                                 "      --workload-traces-filepath FILE  CSV for --workload traces: a header, then\n"
                                 "                      arrival_s,_,_,\"[input IDs]\",\"[output IDs]\" (sorted)\n"
                                 "      --workload-spec FILE  workload-spec YAML (clients, cohorts, arrivals,\n"
                                 "                      lengths, prefixes, sessions, multimodal prompts;\n"
                                 "                      its seed/horizon/num_requests\n"
                                 "                      unless the flags are given)\n";
/* The engine, latency model and cluster flags of run. */
static const char usage_text_engine[] =
    "    engine (each instance):\n"
    "      --total-kv-blocks N (the defaults file's, else estimated from GPU memory)\n"
    "      --block-size-in-tokens N (16) --max-num-running-reqs N (256)\n"
    "      --max-num-scheduled-tokens N (2048) --long-prefill-token-threshold N (0)\n"
    "      --max-model-len N (2048; accepted and unused, as in the reference)\n"
    "      --scheduler fcfs|priority-fcfs|sjf|reverse-priority (fcfs)\n"
    "      --priority-policy constant|slo-based|inverted-slo (constant)\n"
    "      --kv-cpu-blocks N (0) --kv-offload-threshold F (0.9)\n"
    "      --kv-transfer-bandwidth BLOCKS/US (100) --kv-transfer-base-latency US (0)\n"
    "    latency model:\n"
    "      --defaults-filepath FILE (./defaults.yaml, else the bundled one)\n"
    "      --hardware GPU --tp N --vllm-version V  (defaults file's for the model)\n"
    "      --alpha-coeffs A0,A1,A2 --beta-coeffs B0,B1,B2  blackbox (else trained\n"
    "                      ones from the defaults file; none: roofline)\n"
    "      --model-config-folder DIR --hardware-config FILE  roofline inputs (else\n"
    "                      the cache and the bundled hardware config: blis's\n"
    "                      calibrated constants for v1 with extensions, the\n"
    "                      reference's with --roofline-ext none or v2)\n"
    "      --bench-data-path DIR  roofline v2 kernel tables (else v1)\n"
    "      --roofline-ext LIST  roofline v1 extensions: moe, fused, allreduce,\n"
    "                      lmhead, gemm, quant, all, none (all; none: the\n"
    "                      reference's v1; README)\n"
    "      --kv-cache-dtype auto|fp8|bfloat16|float16|float32  KV element bytes\n"
    "                      (auto: the model config's) for the KV size and quant\n"
    "      --roofline      roofline; config.json cached or downloaded from\n"
    "                      HuggingFace (needs --hardware and --tp)\n"
    "    cluster:\n"
    "      --num-instances N (1) --admission-latency US (0) --routing-latency US (0)\n"
    "      --admission-policy always-admit|token-bucket|reject-all (always-admit)\n"
    "      --token-bucket-capacity T (10000) --token-bucket-refill-rate T/s (1000)\n"
    "      --routing-policy round-robin|least-loaded|always-busiest|prefix-affinity|\n"
    "                      weighted (round-robin)\n"
    "      --routing-scorers NAME:W,... (prefix-affinity:3,queue-depth:2,\n"
    "                      kv-utilization:2; also load-balance)\n"
    "      --snapshot-refresh-interval US (0: the router's KV figures always fresh)\n"
    "      --policy-config FILE  YAML: admission, routing, priority, scheduler\n"
    "                      (explicit flags win)\n";
/* The rest of the usage (split: ISO C99 guarantees string literals of 4095 bytes only). */
static const char usage_text_more[] =
    "    output:\n"
    "      --results-path FILE  the metrics plus one entry per request (JSON)\n"
    "      --fitness-weights KEY:W,...  (throughput, tokens_per_sec, p99_ttft,\n"
    "                      p50_ttft, mean_ttft, p99_e2e, p50_e2e, mean_e2e)\n"
    "      --trace-level none|decisions (none) --summarize-trace\n"
    "      --counterfactual-k K (0)  routing regret over the top K candidates\n"
    "      --log trace|debug|info|warn|error|fatal|panic (warn)\n"
    "      --quiet         no progress line (shown on a terminal for long runs)\n"
    "      --json          one JSON document instead: the run's settings, every\n"
    "                      metric, capacity (and SLOs); instances when several\n"
    "      --slo OBJ,...   SLOs, e.g. ttft_p99<500ms,itl_p99<50ms,e2e_p90<10s\n"
    "                      (ttft|itl|e2e _mean|_p90|_p95|_p99, scheduling_delay_p99;\n"
    "                      < or <=; us, ms, s): pass, per-request attainment, goodput\n"
    "      --slo-attainment F  pass when at least F of the requests meet every\n"
    "                      objective (goodput rule; else every aggregate met)\n"
    "      --gpu-hourly-usd N | --gpu-prices FILE  price per GPU-hour (else the\n"
    "                      bundled data/gpu_prices.json): cost per M output tokens\n"
    "      --metrics-mode auto|exact|streaming  percentiles from every value, or\n"
    "                      from histograms within 0.049% (flat memory); auto:\n"
    "                      streaming above 2,000,000 requests (auto)\n"
    "      --waiting-requests compact|full  a never-scheduled waiting request held\n"
    "                      as its index and generated again at the queue's head\n"
    "                      (one instance, fcfs; same results) or whole (compact)\n"
    "      --compat blis|reference  reference: the reference's parallel step\n"
    "                      chains for requests queued at the same microsecond at\n"
    "                      an idle instance (blis: one chain per instance)\n"
    "      --check-invariants  check every instance's invariants after each event\n"
    "                      (slow; also BLIS_PARANOID=1); a violation exits 1\n"
    "        stdout: one metrics block per instance (several instances), the\n"
    "        cluster's, then fitness, anomaly counters, KV cache metrics, per-SLO\n"
    "        metrics, trace summary. Boolean flags also take =true / =false.\n"
    "  step (--model NAME | --model-config-folder DIR) --hardware GPU [--tp N]\n"
    "       [--hardware-config FILE] [--bench-data-path DIR | --roofline-ext LIST]\n"
    "       [--kv-cache-dtype auto|fp8|bfloat16|...]\n"
    "       [--prefill CACHED+NEW]... [--decode CONTEXT[xCOUNT]]...\n"
    "        Print one engine step's roofline time and breakdown as JSON\n"
    "        (roofline v2 with --bench-data-path, else v1), with the bytes\n"
    "        per weight and KV element it used (quantized models).\n";
static const char usage_text_plan[] =
    "  sweep [--grid FILE] [--rate 1:20:1] [--tp 1,2,4] [--hardware H100,A100-80] ...\n"
    "        [--out FILE.csv|FILE.jsonl|-] [--format csv|jsonl] [--jobs N] [--resume]\n"
    "        [--shard I/N] [--quiet] [any run flag, the same for every point]\n"
    "        One full simulation per grid point (the last axis varies fastest);\n"
    "        one row per point: its settings, every metric, SLO pass and goodput,\n"
    "        cost. Axis flags taking lists or FROM:TO:STEP: --model --hardware --tp\n"
    "        --num-instances --rate --arrival --arrival-cv --max-num-running-reqs\n"
    "        --max-num-scheduled-tokens --routing-policy --workload --workload-spec\n"
    "        --workload-traces-filepath --kv-cache-dtype --num-requests --seed;\n"
    "        Poisson arrivals unless --arrival says otherwise; a grid file has axes (any run\n"
    "        flag's name), fixed and slo. --jobs worker processes (the CPUs);\n"
    "        --shard I/N runs points I, I+N, ...; the output goes to FILE.partial\n"
    "        and is renamed when complete; --resume continues a FILE.partial.\n"
    "        Bytes never depend on --jobs, --shard or completion order.\n"
    "  sweep merge --out FILE [--allow-missing] SHARD...\n"
    "        Join shard outputs in point order (byte-identical to one process).\n"
    "  search --slo OBJ,... [grid and run flags as sweep, no rate axis]\n"
    "         [--rate-start R (1)] [--rate-min R (0.01)] [--rate-max R (10000)]\n"
    "         [--tolerance F (0.02)] [--target-rate R] [--num-requests auto|N]\n"
    "         [--seeds K (1)] [--out FILE]\n"
    "        Per configuration, the highest --rate meeting the SLOs in steady state\n"
    "        (a saturated run, or one too short to judge, fails): doubling or\n"
    "        halving to a bracket, then bisection until fail/pass - 1 <= tolerance;\n"
    "        prints the bracket it proved, what limited it (or that no rate meets\n"
    "        them). Runs of --num-requests (auto: 1,000), doubled until two sizes'\n"
    "        max rates agree within the tolerance (from 4,000; at most 64,000).\n"
    "        With --target-rate, the cheapest configuration serving it (checked by\n"
    "        a run); unpriced ones listed beside it. Exit 2 when every one errors.\n"
    "        --seeds K: the search at K seeds from --seed (42); the answer is the\n"
    "        lowest max rate, with the median and highest (max_rate_median, _highest).\n"
    "  search pareto SWEEP_OUTPUT [--out FILE]\n"
    "        The rows on the Pareto front of tokens/s per GPU against tokens/s per\n"
    "        user (rows failing their SLOs left out).\n"
    "  plot latency|throughput|pareto SWEEP_OUTPUT [--out FILE.svg] [--metric\n"
    "       ttft|itl|e2e] [--slo OBJ] [--x AXIS (rate)] [--title T] [--min-user-tps N]\n"
    "       [--log-y | --linear-y]  (latency: log when it spans more than 100x)\n"
    "  plot cdf RESULTS.json [--out FILE.svg]   (a run's --results-path file)\n"
    "        SVG charts: latency percentiles and throughput against offered load\n"
    "        (SLO line, knee marked), the Pareto front (chosen point), TTFT/E2E CDFs.\n";
static const char usage_text_report[] = "  report SWEEP_OR_SEARCH_OUTPUT [--out FILE.html] [--title T]\n"
                                        "        One self-contained HTML page (no script, no network): the question\n"
                                        "        (rows, SLOs, configurations), the answer (each configuration's max\n"
                                        "        rate within the SLOs, the cheapest per output token), the charts\n"
                                        "        inline (a sweep) and every row.\n";
static const char usage_text_eval[] =
    "  evaluate --ground-truth FILE [--id ID]... [--json] [--max-requests N]\n"
    "           [--bench-data-path DIR] [--hardware-config FILE] [--alpha-coeffs A,B,C]\n"
    "           [--roofline-ext LIST] [--client-max-inflight N] [--client-timeout S]\n"
    "           [--open-loop] [--unique-prompts] [--ignore-traces] [--seed N]\n"
    "        Simulate each ground-truth record (real vLLM runs) with the roofline\n"
    "        model, replaying its per-request trace or, without one, from its\n"
    "        workload description, and report predicted vs measured TTFT, E2E and\n"
    "        time per output token, per experiment and as MAPE / median APE.\n"
    "          --roofline-ext LIST  roofline v1 extensions: moe, fused, allreduce,\n"
    "                       lmhead, gemm, quant, all or none (default all; none:\n"
    "                       the reference's v1 and constants)\n"
    "          --ignore-traces  every record from its description: inference-perf\n"
    "                       stages and shared-prefix prompt set, Poisson tenants,\n"
    "                       guidellm strategies (README); --seed N fixes the draws (42)\n"
    "          --client-max-inflight N  the load generator's in-flight cap, for\n"
    "                       records flagged client_limited (256): a closed loop\n"
    "                       from the intended arrivals\n"
    "          --client-timeout S  the client's timeout in seconds (0: none;\n"
    "                       default: the record's failed requests' E2E median);\n"
    "                       a request out that long is aborted, not measured\n"
    "          --open-loop  neither: replay send times open loop, no timeout\n"
    "          --unique-prompts  inference-perf shared-prefix records: only the\n"
    "                       system prompts shared (default: its fixed prompt set,\n"
    "                       inputs of equal length the same prompt, cached)\n"
    "  calibrate --ground-truth FILE --hardware GPU --out FILE [--id ID]...\n"
    "            [--max-requests N (600; 0: whole traces)] [--max-evals N (120)]\n"
    "            [--jobs N (processors)] [--objective capped|log|mape (capped)]\n"
    "            [--weigh-models-equally] [--leave-one-model-out] [--transfer] [--quiet]\n"
    "            [--fix NAME[,NAME...]  constants kept where they start]\n"
    "            [evaluate's options]\n"
    "        Fit roofline v1's constants of one GPU (and blis's per-request and\n"
    "        per-sequence overheads) to the records on it (Nelder-Mead from the\n"
    "        current config, on each trace's first N requests, N processes) and\n"
    "        write a complete hardware config: every GPU of the config it started\n"
    "        from, the fitted one's constants replaced (--transfer: every GPU's,\n"
    "        the efficiencies being fractions of each GPU's own peaks);\n"
    "        --leave-one-model-out refits without each model. Progress on stderr.\n";
static const char usage_text_tools[] =
    "  validate-bench-data DIR [--strict] [--quiet]\n"
    "        Check a bench_data/ folder of roofline v2 kernel tables: layout, file\n"
    "        names, headers, numbers, order, duplicates and grids, each problem as\n"
    "        file:line:col. Errors exit 2; warnings (MFU 0, implausible MFU, grid\n"
    "        gaps) exit 0 unless --strict. --quiet prints errors only.\n"
    "  import-kernel-tables (--from DIR | --gemm F --context F --generation F)\n"
    "            --out NEWDIR [--gpu NAME] [--peak-tflops X | --hardware-config F]\n"
    "            [--dtype bfloat16]\n"
    "        Convert NVIDIA aiconfigurator kernel tables (gemm_perf,\n"
    "        context_attention_perf, generation_attention_perf; .csv or .csv.gz,\n"
    "        found in DIR or its subfolders) into a new bench_data/ folder for\n"
    "        --bench-data-path, MFUs against the GPU's TFlopsPeak (bundled config).\n"
    "  convert preset NAME | distribution | csv-trace FILE | inference-perf FILE |\n"
    "          servegen DIR [--span-start S] [--span-end S]\n"
    "        A version 2 workload spec (YAML) on stdout for run --workload-spec:\n"
    "        a preset of the defaults file or the distribution flags (run's\n"
    "        --rate, --num-requests, --seed, --prompt-tokens..., --prefix-tokens;\n"
    "        one client, constant arrivals, gaussian lengths, as the reference's\n"
    "        unified pipeline builds it), a CSV trace (lossy: its average lengths\n"
    "        at its mean rate; a warning says so), or a spec with inference_perf,\n"
    "        cohorts or any clients, written back with everything expanded, or\n"
    "        ServeGen data (chunk-<id>-trace.csv and chunk-<id>-dataset.json per\n"
    "        client; the windows starting in [S, end) seconds): one client per\n"
    "        chunk with its active windows, rate, arrival family and cv, and its\n"
    "        length tables; as servegen_data: {path, span_start, span_end} does.\n"
    "  compose --from SPEC.yaml [--from SPEC.yaml ...]\n"
    "        One spec holding every client of the given ones, each at its own\n"
    "        rate (aggregate rates summed, fractions rescaled).\n"
    "  check [--as json|yaml|csv] [--print] FILE...\n"
    "        Parse input files with blis's strict parsers (the ones every later\n"
    "        command uses for configs, workload specs, defaults files and traces)\n"
    "        and report, for each file, 'ok' with a summary on stdout or the first\n"
    "        error as file:line:col on stderr.\n"
    "          --as FORMAT  json, yaml or csv; default: from the file extension\n"
    "                       (.json; .yaml or .yml; .csv)\n"
    "          --print      print each JSON or YAML document as JSON (2-space\n"
    "                       indentation, numbers as Go's encoding/json prints them)\n"
    "\n"
    "model configs (run, step): --model-config-folder DIR, else\n"
    "model_configs/<name> beside the defaults file (the bundled data for\n"
    "step), else $BLIS_MODEL_CACHE/<name> or $XDG_CACHE_HOME/blis/model_configs/\n"
    "<name>, else a download (run: only with --roofline) of $HF_ENDPOINT/<repo>/\n"
    "resolve/main/config.json through curl into that user cache. Environment: HF_TOKEN\n"
    "(gated models; sent as a header on curl's stdin), HF_ENDPOINT (default\n"
    "https://huggingface.co), HF_HUB_OFFLINE=1 (no downloads), BLIS_CURL (the\n"
    "curl program), BLIS_DATA_DIR (the bundled data).\n"
    "\n"
    "exit status: 0 success, 1 runtime failure, 2 usage or input error.\n";

static char sw_name[] = "simulation_worker"; /* the resolver's user: names the tool on an interrupt */

static int usage_error(const char *msg, const char *arg) { return cli_error("simulation_worker", msg, arg); }

/* "unknown option for CMD: --num-request (did you mean --num-requests?)":
 * the closest of the command's own flags (extra) and, with run_flags, run's. */
static int unknown_flag(const char *cmd, const char *arg, const char *const *extra, size_t n_extra, int run_flags) {
    const char *names[BLIS_RUN_MAX_OPTIONS + 32];
    char given[80], msg[256];
    size_t n = 0, k, len = strcspn(arg ? arg : "", "=");
    const blis_opt_def *defs = blis_run_option_defs(&k);
    const char *near;
    if (run_flags)
        for (n = 0; n < k && n < BLIS_RUN_MAX_OPTIONS; n++) names[n] = defs[n].flag;
    for (k = 0; k < n_extra && n < sizeof names / sizeof names[0]; k++) names[n++] = extra[k];
    snprintf(given, sizeof given, "%.*s", (int)(len < sizeof given ? len : sizeof given - 1), arg ? arg : "");
    near = blis_closest_name(given, names, n);
    if (!near) {
        snprintf(msg, sizeof msg, "unknown option for %s", cmd);
        return usage_error(msg, arg);
    }
    snprintf(msg, sizeof msg, "unknown option for %s (did you mean %s?)", cmd, near);
    return usage_error(msg, arg);
}

/* Format from --as or from the extension; NULL if unknown. */
static const char *format_of(const char *forced, const char *path) {
    const char *dot = strrchr(path, '.');
    if (forced) return forced;
    if (!dot) return NULL;
    if (!strcmp(dot, ".json")) return "json";
    if (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml")) return "yaml";
    if (!strcmp(dot, ".csv")) return "csv";
    return NULL;
}

/* Checks one file; returns 0, EXIT_USAGE (bad input) or EXIT_RUNTIME. */
/* What run would say of a document check recognises: a model config
 * (num_hidden_layers or hidden_size at the top or in text_config), a
 * workload spec (clients), ground-truth records (records, as evaluate
 * reads them), a hardware config (objects with TFlopsPeak);
 * *kind names it (NULL: another document, syntax only). */
static blis_status check_semantics(const blis_doc *doc, blis_err *err, const char **kind) {
    const blis_node *root = blis_doc_root(doc), *tc;
    size_t i;
    *kind = NULL;
    if (!root || root->kind != BLIS_NODE_OBJECT) return BLIS_OK;
    tc = blis_node_get(doc, root, "text_config");
    if (blis_node_get(doc, root, "num_hidden_layers") || blis_node_get(doc, root, "hidden_size") ||
        (tc && tc->kind == BLIS_NODE_OBJECT && blis_node_get(doc, tc, "num_hidden_layers"))) {
        blis_model_config m;
        blis_status st;
        *kind = "a model config";
        if ((st = blis_model_config_from_doc(doc, &m, err)) || (st = blis_model_config_validate(&m, err))) {
            if (!err->source[0] || !strcmp(err->source, "<input>"))
                snprintf(err->source, sizeof err->source, "%s", doc->source ? doc->source : "<input>");
            return st;
        }
        return BLIS_OK;
    }
    {
        const blis_node *recs = blis_node_get(doc, root, "records");
        if (recs && recs->kind == BLIS_NODE_ARRAY) { /* ground truth: every record as evaluate reads it */
            *kind = "ground-truth records";
            for (i = 0; i < recs->count; i++) {
                blis_gt_experiment e;
                blis_status st = blis_gt_experiment_from_doc(doc, blis_node_at(doc, recs, i), &e, err);
                if (st) return st;
                if (e.profile.kind == BLIS_GT_PROFILE_NONE && e.profile.invalid) {
                    blis_err_clear(err, doc->source);
                    return blis_err_set(err, BLIS_E_INVALID, 0, 0, "record %s: %s", e.id, e.profile.reason);
                }
            }
            return BLIS_OK;
        }
    }
    if (blis_node_get(doc, root, "clients") || blis_node_get(doc, root, "servegen_data") ||
        blis_node_get(doc, root, "inference_perf") || blis_node_get(doc, root, "cohorts")) {
        blis_workload_spec spec;
        blis_status st;
        *kind = "a workload spec";
        if ((st = blis_workload_spec_from_doc(doc, &spec, NULL, err))) return st;
        blis_workload_spec_free(&spec);
        return BLIS_OK;
    }
    for (i = 0; i < root->count; i++) {
        const blis_node *v = blis_node_at(doc, root, i);
        if (v->kind == BLIS_NODE_OBJECT && blis_node_get(doc, v, "TFlopsPeak")) *kind = "a hardware config";
    }
    for (i = 0; *kind && i < root->count; i++) {
        blis_hw_config hw;
        blis_status st;
        if (blis_node_at(doc, root, i)->kind != BLIS_NODE_OBJECT) continue; /* a _comment */
        if ((st = blis_hw_config_from_doc(doc, blis_node_key_at(doc, root, i)->as.string, &hw, err)) ||
            (st = blis_hw_config_validate(&hw, 1, err)))
            return st;
    }
    return BLIS_OK;
}

static int check_file(const char *path, const char *fmt, int print) {
    const char *kind = NULL;
    char *src = NULL;
    size_t len = 0;
    blis_err err;
    blis_parse_opts opts;
    blis_status st;
    int rc = 0;
    memset(&opts, 0, sizeof opts);
    opts.source = path;
    if (blis_file_read(path, 0, NULL, &src, &len, &err) != BLIS_OK) {
        print_err(&err);
        return EXIT_USAGE;
    }
    if (!strcmp(fmt, "csv")) {
        blis_csv csv;
        st = blis_csv_parse(src, len, &opts, &csv, &err);
        if (st == BLIS_OK) {
            printf("%s: ok (csv, %lu columns, %lu rows)\n", path, (unsigned long)csv.columns, (unsigned long)csv.rows);
            blis_csv_free(&csv);
        }
    } else {
        blis_doc doc;
        st = !strcmp(fmt, "json") ? blis_json_parse(src, len, &opts, &doc, &err)
                                  : blis_yaml_parse(src, len, &opts, &doc, &err);
        if (st == BLIS_OK && print) {
            blis_jw w;
            blis_jw_init(&w, file_write, stdout, 2);
            blis_jw_node(&w, &doc, blis_doc_root(&doc));
            if (blis_jw_finish(&w) == BLIS_E_INVALID) {
                fprintf(stderr, "%s: error: the document holds a value JSON cannot represent (NaN or infinity)\n",
                        path);
                rc = EXIT_USAGE;
            } else if (blis_jw_finish(&w) != BLIS_OK || fputc('\n', stdout) == EOF) {
                rc = EXIT_RUNTIME;
            }
        }
        if (st == BLIS_OK && (st = check_semantics(&doc, &err, &kind)) == BLIS_OK && !print)
            printf("%s: ok (%s, %lu values%s%s)\n", path, fmt, (unsigned long)doc.node_count, kind ? ", " : "",
                   kind ? kind : "");
        if (doc.nodes) blis_doc_free(&doc);
    }
    blis_file_free(NULL, src);
    if (st != BLIS_OK) {
        print_err(&err);
        return EXIT_USAGE;
    }
    return rc;
}

static int cmd_check(int argc, char **argv) {
    const char *forced = NULL;
    int print = 0, i, files = 0, worst = 0;
    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--as")) {
            if (i + 1 >= argc) return usage_error("--as needs a value (json, yaml or csv)", NULL);
            forced = argv[++i];
            if (strcmp(forced, "json") != 0 && strcmp(forced, "yaml") != 0 && strcmp(forced, "csv") != 0)
                return usage_error("--as must be json, yaml or csv, got", forced);
        } else if (!strcmp(argv[i], "--print")) {
            print = 1;
        } else if (!strcmp(argv[i], "--")) {
            i++;
            break;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return usage_error("unknown option for check", argv[i]);
        } else {
            break;
        }
    }
    for (; i < argc; i++, files++) {
        const char *fmt = format_of(forced, argv[i]);
        int rc;
        if (!fmt) {
            fprintf(stderr, "%s: error: cannot tell the format from the file name; use --as json|yaml|csv\n", argv[i]);
            rc = EXIT_USAGE;
        } else {
            rc = check_file(argv[i], fmt, print);
        }
        if (rc == EXIT_RUNTIME || (rc && !worst)) worst = rc;
    }
    if (files == 0) return usage_error("check needs at least one FILE", NULL);
    if (fflush(stdout) != 0) return EXIT_RUNTIME;
    return worst;
}

/* ---- step ---- */

typedef struct bench_print {
    int quiet; /* warnings not printed */
} bench_print;

static void bench_report(void *user, int is_error, const char *source, uint32_t line, uint32_t col, const char *msg) {
    const bench_print *p = (const bench_print *)user;
    const char *what = is_error == 1 ? "error" : is_error == 0 ? "warning" : "note";
    if (is_error != 1 && p->quiet) return;
    if (line)
        fprintf(stderr, "%s:%lu:%lu: %s: %s\n", source, (unsigned long)line, (unsigned long)col, what, msg);
    else
        fprintf(stderr, "%s: %s: %s\n", source, what, msg);
}

/* --roofline-ext LIST (evaluate, calibrate). */
static int parse_roofline_ext(const char *v, unsigned *out);

static int run_report(const blis_err *err, const char *hint);

/* `step` (blis.h blis_step_write_json): the flags into blis_step_options. */
typedef struct step_args {
    blis_step_options o;
    const char **specs; /* --prefill values, then --decode values */
    int given_tp;
} step_args;

static int flag_error(const char *flag, const char *expected, const char *got) {
    fprintf(stderr, "simulation_worker: error: %s: expected %s, got '%s'\n", flag, expected, got ? got : "");
    return EXIT_USAGE;
}

static int parse_int_in(const char *flag, const char *v, int lo, int hi, int *out) {
    int64_t x;
    char expected[64];
    if (blis_parse_i64(v, strlen(v), 0, &x) == BLIS_OK && x >= lo && x <= hi) {
        *out = (int)x;
        return 0;
    }
    snprintf(expected, sizeof expected, "an integer in %d..%d", lo, hi);
    return flag_error(flag, expected, v);
}

static int parse_roofline_ext(const char *v, unsigned *out) {
    int flags = blis_v1x_parse(v);
    if (flags < 0)
        return flag_error("--roofline-ext", "a list of moe, fused, allreduce, lmhead, gemm, quant (or all, none)", v);
    *out = (unsigned)flags;
    return 0;
}

static int parse_step_args(int argc, char **argv, step_args *a) {
    static const char *const flags[] = {"--model",           "--model-config-folder", "--hardware",
                                        "--hardware-config", "--bench-data-path",     "--kv-cache-dtype",
                                        "--roofline-ext"};
    int i, k;
    int64_t tp;
    size_t n = 0;
    memset(a, 0, sizeof *a);
    if (!(a->specs = (const char **)calloc((size_t)argc + 1, sizeof *a->specs))) return EXIT_RUNTIME;
    for (i = 0; i < argc; i++) { /* --prefill values first, then --decode values */
        const char *f = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        const char **field[] = {&a->o.model,     &a->o.model_dir, &a->o.gpu,         &a->o.hw_file,
                                &a->o.bench_dir, &a->o.kv_dtype,  &a->o.roofline_ext};
        for (k = 0; k < 7 && strcmp(f, flags[k]) != 0; k++) {
        }
        if (k == 7 && strcmp(f, "--prefill") != 0 && strcmp(f, "--decode") != 0 && strcmp(f, "--tp") != 0) {
            static const char *const step_flags[] = {
                "--model",          "--model-config-folder", "--hardware", "--hardware-config", "--bench-data-path",
                "--kv-cache-dtype", "--roofline-ext",        "--prefill",  "--decode",          "--tp"};
            return unknown_flag("step", f, step_flags, sizeof step_flags / sizeof step_flags[0], 0);
        }
        if (!v) return flag_error(f, "a value", NULL);
        i++;
        if (k < 7)
            *field[k] = v;
        else if (!strcmp(f, "--tp")) {
            if (blis_parse_i64(v, strlen(v), 0, &tp) != BLIS_OK || tp < 1)
                return flag_error(f, "a positive integer", v);
            if (tp > 1024) return flag_error(f, "a tensor-parallel degree of at most 1024", v);
            a->o.tp = tp;
        } else if (!strcmp(f, "--prefill"))
            a->specs[n++] = v;
    }
    a->o.prefill = a->specs;
    a->o.n_prefill = n;
    a->o.decode = a->specs + n;
    for (i = 0; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--decode"))
            a->specs[n++] = argv[++i];
        else if (argv[i][0] == '-')
            i++;
    a->o.n_decode = n - a->o.n_prefill;
    return 0;
}

static int cmd_step(int argc, char **argv, const char *argv0) {
    step_args a;
    char data_buf[1024];
    cli_log log = {"simulation_worker", 3, NULL};
    blis_run_env env;
    blis_buf out;
    blis_jw w;
    blis_err err;
    int rc = parse_step_args(argc, argv, &a);
    memset(&out, 0, sizeof out);
    if (!rc) {
        blis_run_env_posix(&env, find_data_dir(argv0, data_buf, sizeof data_buf), NULL);
        env.resolve_model = cli_resolve_model;
        env.resolve_user = sw_name;
        env.log = cli_log_fn;
        env.log_user = &log;
        blis_jw_init(&w, blis_buf_write, &out, 2);
        if (blis_step_write_json(&a.o, &env, &w, &err) != BLIS_OK)
            rc = run_report(&err, NULL);
        else if (blis_jw_finish(&w) != BLIS_OK || fwrite(out.data, 1, out.len, stdout) != out.len ||
                 fputc('\n', stdout) == EOF || fflush(stdout) != 0)
            rc = EXIT_RUNTIME;
    }
    blis_buf_free(&out);
    free(a.specs);
    return rc;
}

/* ---- run ---- */

/* The run itself is blis.h >>run (blis_run_prepare, blis_run_execute);
 * here: the flags into blis_run_options, the messages, the progress line,
 * the outputs and the exit status. */

/* Reads a JSON or YAML file into doc; prints the error. */
static int read_doc(const char *path, int yaml, blis_doc *doc) {
    blis_err err;
    if (blis_doc_load(path, yaml, doc, &err) == BLIS_OK) return 0;
    print_err(&err);
    return EXIT_USAGE;
}

static int read_yaml(const char *path, blis_doc *doc) { return read_doc(path, 1, doc); }
static int read_json(const char *path, blis_doc *doc) { return read_doc(path, 0, doc); }

static int run_error(const char *msg) {
    fprintf(stderr, "simulation_worker: error: %s\n", msg);
    return EXIT_USAGE;
}

static int file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    fclose(f);
    return 1;
}

/* The exit status for a library error: 1 for the machine's, 2 for the input's. */
static int run_exit_status(const blis_err *err) {
    return err->status == BLIS_E_NOMEM || err->status == BLIS_E_IO || err->status == BLIS_E_INTERNAL ? EXIT_RUNTIME
                                                                                                     : EXIT_USAGE;
}

/* A library error on stderr (with the file when one is at fault, then any
 * hint); the exit status for it. */
static int run_report(const blis_err *err, const char *hint) {
    if (err->source[0])
        print_err(err);
    else
        fprintf(stderr, "simulation_worker: error: %s\n", err->msg);
    if (hint && hint[0]) fprintf(stderr, "simulation_worker: hint: %s\n", hint);
    return run_exit_status(err);
}

/* The flags of `run` into o (blis_run_options_init first). */
static int parse_run_args(int argc, char **argv, blis_run_options *o) {
    int i;
    size_t n;
    const blis_opt_def *defs = blis_run_option_defs(&n);
    blis_err err;
    for (i = 0; i < argc; i++) {
        const char *arg = argv[i], *eq = strchr(arg, '='), *v;
        char name[80];
        size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
        long k;
        if (strncmp(arg, "--", 2) != 0 || nlen >= sizeof name) return unknown_flag("run", arg, NULL, 0, 1);
        memcpy(name, arg, nlen);
        name[nlen] = '\0';
        if ((k = blis_run_option_find(name)) < 0 || strchr(name, '_')) return unknown_flag("run", arg, NULL, 0, 1);
        if (eq)
            v = eq + 1;
        else if (defs[k].type == BLIS_OPT_BOOL)
            v = "true";
        else if (i + 1 < argc)
            v = argv[++i];
        else
            return flag_error(defs[k].flag, "a value", "");
        if (blis_run_option_set(o, name, v, &err) != BLIS_OK) return run_report(&err, NULL);
    }
    return 0;
}

/* mkstemp creates 0600 files; results are ordinary files (0644 less umask). */
static int fchmod_path(const char *path) {
    mode_t um = umask(0);
    umask(um);
    return chmod(path, (mode_t)(0666 & ~um));
}

/* An output written as a stream to the place blis_posix_output_target
 * gives: a temporary file beside a regular target, renamed over it by
 * cli_out_close(keep = 1) (never a half-written file; keep = 0 discards
 * it); a device, FIFO or stdout ("-") written in place. */
typedef struct cli_out {
    FILE *f;
    int kind;
    char target[4096], tmp[4200];
} cli_out;

/* 0, or -1 with errno set. */
static int cli_out_open(cli_out *o, const char *path) {
    int fd;
    memset(o, 0, sizeof *o);
    if ((o->kind = blis_posix_output_target(path, o->target, sizeof o->target)) < 0) return -1;
    if (o->kind == BLIS_OUT_STDOUT) {
        o->f = stdout;
        return 0;
    }
    if (o->kind == BLIS_OUT_IN_PLACE) return (o->f = fopen(o->target, "wb")) ? 0 : -1;
    if ((fd = blis_posix_mkstemp_beside(o->target, o->tmp, sizeof o->tmp)) < 0) return -1;
    if (!(o->f = fdopen(fd, "wb"))) {
        close(fd);
        remove(o->tmp);
        return -1;
    }
    return 0;
}

/* Flushes and (keep) renames into place; 0, or -1 when anything failed
 * (the target is then as it was, for a regular file). */
static int cli_out_close(cli_out *o, int keep) {
    int bad = 0;
    if (!o->f) return -1;
    bad |= fflush(o->f) != 0;
    if (o->kind == BLIS_OUT_REPLACE) {
        bad |= fsync(fileno(o->f)) != 0;
        bad |= fclose(o->f) != 0;
        o->f = NULL;
        if (bad || !keep || fchmod_path(o->tmp) != 0 || rename(o->tmp, o->target) != 0) {
            remove(o->tmp);
            return -1;
        }
        return 0;
    }
    if (o->kind == BLIS_OUT_IN_PLACE) bad |= fclose(o->f) != 0;
    o->f = NULL;
    return bad ? -1 : 0;
}

/* Writes the results file (cli_out: a regular file through a temporary
 * file renamed into place only when complete; a device, FIFO or "-" in
 * place); an interrupt while writing (the signal flag) leaves a regular
 * destination as it was. */
static int write_results(const char *path, const blis_cluster *c, const blis_metrics *m) {
    cli_out o;
    blis_jw w;
    blis_err err;
    int bad;
    if (cli_out_open(&o, path)) {
        fprintf(stderr, "%s: error: cannot write the results file: %s\n", path, strerror(errno));
        return EXIT_RUNTIME;
    }
    blis_jw_init(&w, file_write, o.f, 2);
    bad = blis_cluster_results_write(c, m, &w, &err) != BLIS_OK || blis_jw_finish(&w) != BLIS_OK;
    bad |= fputc('\n', o.f) == EOF;
    if (cli_out_close(&o, !bad && !cli_caught_signal) || bad || cli_caught_signal) {
        if (cli_caught_signal) { /* interrupted while writing: the destination is as it was */
            fprintf(stderr, "simulation_worker: interrupted by %s; no results were written\n",
                    cli_caught_signal == SIGTERM ? "SIGTERM" : "SIGINT");
            return 128 + (int)cli_caught_signal;
        }
        fprintf(stderr, "%s: error: cannot write the results file\n", path);
        return EXIT_RUNTIME;
    }
    return 0;
}

static int print_metrics(const blis_metrics *m, const char *instance_id) {
    blis_jw w;
    fputs("=== Simulation Metrics ===\n", stdout);
    blis_jw_init(&w, file_write, stdout, 2);
    blis_metrics_write(m, instance_id, &w);
    return blis_jw_finish(&w) != BLIS_OK || fputc('\n', stdout) == EOF ? EXIT_RUNTIME : 0;
}

/* Spec §8.1 and §8.3: each instance's block (several instances), the
 * cluster's, then fitness, anomaly counters, KV cache metrics, per-SLO
 * metrics and the trace summary. */
static int print_run(const blis_run *run) {
    const blis_run_options *a = &run->opt;
    const blis_cluster *c = &run->cluster;
    blis_metrics m;
    blis_anomalies an;
    blis_err err;
    char kv[300];
    int i;
    for (i = 0; c->n_instances > 1 && i < c->n_instances; i++) {
        char id[32];
        if (blis_cluster_metrics(c, i, &m, &err)) {
            print_err(&err);
            return EXIT_RUNTIME;
        }
        snprintf(id, sizeof id, "instance_%d", i);
        if (m.completed > 0 && print_metrics(&m, id)) return EXIT_RUNTIME;
    }
    if (blis_cluster_metrics(c, -1, &m, &err)) {
        print_err(&err);
        return EXIT_RUNTIME;
    }
    if (m.completed > 0) {
        if (print_metrics(&m, "cluster")) return EXIT_RUNTIME;
    } else if (c->rejected > 0 && c->rejected == c->generated) {
        fprintf(stderr,
                "simulation_worker: warning: [cluster] all %lld requests rejected by admission policy \"%s\" - "
                "no requests completed\n",
                (long long)c->rejected, a->admission);
    } else {
        fprintf(stderr, "simulation_worker: warning: [cluster] no requests completed - horizon may be too short or "
                        "workload too small\n");
    }
    if (a->fitness && blis_cluster_fitness_write(c, &m, &run->fitness, file_write, stdout, &err)) {
        print_err(&err);
        return EXIT_RUNTIME;
    }
    if (blis_cluster_anomalies(c, &an, &err) == BLIS_OK) {
        if (blis_anomalies_write(&an, file_write, stdout)) return EXIT_RUNTIME;
    } else {
        print_err(&err);
        return EXIT_RUNTIME;
    }
    if (blis_kv_metrics_format(&m, kv, sizeof kv)) fputs(kv, stdout);
    if (c->cfg.instance.keep_requests && blis_cluster_slo_write(c, file_write, stdout, &err)) {
        print_err(&err);
        return EXIT_RUNTIME;
    }
    if (c->cfg.trace_decisions && a->summarize_trace && blis_cluster_trace_summary_write(c, file_write, stdout))
        return EXIT_RUNTIME;
    if (fflush(stdout) != 0) return EXIT_RUNTIME;
    return a->results ? write_results(a->results, c, &m) : 0;
}

/* The progress line on stderr (a terminal, a run past 2 s, not --quiet):
 * requests done of the total (percentage, ETA) when it is known, simulated
 * time, events per second; redrawn at most every half second and erased at
 * the end. */
typedef struct progress_line {
    double start_s, last_s;
    int shown;
    int64_t total; /* requests the run will complete (0: not known ahead) */
} progress_line;

/* The progress text: done of total, the percentage and the ETA when the
 * total is known, then simulated time and events per second. */
static void progress_format(char *buf, size_t size, double sim_s, int64_t done, int64_t total, double elapsed_s,
                            double events_per_s) {
    if (total > 0) {
        int n =
            snprintf(buf, size, "[blis] %lld/%lld requests (%.1f%%), simulated %.1f s, %.2fM events/s", (long long)done,
                     (long long)total, 100.0 * (double)done / (double)total, sim_s, events_per_s / 1e6);
        if (done > 0 && done < total && n > 0 && (size_t)n < size)
            snprintf(buf + n, size - (size_t)n, ", ETA %.0f s", elapsed_s * (double)(total - done) / (double)done);
        return;
    }
    snprintf(buf, size, "[blis] simulated %.1f s, %lld requests completed, %.2fM events/s", sim_s, (long long)done,
             events_per_s / 1e6);
}

static double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void on_progress(void *user, const blis_cluster *c) {
    progress_line *p = (progress_line *)user;
    double now = mono_s();
    int64_t done = 0;
    int i;
    char text[200];
    if (now - p->start_s < 2.0 || now - p->last_s < 0.5) return;
    for (i = 0; i < c->n_instances; i++) done += c->instances[i].completed;
    progress_format(text, sizeof text, (double)c->clock_us / 1e6, done, p->total, now - p->start_s,
                    (double)c->events_done / (now - p->start_s));
    fprintf(stderr, "\r%s\033[K", text);
    p->last_s = now;
    p->shown = 1;
}

/* What a run keeps besides the library's state: the options (their
 * strings), the log and the progress line. */
typedef struct run_ctx {
    blis_run_options opt;
    blis_run run;
    cli_log log;
    progress_line pl;
    char data_buf[1024];
    const char *data_dir;
} run_ctx;

static void run_ctx_free(run_ctx *x) {
    blis_run_free(&x->run);
    blis_run_options_free(&x->opt);
}

/* An unwritable --results-path is reported before the run, not after it. */
static int results_path_check(const char *path) {
    char tmp[4200], target[4096];
    int fd;
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "%s: error: --results-path is a directory; expected a file path\n", path);
        return EXIT_USAGE;
    }
    if (blis_posix_output_target(path, target, sizeof target) == BLIS_OUT_REPLACE) {
        if ((fd = blis_posix_mkstemp_beside(target, tmp, sizeof tmp)) < 0) {
            fprintf(stderr, "%s: error: cannot write the results file: %s\n", path, strerror(errno));
            return EXIT_USAGE;
        }
        close(fd);
        remove(tmp);
    }
    return 0;
}

/* The flags to a finished run in x->run. `sweep` (point_mode) shows no
 * progress line and never writes --results-path. The caller frees x. */
static int run_simulate(int argc, char **argv, const char *argv0, run_ctx *x, int point_mode) {
    blis_run_env env;
    blis_err err;
    const char *paranoid = getenv("BLIS_PARANOID");
    int rc;
    { /* SIGINT/SIGTERM: the run stops at the next event and writes nothing */
        struct sigaction old_int, old_term;
        cli_catch_signals(&old_int, &old_term);
    }
    blis_run_options_init(&x->opt);
    if ((rc = parse_run_args(argc, argv, &x->opt))) return rc;
    if (x->opt.json && x->opt.results && !strcmp(x->opt.results, "-"))
        return run_error("--json and --results-path - both write stdout; give one, or a file for --results-path");
    if (paranoid && *paranoid && strcmp(paranoid, "0") != 0) x->opt.check_invariants = 1;
    x->data_dir = find_data_dir(argv0, x->data_buf, sizeof x->data_buf);
    x->log.tool = "simulation_worker";
    x->log.threshold = blis_log_level(x->opt.log);
    blis_run_env_posix(&env, x->data_dir, NULL);
    env.resolve_model = cli_resolve_model;
    env.resolve_user = sw_name;
    env.log = cli_log_fn;
    env.log_user = &x->log;
    env.cancel = &cli_caught_signal;
    if (!x->opt.quiet && !point_mode && isatty(2)) {
        x->pl.start_s = mono_s();
        env.progress = on_progress;
        env.progress_user = &x->pl;
        env.progress_every = 65536;
    }
    if (blis_run_prepare(&x->run, &x->opt, &env, &err) != BLIS_OK) return run_report(&err, x->run.hint);
    x->pl.total = x->run.progress_total;
    if (x->opt.results && !point_mode && (rc = results_path_check(x->opt.results))) return rc;
    rc = blis_run_execute(&x->run, &err) == BLIS_OK ? 0 : -1;
    if (x->pl.shown) fputs("\r\033[K", stderr);
    if (!rc) return 0;
    if (err.status == BLIS_E_CANCELLED) {
        fprintf(stderr, "simulation_worker: %s by %s; no results were written\n", err.msg,
                cli_caught_signal == SIGTERM ? "SIGTERM" : "SIGINT");
        return 128 + (int)cli_caught_signal;
    }
    if (err.status == BLIS_E_NOMEM) { /* the simulation's own memory: say what drives it */
        fprintf(stderr,
                "simulation_worker: error: out of memory while simulating (at simulated time %lld us, %lld requests "
                "generated; fewer --num-requests, a shorter --horizon or a lower --rate use less)\n",
                (long long)x->run.cluster.clock_us, (long long)x->run.cluster.generated);
        return EXIT_RUNTIME;
    }
    return run_report(&err, NULL); /* a bad trace row is an input error */
}

#include "plan_commands.h"

static int cmd_run(int argc, char **argv, const char *argv0) {
    run_ctx *x = (run_ctx *)calloc(1, sizeof *x);
    int rc;
    if (!x) return EXIT_RUNTIME;
    if ((rc = run_simulate(argc, argv, argv0, x, 0)) == 0) rc = run_outputs(&x->run);
    run_ctx_free(x);
    free(x);
    return rc;
}

/* ---- evaluate (blis.h blis_evaluate) ---- */

typedef struct eval_args {
    blis_eval_options o;
    const char *ids[256];
    int json, quiet, max_requests_given;
} eval_args;

static int parse_eval_args(int argc, char **argv, eval_args *a) {
    int i;
    memset(a, 0, sizeof *a);
    blis_eval_options_init(&a->o);
    a->o.ids = a->ids;
    for (i = 0; i < argc; i++) {
        const char *f = argv[i], *v;
        int *flag = !strcmp(f, "--json")             ? &a->json
                    : !strcmp(f, "--open-loop")      ? &a->o.open_loop
                    : !strcmp(f, "--unique-prompts") ? &a->o.unique_prompts
                    : !strcmp(f, "--ignore-traces")  ? &a->o.ignore_traces
                    : !strcmp(f, "--quiet")          ? &a->quiet
                                                     : NULL;
        if (flag) {
            *flag = 1;
            continue;
        }
        if (i + 1 >= argc) return usage_error("unknown option for evaluate (or a missing value)", f);
        v = argv[++i];
        if (!strcmp(f, "--seed")) {
            if (blis_parse_i64(v, strlen(v), 0, &a->o.seed)) return flag_error("--seed", "an integer", v);
        } else if (!strcmp(f, "--roofline-ext")) {
            if (parse_roofline_ext(v, &a->o.v1_ext)) return EXIT_USAGE;
        } else if (!strcmp(f, "--client-max-inflight")) {
            if (blis_parse_i64(v, strlen(v), 0, &a->o.client_cap) || a->o.client_cap < 1)
                return flag_error("--client-max-inflight", "an integer >= 1", v);
        } else if (!strcmp(f, "--client-timeout")) {
            if (blis_parse_f64(v, strlen(v), BLIS_NUM_LOOSE_DOT, &a->o.client_timeout_s) ||
                !(a->o.client_timeout_s >= 0 && a->o.client_timeout_s <= 1e9))
                return flag_error("--client-timeout", "seconds, 0..1e9 (0: none)", v);
        } else if (!strcmp(f, "--ground-truth")) {
            a->o.ground_truth = v;
        } else if (!strcmp(f, "--bench-data-path")) {
            a->o.bench_dir = v;
        } else if (!strcmp(f, "--hardware-config")) {
            a->o.hw_file = v;
        } else if (!strcmp(f, "--id")) {
            if (a->o.n_ids == sizeof a->ids / sizeof a->ids[0]) return usage_error("too many --id", v);
            a->ids[a->o.n_ids++] = v;
        } else if (!strcmp(f, "--max-requests")) {
            if (blis_parse_i64(v, strlen(v), 0, &a->o.max_requests) || a->o.max_requests < 0)
                return flag_error("--max-requests", "a non-negative integer", v);
            a->max_requests_given = 1;
        } else if (!strcmp(f, "--alpha-coeffs")) {
            const char *p = v;
            int k;
            for (k = 0; k < 3; k++) { /* exactly three numbers, exactly converted */
                const char *end = k < 2 ? strchr(p, ',') : p + strlen(p);
                if (!end || blis_parse_f64(p, (size_t)(end - p), BLIS_NUM_ALLOW_PLUS | BLIS_NUM_LOOSE_DOT,
                                           &a->o.alpha[k]) != BLIS_OK)
                    return flag_error("--alpha-coeffs", "three comma-separated numbers", v);
                p = end + 1;
            }
        } else {
            return usage_error("unknown option for evaluate (or a missing value)", f);
        }
    }
    if (!a->o.ground_truth) return usage_error("evaluate needs --ground-truth FILE", NULL);
    return 0;
}

/* The tools' environment for the library: the bundled data, the resolver
 * (downloads stop on a signal), the bench_data lister, messages on stderr. */
static void cli_env(blis_run_env *env, const char *argv0, char *data_buf, size_t data_size, cli_log *log) {
    blis_run_env_posix(env, find_data_dir(argv0, data_buf, data_size), NULL);
    env->resolve_model = cli_resolve_model;
    env->resolve_user = sw_name;
    env->log = cli_log_fn;
    env->log_user = log;
    env->cancel = &cli_caught_signal;
}

/* The ground truth opened (the error printed); 0 when it is. */
static int eval_open(const eval_args *a, const char *argv0, blis_evaluation *ev, char *data_buf, size_t data_size,
                     cli_log *log) {
    blis_run_env env;
    blis_err err;
    cli_env(&env, argv0, data_buf, data_size, log);
    if (blis_evaluation_open(ev, &a->o, &env, &err) != BLIS_OK) return run_report(&err, NULL);
    return 0;
}

static void eval_progress(void *user, size_t done, size_t total, const char *id) {
    if (!*(const int *)user && isatty(2))
        fprintf(stderr, "\r[blis] evaluate %lu/%lu %s\033[K", (unsigned long)done, (unsigned long)total, id);
}

/* What ran, then the skipped records with their reasons, then the summary. */
static int eval_print_text(const blis_evaluation *ev) {
    const blis_eval_result *res = ev->res;
    size_t i, j, n = ev->n;
    int k;
    char ext_names[64];
    blis_v1x_format(ev->opt.v1_ext, ',', ext_names, sizeof ext_names);
    for (i = 0; i < n; i++) {
        if (!res[i].ran) continue;
        printf("== %s\n   %s on %s, TP %lld, DP %lld, %lld requests (%s), KV %lld blocks (derived %lld), %.1f s\n",
               res[i].id, res[i].model, res[i].gpu, (long long)res[i].tp, (long long)res[i].dp,
               (long long)res[i].requests, res[i].from_profile ? "from its description" : "from its trace",
               (long long)res[i].kv_blocks, (long long)res[i].kv_derived, res[i].cpu_s);
        printf("   %-10s %12s %12s %9s\n", "metric", "measured ms", "predicted ms", "error");
        for (k = 0; k < BLIS_EVAL_METRICS; k++)
            printf("   %-10s %12.2f %12.2f %+8.1f%%\n", blis_eval_metric_name(k), res[i].measured[k],
                   res[i].predicted[k], blis_eval_err_pct(&res[i], k));
        for (j = 0; j < res[i].n_stages; j++)
            for (k = 0; k < 3; k++)
                printf("   %-10s %12.2f %12.2f %+8.1f%%  stage %lu\n", blis_eval_stage_name(k),
                       res[i].stage_measured[j][k], res[i].stage_predicted[j][k],
                       blis_eval_stage_err_pct(&res[i], j, k), (unsigned long)j + 1);
    }
    for (i = 0; i < n; i++)
        if (!res[i].ran) printf("skipped %s: %s\n", res[i].id, res[i].reason);
    printf("\n%lu experiments run, %lu skipped (latency model %s%s%s)\n", (unsigned long)ev->run,
           (unsigned long)(n - ev->run), ev->opt.bench_dir ? "roofline v2" : "roofline v1",
           ev->opt.bench_dir ? "" : ", extensions ", ev->opt.bench_dir ? "" : ext_names);
    printf("%-10s %10s %12s %4s\n", "metric", "MAPE %", "median APE %", "n");
    for (k = 0; k < BLIS_EVAL_METRICS; k++) {
        double mape, med;
        size_t c;
        blis_eval_summary(res, n, k, &mape, &med, &c);
        printf("%-10s %10.1f %12.1f %4lu\n", blis_eval_metric_name(k), mape, med, (unsigned long)c);
    }
    for (k = 0; k < 3; k++) {
        size_t c;
        double mape = blis_eval_stage_mape(res, n, k, &c);
        if (c)
            printf("%-10s %10.1f %12s %4lu  (per load stage)\n", blis_eval_stage_name(k), mape, "", (unsigned long)c);
    }
    return fflush(stdout) ? EXIT_RUNTIME : 0;
}

/* Records skipped for bad input: what ran is printed; the input still had errors. */
static int eval_bad_input(size_t bad, const char *ground_truth, int rc) {
    if (!bad || rc) return rc;
    fprintf(stderr, "simulation_worker: error: %lu record%s skipped for bad input in %s (the reasons are above)\n",
            (unsigned long)bad, bad == 1 ? "" : "s", ground_truth);
    return EXIT_USAGE;
}

static int cmd_evaluate(int argc, char **argv, const char *argv0) {
    eval_args a;
    blis_evaluation *ev = (blis_evaluation *)calloc(1, sizeof *ev);
    char data_buf[1024];
    cli_log log = {"simulation_worker", 3, NULL};
    blis_err err;
    int rc;
    if (!ev) return EXIT_RUNTIME;
    if ((rc = parse_eval_args(argc, argv, &a)) || (rc = eval_open(&a, argv0, ev, data_buf, sizeof data_buf, &log))) {
        free(ev);
        return rc;
    }
    if (blis_evaluate(ev, eval_progress, &a.quiet, &err) != BLIS_OK) {
        rc = run_report(&err, NULL);
    } else if (a.json) {
        blis_jw w;
        if (!a.quiet && isatty(2)) fputs("\r\033[K", stderr);
        blis_jw_init(&w, file_write, stdout, 2);
        blis_evaluation_write_json(ev, &w);
        rc = blis_jw_finish(&w) != BLIS_OK || fputc('\n', stdout) == EOF ? EXIT_RUNTIME : 0;
    } else {
        if (!a.quiet && isatty(2)) fputs("\r\033[K", stderr);
        rc = eval_print_text(ev);
    }
    rc = eval_bad_input(rc ? 0 : blis_evaluation_bad_inputs(ev), a.o.ground_truth, rc);
    blis_evaluation_free(ev);
    free(ev);
    return rc;
}

/* ---- calibrate (blis.h blis_calibration) ---- */

/* The objective's evaluations spread over worker processes: experiments i
 * with i % jobs == w run in worker w (w > 0: a child process writing its
 * errors to a pipe); the errors are summed in index order, so the result
 * does not depend on the number of jobs. A worker that cannot start or
 * report leaves its share to this process. */
static void calib_map(void *user, blis_calibration *c, const blis_hw_config *hw, const char *only_model, double *out) {
    int fds[16][2], w, jobs = *(const int *)user;
    pid_t pid[16];
    size_t i, n2 = 2 * c->n;
    jobs = jobs < 1 ? 1 : jobs > 16 ? 16 : jobs;
    for (w = 1; w < jobs; w++) {
        pid[w] = -1;
        if (pipe(fds[w]) != 0) continue;
        fflush(NULL);
        pid[w] = fork();
        if (pid[w] == 0) { /* the child: its share, then the whole array */
            const char *buf;
            size_t left = n2 * sizeof *out;
            close(fds[w][0]);
            for (i = (size_t)w; i < c->n; i += (size_t)jobs) blis_calib_one(c, hw, only_model, i, out);
            for (buf = (const char *)out; left > 0;) {
                ssize_t k = write(fds[w][1], buf, left);
                if (k <= 0) _exit(1);
                buf += k;
                left -= (size_t)k;
            }
            _exit(0);
        }
        close(fds[w][1]);
        if (pid[w] < 0) close(fds[w][0]);
    }
    for (i = 0; i < c->n; i += (size_t)jobs) blis_calib_one(c, hw, only_model, i, out);
    for (w = 1; w < jobs; w++) {
        double *theirs = c->scratch;
        size_t got = 0, want = n2 * sizeof *out;
        int ok = 0, status = 0;
        if (pid[w] > 0) {
            for (;;) {
                ssize_t k = read(fds[w][0], (char *)theirs + got, want - got);
                if (k <= 0) break;
                got += (size_t)k;
            }
            close(fds[w][0]);
            ok = waitpid(pid[w], &status, 0) == pid[w] && WIFEXITED(status) && WEXITSTATUS(status) == 0 && got == want;
        }
        for (i = (size_t)w; i < c->n; i += (size_t)jobs) {
            if (ok) {
                out[2 * i] = theirs[2 * i];
                out[2 * i + 1] = theirs[2 * i + 1];
            } else {
                blis_calib_one(c, hw, only_model, i, out);
            }
        }
    }
}

/* Each evaluation on a terminal, else every tenth (calibrate runs for minutes). */
static void calib_progress(void *user, const blis_calibration *c, double v) {
    if (*(const int *)user || !(isatty(2) || c->evals % 10 == 0)) return;
    fprintf(stderr, "%s[blis] calibrate %s: evaluation %d/%d, objective %.2f%%, best %.2f%%%s", isatty(2) ? "\r" : "",
            c->phase ? c->phase : "", c->evals, c->max_evals, v, c->best, isatty(2) ? "\033[K" : "\n");
}

static double calib_fit(blis_calibration *c, double *x, int max_evals, int quiet) {
    double fit = blis_calib_fit(c, x, max_evals);
    if (!quiet && isatty(2)) fputs("\r\033[K", stderr);
    return fit;
}

/* Leave-one-model-out: each model's records measured with the fit made
 * without them, against the fit with them. */
static void calib_lomo(blis_calibration *c, const blis_hw_config *hw, int max_evals, int quiet) {
    double sum[2][2] = {{0, 0}, {0, 0}}; /* [held out, in sample][TTFT, E2E]: absolute % errors */
    size_t n_all = 0;
    int i;
    printf("leave-one-model-out (fitted without the model, measured on it; the objective, then the\n"
           "TTFT-mean and E2E-mean MAPE of its records):\n");
    for (i = 0; i < c->n_models; i++) {
        double xl[BLIS_CALIB_PARAMS], obj[2], mape[2][2];
        blis_hw_config hl;
        size_t ch = 0, k;
        c->skip_model = c->models[i];
        c->phase = c->models[i];
        calib_fit(c, xl, max_evals, quiet);
        blis_calib_apply(c, xl, &hl);
        c->skip_model = NULL;
        for (k = 0; k < 2; k++) {
            obj[k] = blis_calib_error(c, k ? hw : &hl, c->models[i], k ? NULL : &ch, mape[k]);
            sum[k][0] += mape[k][0];
            sum[k][1] += mape[k][1];
        }
        n_all += ch;
        printf("  %-38s held out %.1f%% (TTFT %.1f%%, E2E %.1f%%)  in sample %.1f%% (TTFT %.1f%%, E2E %.1f%%)  %lu "
               "experiments\n",
               c->models[i], obj[0], ch ? mape[0][0] / (double)ch : 0, ch ? mape[0][1] / (double)ch : 0, obj[1],
               ch ? mape[1][0] / (double)ch : 0, ch ? mape[1][1] / (double)ch : 0, (unsigned long)ch);
    }
    if (n_all)
        printf("  every record, each from the fit without its model: TTFT-mean MAPE %.1f%%, E2E-mean MAPE %.1f%% (in "
               "sample %.1f%%, %.1f%%)\n",
               sum[0][0] / (double)n_all, sum[0][1] / (double)n_all, sum[1][0] / (double)n_all,
               sum[1][1] / (double)n_all);
}

/* The fitted hardware file, whole, written atomically. */
static int calib_write(const char *path, const blis_doc *base, const blis_hw_config *fit, int transfer) {
    blis_buf out;
    blis_jw w;
    blis_err err;
    int bad;
    memset(&out, 0, sizeof out);
    blis_jw_init(&w, blis_buf_write, &out, 2);
    if (blis_calib_write_hw(base, fit, transfer, &w, &err) != BLIS_OK) {
        blis_buf_free(&out);
        print_err(&err);
        return EXIT_USAGE;
    }
    bad = blis_jw_finish(&w) != BLIS_OK || blis_buf_write(&out, "\n", 1) != 0 ||
          blis_posix_write_atomic(path, out.data, out.len) != 0;
    blis_buf_free(&out);
    if (bad) {
        fprintf(stderr, "%s: error: cannot write the hardware config\n", path);
        return EXIT_RUNTIME;
    }
    return 0;
}

typedef struct calib_args {
    const char *gpu, *out;
    int lomo, max_evals, jobs, objective, balance, transfer;
    unsigned fixed;
} calib_args;

/* calibrate's own flags; the rest (evaluate's) into rest. */
static int parse_calib_args(int argc, char **argv, calib_args *c, char **rest, int *n_rest, int max_rest) {
    int i, rc;
    memset(c, 0, sizeof *c);
    c->max_evals = 120;
    c->objective = BLIS_CALIB_CAPPED;
    for (i = 0; i < argc; i++) {
        static const char *const valued[] = {"--hardware", "--out", "--fix", "--objective", "--max-evals", "--jobs"};
        const char *f = argv[i], *v;
        size_t k;
        int *flag = !strcmp(f, "--leave-one-model-out")    ? &c->lomo
                    : !strcmp(f, "--weigh-models-equally") ? &c->balance
                    : !strcmp(f, "--transfer")             ? &c->transfer
                                                           : NULL;
        if (flag) {
            *flag = 1;
            continue;
        }
        for (k = 0; k < 6 && strcmp(f, valued[k]) != 0; k++) {
        }
        if (k == 6 || i + 1 >= argc) { /* evaluate's */
            if (*n_rest == max_rest) return usage_error("too many options for calibrate", f);
            rest[(*n_rest)++] = argv[i];
            continue;
        }
        v = argv[++i];
        if (k == 0) {
            c->gpu = v;
        } else if (k == 1) {
            c->out = v;
        } else if (k == 2) {
            blis_err err;
            if (blis_calib_parse_fix(v, &c->fixed, &err)) return run_report(&err, NULL);
        } else if (k == 3) {
            if (!strcmp(v, "capped"))
                c->objective = BLIS_CALIB_CAPPED;
            else if (!strcmp(v, "log"))
                c->objective = BLIS_CALIB_LOG;
            else if (!strcmp(v, "mape"))
                c->objective = BLIS_CALIB_MAPE;
            else
                return flag_error("--objective", "capped, log or mape", v);
        } else if ((rc = parse_int_in(f, v, 1, k == 4 ? 100000 : 16, k == 4 ? &c->max_evals : &c->jobs))) {
            return rc;
        }
    }
    if (!c->jobs) { /* the machine's processors, at most 16 */
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        c->jobs = cpus < 1 ? 1 : cpus > 16 ? 16 : (int)cpus;
    }
    return 0;
}

/* The fit's report, then the file. */
static int calib_run(const calib_args *ca, const eval_args *a, blis_calibration *c, const char *base_path,
                     const blis_doc *base_doc) {
    size_t n = 0;
    blis_hw_config start = c->base, hw;
    double x[BLIS_CALIB_PARAMS], fit;
    char sample[64], ext[64];
    int i, rc;
    blis_v1x_format(a->o.v1_ext, ' ', ext, sizeof ext);
    if (a->o.max_requests)
        snprintf(sample, sizeof sample, "each trace's first %lld requests", (long long)a->o.max_requests);
    else
        snprintf(sample, sizeof sample, "whole traces");
    printf("calibrate %s on %d model(s), %s, Nelder-Mead from the current config, at most %d evaluations, %d "
           "job(s), roofline extensions %s\n",
           ca->gpu, c->n_models, sample, ca->max_evals, ca->jobs, ext);
    printf("objective: %s errors of the TTFT and E2E means%s\n",
           ca->objective == BLIS_CALIB_LOG    ? "log"
           : ca->objective == BLIS_CALIB_MAPE ? "absolute %"
                                              : "capped absolute %",
           ca->balance ? ", each model weighing the same" : "");
    printf("start: %.1f%%\n", blis_calib_error(c, &start, NULL, &n, NULL));
    fflush(stdout);
    c->phase = ca->gpu;
    fit = calib_fit(c, x, ca->max_evals, a->quiet);
    blis_calib_apply(c, x, &hw);
    printf("fitted (%d evaluations): %.1f%% over %lu experiments\n", c->evals, fit, (unsigned long)n);
    for (i = 0; i < BLIS_CALIB_PARAMS; i++)
        printf("  %-18s %10.4g (%s %.4g)\n", blis_calib_name(i), *blis_calib_field(&hw, i),
               (c->fixed >> i) & 1u                      ? "fixed, kept at"
               : i == 4 && (a->o.v1_ext & BLIS_V1X_GEMM) ? "unused with gemm, kept at"
                                                         : "was",
               *blis_calib_field(&start, i));
    if (ca->lomo && c->n_models > 1) calib_lomo(c, &hw, ca->max_evals, a->quiet);
    snprintf(hw.gpu, sizeof hw.gpu, "%s", ca->gpu);
    if ((rc = calib_write(ca->out, base_doc, &hw, ca->transfer)) == 0)
        printf("wrote %s: every GPU of %s, %s (use it with --hardware-config)\n", ca->out, base_path,
               ca->transfer ? "each with the fitted constants" : "the fitted one's constants replaced");
    return rc;
}

static int cmd_calibrate(int argc, char **argv, const char *argv0) {
    calib_args ca;
    eval_args a;
    blis_evaluation *ev = (blis_evaluation *)calloc(1, sizeof *ev);
    blis_calibration c;
    char *rest[600]; /* evaluate's options: up to 256 --id pairs and the rest */
    char data_buf[1024], base_path[1200];
    cli_log log = {"simulation_worker", 3, NULL};
    blis_doc base_doc;
    blis_err err;
    int n_rest = 0, rc;
    size_t r;
    if (!ev) return EXIT_RUNTIME;
    memset(&c, 0, sizeof c);
    if ((rc = parse_calib_args(argc, argv, &ca, rest, &n_rest, (int)(sizeof rest / sizeof rest[0]))) ||
        (rc = parse_eval_args(n_rest, rest, &a)))
        goto done;
    if (!ca.gpu || !ca.out) {
        rc = usage_error("calibrate needs --hardware GPU and --out FILE", NULL);
        goto done;
    }
    if (a.o.bench_dir) {
        rc = usage_error("calibrate fits roofline v1's constants; drop --bench-data-path", NULL);
        goto done;
    }
    if (!a.max_requests_given) a.o.max_requests = 600; /* each trace's first 600 (said in the output); 0: all */
    if ((rc = eval_open(&a, argv0, ev, data_buf, sizeof data_buf, &log))) goto done;
    if (a.o.hw_file) /* the file the records run with, written back whole */
        snprintf(base_path, sizeof base_path, "%s", a.o.hw_file);
    else
        bundled_hw_path(ev->env.data_dir, a.o.v1_ext != 0, base_path, sizeof base_path);
    if ((rc = read_doc(base_path, 0, &base_doc))) goto done;
    if (blis_calibration_init(&c, ev, ca.gpu, &err) != BLIS_OK) {
        rc = run_report(&err, NULL);
    } else {
        for (r = 0; r < c.n; r++)
            if (!c.preps[r].ready) printf("skipped %s: %s\n", c.preps[r].res.id, c.preps[r].res.reason);
        c.fixed = ca.fixed;
        c.objective = ca.objective;
        c.balance = ca.balance;
        c.map = calib_map;
        c.map_user = &ca.jobs;
        c.progress = calib_progress;
        c.progress_user = &a.quiet;
        if (!c.n_models) {
            fprintf(stderr, "%s: error: no record on GPU %s could be prepared\n", a.o.ground_truth, ca.gpu);
            rc = EXIT_USAGE;
        } else {
            rc = eval_bad_input(c.bad_skipped, a.o.ground_truth, calib_run(&ca, &a, &c, base_path, &base_doc));
        }
    }
    blis_doc_free(&base_doc);
done:
    blis_calibration_free(&c);
    blis_evaluation_free(ev);
    free(ev);
    return rc;
}

/* ---- validate-bench-data, import-kernel-tables ---- */

static int cmd_validate_bench(int argc, char **argv) {
    const char *dir = NULL;
    int strict = 0, i;
    bench_print p;
    blis_bench_validation v;
    memset(&p, 0, sizeof p);
    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--strict"))
            strict = 1;
        else if (!strcmp(argv[i], "--quiet"))
            p.quiet = 1;
        else if (argv[i][0] == '-' && argv[i][1])
            return usage_error("validate-bench-data: unknown flag", argv[i]);
        else if (dir)
            return usage_error("validate-bench-data takes one directory", argv[i]);
        else
            dir = argv[i];
    }
    if (!dir) return usage_error("validate-bench-data: missing the bench_data directory", NULL);
    memset(&v, 0, sizeof v);
    v.report = bench_report;
    v.user = &p;
    v.max_per_file = 50;
    blis_bench_validate_dir(&v, dir, blis_posix_list_dir, NULL);
    printf("%s: %lu files, %lu rows: %lu errors, %lu warnings%s\n", dir, (unsigned long)v.files, (unsigned long)v.rows,
           (unsigned long)v.errors, (unsigned long)v.warnings,
           v.errors               ? ""
           : v.warnings && strict ? " (--strict: warnings fail)"
                                  : " (ok)");
    if (fflush(stdout)) return EXIT_RUNTIME;
    return v.errors || (strict && v.warnings) ? EXIT_USAGE : 0;
}

/* The first of NAME.csv.gz, NAME.csv in dir or its subdirectories. */
static int find_table(const char *dir, const char *name, char *out, size_t size) {
    blis_buf sub;
    size_t i;
    int found = 0, k;
    char cand[1200];
    static const char *const ext[2] = {".csv.gz", ".csv"};
    for (k = 0; k < 2 && !found; k++) {
        snprintf(cand, sizeof cand, "%s/%s%s", dir, name, ext[k]);
        if (file_exists(cand)) found = snprintf(out, size, "%s", cand) > 0;
    }
    memset(&sub, 0, sizeof sub);
    if (found || blis_posix_list_dir(NULL, dir, &sub) != 0) {
        blis_buf_free(&sub);
        return found;
    }
    for (i = 0; i < sub.len && !found; i += strlen(sub.data + i) + 1)
        for (k = 0; k < 2 && !found; k++) {
            snprintf(cand, sizeof cand, "%s/%s/%s%s", dir, sub.data + i, name, ext[k]);
            if (file_exists(cand)) found = snprintf(out, size, "%s", cand) > 0;
        }
    blis_buf_free(&sub);
    return found;
}

typedef struct import_emit {
    char staging[1100];
    size_t files;
} import_emit;

static blis_status import_write(void *user, const char *relpath, const char *data, size_t len, blis_err *err) {
    import_emit *e = (import_emit *)user;
    char path[1300];
    char *slash;
    snprintf(path, sizeof path, "%s/%s", e->staging, relpath);
    slash = strrchr(path, '/');
    *slash = '\0';
    if (blis_posix_mkdir_p(path) == 0) {
        *slash = '/';
        if (blis_posix_write_atomic(path, data, len) == 0) {
            e->files++;
            return BLIS_OK;
        }
    }
    *slash = '/';
    blis_err_clear(err, path);
    return blis_err_set(err, BLIS_E_IO, 0, 0, "cannot write: %s", strerror(errno));
}

static int cmd_import_tables(int argc, char **argv, const char *argv0) {
    const char *from = NULL, *out = NULL, *gpu = NULL, *dtype = NULL, *hwpath = NULL;
    char paths[3][1200], data_dir[1024], hwbuf[1200];
    static const char *const names[3] = {"gemm_perf", "context_attention_perf", "generation_attention_perf"};
    static const char *const flags[3] = {"--gemm", "--context", "--generation"};
    const char *given[3] = {NULL, NULL, NULL};
    double peak = 0;
    int i, k, rc;
    blis_bench_import_opts o;
    blis_bench_import_stats stats;
    blis_doc hw;
    blis_err err;
    import_emit em;
    struct stat sb;
    memset(&hw, 0, sizeof hw);
    for (i = 0; i < argc; i += 2) { /* every flag takes a value */
        const char *f = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(f, "--from"))
            from = val;
        else if (!strcmp(f, "--out"))
            out = val;
        else if (!strcmp(f, "--gpu"))
            gpu = val;
        else if (!strcmp(f, "--dtype"))
            dtype = val;
        else if (!strcmp(f, "--hardware-config"))
            hwpath = val;
        else if (!strcmp(f, "--peak-tflops")) {
            if (val && blis_parse_f64(val, strlen(val), 0, &peak) != BLIS_OK) peak = -1;
            if (val && !(peak > 0 && peak < 1e6)) return flag_error(f, "a number of TFLOP/s > 0", val);
        } else {
            for (k = 0; k < 3 && strcmp(f, flags[k]) != 0; k++) {
            }
            if (k == 3) return usage_error("import-kernel-tables: unknown flag", f);
            given[k] = val;
        }
        if (!val) return usage_error("import-kernel-tables: the flag needs a value", f);
    }
    if (!out) return usage_error("import-kernel-tables: missing --out DIR (a new bench_data folder)", NULL);
    if (!from && (!given[0] || !given[1] || !given[2]))
        return usage_error("import-kernel-tables: give --from DIR, or --gemm, --context and --generation", NULL);
    for (k = 0; k < 3; k++) {
        if (given[k])
            snprintf(paths[k], sizeof paths[k], "%s", given[k]);
        else if (!find_table(from, names[k], paths[k], sizeof paths[k])) {
            fprintf(stderr, "%s: error: no %s.csv.gz or %s.csv in it or its subfolders\n", from, names[k], names[k]);
            return EXIT_USAGE;
        }
    }
    if (stat(out, &sb) == 0) {
        fprintf(stderr, "%s: error: already exists; import-kernel-tables writes a new folder\n", out);
        return EXIT_USAGE;
    }
    if (peak == 0) { /* the GPU's TFlopsPeak from the hardware config */
        if (!hwpath) {
            if (!find_data_dir(argv0, data_dir, sizeof data_dir)) {
                fprintf(stderr, "simulation_worker: error: no bundled hardware config; give --peak-tflops\n");
                return EXIT_USAGE;
            }
            snprintf(hwbuf, sizeof hwbuf, "%s/hardware_config.json", data_dir);
            hwpath = hwbuf;
        }
        if (read_json(hwpath, &hw)) return EXIT_USAGE;
    }
    memset(&o, 0, sizeof o);
    o.gemm_path = paths[0];
    o.context_path = paths[1];
    o.generation_path = paths[2];
    o.gpu = gpu;
    o.dtype = dtype;
    o.peak_tflops = peak;
    o.hardware_doc = peak == 0 ? &hw : NULL;
    memset(&em, 0, sizeof em);
    snprintf(em.staging, sizeof em.staging, "%s.partial-%ld", out, (long)getpid());
    if (blis_posix_mkdir_p(em.staging) != 0) {
        fprintf(stderr, "%s: error: cannot create the folder: %s\n", em.staging, strerror(errno));
        blis_doc_free(&hw);
        return EXIT_RUNTIME;
    }
    rc = blis_bench_import_aiconfigurator(&o, import_write, &em, &stats, &err) != BLIS_OK;
    blis_doc_free(&hw);
    if (rc) {
        print_err(&err);
        blis_posix_remove_tree(em.staging);
        return err.status == BLIS_E_IO || err.status == BLIS_E_NOMEM ? EXIT_RUNTIME : EXIT_USAGE;
    }
    if (rename(em.staging, out) != 0) {
        fprintf(stderr, "%s: error: cannot move the new tables into place: %s\n", out, strerror(errno));
        blis_posix_remove_tree(em.staging);
        return EXIT_RUNTIME;
    }
    printf("%s: %lu files for GPU %s: GEMM %lu rows; prefill %lu tables, %lu rows; decode %lu tables, %lu rows "
           "(%lu rows read, %lu of other dtypes or batch sizes skipped, %lu repeats averaged)\n",
           out, (unsigned long)em.files, stats.gpu, (unsigned long)stats.gemm_rows, (unsigned long)stats.prefill_tables,
           (unsigned long)stats.prefill_rows, (unsigned long)stats.decode_tables, (unsigned long)stats.decode_rows,
           (unsigned long)stats.rows_read, (unsigned long)stats.rows_skipped, (unsigned long)stats.duplicates_merged);
    return fflush(stdout) ? EXIT_RUNTIME : 0;
}

/* ---- convert, compose (blis.h blis_spec_from_*, blis_spec_compose) ---- */

static int spec_print(const blis_workload_spec *spec) {
    if (blis_workload_spec_write_yaml(spec, file_write, stdout) != BLIS_OK || fflush(stdout) != 0) return EXIT_RUNTIME;
    return 0;
}

static cli_log spec_log = {"simulation_worker", 3, NULL}; /* warnings and errors */

/* A workload spec file read (the document kept in doc), servegen_data
 * loaded. */
static int spec_read(const char *path, blis_doc *doc, blis_workload_spec *spec) {
    blis_err err;
    int rc;
    if ((rc = read_yaml(path, doc))) return rc;
    if (blis_workload_spec_from_doc(doc, spec, NULL, &err) != BLIS_OK) {
        blis_doc_free(doc);
        return run_report(&err, NULL);
    }
    if (blis_spec_load_servegen(spec, blis_posix_list_dir, NULL, cli_log_fn, &spec_log, &err) != BLIS_OK) {
        blis_workload_spec_free(spec);
        blis_doc_free(doc);
        return run_report(&err, NULL);
    }
    return 0;
}

/* convert servegen DIR [--span-start S] [--span-end S]. */
static int convert_servegen(int argc, char **argv, blis_workload_spec *spec) {
    blis_err err;
    int i;
    memset(spec, 0, sizeof *spec);
    if (argc < 2 || argv[1][0] == '-')
        return usage_error("convert servegen needs a ServeGen directory (chunk-<id>-trace.csv files)", NULL);
    spec->servegen_path = argv[1];
    for (i = 2; i < argc; i += 2) {
        double *to = !strcmp(argv[i], "--span-start") ? &spec->servegen_span_start_s
                     : !strcmp(argv[i], "--span-end") ? &spec->servegen_span_end_s
                                                      : NULL;
        if (!to) return usage_error("unknown convert servegen flag (valid: --span-start S, --span-end S)", argv[i]);
        if (i + 1 >= argc) return usage_error("flag needs a value (seconds)", argv[i]);
        if (blis_parse_f64(argv[i + 1], strlen(argv[i + 1]), BLIS_NUM_LOOSE_DOT, to) != BLIS_OK || !(*to >= 0) ||
            !(*to < HUGE_VAL))
            return usage_error("expected a number of seconds >= 0", argv[i + 1]);
    }
    if (spec->servegen_span_end_s > 0 && !(spec->servegen_span_end_s > spec->servegen_span_start_s))
        return usage_error("--span-end must be after --span-start (or 0: to the end)", NULL);
    if (blis_spec_load_servegen(spec, blis_posix_list_dir, NULL, cli_log_fn, &spec_log, &err) != BLIS_OK) {
        blis_workload_spec_free(spec);
        return run_report(&err, NULL);
    }
    return 0;
}

/* convert preset NAME | distribution | csv-trace FILE | inference-perf FILE:
 * the v2 workload spec on stdout. */
static int cmd_convert(int argc, char **argv, const char *argv0) {
    blis_workload_spec spec;
    blis_err err;
    int rc = 0;
    if (argc < 1)
        return usage_error("convert needs a source: preset NAME, distribution, csv-trace FILE, inference-perf FILE, "
                           "servegen DIR",
                           NULL);
    memset(&spec, 0, sizeof spec);
    if (!strcmp(argv[0], "preset") || !strcmp(argv[0], "distribution")) {
        int preset = !strcmp(argv[0], "preset");
        blis_run_options o;
        blis_legacy_workload w;
        char data_buf[1024], defaults[1100];
        const char *data_dir = find_data_dir(argv0, data_buf, sizeof data_buf);
        if (preset && argc < 2) return usage_error("convert preset needs a preset name (e.g. chatbot)", NULL);
        blis_run_options_init(&o);
        if ((rc = parse_run_args(argc - 1 - preset, argv + 1 + preset, &o))) {
            blis_run_options_free(&o);
            return rc;
        }
        memset(&w, 0, sizeof w);
        if (preset) {
            blis_doc d;
            const char *path = o.defaults;
            if (!blis_run_option_given(&o, "defaults-filepath") && !file_exists(path) && data_dir) {
                snprintf(defaults, sizeof defaults, "%.1000s/defaults.yaml", data_dir);
                path = defaults;
            }
            if ((rc = read_yaml(path, &d))) {
                blis_run_options_free(&o);
                return rc;
            }
            if (blis_defaults_workload(&d, argv[1], &w, &err) != BLIS_OK) rc = run_report(&err, NULL);
            blis_doc_free(&d);
        } else {
            w.prefix_tokens = o.prefix;
            w.prompt_mean = o.p_mean, w.prompt_std = o.p_std, w.prompt_min = o.p_min, w.prompt_max = o.p_max;
            w.output_mean = o.o_mean, w.output_std = o.o_std, w.output_min = o.o_min, w.output_max = o.o_max;
        }
        w.rate_per_s = o.rate_per_s;
        w.num_requests = o.num_requests;
        if (!rc && blis_spec_from_legacy(&w, o.seed, &spec, &err) != BLIS_OK) rc = run_report(&err, NULL);
        blis_run_options_free(&o);
    } else if (!strcmp(argv[0], "csv-trace")) {
        char *src = NULL;
        size_t len = 0;
        if (argc != 2) return usage_error("convert csv-trace needs exactly one trace file", NULL);
        if (blis_file_read(argv[1], 0, NULL, &src, &len, &err) != BLIS_OK ||
            blis_spec_from_trace(src, len, argv[1], &spec, &err) != BLIS_OK) {
            if (err.status == BLIS_E_IO) err.status = BLIS_E_MISSING;
            rc = run_report(&err, NULL);
        } else {
            fprintf(stderr, "simulation_worker: warning: convert csv-trace is lossy (averaged token lengths, constant "
                            "arrival); for faithful replay use run --workload traces\n");
        }
        blis_file_free(NULL, src);
    } else if (!strcmp(argv[0], "inference-perf")) {
        blis_doc d;
        if (argc != 2)
            return usage_error("convert inference-perf needs exactly one spec file (with inference_perf:)", NULL);
        if ((rc = spec_read(argv[1], &d, &spec))) return rc;
        rc = spec_print(&spec);
        blis_workload_spec_free(&spec);
        blis_doc_free(&d);
        return rc;
    } else if (!strcmp(argv[0], "servegen")) {
        if ((rc = convert_servegen(argc, argv, &spec))) return rc;
    } else {
        return usage_error("unknown convert source (preset, distribution, csv-trace, inference-perf, servegen)",
                           argv[0]);
    }
    if (!rc) rc = spec_print(&spec);
    blis_workload_spec_free(&spec);
    return rc;
}

/* compose --from A --from B ...: one spec with every client at its own rate. */
static int cmd_compose(int argc, char **argv) {
    blis_doc docs[64];
    blis_workload_spec specs[64], out;
    const blis_workload_spec *ptr[64];
    blis_err err;
    int i, n = 0, rc = 0;
    for (i = 0; i < argc && !rc; i++) {
        if (strcmp(argv[i], "--from") != 0 || i + 1 >= argc) {
            rc = usage_error("compose takes --from SPEC.yaml, at least once", argv[i]);
        } else if (n == 64) {
            rc = usage_error("compose takes at most 64 specs", argv[i + 1]);
        } else if ((rc = spec_read(argv[++i], &docs[n], &specs[n])) == 0) {
            ptr[n] = &specs[n];
            n++;
        }
    }
    if (!rc && !n) rc = usage_error("compose takes --from SPEC.yaml, at least once", NULL);
    if (!rc) {
        if (blis_spec_compose(ptr, (size_t)n, &out, &err) != BLIS_OK)
            rc = run_report(&err, NULL);
        else
            rc = spec_print(&out);
        blis_workload_spec_free(&out);
    }
    for (i = 0; i < n; i++) {
        blis_workload_spec_free(&specs[i]);
        blis_doc_free(&docs[i]);
    }
    return rc;
}

/* COMMAND --help: the blocks of the usage text that begin with the command
 * ("  run ...", "  sweep merge ...": a line of two spaces then the name;
 * a block runs until the next such line). 0 when none matched. */
static int print_command_help(const char *cmd) {
    const char *const parts[] = {usage_text,        usage_text_engine, usage_text_more, usage_text_plan,
                                 usage_text_report, usage_text_eval,   usage_text_tools};
    size_t k, len = strlen(cmd), lines = 0;
    int in = 0;
    for (k = 0; k < sizeof parts / sizeof parts[0]; k++) {
        const char *p = parts[k];
        while (*p) {
            size_t n = strcspn(p, "\n");
            if (n > 2 && p[0] == ' ' && p[1] == ' ' && p[2] != ' ') /* a command's first line */
                in = n >= len + 2 && !strncmp(p + 2, cmd, len) && (p[2 + len] == ' ' || p[2 + len] == '\n');
            if (in) {
                if (!lines) printf("usage: simulation_worker %s [options]\n\n", cmd);
                fwrite(p, 1, n, stdout);
                putchar('\n');
                lines++;
            }
            p += n + (p[n] == '\n');
        }
    }
    return lines > 0;
}

static int dispatch(int argc, char **argv) {
    if (argc < 2) return usage_error("missing command", NULL);
    if (argv[1][0] != '-' && strcmp(argv[1], "help") != 0) { /* COMMAND ... --help: that command's usage */
        int i;
        for (i = 2; i < argc; i++)
            if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
                if (!print_command_help(argv[1])) break;
                return fflush(stdout) ? EXIT_RUNTIME : 0;
            }
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(usage_text, stdout);
        fputs(usage_text_engine, stdout);
        fputs(usage_text_more, stdout);
        fputs(usage_text_plan, stdout);
        fputs(usage_text_report, stdout);
        fputs(usage_text_eval, stdout);
        fputs(usage_text_tools, stdout);
        return fflush(stdout) ? EXIT_RUNTIME : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("simulation_worker (blis) %s\nreproduces BLIS %s; https://www.apache.org/licenses/LICENSE-2.0\n",
               BLIS_VERSION, BLIS_REFERENCE_VERSION);
        return fflush(stdout) ? EXIT_RUNTIME : 0;
    }
    if (!strcmp(argv[1], "check")) return cmd_check(argc - 2, argv + 2);
    if (!strcmp(argv[1], "step")) return cmd_step(argc - 2, argv + 2, argv[0]);
    if (!strcmp(argv[1], "evaluate")) return cmd_evaluate(argc - 2, argv + 2, argv[0]);
    if (!strcmp(argv[1], "calibrate")) return cmd_calibrate(argc - 2, argv + 2, argv[0]);
    if (!strcmp(argv[1], "run")) return cmd_run(argc - 2, argv + 2, argv[0]);
    if (!strcmp(argv[1], "sweep")) return cmd_sweep(argc - 2, argv + 2, argv[0]);
    if (!strcmp(argv[1], "search")) return cmd_search(argc - 2, argv + 2, argv[0]);
    if (!strcmp(argv[1], "plot")) return cmd_plot(argc - 2, argv + 2);
    if (!strcmp(argv[1], "report")) return cmd_report(argc - 2, argv + 2);
    if (!strcmp(argv[1], "validate-bench-data")) return cmd_validate_bench(argc - 2, argv + 2);
    if (!strcmp(argv[1], "import-kernel-tables")) return cmd_import_tables(argc - 2, argv + 2, argv[0]);
    if (!strcmp(argv[1], "convert")) return cmd_convert(argc - 2, argv + 2, argv[0]);
    if (!strcmp(argv[1], "compose")) return cmd_compose(argc - 2, argv + 2);
    return usage_error("unknown command (available: run, sweep, search, plot, report, step, evaluate, calibrate, "
                       "convert, compose, validate-bench-data, import-kernel-tables, check)",
                       argv[1]);
}

int main(int argc, char **argv) { return cli_finish_stdout("simulation_worker", dispatch(argc, argv)); }
