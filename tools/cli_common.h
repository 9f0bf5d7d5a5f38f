/* tools/cli_common.h - helpers shared by the blis command-line tools
 * (included by each tool after blis.h; every function is static). Output:
 * results on stdout, errors on stderr as "file:line:col: error: message". */
#ifndef BLIS_CLI_COMMON_H
#define BLIS_CLI_COMMON_H

#include <errno.h>
#include <signal.h>
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

/* The bundled hardware file for a latency model: hardware_calibrated.json
 * (blis's fitted roofline v1 constants, for v1 with its extensions: the
 * tools' default) when calibrated, else hardware_config.json (the
 * reference's published constants: plain v1, v2, the analyzer). */
static void bundled_hw_path(const char *data_dir, int calibrated, char *buf, size_t size) {
    snprintf(buf, size, "%s/%s", data_dir ? data_dir : "data",
             calibrated ? "hardware_calibrated.json" : "hardware_config.json");
}

/* Reads a JSON or YAML file into doc; prints the error. */
static int read_doc(const char *path, int yaml, blis_doc *doc) {
    blis_err err;
    if (blis_doc_load(path, yaml, doc, &err) == BLIS_OK) return 0;
    print_err(&err);
    return EXIT_USAGE;
}


/* Log levels in order; -1 for an unknown name. */
static int cli_log_level(const char *name) {
    static const char *const levels[] = {"trace", "debug", "info", "warn", "error", "fatal", "panic"};
    int i;
    for (i = 0; i < 7; i++)
        if (!strcmp(name, levels[i])) return i;
    return -1;
}

/* Messages at or above threshold (a cli_log_level) go to stderr. */
typedef struct cli_log {
    const char *tool;
    int threshold;
    const char *prefix; /* before each message ("--roofline: "), or NULL */
} cli_log;

static void cli_log_fn(void *user, const char *level, const char *msg) {
    const cli_log *l = (const cli_log *)user;
    if (cli_log_level(level) >= l->threshold)
        fprintf(stderr, "%s: %s: %s%s\n", l->tool, !strcmp(level, "warn") ? "warning" : level,
                l->prefix ? l->prefix : "", msg);
}

/* The signal that interrupted a download (SIGINT, SIGTERM), 0 if none. */
static volatile sig_atomic_t cli_caught_signal;
static void cli_on_signal(int sig) { cli_caught_signal = sig; }

/* Routes SIGINT and SIGTERM to cli_on_signal (no SA_RESTART, so a wait sees
 * EINTR), keeping the previous handlers in old_int/old_term for
 * cli_restore_signals; a signal the caller ignores stays ignored. */
static void cli_catch_signals(struct sigaction *old_int, struct sigaction *old_term) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = cli_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, NULL, old_int);
    sigaction(SIGTERM, NULL, old_term);
    if (old_int->sa_handler != SIG_IGN) sigaction(SIGINT, &sa, NULL);
    if (old_term->sa_handler != SIG_IGN) sigaction(SIGTERM, &sa, NULL);
}

static void cli_restore_signals(const struct sigaction *old_int, const struct sigaction *old_term) {
    sigaction(SIGINT, old_int, NULL);
    sigaction(SIGTERM, old_term, NULL);
}

/* 1 when HF_HUB_OFFLINE (huggingface_hub's switch) turns downloads off. */
static int cli_hf_offline(void) {
    const char *v = getenv("HF_HUB_OFFLINE");
    return v && *v && strcmp(v, "0") && strcmp(v, "false") && strcmp(v, "False");
}

/* src in lower case (ASCII), truncated to fit dst of size bytes. */
/* The exit status once stdout is flushed: output that could not be written
 * (a full disk, a closed pipe) is an error that says so, whatever the
 * command printed. */
static int cli_finish_stdout(const char *tool, int rc) {
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: error: cannot write to standard output%s%s\n", tool, errno ? ": " : "",
                errno ? strerror(errno) : "");
        if (rc == 0) rc = EXIT_RUNTIME;
    }
    return rc;
}

