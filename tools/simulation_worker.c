/* simulation_worker - the blis command-line tool.
 *
 * Thin by design: it parses arguments, reads files, calls blis.h and prints.
 * stdout carries results; diagnostics go to stderr as
 * "file:line:col: error: message". Exit status: 0 success, 1 runtime
 * failure (e.g. stdout cannot be written), 2 usage or input error. */
#define _POSIX_C_SOURCE 200809L /* blis_fetch.h lists directories */
#define BLIS_IMPLEMENTATION
#include "../blis.h"
#include "../blis_fetch.h"

#include "cli_common.h"

/* Requests one step command may describe. */
#define STEP_MAX_REQUESTS 1000000

#define EXIT_RUNTIME 1
#define EXIT_USAGE   2

static const char usage_text[] = "usage: simulation_worker <command> [options]\n"
                                 "       simulation_worker --help | --version\n"
                                 "\n"
                                 "blis " BLIS_VERSION ": a C port of BLIS, the LLM inference serving simulator.\n"
                                 "\n"
                                 "commands:\n"
                                 "  check [--as json|yaml|csv] [--print] FILE...\n"
                                 "        Parse input files with blis's strict parsers (the ones every later\n"
                                 "        command uses for configs, workload specs, defaults files and traces)\n"
                                 "        and report, for each file, 'ok' with a summary on stdout or the first\n"
                                 "        error as file:line:col on stderr.\n"
                                 "          --as FORMAT  json, yaml or csv; default: from the file extension\n"
                                 "                       (.json; .yaml or .yml; .csv)\n"
                                 "          --print      print each JSON or YAML document as JSON (2-space\n"
                                 "                       indentation, numbers as Go's encoding/json prints them)\n"
                                 "\n"
                                 "exit status: 0 success, 1 runtime failure, 2 usage or input error.\n"
                                 "The simulation commands (run, evaluate) are not in this version yet.\n";

static int usage_error(const char *msg, const char *arg) { return cli_error("simulation_worker", msg, arg); }

/* Format from --as or from the extension; NULL if unknown. */
static const char *format_of(const char *forced, const char *path) {
    const char *dot = strrchr(path, '.');
    if (forced) return forced;
    if (!dot) return NULL;
    if (!strcmp(dot, ".json")) return "json";
    if (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml")) return "yaml";
    if (!strcmp(dot, ".csv")) return "csv";
    return NULL;
}

/* Checks one file; returns 0, EXIT_USAGE (bad input) or EXIT_RUNTIME. */
static int check_file(const char *path, const char *fmt, int print) {
    char *src = NULL;
    size_t len = 0;
    blis_err err;
    blis_parse_opts opts;
    blis_status st;
    int rc = 0;
    memset(&opts, 0, sizeof opts);
    opts.source = path;
    if (blis_file_read(path, 0, NULL, &src, &len, &err) != BLIS_OK) {
        print_err(&err);
        return EXIT_USAGE;
    }
    if (!strcmp(fmt, "csv")) {
        blis_csv csv;
        st = blis_csv_parse(src, len, &opts, &csv, &err);
        if (st == BLIS_OK) {
            printf("%s: ok (csv, %lu columns, %lu rows)\n", path, (unsigned long)csv.columns, (unsigned long)csv.rows);
            blis_csv_free(&csv);
        }
    } else {
        blis_doc doc;
        st = !strcmp(fmt, "json") ? blis_json_parse(src, len, &opts, &doc, &err)
                                  : blis_yaml_parse(src, len, &opts, &doc, &err);
        if (st == BLIS_OK && print) {
            blis_jw w;
            blis_jw_init(&w, file_write, stdout, 2);
            blis_jw_node(&w, &doc, blis_doc_root(&doc));
            if (blis_jw_finish(&w) == BLIS_E_INVALID) {
                fprintf(stderr, "%s: error: the document holds a value JSON cannot represent (NaN or infinity)\n",
                        path);
                rc = EXIT_USAGE;
            } else if (blis_jw_finish(&w) != BLIS_OK || fputc('\n', stdout) == EOF) {
                rc = EXIT_RUNTIME;
            }
        } else if (st == BLIS_OK) {
            printf("%s: ok (%s, %lu values)\n", path, fmt, (unsigned long)doc.node_count);
        }
        if (st == BLIS_OK) blis_doc_free(&doc);
    }
    blis_file_free(NULL, src);
    if (st != BLIS_OK) {
        print_err(&err);
        return EXIT_USAGE;
    }
    return rc;
}

static int cmd_check(int argc, char **argv) {
    const char *forced = NULL;
    int print = 0, i, files = 0, worst = 0;
    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--as")) {
            if (i + 1 >= argc) return usage_error("--as needs a value (json, yaml or csv)", NULL);
            forced = argv[++i];
            if (strcmp(forced, "json") != 0 && strcmp(forced, "yaml") != 0 && strcmp(forced, "csv") != 0)
                return usage_error("--as must be json, yaml or csv, got", forced);
        } else if (!strcmp(argv[i], "--print")) {
            print = 1;
        } else if (!strcmp(argv[i], "--")) {
            i++;
            break;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return usage_error("unknown option for check", argv[i]);
        } else {
            break;
        }
    }
    for (; i < argc; i++, files++) {
        const char *fmt = format_of(forced, argv[i]);
        int rc;
        if (!fmt) {
            fprintf(stderr, "%s: error: cannot tell the format from the file name; use --as json|yaml|csv\n", argv[i]);
            rc = EXIT_USAGE;
        } else {
            rc = check_file(argv[i], fmt, print);
        }
        if (rc == EXIT_RUNTIME || (rc && !worst)) worst = rc;
    }
    if (files == 0) return usage_error("check needs at least one FILE", NULL);
    if (fflush(stdout) != 0) return EXIT_RUNTIME;
    return worst;
}

