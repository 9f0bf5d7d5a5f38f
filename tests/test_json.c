/* tests/test_json.c - >>json: parser, document model, getters, writer. */

static int t_jw_doc(const blis_doc *doc, int indent, blis_buf *out) {
    blis_jw w;
    memset(out, 0, sizeof *out);
    blis_jw_init(&w, blis_buf_write, out, indent);
    blis_jw_node(&w, doc, blis_doc_root(doc));
    return blis_jw_finish(&w) == BLIS_OK;
}

typedef struct json_ok_case {
    const char *name;
    const char *input;
    const char *compact; /* expected writer output (Go rules) */
} json_ok_case;

static const json_ok_case json_ok_cases[] = {
    {"null", "null", "null"},
    {"true", "true", "true"},
    {"false_padded", " \n\tfalse\r\n", "false"},
    {"integer", " 42 ", "42"},
    {"neg_zero", "-0.0", "-0"},
    {"exponent", "1E2", "100"},
    {"empty_array", "[]", "[]"},
    {"empty_object", "{ }", "{}"},
    {"nested_arrays", "[1,[2,[3,[]]]]", "[1,[2,[3,[]]]]"},
    {"nested_objects", "{\"a\":{\"b\":[true,false,null]}}", "{\"a\":{\"b\":[true,false,null]}}"},
    {"whitespace_everywhere", " { \"a\" : [ 1 , 2 ] , \"b\" : { } } ", "{\"a\":[1,2],\"b\":{}}"},
    {"bom", "\xEF\xBB\xBF{}", "{}"},
    {"unicode_escape", "\"\\u00e9\"", "\"\xC3\xA9\""},
    {"surrogate_pair", "\"\\ud83d\\ude00\"", "\"\xF0\x9F\x98\x80\""},
    {"solidus", "\"\\/\"", "\"/\""},
    {"html_escaped_like_go", "\"<a&b>\"", "\"\\u003ca\\u0026b\\u003e\""},
    {"line_separator_escaped", "\"\xE2\x80\xA8\"", "\"\\u2028\""},
    {"control_escape", "\"\\u0001\"", "\"\\u0001\""},
    {"short_escapes", "\"\\b\\f\\n\\r\\t\"", "\"\\b\\f\\n\\r\\t\""},
    {"quote_backslash", "\"\\\"\\\\\"", "\"\\\"\\\\\""},
    {"nul_escape", "\"a\\u0000b\"", "\"a\\u0000b\""},
    {"raw_utf8", "\"\xE6\x97\xA5\xE6\x9C\xAC\"", "\"\xE6\x97\xA5\xE6\x9C\xAC\""},
    {"big_integer", "12345678901234567890", "12345678901234567000"},
    {"number_forms", "[0.5,1e-7,1e21,-2.5E-3]", "[0.5,1e-7,1e+21,-0.0025]"},
    {"key_order_kept", "{\"z\":1,\"a\":2,\"m\":3}", "{\"z\":1,\"a\":2,\"m\":3}"},
    {"empty_key", "{\"\":1}", "{\"\":1}"},
    {"string_top", "\"x\"", "\"x\""},
};

static void run_json_ok_case(t_ctx *t_, const json_ok_case *c) {
    blis_doc doc;
    blis_err err;
    blis_buf out;
    blis_status st = blis_json_parse(c->input, strlen(c->input), NULL, &doc, &err);
    CHECK_MSG(st == BLIS_OK, "parse failed: %d:%d %s", (int)err.line, (int)err.col, err.msg);
    if (st != BLIS_OK) return;
    CHECK_EQ_I64(blis_doc_check(&doc), 0);
    CHECK(t_jw_doc(&doc, 0, &out));
    CHECK_STR(out.data, c->compact);
    blis_buf_free(&out);
    blis_doc_free(&doc);
}
TABLE(json_valid, json_ok_cases, run_json_ok_case)

typedef struct json_err_case {
    const char *name;
    const char *input;
    size_t len; /* 0: strlen */
    blis_status status;
    uint32_t line, col;
    const char *fragment;
} json_err_case;

