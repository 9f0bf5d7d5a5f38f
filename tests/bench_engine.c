/* tests/bench_engine.c - `make bench`, engine part: runs simulation_worker
 * and reports, per run, wall time, simulated requests per second and the
 * child's peak RSS (wait4), paired against a baseline binary (the previous
 * commit's, built by `make bench`; BENCH_BASE=REV to choose, or
 * BLIS_BENCH_BASELINE=PATH): each case runs baseline and new alternately,
 * three times (once from 1M requests), and reports the best of each, their
 * ratio and whether the two printed the same bytes.
 *   (a) stress: the default `distribution` workload at --rate 1000 (heavily
 *       overloaded: nearly every request waits), 10k, 100k, 1M and 10M
 *       requests (10M: the new binary only; streaming metrics, target peak
 *       RSS < 256 MiB); target >= 1.3x the baseline at 100k;
 *   (c) the cluster: the 100k stress case on 4 and 16 instances (round-robin;
 *       and weighted routing on 16);
 *   (b) sustainable: --rate 20 (below saturation) at 10k, 100k and 1M
 *       requests, target: peak RSS flat within 10%;
 *   (d) capacity planning: a 1,000-point sweep of 1,000-request runs
 *       (roofline, the bundled data; 4 batch limits x 250 rates) with
 *       --jobs 2, target under 60 s on 2 cores. Needs no defaults file.
 * Coefficients: llama-3.1-8b-instruct, H100, TP 1, vLLM v0.8.4, from a
 * defaults file ($BLIS_DEFAULTS, else the reference's in ../shared); without
 * one the engine benchmarks are skipped with a message.
 * usage: bench_engine NEW/simulation_worker [BASELINE/simulation_worker | -]
 *        [--quick | --soak] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs the worker with stdout to out (NULL: discarded); 0 on success with
 * wall time and peak RSS (KiB). */
static int run_worker_to(const char *worker, const char *defaults, const char *n, const char *rate,
                         const char *instances, const char *routing, const char *out, double *wall_s, long *rss_kib) {
    static char a_run[] = "run", a_model[] = "--model", v_model[] = "meta-llama/llama-3.1-8b-instruct",
                a_hw[] = "--hardware", v_hw[] = "H100", a_tp[] = "--tp", v_tp[] = "1", a_vllm[] = "--vllm-version",
                v_vllm[] = "vllm/vllm-openai:v0.8.4", a_def[] = "--defaults-filepath", a_n[] = "--num-requests",
                a_rate[] = "--rate", a_inst[] = "--num-instances", a_route[] = "--routing-policy";
    char b_worker[1024], b_def[1024], b_n[32], b_rate[32], b_inst[16], b_route[32];
    char *argv[] = {b_worker, a_run, a_model, v_model, a_hw,   v_hw,   a_tp,   v_tp,    a_vllm,  v_vllm, a_def,
                    b_def,    a_n,   b_n,     a_rate,  b_rate, a_inst, b_inst, a_route, b_route, NULL};
    struct rusage ru;
    int status = 0;
    double t0;
    pid_t pid;
    snprintf(b_worker, sizeof b_worker, "%s", worker);
    snprintf(b_def, sizeof b_def, "%s", defaults);
    snprintf(b_n, sizeof b_n, "%s", n);
    snprintf(b_rate, sizeof b_rate, "%s", rate);
    snprintf(b_inst, sizeof b_inst, "%s", instances);
    snprintf(b_route, sizeof b_route, "%s", routing);
    t0 = now_s();
    pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int fd = out ? open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644) : open("/dev/null", O_WRONLY);
        if (fd >= 0) dup2(fd, 1);
        execv(b_worker, argv);
        _exit(127);
    }
    if (wait4(pid, &status, 0, &ru) != pid) return -1;
    *wall_s = now_s() - t0;
    *rss_kib = ru.ru_maxrss;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int run_worker(const char *worker, const char *defaults, const char *n, const char *rate, const char *instances,
                      const char *routing, double *wall_s, long *rss_kib) {
    return run_worker_to(worker, defaults, n, rate, instances, routing, NULL, wall_s, rss_kib);
}

static int same_files(const char *a, const char *b) {
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb, ca, cb;
    while (same && ((ca = getc(fa)) != EOF) | ((cb = getc(fb)) != EOF)) same = ca == cb;
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    return same;
}

/* One case paired: baseline and new alternately, reps times each; the best
 * wall time and its peak RSS of each. base NULL: the new binary only. */
static int paired(const char *name, const char *newer, const char *base, const char *defaults, const char *n,
                  const char *rate, const char *instances, const char *routing, int reps, const char *note) {
    double best_new = 1e30, best_base = 1e30, wall;
    long rss_new = 0, rss_base = 0, rss;
    int r, same = 1;
    for (r = 0; r < reps; r++) {
        if (base) {
            if (run_worker_to(base, defaults, n, rate, instances, routing, "build/bench_base.out", &wall, &rss)) {
                printf("%-30s baseline run FAILED\n", name);
                base = NULL;
            } else if (wall < best_base) {
                best_base = wall;
                rss_base = rss;
            }
        }
        if (run_worker_to(newer, defaults, n, rate, instances, routing, "build/bench_new.out", &wall, &rss)) {
            printf("%-30s run FAILED\n", name);
            return 1;
        }
        if (wall < best_new) {
            best_new = wall;
            rss_new = rss;
        }
        if (base) same &= same_files("build/bench_base.out", "build/bench_new.out");
    }
    printf("%-30s %8.2f s %9.0f req/s %8.1f MiB", name, best_new, atof(n) / best_new, (double)rss_new / 1024);
    if (base)
        printf(" | base %8.2f s %8.1f MiB | %5.2fx faster, %5.1fx less memory%s", best_base, (double)rss_base / 1024,
               best_base / best_new, (double)rss_base / (double)rss_new, same ? ", same bytes" : ", OUTPUT DIFFERS");
    printf("%s\n", note ? note : "");
    return 0;
}

