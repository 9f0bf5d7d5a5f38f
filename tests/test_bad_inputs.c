/* tests/test_bad_inputs.c - the bad-input corpus (tests/bad_inputs/cases.txt:
 * every command, given a malformed file, a wrong type, NaN or an infinity, a
 * negative, zero or absurd value, an overflowing count, an empty or binary
 * file, a directory for a file, a missing file, a path traversal) answered
 * with the stated exit status and message, never a signal or a sanitizer or
 * valgrind report. `make test-bad-inputs` runs it with the tools built with
 * ASan+UBSan (BLIS_SW, BLIS_TRA) and under valgrind (BLIS_TOOL_WRAPPER).
 * Also here: interrupting a run, an unwritable results path, invariant
 * checks in a run. */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define T_BAD_MAX 256
typedef struct t_bad_case {
    char name[64];
    int exit_status;
    char fragment[256];
    char command[512];
} t_bad_case;

static t_bad_case t_bad[T_BAD_MAX];
static size_t t_bad_count = 0;
static int t_bad_loaded = 0;
static char t_bad_error[256];

static char *t_bad_trim(char *s) {
    char *e;
    while (*s == ' ') s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\r')) *--e = '\0';
    return s;
}

static void t_bad_load(void) {
    FILE *f;
    char line[1200];
    int lineno = 0;
    if (t_bad_loaded) return;
    t_bad_loaded = 1;
    if ((f = fopen("tests/bad_inputs/cases.txt", "r")) == NULL) {
        snprintf(t_bad_error, sizeof t_bad_error,
                 "cannot open tests/bad_inputs/cases.txt (run from the repository root)");
        return;
    }
    while (fgets(line, sizeof line, f) && t_bad_count < T_BAD_MAX) {
        char *parts[4], *p = line;
        int k;
        lineno++;
        if (line[0] == '#' || line[0] == '\n') continue;
        for (k = 0; k < 4; k++) {
            char *bar = k < 3 ? strchr(p, '|') : NULL;
            if (k < 3 && !bar) break;
            if (bar) *bar = '\0';
            parts[k] = t_bad_trim(p);
            p = bar ? bar + 1 : p;
        }
        if (k < 4) {
            snprintf(t_bad_error, sizeof t_bad_error, "cases.txt:%d: expected name | exit | fragment | command",
                     lineno);
            break;
        }
        snprintf(t_bad[t_bad_count].name, sizeof t_bad[0].name, "%s", parts[0]);
        t_bad[t_bad_count].exit_status = atoi(parts[1]);
        snprintf(t_bad[t_bad_count].fragment, sizeof t_bad[0].fragment, "%s", parts[2]);
        snprintf(t_bad[t_bad_count].command, sizeof t_bad[0].command, "%s", parts[3]);
        t_bad_count++;
    }
    fclose(f);
}

/* The command line: tool, $D and M expanded; the tools from BLIS_SW and
 * BLIS_TRA, behind BLIS_TOOL_WRAPPER (valgrind) when set. */
static void t_bad_expand(const char *in, char *out, size_t size) {
    const char *sw = getenv("BLIS_SW"), *tra = getenv("BLIS_TRA"), *wrap = getenv("BLIS_TOOL_WRAPPER");
    size_t n = 0;
    const char *p = in;
    n += (size_t)snprintf(out + n, size - n, "%s%s", wrap && *wrap ? wrap : "", wrap && *wrap ? " " : "");
    if (!strncmp(p, "sw ", 3)) {
        n += (size_t)snprintf(out + n, size - n, "%s", sw && *sw ? sw : "./simulation_worker");
        p += 2;
    } else if (!strncmp(p, "tra ", 4)) {
        n += (size_t)snprintf(out + n, size - n, "%s", tra && *tra ? tra : "./transformer_roofline_analyzer");
        p += 3;
    }
    while (*p && n + 1 < size) {
        if (!strncmp(p, "$D", 2)) {
            n += (size_t)snprintf(out + n, size - n, "tests/bad_inputs/files");
            p += 2;
        } else if (!strncmp(p, " M ", 3) || !strcmp(p, " M")) {
            n += (size_t)snprintf(out + n, size - n, " --model meta-llama/llama-3.1-8b-instruct");
            p += 2;
        } else {
            out[n++] = *p++;
        }
        if (n >= size) n = size - 1;
    }
    out[n < size ? n : size - 1] = '\0';
}

