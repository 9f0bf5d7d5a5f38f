/* tools/sw_plan.c - simulation_worker sweep (and sweep merge), search,
 * plot and report: the capacity planning commands. The logic a library
 * user wants (SLOs, goodput, cost, grids, steady state, the Pareto front,
 * the knee, SVG charts) is in blis.h >>plan; this file parses flags,
 * schedules worker processes, and reads and writes files. */
#include "simulation_worker.h"

#include <fcntl.h>
#include <poll.h>

/* A point's "--flag=value" argument and its key ("rate=2 tp=1"), bytes with
 * the NUL: setup refuses a grid whose values would not fit (never cut). */
#define PLAN_ARG_MAX 1200
#define PLAN_KEY_MAX 2048

const char usage_text_plan[] =
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
    "        Every row carries the sweep's grid digest (axes, shared flags);\n"
    "        --resume and merge refuse rows of another. Bytes never depend on\n"
    "        --jobs, --shard or completion order.\n"
    "  sweep merge --out FILE [--allow-missing] SHARD...\n"
    "        Join shard outputs of one sweep in point order (byte-identical to\n"
    "        one process).\n"
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
const char usage_text_report[] = "  report SWEEP_OR_SEARCH_OUTPUT [--out FILE.html] [--title T]\n"
                                 "        One self-contained HTML page (no script, no network): the question\n"
                                 "        (rows, SLOs, configurations), the answer (each configuration's max\n"
                                 "        rate within the SLOs, the cheapest per output token), the charts\n"
                                 "        inline (a sweep) and every row.\n";

static int rec_pass(const blis_run_record *r) {
    size_t k;
    for (k = 0; k < r->n; k++)
        if (!strcmp(r->f[k].name, "slo_pass")) return r->f[k].kind == BLIS_RV_BOOL && r->f[k].i;
    return 0;
}

static double rec_num(const blis_run_record *r, const char *name) {
    size_t k;
    for (k = 0; k < r->n; k++)
        if (!strcmp(r->f[k].name, name))
            return r->f[k].kind == BLIS_RV_F64 ? r->f[k].f : r->f[k].kind == BLIS_RV_I64 ? (double)r->f[k].i : NAN;
    return NAN;
}

/* A CSV cell: quoted when it holds a comma, a quote, a line end or edge spaces. */
static void csv_cell(blis_buf *b, const char *s) {
    size_t n = strlen(s);
    if (!n || (!strpbrk(s, ",\"\r\n") && s[0] != ' ' && s[n - 1] != ' ')) {
        blis_buf_write(b, s, n);
        return;
    }
    blis_buf_write(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '"')
            blis_buf_write(b, "\"\"", 2);
        else
            blis_buf_write(b, s, 1);
    }
    blis_buf_write(b, "\"", 1);
}

static void csv_field(blis_buf *b, const blis_run_field *x) {
    char num[BLIS_F64_BUF_MAX];
    switch (x->kind) {
    case BLIS_RV_STR: csv_cell(b, x->s); break;
    case BLIS_RV_I64:
        snprintf(num, sizeof num, "%lld", (long long)x->i);
        blis_buf_write(b, num, strlen(num));
        break;
    case BLIS_RV_F64: blis_buf_write(b, num, blis_f64_format_go(x->f, num)); break;
    case BLIS_RV_BOOL: blis_buf_write(b, x->i ? "true" : "false", x->i ? 4 : 5); break;
    default: break;
    }
}

/* ---- worker processes: tasks run in children, rows emitted in order ---- */

typedef struct pool {
    size_t n;          /* tasks */
    const size_t *ids; /* the task ids handed to task() (NULL: 0..n-1) */
    int jobs, quiet;
    const char *what;                                  /* "points", "configurations" */
    int (*task)(void *user, size_t id, blis_buf *row); /* in a child; non-zero: an error row */
    void (*failed)(void *user, size_t id, const char *why, blis_buf *row);
    int (*emit)(void *user, size_t k, const char *row, size_t len, int is_error); /* parent, k in order */
    void *user;                                                                   /* task() and failed()'s */
    void *emit_user;
    size_t done, errors;
} pool;

static int write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The child's stderr goes to a file it reads back per task (the last
 * error line of a failed run becomes the row's message). */
static void captured_error(char *msg, size_t size) {
    char buf[8192];
    off_t end = lseek(2, 0, SEEK_END);
    ssize_t got;
    const char *line = NULL, *p;
    size_t len;
    msg[0] = '\0';
    if (end <= 0) return;
    len = (size_t)end < sizeof buf - 1 ? (size_t)end : sizeof buf - 1;
    got = pread(2, buf, len, end - (off_t)len);
    if (got <= 0) return;
    buf[got] = '\0';
    for (p = buf; (p = strstr(p, "error: ")) != NULL; p++) line = p;
    if (!line) line = buf;
    while (line > buf && line[-1] != '\n') line--;
    len = strcspn(line, "\n");
    if (!strncmp(line, "simulation_worker: error: ", 26)) line += 26, len -= 26;
    snprintf(msg, size, "%.*s", (int)len, line);
}

static void child_loop(pool *pl, int w, int fd) {
    blis_buf row;
    size_t k;
    char head[64];
    int bad;
    FILE *cap = tmpfile();
    memset(&row, 0, sizeof row);
    if (cap) dup2(fileno(cap), 2);
    for (k = (size_t)w; k < pl->n; k += (size_t)pl->jobs) {
        size_t id = pl->ids ? pl->ids[k] : k;
        row.len = 0;
        if (ftruncate(2, 0) == 0) lseek(2, 0, SEEK_SET);
        bad = pl->task(pl->user, id, &row) != 0;
        if (cli_caught_signal) break; /* a run cut short is no row: --resume runs it again */
        snprintf(head, sizeof head, "%lu %lu %d\n", (unsigned long)k, (unsigned long)row.len, bad);
        if (write_all(fd, head, strlen(head)) || write_all(fd, row.data ? row.data : "", row.len)) break;
        if (cli_caught_signal) break;
    }
    blis_buf_free(&row);
    close(fd);
    _exit(0);
}

static void pool_progress(pool *pl, double start, int final) {
    double el = mono_s() - start, rate = el > 0 ? (double)pl->done / el : 0;
    if (final) {
        fprintf(stderr, "\r\033[K");
        return;
    }
    fprintf(stderr, "\r[blis] %lu/%lu %s (%.0f%%), %.1f/s", (unsigned long)pl->done, (unsigned long)pl->n, pl->what,
            100.0 * (double)pl->done / (double)(pl->n ? pl->n : 1), rate);
    if (rate > 0 && pl->done < pl->n) fprintf(stderr, ", ETA %.0f s", (double)(pl->n - pl->done) / rate);
    fputs("\033[K", stderr);
}

/* Runs every task; 0 when all rows were emitted, EXIT_RUNTIME on a system
 * failure, 128+sig when interrupted. */
static int pool_run(pool *pl) {
    int fds[64], nfd, i, rc = 0, show = !pl->quiet && isatty(2);
    pid_t pids[64];
    char **slot;
    size_t *slot_len, next = 0;
    unsigned char *slot_bad;
    blis_buf in[64];
    double start = mono_s(), last = 0;
    if (pl->n == 0) return 0;
    nfd = pl->jobs < 1 ? 1 : pl->jobs > 64 ? 64 : pl->jobs;
    if ((size_t)nfd > pl->n) nfd = (int)pl->n;
    pl->jobs = nfd;
    slot = (char **)calloc(pl->n, sizeof *slot);
    slot_len = (size_t *)calloc(pl->n, sizeof *slot_len);
    slot_bad = (unsigned char *)calloc(pl->n, 1);
    if (!slot || !slot_len || !slot_bad) {
        free(slot);
        free(slot_len);
        free(slot_bad);
        return EXIT_RUNTIME;
    }
    memset(in, 0, sizeof in);
    fflush(stdout);
    fflush(stderr);
    for (i = 0; i < nfd; i++) {
        int pfd[2];
        if (pipe(pfd)) {
            rc = EXIT_RUNTIME;
            nfd = i;
            break;
        }
        pids[i] = fork();
        if (pids[i] == 0) {
            int j;
            close(pfd[0]);
            for (j = 0; j < i; j++) close(fds[j]);
            child_loop(pl, i, pfd[1]);
        }
        close(pfd[1]);
        if (pids[i] < 0) {
            close(pfd[0]);
            rc = EXIT_RUNTIME;
            nfd = i;
            break;
        }
        fds[i] = pfd[0];
    }
    for (;;) {
        struct pollfd pf[64];
        int open = 0;
        for (i = 0; i < nfd; i++) {
            pf[i].fd = fds[i];
            pf[i].events = POLLIN;
            pf[i].revents = 0;
            open += fds[i] >= 0;
        }
        if (!open || cli_caught_signal) break;
        if (poll(pf, (nfds_t)nfd, 500) < 0 && errno != EINTR) {
            rc = EXIT_RUNTIME;
            break;
        }
        for (i = 0; i < nfd; i++) {
            char buf[65536];
            ssize_t got;
            if (fds[i] < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            got = read(fds[i], buf, sizeof buf);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) {
                close(fds[i]);
                fds[i] = -1;
                continue;
            }
            blis_buf_write(&in[i], buf, (size_t)got);
            for (;;) { /* complete messages: "k len\n" + len bytes */
                char *nl = in[i].len ? (char *)memchr(in[i].data, '\n', in[i].len) : NULL;
                unsigned long k, len, bad;
                const char *q = in[i].data;
                size_t used;
                if (!nl || !digits_ul(q, &q, &k) || *q++ != ' ' || !digits_ul(q, &q, &len) || *q++ != ' ' ||
                    !digits_ul(q, &q, &bad))
                    break;
                used = (size_t)(nl - in[i].data) + 1;
                if (in[i].len - used < len) break;
                if (k < pl->n && !slot[k]) {
                    slot[k] = (char *)malloc(len + 1);
                    if (slot[k]) {
                        memcpy(slot[k], nl + 1, len);
                        slot[k][len] = '\0';
                    }
                    slot_len[k] = len;
                    slot_bad[k] = (unsigned char)(bad != 0);
                    pl->done++;
                }
                memmove(in[i].data, in[i].data + used + len, in[i].len - used - len);
                in[i].len -= used + len;
            }
        }
        for (; next < pl->n && slot[next]; next++) {
            if (!rc && pl->emit(pl->emit_user, next, slot[next], slot_len[next], slot_bad[next])) rc = EXIT_RUNTIME;
            free(slot[next]);
            slot[next] = (char *)1; /* emitted */
        }
        if (show && mono_s() - last >= 0.5) {
            pool_progress(pl, start, 0);
            last = mono_s();
        }
    }
    for (i = 0; i < nfd; i++) {
        int st;
        if (fds[i] >= 0) close(fds[i]);
        if (cli_caught_signal) kill(pids[i], SIGTERM);
        while (waitpid(pids[i], &st, 0) < 0 && errno == EINTR) {
        }
        blis_buf_free(&in[i]);
    }
    if (show) pool_progress(pl, start, 1);
    if (cli_caught_signal) rc = 128 + (int)cli_caught_signal;
    for (; !rc && next < pl->n; next++) { /* a worker that died: its tasks fail */
        blis_buf row;
        memset(&row, 0, sizeof row);
        if (slot[next] && slot[next] != (char *)1) {
            if (pl->emit(pl->emit_user, next, slot[next], slot_len[next], slot_bad[next])) rc = EXIT_RUNTIME;
        } else {
            pl->failed(pl->user, pl->ids ? pl->ids[next] : next, "the worker process died", &row);
            if (pl->emit(pl->emit_user, next, row.data ? row.data : "", row.len, 1)) rc = EXIT_RUNTIME;
        }
        blis_buf_free(&row);
    }
    for (; next < pl->n; next++)
        if (slot[next] != (char *)1) free(slot[next]);
    free(slot);
    free(slot_len);
    free(slot_bad);
    return rc;
}

/* ---- sweep ---- */

/* The axes a flag can list (a,b,c or from:to:step). */
static const char *const sweep_axis_flags[] = {"--model",
                                               "--hardware",
                                               "--tp",
                                               "--num-instances",
                                               "--rate",
                                               "--arrival",
                                               "--arrival-cv",
                                               "--max-num-running-reqs",
                                               "--max-num-scheduled-tokens",
                                               "--routing-policy",
                                               "--workload",
                                               "--workload-spec",
                                               "--workload-traces-filepath",
                                               "--kv-cache-dtype",
                                               "--num-requests",
                                               "--seed"};

typedef struct sweep_ctx {
    const char *argv0;
    blis_grid grid;
    blis_doc grid_doc;
    int have_grid_doc;
    char **fixed; /* "--flag=value" */
    size_t n_fixed;
    char *fixed_buf[BLIS_GRID_MAX_FIXED + BLIS_RUN_MAX_OPTIONS];
    char axis_flag[BLIS_GRID_MAX_AXES][80]; /* "--rate" */
    char axis_col[BLIS_GRID_MAX_AXES][80];  /* "rate" */
    int axis_shown[BLIS_GRID_MAX_AXES];     /* a column of its own (not already a record field) */
    blis_slo_set slo;
    int jsonl;
    const char *out;
    FILE *f;
    size_t written;
    /* search */
    double rate_start, rate_min, rate_max, tol, target;
    int64_t search_requests; /* search: the first run size (--num-requests; doubled until the max rate settles) */
    int n_seeds;             /* search --seeds K: the search repeated at seeds seed_base.. seed_base+K-1 */
    int64_t seed_base;
    blis_run_record *best; /* per configuration, the record at its max rate (search, parent side) */
    char digest[17];       /* the grid's identity in every row (plan_digest) */
} sweep_ctx;

static const blis_opt_def *run_flag_find(const char *name) {
    long k = strncmp(name, "--", 2) == 0 && !strchr(name, '_') ? blis_run_option_find(name) : -1;
    return k < 0 ? NULL : &blis_run_option_defs(NULL)[k];
}

/* A run flag a sweep point can take (not the outputs of a single run). */
static int plan_flag_ok(const char *flag) {
    return run_flag_find(flag) && strcmp(flag, "--json") != 0 && strcmp(flag, "--results-path") != 0;
}

/* "max_num_running_reqs" / "--max-num-running-reqs" -> "--max-num-running-reqs". */
static void flag_name_of(const char *name, char *out, size_t size) {
    size_t i, at;
    const char *p = name;
    while (*p == '-') p++;
    snprintf(out, size, "--");
    for (i = 0, at = 2; p[i] && at + 1 < size; i++, at++) {
        out[at] = p[i];
        if (out[at] == '_') out[at] = '-';
    }
    out[at] = '\0';
}

static void column_of(const char *flag, char *out, size_t size) {
    size_t i;
    snprintf(out, size, "%s", flag + 2);
    for (i = 0; out[i]; i++)
        if (out[i] == '-') out[i] = '_';
}

static int sweep_error(const char *msg) {
    fprintf(stderr, "simulation_worker: error: %s\n", msg);
    return EXIT_USAGE;
}

static void sweep_ctx_free(sweep_ctx *x) {
    size_t k;
    for (k = 0; k < x->n_fixed; k++) free(x->fixed_buf[k]);
    blis_grid_free(&x->grid);
    if (x->have_grid_doc) blis_doc_free(&x->grid_doc);
    free(x->best);
}

static int sweep_add_fixed(sweep_ctx *x, const char *flag, const char *value) {
    size_t n;
    char *s;
    if (x->n_fixed == sizeof x->fixed_buf / sizeof x->fixed_buf[0]) return sweep_error("too many fixed settings");
    n = strlen(flag) + strlen(value) + 2;
    if (!(s = (char *)malloc(n))) return EXIT_RUNTIME;
    snprintf(s, n, "%s=%s", flag, value);
    /* kept in x->fixed_buf, freed by sweep_ctx_free (the analyzer loses the array after two calls) */
    x->fixed_buf[x->n_fixed++] = s;
    return 0; /* NOLINT(clang-analyzer-unix.Malloc) */
}

