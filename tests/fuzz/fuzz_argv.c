/* libFuzzer target: the `run` command line (see tests/fuzz/fuzz_argv.h). */
#define main blis_sw_main
#include "../../tools/simulation_worker.c"
#undef main
#include "fuzz_argv.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    if (blis_fuzz_argv(data, size) != 0) abort();
    return 0;
}
