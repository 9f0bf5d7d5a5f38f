/* tests/test_yaml.c - >>yaml: the YAML subset. */

typedef struct yaml_ok_case {
    const char *name;
    const char *input;
    const char *json; /* expected document, as compact JSON (Go rules) */
} yaml_ok_case;

static const yaml_ok_case yaml_ok_cases[] = {
    {"scalar_map", "a: 1\nb: two\n", "{\"a\":1,\"b\":\"two\"}"},
    {"nested_map", "a:\n  b:\n    c: 3\n", "{\"a\":{\"b\":{\"c\":3}}}"},
    {"seq", "- 1\n- 2\n", "[1,2]"},
    {"indentless_seq", "k:\n- a\n- b\nz: 1\n", "{\"k\":[\"a\",\"b\"],\"z\":1}"},
    {"indented_seq", "k:\n  - a\n  - b\n", "{\"k\":[\"a\",\"b\"]}"},
    {"seq_of_maps", "- id: x\n  rate: 0.5\n- id: y\n", "[{\"id\":\"x\",\"rate\":0.5},{\"id\":\"y\"}]"},
    {"nested_seq", "- - 1\n  - 2\n- - 3\n", "[[1,2],[3]]"},
    {"flow_seq", "a: [1, 2, 3]\n", "{\"a\":[1,2,3]}"},
    {"flow_map_nested", "d: {type: gaussian, params: {mean: 256, std_dev: 64}}\n",
     "{\"d\":{\"type\":\"gaussian\",\"params\":{\"mean\":256,\"std_dev\":64}}}"},
    {"flow_multiline", "a: [1,\n  2,\n  3]\nb: 4\n", "{\"a\":[1,2,3],\"b\":4}"},
    {"flow_trailing_comma", "a: [1, 2, ]\n", "{\"a\":[1,2]}"},
    {"empty_flow", "a: []\nb: {}\n", "{\"a\":[],\"b\":{}}"},
    {"comments", "# top\na: 1 # trailing\n# mid\n\nb: 2\n", "{\"a\":1,\"b\":2}"},
    {"empty_value_null", "a:\nb: 1\nc: # nothing\n", "{\"a\":null,\"b\":1,\"c\":null}"},
    {"quoted", "a: 'it''s'\nb: \"x\\ty\\u00e9\"\n", "{\"a\":\"it's\",\"b\":\"x\\ty\xC3\xA9\"}"},
    {"types",
     "n: ~\nn2: null\nt: true\nf: False\ni: -12\nh: 0x1F\no: 0o17\nx: 1.5\ne: 2.0e6\nd: .5\ns: 0.6.1\nq: '12'\np: +3\n",
     "{\"n\":null,\"n2\":null,\"t\":true,\"f\":false,\"i\":-12,\"h\":31,\"o\":15,\"x\":1.5,\"e\":2000000,\"d\":0.5,"
     "\"s\":\"0.6.1\",\"q\":\"12\",\"p\":3}"},
    {"url_plain", "u: http://x.io/a#b\n", "{\"u\":\"http://x.io/a#b\"}"},
    {"colon_in_value", "t: 12:30\n", "{\"t\":\"12:30\"}"},
    {"doc_start", "---\na: 1\n", "{\"a\":1}"},
    {"doc_start_comment", "# c\n--- # start\na: 1\n", "{\"a\":1}"},
    {"empty_doc", "", "null"},
    {"comment_only_doc", "# only a comment\n", "null"},
    {"root_scalar", "hello world\n", "\"hello world\""},
    {"crlf", "a: 1\r\nb:\r\n  - x\r\n", "{\"a\":1,\"b\":[\"x\"]}"},
    {"quoted_keys", "\"a b\": 1\n'c': 2\n", "{\"a b\":1,\"c\":2}"},
    {"numeric_key", "8: {k6: 0.02, k7: 1.0}\n", "{\"8\":{\"k6\":0.02,\"k7\":1}}"},
    {"seq_null_items", "-\n- x\n", "[null,\"x\"]"},
    {"seq_item_block_below", "-\n  a: 1\n", "[{\"a\":1}]"},
    {"deep_indent_mix", "a:\n    b: 1\n    c:\n      - 2\nd: 3\n", "{\"a\":{\"b\":1,\"c\":[2]},\"d\":3}"},
    {"flow_quoted_keys", "{\"a\": 1, 'b': [x, \"y\"]}\n", "{\"a\":1,\"b\":[\"x\",\"y\"]}"},
    {"flow_key_no_value", "{a, b: 1}\n", "{\"a\":null,\"b\":1}"},
    {"bom",
     "\xEF\xBB\xBF"
     "a: 1\n",
     "{\"a\":1}"},
    {"trailing_spaces", "a: hello   \n", "{\"a\":\"hello\"}"},
    {"tab_after_colon", "a:\t1\n", "{\"a\":1}"},
    {"compact_map_with_nested", "- a:\n    b: 1\n  c: 2\n", "[{\"a\":{\"b\":1},\"c\":2}]"},
    {"indented_root", "  a: 1\n  b: 2\n", "{\"a\":1,\"b\":2}"},
    {"no_final_newline", "a: [1, {b: c}]", "{\"a\":[1,{\"b\":\"c\"}]}"},
    {"flow_comment_lines", "a: [1, # one\n  2]\n", "{\"a\":[1,2]}"},
    {"plain_with_spaces", "model: meta-llama/Llama 3 x\n", "{\"model\":\"meta-llama/Llama 3 x\"}"},
    {"dash_in_plain", "v: -x-\nw: -1\n", "{\"v\":\"-x-\",\"w\":-1}"},
    {"escapes_that_lengthen", "a: \"\\L\\P\\N\\_\\L\\L\\L\\L\\L\\L\\L\\L\"\n",
     "{\"a\":\"\\u2028\\u2029\xC2\x85\xC2\xA0\\u2028\\u2028\\u2028\\u2028\\u2028\\u2028\\u2028\\u2028\"}"},
    {"escapes_misc", "a: \"\\x41\\U0001F600\\/\\\\\"\n", "{\"a\":\"A\xF0\x9F\x98\x80/\\\\\"}"},
};