/* ---- step ---- */

typedef struct step_args {
    const char *model, *model_dir, *gpu, *hw_file, *bench_dir;
    int tp;
    blis_step_req *prefill, *decode;
    size_t prefill_count, decode_count;
    char **argv; /* the step's arguments, to echo --prefill and --decode */
    int argc;
} step_args;

static int flag_error(const char *flag, const char *expected, const char *got) {
    fprintf(stderr, "simulation_worker: error: %s: expected %s, got '%s'\n", flag, expected, got ? got : "");
    return EXIT_USAGE;
}

static int parse_count(const char *flag, const char *s, size_t len, int64_t min, int64_t *out) {
    if (blis_parse_i64(s, len, 0, out) != BLIS_OK || *out < min || *out > ((int64_t)1 << 40))
        return flag_error(flag, min > 0 ? "a positive integer" : "a non-negative integer", s);
    return 0;
}

static int add_reqs(blis_step_req **arr, size_t *count, int64_t progress, int64_t n_new, int64_t times) {
    blis_step_req *grown;
    int64_t i;
    if ((int64_t)*count + times > STEP_MAX_REQUESTS) {
        fprintf(stderr, "simulation_worker: error: a step holds at most %d requests\n", STEP_MAX_REQUESTS);
        return EXIT_USAGE;
    }
    grown = (blis_step_req *)realloc(*arr, (*count + (size_t)times) * sizeof **arr);
    if (!grown) return EXIT_RUNTIME;
    *arr = grown;
    for (i = 0; i < times; i++) {
        grown[*count].progress_tokens = progress;
        grown[*count].new_tokens = n_new;
        (*count)++;
    }
    return 0;
}

/* "--prefill CACHED+NEW" and "--decode CONTEXT[xCOUNT]". */
static int parse_step_req(step_args *a, const char *flag, const char *v) {
    int64_t x = 0, y = 1;
    const char *sep = strchr(v, strcmp(flag, "--prefill") == 0 ? '+' : 'x');
    int rc;
    if (!strcmp(flag, "--prefill")) {
        if (!sep) return flag_error(flag, "CACHED+NEW (e.g. 0+2048)", v);
        if ((rc = parse_count(flag, v, (size_t)(sep - v), 0, &x)) ||
            (rc = parse_count(flag, sep + 1, strlen(sep + 1), 1, &y)))
            return rc;
        return add_reqs(&a->prefill, &a->prefill_count, x, y, 1);
    }
    if ((rc = parse_count(flag, v, sep ? (size_t)(sep - v) : strlen(v), 0, &x))) return rc;
    if (sep && (rc = parse_count(flag, sep + 1, strlen(sep + 1), 1, &y))) return rc;
    return add_reqs(&a->decode, &a->decode_count, x, 1, y);
}

static int parse_step_args(int argc, char **argv, step_args *a) {
    int i, rc;
    memset(a, 0, sizeof *a);
    a->tp = 1;
    a->argc = argc;
    a->argv = argv;
    for (i = 0; i < argc; i++) {
        const char *f = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int64_t n;
        if (!strcmp(f, "--prefill") || !strcmp(f, "--decode") || !strcmp(f, "--model") || !strcmp(f, "--hardware") ||
            !strcmp(f, "--tp") || !strcmp(f, "--model-config-folder") || !strcmp(f, "--hardware-config") ||
            !strcmp(f, "--bench-data-path")) {
            if (!v) return flag_error(f, "a value", NULL);
            i++;
        } else {
            return usage_error("unknown option for step", f);
        }
        if (!strcmp(f, "--prefill") || !strcmp(f, "--decode")) {
            if ((rc = parse_step_req(a, f, v))) return rc;
        } else if (!strcmp(f, "--tp")) {
            if ((rc = parse_count(f, v, strlen(v), 1, &n))) return rc;
            if (n > 1024) return flag_error(f, "a tensor-parallel degree of at most 1024", v);
            a->tp = (int)n;
        } else if (!strcmp(f, "--model"))
            a->model = v;
        else if (!strcmp(f, "--hardware"))
            a->gpu = v;
        else if (!strcmp(f, "--model-config-folder"))
            a->model_dir = v;
        else if (!strcmp(f, "--hardware-config"))
            a->hw_file = v;
        else
            a->bench_dir = v;
    }
    if (!a->model == !a->model_dir)
        return usage_error("step needs exactly one of --model and --model-config-folder", NULL);
    if (!a->gpu) return usage_error("step needs --hardware GPU", NULL);
    return 0;
}

