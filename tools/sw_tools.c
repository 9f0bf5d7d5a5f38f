/* tools/sw_tools.c - simulation_worker check, validate-bench-data,
 * import-kernel-tables, convert and compose: the input-file tools. */
#include "simulation_worker.h"

const char usage_text_tools[] = "  validate-bench-data DIR [--strict] [--quiet]\n"
                                "        Check a bench_data/ folder of roofline v2 kernel tables: layout, file\n"
                                "        names, headers, numbers, order, duplicates and grids, each problem as\n"
                                "        file:line:col. Errors exit 2; warnings (MFU 0, implausible MFU, grid\n"
                                "        gaps) exit 0 unless --strict. --quiet prints errors only.\n"
                                "  import-kernel-tables (--from DIR | --gemm F --context F --generation F)\n"
                                "            --out NEWDIR [--gpu NAME] [--peak-tflops X | --hardware-config F]\n"
                                "            [--dtype bfloat16]\n"
                                "        Convert NVIDIA aiconfigurator kernel tables (gemm_perf,\n"
                                "        context_attention_perf, generation_attention_perf; .csv or .csv.gz,\n"
                                "        found in DIR or its subfolders) into a new bench_data/ folder for\n"
                                "        --bench-data-path, MFUs against the GPU's TFlopsPeak (bundled config).\n"
                                "  convert preset NAME | distribution | csv-trace FILE | inference-perf FILE |\n"
                                "          servegen DIR [--span-start S] [--span-end S]\n"
                                "        A version 2 workload spec (YAML) on stdout for run --workload-spec:\n"
                                "        a preset of the defaults file or the distribution flags (run's\n"
                                "        --rate, --num-requests, --seed, --prompt-tokens..., --prefix-tokens;\n"
                                "        one client, constant arrivals, gaussian lengths, as the reference's\n"
                                "        unified pipeline builds it), a CSV trace (lossy: its average lengths\n"
                                "        at its mean rate; a warning says so), or a spec with inference_perf,\n"
                                "        cohorts or any clients, written back with everything expanded, or\n"
                                "        ServeGen data (chunk-<id>-trace.csv and chunk-<id>-dataset.json per\n"
                                "        client; the windows starting in [S, end) seconds): one client per\n"
                                "        chunk with its active windows, rate, arrival family and cv, and its\n"
                                "        length tables; as servegen_data: {path, span_start, span_end} does.\n"
                                "  compose --from SPEC.yaml [--from SPEC.yaml ...]\n"
                                "        One spec holding every client of the given ones, each at its own\n"
                                "        rate (aggregate rates summed, fractions rescaled).\n"
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
                                "model configs (run, step): --model-config-folder DIR, else\n"
                                "model_configs/<name> beside the defaults file (the bundled data for\n"
                                "step), else $BLIS_MODEL_CACHE/<name> or $XDG_CACHE_HOME/blis/model_configs/\n"
                                "<name>, else a download (run: only with --roofline) of $HF_ENDPOINT/<repo>/\n"
                                "resolve/main/config.json through curl into that user cache. Environment: HF_TOKEN\n"
                                "(gated models; sent as a header on curl's stdin), HF_ENDPOINT (default\n"
                                "https://huggingface.co), HF_HUB_OFFLINE=1 (no downloads), BLIS_CURL (the\n"
                                "curl program), BLIS_DATA_DIR (the bundled data).\n"
                                "\n"
                                "exit status: 0 success, 1 runtime failure, 2 usage or input error.\n";

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
/* What run would say of a document check recognises: a model config
 * (num_hidden_layers or hidden_size at the top or in text_config), a
 * workload spec (clients), ground-truth records (records, as evaluate
 * reads them), a hardware config (objects with TFlopsPeak);
 * *kind names it (NULL: another document, syntax only). */
static cli_log check_log = {"simulation_worker", 3, NULL}; /* warnings and errors */

