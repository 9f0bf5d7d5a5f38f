/* tests/test_fuzz_replay.c - every file of the fuzz corpora (seeds and
 * every crash ever found) runs as an ordinary test: fuzz_corpus:TARGET/FILE. */
#include "fuzz/fuzz_common.h"
#include <ctype.h>
#include <dirent.h>

#define T_CORPUS_MAX 4096
typedef struct t_corpus_file {
    char name[160];
    int (*check)(const unsigned char *, size_t);
} t_corpus_file;

static t_corpus_file t_corpus[T_CORPUS_MAX];
static size_t t_corpus_count = 0;
static int t_corpus_loaded = 0;

static int t_corpus_cmp(const void *a, const void *b) {
    return strcmp(((const t_corpus_file *)a)->name, ((const t_corpus_file *)b)->name);
}

static void t_corpus_load(void) {
    static const char *targets[] = {"json", "yaml", "csv", "number", "gzip", "bench", "svg", "profile"};
    static int (*const checks[])(const unsigned char *, size_t) = {blis_fuzz_json,   blis_fuzz_yaml,   blis_fuzz_csv,
                                                                   blis_fuzz_number, blis_fuzz_gzip,   blis_fuzz_bench,
                                                                   blis_fuzz_svg,    blis_fuzz_profile};
    size_t i;
    if (t_corpus_loaded) return;
    t_corpus_loaded = 1;
    for (i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        char dir[256];
        DIR *d;
        struct dirent *e;
        snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", targets[i]);
        d = opendir(dir);
        if (!d) {
            fprintf(stderr, "runner: missing corpus directory %s (run from the repository root)\n", dir);
            continue;
        }
        while ((e = readdir(d)) != NULL && t_corpus_count < T_CORPUS_MAX) {
            if (e->d_name[0] == '.') continue;
            snprintf(t_corpus[t_corpus_count].name, sizeof t_corpus[0].name, "%s/%.100s", targets[i], e->d_name);
            t_corpus[t_corpus_count].check = checks[i];
            t_corpus_count++;
        }
        closedir(d);
    }
    qsort(t_corpus, t_corpus_count, sizeof t_corpus[0], t_corpus_cmp);
}

static size_t table_count_fuzz_corpus(void) {
    t_corpus_load();
    return t_corpus_count ? t_corpus_count : 1; /* an empty corpus is reported as a failure */
}
static const char *table_name_fuzz_corpus(size_t i) { return t_corpus_count ? t_corpus[i].name : "missing"; }
static void table_run_fuzz_corpus(t_ctx *t_, size_t i) {
    char path[256];
    char *data = NULL;
    size_t len = 0;
    blis_err err;
    CHECK_MSG(t_corpus_count > 0, "no fuzz corpus found under tests/fuzz/corpus");
    if (!t_corpus_count) return;
    snprintf(path, sizeof path, "tests/fuzz/corpus/%s", t_corpus[i].name);
    CHECK(blis_file_read(path, 0, NULL, &data, &len, &err) == BLIS_OK);
    if (!data) return;
    CHECK_MSG(t_corpus[i].check((const unsigned char *)data, len) == 0, "property violated on %s", path);
    free(data);
}
TABLE_DYNAMIC(fuzz_corpus)

/* Every fuzz dictionary parses as libFuzzer reads one: blank lines and
 * # comments, else [name=]"value" where the value's only escapes are \\,
 * \" and \xHH (libFuzzer stops `make fuzz` at any other line). */
TEST(fuzz_dictionaries_parse_as_libfuzzer_reads_them) {
    static const char *dicts[] = {"argv", "bench", "json", "yaml"};
    size_t i, entries = 0;
    for (i = 0; i < sizeof dicts / sizeof dicts[0]; i++) {
        char path[128], line[1024];
        FILE *f;
        unsigned lineno = 0;
        snprintf(path, sizeof path, "tests/fuzz/dict/%s.dict", dicts[i]);
        f = fopen(path, "rb");
        CHECK_MSG(f != NULL, "cannot open %s", path);
        if (!f) continue;
        while (fgets(line, sizeof line, f)) {
            const char *p = line, *end;
            size_t n = strlen(line);
            int ok = 1;
            lineno++;
            while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ')) line[--n] = '\0';
            while (*p == ' ') p++;
            if (!*p || *p == '#') continue;
            while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_') p++;
            if (*p == '=') p++;
            end = line + n;
            ok = *p == '"' && end > p + 1 && end[-1] == '"';
            for (p = p + 1; ok && p < end - 1; p++) {
                if (*p != '\\') continue;
                if (p[1] == '\\' || p[1] == '"') {
                    p++;
                } else if (p[1] == 'x' && isxdigit((unsigned char)p[2]) && isxdigit((unsigned char)p[3])) {
                    p += 3;
                } else {
                    ok = 0;
                }
            }
            CHECK_MSG(ok, "%s:%u: not a libFuzzer dictionary entry: %s", path, lineno, line);
            entries++;
        }
        fclose(f);
    }
    CHECK(entries > 20);
}
