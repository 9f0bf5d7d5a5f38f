/* libFuzzer target: the sweep row reader (tools/sw_plan.c) on arbitrary
 * bytes as a CSV and as a JSON Lines sweep output: read as plot and report
 * read it (rtable_read), continued as --resume continues a partial file
 * (resume_prefix, for a 4-point grid), joined as sweep merge joins shards.
 * Properties: no crash or leak; a resumed prefix lies within the input;
 * a merged output merges again to the same bytes. The unit is included
 * whole to reach its static readers; the other units link as in the tool. */
#define _POSIX_C_SOURCE 200809L
#include "../../tools/sw_plan.c"
#include <unistd.h>

/* COMMAND --help texts the tool's main unit defines (not linked here) */
const char usage_text[] = "";

static int fuzz_rows_write(const char *path, const unsigned char *data, size_t size) {
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(data, 1, size, f) == size;
    if (f && fclose(f) != 0) ok = 0;
    return ok;
}

static int fuzz_rows_merge(const char *in, const char *out) {
    char a0[] = "--out", a1[512], a2[512];
    char *argv[3];
    snprintf(a1, sizeof a1, "%s", out);
    snprintf(a2, sizeof a2, "%s", in);
    argv[0] = a0, argv[1] = a1, argv[2] = a2;
    return cmd_sweep_merge(3, argv);
}

static int fuzz_rows_resume(const unsigned char *data, size_t size, int jsonl) {
    static sweep_ctx x;
    static int ready[2];
    static blis_buf header;
    size_t ids[4] = {0, 1, 2, 3}, done = 0, keep = 0;
    if (!ready[jsonl]) {
        blis_err err;
        if (ready[!jsonl]) sweep_ctx_free(&x);
        memset(&x, 0, sizeof x);
        blis_grid_init(&x.grid);
        if (blis_grid_add_axis_text(&x.grid, "rate", "1,2,3,4", &err) || sweep_finish_setup(&x, NULL, 0)) abort();
        plan_digest(&x, "sweep");
        x.jsonl = jsonl;
        blis_buf_free(&header);
        memset(&header, 0, sizeof header);
        if (!jsonl) csv_header(&x, NULL, 0, &header);
        ready[jsonl] = 1, ready[!jsonl] = 0;
    }
    if (resume_prefix(&x, (const char *)data, size, ids, 4, jsonl ? NULL : header.data, &done, &keep) == 0 &&
        (keep > size || done > 4 || (done > 0 && keep == 0)))
        return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    static const char *const ext[2] = {"csv", "jsonl"};
    char in[256], out[256], again[256];
    int k;
    for (k = 0; k < 2; k++) {
        rtable t;
        char *a = NULL, *b = NULL;
        size_t la = 0, lb = 0;
        blis_err err;
        snprintf(in, sizeof in, "/tmp/blis_fuzz_rows_%ld.%s", (long)getpid(), ext[k]);
        snprintf(out, sizeof out, "/tmp/blis_fuzz_rows_%ld_out.%s", (long)getpid(), ext[k]);
        snprintf(again, sizeof again, "/tmp/blis_fuzz_rows_%ld_again.%s", (long)getpid(), ext[k]);
        if (!fuzz_rows_write(in, data, size)) return 0;
        if (rtable_read(in, &t) == 0) rtable_free(&t);
        if (fuzz_rows_resume(data, size, k)) abort();
        remove(out);
        if (fuzz_rows_merge(in, out) == 0) { /* merged: merging it again changes nothing */
            if (fuzz_rows_merge(out, again) != 0) abort();
            if (blis_file_read(out, 0, NULL, &a, &la, &err) || blis_file_read(again, 0, NULL, &b, &lb, &err)) abort();
            if (la != lb || memcmp(a, b, la) != 0) abort();
            blis_file_free(NULL, a);
            blis_file_free(NULL, b);
        }
        remove(in);
        remove(out);
        remove(again);
    }
    return 0;
}