/* The grid's names checked against run's flags; columns and the SLO. */
static int sweep_finish_setup(sweep_ctx *x, const char *grid_path, int search) {
    blis_run_record names;
    size_t k, j, longest, key_len = 0;
    blis_err err;
    char msg[BLIS_ERR_MSG_MAX + 600];
    for (k = 0; k < x->grid.n_fixed; k++) {
        char flag[80];
        flag_name_of(x->grid.fixed_name[k], flag, sizeof flag);
        if (!plan_flag_ok(flag)) {
            snprintf(msg, sizeof msg,
                     "%s:%u: fixed: unknown setting \"%s\" (expected a run flag's name, e.g. num-requests)", grid_path,
                     (unsigned)x->grid.fixed_line[k], x->grid.fixed_name[k]);
            return sweep_error(msg);
        }
        if (sweep_add_fixed(x, flag, x->grid.fixed_value[k])) return EXIT_USAGE;
    }
    for (k = 0; k < x->grid.n_axes; k++) {
        const blis_grid_axis *ax = &x->grid.axes[k];
        flag_name_of(ax->name, x->axis_flag[k], sizeof x->axis_flag[k]);
        if (!plan_flag_ok(x->axis_flag[k])) {
            snprintf(msg, sizeof msg,
                     "%s%s%u: axes: unknown setting \"%s\" (expected a run flag's name, e.g. rate, tp, hardware)",
                     grid_path ? grid_path : "", grid_path ? ":" : "", (unsigned)ax->line, ax->name);
            if (!grid_path || !ax->line) snprintf(msg, sizeof msg, "unknown sweep axis \"%s\"", ax->name);
            return sweep_error(msg);
        }
        if (search && !strcmp(x->axis_flag[k], "--rate"))
            return sweep_error("search finds the rate itself: remove the rate axis (give --rate-start, --rate-min or "
                               "--rate-max to bound it)");
        longest = 0;
        for (j = 0; j < ax->n; j++) {
            size_t len = strlen(ax->values[j]);
            if (strchr(ax->values[j], '\n')) {
                snprintf(msg, sizeof msg, "axis \"%s\": a value holds a line end", ax->name);
                return sweep_error(msg);
            }
            if (len + strlen(x->axis_flag[k]) + 2 > PLAN_ARG_MAX) { /* never cut: a cut path is another path */
                snprintf(msg, sizeof msg, "axis \"%s\": a value of %lu bytes (at most %lu): %.60s...", ax->name,
                         (unsigned long)len, (unsigned long)(PLAN_ARG_MAX - strlen(x->axis_flag[k]) - 2),
                         ax->values[j]);
                return sweep_error(msg);
            }
            if (len > longest) longest = len;
        }
        column_of(x->axis_flag[k], x->axis_col[k], sizeof x->axis_col[k]);
        key_len += (k ? 1 : 0) + strlen(x->axis_col[k]) + 1 + longest;
    }
    if (key_len >= PLAN_KEY_MAX) {
        snprintf(msg, sizeof msg,
                 "the grid's point keys (\"axis=value ...\") would be up to %lu bytes (at most %d): shorten the axis "
                 "values (paths, for instance)",
                 (unsigned long)key_len, PLAN_KEY_MAX - 1);
        return sweep_error(msg);
    }
    {
        const char *slo_text = x->grid.slo;
        double min_attainment = 0;
        for (k = 0; k < x->n_fixed; k++) {
            if (!strncmp(x->fixed_buf[k], "--slo=", 6)) slo_text = x->fixed_buf[k] + 6;
            if (!strncmp(x->fixed_buf[k], "--slo-attainment=", 17) &&
                blis_parse_f64(x->fixed_buf[k] + 17, strlen(x->fixed_buf[k] + 17),
                               BLIS_NUM_ALLOW_PLUS | BLIS_NUM_LOOSE_DOT, &min_attainment))
                return flag_error("--slo-attainment", "a fraction in (0, 1]", x->fixed_buf[k] + 17);
        }
        if (slo_text) {
            if (blis_slo_parse(slo_text, &x->slo, &err)) {
                snprintf(msg, sizeof msg, "--slo: %s", err.msg);
                return sweep_error(msg);
            }
            if (x->grid.slo && slo_text == x->grid.slo && sweep_add_fixed(x, "--slo", slo_text)) return EXIT_USAGE;
        }
        x->slo.min_attainment = min_attainment;
    }
    blis_run_record_fill(&names, NULL, &x->slo, NAN, NULL);
    for (k = 0; k < x->grid.n_axes; k++) {
        x->axis_shown[k] = 1;
        for (j = 0; j < names.n; j++)
            if (!strcmp(names.f[j].name, x->axis_col[k])) x->axis_shown[k] = 0;
    }
    x->fixed = x->fixed_buf;
    return 0;
}

/* x->digest: the grid, the flags every point shares and, for search, its
 * own settings (blis_grid_digest), as 16 hex digits. */
static void plan_digest(sweep_ctx *x, const char *cmd) {
    const char *set[BLIS_GRID_MAX_FIXED + BLIS_RUN_MAX_OPTIONS + 2];
    char search[400];
    size_t n = 0, k;
    set[n++] = cmd;
    for (k = 0; k < x->n_fixed; k++) set[n++] = x->fixed[k];
    if (!strcmp(cmd, "search")) {
        snprintf(search, sizeof search, "%.17g %.17g %.17g %.17g %.17g %lld %d %lld", x->rate_start, x->rate_min,
                 x->rate_max, x->tol, x->target, (long long)x->search_requests, x->n_seeds, (long long)x->seed_base);
        set[n++] = search;
    }
    snprintf(x->digest, sizeof x->digest, "%016llx", (unsigned long long)blis_grid_digest(&x->grid, set, n));
}

/* "rate=2 tp=1": the point's axis values. */
static void point_key(const sweep_ctx *x, const char *const *values, char *key, size_t size) {
    size_t k, at = 0;
    key[0] = '\0';
    for (k = 0; k < x->grid.n_axes; k++) {
        int w = snprintf(key + at, at < size ? size - at : 0, "%s%s=%s", k ? " " : "", x->axis_col[k], values[k]);
        if (w > 0) at += (size_t)w;
        if (at >= size) at = size - 1;
    }
}

/* The row's leading columns and the record, as a JSON Lines object or a CSV line. */
static void row_write(const sweep_ctx *x, size_t point, const char *key, const char *status, const char *error,
                      const char *const *values, const blis_run_field *pre, size_t n_pre, const blis_run_record *r,
                      blis_buf *out) {
    size_t k;
    if (x->jsonl) {
        blis_jw w;
        blis_jw_init(&w, blis_buf_write, out, 0);
        blis_jw_object_begin(&w);
        blis_jw_key_i64(&w, "point", (int64_t)point);
        blis_jw_key_i64(&w, "points", (int64_t)x->grid.points);
        blis_jw_key_str(&w, "grid", x->digest);
        blis_jw_key_str(&w, "key", key);
        blis_jw_key_str(&w, "status", status);
        blis_jw_key(&w, "error");
        if (error)
            blis_jw_str(&w, error);
        else
            blis_jw_null(&w);
        for (k = 0; k < x->grid.n_axes; k++)
            if (x->axis_shown[k]) blis_jw_key_str(&w, x->axis_col[k], values[k]);
        for (k = 0; k < n_pre; k++) blis_run_field_write(&w, &pre[k]);
        for (k = 0; k < r->n; k++) blis_run_field_write(&w, &r->f[k]);
        blis_jw_object_end(&w);
    } else {
        char num[48];
        snprintf(num, sizeof num, "%lu,%lu,%s,", (unsigned long)point, (unsigned long)x->grid.points, x->digest);
        blis_buf_write(out, num, strlen(num));
        csv_cell(out, key);
        blis_buf_write(out, ",", 1);
        csv_cell(out, status);
        blis_buf_write(out, ",", 1);
        if (error) csv_cell(out, error);
        for (k = 0; k < x->grid.n_axes; k++)
            if (x->axis_shown[k]) {
                blis_buf_write(out, ",", 1);
                csv_cell(out, values[k]);
            }
        for (k = 0; k < n_pre; k++) {
            blis_buf_write(out, ",", 1);
            csv_field(out, &pre[k]);
        }
        for (k = 0; k < r->n; k++) {
            blis_buf_write(out, ",", 1);
            csv_field(out, &r->f[k]);
        }
    }
    blis_buf_write(out, "\n", 1);
}

static void csv_header(const sweep_ctx *x, const blis_run_field *pre, size_t n_pre, blis_buf *out) {
    blis_run_record names;
    size_t k;
    blis_run_record_fill(&names, NULL, &x->slo, NAN, NULL);
    blis_buf_write(out, "point,points,grid,key,status,error", 34);
    for (k = 0; k < x->grid.n_axes; k++)
        if (x->axis_shown[k]) {
            blis_buf_write(out, ",", 1);
            csv_cell(out, x->axis_col[k]);
        }
    for (k = 0; k < n_pre; k++) {
        blis_buf_write(out, ",", 1);
        csv_cell(out, pre[k].name);
    }
    for (k = 0; k < names.n; k++) {
        blis_buf_write(out, ",", 1);
        csv_cell(out, names.f[k].name);
    }
    blis_buf_write(out, "\n", 1);
}

/* One simulation of point `point` with extra flags; 0 and the record on
 * success, else the error message. */
static char quiet_flag[] = "--quiet";
static char poisson_flag[] = "--arrival=poisson";

/* sweep and search load a server with Poisson arrivals unless the point
 * names its arrivals (--arrival) or brings its own (a workload spec, a
 * trace): run's evenly spaced default (the reference's) flatters capacity. */
static int plan_default_poisson(char *const *argv, size_t argc) {
    size_t k;
    for (k = 0; k < argc; k++)
        if (!strncmp(argv[k], "--arrival=", 10) || !strncmp(argv[k], "--workload-spec=", 16) ||
            !strcmp(argv[k], "--workload=traces"))
            return 0;
    return 1;
}

static int point_eval(const sweep_ctx *x, size_t point, const char *const *extra, size_t n_extra, blis_run_record *r,
                      char *error, size_t error_size) {
    const char *values[BLIS_GRID_MAX_AXES];
    char *argv[BLIS_GRID_MAX_FIXED + BLIS_RUN_MAX_OPTIONS + BLIS_GRID_MAX_AXES + 8];
    char axis_arg[BLIS_GRID_MAX_AXES][PLAN_ARG_MAX]; /* sweep_finish_setup refused longer values */
    run_ctx *p = (run_ctx *)calloc(1, sizeof *p);
    size_t k, argc = 0;
    int rc;
    double usd = NAN;
    blis_err err;
    error[0] = '\0';
    if (!p) {
        snprintf(error, error_size, "out of memory");
        return EXIT_RUNTIME;
    }
    blis_grid_point_values(&x->grid, point, values);
    argv[argc++] = quiet_flag;
    for (k = 0; k < x->n_fixed; k++) argv[argc++] = x->fixed[k];
    for (k = 0; k < x->grid.n_axes; k++) {
        snprintf(axis_arg[k], sizeof axis_arg[k], "%s=%s", x->axis_flag[k], values[k]);
        argv[argc++] = axis_arg[k];
    }
    for (k = 0; k < n_extra; k++) argv[argc++] = (char *)(uintptr_t)extra[k];
    if (plan_default_poisson(argv, argc)) argv[argc++] = poisson_flag;
    rc = run_simulate((int)argc, argv, x->argv0, p, 1);
    if (!rc && (blis_run_price(&p->run, &usd, &err) || blis_run_record_fill(r, &p->run, &x->slo, usd, &err)))
        rc = run_report(&err, NULL);
    run_ctx_free(p);
    free(p);
    if (rc) {
        fflush(stderr);
        captured_error(error, error_size);
        if (!error[0]) snprintf(error, error_size, "the run failed (exit status %d)", rc);
    }
    return rc;
}

/* A point's row with status "error", why and every value null (pre:
 * the names of the columns before the record, or none). */
static void error_row(const sweep_ctx *x, size_t point, const char *why, const blis_run_field *pre, size_t n_pre,
                      blis_buf *row) {
    const char *values[BLIS_GRID_MAX_AXES];
    char key[PLAN_KEY_MAX];
    blis_run_record r;
    blis_grid_point_values(&x->grid, point, values);
    point_key(x, values, key, sizeof key);
    blis_run_record_fill(&r, NULL, &x->slo, NAN, NULL);
    row_write(x, point, key, "error", why, values, pre, n_pre, &r, row);
}

static int sweep_task(void *user, size_t point, blis_buf *row) {
    const sweep_ctx *x = (const sweep_ctx *)user;
    const char *values[BLIS_GRID_MAX_AXES];
    char key[PLAN_KEY_MAX], error[1200];
    blis_run_record r;
    if (point_eval(x, point, NULL, 0, &r, error, sizeof error)) {
        error_row(x, point, error, NULL, 0, row);
        return 1;
    }
    blis_grid_point_values(&x->grid, point, values);
    point_key(x, values, key, sizeof key);
    row_write(x, point, key, "ok", NULL, values, NULL, 0, &r, row);
    return 0;
}

static void sweep_failed(void *user, size_t point, const char *why, blis_buf *row) {
    error_row((const sweep_ctx *)user, point, why, NULL, 0, row);
}

typedef struct emit_state {
    sweep_ctx *x;
    FILE *f;
    const char *name; /* for a write error */
    size_t errors;
} emit_state;

static int sweep_emit(void *user, size_t k, const char *row, size_t len, int is_error) {
    emit_state *e = (emit_state *)user;
    (void)k;
    e->errors += is_error != 0;
    if (fwrite(row, 1, len, e->f) == len && fflush(e->f) == 0) return 0;
    fprintf(stderr, "%s: error: cannot write: %s\n", e->name, strerror(errno));
    return -1;
}

/* --shard I/N */
static int parse_shard(const char *v, size_t *index, size_t *count) {
    unsigned long i = 0, n = 0;
    const char *q = v;
    if (!digits_ul(q, &q, &i) || *q++ != '/' || !digits_ul(q, &q, &n) || *q || n < 1 || i >= n || n > 1000000)
        return flag_error("--shard", "I/N with 0 <= I < N (e.g. 0/4; Slurm: $SLURM_ARRAY_TASK_ID/N)", v);
    *index = i;
    *count = n;
    return 0;
}

static int format_from(const char *fmt, const char *path, int *jsonl) {
    if (fmt) {
        if (!strcmp(fmt, "csv"))
            *jsonl = 0;
        else if (!strcmp(fmt, "jsonl"))
            *jsonl = 1;
        else
            return flag_error("--format", "csv or jsonl", fmt);
        return 0;
    }
    if (path) {
        size_t n = strlen(path);
        if ((n >= 6 && !strcmp(path + n - 6, ".jsonl")) || (n >= 5 && !strcmp(path + n - 5, ".json")) ||
            (n >= 7 && !strcmp(path + n - 7, ".ndjson")))
            *jsonl = 1;
    }
    return 0;
}

typedef struct plan_opts {
    const char *grid, *out, *format, *shard;
    int jobs, resume, quiet, allow_missing, pareto;
    const char *rate_start, *rate_min, *rate_max, *tol, *target, *search_requests, *seeds;
} plan_opts;

/* sweep's own flags, then search's (for "did you mean"). */
static const char *const plan_flags[] = {"--grid",     "--out",      "--format",        "--shard",       "--jobs",
                                         "--resume",   "--quiet",    "--allow-missing", "--pareto",      "--rate-start",
                                         "--rate-min", "--rate-max", "--tolerance",     "--target-rate", "--seeds"};
#define PLAN_NSWEEP_FLAGS 9
#define PLAN_NFLAGS       (sizeof plan_flags / sizeof plan_flags[0])

/* The flags of sweep and search: their own, the axis flags, and any run
 * flag (fixed for every point). */
static int parse_plan_args(int argc, char **argv, sweep_ctx *x, plan_opts *o, int search) {
    int i, rc;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    blis_err err;
    o->jobs = cpus > 0 ? (int)(cpus > 64 ? 64 : cpus) : 1;
    for (i = 0; i < argc; i++) {
        const char *arg = argv[i], *eq = strchr(arg, '='), *v = NULL;
        char name[80];
        size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg), k;
        const blis_opt_def *f;
        if (nlen >= sizeof name || strncmp(arg, "--", 2) != 0)
            return unknown_flag(search ? "search" : "sweep", arg, plan_flags, search ? PLAN_NFLAGS : PLAN_NSWEEP_FLAGS,
                                1);
        memcpy(name, arg, nlen);
        name[nlen] = '\0';
        if (!strcmp(name, "--resume") || !strcmp(name, "--quiet") || !strcmp(name, "--allow-missing") ||
            !strcmp(name, "--pareto")) {
            if (eq) return flag_error(name, "no value", eq + 1);
            if (!strcmp(name, "--resume"))
                o->resume = 1;
            else if (!strcmp(name, "--quiet"))
                o->quiet = 1;
            else if (!strcmp(name, "--pareto"))
                o->pareto = 1;
            else
                o->allow_missing = 1;
            continue;
        }
        f = run_flag_find(name);
        if (eq)
            v = eq + 1;
        else if (f && f->type == BLIS_OPT_BOOL)
            v = "true";
        else if (i + 1 < argc)
            v = argv[++i];
        else
            return flag_error(name, "a value", "");
        if (!strcmp(name, "--grid"))
            o->grid = v;
        else if (!strcmp(name, "--out"))
            o->out = v;
        else if (!strcmp(name, "--format"))
            o->format = v;
        else if (!strcmp(name, "--shard"))
            o->shard = v;
        else if (!strcmp(name, "--jobs")) {
            if ((rc = parse_int_in("--jobs", v, 1, 64, &o->jobs))) return rc;
        } else if (search && !strcmp(name, "--rate-start"))
            o->rate_start = v;
        else if (search && !strcmp(name, "--num-requests"))
            o->search_requests = v;
        else if (search && !strcmp(name, "--rate-min"))
            o->rate_min = v;
        else if (search && !strcmp(name, "--rate-max"))
            o->rate_max = v;
        else if (search && !strcmp(name, "--tolerance"))
            o->tol = v;
        else if (search && !strcmp(name, "--target-rate"))
            o->target = v;
        else if (search && !strcmp(name, "--seeds"))
            o->seeds = v;
        else if (!plan_flag_ok(name))
            return unknown_flag(search ? "search" : "sweep", arg, plan_flags, search ? PLAN_NFLAGS : PLAN_NSWEEP_FLAGS,
                                1);
        else {
            int listed = 0;
            for (k = 0; k < sizeof sweep_axis_flags / sizeof sweep_axis_flags[0]; k++)
                listed |= !strcmp(name, sweep_axis_flags[k]);
            if (listed && (strchr(v, ',') || (strchr(v, ':') && strchr(strchr(v, ':') + 1, ':')))) {
                if (blis_grid_add_axis_text(&x->grid, name + 2, v, &err)) {
                    char msg[BLIS_ERR_MSG_MAX + 100];
                    snprintf(msg, sizeof msg, "%s: %s", name, err.msg);
                    return sweep_error(msg);
                }
            } else if ((rc = sweep_add_fixed(x, name, v))) {
                return rc;
            }
        }
    }
    return 0;
}

