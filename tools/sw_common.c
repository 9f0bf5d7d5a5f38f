/* tools/sw_common.c - simulation_worker: what every command family shares:
 * flag parsing and its errors (unknown flags with the closest known one),
 * file reading and atomic output, the library environment. */
#include "simulation_worker.h"

#include <limits.h>

char sw_name[] = "simulation_worker"; /* the resolver's user: names the tool on an interrupt */

int usage_error(const char *msg, const char *arg) { return cli_error("simulation_worker", msg, arg); }

/* "unknown option for CMD: --num-request (did you mean --num-requests?)":
 * the closest of the command's own flags (extra) and, with run_flags, run's. */
int unknown_flag(const char *cmd, const char *arg, const char *const *extra, size_t n_extra, int run_flags) {
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

int flag_error(const char *flag, const char *expected, const char *got) {
    fprintf(stderr, "simulation_worker: error: %s: expected %s, got '%s'\n", flag, expected, got ? got : "");
    return EXIT_USAGE;
}

int parse_int_in(const char *flag, const char *v, int lo, int hi, int *out) {
    int64_t x;
    char expected[64];
    if (blis_parse_i64(v, strlen(v), 0, &x) == BLIS_OK && x >= lo && x <= hi) {
        *out = (int)x;
        return 0;
    }
    snprintf(expected, sizeof expected, "an integer in %d..%d", lo, hi);
    return flag_error(flag, expected, v);
}

int parse_roofline_ext(const char *v, unsigned *out) {
    int flags = blis_v1x_parse(v);
    if (flags < 0)
        return flag_error("--roofline-ext", "a list of moe, fused, allreduce, lmhead, gemm, quant, arch (or all, none)",
                          v);
    *out = (unsigned)flags;
    return 0;
}

/* Reads a JSON or YAML file into doc; prints the error. */
int read_doc(const char *path, int yaml, blis_doc *doc) {
    blis_err err;
    if (blis_doc_load(path, yaml, doc, &err) == BLIS_OK) return 0;
    print_err(&err);
    return EXIT_USAGE;
}

int read_yaml(const char *path, blis_doc *doc) { return read_doc(path, 1, doc); }
int read_json(const char *path, blis_doc *doc) { return read_doc(path, 0, doc); }

int run_error(const char *msg) {
    fprintf(stderr, "simulation_worker: error: %s\n", msg);
    return EXIT_USAGE;
}

int file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    fclose(f);
    return 1;
}

/* The exit status for a library error: 1 for the machine's, 2 for the input's. */
int run_exit_status(const blis_err *err) {
    return err->status == BLIS_E_NOMEM || err->status == BLIS_E_IO || err->status == BLIS_E_INTERNAL ? EXIT_RUNTIME
                                                                                                     : EXIT_USAGE;
}

/* A library error on stderr (with the file when one is at fault, then any
 * hint); the exit status for it. */
int run_report(const blis_err *err, const char *hint) {
    if (err->source[0])
        print_err(err);
    else
        fprintf(stderr, "simulation_worker: error: %s\n", err->msg);
    if (hint && hint[0]) fprintf(stderr, "simulation_worker: hint: %s\n", hint);
    return run_exit_status(err);
}

/* mkstemp creates 0600 files; results are ordinary files (0644 less umask). */
int fchmod_path(const char *path) {
    mode_t um = umask(0);
    umask(um);
    return chmod(path, (mode_t)(0666 & ~um));
}

double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The tools' environment for the library: the bundled data, the resolver
 * (downloads stop on a signal), the bench_data lister, messages on stderr. */
void cli_env(blis_run_env *env, const char *argv0, char *data_buf, size_t data_size, cli_log *log) {
    blis_run_env_posix(env, find_data_dir(argv0, data_buf, data_size), NULL);
    env->resolve_model = cli_resolve_model;
    env->resolve_user = sw_name;
    env->log = cli_log_fn;
    env->log_user = log;
    env->cancel = &cli_caught_signal;
}

/* The flags of `run` into o (blis_run_options_init first). */
int parse_run_args(int argc, char **argv, blis_run_options *o) {
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

/* The progress text: done of total, the percentage and the ETA when the
 * total is known, then simulated time and events per second. */
void progress_format(char *buf, size_t size, double sim_s, int64_t done, int64_t total, double elapsed_s,
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

int digits_ul(const char *s, const char **end, unsigned long *out) {
    unsigned long v = 0;
    const char *p = s;
    while (*p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p - '0');
        if (v > (ULONG_MAX - d) / 10) return 0;
        v = v * 10 + d;
        p++;
    }
    *end = p;
    *out = v;
    return p > s;
}
