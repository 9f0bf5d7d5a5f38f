/* tests/test_argv.c - the argv fuzz target's corpus (tests/fuzz/corpus/argv,
 * seeds and every crash found) replayed through the same property: the run
 * command's flag parser, compiled in here from simulation_worker's shared
 * flag parsing (tools/sw_common.c, with tools/cli_common.c). */
#include "../tools/cli_common.c"
#include "../tools/sw_common.c"
#include "fuzz/fuzz_argv.h"

TEST(fuzz_corpus_argv) {
    DIR *d = opendir("tests/fuzz/corpus/argv");
    struct dirent *e;
    int files = 0;
    CHECK_MSG(d != NULL, "missing tests/fuzz/corpus/argv (run from the repository root)");
    if (!d) return;
    while ((e = readdir(d)) != NULL) {
        char path[512];
        char *data = NULL;
        size_t len = 0;
        blis_err err;
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "tests/fuzz/corpus/argv/%.300s", e->d_name);
        CHECK(blis_file_read(path, 0, NULL, &data, &len, &err) == BLIS_OK);
        if (!data) continue;
        files++;
        CHECK_MSG(blis_fuzz_argv((const unsigned char *)data, len) == 0, "property violated on %s", path);
        free(data);
    }
    closedir(d);
    CHECK(files >= 5);
}
