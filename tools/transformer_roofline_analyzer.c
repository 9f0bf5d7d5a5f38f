/* transformer_roofline_analyzer - per-layer FLOPs, bytes and operational
 * intensity of a transformer for a batch of queries, and the minimum storage
 * it needs; the table of the Transformer Roofline Analyzer (TRA), computed by
 * blis.h. Thin: arguments, files, library, output. */
#define _POSIX_C_SOURCE 200809L
#define BLIS_IMPLEMENTATION
#include "../blis.h"
#include "../blis_fetch.h"
#include "cli_common.h"

#define TOOL        "transformer_roofline_analyzer"
#define MAX_QUERIES 65536

static const char usage_text[] =
    "usage: transformer_roofline_analyzer [--cached-tokens N ...] [--input-tokens N ...]\n"
    "           [--batch-size B] [--hardware GPU [--tp N] [--hardware-config FILE]]\n"
    "           [--json] [--tra-quirks] [--] <model name | path/to/config.json>\n"
    "\n"
    "Prints, for one block of the model and the batch of queries, each layer's FLOPs,\n"
    "weight/input/output bytes and operational intensity, the totals over all blocks,\n"
    "and the minimum storage (weights + KV cache [+ unused experts] + embeddings).\n"
    "\n"
    "  --cached-tokens N ...  tokens already in each query's KV cache (default 0 each)\n"
    "  --input-tokens N ...   new tokens of each query (as many values as --cached-tokens)\n"
    "  --batch-size B         repeat the query lists to B queries (B a multiple of their length)\n"
    "  --hardware GPU         add each layer's roofline time and bound (bundled GPUs: H100,\n"
    "                         H100-PCIe, H200, A100-SXM, A100-80, A100-40GB, A100-PCIe, L40S,\n"
    "                         B200, B300, GB200)\n"
    "  --tp N                 tensor-parallel degree for the time column (default 1)\n"
    "  --hardware-config FILE default: the bundled data/hardware_config.json\n"
    "  --json                 machine-readable output\n"
    "  --tra-quirks           reproduce the reference TRA's two defects (SiLU-mul FLOPs\n"
    "                         not multiplied by the token count; the MoE router counted\n"
    "                         in every block); without it blis prints the corrected values\n"
    "\n"
    "A model name (HuggingFace id or short name, any case) is found as run --roofline\n"
    "finds it: the bundled configs, the user cache ($XDG_CACHE_HOME/blis/model_configs),\n"
    "else downloaded from HuggingFace through curl (HF_TOKEN for gated models;\n"
    "HF_HUB_OFFLINE=1: no download). Anything ending in .json or naming a file is\n"
    "read as a config.json.\n"
    "Supported model types: llama, mistral, qwen2, qwen3 (dense), mixtral, qwen3_moe,\n"
    "llama4, deepseek_v2, glm_moe_dsa (MoE). Exit status: 0 ok, 1 runtime failure,\n"
    "2 usage or input error.\n";

typedef struct args {
    int64_t cached[MAX_QUERIES], input[MAX_QUERIES];
    size_t n_cached, n_input;
    int64_t batch;
    const char *model, *gpu, *hw_file;
    int tp, json, quirks;
} args;

static int bad_value(const char *flag, const char *expected, const char *got) {
    fprintf(stderr, TOOL ": error: %s: expected %s, got '%s'\n", flag, expected, got);
    return EXIT_USAGE;
}

static int starts_with_digit(const char *s) { return s[0] >= '0' && s[0] <= '9'; }

/* Reads the numbers following a list flag ("--input-tokens 512 1024"); the
 * list ends at the first argument that does not start with a digit. */
static int read_list(int argc, char **argv, int *i, const char *flag, int64_t min, int64_t *out, size_t *n) {
    *n = 0;
    while (*i + 1 < argc && (starts_with_digit(argv[*i + 1]) || (*n == 0 && argv[*i + 1][0] != '-'))) {
        const char *v = argv[++*i];
        if (*n >= MAX_QUERIES) return bad_value(flag, "at most 65536 values", v);
        if (blis_parse_i64(v, strlen(v), 0, &out[*n]) != BLIS_OK || out[*n] < min || out[*n] > ((int64_t)1 << 31))
            return bad_value(flag, min > 0 ? "positive integers" : "non-negative integers", v);
        (*n)++;
    }
    if (*n == 0) return bad_value(flag, "at least one number", *i + 1 < argc ? argv[*i + 1] : "");
    return 0;
}

