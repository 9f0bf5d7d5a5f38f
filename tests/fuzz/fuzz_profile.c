/* libFuzzer target: described ground-truth records expanded into requests (see blis_fuzz_profile in fuzz_common.h). */
#define BLIS_IMPLEMENTATION
#include "../../blis.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    if (blis_fuzz_profile(data, size) != 0) abort();
    return 0;
}
