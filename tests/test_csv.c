/* tests/test_csv.c - >>csv: RFC 4180 reader, tables, typed cells. */

/* Renders a table as "h1|h2;c1|c2;..." for compact expectations. */
static void t_csv_render(const blis_csv *csv, blis_buf *out) {
    uint32_t r, c;
    memset(out, 0, sizeof *out);
    for (c = 0; c < csv->columns; c++) {
        if (c) blis_buf_write(out, "|", 1);
        blis_buf_write(out, csv->header[c].ptr, csv->header[c].len);
    }
    for (r = 0; r < csv->rows; r++) {
        blis_buf_write(out, ";", 1);
        for (c = 0; c < csv->columns; c++) {
            const blis_csv_field *f = blis_csv_cell(csv, r, c);
            if (c) blis_buf_write(out, "|", 1);
            blis_buf_write(out, f->ptr, f->len);
        }
    }
    if (!out->data) blis_buf_write(out, "", 0);
}

typedef struct csv_ok_case {
    const char *name;
    const char *input;
    const char *expect;
} csv_ok_case;

static const csv_ok_case csv_ok_cases[] = {
    {"simple", "a,b\n1,2\n3,4\n", "a|b;1|2;3|4"},
    {"no_final_newline", "a,b\n1,2", "a|b;1|2"},
    {"crlf", "a,b\r\n1,2\r\n", "a|b;1|2"},
    {"quoted_comma", "a,b\n\"x,y\",2\n", "a|b;x,y|2"},
    {"escaped_quote", "a\n\"say \"\"hi\"\"\"\n", "a;say \"hi\""},
    {"quoted_newline", "a,b\n\"l1\nl2\",2\n", "a|b;l1\nl2|2"},
    {"quoted_crlf_kept", "a\n\"x\r\ny\"\n", "a;x\r\ny"},
    {"empty_fields", "a,b,c\n,,\n", "a|b|c;||"},
    {"empty_quoted", "a,b\n\"\",x\n", "a|b;|x"},
    {"blank_lines_skipped", "a\n\n1\n\r\n\n2\n", "a;1;2"},
    {"bom",
     "\xEF\xBB\xBF"
     "a,b\n1,2\n",
     "a|b;1|2"},
    {"header_only", "a,b\n", "a|b"},
    {"spaces_kept", "a, b\n x ,y\n", "a| b; x |y"},
    {"quoted_header", "\"col,1\",b\n1,2\n", "col,1|b;1|2"},
    {"utf8", "\xE5\x90\x8D\n\xE5\x80\xA4\n", "\xE5\x90\x8D;\xE5\x80\xA4"},
    {"trailing_comma_is_empty_field", "a,b\n1,\n", "a|b;1|"},
};

static void run_csv_ok_case(t_ctx *t_, const csv_ok_case *c) {
    blis_csv csv;
    blis_err err;
    blis_buf out;
    blis_status st = blis_csv_parse(c->input, strlen(c->input), NULL, &csv, &err);
    CHECK_MSG(st == BLIS_OK, "parse failed: %u:%u %s", (unsigned)err.line, (unsigned)err.col, err.msg);
    if (st != BLIS_OK) return;
    CHECK_EQ_I64(blis_csv_check(&csv), 0);
    t_csv_render(&csv, &out);
    CHECK_STR(out.data, c->expect);
    blis_buf_free(&out);
    blis_csv_free(&csv);
}
TABLE(csv_valid, csv_ok_cases, run_csv_ok_case)

typedef struct csv_err_case {
    const char *name;
    const char *input;
    size_t len;
    blis_status status;
    uint32_t line, col;
    const char *fragment;
} csv_err_case;

static const csv_err_case csv_err_cases[] = {
    {"empty", "", 0, BLIS_E_SYNTAX, 1, 1, "empty input, expected a header row"},
    {"only_blank_lines", "\n\n", 0, BLIS_E_SYNTAX, 3, 1, "empty input"},
    {"unterminated_quote", "a,b\n1,\"x\n", 0, BLIS_E_SYNTAX, 2, 3, "unterminated quoted field"},
    {"text_after_quote", "a\n\"x\"y\n", 0, BLIS_E_SYNTAX, 2, 4, "after a closing quote"},
    {"quote_in_unquoted", "a\nx\"y\n", 0, BLIS_E_SYNTAX, 2, 2, "quote inside an unquoted field"},
    {"bare_cr", "a,b\r1,2\n", 0, BLIS_E_SYNTAX, 1, 4, "carriage return not followed by a line feed"},
    {"too_few_fields", "a,b,c\n1,2\n", 0, BLIS_E_SYNTAX, 2, 1, "row 2 has 2 fields, the header has 3"},
    {"too_many_fields", "a\n1,2\n", 0, BLIS_E_SYNTAX, 2, 1, "row 2 has 2 fields, the header has 1"},
    {"empty_header_name", "a,,c\n", 0, BLIS_E_SYNTAX, 1, 3, "empty column name in the header (column 2)"},
    {"duplicate_header", "a,b,a\n", 0, BLIS_E_DUPLICATE, 1, 5, "duplicate column name \"a\" (columns 1 and 3)"},
    {"nul_byte", "a\nx\0y\n", 6, BLIS_E_SYNTAX, 2, 2, "NUL byte"},
    {"row_after_multiline_quote", "a,b\n\"x\ny\",1\n1\n", 0, BLIS_E_SYNTAX, 4, 1, "row 3 has 1 field,"},
    {"crlf_row_error", "a,b\r\n1,2\r\n3\r\n", 0, BLIS_E_SYNTAX, 3, 1, "row 3 has 1 field, the header has 2"},
    {"quote_after_text_in_second_field", "a,b\n1,x\"\n", 0, BLIS_E_SYNTAX, 2, 4, "quote inside an unquoted field"},
};