static blis_status check_semantics(const blis_doc *doc, blis_err *err, const char **kind) {
    const blis_node *root = blis_doc_root(doc), *tc;
    size_t i;
    *kind = NULL;
    if (!root || root->kind != BLIS_NODE_OBJECT) return BLIS_OK;
    tc = blis_node_get(doc, root, "text_config");
    if (blis_node_get(doc, root, "num_hidden_layers") || blis_node_get(doc, root, "hidden_size") ||
        (tc && tc->kind == BLIS_NODE_OBJECT && blis_node_get(doc, tc, "num_hidden_layers"))) {
        blis_model_config m;
        blis_status st;
        *kind = "a model config";
        if ((st = blis_model_config_from_doc(doc, &m, err)) || (st = blis_model_config_validate(&m, err))) {
            if (!err->source[0] || !strcmp(err->source, "<input>"))
                snprintf(err->source, sizeof err->source, "%s", doc->source ? doc->source : "<input>");
            return st;
        }
        return BLIS_OK;
    }
    {
        const blis_node *recs = blis_node_get(doc, root, "records");
        if (recs && recs->kind == BLIS_NODE_ARRAY) { /* ground truth: every record as evaluate reads it */
            *kind = "ground-truth records";
            for (i = 0; i < recs->count; i++) {
                blis_gt_experiment e;
                blis_status st = blis_gt_experiment_from_doc(doc, blis_node_at(doc, recs, i), &e, err);
                if (st) return st;
                if (e.profile.kind == BLIS_GT_PROFILE_NONE && e.profile.invalid) {
                    blis_err_clear(err, doc->source);
                    return blis_err_set(err, BLIS_E_INVALID, 0, 0, "record %s: %s", e.id, e.profile.reason);
                }
            }
            return BLIS_OK;
        }
    }
    if (blis_node_get(doc, root, "clients") || blis_node_get(doc, root, "servegen_data") ||
        blis_node_get(doc, root, "inference_perf") || blis_node_get(doc, root, "cohorts")) {
        blis_workload_spec spec;
        blis_status st;
        *kind = "a workload spec";
        if ((st = blis_workload_spec_from_doc(doc, &spec, NULL, err))) return st;
        blis_workload_spec_warn(&spec, cli_log_fn, &check_log);
        blis_workload_spec_free(&spec);
        return BLIS_OK;
    }
    for (i = 0; i < root->count; i++) {
        const blis_node *v = blis_node_at(doc, root, i);
        if (v->kind == BLIS_NODE_OBJECT && blis_node_get(doc, v, "TFlopsPeak")) *kind = "a hardware config";
    }
    for (i = 0; *kind && i < root->count; i++) {
        blis_hw_config hw;
        blis_status st;
        if (blis_node_at(doc, root, i)->kind != BLIS_NODE_OBJECT) continue; /* a _comment */
        if ((st = blis_hw_config_from_doc(doc, blis_node_key_at(doc, root, i)->as.string, &hw, err)) ||
            (st = blis_hw_config_validate(&hw, 1, err)))
            return st;
    }
    return BLIS_OK;
}

static int check_file(const char *path, const char *fmt, int print) {
    const char *kind = NULL;
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
        }
        if (st == BLIS_OK && (st = check_semantics(&doc, &err, &kind)) == BLIS_OK && !print)
            printf("%s: ok (%s, %lu values%s%s)\n", path, fmt, (unsigned long)doc.node_count, kind ? ", " : "",
                   kind ? kind : "");
        if (doc.nodes) blis_doc_free(&doc);
    }
    blis_file_free(NULL, src);
    if (st != BLIS_OK) {
        print_err(&err);
        return EXIT_USAGE;
    }
    return rc;
}