static const json_err_case json_err_cases[] = {
    {"empty", "", 0, BLIS_E_SYNTAX, 1, 1, "empty input"},
    {"whitespace_only", "  \n ", 0, BLIS_E_SYNTAX, 2, 2, "empty input"},
    {"trailing_comma_array", "[1,2,]", 0, BLIS_E_SYNTAX, 1, 6, "trailing commas"},
    {"trailing_comma_object", "{\"a\":1,}", 0, BLIS_E_SYNTAX, 1, 8, "trailing commas"},
    {"missing_colon", "{\"a\" 1}", 0, BLIS_E_SYNTAX, 1, 6, "expected ':'"},
    {"unquoted_key", "{a:1}", 0, BLIS_E_SYNTAX, 1, 2, "expected a string key"},
    {"single_quotes", "['x']", 0, BLIS_E_SYNTAX, 1, 2, "unexpected '''"},
    {"unterminated_string", "[\"abc", 0, BLIS_E_SYNTAX, 1, 2, "unterminated string"},
    {"bad_escape", "\"a\\qb\"", 0, BLIS_E_SYNTAX, 1, 3, "invalid escape"},
    {"short_unicode_escape", "\"\\u12\"", 0, BLIS_E_SYNTAX, 1, 2, "4 hex digits"},
    {"lone_low_surrogate", "\"\\uDC00\"", 0, BLIS_E_SYNTAX, 1, 2, "lone low surrogate"},
    {"high_surrogate_alone", "\"\\uD800x\"", 0, BLIS_E_SYNTAX, 1, 2, "not followed by a low surrogate"},
    {"control_char", "\"a\tb\"", 0, BLIS_E_SYNTAX, 1, 3, "control character U+0009"},
    {"raw_newline_in_string", "\"a\nb\"", 0, BLIS_E_SYNTAX, 1, 3, "control character U+000A"},
    {"invalid_utf8", "\"\xC3\x28\"", 0, BLIS_E_SYNTAX, 1, 2, "invalid UTF-8"},
    {"leading_zero", "[01]", 0, BLIS_E_SYNTAX, 1, 2, "leading zeros"},
    {"minus_alone", "[-]", 0, BLIS_E_SYNTAX, 1, 3, "expected a digit"},
    {"dot_without_digits", "[1.]", 0, BLIS_E_SYNTAX, 1, 4, "expected a digit"},
    {"exponent_without_digits", "[1e]", 0, BLIS_E_SYNTAX, 1, 4, "expected a digit"},
    {"number_with_letters", "[12ab]", 0, BLIS_E_SYNTAX, 1, 4, "invalid number"},
    {"hex_number", "[0x1]", 0, BLIS_E_SYNTAX, 1, 3, "invalid number"},
    {"plus_number", "[+1]", 0, BLIS_E_SYNTAX, 1, 2, "unexpected '+'"},
    {"bad_literal", "[tru]", 0, BLIS_E_SYNTAX, 1, 2, "invalid literal"},
    {"literal_prefix", "[nulls]", 0, BLIS_E_SYNTAX, 1, 2, "invalid literal"},
    {"capitalized_literal", "True", 0, BLIS_E_SYNTAX, 1, 1, "unexpected 'T'"},
    {"nan_literal", "[NaN]", 0, BLIS_E_SYNTAX, 1, 2, "unexpected 'N'"},
    {"missing_comma_array", "[1 2]", 0, BLIS_E_SYNTAX, 1, 4, "expected ',' or ']'"},
    {"missing_comma_object", "{\"a\":1 \"b\":2}", 0, BLIS_E_SYNTAX, 1, 8, "expected ',' or '}'"},
    {"unclosed_array", "[1,2", 0, BLIS_E_SYNTAX, 1, 5, "unexpected end of input"},
    {"unclosed_object_multiline", "{\n  \"a\": 1\n", 0, BLIS_E_SYNTAX, 3, 1, "unexpected end of input"},
    {"content_after_value", "{} x", 0, BLIS_E_SYNTAX, 1, 4, "end of input after the JSON value"},
    {"two_values", "1 2", 0, BLIS_E_SYNTAX, 1, 3, "end of input after the JSON value"},
    {"error_on_line_3", "{\n  \"a\": 1,\n  \"b\": tru\n}", 0, BLIS_E_SYNTAX, 3, 8, "invalid literal"},
    {"crlf_lines", "[1,\r\n2,\r\n x]", 0, BLIS_E_SYNTAX, 3, 2, "unexpected 'x'"},
    {"overflow_number", "[1e999]", 0, BLIS_E_RANGE, 1, 2, "out of the range"},
    {"duplicate_key", "{\"a\":1,\"b\":2,\"a\":3}", 0, BLIS_E_DUPLICATE, 1, 14,
     "duplicate key \"a\" (first defined at line 1, column 2)"},
    {"duplicate_key_nested", "{\"x\":{\n\"k\":1,\n\"k\":2}}", 0, BLIS_E_DUPLICATE, 3, 1, "duplicate key \"k\""},
    {"bom_then_garbage", "\xEF\xBB\xBF x", 0, BLIS_E_SYNTAX, 1, 2, "unexpected 'x'"},
    {"nul_byte", "[1,\0]", 5, BLIS_E_SYNTAX, 1, 4, "unexpected byte 0x00"},
    {"comment_not_allowed", "// c\n{}", 0, BLIS_E_SYNTAX, 1, 1, "unexpected '/'"},
    {"colon_in_array", "[1:2]", 0, BLIS_E_SYNTAX, 1, 3, "expected ',' or ']'"},
};

