#define BLIS_IMPLEMENTATION
#include "blis.h"

#include <stdio.h>

static int to_stdout(void *user, const char *data, size_t len) {
    return fwrite(data, 1, len, (FILE *)user) == len ? 0 : -1;
}

int main(void) {
    const char *options = "{\"model\": \"meta-llama/llama-3.1-8b-instruct\", \"rate\": 4,"
                          " \"num_requests\": 200, \"defaults_filepath\": \"data/defaults.yaml\"}";
    blis_err err;
    if (blis_run_json(options, strlen(options), NULL, to_stdout, stdout, &err) != BLIS_OK) {
        fprintf(stderr, "quickstart: %s\n", err.msg);
        return 2;
    }
    return 0;
}