/* The grid file's axes first, then the flags' (added while parsing). */
static int load_grid(sweep_ctx *x, const char *path) {
    blis_grid flags = x->grid;
    blis_err err;
    size_t k;
    int rc;
    blis_grid_init(&x->grid);
    if ((rc = read_yaml(path, &x->grid_doc))) {
        x->grid = flags;
        return rc;
    }
    x->have_grid_doc = 1;
    if (blis_grid_from_doc(&x->grid_doc, &x->grid, &err)) {
        print_err(&err);
        blis_grid_free(&x->grid);
        x->grid = flags;
        return EXIT_USAGE;
    }
    for (k = 0; k < flags.n_axes; k++)
        if (blis_grid_add_axis(&x->grid, flags.axes[k].name, flags.axes[k].values, flags.axes[k].n, &err)) {
            char msg[BLIS_ERR_MSG_MAX + 40];
            snprintf(msg, sizeof msg, "--%s: %s (the grid file has it)", flags.axes[k].name, err.msg);
            blis_grid_free(&flags);
            return sweep_error(msg);
        }
    blis_grid_free(&flags);
    return 0;
}

/* The rows of a previous, interrupted sweep: the longest prefix of the
 * expected points (each row complete and for the same point and key);
 * *keep gets its length in bytes. */
static int resume_prefix(const sweep_ctx *x, const char *text, size_t len, const size_t *ids, size_t n_ids,
                         const char *header, size_t *done, size_t *keep) {
    size_t at = 0, k = 0, columns = 0;
    *done = 0;
    *keep = 0;
    if (header) {
        size_t hl = strlen(header);
        blis_csv_reader rd;
        blis_err err;
        int has = 0;
        if (len < hl || memcmp(text, header, hl) != 0) return len == 0 ? 0 : -1;
        at = hl;
        if (blis_csv_reader_init(&rd, header, hl, NULL, &err)) return -1;
        if (!blis_csv_reader_next(&rd, &has, &err) && has) columns = rd.field_count;
        blis_csv_reader_free(&rd);
    }
    *keep = at;
    while (at < len && k < n_ids) {
        const char *nl = (const char *)memchr(text + at, '\n', len - at);
        const char *values[BLIS_GRID_MAX_AXES];
        char key[PLAN_KEY_MAX];
        size_t ll;
        unsigned long point = 0;
        const char *end = NULL;
        if (!nl) break;
        ll = (size_t)(nl - (text + at));
        blis_grid_point_values(&x->grid, ids[k], values);
        point_key(x, values, key, sizeof key);
        if (x->jsonl) {
            blis_doc d;
            blis_err err;
            const blis_node *pn, *kn, *gn;
            int ok;
            if (blis_json_parse(text + at, ll, NULL, &d, &err)) return -1;
            pn = blis_node_get(&d, blis_doc_root(&d), "point");
            kn = blis_node_get(&d, blis_doc_root(&d), "key");
            gn = blis_node_get(&d, blis_doc_root(&d), "grid");
            ok = pn && kn && gn && pn->kind == BLIS_NODE_NUMBER && kn->kind == BLIS_NODE_STRING &&
                 gn->kind == BLIS_NODE_STRING && pn->as.number == (double)ids[k] && !strcmp(kn->as.string, key) &&
                 !strcmp(gn->as.string, x->digest);
            blis_doc_free(&d);
            if (!ok) return -1;
        } else {
            blis_csv_reader rd;
            blis_err err;
            int has = 0, ok;
            if (blis_csv_reader_init(&rd, text + at, ll, NULL, &err)) return -1;
            ok = !blis_csv_reader_next(&rd, &has, &err) && has && rd.field_count == columns &&
                 digits_ul(rd.fields[0].ptr, &end, &point) && !*end && point == ids[k] &&
                 !strcmp(rd.fields[2].ptr, x->digest) && !strcmp(rd.fields[3].ptr, key);
            blis_csv_reader_free(&rd);
            if (!ok) return -1;
        }
        at += ll + 1;
        k++;
        *keep = at;
        *done = k;
    }
    return 0;
}

/* Writes `path` from `data` through a temporary file renamed over it. */
static int write_file_atomic(const char *path, const char *data, size_t len) {
    if (blis_posix_write_atomic(path, data, len) == 0) return 0;
    fprintf(stderr, "%s: error: cannot write: %s\n", path, strerror(errno));
    return EXIT_RUNTIME;
}

/* The points (or configurations) this process runs: its shard, less
 * those a resumed output already has. Opens the output. */
typedef struct plan_out {
    FILE *f;
    char partial[4200];
    int to_stdout, in_place;
    char final[4096];          /* where the partial file is renamed (a link's target) */
    size_t *ids, n_ids, first; /* ids[first..] still to run */
} plan_out;

/* The points of this process's --shard (all without one). */
static int shard_ids(const sweep_ctx *x, const plan_opts *o, plan_out *po) {
    size_t si = 0, sn = 1, k;
    int rc;
    memset(po, 0, sizeof po[0]);
    if (o->shard && (rc = parse_shard(o->shard, &si, &sn))) return rc;
    po->ids = (size_t *)malloc((x->grid.points / sn + 2) * sizeof *po->ids);
    if (!po->ids) return EXIT_RUNTIME;
    for (k = si; k < x->grid.points; k += sn) po->ids[po->n_ids++] = k;
    return 0;
}

/* A pool over po's points still to run. */
static void pool_setup(pool *pl, const plan_out *po, const plan_opts *o, const char *what, sweep_ctx *x,
                       int (*task)(void *, size_t, blis_buf *),
                       void (*failed)(void *, size_t, const char *, blis_buf *),
                       int (*emit)(void *, size_t, const char *, size_t, int), void *emit_user) {
    memset(pl, 0, sizeof *pl);
    pl->n = po->n_ids - po->first;
    pl->ids = po->ids + po->first;
    pl->jobs = o->jobs;
    pl->quiet = o->quiet;
    pl->what = what;
    pl->task = task;
    pl->failed = failed;
    pl->emit = emit;
    pl->user = x;
    pl->emit_user = emit_user;
}

/* The CSV header (NULL: none), flushed; a write error says so. */
static int header_write(FILE *f, const char *header, const char *name) {
    if (!header || (fputs(header, f) != EOF && fflush(f) == 0)) return 0;
    fprintf(stderr, "%s: error: cannot write: %s\n", name, strerror(errno));
    return EXIT_RUNTIME;
}

/* The partial file, opened without following a link: a fresh one created
 * exclusively (a regular file there is replaced; anything else, a planted
 * link included, is refused), or an existing regular one appended to. */
static FILE *partial_open(const char *path, int append) {
    struct stat st;
    int fd;
    FILE *f;
    if (lstat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode)) {
            errno = EEXIST;
            fprintf(stderr, "%s: error: exists and is not a regular file (a link, a directory?); remove it\n", path);
            return NULL;
        }
        if (!append && unlink(path) != 0) {
            fprintf(stderr, "%s: error: cannot replace: %s\n", path, strerror(errno));
            return NULL;
        }
    } else if (append) {
        fprintf(stderr, "%s: error: cannot append: %s\n", path, strerror(errno));
        return NULL;
    }
    fd = append ? open(path, O_WRONLY | O_APPEND | O_NOFOLLOW)
                : open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0666);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "%s: error: cannot %s: %s\n", path, append ? "append" : "write",
                strerror(fd < 0 ? errno : EINVAL));
        if (fd >= 0) close(fd);
        return NULL;
    }
    if (!(f = fdopen(fd, append ? "ab" : "wb"))) {
        fprintf(stderr, "%s: error: cannot write: %s\n", path, strerror(errno));
        close(fd);
    }
    return f;
}

static int plan_open(sweep_ctx *x, const plan_opts *o, const char *header, plan_out *po, const char *cmd) {
    char msg[4800];
    int rc;
    if ((rc = shard_ids(x, o, po))) return rc;
    po->to_stdout = !o->out || !strcmp(o->out, "-");
    if (!po->to_stdout) { /* a device or FIFO (or a link to one) is written in place, as stdout is */
        char target[4096];
        int kind = blis_posix_output_target(o->out, target, sizeof target);
        if (kind < 0) {
            fprintf(stderr, "%s: error: cannot write: %s\n", o->out, strerror(errno));
            return EXIT_USAGE;
        }
        if (kind == BLIS_OUT_IN_PLACE) {
            if (o->resume) return flag_error("--resume", "an --out file (a regular one)", o->out);
            if (!(po->f = fopen(target, "wb"))) {
                fprintf(stderr, "%s: error: cannot write: %s\n", o->out, strerror(errno));
                return EXIT_USAGE;
            }
            po->in_place = 1;
            return header_write(po->f, header, o->out);
        }
        snprintf(po->final, sizeof po->final, "%s", target);
        snprintf(po->partial, sizeof po->partial, "%s.partial", target);
        {
            struct stat st;
            if (stat(po->final, &st) == 0 && S_ISDIR(st.st_mode)) { /* refused before any point runs */
                fprintf(stderr, "%s: error: --out names a directory; expected a file\n", o->out);
                return EXIT_USAGE;
            }
            if (lstat(po->partial, &st) == 0 && !S_ISREG(st.st_mode)) {
                fprintf(stderr, "%s: error: exists and is not a regular file (a link, a directory?); remove it\n",
                        po->partial);
                return EXIT_USAGE;
            }
        }
    }
    if (po->to_stdout) {
        if (o->resume) return flag_error("--resume", "an --out file (not stdout)", "");
        po->f = stdout;
        return header_write(stdout, header, "stdout");
    }
    if (o->resume) {
        char *text = NULL;
        size_t len = 0, done = 0, keep = 0;
        blis_err err;
        const char *src = file_exists(po->partial) ? po->partial : file_exists(po->final) ? po->final : NULL;
        if (src) {
            if (blis_file_read(src, (size_t)1 << 31, NULL, &text, &len, &err)) {
                print_err(&err);
                return EXIT_USAGE;
            }
            if (resume_prefix(x, text, len, po->ids, po->n_ids, header, &done, &keep)) {
                blis_file_free(NULL, text);
                snprintf(msg, sizeof msg,
                         "%s was not written by this %s (another grid, fixed flags, search settings, shard or format: "
                         "each row carries the grid digest); remove it or write elsewhere",
                         src, cmd);
                return sweep_error(msg);
            }
            if (src == po->final && done == po->n_ids && keep == len) { /* complete already */
                blis_file_free(NULL, text);
                po->first = po->n_ids;
                if (!o->quiet) fprintf(stderr, "simulation_worker: %s is complete; nothing to run\n", o->out);
                return 0;
            }
            rc = write_file_atomic(po->partial, text, keep);
            blis_file_free(NULL, text);
            if (rc) return rc;
            po->first = done;
            if (!o->quiet)
                fprintf(stderr, "simulation_worker: resuming %s: %lu of %lu done\n", o->out, (unsigned long)done,
                        (unsigned long)po->n_ids);
            if (!(po->f = partial_open(po->partial, 1))) return EXIT_RUNTIME;
            return 0;
        }
    }
    if (!(po->f = partial_open(po->partial, 0))) return EXIT_USAGE;
    return header_write(po->f, header, po->partial);
}

/* Renames the finished partial file over --out (or leaves it for --resume). */
static int plan_close(plan_out *po, const char *out, int rc) {
    if (!po->f) {
        free(po->ids);
        po->ids = NULL;
        return rc;
    }
    if (po->to_stdout) {
        free(po->ids);
        po->ids = NULL;
        return rc ? rc : fflush(stdout) ? EXIT_RUNTIME : 0;
    }
    if (po->in_place) {
        if (fclose(po->f) && !rc) rc = EXIT_RUNTIME;
        po->f = NULL;
        free(po->ids);
        po->ids = NULL;
        return rc;
    }
    if (fflush(po->f) || fsync(fileno(po->f))) rc = rc ? rc : EXIT_RUNTIME;
    fclose(po->f);
    po->f = NULL;
    if (!rc && (fchmod_path(po->partial) || rename(po->partial, po->final))) {
        fprintf(stderr, "%s: error: cannot rename %s over it: %s\n", out, po->partial, strerror(errno));
        rc = EXIT_RUNTIME;
    } else if (rc && po->first < po->n_ids) {
        fprintf(stderr, "simulation_worker: the rows so far are in %s; --resume continues\n", po->partial);
    }
    free(po->ids);
    po->ids = NULL;
    return rc;
}

static int cmd_sweep_merge(int argc, char **argv);

/* What sweep and search share first: the context and options zeroed, the
 * signals routed (a worker stops at Ctrl-C, leaving --resume its rows), the
 * flags parsed and the grid file read. */
static int plan_begin(int argc, char **argv, const char *argv0, sweep_ctx *x, plan_opts *o, int search) {
    struct sigaction old_int, old_term;
    int rc;
    memset(x, 0, sizeof *x);
    memset(o, 0, sizeof *o);
    blis_grid_init(&x->grid);
    x->argv0 = argv0;
    cli_catch_signals(&old_int, &old_term);
    if ((rc = parse_plan_args(argc, argv, x, o, search))) return rc;
    return o->grid ? load_grid(x, o->grid) : 0;
}

int cmd_sweep(int argc, char **argv, const char *argv0) {
    sweep_ctx x;
    plan_opts o;
    plan_out po;
    emit_state es;
    pool pl;
    blis_buf header;
    int rc;
    if (argc > 0 && !strcmp(argv[0], "merge")) return cmd_sweep_merge(argc - 1, argv + 1);
    memset(&po, 0, sizeof po);
    memset(&header, 0, sizeof header);
    if ((rc = plan_begin(argc, argv, argv0, &x, &o, 0))) goto done;
    if (x.grid.n_axes == 0) {
        rc = sweep_error("sweep needs a grid: --grid FILE, or at least one flag with several values (e.g. --rate "
                         "1,2,4 or --rate 1:20:1)");
        goto done;
    }
    if ((rc = format_from(o.format, o.out, &x.jsonl)) || (rc = sweep_finish_setup(&x, o.grid, 0))) goto done;
    plan_digest(&x, "sweep");
    if (!x.jsonl) csv_header(&x, NULL, 0, &header);
    if ((rc = plan_open(&x, &o, header.data, &po, "sweep"))) goto done;
    memset(&es, 0, sizeof es);
    es.x = &x;
    es.f = po.f;
    es.name = o.out ? o.out : "stdout";
    pool_setup(&pl, &po, &o, "points", &x, sweep_task, sweep_failed, sweep_emit, &es);
    {
        double t0 = mono_s();
        rc = pool_run(&pl);
        if (!o.quiet && !rc && pl.n)
            fprintf(stderr, "simulation_worker: sweep: %lu points in %.1f s (%d jobs)\n", (unsigned long)pl.n,
                    mono_s() - t0, pl.jobs);
        if (es.errors)
            fprintf(stderr, "simulation_worker: warning: %lu of %lu points failed (their rows say why)\n",
                    (unsigned long)es.errors, (unsigned long)pl.n);
    }
    rc = plan_close(&po, o.out, rc);
    po.f = NULL;
    if (!rc && es.errors && es.errors == pl.n) rc = EXIT_USAGE; /* nothing ran: the input is wrong */
done:
    if (po.f || po.ids) plan_close(&po, o.out, rc ? rc : EXIT_RUNTIME); /* the ids too, when open failed */
    blis_buf_free(&header);
    sweep_ctx_free(&x);
    return rc;
}

/* ---- result files: sweep and search rows (CSV or JSON Lines) ---- */

typedef struct rtable {
    int jsonl;
    size_t n, cols;
    char **names; /* cols */
    char **cells; /* n x cols; NULL: null or empty */
    const char **line;
    size_t *line_len;
    char *text;
    size_t header_len;
} rtable;

static void rtable_free(rtable *t) {
    size_t k;
    for (k = 0; k < t->cols; k++) free(t->names[k]);
    for (k = 0; k < t->n * t->cols; k++) free(t->cells[k]);
    free(t->names);
    free(t->cells);
    free((void *)t->line);
    free(t->line_len);
    blis_file_free(NULL, t->text);
    memset(t, 0, sizeof *t);
}