int cmd_check(int argc, char **argv) {
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

typedef struct bench_print {
    int quiet; /* warnings not printed */
} bench_print;

static void bench_report(void *user, int is_error, const char *source, uint32_t line, uint32_t col, const char *msg) {
    const bench_print *p = (const bench_print *)user;
    const char *what = is_error == 1 ? "error" : is_error == 0 ? "warning" : "note";
    if (is_error != 1 && p->quiet) return;
    if (line)
        fprintf(stderr, "%s:%lu:%lu: %s: %s\n", source, (unsigned long)line, (unsigned long)col, what, msg);
    else
        fprintf(stderr, "%s: %s: %s\n", source, what, msg);
}

int cmd_validate_bench(int argc, char **argv) {
    const char *dir = NULL;
    int strict = 0, i;
    bench_print p;
    blis_bench_validation v;
    memset(&p, 0, sizeof p);
    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--strict"))
            strict = 1;
        else if (!strcmp(argv[i], "--quiet"))
            p.quiet = 1;
        else if (argv[i][0] == '-' && argv[i][1])
            return usage_error("validate-bench-data: unknown flag", argv[i]);
        else if (dir)
            return usage_error("validate-bench-data takes one directory", argv[i]);
        else
            dir = argv[i];
    }
    if (!dir) return usage_error("validate-bench-data: missing the bench_data directory", NULL);
    memset(&v, 0, sizeof v);
    v.report = bench_report;
    v.user = &p;
    v.max_per_file = 50;
    blis_bench_validate_dir(&v, dir, blis_posix_list_dir, NULL);
    printf("%s: %lu files, %lu rows: %lu errors, %lu warnings%s\n", dir, (unsigned long)v.files, (unsigned long)v.rows,
           (unsigned long)v.errors, (unsigned long)v.warnings,
           v.errors               ? ""
           : v.warnings && strict ? " (--strict: warnings fail)"
                                  : " (ok)");
    if (fflush(stdout)) return EXIT_RUNTIME;
    return v.errors || (strict && v.warnings) ? EXIT_USAGE : 0;
}

/* The first of NAME.csv.gz, NAME.csv in dir or its subdirectories. */
static int find_table(const char *dir, const char *name, char *out, size_t size) {
    blis_buf sub;
    size_t i;
    int found = 0, k;
    char cand[1200];
    static const char *const ext[2] = {".csv.gz", ".csv"};
    for (k = 0; k < 2 && !found; k++) {
        snprintf(cand, sizeof cand, "%s/%s%s", dir, name, ext[k]);
        if (file_exists(cand)) found = snprintf(out, size, "%s", cand) > 0;
    }
    memset(&sub, 0, sizeof sub);
    if (found || blis_posix_list_dir(NULL, dir, &sub) != 0) {
        blis_buf_free(&sub);
        return found;
    }
    for (i = 0; i < sub.len && !found; i += strlen(sub.data + i) + 1)
        for (k = 0; k < 2 && !found; k++) {
            snprintf(cand, sizeof cand, "%s/%s/%s%s", dir, sub.data + i, name, ext[k]);
            if (file_exists(cand)) found = snprintf(out, size, "%s", cand) > 0;
        }
    blis_buf_free(&sub);
    return found;
}

typedef struct import_emit {
    char staging[1100];
    size_t files;
} import_emit;

static blis_status import_write(void *user, const char *relpath, const char *data, size_t len, blis_err *err) {
    import_emit *e = (import_emit *)user;
    char path[1300];
    char *slash;
    snprintf(path, sizeof path, "%s/%s", e->staging, relpath);
    slash = strrchr(path, '/');
    *slash = '\0';
    if (blis_posix_mkdir_p(path) == 0) {
        *slash = '/';
        if (blis_posix_write_atomic(path, data, len) == 0) {
            e->files++;
            return BLIS_OK;
        }
    }
    *slash = '/';
    blis_err_clear(err, path);
    return blis_err_set(err, BLIS_E_IO, 0, 0, "cannot write: %s", strerror(errno));
}

