/* tests/test_trace.c - CSV trace replay (spec §2.3): rows to requests, the
 * block hashes of input ++ output, the horizon, and every input error with
 * its line and column. */

static blis_status t_trace_all(const char *csv, int64_t horizon_us, blis_request *out, size_t max, size_t *n,
                               blis_err *err) {
    blis_trace_gen g;
    blis_parse_opts o;
    blis_status st;
    int has = 1;
    memset(&o, 0, sizeof o);
    o.source = "trace.csv";
    *n = 0;
    if ((st = blis_trace_gen_init(&g, csv, strlen(csv), &o, horizon_us, 4, err))) return st;
    while (has && *n < max) {
        blis_request r;
        if ((st = blis_trace_gen_next(&g, &r, &has, err))) break;
        if (has) out[(*n)++] = r;
    }
    blis_trace_gen_free(&g);
    return st;
}

static void t_trace_free(blis_request *r, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) blis_request_free(NULL, &r[i]);
}

TEST(trace_hashes_and_ids) {
    static const char csv[] = "t,a,b,in,out\n"
                              "0.5,x,y,\"[1,2,3,4,5,6]\",\"[7,8,9]\"\n"
                              "1.25,,,\"[ 10 , 11 ]\",[]\n"
                              "2,,,null,\"[-3]\",extra\n";
    static const int64_t toks[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    blis_request r[4];
    blis_block_hasher h;
    uint64_t want[2], x;
    blis_err e;
    size_t n = 0, i, k = 0;
    CHECK_EQ_I64(t_trace_all(csv, INT64_MAX, r, 4, &n, &e), BLIS_OK);
    CHECK_EQ_I64((int64_t)n, 3);
    if (n != 3) return;
    CHECK_EQ_I64(r[0].index, 0);
    CHECK_EQ_I64(r[2].index, 2);
    CHECK_EQ_I64(r[0].arrival_us, 500000);
    CHECK_EQ_I64(r[1].arrival_us, 1250000);
    CHECK_EQ_I64(r[0].input_tokens, 6);
    CHECK_EQ_I64(r[0].output_tokens, 3);
    CHECK_EQ_I64(r[1].input_tokens, 2);
    CHECK_EQ_I64(r[1].output_tokens, 0);
    CHECK_EQ_I64(r[2].input_tokens, 0);
    CHECK_EQ_I64(r[2].output_tokens, 1);
    blis_block_hasher_init(&h, 4); /* 9 tokens, blocks of 4: two full blocks over input ++ output */
    for (i = 0; i < 9; i++)
        if (blis_block_hasher_push(&h, toks[i], &x)) want[k++] = x;
    CHECK_EQ_I64(r[0].block_hash_count, 2);
    CHECK(r[0].block_hash_count == 2 && r[0].block_hashes[0] == want[0] && r[0].block_hashes[1] == want[1]);
    CHECK_EQ_I64(r[1].block_hash_count, 0);
    t_trace_free(r, n);
}

TEST(trace_horizon_stops_reading) {
    static const char csv[] = "t,a,b,in,out\n0,,,[1],[2]\n1,,,[1],[2]\n2,,,[1],[2]\nbad row\n";
    blis_request r[4];
    blis_err e;
    size_t n = 0;
    CHECK_EQ_I64(t_trace_all(csv, 1000000, r, 4, &n, &e), BLIS_OK); /* 2 s > horizon: the bad row is never read */
    CHECK_EQ_I64((int64_t)n, 2);
    t_trace_free(r, n);
}

typedef struct t_trace_bad {
    const char *csv, *want;
    uint32_t line, col;
} t_trace_bad;

TEST(trace_input_errors) {
    static const t_trace_bad cases[] = {
        {"", "empty trace", 1, 1},
        {"t,a,b,in,out\n0,,,[1]\n", "has 4 columns, expected at least 5", 2, 1},
        {"t,a,b,in,out\nabc,,,[1],[2]\n", "arrival time: expected a non-negative number", 2, 1},
        {"t,a,b,in,out\n-1,,,[1],[2]\n", "arrival time: expected a non-negative number", 2, 1},
        {"t,a,b,in,out\nnan,,,[1],[2]\n", "arrival time", 2, 1},
        {"t,a,b,in,out\n0,,,\"[1,2.5]\",[2]\n", "prefill_tokens: token IDs must be integers", 2, 5},
        {"t,a,b,in,out\n0,,,\"[1,,2]\",[2]\n", "prefill_tokens: expected an integer token ID", 2, 5},
        {"t,a,b,in,out\n0,,,[1 2],[2]\n", "prefill_tokens: expected ',' or ']'", 2, 5},
        {"t,a,b,in,out\n0,,,[1],[2\n", "decode_tokens: expected ',' or ']'", 2, 9},
        {"t,a,b,in,out\n0,,,[1],\"{}\"\n", "decode_tokens: expected a JSON array", 2, 9},
        {"t,a,b,in,out\n0,,,[01],[2]\n", "prefill_tokens: expected an integer token ID", 2, 5},
        {"t,a,b,in,out\n0,,,[99999999999999999999],[2]\n", "token ID 99999999999999999999 out of range", 2, 5},
        {"t,a,b,in,out\n0,,,[1]x,[2]\n", "unexpected text after the token array", 2, 5},
        {"t,a,b,in,out\n1,,,[1],[2]\n0.5,,,[1],[2]\n", "row 1: arrival time: earlier than the previous", 3, 1},
        {"t,a,b,in,out\n0,,,\"[1],[2]\n", "", 2, 0}, /* unterminated quote: the CSV reader's error */
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        blis_request r[4];
        blis_err e;
        size_t n = 0;
        memset(&e, 0, sizeof e);
        CHECK_MSG(t_trace_all(cases[i].csv, INT64_MAX, r, 4, &n, &e) == BLIS_E_SYNTAX, "case %lu: status %s",
                  (unsigned long)i, blis_status_str(e.status));
        CHECK_MSG(strstr(e.msg, cases[i].want) != NULL, "case %lu: message %s", (unsigned long)i, e.msg);
        CHECK_MSG(e.line == cases[i].line, "case %lu: line %u", (unsigned long)i, (unsigned)e.line);
        if (cases[i].col) CHECK_MSG(e.col == cases[i].col, "case %lu: col %u", (unsigned long)i, (unsigned)e.col);
        CHECK_MSG(!strcmp(e.source, "trace.csv"), "case %lu: source %s", (unsigned long)i, e.source);
        t_trace_free(r, n);
    }
}
