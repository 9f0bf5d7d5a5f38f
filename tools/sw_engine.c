/* tools/sw_engine.c - simulation_worker run and step: one simulation (the
 * flags into blis.h >>run, its outputs: metrics, --json, --slo, the
 * results file, the progress line) and one engine step's roofline time. */
#include "simulation_worker.h"

/* The engine, latency model and cluster flags of run. */
const char usage_text_engine[] = "    engine (each instance):\n"
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
                                 "                      lmhead, gemm, quant, arch, all, none (all; none: the\n"
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
const char usage_text_more[] = "    output:\n"
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
                               "        per weight and KV element it used (quantized models) and, with\n"
                               "        the arch extension, the model's shape: per-layer parameters and\n"
                               "        weight bytes of each part, KV bytes per token (per GPU at --tp).\n";

/* Requests one step command may describe. */
#define STEP_MAX_REQUESTS 1000000

/* `step` (blis.h blis_step_write_json): the flags into blis_step_options. */
typedef struct step_args {
    blis_step_options o;
    const char **specs; /* --prefill values, then --decode values */
    int given_tp;
} step_args;

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

int cmd_step(int argc, char **argv, const char *argv0) {
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
int write_results(const char *path, const blis_cluster *c, const blis_metrics *m) {
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

void run_ctx_free(run_ctx *x) {
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
int run_simulate(int argc, char **argv, const char *argv0, run_ctx *x, int point_mode) {
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

/* `run --json`: blis_run_write_json's document. */
static int print_run_json(const blis_run *run) {
    blis_jw w;
    blis_err err;
    blis_jw_init(&w, file_write, stdout, 2);
    if (blis_run_write_json(run, &w, &err) != BLIS_OK) return run_report(&err, NULL);
    if (blis_jw_finish(&w) != BLIS_OK || fputc('\n', stdout) == EOF || fflush(stdout)) return EXIT_RUNTIME;
    return 0;
}

/* `run --slo` in the text output: the objectives, goodput and capacity. */
static int print_run_slo(const blis_run *run, const blis_slo_set *slo) {
    blis_run_record r;
    blis_jw w;
    blis_err err;
    double usd;
    size_t k;
    int in = 0;
    if (blis_run_price(run, &usd, &err) || blis_run_record_fill(&r, run, slo, usd, &err)) return run_report(&err, NULL);
    fputs("=== SLO and Capacity ===\n", stdout);
    blis_jw_init(&w, file_write, stdout, 2);
    blis_jw_object_begin(&w);
    for (k = 0; k < r.n; k++) {
        if (!strcmp(r.f[k].name, "tokens_per_sec_per_gpu")) in = 1;
        if (in) blis_run_field_write(&w, &r.f[k]);
    }
    blis_jw_object_end(&w);
    return blis_jw_finish(&w) != BLIS_OK || fputc('\n', stdout) == EOF || fflush(stdout) ? EXIT_RUNTIME : 0;
}

/* `run` with its --json / --slo outputs. */
static int run_outputs(const blis_run *run) {
    const blis_run_options *a = &run->opt;
    blis_slo_set slo;
    blis_err err;
    blis_metrics m;
    int rc;
    memset(&slo, 0, sizeof slo);
    if (a->slo && blis_slo_parse(a->slo, &slo, &err)) {
        char msg[BLIS_ERR_MSG_MAX + 16];
        snprintf(msg, sizeof msg, "--slo: %s", err.msg);
        return run_error(msg);
    }
    slo.min_attainment = a->slo_attainment;
    if (a->results && !strcmp(a->results, "-")) { /* the results document is the output */
        if (blis_cluster_metrics(&run->cluster, -1, &m, &err)) return run_report(&err, NULL);
        return write_results("-", &run->cluster, &m);
    }
    if (a->json) {
        if ((rc = print_run_json(run)) || !a->results) return rc;
        if (blis_cluster_metrics(&run->cluster, -1, &m, &err)) return EXIT_RUNTIME;
        return write_results(a->results, &run->cluster, &m);
    }
    if ((rc = print_run(run)) || (!a->slo && a->gpu_usd_per_hour == 0 && !a->prices)) return rc;
    return print_run_slo(run, &slo);
}

int cmd_run(int argc, char **argv, const char *argv0) {
    run_ctx *x = (run_ctx *)calloc(1, sizeof *x);
    int rc;
    if (!x) return EXIT_RUNTIME;
    if ((rc = run_simulate(argc, argv, argv0, x, 0)) == 0) rc = run_outputs(&x->run);
    run_ctx_free(x);
    free(x);
    return rc;
}
