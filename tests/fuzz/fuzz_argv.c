/* libFuzzer target: the `run` command line (see tests/fuzz/fuzz_argv.h). */
#define _POSIX_C_SOURCE 200809L
#define BLIS_IMPLEMENTATION
#include "../../blis.h"
#include "../../blis_fetch.h"
#include "../../tools/cli_common.c"
#include "../../tools/sw_common.c"
#include "fuzz_argv.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    if (blis_fuzz_argv(data, size) != 0) abort();
    return 0;
}
