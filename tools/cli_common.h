/* tools/cli_common.h - helpers shared by the blis command-line tools
 * (defined in cli_common.c; include after blis.h and blis_fetch.h). Output:
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
#define BLIS_DATA_DIR_DEFAULT "/usr/local/share/blis-sim"
#endif

/* A blis_write_fn over a FILE * (user). */
int file_write(void *user, const char *data, size_t len_bytes);
/* The library error on stderr, formatted as file:line:col: error: message. */
void print_err(const blis_err *err);
/* "TOOL: error: MSG: ARG" and the pointer to --help; returns EXIT_USAGE. */
int cli_error(const char *tool, const char *msg, const char *arg);
/* The bundled data directory: $BLIS_DATA_DIR, data/ beside the executable,
 * or the installed one; NULL when none holds hardware_config.json. */
const char *find_data_dir(const char *argv0, char *buf, size_t size);
/* The bundled hardware file for a latency model: hardware_calibrated.json
 * (blis's fitted roofline v1 constants, for v1 with its extensions: the
 * tools' default) when calibrated, else hardware_config.json (the
 * reference's published constants: plain v1, v2, the analyzer). */
void bundled_hw_path(const char *data_dir, int calibrated, char *buf, size_t size);

/* Messages at or above threshold (a cli_log_level) go to stderr. */
typedef struct cli_log {
    const char *tool;
    int threshold;
    const char *prefix; /* before each message ("--roofline: "), or NULL */
} cli_log;
/* A blis_log_fn over a cli_log (user). */
void cli_log_fn(void *user, const char *level, const char *msg);

/* The signal that interrupted a download or a run (SIGINT, SIGTERM), 0 if
 * none: the tools' one piece of process state, set by the handler. */
extern volatile sig_atomic_t cli_caught_signal;
/* Routes SIGINT and SIGTERM to a handler setting cli_caught_signal (no
 * SA_RESTART, so a wait sees EINTR), keeping the previous handlers in
 * old_int/old_term for cli_restore_signals; a signal the caller ignores
 * stays ignored. */
void cli_catch_signals(struct sigaction *old_int, struct sigaction *old_term);
void cli_restore_signals(const struct sigaction *old_int, const struct sigaction *old_term);
/* The exit status once stdout is flushed: output that could not be written
 * (a full disk, a closed pipe) is an error that says so, whatever the
 * command printed. */
int cli_finish_stdout(const char *tool, int rc);
/* The tools' model resolver (a blis_model_resolve_fn; user: the tool's
 * name): blis_run_resolve_model with SIGINT and SIGTERM stopping a
 * download, the process then ending as the signal would. */
blis_status cli_resolve_model(void *user, const char *model, const char *model_typed, const char *defaults,
                              int allow_download, char *dir, size_t size, char *hint, size_t hint_size, blis_log_fn log,
                              void *log_user, blis_err *err);

#endif