static void run_json_err_case(t_ctx *t_, const json_err_case *c) {
    blis_doc doc;
    blis_err err;
    blis_parse_opts opts;
    size_t len = c->len ? c->len : strlen(c->input);
    memset(&opts, 0, sizeof opts);
    opts.source = "in.json";
    CHECK_EQ_I64(blis_json_parse(c->input, len, &opts, &doc, &err), c->status);
    CHECK_EQ_I64(err.status, c->status);
    CHECK_EQ_U64(err.line, c->line);
    CHECK_EQ_U64(err.col, c->col);
    CHECK_CONTAINS(err.msg, c->fragment);
    CHECK_STR(err.source, "in.json");
    CHECK(doc.nodes == NULL && doc.node_count == 0); /* nothing half-built is left */
}
TABLE(json_errors, json_err_cases, run_json_err_case)

static blis_status t_parse_json(const char *s, blis_doc *doc, blis_err *err) {
    return blis_json_parse(s, strlen(s), NULL, doc, err);
}

TEST(json_depth_limit_default) {
    char buf[600];
    blis_doc doc;
    blis_err err;
    int i;
    for (i = 0; i < 128; i++) buf[i] = '[';
    for (i = 0; i < 128; i++) buf[128 + i] = ']';
    CHECK_EQ_I64(blis_json_parse(buf, 256, NULL, &doc, &err), BLIS_OK);
    blis_doc_free(&doc);
    for (i = 0; i < 129; i++) buf[i] = '[';
    for (i = 0; i < 129; i++) buf[129 + i] = ']';
    CHECK_EQ_I64(blis_json_parse(buf, 258, NULL, &doc, &err), BLIS_E_LIMIT);
    CHECK_EQ_U64(err.col, 129); /* the 129th '[' */
    CHECK_CONTAINS(err.msg, "nesting deeper than 128 levels");
}

TEST(json_depth_limit_custom_and_hard_cap) {
    char *buf = (char *)malloc(4000);
    blis_doc doc;
    blis_err err;
    blis_parse_opts o;
    int i;
    memset(&o, 0, sizeof o);
    o.max_depth = 3;
    CHECK_EQ_I64(blis_json_parse("[[[1]]]", 7, &o, &doc, &err), BLIS_OK);
    blis_doc_free(&doc);
    CHECK_EQ_I64(blis_json_parse("[[[[1]]]]", 9, &o, &doc, &err), BLIS_E_LIMIT);
    o.max_depth = 1000000; /* clamped to the hard cap of 1000 */
    for (i = 0; i < 2000; i++) buf[i] = '[';
    for (i = 0; i < 2000; i++) buf[2000 + i] = ']';
    CHECK_EQ_I64(blis_json_parse(buf, 4000, &o, &doc, &err), BLIS_E_LIMIT);
    CHECK_CONTAINS(err.msg, "1000 levels");
    free(buf);
}

