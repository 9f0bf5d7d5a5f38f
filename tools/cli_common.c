/* tools/cli_common.c - helpers shared by the blis command-line tools
 * (simulation_worker and transformer_roofline_analyzer); declared in
 * cli_common.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "../blis.h"
#include "../blis_fetch.h"
#include "cli_common.h"

int file_write(void *user, const char *data, size_t len_bytes) {
    return fwrite(data, 1, len_bytes, (FILE *)user) == len_bytes ? 0 : -1;
}

void print_err(const blis_err *err) {
    char msg[1024];
    blis_err_format(err, msg, sizeof msg);
    fprintf(stderr, "%s\n", msg);
}

int cli_error(const char *tool, const char *msg, const char *arg) {
    fprintf(stderr, "%s: error: %s%s%s\n", tool, msg, arg ? ": " : "", arg ? arg : "");
    fprintf(stderr, "run '%s --help' for usage\n", tool);
    return EXIT_USAGE;
}

/* The bundled data directory: $BLIS_DATA_DIR, data/ beside the executable,
 * or the installed one; NULL when none holds hardware_config.json. */
const char *find_data_dir(const char *argv0, char *buf, size_t size) {
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
void bundled_hw_path(const char *data_dir, int calibrated, char *buf, size_t size) {
    snprintf(buf, size, "%s/%s", data_dir ? data_dir : "data",
             calibrated ? "hardware_calibrated.json" : "hardware_config.json");
}

void cli_log_fn(void *user, const char *level, const char *msg) {
    const cli_log *l = (const cli_log *)user;
    if (blis_log_level(level) >= l->threshold)
        fprintf(stderr, "%s: %s: %s%s\n", l->tool, !strcmp(level, "warn") ? "warning" : level,
                l->prefix ? l->prefix : "", msg);
}

/* The signal that interrupted a download (SIGINT, SIGTERM), 0 if none. */
volatile sig_atomic_t cli_caught_signal;
static void cli_on_signal(int sig) { cli_caught_signal = sig; }

/* Routes SIGINT and SIGTERM to cli_on_signal (no SA_RESTART, so a wait sees
 * EINTR), keeping the previous handlers in old_int/old_term for
 * cli_restore_signals; a signal the caller ignores stays ignored. */
void cli_catch_signals(struct sigaction *old_int, struct sigaction *old_term) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = cli_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, NULL, old_int);
    sigaction(SIGTERM, NULL, old_term);
    if (old_int->sa_handler != SIG_IGN) sigaction(SIGINT, &sa, NULL);
    if (old_term->sa_handler != SIG_IGN) sigaction(SIGTERM, &sa, NULL);
}

void cli_restore_signals(const struct sigaction *old_int, const struct sigaction *old_term) {
    sigaction(SIGINT, old_int, NULL);
    sigaction(SIGTERM, old_term, NULL);
}

/* The exit status once stdout is flushed: output that could not be written
 * (a full disk, a closed pipe) is an error that says so, whatever the
 * command printed. */
int cli_finish_stdout(const char *tool, int rc) {
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: error: cannot write to standard output%s%s\n", tool, errno ? ": " : "",
                errno ? strerror(errno) : "");
        if (rc == 0) rc = EXIT_RUNTIME;
    }
    return rc;
}

/* The tools' model resolver (a blis_model_resolve_fn; user: the tool's
 * name): blis_run_resolve_model with SIGINT and SIGTERM stopping a
 * download, the process then ending as the signal would. */
blis_status cli_resolve_model(void *user, const char *model, const char *model_typed, const char *defaults,
                              int allow_download, char *dir, size_t size, char *hint, size_t hint_size, blis_log_fn log,
                              void *log_user, blis_err *err) {
    blis_run_resolver rv;
    struct sigaction old_int, old_term;
    blis_status st;
    rv.cancel = &cli_caught_signal;
    cli_catch_signals(&old_int, &old_term); /* the wait for curl sees EINTR */
    st = blis_run_resolve_model(&rv, model, model_typed, defaults, allow_download, dir, size, hint, hint_size, log,
                                log_user, err);
    cli_restore_signals(&old_int, &old_term);
    if (cli_caught_signal) {
        fprintf(stderr, "%s: interrupted; nothing was written\n", (const char *)user);
        signal(cli_caught_signal, SIG_DFL); /* end as the signal would, whatever handler the caller had */
        raise(cli_caught_signal);
    }
    return st;
}