static void run_yaml_ok_case(t_ctx *t_, const yaml_ok_case *c) {
    blis_doc doc;
    blis_err err;
    blis_buf out;
    blis_status st = blis_yaml_parse(c->input, strlen(c->input), NULL, &doc, &err);
    CHECK_MSG(st == BLIS_OK, "parse failed: %u:%u %s", (unsigned)err.line, (unsigned)err.col, err.msg);
    if (st != BLIS_OK) return;
    CHECK_EQ_I64(blis_doc_check(&doc), 0);
    CHECK(t_jw_doc(&doc, 0, &out));
    CHECK_STR(out.data, c->json);
    blis_buf_free(&out);
    blis_doc_free(&doc);
}
TABLE(yaml_valid, yaml_ok_cases, run_yaml_ok_case)

typedef struct yaml_err_case {
    const char *name;
    const char *input;
    blis_status status;
    uint32_t line, col;
    const char *fragment;
} yaml_err_case;

static const yaml_err_case yaml_err_cases[] = {
    {"tab_indent", "a:\n\tb: 1\n", BLIS_E_UNSUPPORTED, 2, 1, "tab character used for indentation"},
    {"anchor", "a: &x 1\n", BLIS_E_UNSUPPORTED, 1, 4, "anchors (&)"},
    {"alias", "a: *x\n", BLIS_E_UNSUPPORTED, 1, 4, "aliases (*)"},
    {"tag", "a: !!str 1\n", BLIS_E_UNSUPPORTED, 1, 4, "tags (!)"},
    {"block_scalar", "a: |\n  text\n", BLIS_E_UNSUPPORTED, 1, 4, "block scalars"},
    {"folded_scalar", "a: >\n  t\n", BLIS_E_UNSUPPORTED, 1, 4, "block scalars"},
    {"multi_doc", "a: 1\n---\nb: 2\n", BLIS_E_UNSUPPORTED, 2, 1, "multiple documents"},
    {"doc_end", "a: 1\n...\n", BLIS_E_UNSUPPORTED, 2, 1, "document end marker"},
    {"directive", "%YAML 1.2\n---\na: 1\n", BLIS_E_UNSUPPORTED, 1, 1, "directives"},
    {"complex_key", "? a\n: 1\n", BLIS_E_UNSUPPORTED, 1, 1, "complex keys"},
    {"duplicate_key", "a: 1\nb: 2\na: 3\n", BLIS_E_DUPLICATE, 3, 1,
     "duplicate key \"a\" (first defined at line 1, column 1)"},
    {"duplicate_flow_key", "x: {k: 1, k: 2}\n", BLIS_E_DUPLICATE, 1, 11, "duplicate key \"k\""},
    {"bad_indent", "a:\n  b: 1\n   c: 2\n", BLIS_E_SYNTAX, 3, 4, "unexpected indentation"},
    {"dedent_mismatch", "a:\n    b: 1\n  c: 2\n", BLIS_E_SYNTAX, 3, 3, "unexpected indentation"},
    {"inline_mapping", "a: b: c\n", BLIS_E_SYNTAX, 1, 4, "mappings are not allowed as inline values"},
    {"seq_on_key_line", "a: - 1\n", BLIS_E_SYNTAX, 1, 4, "block sequence cannot start on the same line"},
    {"flow_runs_into_block", "a: [1, 2\nb: 3\n", BLIS_E_SYNTAX, 2, 1, "expected ',' or ']'"},
    {"unterminated_flow", "a: [1, 2\n", BLIS_E_SYNTAX, 1, 4, "unterminated flow collection (missing ']')"},
    {"implicit_flow_pair", "a: [x: 1]\n", BLIS_E_UNSUPPORTED, 1, 6, "implicit mappings inside flow sequences"},
    {"flow_key_collection", "{[a]: 1}\n", BLIS_E_UNSUPPORTED, 1, 2, "collections as mapping keys"},
    {"unterminated_quote", "a: \"abc\n", BLIS_E_UNSUPPORTED, 1, 4, "unterminated quoted scalar"},
    {"bad_escape", "a: \"x\\qy\"\n", BLIS_E_SYNTAX, 1, 6, "invalid escape sequence"},
    {"surrogate_escape", "a: \"\\ud800\"\n", BLIS_E_SYNTAX, 1, 5, "not a valid Unicode scalar value"},
    {"text_after_quoted", "a: \"x\" y\n", BLIS_E_SYNTAX, 1, 8, "unexpected text after the value"},
    {"text_after_flow", "a: [1] x\n", BLIS_E_SYNTAX, 1, 8, "unexpected text after the value"},
    {"multiline_plain", "a: hello\n  world\n", BLIS_E_SYNTAX, 2, 3, "unexpected indentation"},
    {"invalid_utf8", "a: \xC3\x28\n", BLIS_E_SYNTAX, 1, 4, "invalid UTF-8"},
    {"control_char", "a: x\x01y\n", BLIS_E_SYNTAX, 1, 5, "control character"},
    {"bare_cr", "a: 1\rb: 2\n", BLIS_E_SYNTAX, 1, 5, "carriage return"},
    {"seq_in_map_same_indent", "a: 1\n- x\n", BLIS_E_SYNTAX, 2, 1, "expected a mapping key, found a sequence item"},
    {"key_expected", "a: 1\nplain text\n", BLIS_E_SYNTAX, 2, 1, "expected a mapping key"},
    {"reserved_indicator", "a: @x\n", BLIS_E_SYNTAX, 1, 4, "reserved indicator"},
    {"content_after_doc_start", "--- a: 1\n", BLIS_E_UNSUPPORTED, 1, 5, "content on the '---' line"},
    {"comment_without_space", "a: \"x\"#c\n", BLIS_E_SYNTAX, 1, 7, "a comment needs a space"},
    {"empty_key", ": 1\n", BLIS_E_SYNTAX, 1, 1, "empty mapping key"},
    {"flow_indicator_start", "a: ]\n", BLIS_E_SYNTAX, 1, 4, "flow indicator"},
    {"overflow_number", "a: 1e999\n", BLIS_E_RANGE, 1, 4, "out of the range"},
    {"hex_overflow", "a: 0x10000000000000000\n", BLIS_E_RANGE, 1, 4, "out of range"},
    {"flow_missing_comma", "a: {x: 1 y: 2}\n", BLIS_E_SYNTAX, 1, 11, "expected ',' or '}'"},
    {"seq_after_root_scalar", "x\n- y\n", BLIS_E_SYNTAX, 2, 1, "unexpected content after the document"},
    {"block_seq_in_flow", "a: [- x]\n", BLIS_E_SYNTAX, 1, 5, "block sequence item inside a flow collection"},
    {"flow_value_at_eof", "a: {k: # c", BLIS_E_SYNTAX, 1, 11, "unexpected end of input inside a flow collection"},
};

