/* libFuzzer target: the gzip properties of tests/fuzz/fuzz_common.h. */
#define BLIS_IMPLEMENTATION
#include "../../blis.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    if (blis_fuzz_gzip(data, size) != 0) abort();
    return 0;
}