int cmd_import_tables(int argc, char **argv, const char *argv0) {
    const char *from = NULL, *out = NULL, *gpu = NULL, *dtype = NULL, *hwpath = NULL;
    char paths[3][1200], data_dir[1024], hwbuf[1200];
    static const char *const names[3] = {"gemm_perf", "context_attention_perf", "generation_attention_perf"};
    static const char *const flags[3] = {"--gemm", "--context", "--generation"};
    const char *given[3] = {NULL, NULL, NULL};
    double peak = 0;
    int i, k, rc;
    blis_bench_import_opts o;
    blis_bench_import_stats stats;
    blis_doc hw;
    blis_err err;
    import_emit em;
    struct stat sb;
    memset(&hw, 0, sizeof hw);
    for (i = 0; i < argc; i += 2) { /* every flag takes a value */
        const char *f = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(f, "--from"))
            from = val;
        else if (!strcmp(f, "--out"))
            out = val;
        else if (!strcmp(f, "--gpu"))
            gpu = val;
        else if (!strcmp(f, "--dtype"))
            dtype = val;
        else if (!strcmp(f, "--hardware-config"))
            hwpath = val;
        else if (!strcmp(f, "--peak-tflops")) {
            if (val && blis_parse_f64(val, strlen(val), 0, &peak) != BLIS_OK) peak = -1;
            if (val && !(peak > 0 && peak < 1e6)) return flag_error(f, "a number of TFLOP/s > 0", val);
        } else {
            for (k = 0; k < 3 && strcmp(f, flags[k]) != 0; k++) {
            }
            if (k == 3) return usage_error("import-kernel-tables: unknown flag", f);
            given[k] = val;
        }
        if (!val) return usage_error("import-kernel-tables: the flag needs a value", f);
    }
    if (!out) return usage_error("import-kernel-tables: missing --out DIR (a new bench_data folder)", NULL);
    if (!from && (!given[0] || !given[1] || !given[2]))
        return usage_error("import-kernel-tables: give --from DIR, or --gemm, --context and --generation", NULL);
    for (k = 0; k < 3; k++) {
        if (given[k])
            snprintf(paths[k], sizeof paths[k], "%s", given[k]);
        else if (!find_table(from, names[k], paths[k], sizeof paths[k])) {
            fprintf(stderr, "%s: error: no %s.csv.gz or %s.csv in it or its subfolders\n", from, names[k], names[k]);
            return EXIT_USAGE;
        }
    }
    if (stat(out, &sb) == 0) {
        fprintf(stderr, "%s: error: already exists; import-kernel-tables writes a new folder\n", out);
        return EXIT_USAGE;
    }
    if (peak == 0) { /* the GPU's TFlopsPeak from the hardware config */
        if (!hwpath) {
            if (!find_data_dir(argv0, data_dir, sizeof data_dir)) {
                fprintf(stderr, "simulation_worker: error: no bundled hardware config; give --peak-tflops\n");
                return EXIT_USAGE;
            }
            snprintf(hwbuf, sizeof hwbuf, "%s/hardware_config.json", data_dir);
            hwpath = hwbuf;
        }
        if (read_json(hwpath, &hw)) return EXIT_USAGE;
    }
    memset(&o, 0, sizeof o);
    o.gemm_path = paths[0];
    o.context_path = paths[1];
    o.generation_path = paths[2];
    o.gpu = gpu;
    o.dtype = dtype;
    o.peak_tflops = peak;
    o.hardware_doc = peak == 0 ? &hw : NULL;
    memset(&em, 0, sizeof em);
    snprintf(em.staging, sizeof em.staging, "%s.partial-%ld", out, (long)getpid());
    if (blis_posix_mkdir_p(em.staging) != 0) {
        fprintf(stderr, "%s: error: cannot create the folder: %s\n", em.staging, strerror(errno));
        blis_doc_free(&hw);
        return EXIT_RUNTIME;
    }
    rc = blis_bench_import_aiconfigurator(&o, import_write, &em, &stats, &err) != BLIS_OK;
    blis_doc_free(&hw);
    if (rc) {
        print_err(&err);
        blis_posix_remove_tree(em.staging);
        return err.status == BLIS_E_IO || err.status == BLIS_E_NOMEM ? EXIT_RUNTIME : EXIT_USAGE;
    }
    if (rename(em.staging, out) != 0) {
        fprintf(stderr, "%s: error: cannot move the new tables into place: %s\n", out, strerror(errno));
        blis_posix_remove_tree(em.staging);
        return EXIT_RUNTIME;
    }
    printf("%s: %lu files for GPU %s: GEMM %lu rows; prefill %lu tables, %lu rows; decode %lu tables, %lu rows "
           "(%lu rows read, %lu of other dtypes or batch sizes skipped, %lu repeats averaged)\n",
           out, (unsigned long)em.files, stats.gpu, (unsigned long)stats.gemm_rows, (unsigned long)stats.prefill_tables,
           (unsigned long)stats.prefill_rows, (unsigned long)stats.decode_tables, (unsigned long)stats.decode_rows,
           (unsigned long)stats.rows_read, (unsigned long)stats.rows_skipped, (unsigned long)stats.duplicates_merged);
    return fflush(stdout) ? EXIT_RUNTIME : 0;
}