static void run_yaml_err_case(t_ctx *t_, const yaml_err_case *c) {
    blis_doc doc;
    blis_err err;
    blis_parse_opts o;
    memset(&o, 0, sizeof o);
    o.source = "spec.yaml";
    CHECK_EQ_I64(blis_yaml_parse(c->input, strlen(c->input), &o, &doc, &err), c->status);
    CHECK_EQ_U64(err.line, c->line);
    CHECK_EQ_U64(err.col, c->col);
    CHECK_CONTAINS(err.msg, c->fragment);
    CHECK_STR(err.source, "spec.yaml");
    CHECK(doc.nodes == NULL && doc.node_count == 0);
}
TABLE(yaml_errors, yaml_err_cases, run_yaml_err_case)

TEST(yaml_flow_depth_limit) {
    char buf[400];
    blis_doc doc;
    blis_err err;
    int i;
    for (i = 0; i < 129; i++) buf[i] = '[';
    for (i = 0; i < 129; i++) buf[129 + i] = ']';
    CHECK_EQ_I64(blis_yaml_parse(buf, 258, NULL, &doc, &err), BLIS_E_LIMIT);
    CHECK_EQ_U64(err.col, 129);
    CHECK_EQ_I64(blis_yaml_parse(buf + 1, 256, NULL, &doc, &err), BLIS_OK);
    blis_doc_free(&doc);
}

