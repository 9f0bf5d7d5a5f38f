/* tools/sw_eval.c - simulation_worker evaluate and calibrate: blis against
 * real vLLM measurements (blis.h blis_evaluate) and the fit of roofline
 * constants to them (blis_calibration). */
#include "simulation_worker.h"

const char usage_text_eval[] = "  evaluate --ground-truth FILE [--id ID]... [--json] [--max-requests N]\n"
                               "           [--bench-data-path DIR] [--hardware-config FILE] [--alpha-coeffs A,B,C]\n"
                               "           [--roofline-ext LIST] [--client-max-inflight N] [--client-timeout S]\n"
                               "           [--open-loop] [--unique-prompts] [--ignore-traces] [--seed N]\n"
                               "           [--steady-start]\n"
                               "           [--kv-cache-dtype D|PRECISION:D,...]\n"
                               "           [--by model,gpu,tp,dp,precision,workload]\n"
                               "        Simulate each ground-truth record (real vLLM runs) with the roofline\n"
                               "        model, replaying its per-request trace or, without one, from its\n"
                               "        workload description, and report predicted vs measured TTFT, E2E and\n"
                               "        time per output token, per experiment and as MAPE / median APE.\n"
                               "          --roofline-ext LIST  roofline v1 extensions: moe, fused, allreduce,\n"
                               "                       lmhead, gemm, quant, arch, all or none (default all; none:\n"
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
                               "          --steady-start  closed-loop descriptions (guidellm concurrent,\n"
                               "                       throughput) start in steady state: one unmeasured\n"
                               "                       warm-up request per worker, worker k's with\n"
                               "                       (k + 1/2)/C of an output, so the measured requests\n"
                               "                       go out of phase (default: every worker sends at\n"
                               "                       once, as load generators do; with fixed lengths\n"
                               "                       the loop then runs in lock step; README)\n"
                               "          --kv-cache-dtype D|PREC:D,...  the KV cache of records whose\n"
                               "                       vllm_config states no kv_cache_dtype: D for all, or\n"
                               "                       per record \"precision\" label (fp8:fp8,fp4:fp8); others\n"
                               "                       auto: the model config's kv_cache_scheme, else its\n"
                               "                       dtype; each record prints the dtype it ran\n"
                               "          --by LIST   also the MAPE per group of records (model, gpu, tp,\n"
                               "                       dp, precision, workload: trace or description)\n"
                               "          --unique-prompts  inference-perf shared-prefix records: only the\n"
                               "                       system prompts shared (default: its fixed prompt set,\n"
                               "                       inputs of equal length the same prompt, cached)\n"
                               "  calibrate --ground-truth FILE --hardware GPU --out FILE [--id ID]...\n"
                               "            [--max-requests N (600; 0: whole traces)] [--max-evals N (120)]\n"
                               "            [--jobs N (processors)] [--objective capped|log|mape (capped)]\n"
                               "            [--weigh-models-equally] [--leave-one-model-out] [--transfer] [--quiet]\n"
                               "            [--fix NAME[,NAME...]  constants kept where they start]\n"
                               "            [evaluate's options but --json and --by]\n"
                               "        Fit roofline v1's constants of one GPU (and blis's per-request and\n"
                               "        per-sequence overheads) to the records on it (Nelder-Mead from the\n"
                               "        current config, on each trace's first N requests, N processes) and\n"
                               "        write a complete hardware config: every GPU of the config it started\n"
                               "        from, the fitted one's constants replaced (--transfer: every GPU's,\n"
                               "        the efficiencies being fractions of each GPU's own peaks);\n"
                               "        --leave-one-model-out refits without each model. Progress on stderr.\n";