static int spec_print(const blis_workload_spec *spec) {
    if (blis_workload_spec_write_yaml(spec, file_write, stdout) != BLIS_OK || fflush(stdout) != 0) return EXIT_RUNTIME;
    return 0;
}

static cli_log spec_log = {"simulation_worker", 3, NULL}; /* warnings and errors */

/* A workload spec file read (the document kept in doc), servegen_data
 * loaded. */
static int spec_read(const char *path, blis_doc *doc, blis_workload_spec *spec) {
    blis_err err;
    int rc;
    if ((rc = read_yaml(path, doc))) return rc;
    if (blis_workload_spec_from_doc(doc, spec, NULL, &err) != BLIS_OK) {
        blis_doc_free(doc);
        return run_report(&err, NULL);
    }
    if (blis_spec_load_servegen(spec, blis_posix_list_dir, NULL, cli_log_fn, &spec_log, &err) != BLIS_OK) {
        blis_workload_spec_free(spec);
        blis_doc_free(doc);
        return run_report(&err, NULL);
    }
    return 0;
}

/* convert servegen DIR [--span-start S] [--span-end S]. */
static int convert_servegen(int argc, char **argv, blis_workload_spec *spec) {
    blis_err err;
    int i;
    memset(spec, 0, sizeof *spec);
    if (argc < 2 || argv[1][0] == '-')
        return usage_error("convert servegen needs a ServeGen directory (chunk-<id>-trace.csv files)", NULL);
    spec->servegen_path = argv[1];
    for (i = 2; i < argc; i += 2) {
        double *to = !strcmp(argv[i], "--span-start") ? &spec->servegen_span_start_s
                     : !strcmp(argv[i], "--span-end") ? &spec->servegen_span_end_s
                                                      : NULL;
        if (!to) return usage_error("unknown convert servegen flag (valid: --span-start S, --span-end S)", argv[i]);
        if (i + 1 >= argc) return usage_error("flag needs a value (seconds)", argv[i]);
        if (blis_parse_f64(argv[i + 1], strlen(argv[i + 1]), BLIS_NUM_LOOSE_DOT, to) != BLIS_OK || !(*to >= 0) ||
            !(*to <= 1e12))
            return usage_error("expected seconds in 0..1e12", argv[i + 1]);
    }
    if (spec->servegen_span_end_s > 0 && !(spec->servegen_span_end_s > spec->servegen_span_start_s))
        return usage_error("--span-end must be after --span-start (or 0: to the end)", NULL);
    if (blis_spec_load_servegen(spec, blis_posix_list_dir, NULL, cli_log_fn, &spec_log, &err) != BLIS_OK) {
        blis_workload_spec_free(spec);
        return run_report(&err, NULL);
    }
    return 0;
}

/* convert preset NAME | distribution | csv-trace FILE | inference-perf FILE:
 * the v2 workload spec on stdout. */
