/* libFuzzer target: bench_data tables (the validator and the MFU database
 * loaders and lookups; see blis_fuzz_bench in fuzz_common.h). */
#define BLIS_IMPLEMENTATION
#include "../../blis.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    if (blis_fuzz_bench(data, size) != 0) abort();
    return 0;
}