int main(int argc, char **argv) {
    static const char *sizes[] = {"10000", "100000", "1000000"};
    const char *defaults = getenv("BLIS_DEFAULTS"), *base = NULL;
    double wall;
    long rss, rss_first = 0, rss_max = 0;
    int i, quick = 0, soak = 0;
    if (argc < 2) {
        fprintf(stderr,
                "usage: bench_engine NEW/simulation_worker [BASELINE/simulation_worker | -] [--quick | --soak]\n");
        return 2;
    }
    for (i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--soak"))
            soak = 1;
        else if (strcmp(argv[i], "-") != 0 && access(argv[i], X_OK) == 0)
            base = argv[i];
    }
    if (!soak) { /* (d) the sweep */
        char cmd[1400];
        double t0 = now_s();
        int rc;
        snprintf(cmd, sizeof cmd,
                 "%s sweep --model meta-llama/llama-3.1-8b-instruct --hardware H100 --tp 1 --max-num-running-reqs "
                 "64,128,256,512 --rate 1:250:1 --num-requests 1000 --slo 'ttft_p99<500ms,itl_p99<50ms' --jobs 2 "
                 "--quiet --out build/bench_sweep.csv",
                 argv[1]);
        rc = system(cmd);
        wall = now_s() - t0;
        if (rc != 0) {
            printf("sweep run FAILED\n");
            return 1;
        }
        printf("%-34s %8.2f s  %10.1f points/s  %8.0f req/s  (target < 60 s on 2 cores)\n",
               "(d) sweep 1000 points x 1000 req", wall, 1000 / wall, 1e6 / wall);
    }
    if (!defaults || !*defaults) defaults = "../shared/reference/upstream/v0.6.1/defaults.yaml";
    if (access(defaults, R_OK) != 0) {
        printf("engine benchmarks skipped: no defaults file with trained coefficients "
               "(set BLIS_DEFAULTS=path/to/defaults.yaml)\n");
        return 0;
    }
    printf("\nengine: simulation_worker run, llama-3.1-8b-instruct H100 TP1 blackbox coefficients from %s\n", defaults);
    if (soak) { /* make soak: 10 million requests at a sustainable rate */
        if (run_worker(argv[1], defaults, "10000000", "20", "1", "round-robin", &wall, &rss)) {
            printf("soak run FAILED\n");
            return 1;
        }
        printf("%-34s %8.2f s  %10.0f req/s  %8.1f MiB peak RSS\n", "(s) soak 10M @ rate 20", wall, 10000000 / wall,
               (double)rss / 1024);
        return 0;
    }
    if (base)
        printf("paired against %s: alternate runs, the best of each (3 runs; 1 from 1M requests)\n", base);
    else
        printf("no baseline binary: the new binary alone (make bench builds the previous commit's)\n");
    if (paired("(a) stress 10k @ rate 1000", argv[1], base, defaults, "10000", "1000", "1", "round-robin", 3, NULL) ||
        paired("(a) stress 100k @ rate 1000", argv[1], base, defaults, "100000", "1000", "1", "round-robin", 3,
               "  (target >= 1.3x)") ||
        (!quick && paired("(a) stress 1M @ rate 1000", argv[1], base, defaults, "1000000", "1000", "1", "round-robin",
                          1, NULL)) ||
        (!quick && paired("(a) stress 10M @ rate 1000", argv[1], NULL, defaults, "10000000", "1000", "1", "round-robin",
                          1, "  (streaming metrics; target < 256 MiB)")))
        return 1;
    {
        static const char *const cl[][2] = {{"4", "round-robin"}, {"16", "round-robin"}, {"16", "weighted"}};
        for (i = 0; i < 3; i++) {
            char name[64];
            snprintf(name, sizeof name, "(c) %s inst. %s 100k", cl[i][0], cl[i][1]);
            if (paired(name, argv[1], base, defaults, "100000", "1000", cl[i][0], cl[i][1], quick ? 1 : 3, NULL))
                return 1;
        }
    }
    for (i = 0; i < (quick ? 2 : 3); i++) {
        char name[64];
        if (run_worker(argv[1], defaults, sizes[i], "20", "1", "round-robin", &wall, &rss)) {
            printf("sustainable run FAILED\n");
            return 1;
        }
        snprintf(name, sizeof name, "(b) sustainable %s @ rate 20", sizes[i]);
        printf("%-30s %8.2f s %9.0f req/s %8.1f MiB\n", name, wall, atof(sizes[i]) / wall, (double)rss / 1024);
        if (i == 0) rss_first = rss;
        if (rss > rss_max) rss_max = rss;
    }
    printf("(b) peak RSS growth over the 10k run: %+.1f%%, %.1f bytes per extra request (exact metrics, the\n"
           "    default up to 2M requests, keep every E2E and each distinct TTFT; streaming metrics keep none:\n"
           "    (a) 10M)\n",
           100.0 * ((double)rss_max / (double)rss_first - 1),
           (double)(rss_max - rss_first) * 1024.0 / ((quick ? 100000.0 : 1000000.0) - 10000.0));
    return 0;
}