TEST(json_size_limit) {
    blis_doc doc;
    blis_err err;
    blis_parse_opts o;
    memset(&o, 0, sizeof o);
    o.max_input_bytes = 4;
    CHECK_EQ_I64(blis_json_parse("[1,2]", 5, &o, &doc, &err), BLIS_E_LIMIT);
    CHECK_CONTAINS(err.msg, "over the limit of 4 bytes");
    CHECK_EQ_I64(blis_json_parse("[12]", 4, &o, &doc, &err), BLIS_OK);
    blis_doc_free(&doc);
}

TEST(json_null_buffer_rejected) {
    blis_doc doc;
    blis_err err;
    CHECK_EQ_I64(blis_json_parse(NULL, 3, NULL, &doc, &err), BLIS_E_INVALID);
    CHECK_EQ_I64(blis_json_parse(NULL, 0, NULL, &doc, &err), BLIS_E_SYNTAX);
}

TEST(json_not_nul_terminated) {
    const char src[] = {'[', '1', ',', '2', ']', '9', '9'}; /* only the first 5 bytes are input */
    blis_doc doc;
    blis_err err;
    CHECK_EQ_I64(blis_json_parse(src, 5, NULL, &doc, &err), BLIS_OK);
    CHECK_EQ_U64(blis_doc_root(&doc)->count, 2);
    blis_doc_free(&doc);
}

static const char t_cfg_json[] = "{\n"
                                 "  \"hidden_size\": 4096,\n"
                                 "  \"rope_theta\": 500000.0,\n"
                                 "  \"eps\": 1e-5,\n"
                                 "  \"big\": 9223372036854775808,\n"
                                 "  \"name\": \"llama\",\n"
                                 "  \"tie\": false,\n"
                                 "  \"frac\": 1.5,\n"
                                 "  \"clients\": [{}, {}, {\"rate\": \"fast\"}]\n"
                                 "}";

TEST(json_getters_values) {
    blis_doc doc;
    blis_err err;
    const blis_node *root;
    int64_t i = 0;
    double f = 0;
    const char *s = NULL;
    int b = 1;
    CHECK_EQ_I64(t_parse_json(t_cfg_json, &doc, &err), BLIS_OK);
    root = blis_doc_root(&doc);
    CHECK_EQ_I64(blis_doc_get_i64(&doc, root, "hidden_size", &i, &err), BLIS_OK);
    CHECK_EQ_I64(i, 4096);
    CHECK_EQ_I64(blis_doc_get_i64(&doc, root, "rope_theta", &i, &err), BLIS_OK); /* integral float */
    CHECK_EQ_I64(i, 500000);
    CHECK_EQ_I64(blis_doc_get_f64(&doc, root, "eps", &f, &err), BLIS_OK);
    CHECK_EQ_F64(f, 1e-5);
    CHECK_EQ_I64(blis_doc_get_f64(&doc, root, "hidden_size", &f, &err), BLIS_OK);
    CHECK_EQ_F64(f, 4096.0);
    CHECK_EQ_I64(blis_doc_get_str(&doc, root, "name", &s, &err), BLIS_OK);
    CHECK_STR(s, "llama");
    CHECK_EQ_I64(blis_doc_get_bool(&doc, root, "tie", &b, &err), BLIS_OK);
    CHECK_EQ_I64(b, 0);
    CHECK_EQ_I64(blis_node_text(&doc, blis_node_get(&doc, root, "eps"), &s, &err), BLIS_OK);
    CHECK_STR(s, "1e-5");
    blis_doc_free(&doc);
}