static size_t table_count_bad_inputs(void) {
    t_bad_load();
    return t_bad_count ? t_bad_count : 1;
}
static const char *table_name_bad_inputs(size_t i) { return t_bad_count ? t_bad[i].name : "missing"; }
static void table_run_bad_inputs(t_ctx *t_, size_t i) {
    char cmd[1400];
    static char out[65536];
    int rc;
    CHECK_MSG(t_bad_count > 0 && !t_bad_error[0], "the corpus did not load: %s", t_bad_error);
    if (!t_bad_count) return;
    t_bad_expand(t_bad[i].command, cmd, sizeof cmd);
    rc = t_run(cmd, out, sizeof out);
    CHECK_MSG(rc == t_bad[i].exit_status, "%s: exit status %d, expected %d; output:\n%.2000s", cmd, rc,
              t_bad[i].exit_status, out);
    CHECK_MSG(strstr(out, t_bad[i].fragment) != NULL, "%s: output lacks \"%s\":\n%.2000s", cmd, t_bad[i].fragment, out);
    CHECK_MSG(!strstr(out, "Sanitizer") && !strstr(out, "runtime error:") && !strstr(out, "Invalid read") &&
                  !strstr(out, "Invalid write") && !strstr(out, "uninitialised") && !strstr(out, "definitely lost"),
              "%s: a sanitizer or valgrind report:\n%.3000s", cmd, out);
}
TABLE_DYNAMIC(bad_inputs)

TEST(bad_inputs_corpus_size) {
    t_bad_load();
    CHECK_MSG(t_bad_count >= 60, "the corpus has %lu cases; the issue asks for at least 60",
              (unsigned long)t_bad_count);
}

static void t_sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

/* Starts a long run, sends sig after ms, returns the exit status (-1 if it
 * died of a signal). */
static int t_interrupt_run(int sig, long ms, const char *results) {
    pid_t pid;
    int st = 0;
    fflush(NULL);
    pid = fork();
    if (pid < 0) return -2;
    if (pid == 0) {
        int fd;
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl("./simulation_worker", "simulation_worker", "run", "--model", "meta-llama/llama-3.1-8b-instruct",
              "--rate", "1000", "--num-requests", "10000000", "--results-path", results, "--quiet", (char *)NULL);
        _exit(127);
    }
    t_sleep_ms(ms);
    kill(pid, sig);
    while (waitpid(pid, &st, 0) < 0) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(run_interrupted_writes_nothing) {
    char out[4096];
    CHECK_EQ_I64(system("rm -f build/interrupted.json build/interrupted.json.blis-tmp-*"), 0);
    CHECK_EQ_I64(t_interrupt_run(SIGINT, 1500, "build/interrupted.json"), 130);
    CHECK_EQ_I64(system("test -e build/interrupted.json"), 256);
    CHECK_EQ_I64(t_run("ls -a build/ | grep -c 'interrupted.json.blis-tmp' || true", out, sizeof out), 0);
    CHECK_STR(out, "0\n");
    CHECK_EQ_I64(t_interrupt_run(SIGTERM, 1500, "build/interrupted.json"), 143);
    CHECK_EQ_I64(system("test -e build/interrupted.json"), 256);
    /* an existing results file is left as it was */
    CHECK(t_write_file("build/interrupted.json", "previous results\n"));
    CHECK_EQ_I64(t_interrupt_run(SIGINT, 1500, "build/interrupted.json"), 130);
    CHECK_EQ_I64(t_run("cat build/interrupted.json", out, sizeof out), 0);
    CHECK_STR(out, "previous results\n");
}

TEST(run_unwritable_results_fails_before_the_run) {
    char out[8192];
    const char *target = "build/readonly_dir/results.json";
    CHECK_EQ_I64(system("rm -rf build/readonly_dir && mkdir -p build/readonly_dir && chmod 555 build/readonly_dir"), 0);
    if (access("build/readonly_dir", W_OK) == 0) /* root writes anywhere: procfs refuses new files even to root */
        target = "/proc/self/blis-results.json";
    {
        char cmd[600];
        snprintf(cmd, sizeof cmd,
                 "./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --rate 1000 --num-requests "
                 "10000000 --results-path %s",
                 target);
        CHECK_EQ_I64(t_run(cmd, out, sizeof out), 2); /* at once: 10M requests would take a minute */
    }
    CHECK_CONTAINS(out, "error: cannot write the results file");
    CHECK(strstr(out, "Simulation Metrics") == NULL);
    CHECK_EQ_I64(system("chmod 755 build/readonly_dir"), 0);
}

TEST(run_check_invariants_same_output) {
    char plain[16384], checked[16384];
    CHECK_EQ_I64(t_run("./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --rate 20 --num-requests 200 "
                       "--total-kv-blocks 400 --quiet",
                       plain, sizeof plain),
                 0);
    CHECK_EQ_I64(t_run("./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --rate 20 --num-requests 200 "
                       "--total-kv-blocks 400 --quiet --check-invariants",
                       checked, sizeof checked),
                 0);
    CHECK_STR(checked, plain);
    CHECK_CONTAINS(plain, "\"preemption_count\":"); /* a small cache: preemptions exercise the checks */
    CHECK_EQ_I64(t_run("BLIS_PARANOID=1 ./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --rate 20 "
                       "--num-requests 200 --total-kv-blocks 400 --quiet",
                       checked, sizeof checked),
                 0);
    CHECK_STR(checked, plain);
}