static char *dup_n(const char *s, size_t n) {
    char *p = (char *)malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* Reads a file of rows: JSON Lines (objects with the same keys) or CSV
 * with a header. */
static int rtable_read_rows(const char *path, rtable *t) {
    blis_err err;
    size_t len = 0, at = 0, lines = 0, k;
    if (blis_file_read(path, (size_t)1 << 31, NULL, &t->text, &len, &err)) {
        print_err(&err);
        return EXIT_USAGE;
    }
    for (k = 0; k < len; k++) lines += t->text[k] == '\n';
    t->line = (const char **)calloc(lines + 2, sizeof *t->line);
    t->line_len = (size_t *)calloc(lines + 2, sizeof *t->line_len);
    if (!t->line || !t->line_len) return EXIT_RUNTIME;
    t->jsonl = len > 0 && t->text[0] == '{';
    while (at < len) {
        const char *nl = (const char *)memchr(t->text + at, '\n', len - at);
        size_t ll = nl ? (size_t)(nl - (t->text + at)) : len - at;
        uint32_t lineno = (uint32_t)(t->n + 1 + (t->jsonl ? 0 : t->header_len ? 1 : 0));
        if (!t->jsonl && !t->header_len && !t->cols) { /* the header */
            blis_csv_reader rd;
            int has = 0;
            if (!nl) {
                fprintf(stderr, "%s:1: error: the header is incomplete (no line end): an interrupted write?\n", path);
                return EXIT_USAGE;
            }
            if (blis_csv_reader_init(&rd, t->text, ll, NULL, &err) || blis_csv_reader_next(&rd, &has, &err) || !has) {
                fprintf(stderr, "%s:1: error: expected a CSV header or JSON Lines rows\n", path);
                blis_csv_reader_free(&rd);
                return EXIT_USAGE;
            }
            t->cols = rd.field_count;
            t->names = (char **)calloc(t->cols, sizeof *t->names);
            for (k = 0; t->names && k < t->cols; k++) t->names[k] = dup_n(rd.fields[k].ptr, rd.fields[k].len);
            blis_csv_reader_free(&rd);
            t->header_len = ll + 1;
            at += ll + 1;
            continue;
        }
        if (ll == 0) {
            at += 1;
            continue;
        }
        if (!nl) {
            fprintf(stderr, "%s:%u: error: the last row is incomplete (no line end): an interrupted write?\n", path,
                    (unsigned)lineno);
            return EXIT_USAGE;
        }
        {
            char **row;
            if (t->jsonl) {
                blis_doc d;
                const blis_node *root;
                blis_parse_opts po;
                memset(&po, 0, sizeof po);
                po.source = path;
                if (blis_json_parse(t->text + at, ll, &po, &d, &err)) {
                    err.line = lineno;
                    print_err(&err);
                    return EXIT_USAGE;
                }
                root = blis_doc_root(&d);
                if (root->kind != BLIS_NODE_OBJECT || root->count == 0 || (t->cols && root->count != t->cols)) {
                    fprintf(stderr, "%s:%u: error: expected a JSON object per line, with the first line's keys\n", path,
                            (unsigned)lineno);
                    blis_doc_free(&d);
                    return EXIT_USAGE;
                }
                if (!t->cols) {
                    t->cols = root->count;
                    t->names = (char **)calloc(t->cols + 1, sizeof *t->names);
                    if (!t->names) {
                        t->cols = 0;
                        blis_doc_free(&d);
                        return EXIT_RUNTIME;
                    }
                    for (k = 0; k < t->cols; k++)
                        t->names[k] = dup_n(blis_node_key_at(&d, root, k)->as.string,
                                            strlen(blis_node_key_at(&d, root, k)->as.string));
                }
                {
                    char **grown = (char **)realloc(t->cells, (t->n + 1) * t->cols * sizeof *t->cells);
                    if (!grown) {
                        blis_doc_free(&d);
                        return EXIT_RUNTIME;
                    }
                    t->cells = grown;
                }
                row = t->cells + t->n * t->cols;
                for (k = 0; k < t->cols; k++) {
                    const blis_node *v = blis_node_get(&d, root, t->names[k]);
                    const char *text = NULL;
                    row[k] = NULL;
                    if (v && v->kind != BLIS_NODE_NULL && v->kind != BLIS_NODE_OBJECT && v->kind != BLIS_NODE_ARRAY &&
                        !blis_node_text(&d, v, &text, &err))
                        row[k] = dup_n(text, strlen(text));
                }
                blis_doc_free(&d);
            } else {
                blis_csv_reader rd;
                int has = 0;
                if (blis_csv_reader_init(&rd, t->text + at, ll, NULL, &err) || blis_csv_reader_next(&rd, &has, &err) ||
                    !has || rd.field_count != t->cols) {
                    fprintf(stderr, "%s:%u: error: expected %lu CSV fields as the header has\n", path,
                            (unsigned)lineno + 0, (unsigned long)t->cols);
                    blis_csv_reader_free(&rd);
                    return EXIT_USAGE;
                }
                {
                    char **grown = (char **)realloc(t->cells, (t->n + 1) * t->cols * sizeof *t->cells);
                    if (!grown) {
                        blis_csv_reader_free(&rd);
                        return EXIT_RUNTIME;
                    }
                    t->cells = grown;
                }
                row = t->cells + t->n * t->cols;
                for (k = 0; k < t->cols; k++)
                    row[k] = rd.fields[k].len ? dup_n(rd.fields[k].ptr, rd.fields[k].len) : NULL;
                blis_csv_reader_free(&rd);
            }
        }
        t->line[t->n] = t->text + at;
        t->line_len[t->n] = ll + 1;
        t->n++;
        at += ll + 1;
    }
    return 0;
}

/* rtable_read_rows, *t empty on failure. */
static int rtable_read(const char *path, rtable *t) {
    int rc;
    memset(t, 0, sizeof *t);
    rc = rtable_read_rows(path, t);
    if (rc) rtable_free(t);
    return rc;
}

static long rtable_col(const rtable *t, const char *name) {
    size_t k;
    for (k = 0; k < t->cols; k++)
        if (!strcmp(t->names[k], name)) return (long)k;
    return -1;
}

static const char *rtable_get(const rtable *t, size_t row, long col) {
    return col < 0 ? NULL : t->cells[row * t->cols + (size_t)col];
}

static double rtable_num(const rtable *t, size_t row, long col) {
    const char *s = rtable_get(t, row, col);
    double v;
    if (!s || blis_parse_f64(s, strlen(s), BLIS_NUM_ALLOW_PLUS, &v)) return NAN;
    return v;
}

/* sweep merge: shards joined in point order. */
static int cmd_sweep_merge(int argc, char **argv) {
    const char *out = NULL;
    int allow_missing = 0, i, rc = 0, n_in = 0;
    rtable t[256];
    size_t total = 0, k, missing = 0;
    const char **row_of = NULL, *grid = NULL;
    size_t *len_of = NULL;
    blis_buf b;
    char msg[1400];
    memset(&b, 0, sizeof b);
    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else if (!strncmp(argv[i], "--out=", 6))
            out = argv[i] + 6;
        else if (!strcmp(argv[i], "--allow-missing"))
            allow_missing = 1;
        else if (!strncmp(argv[i], "--", 2)) {
            rc = usage_error("unknown option for sweep merge (--out PATH, --allow-missing)", argv[i]);
            goto done;
        } else if (n_in == 256) {
            rc = usage_error("sweep merge: at most 256 files", argv[i]);
            goto done;
        } else {
            rtable one;
            if ((rc = rtable_read(argv[i], &one))) goto done;
            t[n_in++] = one;
        }
    }
    if (n_in == 0) {
        rc = usage_error("sweep merge needs the shard files: sweep merge --out ALL.csv shard-*.csv", NULL);
        goto done;
    }
    for (i = 0; i < n_in; i++) {
        long pc = rtable_col(&t[i], "point"), nc = rtable_col(&t[i], "points"), gc = rtable_col(&t[i], "grid");
        if (pc < 0 || nc < 0 || t[i].jsonl != t[0].jsonl ||
            (!t[i].jsonl &&
             (t[i].header_len != t[0].header_len || memcmp(t[i].text, t[0].text, t[0].header_len) != 0))) {
            snprintf(msg, sizeof msg, "%s: not a sweep output like %s (same format and columns expected)", argv[0],
                     "the first file");
            rc = sweep_error(msg);
            goto done;
        }
        for (k = 0; k < t[i].n; k++) {
            double tot = rtable_num(&t[i], k, nc);
            const char *here;
            if (!(tot >= 1 && tot <= (double)BLIS_GRID_MAX_POINTS && tot == floor(tot))) { /* never trusted */
                snprintf(msg, sizeof msg,
                         "file %d, row %lu: \"points\" must be a whole number in 1..%lu (a grid's size)", i + 1,
                         (unsigned long)k + 1, (unsigned long)BLIS_GRID_MAX_POINTS);
                rc = sweep_error(msg);
                goto done;
            }
            if (total && tot != (double)total) {
                rc = sweep_error("the files come from different sweeps (their \"points\" differ)");
                goto done;
            }
            total = (size_t)tot;
            if (gc < 0) {
                snprintf(msg, sizeof msg,
                         "file %d: no \"grid\" column (not a sweep output, or one older than grid "
                         "digests: run it again)",
                         i + 1);
                rc = sweep_error(msg);
                goto done;
            }
            here = rtable_get(&t[i], k, gc) ? rtable_get(&t[i], k, gc) : "";
            if (!grid) grid = here;
            if (!here[0] || strcmp(grid, here) != 0) {
                snprintf(msg, sizeof msg,
                         "file %d, row %lu: the files come from different sweeps (grid \"%.20s\", the first row's "
                         "\"%.20s\": another grid, fixed flags or search settings)",
                         i + 1, (unsigned long)k + 1, here, grid);
                rc = sweep_error(msg);
                goto done;
            }
        }
    }
    if (total == 0) {
        rc = sweep_error("the files hold no rows (headers only): nothing to merge");
        goto done;
    }
    row_of = (const char **)calloc(total + 1, sizeof *row_of);
    len_of = (size_t *)calloc(total + 1, sizeof *len_of);
    if (!row_of || !len_of) {
        rc = EXIT_RUNTIME;
        goto done;
    }
    for (i = 0; i < n_in; i++) {
        long pc = rtable_col(&t[i], "point");
        for (k = 0; k < t[i].n; k++) {
            double pt = rtable_num(&t[i], k, pc);
            size_t at;
            if (!(pt >= 0) || pt >= (double)total || pt != floor(pt)) {
                rc = sweep_error("a row's point is out of range");
                goto done;
            }
            at = (size_t)pt;
            if (row_of[at] && (len_of[at] != t[i].line_len[k] || memcmp(row_of[at], t[i].line[k], len_of[at]) != 0)) {
                snprintf(msg, sizeof msg, "point %lu appears twice with different results", (unsigned long)at);
                rc = sweep_error(msg);
                goto done;
            }
            row_of[at] = t[i].line[k];
            len_of[at] = t[i].line_len[k];
        }
    }
    for (k = 0; k < total; k++) missing += !row_of[k];
    if (missing && !allow_missing) {
        size_t shown = 0, at = 0;
        at += (size_t)snprintf(msg, sizeof msg, "%lu of %lu points missing (", (unsigned long)missing,
                               (unsigned long)total);
        for (k = 0; k < total && shown < 8; k++)
            if (!row_of[k])
                at += (size_t)snprintf(msg + at, sizeof msg - at, "%s%lu", shown++ ? ", " : "", (unsigned long)k);
        snprintf(msg + at, sizeof msg - at, "%s); run their shards, or give --allow-missing",
                 missing > 8 ? ", ..." : "");
        rc = sweep_error(msg);
        goto done;
    }
    if (!t[0].jsonl) blis_buf_write(&b, t[0].text, t[0].header_len);
    for (k = 0; k < total; k++)
        if (row_of[k]) blis_buf_write(&b, row_of[k], len_of[k]);
    if (!out || !strcmp(out, "-"))
        rc = (b.len && fwrite(b.data, 1, b.len, stdout) != b.len) || fflush(stdout) ? EXIT_RUNTIME : 0;
    else
        rc = write_file_atomic(out, b.data ? b.data : "", b.len);
done:
    for (i = 0; i < n_in; i++) rtable_free(&t[i]);
    free((void *)row_of);
    free(len_of);
    blis_buf_free(&b);
    return rc;
}

/* ---- search: the highest rate within the SLOs, per configuration ---- */

#define SEARCH_MAX_REQUESTS 64000
/* A finer tolerance bisects below any difference a simulation can show. */
#define SEARCH_MIN_TOLERANCE 1e-6
/* Two sizes agreeing counts only from this size on: two short runs can
 * agree by chance, both flattered by what they absorb. */
#define SEARCH_MIN_SETTLED_REQUESTS 4000

static int parse_pos(const char *flag, const char *v, double def, double *out) {
    if (!v) {
        *out = def;
        return 0;
    }
    if (blis_parse_f64(v, strlen(v), BLIS_NUM_ALLOW_PLUS | BLIS_NUM_LOOSE_DOT, out) || !(*out > 0) || *out > 1e9)
        return flag_error(flag, "a number > 0", v);
    return 0;
}

/* search's --num-requests: auto (1,000) or the first run size N >= 20. */
static int parse_search_requests(const char *v, int64_t *out) {
    long long n = 0;
    char *end = NULL;
    *out = 1000;
    if (!v || !strcmp(v, "auto")) return 0;
    errno = 0;
    n = strtoll(v, &end, 10);
    if (errno || end == v || *end || n < 20 || n > SEARCH_MAX_REQUESTS)
        return flag_error("--num-requests",
                          "auto, or the first run size (20 to 64000; search doubles it until the "
                          "max rate settles)",
                          v);
    *out = n;
    return 0;
}

#define SEARCH_PRE       13
#define SEARCH_MAX_SEEDS 100
/* The columns search puts before the record, all null. */
static void search_pre_names(blis_run_field *pre) {
    static const char *const names[SEARCH_PRE] = {"verdict",
                                                  "max_rate",
                                                  "fail_rate",
                                                  "evaluations",
                                                  "saturated_at_fail_rate",
                                                  "max_achieved_responses_per_sec",
                                                  "binding",
                                                  "requests",
                                                  "settled",
                                                  "previous_max_rate",
                                                  "seeds",
                                                  "max_rate_median",
                                                  "max_rate_highest"};
    int k;
    memset(pre, 0, SEARCH_PRE * sizeof *pre);
    for (k = 0; k < SEARCH_PRE; k++) pre[k].name = names[k];
}
static int dbl_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct search_res {
    const char *verdict; /* "met", "unmeetable", "above-max" */
    double lo, hi, best_achieved;
    int evaluations, saturated;
    char binding[256]; /* what failed at hi: the objectives missed, "saturated", "too-short" */
} search_res;

static const char *rec_str(const blis_run_record *r, const char *name) {
    size_t k;
    for (k = 0; k < r->n; k++)
        if (!strcmp(r->f[k].name, name)) return r->f[k].kind == BLIS_RV_STR ? r->f[k].s : NULL;
    return NULL;
}

/* What kept a run from passing: the steady state when the run was not
 * steady, then every objective it missed ("ttft_p99,itl_mean"). */
static void search_binding(const blis_run_record *r, char *out, size_t size) {
    const char *steady = rec_str(r, "steady_state");
    size_t k, at = 0;
    out[0] = '\0';
    if (steady && strcmp(steady, "steady") != 0) at += (size_t)snprintf(out, size, "%s", steady);
    for (k = 0; k < r->n && at < size; k++) {
        size_t len = strlen(r->f[k].name);
        if (len > 4 && !strcmp(r->f[k].name + len - 4, "_met") && r->f[k].kind == BLIS_RV_BOOL && !r->f[k].i)
            at += (size_t)snprintf(out + at, size - at, "%s%.*s", at ? "," : "", (int)(len - 4), r->f[k].name);
    }
}

/* A run at rate with n requests; pass: the SLOs hold and the run reached
 * steady state (a saturated run fails whatever its SLOs say; one too short
 * to judge proves nothing). */
static int search_eval(const sweep_ctx *x, size_t point, double rate, int64_t n, int seed_index, blis_run_record *r,
                       int *pass, char *error, size_t size) {
    char arg[64], narg[64], sarg[64], num[BLIS_F64_BUF_MAX];
    const char *extra[3], *steady;
    int rc;
    blis_f64_format_go(rate, num);
    snprintf(arg, sizeof arg, "--rate=%s", num);
    snprintf(narg, sizeof narg, "--num-requests=%lld", (long long)n);
    snprintf(sarg, sizeof sarg, "--seed=%lld", (long long)x->seed_base + seed_index);
    extra[0] = arg;
    extra[1] = narg;
    extra[2] = sarg; /* with --seeds only: the point's own --seed was taken out as the base */
    rc = point_eval(x, point, extra, x->n_seeds > 1 ? 3 : 2, r, error, size);
    steady = rc ? NULL : rec_str(r, "steady_state");
    *pass = !rc && rec_pass(r) && steady && !strcmp(steady, "steady");
    return rc;
}

/* One search at n requests from rate_start: s, and the record at s.lo in
 * at_lo; nonzero (error filled) when a run failed. */