TEST(json_getters_missing_vs_wrong_type) {
    blis_doc doc;
    blis_err err;
    const blis_node *root;
    int64_t i = 0;
    double f;
    const char *s;
    char msg[512];
    CHECK_EQ_I64(t_parse_json(t_cfg_json, &doc, &err), BLIS_OK);
    root = blis_doc_root(&doc);
    CHECK_EQ_I64(blis_doc_get_i64(&doc, root, "num_layers", &i, &err), BLIS_E_MISSING);
    CHECK_CONTAINS(err.msg, "missing field \"num_layers\"");
    CHECK_EQ_U64(err.line, 1); /* the object that lacks it */
    CHECK_EQ_I64(blis_doc_get_i64(&doc, root, "name", &i, &err), BLIS_E_TYPE);
    CHECK_CONTAINS(err.msg, "expected an integer, found string");
    CHECK_EQ_U64(err.line, 6);
    CHECK_EQ_U64(err.col, 11);
    CHECK_STR(err.path, "name");
    CHECK_EQ_I64(blis_doc_get_i64(&doc, root, "frac", &i, &err), BLIS_E_TYPE);
    CHECK_CONTAINS(err.msg, "expected an integer, found 1.5");
    CHECK_EQ_I64(blis_doc_get_i64(&doc, root, "big", &i, &err), BLIS_E_RANGE);
    CHECK_CONTAINS(err.msg, "9223372036854775808 is out of range");
    CHECK_EQ_I64(blis_doc_get_str(&doc, root, "tie", &s, &err), BLIS_E_TYPE);
    CHECK_CONTAINS(err.msg, "expected a string, found boolean");
    CHECK_EQ_I64(blis_doc_get_f64(&doc, blis_node_get(&doc, root, "name"), "x", &f, &err), BLIS_E_TYPE);
    CHECK_CONTAINS(err.msg, "expected an object, found string");
    CHECK_EQ_I64(blis_doc_get_f64(&doc, blis_node_at(&doc, blis_node_get(&doc, root, "clients"), 2), "rate", &f, &err),
                 BLIS_E_TYPE);
    CHECK_STR(err.path, "clients[2].rate");
    CHECK_EQ_U64(err.line, 9);
    CHECK_EQ_U64(err.col, 32);
    blis_err_format(&err, msg, sizeof msg);
    CHECK_STR(msg, "<input>:9:32: error: clients[2].rate: expected a number, found string");
    blis_doc_free(&doc);
}

TEST(json_accessors_bounds) {
    blis_doc doc;
    blis_err err;
    const blis_node *root;
    CHECK_EQ_I64(t_parse_json("{\"a\":[1,2],\"b\":null}", &doc, &err), BLIS_OK);
    root = blis_doc_root(&doc);
    CHECK(blis_node_at(&doc, root, 2) == NULL);
    CHECK(blis_node_get(&doc, blis_node_get(&doc, root, "a"), "x") == NULL);
    CHECK(blis_node_at(&doc, blis_node_get(&doc, root, "a"), 1)->as.number == 2.0);
    CHECK(blis_node_at(&doc, blis_node_get(&doc, root, "a"), 2) == NULL);
    CHECK(blis_node_key_at(&doc, blis_node_get(&doc, root, "a"), 0) == NULL);
    CHECK_STR(blis_node_key_at(&doc, root, 1)->as.string, "b");
    CHECK(blis_node_get_n(&doc, root, "bx", 1) != NULL);
    CHECK_EQ_I64(blis_node_get(&doc, root, "b")->kind, BLIS_NODE_NULL);
    CHECK(blis_doc_root(NULL) == NULL);
    blis_doc_free(&doc);
    blis_doc_free(&doc); /* idempotent */
}

TEST(json_allow_duplicate_keys_last_wins) {
    blis_doc doc;
    blis_err err;
    blis_parse_opts o;
    const char *s = "{\"a\":1,\"a\":2}";
    memset(&o, 0, sizeof o);
    o.allow_duplicate_keys = 1;
    CHECK_EQ_I64(blis_json_parse(s, strlen(s), &o, &doc, &err), BLIS_OK);
    CHECK_EQ_U64(blis_doc_root(&doc)->count, 2);
    CHECK(blis_node_get(&doc, blis_doc_root(&doc), "a")->as.number == 2.0);
    blis_doc_free(&doc);
}

