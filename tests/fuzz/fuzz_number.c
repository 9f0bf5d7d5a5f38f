/* libFuzzer target: the number properties of tests/fuzz/fuzz_common.h. */
#define BLIS_IMPLEMENTATION
#include "../../blis.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    if (blis_fuzz_number(data, size) != 0) abort();
    return 0;
}