static int search_once(const sweep_ctx *x, size_t point, int64_t n, int seed_index, double rate_start, search_res *sr,
                       blis_run_record *at_lo_out, char *error, size_t error_size) {
    blis_run_record r, at_lo;
    search_res s;
    double rate = rate_start;
    int pass, have_lo = 0;
    memset(&s, 0, sizeof s);
    s.lo = s.hi = NAN;
#define SEARCH_EVAL(rt)                                                                       \
    do {                                                                                      \
        s.evaluations++;                                                                      \
        if (search_eval(x, point, rt, n, seed_index, &r, &pass, error, error_size)) return 1; \
        if (rec_num(&r, "responses_per_sec") > s.best_achieved || isnan(s.best_achieved))     \
            s.best_achieved = rec_num(&r, "responses_per_sec");                               \
    } while (0)
    SEARCH_EVAL(rate);
    if (pass) { /* up by doubling until a rate fails */
        s.lo = rate;
        blis_run_record_copy(&at_lo, &r);
        have_lo = 1;
        while (s.lo < x->rate_max) {
            rate = s.lo * 2 < x->rate_max ? s.lo * 2 : x->rate_max;
            SEARCH_EVAL(rate);
            if (!pass) {
                s.hi = rate;
                s.saturated = rec_num(&r, "responses_per_sec") < 0.9 * rate;
                search_binding(&r, s.binding, sizeof s.binding);
                break;
            }
            s.lo = rate;
            blis_run_record_copy(&at_lo, &r);
        }
    } else { /* down by halving (or to 90% of a saturated run's throughput) until one passes */
        s.hi = rate;
        s.saturated = rec_num(&r, "responses_per_sec") < 0.9 * rate;
        search_binding(&r, s.binding, sizeof s.binding);
        while (!have_lo) {
            double achieved = rec_num(&r, "responses_per_sec");
            rate = s.hi / 2;
            if (s.saturated && achieved * 0.9 < rate && achieved * 0.9 > 0) rate = achieved * 0.9;
            if (rate < x->rate_min) rate = x->rate_min;
            SEARCH_EVAL(rate);
            if (pass) {
                s.lo = rate;
                blis_run_record_copy(&at_lo, &r);
                have_lo = 1;
            } else {
                s.hi = rate;
                s.saturated = rec_num(&r, "responses_per_sec") < 0.9 * rate;
                search_binding(&r, s.binding, sizeof s.binding);
                if (rate <= x->rate_min) break;
            }
        }
    }
    if (!have_lo) {
        s.verdict = "unmeetable";
        r.n = 0;
        blis_run_record_fill(&at_lo, NULL, &x->slo, NAN, NULL);
    } else if (isnan(s.hi)) {
        s.verdict = "above-max";
    } else {
        while (s.hi / s.lo - 1 > x->tol) { /* bisection: lo passes, hi fails */
            rate = (s.lo + s.hi) / 2;
            if (rate <= s.lo || rate >= s.hi) break; /* the midpoint cannot move */
            SEARCH_EVAL(rate);
            if (pass) {
                s.lo = rate;
                blis_run_record_copy(&at_lo, &r);
            } else {
                s.hi = rate;
                s.saturated = rec_num(&r, "responses_per_sec") < 0.9 * rate;
                search_binding(&r, s.binding, sizeof s.binding);
            }
        }
        s.verdict = "met";
    }
#undef SEARCH_EVAL
    *sr = s;
    blis_run_record_copy(at_lo_out, &at_lo);
    return 0;
}

/* A configuration's search: at --num-requests requests (1,000), then twice
 * as many, until two sizes' max rates agree within the tolerance (and their
 * verdicts), or BLIS_SEARCH_MAX_REQUESTS: the answer then does not depend on
 * the run length. */
static int search_task(void *user, size_t point, blis_buf *row) {
    const sweep_ctx *x = (const sweep_ctx *)user;
    const char *values[BLIS_GRID_MAX_AXES];
    char key[PLAN_KEY_MAX], error[1200];
    blis_run_record at_lo;
    blis_run_field pre[SEARCH_PRE];
    search_res s, prev;
    int64_t n = x->search_requests, used = 0;
    int settled = 0, evaluations = 0, have_prev = 0, j;
    double best_achieved = NAN, seed_lo[SEARCH_MAX_SEEDS];
    memset(pre, 0, sizeof pre);
    memset(&prev, 0, sizeof prev);
    blis_grid_point_values(&x->grid, point, values);
    point_key(x, values, key, sizeof key);
    for (;;) {
        double start = have_prev && !isnan(prev.lo) ? prev.lo : x->rate_start;
        if (start < x->rate_min) start = x->rate_min;
        if (search_once(x, point, n, 0, start, &s, &at_lo, error, sizeof error)) goto failed;
        evaluations += s.evaluations;
        if (isnan(best_achieved) || s.best_achieved > best_achieved) best_achieved = s.best_achieved;
        used = n;
        if (have_prev && n >= SEARCH_MIN_SETTLED_REQUESTS && !strcmp(s.verdict, prev.verdict) &&
            (strcmp(s.verdict, "met") != 0 || fabs(s.lo - prev.lo) <= x->tol * s.lo)) {
            settled = 1;
            break;
        }
        if (n * 2 > SEARCH_MAX_REQUESTS) break;
        prev = s;
        have_prev = 1;
        n *= 2;
    }
    /* --seeds K: the same search at the settled size for each further seed; the answer is the lowest max rate
     * (every seed's runs prove it), with the median and the highest beside it */
    seed_lo[0] = isnan(s.lo) ? -INFINITY : s.lo;
    for (j = 1; j < x->n_seeds; j++) {
        search_res sj;
        blis_run_record rec;
        double start = isnan(s.lo) ? x->rate_start : s.lo;
        if (start < x->rate_min) start = x->rate_min;
        if (search_once(x, point, used, j, start, &sj, &rec, error, sizeof error)) goto failed;
        evaluations += sj.evaluations;
        if (sj.best_achieved > best_achieved) best_achieved = sj.best_achieved;
        seed_lo[j] = isnan(sj.lo) ? -INFINITY : sj.lo;
        if (seed_lo[j] < (isnan(s.lo) ? -INFINITY : s.lo)) {
            s = sj;
            blis_run_record_copy(&at_lo, &rec);
        }
    }
    search_pre_names(pre);
    pre[10].kind = BLIS_RV_I64, pre[10].i = x->n_seeds > 1 ? x->n_seeds : 1;
    if (x->n_seeds > 1) {
        qsort(seed_lo, (size_t)x->n_seeds, sizeof seed_lo[0], dbl_cmp);
        pre[11].f =
            x->n_seeds % 2 ? seed_lo[x->n_seeds / 2] : (seed_lo[x->n_seeds / 2 - 1] + seed_lo[x->n_seeds / 2]) / 2;
        pre[12].f = seed_lo[x->n_seeds - 1];
        pre[11].kind = isfinite(pre[11].f) ? BLIS_RV_F64 : BLIS_RV_NULL; /* null: unmeetable at that seed */
        pre[12].kind = isfinite(pre[12].f) ? BLIS_RV_F64 : BLIS_RV_NULL;
    }
    pre[0].kind = BLIS_RV_STR, pre[0].s = s.verdict;
    pre[1].kind = isnan(s.lo) ? BLIS_RV_NULL : BLIS_RV_F64, pre[1].f = s.lo;
    pre[2].kind = isnan(s.hi) ? BLIS_RV_NULL : BLIS_RV_F64, pre[2].f = s.hi;
    pre[3].kind = BLIS_RV_I64, pre[3].i = evaluations;
    pre[4].kind = isnan(s.hi) ? BLIS_RV_NULL : BLIS_RV_BOOL, pre[4].i = s.saturated;
    pre[5].kind = BLIS_RV_F64, pre[5].f = best_achieved;
    pre[6].kind = s.binding[0] ? BLIS_RV_STR : BLIS_RV_NULL, pre[6].s = s.binding;
    pre[7].kind = BLIS_RV_I64, pre[7].i = used;
    pre[8].kind = BLIS_RV_BOOL, pre[8].i = settled;
    pre[9].kind = have_prev && !isnan(prev.lo) ? BLIS_RV_F64 : BLIS_RV_NULL, pre[9].f = prev.lo;
    row_write(x, point, key, "ok", NULL, values, pre, SEARCH_PRE, &at_lo, row);
    return 0;
failed:
    search_pre_names(pre);
    error_row(x, point, error, pre, SEARCH_PRE, row);
    return 1;
}

static void search_failed(void *user, size_t point, const char *why, blis_buf *row) {
    blis_run_field pre[SEARCH_PRE];
    search_pre_names(pre);
    error_row((const sweep_ctx *)user, point, why, pre, SEARCH_PRE, row);
}

typedef struct search_emit {
    sweep_ctx *x;
    FILE *f;       /* rows (NULL: none) */
    blis_buf rows; /* every row as JSON Lines, for the summary */
    int jsonl_file;
} search_emit;

static int search_emit_row(void *user, size_t k, const char *row, size_t len, int is_error) {
    search_emit *e = (search_emit *)user;
    (void)k;
    (void)is_error;
    blis_buf_write(&e->rows, row, len);
    if (!e->f || (fwrite(row, 1, len, e->f) == len && fflush(e->f) == 0)) return 0;
    fprintf(stderr, "%s: error: cannot write: %s\n", e->x->out ? e->x->out : "the output", strerror(errno));
    return -1;
}

/* The human summary: one line per configuration, then the cheapest one
 * serving --target-rate (checked by a run at that rate). */
static int search_summary(sweep_ctx *x, const char *rows, size_t len, int quiet) {
    size_t at = 0, best = (size_t)-1;
    double best_cost = INFINITY, best_gpus = INFINITY;
    int64_t best_requests = x->search_requests;
    char best_key[PLAN_KEY_MAX] = "";
    size_t n = 0, errors = 0;
    blis_buf unpriced; /* configurations reaching the target with no price: listed, never dropped */
    memset(&unpriced, 0, sizeof unpriced);
    while (at < len) {
        const char *nl = (const char *)memchr(rows + at, '\n', len - at);
        size_t ll = nl ? (size_t)(nl - (rows + at)) : len - at;
        blis_doc d;
        blis_err err;
        const blis_node *root;
        const char *key = "", *verdict = "", *status = "", *error = "", *arrival = "", *binding = "";
        const char *gpu = "", *fitted = "";
        int64_t requests = 0;
        int settled = 1, transferred = 0;
        double prev_lo = NAN;
        double lo = NAN, hi = NAN, tpg = NAN, cost = NAN, usdh = NAN, gpus = NAN, pt = NAN, median = NAN, highest = NAN;
        int64_t seeds = 1;
        int ev = 0;
        if (blis_json_parse(rows + at, ll, NULL, &d, &err)) return EXIT_RUNTIME;
        root = blis_doc_root(&d);
        blis_doc_get_str(&d, root, "key", &key, &err);
        blis_doc_get_str(&d, root, "status", &status, &err);
        blis_doc_get_str(&d, root, "error", &error, &err);
        blis_doc_get_str(&d, root, "verdict", &verdict, &err);
        blis_doc_get_str(&d, root, "arrival", &arrival, &err);
        blis_doc_get_str(&d, root, "binding", &binding, &err);
        blis_doc_get_str(&d, root, "hardware", &gpu, &err);
        blis_doc_get_str(&d, root, "calibrated_on", &fitted, &err);
        blis_doc_get_bool(&d, root, "calibration_transferred", &transferred, &err);
        blis_doc_get_i64(&d, root, "requests", &requests, &err);
        blis_doc_get_bool(&d, root, "settled", &settled, &err);
        blis_doc_get_f64(&d, root, "previous_max_rate", &prev_lo, &err);
        blis_doc_get_f64(&d, root, "max_rate", &lo, &err);
        blis_doc_get_f64(&d, root, "fail_rate", &hi, &err);
        blis_doc_get_f64(&d, root, "tokens_per_sec_per_gpu", &tpg, &err);
        blis_doc_get_f64(&d, root, "usd_per_million_output_tokens", &cost, &err);
        blis_doc_get_f64(&d, root, "usd_per_hour", &usdh, &err);
        blis_doc_get_f64(&d, root, "gpus", &gpus, &err);
        blis_doc_get_f64(&d, root, "point", &pt, &err);
        blis_doc_get_i64(&d, root, "seeds", &seeds, &err);
        blis_doc_get_f64(&d, root, "max_rate_median", &median, &err);
        blis_doc_get_f64(&d, root, "max_rate_highest", &highest, &err);
        {
            int64_t e = 0;
            blis_doc_get_i64(&d, root, "evaluations", &e, &err);
            ev = (int)e;
        }
        if (!*key) key = "(one configuration)";
        if (!strcmp(status, "error")) {
            printf("%s: error: %s\n", key, error);
            errors++;
        } else if (arrival && *arrival)
            printf("%s (%s arrivals): ", key, arrival);
        else
            printf("%s: ", key);
        if (!strcmp(status, "error"))
            ;
        else if (!strcmp(verdict, "unmeetable"))
            printf("the SLOs cannot be met at any rate (they fail at --rate-min %g req/s; %d runs)\n", x->rate_min, ev);
        else if (!strcmp(verdict, "above-max"))
            printf("the SLOs hold up to --rate-max %g req/s (%d runs)\n", lo, ev);
        else if (seeds > 1) {
            printf("max rate %.4g req/s within the SLOs at every one of %lld seeds (the lowest; median %.4g, highest "
                   "%.4g; %d runs of %lld requests)",
                   lo, (long long)seeds, median, highest, ev, (long long)requests);
            if (binding && *binding) printf("; limited by %s", binding);
            if (isfinite(tpg)) printf("; %.1f tok/s per GPU", tpg);
            if (isfinite(cost)) printf("; $%.3f per million output tokens", cost);
            putchar('\n');
        } else {
            printf("max rate %.4g req/s within the SLOs (proved: %.6g passes, %.6g fails; %d runs of %lld requests)",
                   lo, lo, hi, ev, (long long)requests);
            if (binding && *binding) printf("; limited by %s", binding);
            if (isfinite(tpg)) printf("; %.1f tok/s per GPU", tpg);
            if (isfinite(cost)) printf("; $%.3f per million output tokens", cost);
            putchar('\n');
        }
        if (!strcmp(status, "ok") && !settled)
            printf("  warning: the max rate did not settle within %d requests (it moved from %.4g to %.4g req/s at "
                   "the last doubling): treat it as approximate\n",
                   SEARCH_MAX_REQUESTS, prev_lo, lo);
        if (!strcmp(status, "ok") && transferred)
            printf("  note: no vLLM measurements on %s: its step times use constants fitted on %s over %s's "
                   "datasheet (unvalidated)\n",
                   gpu, fitted, gpu);
        if (x->target > 0 && !strcmp(status, "ok") && lo >= x->target) {
            double total = isfinite(usdh) ? usdh : INFINITY;
            if (!isfinite(usdh)) {
                char line[2200];
                int w = snprintf(line, sizeof line,
                                 "  %s (%g GPUs): no price known (give --gpu-prices FILE or "
                                 "--gpu-hourly-usd N to compare it)\n",
                                 key, gpus);
                blis_buf_write(&unpriced, line, w > 0 && (size_t)w < sizeof line ? (size_t)w : sizeof line - 1);
            }
            if (total < best_cost || (total == best_cost && gpus < best_gpus)) {
                int64_t used = 0;
                if (!blis_doc_get_i64(&d, root, "requests", &used, &err) && used > 0) best_requests = used;
                best_cost = total;
                best_gpus = gpus;
                best = (size_t)pt;
                snprintf(best_key, sizeof best_key, "%s", key);
            }
        }
        blis_doc_free(&d);
        n++;
        at += ll + 1;
    }
    if (x->target > 0) {
        /* the cheapest by $/hour (or by GPUs without prices), checked at the target rate */
        blis_run_record r;
        char error[1200];
        int pass = 0;
        if (best == (size_t)-1) {
            printf("no configuration in the grid serves %g req/s within the SLOs\n", x->target);
            blis_buf_free(&unpriced);
            return fflush(stdout) ? EXIT_RUNTIME : errors == n && n ? EXIT_USAGE : 0;
        }
        {
            int saved = dup(2), devnull = open("/dev/null", O_WRONLY);
            if (devnull >= 0) dup2(devnull, 2);
            search_eval(x, best, x->target, best_requests, 0, &r, &pass, error, sizeof error);
            if (saved >= 0) dup2(saved, 2), close(saved);
            if (devnull >= 0) close(devnull);
        }
        if (isfinite(best_cost))
            printf("cheapest configuration serving %g req/s within the SLOs: %s (%g GPUs, $%.2f/hour)", x->target,
                   best_key, best_gpus, best_cost);
        else
            printf("smallest configuration serving %g req/s within the SLOs: %s (%g GPUs; no GPU price known)",
                   x->target, best_key, best_gpus);
        printf("; a run at %g req/s %s\n", x->target, pass ? "meets them" : "does NOT meet them (see its row)");
        if (unpriced.len && isfinite(best_cost)) {
            printf("also serving %g req/s within the SLOs, not compared on cost:\n", x->target);
            fwrite(unpriced.data, 1, unpriced.len, stdout);
        }
    }
    blis_buf_free(&unpriced);
    (void)quiet;
    if (n && errors == n) { /* nothing was searched: as sweep, an input error */
        fprintf(stderr, "search: error: every configuration failed (%lu of %lu); see the errors above\n",
                (unsigned long)errors, (unsigned long)n);
        return fflush(stdout) ? EXIT_RUNTIME : EXIT_USAGE;
    }
    return fflush(stdout) ? EXIT_RUNTIME : 0;
}

static int cmd_search_pareto(const plan_opts *o, int argc_files, char **files);

