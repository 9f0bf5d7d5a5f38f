/* tests/test_base.c - >>base: status codes, errors, allocator, arena, UTF-8, files. */

TEST(base_status_strings) {
    CHECK_STR(blis_status_str(BLIS_OK), "ok");
    CHECK_STR(blis_status_str(BLIS_E_SYNTAX), "syntax error");
    CHECK_STR(blis_status_str(BLIS_E_MISSING), "missing field");
    CHECK_STR(blis_status_str((blis_status)999), "unknown status");
    CHECK_EQ_I64(BLIS_OK, 0);
}

TEST(base_err_format_with_position_and_path) {
    blis_err err;
    char buf[256];
    blis_err_clear(&err, "cfg.json");
    blis_err_set(&err, BLIS_E_TYPE, 3, 17, "expected %s", "a number");
    strcpy(err.path, "clients[2].rate");
    blis_err_format(&err, buf, sizeof buf);
    CHECK_STR(buf, "cfg.json:3:17: error: clients[2].rate: expected a number");
    CHECK_EQ_I64(err.status, BLIS_E_TYPE);
}

TEST(base_err_format_without_position) {
    blis_err err;
    char buf[256];
    size_t need;
    blis_err_clear(&err, NULL);
    blis_err_set(&err, BLIS_E_IO, 0, 0, "cannot open");
    need = blis_err_format(&err, buf, sizeof buf);
    CHECK_STR(buf, "<input>: error: cannot open");
    CHECK_EQ_U64(need, strlen(buf));
    blis_err_format(&err, buf, 8); /* truncated but terminated */
    CHECK_STR(buf, "<input>");
}

TEST(base_err_source_truncated_safely) {
    blis_err err;
    char longname[600];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    blis_err_clear(&err, longname);
    CHECK_EQ_U64(strlen(err.source), BLIS_ERR_SOURCE_MAX - 1);
}

typedef struct count_alloc {
    long live;
    long total;
    long fail_after; /* fail the allocation number fail_after (1-based); 0 never */
} count_alloc;

static void *count_alloc_fn(void *user, size_t n) {
    count_alloc *c = (count_alloc *)user;
    if (c->fail_after && c->total + 1 >= c->fail_after) return NULL;
    c->total++;
    c->live++;
    return malloc(n);
}
static void count_free_fn(void *user, void *p) {
    count_alloc *c = (count_alloc *)user;
    c->live--;
    free(p);
}

typedef enum t_parser { T_JSON, T_YAML, T_CSV } t_parser;

/* Fails the 1st, 2nd, ... allocation of one parse until a parse succeeds;
 * every failure must be BLIS_E_NOMEM and leave no allocation behind. */
static void t_check_alloc_failures(t_ctx *t_, t_parser which, const char *src) {
    long n;
    int saw_ok = 0;
    for (n = 1; n < 100 && !saw_ok; n++) {
        count_alloc c = {0, 0, 0};
        blis_parse_opts o;
        blis_doc doc;
        blis_csv csv;
        blis_err err;
        blis_status st;
        memset(&o, 0, sizeof o);
        c.fail_after = n;
        o.alloc.alloc_fn = count_alloc_fn;
        o.alloc.free_fn = count_free_fn;
        o.alloc.user = &c;
        if (which == T_CSV)
            st = blis_csv_parse(src, strlen(src), &o, &csv, &err);
        else if (which == T_JSON)
            st = blis_json_parse(src, strlen(src), &o, &doc, &err);
        else
            st = blis_yaml_parse(src, strlen(src), &o, &doc, &err);
        CHECK(st == BLIS_OK || st == BLIS_E_NOMEM);
        if (st == BLIS_OK) {
            saw_ok = 1;
            if (which == T_CSV)
                blis_csv_free(&csv);
            else
                blis_doc_free(&doc);
        }
        CHECK_EQ_I64(c.live, 0);
    }
    CHECK(saw_ok);
}

