/* tests/runner.c - the blis test runner (white-box: it compiles the
 * implementation and every tests/test_*.c into one binary).
 *
 * usage: runner [-q] [-t NAME] [-l]
 *   -t NAME  run only tests whose name contains NAME
 *   -q       quick: fewer random iterations (sanitizer and valgrind runs)
 *   -l       list the tests
 * Run from the repository root. The last line is "N passed, N failed"
 * (", N skipped" when tests skipped); the exit status is non-zero on any
 * failure or when no test ran. */
#define BLIS_IMPLEMENTATION
#include "../blis.h"
#include "../blis_fetch.h"
#include "test.h"

#include "test_base.c"
#include "test_number.c"
#include "test_rng.c"
#include "test_json.c"
#include "test_csv.c"
#include "test_gzip.c"
#include "test_yaml.c"
#include "test_model.c"
#include "test_roofline.c"
#include "test_tra.c"
#include "test_workload.c"
#include "test_trace.c"
#include "test_spec.c"
#include "test_kv.c"
#include "test_golden.c"
#include "test_engine.c"
#include "test_cli.c"
#include "test_arch.c"
#include "test_cluster.c"
#include "test_eval.c"
#include "test_profile.c"
#include "test_fetch.c"
#include "test_bench.c"
#include "test_bad_inputs.c"
#include "test_argv.c"
#include "test_plan.c"
#include "test_run.c"
#include "test_fuzz_replay.c"

typedef struct t_entry {
    const char *name;
    void (*single)(t_ctx *);
    size_t (*count)(void);
    const char *(*case_name)(size_t);
    void (*run_case)(t_ctx *, size_t);
} t_entry;

#define X_TEST(n)  {#n, test_##n, NULL, NULL, NULL},
#define X_TABLE(n) {#n, NULL, table_count_##n, table_name_##n, table_run_##n},
static const t_entry t_registry[] = {
#include "tests.inc"
};
#undef X_TEST
#undef X_TABLE

typedef struct t_totals {
    int passed, failed, skipped;
} t_totals;

static void t_run_one(const char *name, void (*fn)(t_ctx *), void (*run_case)(t_ctx *, size_t), size_t i, int quick,
                      t_totals *tot) {
    t_ctx t;
    memset(&t, 0, sizeof t);
    t.name = name;
    t.quick = quick;
    if (fn)
        fn(&t);
    else
        run_case(&t, i);
    if (t.skipped) {
        tot->skipped++;
    } else if (t.failures || t.checks == 0) {
        if (t.checks == 0 && !t.failures) fprintf(stderr, "  FAIL %s: the test checked nothing\n", name);
        tot->failed++;
    } else {
        tot->passed++;
    }
}

int main(int argc, char **argv) {
    const char *filter = NULL;
    int quick = 0, list = 0, i;
    size_t k, c;
    t_totals tot = {0, 0, 0};
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-t") && i + 1 < argc)
            filter = argv[++i];
        else if (!strcmp(argv[i], "-q"))
            quick = 1;
        else if (!strcmp(argv[i], "-l"))
            list = 1;
        else {
            fprintf(stderr, "usage: runner [-q] [-l] [-t NAME]\n");
            return 2;
        }
    }
    for (k = 0; k < sizeof t_registry / sizeof t_registry[0]; k++) {
        const t_entry *e = &t_registry[k];
        size_t n = e->single ? 1 : e->count();
        for (c = 0; c < n; c++) {
            char name[256];
            if (e->single)
                snprintf(name, sizeof name, "%s", e->name);
            else
                snprintf(name, sizeof name, "%s:%s", e->name, e->case_name(c));
            if (filter && !strstr(name, filter)) continue;
            if (list) {
                printf("%s\n", name);
                continue;
            }
            t_run_one(name, e->single, e->run_case, c, quick, &tot);
        }
    }
    if (list) return 0;
    if (tot.skipped)
        printf("%d passed, %d failed, %d skipped\n", tot.passed, tot.failed, tot.skipped);
    else
        printf("%d passed, %d failed\n", tot.passed, tot.failed);
    if (tot.passed + tot.failed == 0) {
        fprintf(stderr, "runner: no test ran\n");
        return 1;
    }
    return tot.failed ? 1 : 0;
}
