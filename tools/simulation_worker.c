/* simulation_worker - the blis command-line tool.
 *
 * Thin by design: it parses arguments, reads files, calls blis.h and prints.
 * stdout carries results; diagnostics go to stderr as
 * "file:line:col: error: message". Exit status: 0 success, 1 runtime
 * failure (e.g. stdout cannot be written), 2 usage or input error. */
#define BLIS_IMPLEMENTATION
#include "../blis.h"

#include <stdio.h>
#include <string.h>

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
                                 "The simulator commands (run, step, evaluate) are not in this version yet.\n";

static int file_write(void *user, const char *data, size_t len_bytes) {
    return fwrite(data, 1, len_bytes, (FILE *)user) == len_bytes ? 0 : -1;
}

static void print_err(const blis_err *err) {
    char msg[1024];
    blis_err_format(err, msg, sizeof msg);
    fprintf(stderr, "%s\n", msg);
}

static int usage_error(const char *msg, const char *arg) {
    fprintf(stderr, "simulation_worker: error: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    fprintf(stderr, "run 'simulation_worker --help' for usage\n");
    return EXIT_USAGE;
}

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
    return usage_error("unknown command (available: check)", argv[1]);
}