static void lower_copy(char *dst, size_t size, const char *src) {
    size_t i;
    for (i = 0; i + 1 < size && src[i]; i++) dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] + 32 : src[i]);
    dst[i] = '\0';
}

/* A config.json path for a model (spec §6): dir/config.json when dir is
 * given; else model_configs/<short name> beside the defaults file, then the
 * user cache, then (when allow_download and not HF_HUB_OFFLINE) a download
 * from HuggingFace into the first writable of those. The repository is the
 * defaults file's hf_repo for the lower-cased name, else the name as typed.
 * Exit status 2 for names and answers that are the user's to fix (bad
 * names, HTTP 404, nothing cached with downloads off), 1 for the rest. */
static int resolve_model_config(const char *tool, const char *model, const char *dir, const char *defaults_path,
                                int allow_download, cli_log *log, char *path, size_t size) {
    blis_hf_resolve_opts o;
    blis_err err;
    blis_doc d;
    char lc[256], repo[256], found[1100];
    FILE *f;
    if (dir) {
        snprintf(path, size, "%s/config.json", dir);
        return 0;
    }
    lower_copy(lc, sizeof lc, model);
    snprintf(repo, sizeof repo, "%s", model);
    memset(&o, 0, sizeof o);
    if (defaults_path && (f = fopen(defaults_path, "rb")) != NULL) {
        char hf[256];
        fclose(f);
        if (read_doc(defaults_path, 1, &d)) return EXIT_USAGE;
        if (blis_defaults_hf_repo(&d, lc, hf, sizeof hf, &err) == BLIS_OK && hf[0])
            snprintf(repo, sizeof repo, "%s", hf);
        blis_doc_free(&d);
        o.defaults_path = defaults_path;
    }
    o.hf_repo = repo;
    o.allow_download = allow_download && !cli_hf_offline();
    o.fetch.curl = getenv("BLIS_CURL");
    o.fetch.cancel = &cli_caught_signal;
    o.log = cli_log_fn;
    o.log_user = log;
    { /* SIGINT/SIGTERM stop curl and leave the cache as it was, then end the process as the signal would */
        struct sigaction old_int, old_term;
        blis_status st;
        cli_catch_signals(&old_int, &old_term); /* the wait for curl sees EINTR */
        st = blis_hf_resolve_config(&o, lc, found, sizeof found, &err);
        cli_restore_signals(&old_int, &old_term);
        if (cli_caught_signal) {
            fprintf(stderr, "%s: interrupted; nothing was written\n", tool);
            signal(cli_caught_signal, SIG_DFL); /* end as the signal would, whatever handler the caller had */
            raise(cli_caught_signal);
            return EXIT_RUNTIME;
        }
        if (st == BLIS_OK) err.status = BLIS_OK;
    }
    if (err.status != BLIS_OK) {
        static const char advice[] = "Provide --model-config-folder explicitly";
        char *at = strstr(err.msg, advice);
        if (at && strcmp(tool, "simulation_worker") != 0) /* the analyzer takes a config.json path instead */
            snprintf(at, sizeof err.msg - (size_t)(at - err.msg), "Give the path to its config.json instead");
        fprintf(stderr, "%s: error: %s%s\n", tool, log->prefix ? log->prefix : "", err.msg);
        if (err.status == BLIS_E_MISSING && !o.allow_download)
            fprintf(stderr, "%s: hint: %s\n", tool,
                    cli_hf_offline() ? "HF_HUB_OFFLINE is set, so nothing was downloaded"
                                     : "pass --roofline (with --hardware and --tp) to download it from HuggingFace");
        return err.status == BLIS_E_IO ? EXIT_RUNTIME : EXIT_USAGE;
    }
    snprintf(path, size, "%s/config.json", found);
    return 0;
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

#endif