TEST(json_duplicate_in_large_object) {
    blis_buf b;
    blis_doc doc;
    blis_err err;
    int i;
    char item[32];
    memset(&b, 0, sizeof b);
    blis_buf_write(&b, "{", 1);
    for (i = 0; i < 5000; i++) {
        int n = snprintf(item, sizeof item, "%s\"k%d\":%d", i ? "," : "", i, i);
        blis_buf_write(&b, item, (size_t)n);
    }
    blis_buf_write(&b, ",\"k17\":0}", 9);
    CHECK_EQ_I64(blis_json_parse(b.data, b.len, NULL, &doc, &err), BLIS_E_DUPLICATE);
    CHECK_CONTAINS(err.msg, "duplicate key \"k17\"");
    blis_buf_free(&b);
}

TEST(json_allocation_failures_leave_nothing) {
    t_check_alloc_failures(t_, T_JSON, "{\"a\":[1,2,{\"b\":\"xyz\"}],\"c\":\"d\",\"e\":[[],[{}]]}");
}

TEST(json_writer_indent_matches_go_marshalindent) {
    blis_buf b;
    blis_jw w;
    memset(&b, 0, sizeof b);
    blis_jw_init(&w, blis_buf_write, &b, 2);
    blis_jw_object_begin(&w);
    blis_jw_key(&w, "a");
    blis_jw_i64(&w, 1);
    blis_jw_key(&w, "b");
    blis_jw_array_begin(&w);
    blis_jw_bool(&w, 1);
    blis_jw_null(&w);
    blis_jw_f64(&w, 0.1);
    blis_jw_array_end(&w);
    blis_jw_key(&w, "c");
    blis_jw_object_begin(&w);
    blis_jw_object_end(&w);
    blis_jw_key(&w, "d");
    blis_jw_array_begin(&w);
    blis_jw_array_end(&w);
    blis_jw_key(&w, "e");
    blis_jw_str(&w, "x<y");
    blis_jw_object_end(&w);
    CHECK_EQ_I64(blis_jw_finish(&w), BLIS_OK);
    CHECK_STR(b.data, "{\n  \"a\": 1,\n  \"b\": [\n    true,\n    null,\n    0.1\n  ],\n  \"c\": {},\n  \"d\": [],\n"
                      "  \"e\": \"x\\u003cy\"\n}");
    blis_buf_free(&b);
}

TEST(json_writer_invalid_utf8_and_separators) {
    blis_buf b;
    blis_jw w;
    memset(&b, 0, sizeof b);
    blis_jw_init(&w, blis_buf_write, &b, 0);
    blis_jw_str_n(&w,
                  "a\xFF"
                  "b\xE2\x80\xA9",
                  6);
    CHECK_EQ_I64(blis_jw_finish(&w), BLIS_OK);
    CHECK_STR(b.data, "\"a\\ufffdb\\u2029\"");
    blis_buf_free(&b);
}

TEST(json_writer_misuse_is_an_error) {
    blis_buf b;
    blis_jw w;
    memset(&b, 0, sizeof b);
    blis_jw_init(&w, blis_buf_write, &b, 0);
    blis_jw_object_begin(&w);
    blis_jw_i64(&w, 1); /* a value without a key */
    CHECK_EQ_I64(blis_jw_finish(&w), BLIS_E_INVALID);
    blis_jw_init(&w, blis_buf_write, &b, 0);
    blis_jw_key(&w, "k"); /* a key at the top level */
    CHECK_EQ_I64(blis_jw_finish(&w), BLIS_E_INVALID);
    blis_jw_init(&w, blis_buf_write, &b, 0);
    blis_jw_array_begin(&w); /* never closed */
    CHECK_EQ_I64(blis_jw_finish(&w), BLIS_E_INVALID);
    blis_jw_init(&w, blis_buf_write, &b, 0);
    blis_jw_i64(&w, 1);
    blis_jw_i64(&w, 2); /* two top-level values */
    CHECK_EQ_I64(blis_jw_finish(&w), BLIS_E_INVALID);
    blis_jw_init(&w, blis_buf_write, &b, 0);
    blis_jw_array_begin(&w);
    blis_jw_f64(&w, 0.0 * HUGE_VAL); /* NaN */
    blis_jw_array_end(&w);
    CHECK_EQ_I64(blis_jw_finish(&w), BLIS_E_INVALID);
    blis_jw_init(&w, blis_buf_write, &b, 0);
    blis_jw_array_begin(&w);
    blis_jw_object_end(&w); /* mismatched close */
    CHECK_EQ_I64(blis_jw_finish(&w), BLIS_E_INVALID);
    blis_buf_free(&b);
}

