/* tests/fuzz/fuzz_argv.h - the property behind the argv fuzz target: any
 * command line for `run` (the bytes split at newlines and NULs into at most
 * 64 arguments) is either refused with exit status 2 by the flag parser and
 * checks, or turns into a workload and a cluster config that the library
 * validates. Include after tools/simulation_worker.c (compiled with main
 * renamed to blis_sw_main), which it reaches into. */
#ifndef BLIS_FUZZ_ARGV_H
#define BLIS_FUZZ_ARGV_H

static int blis_fuzz_argv(const unsigned char *data, size_t size) {
    char *buf, *argv[66];
    int argc = 0, rc = 0, st;
    size_t i, start = 0;
    run_args a;
    run_state rs;
    blis_sim_config cfg;
    blis_legacy_workload w;
    blis_cluster_config cc;
    blis_err err;
    if (size > 4096) return 0;
    buf = (char *)malloc(size + 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    for (i = 0; i <= size && argc < 64; i++)
        if (i == size || buf[i] == '\n' || buf[i] == '\0') {
            buf[i] = '\0';
            argv[argc++] = buf + start;
            start = i + 1;
        }
    argv[argc] = NULL;
    memset(&rs, 0, sizeof rs);
    blis_sim_config_defaults(&cfg);
    st = parse_run_args(argc, argv, &a);
    if (st == 0) st = check_run_args(&a, &cfg);
    if (st == 0 && a.defaults && strstr(a.defaults, "..")) st = EXIT_USAGE; /* stay inside the test's data */
    if (st == 0) st = resolve_workload(&a, &rs, &w);
    if (st == 0) st = build_cluster_config(&a, &rs, &cfg, &cc);
    if (st != 0 && st != EXIT_USAGE) {
        fprintf(stderr, "fuzz argv: exit status %d, expected 0 or 2\n", st);
        rc = 1;
    }
    if (st == 0 && !a.spec && strcmp(a.workload, "traces") != 0 && blis_legacy_workload_validate(&w, &err) != BLIS_OK) {
        fprintf(stderr, "fuzz argv: an accepted workload fails validation: %s\n", err.msg);
        rc = 1;
    }
    if (st == 0 && blis_cluster_config_validate(&cc, &err) != BLIS_OK && cc.instance.total_kv_blocks > 0) {
        fprintf(stderr, "fuzz argv: an accepted cluster config fails validation: %s\n", err.msg);
        rc = 1;
    }
    run_state_free(&rs);
    free(buf);
    return rc;
}

#endif
