/* tests/fuzz/fuzz_argv.h - the property behind the argv fuzz target: any
 * command line for `run` (the bytes split at newlines and NULs into at most
 * 64 arguments) is either refused with exit status 2 by the flag parser and
 * blis_run_configure, or turns into a workload and a cluster config that the
 * library validates. Include after tools/sw_common.c (run's flag parser,
 * parse_run_args) and tools/cli_common.c. */
#ifndef BLIS_FUZZ_ARGV_H
#define BLIS_FUZZ_ARGV_H

static int blis_fuzz_argv(const unsigned char *data, size_t size) {
    char *buf, *argv[66];
    int argc = 0, rc = 0, st;
    size_t i, start = 0;
    blis_run_options o;
    blis_run *run;
    blis_run_env env;
    blis_err err;
    if (size > 4096) return 0;
    buf = (char *)malloc(size + 1);
    run = (blis_run *)calloc(1, sizeof *run);
    if (!buf || !run) {
        free(buf);
        free(run);
        return 0;
    }
    memcpy(buf, data, size);
    buf[size] = '\0';
    for (i = 0; i <= size && argc < 64; i++)
        if (i == size || buf[i] == '\n' || buf[i] == '\0') {
            buf[i] = '\0';
            argv[argc++] = buf + start;
            start = i + 1;
        }
    argv[argc] = NULL;
    memset(&env, 0, sizeof env);
    env.data_dir = "data"; /* no resolver, no downloads, no log */
    blis_run_options_init(&o);
    st = parse_run_args(argc, argv, &o);
    if (st == 0 && ((o.defaults && strstr(o.defaults, "..")) || o.bench_dir || o.hw_file || o.model_dir || o.spec ||
                    o.traces || o.policy_config || o.prices))
        st = EXIT_USAGE; /* stay inside the test's data */
    if (st == 0 && blis_run_configure(run, &o, &env, &err) != BLIS_OK) st = run_exit_status(&err);
    if (st != 0 && st != EXIT_USAGE) {
        fprintf(stderr, "fuzz argv: exit status %d, expected 0 or 2 (%s)\n", st, err.msg);
        rc = 1;
    }
    if (st == 0 && blis_cluster_config_validate(&run->cc, &err) != BLIS_OK && run->cc.instance.total_kv_blocks > 0) {
        fprintf(stderr, "fuzz argv: an accepted cluster config fails validation: %s\n", err.msg);
        rc = 1;
    }
    blis_run_free(run);
    blis_run_options_free(&o);
    free(run);
    free(buf);
    return rc;
}

#endif