TEST(yaml_block_depth_limit) {
    const char *s = "a:\n b:\n  c:\n   d: 1\n";
    blis_doc doc;
    blis_err err;
    blis_parse_opts o;
    memset(&o, 0, sizeof o);
    o.max_depth = 3;
    CHECK_EQ_I64(blis_yaml_parse(s, strlen(s), &o, &doc, &err), BLIS_E_LIMIT);
    CHECK_EQ_U64(err.line, 4);
    CHECK_EQ_U64(err.col, 4);
    o.max_depth = 4;
    CHECK_EQ_I64(blis_yaml_parse(s, strlen(s), &o, &doc, &err), BLIS_OK);
    blis_doc_free(&doc);
}

TEST(yaml_deep_block_nesting_at_hard_cap) {
    blis_buf b;
    blis_doc doc;
    blis_err err;
    blis_parse_opts o;
    int i;
    memset(&b, 0, sizeof b);
    memset(&o, 0, sizeof o);
    o.max_depth = 5000; /* clamped to 1000 */
    for (i = 0; i < 1200; i++) blis_buf_write(&b, "- ", 2);
    blis_buf_write(&b, "x\n", 2);
    CHECK_EQ_I64(blis_yaml_parse(b.data, b.len, &o, &doc, &err), BLIS_E_LIMIT);
    CHECK_CONTAINS(err.msg, "1000 levels");
    blis_buf_free(&b);
}

TEST(yaml_special_floats_and_getters) {
    const char *s = "pinf: .inf\nninf: -.Inf\nnan: .NaN\nbig: 9223372036854775807\nver: 0.6.1\nq: \"5\"\n";
    blis_doc doc;
    blis_err err;
    const blis_node *root;
    double f = 0;
    int64_t i = 0;
    const char *txt = NULL;
    CHECK_EQ_I64(blis_yaml_parse(s, strlen(s), NULL, &doc, &err), BLIS_OK);
    root = blis_doc_root(&doc);
    CHECK_EQ_I64(blis_doc_get_f64(&doc, root, "pinf", &f, &err), BLIS_OK);
    CHECK(f > DBL_MAX);
    CHECK_EQ_I64(blis_doc_get_f64(&doc, root, "ninf", &f, &err), BLIS_OK);
    CHECK(f < -DBL_MAX);
    CHECK_EQ_I64(blis_doc_get_f64(&doc, root, "nan", &f, &err), BLIS_OK);
    CHECK(f != f);
    CHECK_EQ_I64(blis_doc_get_i64(&doc, root, "nan", &i, &err), BLIS_E_TYPE);
    CHECK_CONTAINS(err.msg, "expected an integer, found NaN");
    CHECK_EQ_I64(blis_doc_get_i64(&doc, root, "big", &i, &err), BLIS_OK); /* exact, beyond 2^53 */
    CHECK_EQ_I64(i, INT64_MAX);
    CHECK_EQ_I64(blis_node_text(&doc, blis_node_get(&doc, root, "ver"), &txt, &err), BLIS_OK);
    CHECK_STR(txt, "0.6.1");
    CHECK_EQ_I64(blis_doc_get_i64(&doc, root, "q", &i, &err), BLIS_E_TYPE); /* quoted: a string */
    CHECK_EQ_U64(err.line, 6);
    CHECK_EQ_U64(err.col, 4);
    CHECK_STR(err.path, "q");
    CHECK(blis_node_get(&doc, root, "q")->flags & BLIS_NODE_F_QUOTED);
    blis_doc_free(&doc);
}