TEST(base_arena_alignment_and_large_blocks) {
    blis__arena a;
    count_alloc c = {0, 0, 0};
    blis_alloc al;
    size_t i;
    al.alloc_fn = count_alloc_fn;
    al.free_fn = count_free_fn;
    al.user = &c;
    blis__arena_init(&a, &al);
    for (i = 1; i < 200; i++) {
        char *p = (char *)blis__arena_alloc(&a, i * 7);
        CHECK(p != NULL);
        CHECK(((size_t)p % BLIS__ARENA_ALIGN) == 0);
        memset(p, 0xAB, i * 7);
    }
    CHECK(blis__arena_alloc(&a, 1000000) != NULL); /* larger than a chunk */
    CHECK(c.live > 1);
    blis__arena_free(&a);
    CHECK_EQ_I64(c.live, 0);
}

TEST(base_grow_doubles_and_detects_overflow) {
    int *p = NULL;
    size_t cap = 0;
    CHECK(blis__grow(NULL, (void **)&p, &cap, 10, sizeof(int)) == 0);
    CHECK_EQ_U64(cap, 16);
    p[9] = 7;
    CHECK(blis__grow(NULL, (void **)&p, &cap, 17, sizeof(int)) == 0);
    CHECK_EQ_U64(cap, 32);
    CHECK_EQ_I64(p[9], 7);
    CHECK(blis__grow(NULL, (void **)&p, &cap, SIZE_MAX / 2, sizeof(int)) != 0);
    CHECK_EQ_U64(cap, 32);
    free(p);
}

typedef struct utf8_case {
    const char *name;
    const char *bytes;
    size_t len;
    size_t expect_len; /* 0: invalid */
    uint32_t expect_cp;
} utf8_case;

static const utf8_case utf8_cases[] = {
    {"ascii", "A", 1, 1, 0x41},
    {"two_byte", "\xC3\xA9", 2, 2, 0xE9},
    {"three_byte", "\xE2\x82\xAC", 3, 3, 0x20AC},
    {"four_byte", "\xF0\x9F\x98\x80", 4, 4, 0x1F600},
    {"max_scalar", "\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF},
    {"overlong_two", "\xC0\xAF", 2, 0, 0},
    {"overlong_three", "\xE0\x80\xAF", 3, 0, 0},
    {"surrogate", "\xED\xA0\x80", 3, 0, 0},
    {"above_max", "\xF4\x90\x80\x80", 4, 0, 0},
    {"lone_continuation", "\x80", 1, 0, 0},
    {"truncated", "\xE2\x82", 2, 0, 0},
    {"bad_continuation", "\xE2\x28\xA1", 3, 0, 0},
};

static void run_utf8_case(t_ctx *t_, const utf8_case *c) {
    uint32_t cp = 0;
    size_t n = blis__utf8_decode((const unsigned char *)c->bytes, c->len, &cp);
    CHECK_EQ_U64(n, c->expect_len);
    if (n) {
        char out[4];
        CHECK_EQ_U64(cp, c->expect_cp);
        CHECK_EQ_U64(blis__utf8_encode(cp, out), n);
        CHECK(memcmp(out, c->bytes, n) == 0);
    }
}
TABLE(base_utf8, utf8_cases, run_utf8_case)

TEST(base_file_read_missing_and_directory) {
    char *data = NULL;
    size_t len = 0;
    blis_err err;
    char msg[512];
    CHECK_EQ_I64(blis_file_read("tests/no-such-file.json", 0, NULL, &data, &len, &err), BLIS_E_IO);
    blis_err_format(&err, msg, sizeof msg);
    CHECK_CONTAINS(msg, "tests/no-such-file.json: error: cannot open");
    CHECK(data == NULL);
    CHECK_EQ_I64(blis_file_read("tests", 0, NULL, &data, &len, &err), BLIS_E_IO);
    CHECK_CONTAINS(err.msg, "cannot read");
}

TEST(base_file_read_limit_and_content) {
    char *data = NULL;
    size_t len = 0;
    blis_err err;
    CHECK_EQ_I64(blis_file_read("tests/test.h", 0, NULL, &data, &len, &err), BLIS_OK);
    CHECK(len > 100 && data[len] == '\0');
    CHECK(strncmp(data, "/* tests/test.h", 15) == 0);
    free(data);
    CHECK_EQ_I64(blis_file_read("tests/test.h", 10, NULL, &data, &len, &err), BLIS_E_LIMIT);
    CHECK(data == NULL);
}
