/* tools/cli_common.h - helpers shared by the blis command-line tools
 * (included by each tool after blis.h; every function is static). Output:
 * results on stdout, errors on stderr as "file:line:col: error: message". */
#ifndef BLIS_CLI_COMMON_H
#define BLIS_CLI_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_RUNTIME 1
#define EXIT_USAGE   2

/* Where the installed data lives (make install sets it). */
#ifndef BLIS_DATA_DIR_DEFAULT
#define BLIS_DATA_DIR_DEFAULT "/usr/local/share/blis"
#endif

static int file_write(void *user, const char *data, size_t len_bytes) {
    return fwrite(data, 1, len_bytes, (FILE *)user) == len_bytes ? 0 : -1;
}

static void print_err(const blis_err *err) {
    char msg[1024];
    blis_err_format(err, msg, sizeof msg);
    fprintf(stderr, "%s\n", msg);
}

static int cli_error(const char *tool, const char *msg, const char *arg) {
    fprintf(stderr, "%s: error: %s%s%s\n", tool, msg, arg ? ": " : "", arg ? arg : "");
    fprintf(stderr, "run '%s --help' for usage\n", tool);
    return EXIT_USAGE;
}

/* The bundled data directory: $BLIS_DATA_DIR, data/ beside the executable,
 * or the installed one; NULL when none holds hardware_config.json. */
static const char *find_data_dir(const char *argv0, char *buf, size_t size) {
    const char *cands[3];
    char beside[1024];
    const char *slash = strrchr(argv0, '/');
    int i;
    if (slash)
        snprintf(beside, sizeof beside, "%.*s/data", (int)(slash - argv0), argv0);
    else
        snprintf(beside, sizeof beside, "data");
    cands[0] = getenv("BLIS_DATA_DIR");
    cands[1] = beside;
    cands[2] = BLIS_DATA_DIR_DEFAULT;
    for (i = 0; i < 3; i++) {
        char probe[1200];
        FILE *f;
        if (!cands[i] || !*cands[i]) continue;
        snprintf(probe, sizeof probe, "%s/hardware_config.json", cands[i]);
        if ((f = fopen(probe, "rb")) != NULL) {
            fclose(f);
            snprintf(buf, size, "%s", cands[i]);
            return buf;
        }
    }
    return NULL;
}

/* Reads a JSON or YAML file into doc; prints the error. */
static int read_doc(const char *path, int yaml, blis_doc *doc) {
    char *src = NULL;
    size_t len = 0;
    blis_err err;
    blis_parse_opts o;
    blis_status st = blis_file_read(path, 0, NULL, &src, &len, &err);
    memset(&o, 0, sizeof o);
    o.source = path;
    if (st == BLIS_OK) st = yaml ? blis_yaml_parse(src, len, &o, doc, &err) : blis_json_parse(src, len, &o, doc, &err);
    blis_file_free(NULL, src);
    if (st != BLIS_OK) print_err(&err);
    return st == BLIS_OK ? 0 : EXIT_USAGE;
}

static int read_json(const char *path, blis_doc *doc) { return read_doc(path, 0, doc); }

/* A config.json path for a model: dir/config.json when dir is given, else
 * the bundled config found through data/model_configs/index.json. */
static int resolve_model_config(const char *tool, const char *model, const char *dir, const char *data_dir, char *path,
                                size_t size) {
    blis_doc index;
    blis_err err;
    char found[256], ipath[1200];
    int rc;
    if (dir) {
        snprintf(path, size, "%s/config.json", dir);
        return 0;
    }
    if (!data_dir) return cli_error(tool, "a model name needs the bundled data; set BLIS_DATA_DIR", model);
    snprintf(ipath, sizeof ipath, "%s/model_configs/index.json", data_dir);
    if ((rc = read_json(ipath, &index))) return rc;
    if (blis_model_index_lookup(&index, model, found, sizeof found, &err) != BLIS_OK) {
        blis_doc_free(&index);
        fprintf(stderr, "%s: error: %s (see %s)\n", tool, err.msg, ipath);
        return EXIT_USAGE;
    }
    blis_doc_free(&index);
    snprintf(path, size, "%s/model_configs/%s/config.json", data_dir, found);
    return 0;
}

static int load_model(const char *path, blis_model_config *m) {
    blis_doc doc;
    blis_err err;
    int rc = read_json(path, &doc);
    if (rc) return rc;
    if (blis_model_config_from_doc(&doc, m, &err) != BLIS_OK || blis_model_config_validate(m, &err) != BLIS_OK) {
        if (!err.source[0] || !strcmp(err.source, "<input>"))
            snprintf(err.source, sizeof err.source, "%.*s", (int)sizeof err.source - 1, path);
        print_err(&err);
        rc = EXIT_USAGE;
    }
    blis_doc_free(&doc);
    return rc;
}

static int load_hw(const char *path, const char *gpu, int version, blis_hw_config *hw) {
    blis_doc doc;
    blis_err err;
    int rc = read_json(path, &doc);
    if (rc) return rc;
    if (blis_hw_config_from_doc(&doc, gpu, hw, &err) != BLIS_OK ||
        blis_hw_config_validate(hw, version, &err) != BLIS_OK) {
        snprintf(err.source, sizeof err.source, "%.*s", (int)sizeof err.source - 1, path);
        print_err(&err);
        rc = EXIT_USAGE;
    }
    blis_doc_free(&doc);
    return rc;
}

#endif