/* The values of every `flag` argument, as a JSON array of strings. */
static void write_flag_values(blis_jw *w, const step_args *a, const char *flag) {
    int i;
    blis_jw_key(w, flag + 2);
    blis_jw_array_begin(w);
    for (i = 0; i + 1 < a->argc; i++)
        if (!strcmp(a->argv[i], flag)) blis_jw_str(w, a->argv[++i]);
    blis_jw_array_end(w);
}

static int print_step(const step_args *a, const char *model_path, const blis_step_breakdown *b, const blis_mfu_db *db) {
    blis_jw w;
    blis_jw_init(&w, file_write, stdout, 2);
    blis_jw_object_begin(&w);
    blis_jw_key_i64(&w, "step_time_us", b->step_time_us);
    blis_jw_key_i64(&w, "roofline", b->version);
    blis_jw_key_str(&w, "model", a->model ? a->model : a->model_dir);
    blis_jw_key_str(&w, "model_config", model_path);
    blis_jw_key_str(&w, "hardware", a->gpu);
    blis_jw_key_i64(&w, "tp", a->tp);
    if (db) {
        blis_jw_key_str(&w, "attention_config", db->attn_config);
    }
    blis_jw_key(&w, "batch");
    blis_jw_object_begin(&w);
    write_flag_values(&w, a, "--prefill");
    write_flag_values(&w, a, "--decode");
    blis_jw_object_end(&w);
    blis_jw_key(&w, "breakdown");
    blis_step_breakdown_write(&w, b);
    blis_jw_object_end(&w);
    if (blis_jw_finish(&w) != BLIS_OK || fputc('\n', stdout) == EOF || fflush(stdout) != 0) return EXIT_RUNTIME;
    return 0;
}

static int run_step(const step_args *a, const char *argv0) {
    char data_buf[1024], model_path[1400], hw_path[1400];
    const char *data_dir = find_data_dir(argv0, data_buf, sizeof data_buf);
    blis_model_config m;
    blis_hw_config hw;
    blis_step_breakdown b;
    blis_step_batch batch;
    blis_mfu_db db;
    blis_err err;
    int version = a->bench_dir ? 2 : 1, rc;
    if ((rc = resolve_model_config("simulation_worker", a->model, a->model_dir, data_dir, model_path,
                                   sizeof model_path)) ||
        (rc = load_model(model_path, &m)))
        return rc;
    if (a->hw_file)
        snprintf(hw_path, sizeof hw_path, "%s", a->hw_file);
    else if (data_dir)
        snprintf(hw_path, sizeof hw_path, "%s/hardware_config.json", data_dir);
    else
        return usage_error("no --hardware-config and no bundled data; set BLIS_DATA_DIR", NULL);
    if ((rc = load_hw(hw_path, a->gpu, version, &hw))) return rc;
    batch.prefill = a->prefill;
    batch.prefill_count = a->prefill_count;
    batch.decode = a->decode;
    batch.decode_count = a->decode_count;
    if (version == 1) {
        if (blis_roofline_v1_step(&m, &hw, a->tp, &batch, &b, &err) != BLIS_OK) {
            print_err(&err);
            return EXIT_USAGE;
        }
        return print_step(a, model_path, &b, NULL);
    }
    blis_mfu_db_init(&db, NULL);
    if (blis_mfu_db_load_dir(&db, a->bench_dir, a->gpu, blis_posix_list_dir, NULL, &err) != BLIS_OK ||
        blis_mfu_db_select_model(&db, &m, &err) != BLIS_OK ||
        blis_roofline_v2_step(&m, &hw, &db, a->tp, &batch, &b, &err) != BLIS_OK) {
        print_err(&err);
        blis_mfu_db_free(&db);
        return EXIT_USAGE;
    }
    rc = print_step(a, model_path, &b, &db);
    blis_mfu_db_free(&db);
    return rc;
}

static int cmd_step(int argc, char **argv, const char *argv0) {
    step_args a;
    int rc = parse_step_args(argc, argv, &a);
    if (!rc) rc = run_step(&a, argv0);
    free(a.prefill);
    free(a.decode);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2) return usage_error("missing command", NULL);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(usage_text, stdout);
        return fflush(stdout) ? EXIT_RUNTIME : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("simulation_worker (blis) %s\nreproduces BLIS %s; https://www.apache.org/licenses/LICENSE-2.0\n",
               BLIS_VERSION, BLIS_REFERENCE_VERSION);
        return fflush(stdout) ? EXIT_RUNTIME : 0;
    }
    if (!strcmp(argv[1], "check")) return cmd_check(argc - 2, argv + 2);
    if (!strcmp(argv[1], "step")) return cmd_step(argc - 2, argv + 2, argv[0]);
    return usage_error("unknown command (available: check, step)", argv[1]);
}