TEST(yaml_paths_in_errors) {
    const char *s = "clients:\n  - id: a\n  - id: b\n  - id: c\n    rate: fast\n";
    blis_doc doc;
    blis_err err;
    double f;
    char msg[256];
    const blis_node *clients;
    CHECK_EQ_I64(blis_yaml_parse(s, strlen(s), NULL, &doc, &err), BLIS_OK);
    clients = blis_node_get(&doc, blis_doc_root(&doc), "clients");
    CHECK_EQ_I64(blis_doc_get_f64(&doc, blis_node_at(&doc, clients, 2), "rate", &f, &err), BLIS_E_TYPE);
    blis_err_format(&err, msg, sizeof msg);
    CHECK_STR(msg, "<input>:5:11: error: clients[2].rate: expected a number, found string");
    CHECK_EQ_I64(blis_doc_get_f64(&doc, blis_node_at(&doc, clients, 1), "rate", &f, &err), BLIS_E_MISSING);
    CHECK_STR(err.path, "clients[1]");
    CHECK_EQ_U64(err.line, 3);
    CHECK_EQ_U64(err.col, 5);
    blis_doc_free(&doc);
}

TEST(yaml_allocation_failures_leave_nothing) {
    t_check_alloc_failures(t_, T_YAML, "a:\n  - {x: 1, y: [2, 3]}\n  - 'q'\nb: text\n");
}

static const blis_node *t_yaml_path(const blis_doc *doc, const char *a, const char *b, const char *c) {
    const blis_node *n = blis_node_get(doc, blis_doc_root(doc), a);
    if (b) n = blis_node_get(doc, n, b);
    if (c) n = blis_node_get(doc, n, c);
    return n;
}

TEST(yaml_reads_reference_defaults_v061) {
    char *src = NULL;
    size_t len = 0;
    blis_doc doc;
    blis_err err;
    const blis_node *models, *m0;
    double f = 0;
    int64_t i = 0;
    const char *s = NULL;
    SHARED_OR_SKIP("reference/upstream/v0.6.1/defaults.yaml", &src, &len);
    CHECK_EQ_I64(blis_yaml_parse(src, len, NULL, &doc, &err), BLIS_OK);
    CHECK_EQ_I64(blis_doc_check(&doc), 0);
    CHECK_EQ_I64(blis_doc_get_i64(&doc, t_yaml_path(&doc, "workloads", "chatbot", NULL), "prompt_tokens", &i, &err),
                 BLIS_OK);
    CHECK_EQ_I64(i, 256);
    models = blis_node_get(&doc, blis_doc_root(&doc), "models");
    CHECK(models && models->kind == BLIS_NODE_ARRAY && models->count > 50);
    m0 = blis_node_at(&doc, models, 0);
    CHECK_EQ_I64(blis_doc_get_str(&doc, m0, "id", &s, &err), BLIS_OK);
    CHECK_STR(s, "ibm-granite/granite-3.1-8b-instruct");
    CHECK_EQ_I64(blis_node_f64(&doc, blis_node_at(&doc, blis_node_get(&doc, m0, "alpha_coeffs"), 0), &f, &err),
                 BLIS_OK);
    CHECK_EQ_F64(f, 5948.910386094121);
    CHECK_EQ_I64(blis_doc_get_i64(&doc, m0, "total_kv_blocks", &i, &err), BLIS_OK);
    CHECK_EQ_I64(i, 23257);
    CHECK_EQ_I64(blis_doc_get_str(&doc, t_yaml_path(&doc, "defaults", "meta-llama/llama-3.1-8b-instruct", NULL), "GPU",
                                  &s, &err),
                 BLIS_OK);
    CHECK_STR(s, "H100");
    blis_doc_free(&doc);
    free(src);
}

TEST(yaml_reads_reference_defaults_a410740f) {
    char *src = NULL;
    size_t len = 0;
    blis_doc doc;
    blis_err err;
    SHARED_OR_SKIP("reference/upstream/a410740f/defaults.yaml", &src, &len);
    CHECK_EQ_I64(blis_yaml_parse(src, len, NULL, &doc, &err), BLIS_OK);
    CHECK_EQ_I64(blis_doc_check(&doc), 0);
    CHECK(blis_node_get(&doc, blis_doc_root(&doc), "models") != NULL);
    blis_doc_free(&doc);
    free(src);
}