static int t_failing_write(void *user, const char *d, size_t n) {
    (void)user;
    (void)d;
    (void)n;
    return -1;
}

TEST(json_writer_write_failure_is_sticky) {
    blis_jw w;
    blis_jw_init(&w, t_failing_write, NULL, 2);
    blis_jw_array_begin(&w);
    blis_jw_i64(&w, 5);
    blis_jw_array_end(&w);
    CHECK_EQ_I64(blis_jw_finish(&w), BLIS_E_IO);
}

TEST(json_writer_depth_limit) {
    blis_buf b;
    blis_jw w;
    int i;
    memset(&b, 0, sizeof b);
    blis_jw_init(&w, blis_buf_write, &b, 0);
    for (i = 0; i < BLIS_JW_MAX_DEPTH + 1; i++) blis_jw_array_begin(&w);
    CHECK_EQ_I64(blis_jw_finish(&w), BLIS_E_LIMIT);
    blis_buf_free(&b);
}

TEST(json_roundtrip_indent_reparse) {
    blis_doc doc, again;
    blis_err err;
    blis_buf a, b;
    CHECK_EQ_I64(t_parse_json(t_cfg_json, &doc, &err), BLIS_OK);
    CHECK(t_jw_doc(&doc, 2, &a));
    CHECK_EQ_I64(blis_json_parse(a.data, a.len, NULL, &again, &err), BLIS_OK);
    CHECK(t_jw_doc(&again, 2, &b));
    CHECK_STR(a.data, b.data);
    CHECK_CONTAINS(a.data, "\"rope_theta\": 500000,");
    blis_buf_free(&a);
    blis_buf_free(&b);
    blis_doc_free(&again);
    blis_doc_free(&doc);
}

/* Every JSON file of the reference material parses, satisfies the
 * document invariants and survives a write/re-parse round trip. */
TEST(json_reads_all_shared_json) {
    static const char *files[] = {
        "reference/upstream/v0.6.1/hardware_config.json",
        "reference/upstream/a410740f/hardware_config.json",
        "reference/upstream/HEAD/hardware_config.json",
        "reference/upstream/model_configs/llama-4-scout-17b-16e-instruct/config.json",
        "reference/upstream/model_configs/deepseek-v2-lite/config.json",
        "conformance/blis/golden/goldendataset_v0.6.1.json",
        "conformance/blis/kvcache/kvcache_microtrace_v061.json",
        "conformance/blis/workload/workload_generation_a410740f.json",
        "conformance/tra/llama/test.json",
        "groundtruth/groundtruth.json",
    };
    size_t i;
    for (i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *src = NULL;
        size_t len = 0;
        blis_doc doc, again;
        blis_err err;
        blis_buf a, b;
        SHARED_OR_SKIP(files[i], &src, &len);
        CHECK_MSG(blis_json_parse(src, len, NULL, &doc, &err) == BLIS_OK, "%s:%u:%u: %s", files[i], (unsigned)err.line,
                  (unsigned)err.col, err.msg);
        CHECK_EQ_I64(blis_doc_check(&doc), 0);
        CHECK(t_jw_doc(&doc, 2, &a));
        CHECK(blis_json_parse(a.data, a.len, NULL, &again, &err) == BLIS_OK);
        CHECK(t_jw_doc(&again, 2, &b));
        CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
        blis_buf_free(&a);
        blis_buf_free(&b);
        blis_doc_free(&again);
        blis_doc_free(&doc);
        free(src);
    }
}