/* cli_error, its status spelt out here (static analysis then sees that no
 * usage error returns 0). */
static int usage(const char *tool, const char *msg, const char *arg) {
    cli_error(tool, msg, arg);
    return EXIT_USAGE;
}

static int parse_args(int argc, char **argv, args *a) {
    int i, rc;
    for (i = 1; i < argc; i++) {
        const char *f = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int64_t n;
        if (!strcmp(f, "--")) {
            if (i + 1 < argc) a->model = argv[++i];
            if (i + 1 < argc) return usage(TOOL, "unexpected argument after the model", argv[i + 1]);
        } else if (!strcmp(f, "--cached-tokens")) {
            if ((rc = read_list(argc, argv, &i, f, 0, a->cached, &a->n_cached))) return rc;
        } else if (!strcmp(f, "--input-tokens")) {
            if ((rc = read_list(argc, argv, &i, f, 1, a->input, &a->n_input))) return rc;
        } else if (!strcmp(f, "--batch-size") || !strcmp(f, "--tp")) {
            if (!v || blis_parse_i64(v, strlen(v), 0, &n) != BLIS_OK || n < 1 || n > MAX_QUERIES)
                return bad_value(f, "a positive integer (at most 65536)", v ? v : "");
            if (!strcmp(f, "--tp"))
                a->tp = (int)n;
            else
                a->batch = n;
            i++;
        } else if (!strcmp(f, "--hardware") || !strcmp(f, "--hardware-config")) {
            if (!v) return bad_value(f, "a value", "");
            if (!strcmp(f, "--hardware"))
                a->gpu = v;
            else
                a->hw_file = v;
            i++;
        } else if (!strcmp(f, "--json")) {
            a->json = 1;
        } else if (!strcmp(f, "--tra-quirks")) {
            a->quirks = 1;
        } else if (f[0] == '-' && f[1]) {
            return usage(TOOL, "unknown option", f);
        } else if (!a->model) {
            a->model = f;
        } else {
            return usage(TOOL, "more than one model given", f);
        }
    }
    if (!a->model) return usage(TOOL, "missing the model (a name or a config.json path)", NULL);
    if (!a->n_input) return usage(TOOL, "missing --input-tokens", NULL);
    return 0;
}

/* Pairs the lists (cached defaults to zeros) and repeats them to --batch-size. */
static int expand_batch(args *a) {
    size_t i, n = a->n_input;
    if (!a->n_cached) {
        for (i = 0; i < n; i++) a->cached[i] = 0;
        a->n_cached = n;
    }
    if (a->n_cached != n) {
        fprintf(stderr, TOOL ": error: --cached-tokens has %lu values but --input-tokens has %lu\n",
                (unsigned long)a->n_cached, (unsigned long)n);
        return EXIT_USAGE;
    }
    if (!a->batch) return 0;
    if (a->batch % (int64_t)n) {
        fprintf(stderr, TOOL ": error: --batch-size %lld is not a multiple of the %lu queries given\n",
                (long long)a->batch, (unsigned long)n);
        return EXIT_USAGE;
    }
    for (i = n; i < (size_t)a->batch; i++) {
        a->cached[i] = a->cached[i % n];
        a->input[i] = a->input[i % n];
    }
    a->n_input = a->n_cached = (size_t)a->batch;
    return 0;
}

static int is_file_arg(const char *s) {
    size_t n = strlen(s);
    FILE *f;
    if (n > 5 && !strcmp(s + n - 5, ".json")) return 1;
    if ((f = fopen(s, "rb")) == NULL) return 0;
    fclose(f);
    return 1;
}

static void lower_copy(char *dst, size_t size, const char *src) {
    size_t i;
    for (i = 0; i + 1 < size && src[i]; i++) dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] + 32 : src[i]);
    dst[i] = '\0';
}

/* The bundled defaults file, data_dir/defaults.yaml, or NULL. */
static const char *bundled_defaults(const char *data_dir, char *buf, size_t size) {
    FILE *f;
    if (!data_dir) return NULL;
    snprintf(buf, size, "%s/defaults.yaml", data_dir);
    if ((f = fopen(buf, "rb")) == NULL) return NULL;
    fclose(f);
    return buf;
}

/* A config.json path for a model name (spec §6): the cache beside the
 * defaults file, the user cache, else a download (cli_resolve_model). */
