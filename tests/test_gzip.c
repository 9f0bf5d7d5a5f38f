/* tests/test_gzip.c - blis_gunzip against the gzip program (an independent
 * encoder): every compression level, an empty file, incompressible bytes,
 * several members; corrupted and truncated input is refused. */

#include <sys/wait.h>

static int t_have_gzip(void) { return system("gzip --version >/dev/null 2>&1") == 0; }

/* Compresses build/gz_in with `gzip <opts>` and checks the round trip. */
static void t_gz_roundtrip(t_ctx *t_, const char *data, size_t n, const char *opts) {
    char cmd[256], *gz = NULL, *out = NULL;
    size_t gz_len = 0, out_len = 0;
    blis_err err;
    FILE *f = fopen("build/gz_in", "wb");
    if (!f) {
        CHECK_MSG(0, "cannot write build/gz_in");
        return;
    }
    fwrite(data, 1, n, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "gzip %s -c build/gz_in > build/gz_in.gz", opts);
    CHECK_EQ_I64(system(cmd), 0);
    CHECK_EQ_I64(blis_file_read("build/gz_in.gz", 0, NULL, &gz, &gz_len, &err), BLIS_OK);
    CHECK_MSG(blis_gunzip((const unsigned char *)gz, gz_len, 0, NULL, &out, &out_len, &err) == BLIS_OK, "%s: %s", opts,
              err.msg);
    CHECK_MSG(out_len == n && (n == 0 || !memcmp(out, data, n)), "%s: %lu bytes back of %lu", opts,
              (unsigned long)out_len, (unsigned long)n);
    blis_file_free(NULL, gz);
    free(out);
    remove("build/gz_in");
    remove("build/gz_in.gz");
}

TEST(gzip_roundtrip) {
    static const char *const levels[] = {"-1", "-6", "-9", "-9 -n", NULL};
    char *text = (char *)malloc(300000), *noise = (char *)malloc(70000);
    size_t i, n = 0;
    uint64_t x = 88172645463325252ull;
    if (!t_have_gzip()) {
        free(text);
        free(noise);
        SKIP("the gzip program is not installed");
    }
    if (!text || !noise) {
        free(text);
        free(noise);
        CHECK_MSG(0, "out of memory");
        return;
    }
    while (n < 290000) /* a CSV-like text: long matches, dynamic Huffman blocks */
        n += (size_t)snprintf(text + n, 300000 - n, "%lu,%lu,%lu,0,%lu\n", (unsigned long)(n * 7919 % 100003),
                              (unsigned long)(n % 997), (unsigned long)(n % 13), (unsigned long)(n * 31 % 65537));
    for (i = 0; i < 70000; i++) { /* incompressible: stored blocks */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        noise[i] = (char)(x & 0xFF);
    }
    for (i = 0; levels[i]; i++) t_gz_roundtrip(t_, text, n, levels[i]);
    t_gz_roundtrip(t_, noise, 70000, "-9");
    t_gz_roundtrip(t_, "", 0, "-6");
    t_gz_roundtrip(t_, "a", 1, "-1");
    free(text);
    free(noise);
    { /* two members concatenated decode to both texts */
        char *gz = NULL, *out = NULL;
        size_t gz_len = 0, out_len = 0;
        blis_err err;
        CHECK_EQ_I64(system("printf 'first,' | gzip -c > build/gz2.gz && printf 'second' | gzip -c >> build/gz2.gz"),
                     0);
        CHECK_EQ_I64(blis_file_read("build/gz2.gz", 0, NULL, &gz, &gz_len, &err), BLIS_OK);
        CHECK_EQ_I64(blis_gunzip((const unsigned char *)gz, gz_len, 0, NULL, &out, &out_len, &err), BLIS_OK);
        CHECK_STR(out, "first,second");
        free(out);
        out = NULL;
        /* one flipped bit inside the data, a cut, a wrong signature, a cap */
        if (gz_len > 20) {
            gz[12] = (char)(gz[12] ^ 0x10);
            CHECK(blis_gunzip((const unsigned char *)gz, gz_len, 0, NULL, &out, &out_len, &err) != BLIS_OK ||
                  strcmp(out, "first,second") != 0);
            gz[12] = (char)(gz[12] ^ 0x10);
        }
        free(out);
        out = NULL;
        CHECK_EQ_I64(blis_gunzip((const unsigned char *)gz, gz_len - 5, 0, NULL, &out, &out_len, &err), BLIS_E_SYNTAX);
        CHECK_CONTAINS(err.msg, "gzip data truncated");
        CHECK_EQ_I64(blis_gunzip((const unsigned char *)"hello, not gzip!!!", 18, 0, NULL, &out, &out_len, &err),
                     BLIS_E_SYNTAX);
        CHECK_CONTAINS(err.msg, "not a gzip file");
        CHECK_EQ_I64(blis_gunzip((const unsigned char *)gz, gz_len, 8, NULL, &out, &out_len, &err), BLIS_E_LIMIT);
        CHECK_CONTAINS(err.msg, "over the limit");
        blis_file_free(NULL, gz);
        remove("build/gz2.gz");
    }
    CHECK_EQ_I64(blis_crc32((const unsigned char *)"123456789", 9), 0xCBF43926); /* the standard check value */
}