/* --seeds K (1-100): the point's --seed (default 42) becomes the first of
 * K consecutive seeds, taken out of the fixed flags; a seed axis is an
 * error (the seeds are the axis). */
static int search_seeds_setup(sweep_ctx *x, const char *v) {
    size_t k;
    int rc;
    x->n_seeds = 1;
    x->seed_base = 42;
    if (!v) return 0;
    if ((rc = parse_int_in("--seeds", v, 1, SEARCH_MAX_SEEDS, &x->n_seeds))) return rc;
    if (x->n_seeds == 1) return 0;
    for (k = 0; k < x->grid.n_axes; k++)
        if (!strcmp(x->axis_flag[k], "--seed"))
            return sweep_error("--seeds repeats the search at consecutive seeds from --seed: give one --seed (the "
                               "first), not a seed axis");
    for (k = 0; k < x->n_fixed; k++)
        if (!strncmp(x->fixed_buf[k], "--seed=", 7)) {
            const char *s = x->fixed_buf[k] + 7;
            int64_t b = 0;
            if (blis_parse_i64(s, strlen(s), BLIS_NUM_ALLOW_PLUS, &b) != BLIS_OK || b > INT64_MAX - SEARCH_MAX_SEEDS)
                return flag_error("--seed", "a whole number (the first of --seeds' seeds)", s);
            x->seed_base = b;
            free(x->fixed_buf[k]);
            memmove(&x->fixed_buf[k], &x->fixed_buf[k + 1], (x->n_fixed - k - 1) * sizeof x->fixed_buf[0]);
            x->n_fixed--;
            k--;
        }
    return 0;
}

int cmd_search(int argc, char **argv, const char *argv0) {
    sweep_ctx x;
    plan_opts o;
    plan_out po;
    search_emit es;
    pool pl;
    blis_buf header;
    blis_run_field pre[SEARCH_PRE];
    int rc;
    if (argc > 0 && !strcmp(argv[0], "pareto")) {
        memset(&o, 0, sizeof o);
        return cmd_search_pareto(&o, argc - 1, argv + 1);
    }
    memset(&po, 0, sizeof po);
    memset(&es, 0, sizeof es);
    memset(&header, 0, sizeof header);
    memset(pre, 0, sizeof pre);
    if ((rc = plan_begin(argc, argv, argv0, &x, &o, 1))) goto done;
    if ((rc = parse_pos("--rate-start", o.rate_start, 1, &x.rate_start)) ||
        (rc = parse_pos("--rate-min", o.rate_min, 0.01, &x.rate_min)) ||
        (rc = parse_pos("--rate-max", o.rate_max, 10000, &x.rate_max)) ||
        (rc = parse_pos("--tolerance", o.tol, 0.02, &x.tol)) ||
        (x.tol < SEARCH_MIN_TOLERANCE && (rc = flag_error("--tolerance", "at least 1e-6", o.tol))) ||
        (rc = parse_pos("--target-rate", o.target, -1, &x.target)) ||
        (rc = parse_search_requests(o.search_requests, &x.search_requests)))
        goto done;
    if (x.rate_min > x.rate_max || x.rate_start < x.rate_min || x.rate_start > x.rate_max) {
        rc = sweep_error("expected --rate-min <= --rate-start <= --rate-max");
        goto done;
    }
    if ((rc = format_from(o.format, o.out, &x.jsonl)) || (rc = sweep_finish_setup(&x, o.grid, 1)) ||
        (rc = search_seeds_setup(&x, o.seeds)))
        goto done;
    plan_digest(&x, "search");
    if (!x.slo.n) {
        rc = sweep_error("search needs SLOs: --slo ttft_p99<500ms,itl_p99<50ms (or slo: in the grid file)");
        goto done;
    }
    es.x = &x;
    x.out = o.out;
    if (o.out) {
        search_pre_names(pre);
        if (!x.jsonl) csv_header(&x, pre, SEARCH_PRE, &header);
        if ((rc = plan_open(&x, &o, header.data, &po, "search"))) goto done;
        es.f = po.f;
    } else if ((rc = shard_ids(&x, &o, &po))) {
        goto done;
    }
    {
        int file_jsonl = x.jsonl;
        pool_setup(&pl, &po, &o, "configurations", &x, search_task, search_failed, search_emit_row, &es);
        if (!o.out || file_jsonl) { /* the summary reads JSON Lines: without a CSV file, produce them */
            x.jsonl = 1;
            rc = pool_run(&pl);
            if (!rc) rc = search_summary(&x, es.rows.data ? es.rows.data : "", es.rows.len, o.quiet);
        } else { /* CSV file: rows run once for the file, the summary from a JSON copy of each */
            rc = pool_run(&pl);
            if (!rc) {
                rtable t;
                if (!(rc = rtable_read(po.partial, &t))) {
                    size_t k, c;
                    blis_buf js;
                    memset(&js, 0, sizeof js);
                    for (k = 0; k < t.n; k++) {
                        blis_jw w;
                        blis_jw_init(&w, blis_buf_write, &js, 0);
                        blis_jw_object_begin(&w);
                        for (c = 0; c < t.cols; c++) {
                            const char *v = rtable_get(&t, k, (long)c);
                            double num;
                            blis_jw_key(&w, t.names[c]);
                            if (!v)
                                blis_jw_null(&w);
                            else if (!blis_parse_f64(v, strlen(v), 0, &num))
                                blis_jw_f64(&w, num);
                            else
                                blis_jw_str(&w, v);
                        }
                        blis_jw_object_end(&w);
                        blis_buf_write(&js, "\n", 1);
                    }
                    rc = search_summary(&x, js.data ? js.data : "", js.len, o.quiet);
                    blis_buf_free(&js);
                    rtable_free(&t);
                }
            }
        }
    }
    if (o.out) {
        rc = plan_close(&po, o.out, rc);
        po.f = NULL;
    } else {
        free(po.ids);
    }
    po.ids = NULL;
done:
    if (po.f || po.ids) plan_close(&po, o.out, rc ? rc : EXIT_RUNTIME); /* the ids too, when open failed */
    blis_buf_free(&es.rows);
    blis_buf_free(&header);
    sweep_ctx_free(&x);
    return rc;
}

/* search pareto FILE...: the rows of a sweep on the front of throughput
 * per GPU against per-user speed (rows failing their SLOs left out). */
static int cmd_search_pareto(const plan_opts *o, int argc, char **argv) {
    rtable t;
    const char *out = NULL, *file = NULL;
    int i, rc;
    (void)o;
    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else if (!strncmp(argv[i], "--", 2) || file)
            return usage_error("search pareto takes one sweep output file (and --out PATH)", argv[i]);
        else
            file = argv[i];
    }
    if (!file) return usage_error("search pareto needs a sweep output file", NULL);
    if ((rc = rtable_read(file, &t))) return rc;
    {
        long cx = rtable_col(&t, "tokens_per_sec_per_user"), cy = rtable_col(&t, "tokens_per_sec_per_gpu"),
             cs = rtable_col(&t, "status"), cp = rtable_col(&t, "slo_pass");
        double *x = (double *)calloc(t.n + 1, sizeof *x), *y = (double *)calloc(t.n + 1, sizeof *y);
        unsigned char *front = (unsigned char *)calloc(t.n + 1, 1);
        blis_buf b;
        blis_err err;
        size_t k;
        memset(&b, 0, sizeof b);
        if (!x || !y || !front || cx < 0 || cy < 0) {
            rc = cx < 0 || cy < 0
                     ? sweep_error("the file has no tokens_per_sec_per_user / tokens_per_sec_per_gpu columns")
                     : EXIT_RUNTIME;
        } else {
            for (k = 0; k < t.n; k++) {
                const char *st = rtable_get(&t, k, cs), *pass = rtable_get(&t, k, cp);
                int ok = (!st || !strcmp(st, "ok")) && (cp < 0 || (pass && !strcmp(pass, "true")));
                x[k] = ok ? rtable_num(&t, k, cx) : NAN;
                y[k] = ok ? rtable_num(&t, k, cy) : NAN;
            }
            blis_pareto(x, y, t.n, front, &err);
            if (!t.jsonl) blis_buf_write(&b, t.text, t.header_len);
            for (k = 0; k < t.n; k++)
                if (front[k]) blis_buf_write(&b, t.line[k], t.line_len[k]);
            if (!out || !strcmp(out, "-"))
                rc = (b.len && fwrite(b.data, 1, b.len, stdout) != b.len) || fflush(stdout) ? EXIT_RUNTIME : 0;
            else
                rc = write_file_atomic(out, b.data ? b.data : "", b.len);
        }
        blis_buf_free(&b);
        free(x);
        free(y);
        free(front);
    }
    rtable_free(&t);
    return rc;
}

/* ---- plot ---- */

typedef struct plot_group {
    char key[PLAN_KEY_MAX];
    double *x, *y[3];
    unsigned char *pass, *steady; /* per point: meets the SLOs; the server kept up (steady state) */
    size_t n;
} plot_group;

/* The lines a sweep chart draws at most (one per configuration). */
#define PLOT_MAX_GROUPS 64

typedef struct plot_order {
    double x;
    size_t at; /* the point's place in the file: equal x keep it */
} plot_order;

static int plot_order_cmp(const void *a, const void *b) {
    const plot_order *p = (const plot_order *)a, *q = (const plot_order *)b;
    if (p->x != q->x) return p->x < q->x ? -1 : 1;
    return p->at < q->at ? -1 : p->at > q->at;
}

/* A line's points by x ascending (O(n log n)); 0, or EXIT_RUNTIME. */
static int plot_group_sort(plot_group *g) {
    plot_order *o = (plot_order *)calloc(g->n + 1, sizeof *o);
    double *tmp = (double *)calloc(g->n + 1, sizeof *tmp);
    unsigned char *u = (unsigned char *)calloc(g->n + 1, 1);
    size_t k, m;
    if (!o || !tmp || !u) {
        free(o);
        free(tmp);
        free(u);
        return EXIT_RUNTIME;
    }
    for (k = 0; k < g->n; k++) o[k].x = g->x[k], o[k].at = k;
    qsort(o, g->n, sizeof *o, plot_order_cmp);
    for (m = 0; m < 4; m++) {
        double *v = m == 0 ? g->x : g->y[m - 1];
        for (k = 0; k < g->n; k++) tmp[k] = v[o[k].at];
        memcpy(v, tmp, g->n * sizeof *tmp);
    }
    for (m = 0; m < 2; m++) {
        unsigned char *v = m == 0 ? g->pass : g->steady;
        for (k = 0; k < g->n; k++) u[k] = v[o[k].at];
        memcpy(v, u, g->n);
    }
    free(o);
    free(tmp);
    free(u);
    return 0;
}

/* A row meets the SLOs: those given to plot, checked on the row's
 * columns (an objective "ttft_p99" reads "ttft_p99_ms"); else the sweep's
 * own verdict (slo_pass); without any SLO, every row. */
static int plot_row_passes(const rtable *t, size_t row, const blis_slo_set *slo, int slo_from_plot) {
    size_t k;
    if (!slo->n) return 1;
    if (!slo_from_plot) {
        const char *v = rtable_get(t, row, rtable_col(t, "slo_pass"));
        return v && !strcmp(v, "true");
    }
    for (k = 0; k < slo->n; k++) {
        char col[96];
        double v;
        snprintf(col, sizeof col, "%s_ms", slo->slo[k].name);
        v = rtable_num(t, row, rtable_col(t, col));
        if (!(slo->slo[k].inclusive ? v <= slo->slo[k].limit_ms : v < slo->slo[k].limit_ms)) return 0;
    }
    return 1;
}

/* The server kept up at this row: its steady_state, or (a sweep from
 * before steady state was reported) its throughput within 10% of the
 * offered rate. One definition for every chart's knee. */
static int plot_row_steady(const rtable *t, size_t row, double rate) {
    const char *st = rtable_get(t, row, rtable_col(t, "steady_state"));
    if (rtable_col(t, "steady_state") >= 0) return st && !strcmp(st, "steady");
    return rtable_num(t, row, rtable_col(t, "responses_per_sec")) >= 0.9 * rate;
}

/* "model M · H100 · TP 1, 2 · 1 instance · distribution · poisson arrivals":
 * the values of the rows (several joined, more than 3 counted). */
static void plot_subtitle(const rtable *t, char *out, size_t size) {
    static const char *const cols[6] = {"model", "hardware", "tp", "num_instances", "workload", "arrival"};
    static const char *const pre[6] = {"", "", "TP ", "", "", ""};
    size_t at = 0, c, r, j;
    out[0] = '\0';
    for (c = 0; c < 6 && at < size; c++) {
        const char *seen[4];
        size_t n = 0;
        long col = rtable_col(t, cols[c]);
        if (col < 0) continue;
        for (r = 0; r < t->n; r++) {
            const char *v = rtable_get(t, r, col);
            if (!v || !*v) continue;
            for (j = 0; j < n && j < 4 && strcmp(seen[j], v) != 0; j++) {
            }
            if (j == n && n < 4) seen[n++] = v;
        }
        if (!n) continue;
        at += (size_t)snprintf(out + at, size - at, "%s%s", at ? " \xc2\xb7 " : "", pre[c]);
        for (j = 0; j < n && j < 3 && at < size; j++)
            at += (size_t)snprintf(out + at, size - at, "%s%s", j ? ", " : "", seen[j]);
        if (n > 3 && at < size) at += (size_t)snprintf(out + at, size - at, ", ...");
        if (c == 3 && at < size)
            at += (size_t)snprintf(out + at, size - at, " instance%s", n == 1 && !strcmp(seen[0], "1") ? "" : "s");
        if (c == 5 && at < size) at += (size_t)snprintf(out + at, size - at, " arrivals");
    }
    if (at >= size && size > 4) memcpy(out + size - 4, "...", 4);
}

/* The key less its x axis ("hardware=H100 tp=1 rate=2" -> "hardware=H100 tp=1"). */
static void key_without(const char *key, const char *axis, char *out, size_t size) {
    const char *p = key;
    size_t at = 0, alen = strlen(axis);
    out[0] = '\0';
    while (*p) {
        const char *sp = strchr(p, ' ');
        size_t len = sp ? (size_t)(sp - p) : strlen(p);
        if (!(len > alen && !strncmp(p, axis, alen) && p[alen] == '=')) {
            int w = snprintf(out + at, at < size ? size - at : 0, "%s%.*s", at ? " " : "", (int)len, p);
            if (w > 0) at += (size_t)w;
            if (at >= size) at = size - 1;
        }
        p += len;
        while (*p == ' ') p++;
    }
}

static int write_svg(const char *out, const blis_chart *c) {
    blis_buf b;
    blis_err err;
    int rc;
    memset(&b, 0, sizeof b);
    if (blis_svg_chart(c, blis_buf_write, &b, &err)) {
        blis_buf_free(&b);
        return sweep_error(err.msg);
    }
    if (!out || !strcmp(out, "-"))
        rc = fwrite(b.data, 1, b.len, stdout) != b.len || fflush(stdout) ? EXIT_RUNTIME : 0;
    else
        rc = write_file_atomic(out, b.data, b.len);
    blis_buf_free(&b);
    return rc;
}

static const char *metric_title(const char *m) {
    return !strcmp(m, "ttft") ? "TTFT" : !strcmp(m, "itl") ? "ITL" : "E2E latency";
}

/* plot latency|throughput|pareto FILE, plot cdf RESULTS.json */
/* What a sweep chart is drawn from (plot's flags), and where it goes:
 * svg (appended) when set, else the file out (stdout for NULL or "-"). */
typedef struct plot_args {
    const char *kind, *file, *out, *metric, *slo_text, *title, *x_axis;
    double min_user;
    int y_scale; /* -1 linear, 1 log, 0 automatic */
    blis_buf *svg;
} plot_args;

static int plot_emit(const plot_args *pa, const blis_chart *c) {
    blis_err err;
    if (!pa->svg) return write_svg(pa->out, c);
    if (blis_svg_chart(c, blis_buf_write, pa->svg, &err)) return sweep_error(err.msg);
    return 0;
}