int cmd_convert(int argc, char **argv, const char *argv0) {
    blis_workload_spec spec;
    blis_err err;
    int rc = 0;
    if (argc < 1)
        return usage_error("convert needs a source: preset NAME, distribution, csv-trace FILE, inference-perf FILE, "
                           "servegen DIR",
                           NULL);
    memset(&spec, 0, sizeof spec);
    if (!strcmp(argv[0], "preset") || !strcmp(argv[0], "distribution")) {
        int preset = !strcmp(argv[0], "preset");
        blis_run_options o;
        blis_legacy_workload w;
        char data_buf[1024], defaults[1100];
        const char *data_dir = find_data_dir(argv0, data_buf, sizeof data_buf);
        if (preset && argc < 2) return usage_error("convert preset needs a preset name (e.g. chatbot)", NULL);
        blis_run_options_init(&o);
        if ((rc = parse_run_args(argc - 1 - preset, argv + 1 + preset, &o))) {
            blis_run_options_free(&o);
            return rc;
        }
        memset(&w, 0, sizeof w);
        if (preset) {
            blis_doc d;
            const char *path = o.defaults;
            if (!blis_run_option_given(&o, "defaults-filepath") && !file_exists(path) && data_dir) {
                snprintf(defaults, sizeof defaults, "%.1000s/defaults.yaml", data_dir);
                path = defaults;
            }
            if ((rc = read_yaml(path, &d))) {
                blis_run_options_free(&o);
                return rc;
            }
            if (blis_defaults_workload(&d, argv[1], &w, &err) != BLIS_OK) rc = run_report(&err, NULL);
            blis_doc_free(&d);
        } else {
            w.prefix_tokens = o.prefix;
            w.prompt_mean = o.p_mean, w.prompt_std = o.p_std, w.prompt_min = o.p_min, w.prompt_max = o.p_max;
            w.output_mean = o.o_mean, w.output_std = o.o_std, w.output_min = o.o_min, w.output_max = o.o_max;
        }
        w.rate_per_s = o.rate_per_s;
        w.num_requests = o.num_requests;
        if (!rc && blis_spec_from_legacy(&w, o.seed, &spec, &err) != BLIS_OK) rc = run_report(&err, NULL);
        blis_run_options_free(&o);
    } else if (!strcmp(argv[0], "csv-trace")) {
        char *src = NULL;
        size_t len = 0;
        if (argc != 2) return usage_error("convert csv-trace needs exactly one trace file", NULL);
        if (blis_file_read(argv[1], 0, NULL, &src, &len, &err) != BLIS_OK ||
            blis_spec_from_trace(src, len, argv[1], &spec, &err) != BLIS_OK) {
            if (err.status == BLIS_E_IO) err.status = BLIS_E_MISSING;
            rc = run_report(&err, NULL);
        } else {
            fprintf(stderr, "simulation_worker: warning: convert csv-trace is lossy (averaged token lengths, constant "
                            "arrival); for faithful replay use run --workload traces\n");
        }
        blis_file_free(NULL, src);
    } else if (!strcmp(argv[0], "inference-perf")) {
        blis_doc d;
        if (argc != 2)
            return usage_error("convert inference-perf needs exactly one spec file (with inference_perf:)", NULL);
        if ((rc = spec_read(argv[1], &d, &spec))) return rc;
        rc = spec_print(&spec);
        blis_workload_spec_free(&spec);
        blis_doc_free(&d);
        return rc;
    } else if (!strcmp(argv[0], "servegen")) {
        if ((rc = convert_servegen(argc, argv, &spec))) return rc;
    } else {
        return usage_error("unknown convert source (preset, distribution, csv-trace, inference-perf, servegen)",
                           argv[0]);
    }
    if (!rc) rc = spec_print(&spec);
    blis_workload_spec_free(&spec);
    return rc;
}

/* compose --from A --from B ...: one spec with every client at its own rate. */
int cmd_compose(int argc, char **argv) {
    blis_doc docs[64];
    blis_workload_spec specs[64], out;
    const blis_workload_spec *ptr[64];
    blis_err err;
    int i, n = 0, rc = 0;
    for (i = 0; i < argc && !rc; i++) {
        if (strcmp(argv[i], "--from") != 0 || i + 1 >= argc) {
            rc = usage_error("compose takes --from SPEC.yaml, at least once", argv[i]);
        } else if (n == 64) {
            rc = usage_error("compose takes at most 64 specs", argv[i + 1]);
        } else if ((rc = spec_read(argv[++i], &docs[n], &specs[n])) == 0) {
            ptr[n] = &specs[n];
            n++;
        }
    }
    if (!rc && !n) rc = usage_error("compose takes --from SPEC.yaml, at least once", NULL);
    if (!rc) {
        if (blis_spec_compose(ptr, (size_t)n, &out, &err) != BLIS_OK)
            rc = run_report(&err, NULL);
        else
            rc = spec_print(&out);
        blis_workload_spec_free(&out);
    }
    for (i = 0; i < n; i++) {
        blis_workload_spec_free(&specs[i]);
        blis_doc_free(&docs[i]);
    }
    return rc;
}