TEST(yaml_reads_reference_defaults_head) {
    char *src = NULL;
    size_t len = 0;
    blis_doc doc;
    blis_err err;
    double f = 0;
    const blis_node *tiers;
    SHARED_OR_SKIP("reference/upstream/HEAD/defaults.yaml", &src, &len);
    CHECK_EQ_I64(blis_yaml_parse(src, len, NULL, &doc, &err), BLIS_OK);
    CHECK_EQ_U64(t_yaml_path(&doc, "trained_physics_coefficients", "beta_coeffs", NULL)->count, 11);
    CHECK_EQ_I64(blis_doc_get_f64(&doc, t_yaml_path(&doc, "kv_offload_devices", "s3", NULL), "base_latency", &f, &err),
                 BLIS_OK);
    CHECK_EQ_F64(f, 30000.0);
    CHECK_EQ_I64(blis_doc_get_f64(&doc, t_yaml_path(&doc, "lora", NULL, NULL), "load_bandwidth_bytes_us", &f, &err),
                 BLIS_OK);
    CHECK_EQ_F64(f, 2e6); /* "2.0e6": a float in YAML 1.2 */
    tiers = t_yaml_path(&doc, "lora", "step_overhead_tiers", "8");
    CHECK_EQ_I64(blis_doc_get_f64(&doc, tiers, "k6", &f, &err), BLIS_OK);
    CHECK_EQ_F64(f, 0.02);
    blis_doc_free(&doc);
    free(src);
}

/* The workload-spec YAMLs embedded in the a410740f workload vectors. */
TEST(yaml_reads_embedded_workload_specs) {
    char *src = NULL;
    size_t len = 0;
    blis_doc jdoc, ydoc;
    blis_err err;
    const char *yaml = NULL, *s = NULL;
    const blis_node *clients, *c1;
    double f = 0;
    int64_t i = 0;
    SHARED_OR_SKIP("conformance/blis/workload/workload_generation_a410740f.json", &src, &len);
    CHECK_EQ_I64(blis_json_parse(src, len, NULL, &jdoc, &err), BLIS_OK);
    CHECK_EQ_I64(blis_doc_get_str(&jdoc, blis_node_get(&jdoc, blis_doc_root(&jdoc), "spec_two_clients_seed7"), "yaml",
                                  &yaml, &err),
                 BLIS_OK);
    CHECK_EQ_I64(blis_yaml_parse(yaml, strlen(yaml), NULL, &ydoc, &err), BLIS_OK);
    CHECK_EQ_I64(blis_doc_get_str(&ydoc, blis_doc_root(&ydoc), "version", &s, &err), BLIS_OK);
    CHECK_STR(s, "2");
    CHECK_EQ_I64(blis_doc_get_i64(&ydoc, blis_doc_root(&ydoc), "num_requests", &i, &err), BLIS_OK);
    CHECK_EQ_I64(i, 200);
    clients = blis_node_get(&ydoc, blis_doc_root(&ydoc), "clients");
    CHECK_EQ_U64(clients->count, 2);
    c1 = blis_node_at(&ydoc, clients, 1);
    CHECK_EQ_I64(blis_doc_get_f64(&ydoc, blis_node_get(&ydoc, c1, "arrival"), "cv", &f, &err), BLIS_OK);
    CHECK_EQ_F64(f, 2.0);
    CHECK_EQ_I64(blis_doc_get_f64(&ydoc, blis_node_get(&ydoc, blis_node_get(&ydoc, c1, "input_distribution"), "params"),
                                  "mix_weight", &f, &err),
                 BLIS_OK);
    CHECK_EQ_F64(f, 0.3);
    blis_doc_free(&ydoc);
    CHECK_EQ_I64(blis_doc_get_str(&jdoc, blis_node_get(&jdoc, blis_doc_root(&jdoc), "spec_weibull_seed11_horizon60s"),
                                  "yaml", &yaml, &err),
                 BLIS_OK);
    CHECK_EQ_I64(blis_yaml_parse(yaml, strlen(yaml), NULL, &ydoc, &err), BLIS_OK);
    CHECK_EQ_I64(blis_doc_get_f64(
                     &ydoc,
                     blis_node_get(&ydoc, blis_node_at(&ydoc, blis_node_get(&ydoc, blis_doc_root(&ydoc), "clients"), 0),
                                   "arrival"),
                     "cv", &f, &err),
                 BLIS_OK);
    CHECK_EQ_F64(f, 1.5);
    blis_doc_free(&ydoc);
    blis_doc_free(&jdoc);
    free(src);
}