/* A latency, throughput or Pareto chart of a sweep's rows. */
static int plot_sweep(const rtable *tp, const plot_args *pa) {
    const rtable t = *tp;
    const char *kind = pa->kind, *file = pa->file, *metric = pa->metric, *slo_text = pa->slo_text, *title = pa->title,
               *x_axis = pa->x_axis;
    double min_user = pa->min_user;
    int y_scale = pa->y_scale, rc = 0;
    {
        long ck = rtable_col(&t, "key"), cs = rtable_col(&t, "status"), cx = rtable_col(&t, x_axis),
             cy[3] = {-1, -1, -1};
        plot_group *g = (plot_group *)calloc(PLOT_MAX_GROUPS, sizeof *g);
        size_t *row_group = (size_t *)calloc(t.n + 1, sizeof *row_group); /* each row's line; (size_t)-1: none */
        size_t ng = 0, k, j;
        blis_chart_series *se = NULL;
        blis_chart c;
        char names[3][64], title_buf[256], ylab[128], hl[128], mark[256], subtitle[512];
        blis_slo_set slo;
        blis_err err;
        memset(&c, 0, sizeof c);
        memset(&slo, 0, sizeof slo);
        if (!g || !row_group) {
            free(g);
            free(row_group);
            return EXIT_RUNTIME;
        }
        if (!strcmp(kind, "pareto")) {
            cx = rtable_col(&t, "tokens_per_sec_per_user");
            cy[0] = rtable_col(&t, "tokens_per_sec_per_gpu");
        } else if (!strcmp(kind, "throughput")) { /* the steady window's, where the sweep has it */
            cy[0] = rtable_col(&t, "steady_responses_per_sec");
            if (cy[0] < 0) cy[0] = rtable_col(&t, "responses_per_sec");
        } else {
            for (j = 0; j < 3; j++) {
                snprintf(names[j], sizeof names[j], "%s_%s_ms", metric, j == 0 ? "mean" : j == 1 ? "p90" : "p99");
                cy[j] = rtable_col(&t, names[j]);
            }
        }
        if (cx < 0 || cy[0] < 0) {
            char msg[300];
            snprintf(msg, sizeof msg, "%s: not a sweep output with the columns this plot needs (%s)", file,
                     !strcmp(kind, "pareto") ? "tokens_per_sec_per_user, tokens_per_sec_per_gpu" : x_axis);
            free(g);
            free(row_group);
            return sweep_error(msg);
        }
        int slo_from_plot = slo_text != NULL;
        if (!slo_text) { /* the sweep's own SLO */
            long cslo = rtable_col(&t, "slo");
            for (k = 0; k < t.n && !slo_text; k++) slo_text = rtable_get(&t, k, cslo);
        }
        if (slo_text && blis_slo_parse(slo_text, &slo, &err)) {
            char msg[BLIS_ERR_MSG_MAX + 16];
            free(g);
            free(row_group);
            snprintf(msg, sizeof msg, "--slo: %s", err.msg);
            return sweep_error(msg);
        }
        for (k = 0; k < t.n; k++) { /* group rows by configuration (one line each), counting each's rows */
            char gk[PLAN_KEY_MAX];
            const char *st = rtable_get(&t, k, cs);
            row_group[k] = (size_t)-1;
            if (st && strcmp(st, "ok") != 0) continue;
            if (!strcmp(kind, "pareto"))
                snprintf(gk, sizeof gk, "all");
            else
                key_without(ck >= 0 && rtable_get(&t, k, ck) ? rtable_get(&t, k, ck) : "", x_axis, gk, sizeof gk);
            if (!gk[0]) snprintf(gk, sizeof gk, "all");
            for (j = 0; j < ng && strcmp(g[j].key, gk) != 0; j++) {
            }
            if (j == ng && ng == PLOT_MAX_GROUPS) {
                char msg[600];
                snprintf(msg, sizeof msg,
                         "%s: more than %d configurations (one line each; the chart would be unreadable): plot the "
                         "rows of fewer configurations, or put the axis that differs on --x",
                         file, PLOT_MAX_GROUPS);
                rc = sweep_error(msg);
                break;
            }
            if (j == ng) snprintf(g[ng++].key, sizeof g[0].key, "%s", gk);
            row_group[k] = j;
            g[j].n++;
        }
        for (j = 0; !rc && j < ng; j++) { /* each line's arrays, its own size */
            size_t m = g[j].n + 1;
            g[j].x = (double *)calloc(m, sizeof(double));
            g[j].y[0] = (double *)calloc(m, sizeof(double));
            g[j].y[1] = (double *)calloc(m, sizeof(double));
            g[j].y[2] = (double *)calloc(m, sizeof(double));
            g[j].pass = (unsigned char *)calloc(m, 1);
            g[j].steady = (unsigned char *)calloc(m, 1);
            if (!g[j].x || !g[j].y[0] || !g[j].y[1] || !g[j].y[2] || !g[j].pass || !g[j].steady) rc = EXIT_RUNTIME;
            g[j].n = 0;
        }
        for (k = 0; !rc && k < t.n; k++) {
            if ((j = row_group[k]) >= ng || !g[j].x) continue; /* (size_t)-1: a row not drawn */
            g[j].x[g[j].n] = rtable_num(&t, k, cx);
            g[j].y[0][g[j].n] = rtable_num(&t, k, cy[0]);
            g[j].y[1][g[j].n] = !strcmp(kind, "latency") ? rtable_num(&t, k, cy[1]) : NAN;
            g[j].y[2][g[j].n] = !strcmp(kind, "latency") ? rtable_num(&t, k, cy[2]) : NAN;
            g[j].pass[g[j].n] = (unsigned char)plot_row_passes(&t, k, &slo, slo_from_plot);
            g[j].steady[g[j].n] = (unsigned char)plot_row_steady(&t, k, rtable_num(&t, k, cx));
            g[j].n++;
        }
        for (j = 0; !rc && j < ng; j++) rc = plot_group_sort(&g[j]); /* x ascending, equal x in file order */
        if (!rc && ng == 0) rc = sweep_error("no successful row to plot");
        if (!rc) {
            size_t ns = 0;
            se = (blis_chart_series *)calloc(3 * ng + 2, sizeof *se);
            if (!se) rc = EXIT_RUNTIME;
            for (j = 0; se && j < ng; j++) {
                if (!strcmp(kind, "latency") && ng == 1) {
                    for (k = 0; k < 3; k++) {
                        se[ns].x = g[j].x, se[ns].y = g[j].y[k], se[ns].n = g[j].n, se[ns].markers = 2;
                        se[ns].label = k == 0 ? "mean" : k == 1 ? "p90" : "p99";
                        ns++;
                    }
                } else if (!strcmp(kind, "latency")) {
                    se[ns].x = g[j].x, se[ns].y = g[j].y[2], se[ns].n = g[j].n, se[ns].markers = 2;
                    se[ns].label = g[j].key;
                    ns++;
                } else if (!strcmp(kind, "throughput")) {
                    se[ns].x = g[j].x, se[ns].y = g[j].y[0], se[ns].n = g[j].n, se[ns].markers = 2;
                    se[ns].label = ng == 1 ? "achieved" : g[j].key;
                    ns++;
                } else { /* pareto: every point, then the front */
                    unsigned char *front = (unsigned char *)calloc(g[j].n + 1, 1);
                    size_t best = (size_t)-1, f = 0;
                    se[ns].x = g[j].x, se[ns].y = g[j].y[0], se[ns].n = g[j].n, se[ns].markers = 1;
                    se[ns].label = "sweep points";
                    ns++;
                    if (!front) {
                        rc = EXIT_RUNTIME;
                        break;
                    }
                    { /* the front of the rows meeting the SLOs: a failing row is never on it, nor chosen */
                        double *px = (double *)calloc(g[j].n + 1, sizeof(double)),
                               *py = (double *)calloc(g[j].n + 1, sizeof(double));
                        unsigned char *pf = (unsigned char *)calloc(g[j].n + 1, 1);
                        size_t np = 0, q = 0;
                        if (!px || !py || !pf) {
                            free(px), free(py), free(pf), free(front);
                            rc = EXIT_RUNTIME;
                            break;
                        }
                        for (k = 0; k < g[j].n; k++)
                            if (g[j].pass[k]) px[np] = g[j].x[k], py[np] = g[j].y[0][k], np++;
                        if (np) blis_pareto(px, py, np, pf, &err);
                        for (k = 0; k < g[j].n; k++)
                            if (g[j].pass[k]) front[k] = pf[q++];
                        free(px), free(py), free(pf);
                    }
                    for (k = 0; k < g[j].n; k++) { /* the front in x order, in y[1] and y[2] */
                        if (!front[k]) continue;
                        g[j].y[1][f] = g[j].x[k];
                        g[j].y[2][f] = g[j].y[0][k];
                        f++;
                        if (g[j].x[k] >= min_user && (best == (size_t)-1 || g[j].y[0][k] > g[j].y[0][best])) best = k;
                    }
                    se[ns].x = g[j].y[1], se[ns].y = g[j].y[2], se[ns].n = f, se[ns].markers = 2;
                    se[ns].label = "Pareto front";
                    ns++;
                    if (best != (size_t)-1) {
                        c.has_mark = 1;
                        c.mark_x = g[j].x[best];
                        c.mark_y = g[j].y[0][best];
                        snprintf(mark, sizeof mark, "chosen: %.0f tok/s/GPU at %.1f tok/s/user", c.mark_y, c.mark_x);
                        c.mark_label = mark;
                    }
                    free(front);
                }
            }
            if (!rc && !strcmp(kind, "throughput") && ng >= 1) { /* offered = achieved, for reference */
                se[ns].x = g[0].x, se[ns].y = g[0].x, se[ns].n = g[0].n;
                se[ns].label = "offered";
                ns++;
            }
            if (!rc && strcmp(kind, "pareto") != 0) { /* the knee of the first configuration: its last steady rate */
                const double *ky = !strcmp(kind, "latency") ? g[0].y[2] : g[0].y[0];
                long knee = -1;
                for (k = 0; k < g[0].n; k++)
                    if (g[0].steady[k] && isfinite(ky[k]))
                        knee = (long)k;
                    else if (knee >= 0)
                        break; /* the first loss of steady state ends it */
                if (knee >= 0) {
                    c.has_mark = 1;
                    c.mark_x = g[0].x[knee];
                    c.mark_y = ky[knee];
                    if (ng > 1)
                        snprintf(mark, sizeof mark, "knee of %.200s: %g req/s (last steady)", g[0].key, c.mark_x);
                    else
                        snprintf(mark, sizeof mark, "knee: %g req/s (last steady)", c.mark_x);
                    c.mark_label = mark;
                }
            }
            c.series = se;
            c.n_series = ns;
        }
        if (!rc) {
            if (!strcmp(kind, "latency")) {
                snprintf(title_buf, sizeof title_buf, "%s vs offered load%s", metric_title(metric),
                         ng > 1 ? " (p99 per configuration)" : "");
                snprintf(ylab, sizeof ylab, "%s (ms)", metric_title(metric));
                for (k = 0; k < slo.n; k++)
                    if (!strncmp(slo.slo[k].name, metric, strlen(metric)) && slo.slo[k].name[strlen(metric)] == '_') {
                        c.has_hline = 1;
                        c.hline_y = slo.slo[k].limit_ms;
                        snprintf(hl, sizeof hl, "SLO %s %s %g ms", slo.slo[k].name, slo.slo[k].inclusive ? "<=" : "<",
                                 slo.slo[k].limit_ms);
                        c.hline_label = hl;
                    }
                c.x_label = "offered load (req/s)";
                c.y_label = ylab;
            } else if (!strcmp(kind, "throughput")) {
                snprintf(title_buf, sizeof title_buf, "Throughput vs offered load");
                c.x_label = "offered load (req/s)";
                c.y_label = "completed requests per second (req/s)";
            } else {
                snprintf(title_buf, sizeof title_buf, "Throughput per GPU vs per-user speed%s",
                         slo.n ? " (within the SLOs)" : "");
                c.x_label = "per-user decode speed (tokens/s per user)";
                c.y_label = "output throughput per GPU (tokens/s per GPU)";
            }
            c.title = title ? title : title_buf;
            plot_subtitle(&t, subtitle, sizeof subtitle);
            c.subtitle = subtitle[0] ? subtitle : NULL;
            if (!strcmp(kind, "latency")) { /* log when the values span more than 100x (--log-y, --linear-y) */
                double lo = INFINITY, hi = 0;
                for (j = 0; j < c.n_series; j++)
                    for (k = 0; k < c.series[j].n; k++)
                        if (c.series[j].y[k] > 0 && isfinite(c.series[j].y[k])) {
                            if (c.series[j].y[k] < lo) lo = c.series[j].y[k];
                            if (c.series[j].y[k] > hi) hi = c.series[j].y[k];
                        }
                c.log_y = y_scale > 0 || (y_scale == 0 && hi > 100 * lo);
            } else if (y_scale > 0) {
                c.log_y = 1;
            }
            rc = plot_emit(pa, &c);
        }
        for (j = 0; j < ng; j++) {
            free(g[j].x);
            for (k = 0; k < 3; k++) free(g[j].y[k]);
            free(g[j].pass);
            free(g[j].steady);
        }
        free(g);
        free(row_group);
        free(se);
    }
    return rc;
}

int cmd_plot(int argc, char **argv) {
    const char *kind = argc > 0 ? argv[0] : NULL, *file = NULL, *out = NULL, *metric = "ttft", *slo_text = NULL,
               *title = NULL, *x_axis = "rate";
    double min_user = 0;
    rtable t;
    int i, rc = 0, y_scale = 0; /* -1 linear, 1 log, 0 automatic */
    memset(&t, 0, sizeof t);
    if (!kind || (strcmp(kind, "latency") != 0 && strcmp(kind, "throughput") != 0 && strcmp(kind, "pareto") != 0 &&
                  strcmp(kind, "cdf") != 0))
        return usage_error("plot needs a kind: latency, throughput, pareto (sweep output) or cdf (--results-path file)",
                           kind);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : ""; /* a missing value is refused below */
        static const char *const plot_flags[] = {"--out", "--metric", "--slo",      "--title",
                                                 "--x",   "--log-y",  "--linear-y", "--min-user-tps"};
        size_t f;
        for (f = 0; f < sizeof plot_flags / sizeof plot_flags[0] && strcmp(a, plot_flags[f]) != 0; f++) {
        }
        if (!strncmp(a, "--", 2) && f == sizeof plot_flags / sizeof plot_flags[0])
            return unknown_flag("plot", a, plot_flags, sizeof plot_flags / sizeof plot_flags[0], 0);
        if (!strcmp(a, "--log-y") || !strcmp(a, "--linear-y")) {
            y_scale = !strcmp(a, "--log-y") ? 1 : -1;
            continue;
        }
        if (!strncmp(a, "--", 2) && i + 1 >= argc) return flag_error(a, "a value", "");
        if (!strcmp(a, "--out"))
            out = v, i++;
        else if (!strcmp(a, "--metric")) {
            metric = v, i++;
            if (strcmp(metric, "ttft") != 0 && strcmp(metric, "itl") != 0 && strcmp(metric, "e2e") != 0)
                return flag_error("--metric", "ttft, itl or e2e", metric);
        } else if (!strcmp(a, "--slo"))
            slo_text = v, i++;
        else if (!strcmp(a, "--title"))
            title = v, i++;
        else if (!strcmp(a, "--x"))
            x_axis = v, i++;
        else if (!strcmp(a, "--min-user-tps")) {
            if ((rc = parse_pos("--min-user-tps", v, 0, &min_user))) return rc;
            i++;
        } else if (file) {
            return usage_error("plot takes one input file; another", a);
        } else
            file = a;
    }
    if (!file) return usage_error("plot needs an input file", NULL);
    if (!strcmp(kind, "cdf")) {
        blis_doc d;
        const blis_node *reqs;
        double *v[2];
        size_t n = 0, k, j;
        blis_chart_series se[2];
        blis_chart c;
        static const char *const cols[2] = {"ttft_ms", "e2e_ms"};
        if ((rc = read_json(file, &d))) return rc;
        reqs = blis_node_get(&d, blis_doc_root(&d), "requests");
        if (!reqs || reqs->kind != BLIS_NODE_ARRAY || !reqs->count) {
            blis_doc_free(&d);
            fprintf(stderr, "%s: error: expected a results file (run --results-path) with a non-empty \"requests\"\n",
                    file);
            return EXIT_USAGE;
        }
        v[0] = (double *)calloc(reqs->count * 2 + 2, sizeof(double));
        v[1] = (double *)calloc(reqs->count * 2 + 2, sizeof(double));
        if (!v[0] || !v[1]) {
            free(v[0]), free(v[1]), blis_doc_free(&d);
            return EXIT_RUNTIME;
        }
        for (k = 0; k < reqs->count; k++) {
            const blis_node *r = blis_node_at(&d, reqs, k);
            double a = NAN, b = NAN;
            blis_err err;
            if (blis_doc_get_f64(&d, r, cols[0], &a, &err) || blis_doc_get_f64(&d, r, cols[1], &b, &err) || !(a > 0) ||
                !(b > 0))
                continue; /* unfinished requests have no latency */
            v[0][n] = a;
            v[1][n] = b;
            n++;
        }
        blis_doc_free(&d);
        if (!n) {
            free(v[0]), free(v[1]);
            fprintf(stderr, "%s: error: no completed request with ttft_ms and e2e_ms\n", file);
            return EXIT_USAGE;
        }
        memset(se, 0, sizeof se);
        for (j = 0; j < 2; j++) {
            qsort(v[j], n, sizeof(double), dbl_cmp);
            for (k = 0; k < n; k++) v[j][n + k] = (double)(k + 1) / (double)n; /* y after x */
            se[j].x = v[j];
            se[j].y = v[j] + n;
            se[j].n = n;
            se[j].label = j ? "E2E" : "TTFT";
        }
        memset(&c, 0, sizeof c);
        c.title = title ? title : "Latency CDF";
        c.x_label = "latency (ms, logarithmic)";
        c.log_x = 1;
        c.y_label = "fraction of requests";
        c.series = se;
        c.n_series = 2;
        rc = write_svg(out, &c);
        free(v[0]);
        free(v[1]);
        return rc;
    }
    if ((rc = rtable_read(file, &t))) return rc;
    {
        plot_args pa;
        pa.kind = kind, pa.file = file, pa.out = out, pa.metric = metric, pa.slo_text = slo_text, pa.title = title;
        pa.x_axis = x_axis, pa.min_user = min_user, pa.y_scale = y_scale, pa.svg = NULL;
        rc = plot_sweep(&t, &pa);
    }
    rtable_free(&t);
    return rc;
}

