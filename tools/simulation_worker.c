/* simulation_worker - the blis command-line tool: main, the command
 * dispatch and the help. The commands live in their families' units
 * (simulation_worker.h lists them). */
#include "simulation_worker.h"

const char usage_text[] = "usage: simulation_worker <command> [options]\n"
                          "       simulation_worker --help | --version\n"
                          "\n"
                          "blis " BLIS_VERSION ": a C port of BLIS, the LLM inference serving simulator.\n"
                          "\n"
                          "commands:\n"
                          "  run --model NAME [options]\n"
                          "        Simulate vLLM instances serving a workload; print the reference's\n"
                          "        '=== Simulation Metrics ===' JSON (TTFT, ITL, E2E, throughput).\n"
                          "    workload:\n"
                          "      --workload distribution|traces|chatbot|summarization|contentgen|multidoc\n"
                          "                      (distribution; presets from the defaults file)\n"
                          "      --rate R (1 req/s) --num-requests N (100) --seed S (42) --horizon US (none)\n"
                          "                      (with a spec: its aggregate rate, every client in\n"
                          "                      proportion; with a trace: its arrivals time-\n"
                          "                      compressed to that mean rate)\n"
                          "      --arrival constant|poisson|gamma|weibull  the distribution's and the\n"
                          "                      presets' arrivals (constant: evenly spaced, the\n"
                          "                      reference's; sweep and search: poisson)\n"
                          "      --arrival-cv F  gamma and weibull: the gaps' coefficient of variation\n"
                          "                      (1 is Poisson's burstiness; 0.01 to 10.4)\n"
                          "      --prefix-tokens N (0) --prompt-tokens N (512) --prompt-tokens-stdev N (256)\n"
                          "      --prompt-tokens-min N (2) --prompt-tokens-max N (7000); the same four\n"
                          "      for --output-tokens\n"
                          "      --workload-traces-filepath FILE  CSV for --workload traces: a header, then\n"
                          "                      arrival_s,_,_,\"[input IDs]\",\"[output IDs]\" (sorted)\n"
                          "      --workload-spec FILE  workload-spec YAML (clients, cohorts, arrivals,\n"
                          "                      lengths, prefixes, sessions, multimodal prompts;\n"
                          "                      its seed/horizon/num_requests\n"
                          "                      unless the flags are given)\n";

/* COMMAND --help: the blocks of the usage text that begin with the command
 * ("  run ...", "  sweep merge ...": a line of two spaces then the name;
 * a block runs until the next such line). 0 when none matched. */
static int print_command_help(const char *cmd) {
    const char *const parts[] = {usage_text,        usage_text_engine, usage_text_more, usage_text_plan,
                                 usage_text_report, usage_text_eval,   usage_text_tools};
    size_t k, len = strlen(cmd), lines = 0;
    int in = 0;
    for (k = 0; k < sizeof parts / sizeof parts[0]; k++) {
        const char *p = parts[k];
        while (*p) {
            size_t n = strcspn(p, "\n");
            if (n > 2 && p[0] == ' ' && p[1] == ' ' && p[2] != ' ') /* a command's first line */
                in = n >= len + 2 && !strncmp(p + 2, cmd, len) && (p[2 + len] == ' ' || p[2 + len] == '\n');
            if (in) {
                if (!lines) printf("usage: simulation_worker %s [options]\n\n", cmd);
                fwrite(p, 1, n, stdout);
                putchar('\n');
                lines++;
            }
            p += n + (p[n] == '\n');
        }
    }
    return lines > 0;
}

static int dispatch(int argc, char **argv) {
    if (argc < 2) return usage_error("missing command", NULL);
    if (argv[1][0] != '-' && strcmp(argv[1], "help") != 0) { /* COMMAND ... --help: that command's usage */
        int i;
        for (i = 2; i < argc; i++)
            if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
                if (!print_command_help(argv[1])) break;
                return fflush(stdout) ? EXIT_RUNTIME : 0;
            }
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(usage_text, stdout);
        fputs(usage_text_engine, stdout);
        fputs(usage_text_more, stdout);
        fputs(usage_text_plan, stdout);
        fputs(usage_text_report, stdout);
        fputs(usage_text_eval, stdout);
        fputs(usage_text_tools, stdout);
        return fflush(stdout) ? EXIT_RUNTIME : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("simulation_worker (blis) %s\nreproduces BLIS %s; https://www.apache.org/licenses/LICENSE-2.0\n",
               BLIS_VERSION, BLIS_REFERENCE_VERSION);
        return fflush(stdout) ? EXIT_RUNTIME : 0;
    }
    if (!strcmp(argv[1], "check")) return cmd_check(argc - 2, argv + 2);
    if (!strcmp(argv[1], "step")) return cmd_step(argc - 2, argv + 2, argv[0]);
    if (!strcmp(argv[1], "evaluate")) return cmd_evaluate(argc - 2, argv + 2, argv[0]);
    if (!strcmp(argv[1], "calibrate")) return cmd_calibrate(argc - 2, argv + 2, argv[0]);
    if (!strcmp(argv[1], "run")) return cmd_run(argc - 2, argv + 2, argv[0]);
    if (!strcmp(argv[1], "sweep")) return cmd_sweep(argc - 2, argv + 2, argv[0]);
    if (!strcmp(argv[1], "search")) return cmd_search(argc - 2, argv + 2, argv[0]);
    if (!strcmp(argv[1], "plot")) return cmd_plot(argc - 2, argv + 2);
    if (!strcmp(argv[1], "report")) return cmd_report(argc - 2, argv + 2);
    if (!strcmp(argv[1], "validate-bench-data")) return cmd_validate_bench(argc - 2, argv + 2);
    if (!strcmp(argv[1], "import-kernel-tables")) return cmd_import_tables(argc - 2, argv + 2, argv[0]);
    if (!strcmp(argv[1], "convert")) return cmd_convert(argc - 2, argv + 2, argv[0]);
    if (!strcmp(argv[1], "compose")) return cmd_compose(argc - 2, argv + 2);
    return usage_error("unknown command (available: run, sweep, search, plot, report, step, evaluate, calibrate, "
                       "convert, compose, validate-bench-data, import-kernel-tables, check)",
                       argv[1]);
}

int main(int argc, char **argv) { return cli_finish_stdout("simulation_worker", dispatch(argc, argv)); }