static void run_csv_err_case(t_ctx *t_, const csv_err_case *c) {
    blis_csv csv;
    blis_err err;
    blis_parse_opts o;
    memset(&o, 0, sizeof o);
    o.source = "t.csv";
    CHECK_EQ_I64(blis_csv_parse(c->input, c->len ? c->len : strlen(c->input), &o, &csv, &err), c->status);
    CHECK_EQ_U64(err.line, c->line);
    CHECK_EQ_U64(err.col, c->col);
    CHECK_CONTAINS(err.msg, c->fragment);
    CHECK_STR(err.source, "t.csv");
    CHECK(csv.cells == NULL && csv.rows == 0);
}
TABLE(csv_errors, csv_err_cases, run_csv_err_case)

static const char t_csv_typed[] = "name,v,n\n"
                                  "a,1.5,3\n"
                                  "b, 2 ,12.0\n"
                                  "c,abc,1.5\n"
                                  "d,1e999,9223372036854775808\n";

TEST(csv_typed_cells) {
    blis_csv csv;
    blis_err err;
    double f = 0;
    int64_t i = 0;
    const char *s = NULL;
    char msg[256];
    CHECK_EQ_I64(blis_csv_parse(t_csv_typed, strlen(t_csv_typed), NULL, &csv, &err), BLIS_OK);
    CHECK_EQ_I64(blis_csv_column(&csv, "v"), 1);
    CHECK_EQ_I64(blis_csv_column(&csv, "missing"), -1);
    CHECK_EQ_I64(blis_csv_get_f64(&csv, 0, 1, &f, &err), BLIS_OK);
    CHECK_EQ_F64(f, 1.5);
    CHECK_EQ_I64(blis_csv_get_f64(&csv, 1, 1, &f, &err), BLIS_OK); /* " 2 " trimmed */
    CHECK_EQ_F64(f, 2.0);
    CHECK_EQ_I64(blis_csv_get_i64(&csv, 0, 2, &i, &err), BLIS_OK);
    CHECK_EQ_I64(i, 3);
    CHECK_EQ_I64(blis_csv_get_i64(&csv, 1, 2, &i, &err), BLIS_OK); /* "12.0" */
    CHECK_EQ_I64(i, 12);
    CHECK_EQ_I64(blis_csv_get_str(&csv, 2, 0, &s, &err), BLIS_OK);
    CHECK_STR(s, "c");
    CHECK_EQ_I64(blis_csv_get_f64(&csv, 2, 1, &f, &err), BLIS_E_TYPE);
    blis_err_format(&err, msg, sizeof msg);
    CHECK_STR(msg, "<input>:4:3: error: row 4, column \"v\": expected a number, found \"abc\"");
    CHECK_EQ_I64(blis_csv_get_i64(&csv, 2, 2, &i, &err), BLIS_E_TYPE);
    CHECK_CONTAINS(err.msg, "expected an integer, found \"1.5\"");
    CHECK_EQ_I64(blis_csv_get_f64(&csv, 3, 1, &f, &err), BLIS_E_RANGE);
    CHECK_EQ_I64(blis_csv_get_i64(&csv, 3, 2, &i, &err), BLIS_E_RANGE);
    CHECK_EQ_U64(err.line, 5);
    CHECK_EQ_U64(err.col, 9);
    CHECK_EQ_I64(blis_csv_get_f64(&csv, 4, 0, &f, &err), BLIS_E_INVALID);
    CHECK_CONTAINS(err.msg, "no cell at data row 4");
    CHECK(blis_csv_cell(&csv, 0, 3) == NULL);
    blis_csv_free(&csv);
}