/* Row r's configuration: its key without the rate ("hardware=H100 tp=1"). */
static void row_config(const rtable *t, size_t r, char *out, size_t size) {
    const char *key = rtable_get(t, r, rtable_col(t, "key"));
    key_without(key ? key : "", "rate", out, size);
}

/* ---- report: one self-contained HTML page of a sweep or search ---- */

static void html_text(blis_buf *b, const char *t) { /* escaped */
    for (; t && *t; t++) {
        const char *e = *t == '&' ? "&amp;" : *t == '<' ? "&lt;" : *t == '>' ? "&gt;" : *t == '"' ? "&quot;" : NULL;
        if (e)
            blis_buf_write(b, e, strlen(e));
        else
            blis_buf_write(b, t, 1);
    }
}

static void html_raw(blis_buf *b, const char *t) { blis_buf_write(b, t, strlen(t)); }

/* v with decimals digits after the point (-1: 4 significant digits), locale-free. */
static void html_fmt(blis_buf *b, int decimals, double v) {
    char num[BLIS_F64_FIXED_BUF_MAX];
    if (!isfinite(v)) {
        html_raw(b, "&ndash;");
        return;
    }
    if (decimals >= 0) {
        blis_f64_format_fixed(v, decimals, num, sizeof num);
    } else {
        int mag = v != 0 ? (int)floor(log10(fabs(v))) : 0, d = 3 - mag;
        size_t len = blis_f64_format_fixed(v, d < 0 ? 0 : d > 9 ? 9 : d, num, sizeof num);
        while (d > 0 && len > 1 && num[len - 1] == '0') num[--len] = '\0';
        if (len > 1 && num[len - 1] == '.') num[--len] = '\0';
    }
    html_raw(b, num);
}

/* A cell of row r, column name (escaped; an en dash when absent). */
static void html_cell(blis_buf *b, const rtable *t, size_t r, const char *name) {
    const char *v = rtable_get(t, r, rtable_col(t, name));
    double x;
    html_raw(b, "<td>");
    if (v && *v && !blis_parse_f64(v, strlen(v), 0, &x) && isfinite(x) && strchr(v, '.'))
        html_fmt(b, -1, x); /* a measured value: 4 significant digits */
    else if (v && *v)
        html_text(b, v);
    else
        html_raw(b, "&ndash;");
    html_raw(b, "</td>");
}

/* The chart of kind for the page (the XML declaration dropped), or a note
 * saying why there is none. */
static void report_chart(blis_buf *b, const rtable *t, const char *file, const char *kind) {
    blis_buf svg;
    plot_args pa;
    int saved = dup(2), devnull = open("/dev/null", O_WRONLY), rc;
    memset(&svg, 0, sizeof svg);
    memset(&pa, 0, sizeof pa);
    pa.kind = kind, pa.file = file, pa.metric = "ttft", pa.x_axis = "rate", pa.svg = &svg;
    if (devnull >= 0) dup2(devnull, 2); /* a chart that cannot be drawn is a note on the page */
    rc = plot_sweep(t, &pa);
    if (saved >= 0) dup2(saved, 2), close(saved);
    if (devnull >= 0) close(devnull);
    html_raw(b, "<figure>");
    if (!rc && svg.len) {
        const char *start = svg.data, *decl = strstr(svg.data, "?>");
        if (decl && decl - svg.data < 80) start = decl + 3;
        blis_buf_write(b, start, svg.len - (size_t)(start - svg.data));
    } else {
        html_raw(b, "<p class=\"note\">No ");
        html_text(b, kind);
        html_raw(b, " chart: the rows lack what it needs.</p>");
    }
    html_raw(b, "</figure>\n");
    blis_buf_free(&svg);
}

/* The assumption under rows whose GPU has no measurements: one paragraph
 * naming each such GPU once and the GPU its constants were fitted on. */
static void report_unmeasured(blis_buf *b, const rtable *t) {
    long hw = rtable_col(t, "hardware"), fit = rtable_col(t, "calibrated_on"),
         moved = rtable_col(t, "calibration_transferred");
    size_t r, q, listed = 0;
    if (hw < 0 || fit < 0 || moved < 0) return;
    for (r = 0; r < t->n; r++) {
        const char *gpu = rtable_get(t, r, hw), *on = rtable_get(t, r, fit), *tr = rtable_get(t, r, moved);
        int seen = 0;
        if (!gpu || !on || !tr || !*gpu || !*on || strcmp(tr, "true") != 0) continue;
        for (q = 0; q < r && !seen; q++) seen = rtable_get(t, q, hw) && !strcmp(rtable_get(t, q, hw), gpu);
        if (seen) continue;
        html_raw(b, listed++ ? ", " : "<p><strong>Unvalidated:</strong> no vLLM measurements on ");
        html_text(b, gpu);
        html_raw(b, " (constants fitted on ");
        html_text(b, on);
        html_raw(b, ")");
    }
    if (listed) html_raw(b, "; their step times are that fit over each GPU's datasheet.</p>\n");
}

int cmd_report(int argc, char **argv) {
    static const char *const report_flags[] = {"--out", "--title"};
    const char *file = NULL, *out = NULL, *title = "Capacity report";
    rtable t;
    blis_buf b;
    char sub[512];
    int i, rc, is_search;
    size_t r, k, n_ok = 0, n_pass = 0;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--out") || !strcmp(a, "--title")) {
            if (i + 1 >= argc) return flag_error(a, "a value", "");
            if (!strcmp(a, "--out"))
                out = argv[++i];
            else
                title = argv[++i];
        } else if (!strncmp(a, "--", 2)) {
            return unknown_flag("report", a, report_flags, 2, 0);
        } else if (file) {
            return usage_error("report takes one sweep or search output; another", a);
        } else {
            file = a;
        }
    }
    if (!file) return usage_error("report needs a sweep or search output (CSV or JSON Lines)", NULL);
    if ((rc = rtable_read(file, &t))) return rc;
    if (rtable_col(&t, "status") < 0 || rtable_col(&t, "key") < 0) {
        rtable_free(&t);
        fprintf(stderr, "%s: error: not a sweep or search output (no status and key columns)\n", file);
        return EXIT_USAGE;
    }
    is_search = rtable_col(&t, "max_rate") >= 0;
    memset(&b, 0, sizeof b);
    plot_subtitle(&t, sub, sizeof sub);
    html_raw(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    html_text(&b, title);
    html_raw(&b, "</title>\n<style>\nbody{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;max-width:1000px;"
                 "margin:24px auto;padding:0 16px;color:#222;line-height:1.45}\n"
                 "h1{margin-bottom:4px}.sub{color:#555;margin-top:0}\n"
                 "table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}\n"
                 "th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}th{background:#f2f2f2}\n"
                 "td:first-child,th:first-child{text-align:left}.pass{color:#067d17}.fail{color:#b00020}\n"
                 ".answer{background:#f4f8ff;border-left:4px solid #0072B2;padding:8px 12px}\n"
                 "figure{margin:12px 0}svg{max-width:100%;height:auto}.note{color:#777}\n"
                 "</style>\n</head>\n<body>\n<h1>");
    html_text(&b, title);
    html_raw(&b, "</h1>\n<p class=\"sub\">");
    html_text(&b, sub);
    html_raw(&b, "</p>\n<h2>The question</h2>\n<ul>\n<li>Source: <code>");
    html_text(&b, file);
    html_raw(&b, "</code>, ");
    for (r = 0; r < t.n; r++) {
        const char *st = rtable_get(&t, r, rtable_col(&t, "status"));
        if (st && !strcmp(st, "ok")) n_ok++;
        if (rtable_get(&t, r, rtable_col(&t, "slo_pass")) &&
            !strcmp(rtable_get(&t, r, rtable_col(&t, "slo_pass")), "true"))
            n_pass++;
    }
    {
        char line[200];
        snprintf(line, sizeof line, "%s with %lu rows (%lu ran, %lu meet their SLOs)</li>\n",
                 is_search ? "a search" : "a sweep", (unsigned long)t.n, (unsigned long)n_ok, (unsigned long)n_pass);
        html_raw(&b, line);
    }
    html_raw(&b, "<li>SLOs: ");
    {
        const char *slo = NULL;
        for (r = 0; r < t.n && !slo; r++) slo = rtable_get(&t, r, rtable_col(&t, "slo"));
        html_text(&b, slo ? slo : "none");
    }
    html_raw(&b, "</li>\n<li>Configurations: ");
    {
        double lo = INFINITY, hi = -INFINITY;
        for (r = 0, k = 0; r < t.n; r++) { /* each distinct configuration once, up to 16 */
            char cfg[PLAN_KEY_MAX], other[PLAN_KEY_MAX];
            size_t q;
            int seen = 0;
            double x = rtable_num(&t, r, rtable_col(&t, "rate"));
            if (x < lo) lo = x;
            if (x > hi) hi = x;
            row_config(&t, r, cfg, sizeof cfg);
            for (q = 0; q < r && !seen; q++) {
                row_config(&t, q, other, sizeof other);
                seen = !strcmp(other, cfg);
            }
            if (seen) continue;
            if (k < 16) {
                html_raw(&b, k ? ", <code>" : "<code>");
                html_text(&b, cfg[0] ? cfg : "(one)");
                html_raw(&b, "</code>");
            }
            k++;
        }
        if (k > 16) html_raw(&b, ", &hellip;");
        if (!is_search && lo <= hi) {
            html_raw(&b, "</li>\n<li>Offered load: ");
            html_fmt(&b, -1, lo);
            html_raw(&b, " to ");
            html_fmt(&b, -1, hi);
            html_raw(&b, " req/s");
        }
    }
    html_raw(&b, "</li>\n</ul>\n<h2>The answer</h2>\n<div class=\"answer\">\n");
    {
        /* per configuration: the highest rate meeting the SLOs in steady state; the cheapest per M tokens */
        size_t best = (size_t)-1;
        double best_cost = INFINITY;
        html_raw(&b, "<table>\n<tr><th>configuration</th><th>max rate within the SLOs (req/s)</th>"
                     "<th>limited by</th><th>GPUs</th><th>$/hour</th><th>$ per M output tokens</th></tr>\n");
        for (r = 0; r < t.n; r++) {
            char cfg[PLAN_KEY_MAX];
            double rate, cost;
            const char *st = rtable_get(&t, r, rtable_col(&t, "status"));
            int pass, steady;
            size_t q;
            if (!st || strcmp(st, "ok") != 0) continue;
            row_config(&t, r, cfg, sizeof cfg);
            if (!is_search) { /* a sweep: the configuration's highest passing, steady rate (one line each) */
                int seen = 0;
                for (q = 0; q < r && !seen; q++) {
                    char other[PLAN_KEY_MAX];
                    const char *ks = rtable_get(&t, q, rtable_col(&t, "status"));
                    row_config(&t, q, other, sizeof other);
                    seen = ks && !strcmp(ks, "ok") && !strcmp(other, cfg);
                }
                if (seen) continue;
            }
            rate = NAN;
            html_raw(&b, "<tr><td>");
            html_text(&b, cfg[0] ? cfg : "(one configuration)");
            html_raw(&b, "</td><td>");
            if (is_search) {
                rate = rtable_num(&t, r, rtable_col(&t, "max_rate"));
                cost = rtable_num(&t, r, rtable_col(&t, "usd_per_million_output_tokens"));
                html_fmt(&b, -1, rate);
                html_raw(&b, "</td><td>");
                html_text(&b, rtable_get(&t, r, rtable_col(&t, "binding"))
                                  ? rtable_get(&t, r, rtable_col(&t, "binding"))
                                  : "");
                if (isfinite(rate) && isfinite(cost) && cost < best_cost) best_cost = cost, best = r;
                q = r;
            } else {
                size_t at = (size_t)-1;
                for (q = r; q < t.n; q++) {
                    char other[PLAN_KEY_MAX];
                    const char *ks = rtable_get(&t, q, rtable_col(&t, "status"));
                    row_config(&t, q, other, sizeof other);
                    if (!ks || strcmp(ks, "ok") != 0 || strcmp(other, cfg) != 0) continue;
                    pass = rtable_get(&t, q, rtable_col(&t, "slo_pass")) &&
                           !strcmp(rtable_get(&t, q, rtable_col(&t, "slo_pass")), "true");
                    steady = plot_row_steady(&t, q, rtable_num(&t, q, rtable_col(&t, "rate")));
                    if (pass && steady && (at == (size_t)-1 || rtable_num(&t, q, rtable_col(&t, "rate")) > rate)) {
                        at = q;
                        rate = rtable_num(&t, q, rtable_col(&t, "rate"));
                    }
                }
                html_fmt(&b, -1, rate);
                html_raw(&b, "</td><td>");
                if (at == (size_t)-1) {
                    html_raw(&b, "no swept rate passes");
                } else { /* the next swept rate, which fails */
                    double next = INFINITY;
                    for (q = r; q < t.n; q++) {
                        char other[PLAN_KEY_MAX];
                        double x = rtable_num(&t, q, rtable_col(&t, "rate"));
                        row_config(&t, q, other, sizeof other);
                        if (!strcmp(other, cfg) && x > rate && x < next) next = x;
                    }
                    if (isfinite(next)) {
                        html_raw(&b, "fails at ");
                        html_fmt(&b, -1, next);
                        html_raw(&b, " req/s");
                    } else {
                        html_raw(&b, "passes at every swept rate");
                    }
                }
                q = at == (size_t)-1 ? r : at;
                cost = at == (size_t)-1 ? NAN : rtable_num(&t, at, rtable_col(&t, "usd_per_million_output_tokens"));
                if (at != (size_t)-1 && isfinite(cost) && cost < best_cost) best_cost = cost, best = at;
            }
            html_raw(&b, "</td><td>");
            html_fmt(&b, 0, rtable_num(&t, q, rtable_col(&t, "gpus")));
            html_raw(&b, "</td><td>");
            html_fmt(&b, 2, rtable_num(&t, q, rtable_col(&t, "usd_per_hour")));
            html_raw(&b, "</td><td>");
            html_fmt(&b, 3, cost);
            html_raw(&b, "</td></tr>\n");
        }
        html_raw(&b, "</table>\n<p><strong>Cheapest per output token within the SLOs:</strong> ");
        if (best == (size_t)-1) {
            html_raw(&b, "none (no priced row meets the SLOs).");
        } else {
            char cfg[PLAN_KEY_MAX];
            row_config(&t, best, cfg, sizeof cfg);
            html_text(&b, cfg[0] ? cfg : "(one configuration)");
            html_raw(&b, " at ");
            html_fmt(&b, -1,
                     is_search ? rtable_num(&t, best, rtable_col(&t, "max_rate"))
                               : rtable_num(&t, best, rtable_col(&t, "rate")));
            html_raw(&b, " req/s, $");
            html_fmt(&b, 3, best_cost);
            html_raw(&b, " per million output tokens.");
        }
        html_raw(&b, "</p>\n");
        report_unmeasured(&b, &t);
    }
    html_raw(&b, "</div>\n");
    if (!is_search) {
        html_raw(&b, "<h2>Charts</h2>\n");
        report_chart(&b, &t, file, "latency");
        report_chart(&b, &t, file, "throughput");
        report_chart(&b, &t, file, "pareto");
    }
    html_raw(&b, "<h2>Every row</h2>\n<table>\n<tr>");
    {
        static const char *const cols[] = {"key",
                                           "status",
                                           "rate",
                                           "max_rate",
                                           "slo_pass",
                                           "steady_state",
                                           "ttft_p99_ms",
                                           "itl_p99_ms",
                                           "e2e_p99_ms",
                                           "responses_per_sec",
                                           "tokens_per_sec_per_gpu",
                                           "usd_per_million_output_tokens",
                                           "error"};
        for (k = 0; k < sizeof cols / sizeof cols[0]; k++)
            if (rtable_col(&t, cols[k]) >= 0) {
                html_raw(&b, "<th>");
                html_text(&b, cols[k]);
                html_raw(&b, "</th>");
            }
        html_raw(&b, "</tr>\n");
        for (r = 0; r < t.n; r++) {
            const char *pass = rtable_get(&t, r, rtable_col(&t, "slo_pass"));
            html_raw(&b, pass && !strcmp(pass, "true") ? "<tr class=\"pass\">" : pass ? "<tr class=\"fail\">" : "<tr>");
            for (k = 0; k < sizeof cols / sizeof cols[0]; k++)
                if (rtable_col(&t, cols[k]) >= 0) html_cell(&b, &t, r, cols[k]);
            html_raw(&b, "</tr>\n");
        }
    }
    html_raw(&b, "</table>\n<p class=\"note\">Written by blis ");
    html_text(&b, BLIS_VERSION);
    html_raw(&b, " from the rows above; every figure is a simulation (see the README for what each rests on).</p>\n"
                 "</body>\n</html>\n");
    rtable_free(&t);
    if (!out || !strcmp(out, "-"))
        rc = fwrite(b.data, 1, b.len, stdout) != b.len || fflush(stdout) ? EXIT_RUNTIME : 0;
    else
        rc = write_file_atomic(out, b.data, b.len);
    blis_buf_free(&b);
    return rc;
}
