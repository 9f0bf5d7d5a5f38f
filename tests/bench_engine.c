/* tests/bench_engine.c - `make bench`, engine part: runs simulation_worker
 * on the two scenarios of issue 4 and reports, per run, wall time, simulated
 * requests per second and the child's peak RSS (wait4).
 *   (a) stress: the default `distribution` workload, --num-requests 100000
 *       --rate 1000 (heavily overloaded), target >= 20,000 req/s, < 256 MiB;
 *   (c) the cluster (issue 5): the stress case on 4 and 16 instances
 *       (round-robin; and weighted routing on 16), same targets;
 *   (b) sustainable: --rate 20 (below saturation) at 10k, 100k and 1M
 *       requests, target: peak RSS flat within 10%.
 *   (d) capacity planning (issue 17): a 1,000-point sweep of 1,000-request
 *       runs (roofline, the bundled data; 4 batch limits x 250 rates) with
 *       --jobs 2, target under 60 s on 2 cores. Needs no defaults file.
 * Coefficients: llama-3.1-8b-instruct, H100, TP 1, vLLM v0.8.4, from a
 * defaults file ($BLIS_DEFAULTS, else the reference's in ../shared); without
 * one the engine benchmarks are skipped with a message.
 * usage: bench_engine PATH/TO/simulation_worker [--quick] */
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

/* Runs the worker with stdout discarded; 0 on success with wall time and
 * peak RSS (KiB). */
static int run_worker(const char *worker, const char *defaults, const char *n, const char *rate, const char *instances,
                      const char *routing, double *wall_s, long *rss_kib) {
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
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) dup2(fd, 1);
        execv(b_worker, argv);
        _exit(127);
    }
    if (wait4(pid, &status, 0, &ru) != pid) return -1;
    *wall_s = now_s() - t0;
    *rss_kib = ru.ru_maxrss;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv) {
    static const char *sizes[] = {"10000", "100000", "1000000"};
    const char *defaults = getenv("BLIS_DEFAULTS");
    double wall;
    long rss, rss_first = 0, rss_max = 0;
    int i, quick = argc > 2 && !strcmp(argv[2], "--quick");
    if (argc < 2) {
        fprintf(stderr, "usage: bench_engine PATH/TO/simulation_worker [--quick | --soak]\n");
        return 2;
    }
    { /* (d) the sweep */
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
    if (argc > 2 && !strcmp(argv[2], "--soak")) { /* make soak: 10 million requests at a sustainable rate */
        if (run_worker(argv[1], defaults, "10000000", "20", "1", "round-robin", &wall, &rss)) {
            printf("soak run FAILED\n");
            return 1;
        }
        printf("%-34s %8.2f s  %10.0f req/s  %8.1f MiB peak RSS\n", "(s) soak 10M @ rate 20", wall, 10000000 / wall,
               (double)rss / 1024);
        return 0;
    }
    if (run_worker(argv[1], defaults, "100000", "1000", "1", "round-robin", &wall, &rss)) {
        printf("stress run FAILED\n");
        return 1;
    }
    printf("%-34s %8.2f s  %10.0f req/s  %8.1f MiB peak RSS  (target >= 20000 req/s, < 256 MiB)\n",
           "(a) stress 100k @ rate 1000", wall, 100000 / wall, (double)rss / 1024);
    for (i = 0; i < (quick ? 2 : 3); i++) {
        char name[64];
        if (run_worker(argv[1], defaults, sizes[i], "20", "1", "round-robin", &wall, &rss)) {
            printf("sustainable run FAILED\n");
            return 1;
        }
        snprintf(name, sizeof name, "(b) sustainable %s @ rate 20", sizes[i]);
        printf("%-34s %8.2f s  %10.0f req/s  %8.1f MiB peak RSS\n", name, wall, atof(sizes[i]) / wall,
               (double)rss / 1024);
        if (i == 0) rss_first = rss;
        if (rss > rss_max) rss_max = rss;
    }
    printf("(b) peak RSS growth over the 10k run: %+.1f%% (target within 10%%), %.1f bytes per extra request\n"
           "    (exact E2E percentiles keep one 8-byte value per completed request, sorted in a copy\n"
           "    when the metrics are computed, plus array growth; the rest follows the requests in flight)\n",
           100.0 * ((double)rss_max / (double)rss_first - 1),
           (double)(rss_max - rss_first) * 1024.0 / ((quick ? 100000.0 : 1000000.0) - 10000.0));
    {
        static const char *const cl[][2] = {{"4", "round-robin"}, {"16", "round-robin"}, {"16", "weighted"}};
        for (i = 0; i < 3; i++) {
            char name[64];
            if (run_worker(argv[1], defaults, "100000", "1000", cl[i][0], cl[i][1], &wall, &rss)) {
                printf("cluster run FAILED\n");
                return 1;
            }
            snprintf(name, sizeof name, "(c) %s instances %s, stress", cl[i][0], cl[i][1]);
            printf("%-34s %8.2f s  %10.0f req/s  %8.1f MiB peak RSS  (target >= 20000 req/s, < 256 MiB)\n", name, wall,
                   100000 / wall, (double)rss / 1024);
        }
    }
    return 0;
}