TEST(csv_column_limit) {
    blis_csv csv;
    blis_err err;
    blis_parse_opts o;
    memset(&o, 0, sizeof o);
    o.max_csv_columns = 3;
    CHECK_EQ_I64(blis_csv_parse("a,b,c\n", 6, &o, &csv, &err), BLIS_OK);
    blis_csv_free(&csv);
    CHECK_EQ_I64(blis_csv_parse("a,b,c,d\n", 8, &o, &csv, &err), BLIS_E_LIMIT);
    CHECK_EQ_U64(err.col, 7);
    CHECK_CONTAINS(err.msg, "more than 3 columns");
}

TEST(csv_size_limit) {
    blis_csv csv;
    blis_err err;
    blis_parse_opts o;
    memset(&o, 0, sizeof o);
    o.max_input_bytes = 3;
    CHECK_EQ_I64(blis_csv_parse("a\n1\n", 4, &o, &csv, &err), BLIS_E_LIMIT);
}

TEST(csv_streaming_reader_rows_and_positions) {
    const char *s = "h1,h2\n\"multi\nline\",x\n\nlast\n";
    blis_csv_reader r;
    blis_err err;
    int has = 0;
    CHECK_EQ_I64(blis_csv_reader_init(&r, s, strlen(s), NULL, &err), BLIS_OK);
    CHECK_EQ_I64(blis_csv_reader_next(&r, &has, &err), BLIS_OK);
    CHECK(has && r.field_count == 2 && r.row == 1);
    CHECK_EQ_I64(blis_csv_reader_next(&r, &has, &err), BLIS_OK);
    CHECK(has && r.field_count == 2 && r.row == 2);
    CHECK_STR(r.fields[0].ptr, "multi\nline");
    CHECK_EQ_U64(r.fields[1].line, 3); /* x starts on line 3 */
    CHECK_EQ_U64(r.fields[1].col, 7);
    CHECK_EQ_I64(blis_csv_reader_next(&r, &has, &err), BLIS_OK); /* the reader does not enforce widths */
    CHECK(has && r.field_count == 1 && r.fields[0].line == 5);
    CHECK_STR(r.fields[0].ptr, "last");
    CHECK_EQ_I64(blis_csv_reader_next(&r, &has, &err), BLIS_OK);
    CHECK(!has);
    blis_csv_reader_free(&r);
}

TEST(csv_streaming_reader_memory_bounded_by_row) {
    blis_buf b;
    blis_csv_reader r;
    blis_err err;
    int has = 1, i;
    long rows = 0;
    memset(&b, 0, sizeof b);
    for (i = 0; i < 20000; i++) blis_buf_write(&b, "12345,67890,abc\n", 16);
    CHECK_EQ_I64(blis_csv_reader_init(&r, b.data, b.len, NULL, &err), BLIS_OK);
    while (has) {
        CHECK(blis_csv_reader_next(&r, &has, &err) == BLIS_OK);
        rows += has;
    }
    CHECK_EQ_I64(rows, 20000);
    CHECK(r.text_cap <= 64);
    CHECK(r.field_cap <= 16);
    blis_csv_reader_free(&r);
    blis_buf_free(&b);
}

TEST(csv_allocation_failures_leave_nothing) { t_check_alloc_failures(t_, T_CSV, "a,b,c\n1,2,3\n\"x\",y,z\n"); }

/* The reference's per-request golden CSVs and bench_data tables parse with
 * typed cells. */
TEST(csv_reads_shared_tables) {
    static const char *files[] = {
        "conformance/blis/golden/golden_case0_per_request.csv",
        "conformance/blis/golden/golden_case4_per_request.csv",
        "reference/upstream/a410740f/bench_data/gemm/h100/data.csv",
        "reference/upstream/a410740f/bench_data/mha/decode/h100/32-8-128-tp1.csv",
        "groundtruth/groundtruth_index.csv",
    };
    size_t i;
    for (i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *src = NULL;
        size_t len = 0;
        blis_csv csv;
        blis_err err;
        uint32_t r;
        SHARED_OR_SKIP(files[i], &src, &len);
        CHECK_MSG(blis_csv_parse(src, len, NULL, &csv, &err) == BLIS_OK, "%s:%u:%u: %s", files[i], (unsigned)err.line,
                  (unsigned)err.col, err.msg);
        CHECK(csv.rows > 0);
        CHECK_EQ_I64(blis_csv_check(&csv), 0);
        if (i < 2) {
            int32_t col = blis_csv_column(&csv, "e2e_us");
            CHECK(col >= 0);
            for (r = 0; r < csv.rows && col >= 0; r++) {
                int64_t v = -1;
                CHECK(blis_csv_get_i64(&csv, r, (uint32_t)col, &v, &err) == BLIS_OK && v > 0);
            }
        }
        blis_csv_free(&csv);
        free(src);
    }
}