static int resolve_model_config(const char *model, const char *defaults_path, cli_log *log, char *path, size_t size) {
    static char tool_name[] = TOOL;
    char lc[256], found[1100], hint[300] = "";
    blis_err err;
    blis_status st;
    lower_copy(lc, sizeof lc, model);
    st = cli_resolve_model(tool_name, lc, model, defaults_path, 1, found, sizeof found, hint, sizeof hint, cli_log_fn,
                           log, &err);
    if (st != BLIS_OK) {
        static const char advice[] = "Provide --model-config-folder explicitly";
        char *at = strstr(err.msg, advice);
        if (at) /* the analyzer takes a config.json path instead */
            snprintf(at, sizeof err.msg - (size_t)(at - err.msg), "Give the path to its config.json instead");
        fprintf(stderr, TOOL ": error: %s\n", err.msg);
        if (hint[0]) fprintf(stderr, TOOL ": hint: %s\n", hint);
        return st == BLIS_E_IO ? EXIT_RUNTIME : EXIT_USAGE;
    }
    snprintf(path, size, "%s/config.json", found);
    return 0;
}

/* Reads and checks a model config; tp > 0: also that it runs at that
 * tensor-parallel degree. */
static int load_model(const char *path, blis_model_config *m, int64_t tp) {
    blis_err err;
    if (blis_model_config_load(path, tp, m, &err) == BLIS_OK) return 0;
    print_err(&err);
    return EXIT_USAGE;
}

static int load_hw(const char *path, const char *gpu, int version, blis_hw_config *hw) {
    blis_err err;
    if (blis_hw_config_load(path, gpu, version, hw, &err) == BLIS_OK) return 0;
    print_err(&err);
    return EXIT_USAGE;
}

static int run(args *a, const char *argv0) {
    char data_buf[1024], path[1400], hw_path[1400], defaults_buf[1100];
    const char *data_dir = find_data_dir(argv0, data_buf, sizeof data_buf);
    cli_log log = {TOOL, 3, NULL};
    blis_model_config m;
    blis_hw_config hw;
    blis_tra_report *r;
    blis_err err;
    int rc;
    if (is_file_arg(a->model))
        snprintf(path, sizeof path, "%s", a->model);
    else if ((rc = resolve_model_config(a->model, bundled_defaults(data_dir, defaults_buf, sizeof defaults_buf), &log,
                                        path, sizeof path)))
        return rc;
    if ((rc = load_model(path, &m, a->tp))) return rc;
    if (a->gpu) {
        if (a->hw_file)
            snprintf(hw_path, sizeof hw_path, "%s", a->hw_file);
        else if (data_dir)
            bundled_hw_path(data_dir, 0, hw_path, sizeof hw_path); /* the analyzer's own formulas: datasheet peaks */
        else
            return usage(TOOL, "no --hardware-config and no bundled data; set BLIS_DATA_DIR", NULL);
        if ((rc = load_hw(hw_path, a->gpu, 2, &hw))) return rc;
    }
    r = (blis_tra_report *)malloc(sizeof *r);
    if (!r) return EXIT_RUNTIME;
    if (blis_tra_analyze(&m, a->cached, a->input, a->n_input, a->quirks ? BLIS_TRA_QUIRKS : 0, r, &err) != BLIS_OK) {
        fprintf(stderr, TOOL ": error: %s\n", err.msg);
        free(r);
        return EXIT_USAGE;
    }
    if (a->json) {
        blis_jw w;
        blis_jw_init(&w, file_write, stdout, 2);
        blis_tra_write_json(r, a->gpu ? &hw : NULL, a->tp, &w);
        rc = blis_jw_finish(&w) != BLIS_OK || fputc('\n', stdout) == EOF;
    } else {
        rc = blis_tra_write_table(r, a->gpu ? &hw : NULL, a->tp, file_write, stdout) != 0;
    }
    free(r);
    return (rc || fflush(stdout) != 0) ? EXIT_RUNTIME : 0;
}

static int analyzer_main(int argc, char **argv) {
    args *a;
    int rc;
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage_text, stdout);
        return fflush(stdout) ? EXIT_RUNTIME : 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "--version")) {
        printf(TOOL " (blis) %s\n", BLIS_VERSION);
        return fflush(stdout) ? EXIT_RUNTIME : 0;
    }
    a = (args *)calloc(1, sizeof *a);
    if (!a) return EXIT_RUNTIME;
    a->tp = 1;
    rc = parse_args(argc, argv, a);
    if (!rc) rc = expand_batch(a);
    if (!rc) rc = run(a, argv[0]);
    free(a);
    return rc;
}

int main(int argc, char **argv) { return cli_finish_stdout(TOOL, analyzer_main(argc, argv)); }