typedef struct eval_args {
    blis_eval_options o;
    const char *ids[256];
    int json, quiet, max_requests_given;
    unsigned by; /* --by: errors per group (BLIS_EVAL_BY_*) */
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
                    : !strcmp(f, "--steady-start")   ? &a->o.steady_start
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
        } else if (!strcmp(f, "--by")) {
            blis_err e;
            if (blis_eval_by_parse(v, &a->by, &e))
                return flag_error("--by", "a list of model, gpu, tp, dp, precision, workload (e.g. model,gpu,tp)", v);
        } else if (!strcmp(f, "--roofline-ext")) {
            if (parse_roofline_ext(v, &a->o.v1_ext)) return EXIT_USAGE;
        } else if (!strcmp(f, "--client-max-inflight")) {
            if (blis_parse_i64(v, strlen(v), 0, &a->o.client_cap) || a->o.client_cap < 1)
                return flag_error("--client-max-inflight", "an integer >= 1", v);
        } else if (!strcmp(f, "--client-timeout")) {
            if (blis_parse_f64(v, strlen(v), BLIS_NUM_LOOSE_DOT, &a->o.client_timeout_s) ||
                !(a->o.client_timeout_s >= 0 && a->o.client_timeout_s <= 1e9))
                return flag_error("--client-timeout", "seconds, 0..1e9 (0: none)", v);
        } else if (!strcmp(f, "--kv-cache-dtype")) { /* checked by blis_evaluation_open */
            a->o.kv_dtype = v;
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

/* --by: each group's MAPE of the TTFT, E2E and ITL means, with its record count. */
static int eval_print_by(const blis_evaluation *ev, unsigned by) {
    blis_eval_group *g = NULL;
    size_t m = 0, j, w = 5;
    blis_err err;
    if (blis_eval_groups(ev->res, ev->n, by, &g, &m, &err)) return run_report(&err, NULL);
    for (j = 0; j < m; j++)
        if (strlen(g[j].key) > w) w = strlen(g[j].key);
    if (w > 120) w = 120;
    printf("\nMAPE %% per group (TTFT, E2E and time per output token means; n: records)\n");
    printf("%-*s %4s %9s %9s %9s\n", (int)w, "group", "n", "ttft_mean", "e2e_mean", "itl_mean");
    for (j = 0; j < m; j++)
        printf("%-*s %4lu %9.1f %9.1f %9.1f\n", (int)w, g[j].key, (unsigned long)g[j].n, g[j].mape[0], g[j].mape[3],
               g[j].mape[6]);
    free(g);
    return 0;
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
        printf("== %s\n   %s on %s, TP %lld, DP %lld, %lld requests (%s), KV %lld blocks (derived %lld) of %g-byte "
               "elements (%s), %.1f s\n",
               res[i].id, res[i].model, res[i].gpu, (long long)res[i].tp, (long long)res[i].dp,
               (long long)res[i].requests,
               res[i].warmup         ? "from its description, after one warm-up request per worker"
               : res[i].from_profile ? "from its description"
                                     : "from its trace",
               (long long)res[i].kv_blocks, (long long)res[i].kv_derived, res[i].kv_elem_bytes, res[i].kv_dtype,
               res[i].cpu_s);
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

int cmd_evaluate(int argc, char **argv, const char *argv0) {
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
        blis_evaluation_write_json_by(ev, a.by, &w);
        rc = blis_jw_finish(&w) != BLIS_OK || fputc('\n', stdout) == EOF ? EXIT_RUNTIME : 0;
    } else {
        if (!a.quiet && isatty(2)) fputs("\r\033[K", stderr);
        rc = eval_print_text(ev);
        if (!rc && a.by) rc = eval_print_by(ev, a.by);
        if (!rc && fflush(stdout)) rc = EXIT_RUNTIME;
    }
    rc = eval_bad_input(rc ? 0 : blis_evaluation_bad_inputs(ev), a.o.ground_truth, rc);
    blis_evaluation_free(ev);
    free(ev);
    return rc;
}

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

int cmd_calibrate(int argc, char **argv, const char *argv0) {
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
    if (a.by || a.json) { /* evaluate's report options: calibrate prints its own */
        rc = usage_error("--by and --json are evaluate's; calibrate reports its fit (--leave-one-model-out for "
                         "errors per model)",
                         NULL);
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
