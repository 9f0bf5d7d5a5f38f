/* tools/simulation_worker.h - what the units of simulation_worker share.
 *
 * Thin by design: the tool parses arguments, reads files, calls blis.h and
 * prints. stdout carries results; diagnostics go to stderr as
 * "file:line:col: error: message". Exit status: 0 success, 1 runtime
 * failure (e.g. stdout cannot be written), 2 usage or input error.
 *
 * One compiled unit per command family, each with its own usage text:
 *   simulation_worker.c  main, dispatch, --help and COMMAND --help
 *   sw_common.c          shared flag parsing (unknown flags, values), files
 *   sw_engine.c          run, step
 *   sw_plan.c            sweep, sweep merge, search, plot, report
 *   sw_eval.c            evaluate, calibrate
 *   sw_tools.c           check, validate-bench-data, import-kernel-tables,
 *                        convert, compose
 *   blis_impl.c          blis.h and blis_fetch.h compiled (BLIS_IMPLEMENTATION)
 *   cli_common.c         helpers shared with transformer_roofline_analyzer */
#ifndef BLIS_SIMULATION_WORKER_H
#define BLIS_SIMULATION_WORKER_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* blis_fetch.h: directories, processes, terminals */
#endif
#include "../blis.h"
#include "../blis_fetch.h"
#include "cli_common.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- usage texts (each literal within ISO C99's 4095 bytes) ---- */
extern const char usage_text[];        /* simulation_worker.c: the synopsis and run's workload flags */
extern const char usage_text_engine[]; /* sw_engine.c: run's engine, latency and cluster flags */
extern const char usage_text_more[];   /* sw_engine.c: run's outputs; step */
extern const char usage_text_plan[];   /* sw_plan.c: sweep, search, plot */
extern const char usage_text_report[]; /* sw_plan.c: report */
extern const char usage_text_eval[];   /* sw_eval.c: evaluate, calibrate */
extern const char usage_text_tools[];  /* sw_tools.c: the file tools, model configs, exit status */

/* ---- the commands ---- */
int cmd_run(int argc, char **argv, const char *argv0);
int cmd_step(int argc, char **argv, const char *argv0);
int cmd_sweep(int argc, char **argv, const char *argv0);
int cmd_search(int argc, char **argv, const char *argv0);
int cmd_plot(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_evaluate(int argc, char **argv, const char *argv0);
int cmd_calibrate(int argc, char **argv, const char *argv0);
int cmd_check(int argc, char **argv);
int cmd_validate_bench(int argc, char **argv);
int cmd_import_tables(int argc, char **argv, const char *argv0);
int cmd_convert(int argc, char **argv, const char *argv0);
int cmd_compose(int argc, char **argv);

/* ---- sw_common.c: flags, errors, files ---- */
extern char sw_name[]; /* "simulation_worker": the model resolver's user, naming the tool on an interrupt */
/* "simulation_worker: error: MSG: ARG" and the pointer to --help; EXIT_USAGE. */
int usage_error(const char *msg, const char *arg);
/* "unknown option for CMD: --num-request (did you mean --num-requests?)":
 * the closest of the command's own flags (extra) and, with run_flags, run's. */
int unknown_flag(const char *cmd, const char *arg, const char *const *extra, size_t n_extra, int run_flags);
/* "FLAG: expected EXPECTED, got 'GOT'"; EXIT_USAGE. */
int flag_error(const char *flag, const char *expected, const char *got);
/* An integer flag value in lo..hi into *out; else flag_error. */
int parse_int_in(const char *flag, const char *v, int lo, int hi, int *out);
/* --roofline-ext LIST into the extension bits; else flag_error. */
int parse_roofline_ext(const char *v, unsigned *out);
/* The flags of `run` into o (blis_run_options_init first): run's own
 * parsing, the one sweep and search points go through too. */
int parse_run_args(int argc, char **argv, blis_run_options *o);
/* The decimal digits at s (no sign, no blanks) into *out, *end after them;
 * 0 when there are none or they overflow. */
int digits_ul(const char *s, const char **end, unsigned long *out);
/* Reads a JSON or YAML file into doc; prints the error. */
int read_doc(const char *path, int yaml, blis_doc *doc);
int read_yaml(const char *path, blis_doc *doc);
int read_json(const char *path, blis_doc *doc);
/* "simulation_worker: error: MSG" on stderr; EXIT_USAGE. */
int run_error(const char *msg);
int file_exists(const char *path);
/* The exit status for a library error: 1 for the machine's, 2 for the input's. */
int run_exit_status(const blis_err *err);
/* A library error on stderr (with a hint when one helps); its exit status. */
int run_report(const blis_err *err, const char *hint);
/* Gives a new output file the mode an ordinary one would have (umask). */
int fchmod_path(const char *path);
/* The progress text: done of total, the percentage and the ETA when the
 * total is known, then simulated time and events per second. */
void progress_format(char *buf, size_t size, double sim_s, int64_t done, int64_t total, double elapsed_s,
                     double events_per_s);
/* A monotonic clock in seconds. */
double mono_s(void);
/* The tools' environment for the library: the bundled data, the resolver, the log. */
void cli_env(blis_run_env *env, const char *argv0, char *data_buf, size_t data_size, cli_log *log);

/* ---- sw_engine.c: one simulation, shared with sweep and search ---- */
/* The progress line on stderr (a terminal, a run past 2 s, not --quiet):
 * requests done of the total (percentage, ETA) when it is known, simulated
 * time, events per second; redrawn at most every half second and erased at
 * the end. */
typedef struct progress_line {
    double start_s, last_s;
    int shown;
    int64_t total; /* requests the run will complete (0: not known ahead) */
} progress_line;

/* What a run keeps besides the library's state: the options (their
 * strings), the log and the progress line. */
typedef struct run_ctx {
    blis_run_options opt;
    blis_run run;
    cli_log log;
    progress_line pl;
    char data_buf[1024];
    const char *data_dir;
} run_ctx;

void run_ctx_free(run_ctx *x);
/* The flags to a finished run in x->run. `sweep` (point_mode) shows no
 * progress line and never writes --results-path. The caller frees x. */
int run_simulate(int argc, char **argv, const char *argv0, run_ctx *x, int point_mode);
/* Writes the results file ("-": stdout) of a finished run. */
int write_results(const char *path, const blis_cluster *c, const blis_metrics *m);

#endif
