/* tests/test_bench.c - the bench_data validator (tables written here, the
 * reference's own tables), the aiconfigurator importer (small tables written
 * here, checked against the MFU definitions and round-tripped through
 * roofline v2's lookups; the public H100 tables when ../shared is there), and
 * the Python pipeline's CPU quick mode end to end. */

typedef struct t_bench_seen {
    char text[8192];
} t_bench_seen;

static void t_bench_collect(void *user, int is_error, const char *source, uint32_t line, uint32_t col,
                            const char *msg) {
    t_bench_seen *s = (t_bench_seen *)user;
    size_t n = strlen(s->text);
    snprintf(s->text + n, sizeof s->text - n, "%s:%lu:%lu: %s: %s\n", source, (unsigned long)line, (unsigned long)col,
             is_error == 1   ? "error"
             : is_error == 0 ? "warning"
                             : "note",
             msg);
}

typedef struct t_bench_case {
    const char *name;
    int kind;
    const char *csv;
    int errors, warnings; /* expected counts */
    const char *fragment; /* expected in the findings ("" for none) */
} t_bench_case;

static const t_bench_case t_bench_cases[] = {
    /* good tables */
    {"good_gemm", BLIS_BENCH_GEMM, "m,k,n,latency_us,mfu\n8,4096,4096,10,0.5\n16,4096,4096,12,0.8\n", 0, 0, ""},
    {"good_prefill", BLIS_BENCH_PREFILL, "dtype,seq_len,latency_us,mfu\nbf16,1024,38,0.5\nbf16,4096,217,0.6\n", 0, 0,
     ""},
    {"good_decode", BLIS_BENCH_DECODE,
     "dtype,kv_dtype,batch_size,kv_len,latency_us,mfu\nbf16,bf16,1,1024,39,0.01\nbf16,bf16,1,4096,40,0.02\n"
     "bf16,bf16,16,1024,41,0.05\nbf16,bf16,16,4096,42,0.1\n",
     0, 0, ""},
    /* header problems */
    {"missing_column", BLIS_BENCH_GEMM, "m,k,latency_us,mfu\n8,4096,10,0.5\n", 1, 0,
     "t.csv:1:1: error: missing column \"n\"; the header must be \"m,k,n,latency_us,mfu\""},
    {"extra_column", BLIS_BENCH_GEMM, "m,k,n,latency_us,mfu,extra\n8,4096,4096,10,0.5,1\n", 1, 0,
     "t.csv:1:22: error: unexpected column \"extra\""},
    {"column_order", BLIS_BENCH_GEMM, "k,m,n,latency_us,mfu\n8,4096,4096,10,0.5\n", 1, 0,
     "column \"m\" is column 2, expected column 1 (tables are read by position)"},
    {"duplicate_column", BLIS_BENCH_PREFILL, "dtype,dtype,seq_len,latency_us,mfu\nbf16,bf16,1024,38,0.5\n", 1, 0,
     "t.csv:1:7: error: column \"dtype\" appears twice"},
    {"empty_file", BLIS_BENCH_PREFILL, "", 1, 0,
     "t.csv:1:1: error: empty file: expected the header \"dtype,seq_len,latency_us,mfu\""},
    {"header_only", BLIS_BENCH_PREFILL, "dtype,seq_len,latency_us,mfu\n", 1, 0, "error: no data rows after the header"},
    /* numbers */
    {"mfu_above_1", BLIS_BENCH_GEMM, "m,k,n,latency_us,mfu\n8,4096,4096,10,1.5\n", 1, 0,
     "t.csv:2:16: error: row 2, column \"mfu\": must be within 0..1 (0, or at least 1e-9), got \"1.5\""},
    {"mfu_negative", BLIS_BENCH_GEMM, "m,k,n,latency_us,mfu\n8,4096,4096,10,-0.1\n", 1, 0,
     "must be within 0..1 (0, or at least 1e-9), got \"-0.1\""},
    {"latency_negative", BLIS_BENCH_GEMM, "m,k,n,latency_us,mfu\n8,4096,4096,-3,0.5\n", 1, 0,
     "t.csv:2:13: error: row 2, column \"latency_us\": must be > 0 (at least 0.001 us), got \"-3\""},
    {"latency_zero", BLIS_BENCH_GEMM, "m,k,n,latency_us,mfu\n8,4096,4096,0,0.5\n", 1, 0,
     "must be > 0 (at least 0.001 us), got \"0\""},
    {"latency_denormal", BLIS_BENCH_GEMM, "m,k,n,latency_us,mfu\n8,4096,4096,1e-320,0.5\n", 1, 0,
     "must be > 0 (at least 0.001 us), got \"1e-320\""},
    {"mfu_denormal", BLIS_BENCH_GEMM, "m,k,n,latency_us,mfu\n8,4096,4096,10,1e-320\n", 1, 0,
     "must be within 0..1 (0, or at least 1e-9), got \"1e-320\""},
    {"latency_nan", BLIS_BENCH_GEMM, "m,k,n,latency_us,mfu\n8,4096,4096,NaN,0.5\n", 1, 0,
     "row 2, column \"latency_us\": expected a finite number, got \"NaN\""},
    {"latency_overflow", BLIS_BENCH_GEMM, "m,k,n,latency_us,mfu\n8,4096,4096,1e999,0.5\n", 1, 0,
     "expected a finite number, got \"1e999\""},
    {"m_not_integer", BLIS_BENCH_GEMM, "m,k,n,latency_us,mfu\n8.5,4096,4096,10,0.5\n", 1, 0,
     "row 2, column \"m\": expected an integer in 1..2^40, got \"8.5\""},
    {"m_zero", BLIS_BENCH_GEMM, "m,k,n,latency_us,mfu\n0,4096,4096,10,0.5\n", 1, 0,
     "expected an integer in 1..2^40, got \"0\""},
    {"m_overflow", BLIS_BENCH_GEMM, "m,k,n,latency_us,mfu\n99999999999999999999,4096,4096,10,0.5\n", 1, 0,
     "expected an integer in 1..2^40"},
    {"dtype_empty", BLIS_BENCH_DECODE, "dtype,kv_dtype,batch_size,kv_len,latency_us,mfu\n,bf16,1,1024,39,0.01\n", 1, 0,
     "column \"dtype\": expected a dtype name"},
    {"ragged_row", BLIS_BENCH_GEMM, "m,k,n,latency_us,mfu\n8,4096,4096,10\n", 1, 0,
     "t.csv:2:1: error: row 2: expected 5 fields (\"m,k,n,latency_us,mfu\"), got 4"},
    {"unclosed_quote", BLIS_BENCH_GEMM, "m,k,n,latency_us,mfu\n8,4096,\"4096,10,0.5\n", 1, 0, "t.csv:2:"},
    /* order and duplicates */
    {"unsorted_gemm", BLIS_BENCH_GEMM, "m,k,n,latency_us,mfu\n16,4096,4096,12,0.8\n8,4096,4096,10,0.5\n", 1, 0,
     "t.csv:3:1: error: row 3: grid not sorted: (k=4096, n=4096, m=8) after (k=4096, n=4096, m=16); sort rows by k, "
     "n, then m"},
    {"unsorted_decode", BLIS_BENCH_DECODE,
     "dtype,kv_dtype,batch_size,kv_len,latency_us,mfu\nbf16,bf16,16,1024,41,0.05\nbf16,bf16,1,1024,39,0.01\n", 1, 0,
     "grid not sorted: (batch_size=1, kv_len=1024) after (batch_size=16, kv_len=1024)"},
    {"duplicate_different", BLIS_BENCH_PREFILL, "dtype,seq_len,latency_us,mfu\nbf16,1024,38,0.5\nbf16,1024,39,0.5\n", 1,
     0, "t.csv:3:1: error: row 3: duplicate grid point (seq_len=1024) with different values than line 2"},
    {"duplicate_same", BLIS_BENCH_PREFILL, "dtype,seq_len,latency_us,mfu\nbf16,1024,38,0.5\nbf16,1024,38,0.5\n", 0, 1,
     "warning: row 3: grid point (seq_len=1024) repeated from line 2"},
    /* warnings */
    {"mfu_zero_warning", BLIS_BENCH_DECODE,
     "dtype,kv_dtype,batch_size,kv_len,latency_us,mfu\nbf16,bf16,1,1024,39,0.0\n", 0, 1,
     "t.csv:2:21: warning: row 2: mfu is 0; lookups skip such rows (zero protection)"},
    {"implausible_warning", BLIS_BENCH_PREFILL, "dtype,seq_len,latency_us,mfu\nbf16,1024,38,0.95\n", 0, 1,
     "warning: row 2: mfu 0.95 is outside the plausible range 0.30..0.90 for prefill attention"},
    {"grid_gap_warning", BLIS_BENCH_DECODE,
     "dtype,kv_dtype,batch_size,kv_len,latency_us,mfu\nbf16,bf16,1,1024,39,0.01\nbf16,bf16,1,4096,40,0.02\n"
     "bf16,bf16,16,1024,41,0.05\n",
     0, 1, "the grid lacks 1 of its 4 (batch_size, kv_len) points, first (16, 4096)"},
};

static void t_bench_case_run(t_ctx *t_, const t_bench_case *c) {
    blis_bench_validation v;
    t_bench_seen seen;
    memset(&v, 0, sizeof v);
    memset(&seen, 0, sizeof seen);
    v.report = t_bench_collect;
    v.user = &seen;
    blis_bench_validate_csv(&v, (blis_bench_kind)c->kind, c->csv, strlen(c->csv), "t.csv");
    CHECK_MSG(v.errors == (size_t)c->errors && v.warnings == (size_t)c->warnings,
              "%s: %lu errors, %lu warnings; want %d, %d; findings:\n%s", c->name, (unsigned long)v.errors,
              (unsigned long)v.warnings, c->errors, c->warnings, seen.text);
    if (c->fragment[0])
        CHECK_CONTAINS(seen.text, c->fragment);
    else
        CHECK_STR(seen.text, "");
}
TABLE(bench_validate_csv, t_bench_cases, t_bench_case_run)

TEST(bench_validate_caps_findings_per_file) {
    blis_buf b;
    blis_bench_validation v;
    t_bench_seen seen;
    int i;
    memset(&b, 0, sizeof b);
    blis_buf_write(&b, "m,k,n,latency_us,mfu\n", 21);
    for (i = 0; i < 80; i++) blis_buf_write(&b, "8,4096,4096,-1,0.5\n", 19);
    memset(&v, 0, sizeof v);
    memset(&seen, 0, sizeof seen);
    v.report = t_bench_collect;
    v.user = &seen;
    v.max_per_file = 10;
    blis_bench_validate_csv(&v, BLIS_BENCH_GEMM, b.data, b.len, "big.csv");
    CHECK_EQ_I64((int64_t)v.errors, 80); /* every row: a negative latency */
    CHECK_CONTAINS(seen.text, "big.csv:0:0: note: 70 more findings in this file not shown");
    blis_buf_free(&b);
}

TEST(bench_validate_dir_layout) {
    blis_bench_validation v;
    t_bench_seen seen;
    const char *d = "build/bench_layout";
    CHECK_EQ_I64(system("rm -rf build/bench_layout && mkdir -p build/bench_layout/gemm/h100 "
                        "build/bench_layout/mha/prefill/h100 build/bench_layout/mha/decode/h100 "
                        "build/bench_layout/mha/other build/bench_layout/gemm/a100"),
                 0);
    CHECK(t_write_file("build/bench_layout/gemm/h100/data.csv", "m,k,n,latency_us,mfu\n8,4096,4096,10,0.5\n"));
    CHECK(t_write_file("build/bench_layout/gemm/h100/extra.csv", "x\n"));
    CHECK(t_write_file("build/bench_layout/mha/prefill/h100/32-8-128.csv",
                       "dtype,seq_len,latency_us,mfu\nbf16,1024,38,0.5\n"));
    CHECK(t_write_file("build/bench_layout/mha/prefill/h100/llama.csv", "dtype,seq_len,latency_us,mfu\n"));
    CHECK(t_write_file("build/bench_layout/mha/decode/h100/32-8-128-tp2.csv",
                       "dtype,kv_dtype,batch_size,kv_len,latency_us,mfu\nbf16,bf16,1,1024,39,0.01\n"));
    CHECK(t_write_file("build/bench_layout/mha/decode/h100/40-8-128-tp1.csv",
                       "dtype,kv_dtype,batch_size,kv_len,latency_us,mfu\nbf16,bf16,1,1024,39,0.01\n"));
    CHECK(t_write_file("build/bench_layout/README.txt", "hello\n"));
    CHECK(t_write_file("build/bench_layout/h100.json", "[1, 2]\n"));
    memset(&v, 0, sizeof v);
    memset(&seen, 0, sizeof seen);
    v.report = t_bench_collect;
    v.user = &seen;
    blis_bench_validate_dir(&v, d, blis_posix_list_dir, NULL);
    CHECK_CONTAINS(seen.text, "build/bench_layout/README.txt:0:0: error: unknown entry: expected gemm/, mha/ or "
                              "<gpu>.json");
    CHECK_CONTAINS(seen.text, "build/bench_layout/gemm/h100/extra.csv:0:0: error: unknown file: a GEMM folder holds "
                              "only data.csv");
    CHECK_CONTAINS(seen.text, "build/bench_layout/mha/prefill/h100/llama.csv:0:0: error: unknown file: expected "
                              "<heads>-<kv_heads>-<head_dim>.csv");
    CHECK_CONTAINS(seen.text, "build/bench_layout/mha/other:0:0: error: unknown entry: mha/ holds only prefill/ and "
                              "decode/");
    CHECK_CONTAINS(seen.text, "build/bench_layout/h100.json:1:1: error: provenance file: expected a JSON object");
    CHECK_CONTAINS(seen.text, "error: GPU \"a100\": no gemm/a100/data.csv");
    CHECK_CONTAINS(seen.text, "error: GPU \"a100\": no prefill tables in mha/prefill/a100/");
    CHECK_CONTAINS(seen.text, "warning: GPU \"h100\": decode table 40-8-128-tp1.csv has no prefill table 40-8-128.csv");
    CHECK_CONTAINS(seen.text, "warning: GPU \"h100\": prefill table 32-8-128.csv has no decode table 32-8-128-tp1.csv");
    CHECK_EQ_I64((int64_t)v.errors, 8);
    /* a missing directory and a file passed as the directory */
    memset(&v, 0, sizeof v);
    blis_bench_validate_dir(&v, "build/bench_layout/nope", blis_posix_list_dir, NULL);
    CHECK_EQ_I64((int64_t)v.errors, 1);
    memset(&v, 0, sizeof v);
    blis_bench_validate_dir(&v, "build/bench_layout/README.txt", blis_posix_list_dir, NULL);
    CHECK_EQ_I64((int64_t)v.errors, 1);
    /* an empty directory has no tables */
    CHECK_EQ_I64(system("rm -rf build/bench_empty && mkdir -p build/bench_empty"), 0);
    memset(&v, 0, sizeof v);
    memset(&seen, 0, sizeof seen);
    v.report = t_bench_collect;
    v.user = &seen;
    blis_bench_validate_dir(&v, "build/bench_empty", blis_posix_list_dir, NULL);
    CHECK_CONTAINS(seen.text, "error: no tables: expected gemm/<gpu>/data.csv");
}

TEST(bench_reference_tables_validate_with_warnings_only) {
    char dir[1024];
    blis_bench_validation v;
    if (!t_shared_dir()) SKIP("../shared is absent (the reference's bench_data)");
    snprintf(dir, sizeof dir, "%s/reference/upstream/a410740f/bench_data", t_shared_dir());
    memset(&v, 0, sizeof v);
    blis_bench_validate_dir(&v, dir, blis_posix_list_dir, NULL);
    CHECK_EQ_I64((int64_t)v.errors, 0);
    CHECK_EQ_I64((int64_t)v.files, 25);
    CHECK_EQ_I64((int64_t)v.rows, 897);
    CHECK(v.warnings > 0); /* MFU 0 rows, grid gaps, implausible prefill MFUs at 1024 */
}

/* ---- the importer ---- */

typedef struct t_bench_files {
    char names[32][96];
    blis_buf data[32];
    int n;
} t_bench_files;

static blis_status t_bench_emit(void *user, const char *rel, const char *data, size_t len, blis_err *err) {
    t_bench_files *f = (t_bench_files *)user;
    (void)err;
    if (f->n == 32) return BLIS_E_LIMIT;
    snprintf(f->names[f->n], sizeof f->names[0], "%s", rel);
    memset(&f->data[f->n], 0, sizeof f->data[0]);
    blis_buf_write(&f->data[f->n], data, len);
    f->n++;
    return BLIS_OK;
}

static const char *t_bench_file(const t_bench_files *f, const char *rel) {
    int i;
    for (i = 0; i < f->n; i++)
        if (!strcmp(f->names[i], rel)) return f->data[i].data;
    return NULL;
}

#define T_AIC_HEAD "framework,version,device,op_name,kernel_source,"

/* Small aiconfigurator-format tables (made-up latencies) under build/. */
static int t_bench_aic_inputs(void) {
    int ok = 1;
    ok &= t_write_file("build/aic_gemm.csv",
                       T_AIC_HEAD "gemm_dtype,m,n,k,latency\n"
                                  "VLLM,0.14,NVIDIA H100 80GB HBM3,gemm,vllm_default,bfloat16,16,4096,4096,0.02\n"
                                  "VLLM,0.14,NVIDIA H100 80GB HBM3,gemm,vllm_default,fp8,16,4096,4096,0.01\n"
                                  "VLLM,0.14,NVIDIA H100 80GB HBM3,gemm,vllm_default,bfloat16,8,4096,4096,0.01\n"
                                  "VLLM,0.14,NVIDIA H100 80GB HBM3,gemm,vllm_default,bfloat16,8,4096,4096,0.03\n");
    ok &= t_write_file("build/aic_ctx.csv",
                       T_AIC_HEAD "batch_size,isl,num_heads,num_key_value_heads,head_dim,beam_width,attn_dtype,"
                                  "kv_cache_dtype,step,latency\n"
                                  "VLLM,0.14,NVIDIA H100 80GB HBM3,context_attention,fa,1,1024,32,8,128,1,bfloat16,"
                                  "bfloat16,0,0.05\n"
                                  "VLLM,0.14,NVIDIA H100 80GB HBM3,context_attention,fa,2,1024,32,8,128,1,bfloat16,"
                                  "bfloat16,0,0.09\n"
                                  "VLLM,0.14,NVIDIA H100 80GB HBM3,context_attention,fa,1,4096,32,8,128,1,bfloat16,"
                                  "bfloat16,0,0.4\n");
    ok &= t_write_file("build/aic_gen.csv",
                       T_AIC_HEAD "batch_size,isl,num_heads,num_key_value_heads,head_dim,beam_width,attn_dtype,"
                                  "kv_cache_dtype,step,latency\n"
                                  "VLLM,0.14,NVIDIA H100 80GB HBM3,generation_attention,fa,1,1,32,8,128,1,bfloat16,"
                                  "bfloat16,1023,0.02\n"
                                  "VLLM,0.14,NVIDIA H100 80GB HBM3,generation_attention,fa,1,1,16,4,128,1,bfloat16,"
                                  "bfloat16,1023,0.015\n"
                                  "VLLM,0.14,NVIDIA H100 80GB HBM3,generation_attention,fa,1,1,16,4,128,1,bfloat16,"
                                  "fp8,1023,0.01\n");
    return ok;
}

TEST(bench_import_synthetic_tables) {
    blis_bench_import_opts o;
    blis_bench_import_stats st;
    t_bench_files files;
    blis_err err;
    blis_mfu_db db;
    blis_hw_config hw;
    const char *g, *p, *d;
    int i;
    double mfu;
    CHECK(t_bench_aic_inputs());
    memset(&o, 0, sizeof o);
    memset(&files, 0, sizeof files);
    o.gemm_path = "build/aic_gemm.csv";
    o.context_path = "build/aic_ctx.csv";
    o.generation_path = "build/aic_gen.csv";
    o.peak_tflops = 1000;
    CHECK_EQ_I64(blis_bench_import_aiconfigurator(&o, t_bench_emit, &files, &st, &err), BLIS_OK);
    CHECK_STR(st.gpu, "h100");
    CHECK_EQ_I64((int64_t)st.gemm_rows, 2);
    CHECK_EQ_I64((int64_t)st.duplicates_merged, 1);
    CHECK_EQ_I64((int64_t)st.prefill_tables, 1);
    CHECK_EQ_I64((int64_t)st.decode_tables, 2); /* tp1 (32-8) and tp2 (16-4); 32-8 at tp4 was not measured */
    CHECK_EQ_I64((int64_t)st.rows_skipped, 3);  /* fp8 GEMM, batch-2 prefill, fp8 KV decode */
    g = t_bench_file(&files, "gemm/h100/data.csv");
    p = t_bench_file(&files, "mha/prefill/h100/32-8-128.csv");
    d = t_bench_file(&files, "mha/decode/h100/32-8-128-tp2.csv");
    CHECK(g && p && d && t_bench_file(&files, "mha/decode/h100/32-8-128-tp1.csv") && t_bench_file(&files, "h100.json"));
    if (!g || !p || !d) return;
    /* m = 8 measured twice (10 and 30 us): the mean, 20 us; 2*8*4096*4096/(20e-6*1e15) */
    CHECK_STR(g, "m,k,n,latency_us,mfu\n8,4096,4096,20.000,0.0134217728\n16,4096,4096,20.000,0.0268435456\n");
    /* prefill 1024: 4*32*1024^2*128/(1.8*50e-6*1e15) */
    mfu = 4.0 * 32 * 1024.0 * 1024.0 * 128 / (1.8 * 50e-6 * 1e15);
    {
        char want[128], num[BLIS_F64_BUF_MAX];
        blis_f64_format_go(mfu, num);
        snprintf(want, sizeof want, "bf16,1024,50.000,%.14s", num);
        CHECK_CONTAINS(p, want);
    }
    /* decode tp2: 16 heads of 32, kv_len = step + 1 = 1024, 4*16*1*1024*128/(15e-6*1e15) */
    CHECK_CONTAINS(d, "bf16,bf16,1,1024,15.000,");
    /* round trip: roofline v2's GEMM time from the table is the measured latency */
    blis_mfu_db_init(&db, NULL);
    CHECK_EQ_I64(blis_mfu_db_add_gemm_csv(&db, g, strlen(g), "gemm", &err), BLIS_OK);
    memset(&hw, 0, sizeof hw);
    hw.tflops_peak = 1000;
    hw.bw_peak_tbs = 1e6; /* memory term negligible */
    CHECK(fabs(blis_mfu_gemm_time_s(&db, &hw, 2, 16, 4096, 4096) - 20e-6) < 1e-15);
    blis_mfu_db_free(&db);
    for (i = 0; i < files.n; i++) blis_buf_free(&files.data[i]);
    /* errors: a missing column, a peak too low for the measured speed, no rows of the dtype */
    CHECK(t_write_file("build/aic_bad.csv", T_AIC_HEAD "m,n,k,latency\n"));
    o.gemm_path = "build/aic_bad.csv";
    memset(&files, 0, sizeof files);
    CHECK_EQ_I64(blis_bench_import_aiconfigurator(&o, t_bench_emit, &files, &st, &err), BLIS_E_MISSING);
    CHECK_CONTAINS(err.msg, "missing column \"gemm_dtype\"");
    CHECK_EQ_I64(files.n, 0);
    o.gemm_path = "build/aic_gemm.csv";
    o.peak_tflops = 0.01;
    CHECK_EQ_I64(blis_bench_import_aiconfigurator(&o, t_bench_emit, &files, &st, &err), BLIS_E_INVALID);
    CHECK_CONTAINS(err.msg, "must be within 0..1");
    CHECK_CONTAINS(err.msg, "is the peak right?");
    CHECK_EQ_I64(files.n, 0);
    o.peak_tflops = 1000;
    o.dtype = "fp16";
    CHECK_EQ_I64(blis_bench_import_aiconfigurator(&o, t_bench_emit, &files, &st, &err), BLIS_E_MISSING);
    CHECK_CONTAINS(err.msg, "no rows of dtype fp16");
    o.dtype = NULL;
    o.gemm_path = "build/does-not-exist.csv";
    CHECK(blis_bench_import_aiconfigurator(&o, t_bench_emit, &files, &st, &err) != BLIS_OK);
    CHECK_EQ_I64(files.n, 0);
}

TEST(bench_cli_validate_and_import) {
    char out[16384], cmd[2048];
    CHECK(t_bench_aic_inputs());
    CHECK_EQ_I64(system("rm -rf build/bench_cli_imp && mkdir -p build/bench_cli_src/sub"), 0);
    CHECK_EQ_I64(system("cp build/aic_gemm.csv build/bench_cli_src/gemm_perf.csv && cp build/aic_ctx.csv "
                        "build/bench_cli_src/sub/context_attention_perf.csv && gzip -c build/aic_gen.csv > "
                        "build/bench_cli_src/sub/generation_attention_perf.csv.gz"),
                 0);
    CHECK_EQ_I64(t_run("./simulation_worker import-kernel-tables --from build/bench_cli_src --out "
                       "build/bench_cli_imp",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "build/bench_cli_imp: 5 files for GPU h100: GEMM 2 rows; prefill 1 tables");
    CHECK_EQ_I64(t_run("./simulation_worker import-kernel-tables --from build/bench_cli_src --out "
                       "build/bench_cli_imp",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "build/bench_cli_imp: error: already exists");
    CHECK_EQ_I64(t_run("./simulation_worker validate-bench-data build/bench_cli_imp", out, sizeof out), 0);
    CHECK_CONTAINS(out, "build/bench_cli_imp: 5 files, 6 rows: 0 errors, ");
    /* warnings (implausible MFUs of the made-up latencies) fail under --strict */
    CHECK_EQ_I64(t_run("./simulation_worker validate-bench-data --strict build/bench_cli_imp", out, sizeof out), 2);
    CHECK_CONTAINS(out, "(--strict: warnings fail)");
    CHECK_EQ_I64(system("rm -rf build/bench_cli_bad && mkdir -p build/bench_cli_bad/gemm/h100"), 0);
    CHECK(t_write_file("build/bench_cli_bad/gemm/h100/extra.csv", "x\n"));
    CHECK_EQ_I64(t_run("./simulation_worker validate-bench-data build/bench_cli_bad", out, sizeof out), 2);
    CHECK_CONTAINS(out, "build/bench_cli_bad/gemm/h100/extra.csv: error: unknown file");
    CHECK_EQ_I64(t_run("./simulation_worker validate-bench-data", out, sizeof out), 2);
    CHECK_CONTAINS(out, "missing the bench_data directory");
    CHECK_EQ_I64(t_run("./simulation_worker import-kernel-tables --out build/x", out, sizeof out), 2);
    CHECK_CONTAINS(out, "give --from DIR, or --gemm, --context and --generation");
    CHECK_EQ_I64(
        t_run("./simulation_worker import-kernel-tables --from build/bench_cli_bad --out build/x", out, sizeof out), 2);
    CHECK_CONTAINS(out, "no gemm_perf.csv.gz or gemm_perf.csv in it or its subfolders");
    CHECK_EQ_I64(t_run("./simulation_worker import-kernel-tables --from build/bench_cli_src --out build/x "
                       "--peak-tflops -1",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "--peak-tflops: expected a number of TFLOP/s > 0, got '-1'");
    /* a failed import leaves no folder and no staging folder behind */
    CHECK_EQ_I64(t_run("./simulation_worker import-kernel-tables --from build/bench_cli_src --out "
                       "build/bench_cli_low --peak-tflops 0.01",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "is the peak right?");
    CHECK(system("ls -d build/bench_cli_low* >/dev/null 2>&1") != 0);
    /* the imported tables drive roofline v2 */
    snprintf(cmd, sizeof cmd,
             "./simulation_worker step --model llama-3.1-8b-instruct --hardware H100 --bench-data-path "
             "build/bench_cli_imp --prefill 0+1024 --decode 1024x1");
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    CHECK_CONTAINS(out, "\"roofline\": 2,");
    CHECK_CONTAINS(out, "\"attention_config\": \"32-8-128\"");
}

TEST(bench_import_public_h100_tables) {
    char out[16384], cmd[2048];
    blis_bench_validation v;
    if (!t_shared_dir()) SKIP("../shared is absent (the public aiconfigurator tables)");
    CHECK_EQ_I64(system("rm -rf build/bench_aic"), 0);
    snprintf(cmd, sizeof cmd,
             "./simulation_worker import-kernel-tables --from %s/groundtruth/kernels/aiconfigurator_h100_sxm --out "
             "build/bench_aic",
             t_shared_dir());
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    CHECK_CONTAINS(out, "build/bench_aic: 157 files for GPU h100: GEMM 9240 rows; prefill 44 tables, 748 rows; decode "
                        "111 tables, 17668 rows");
    memset(&v, 0, sizeof v);
    blis_bench_validate_dir(&v, "build/bench_aic", blis_posix_list_dir, NULL);
    CHECK_EQ_I64((int64_t)v.errors, 0);
    CHECK_EQ_I64((int64_t)v.files, 157);
    CHECK_EQ_I64(t_run("./simulation_worker step --model qwen3-14b --hardware H100 --tp 2 --bench-data-path "
                       "build/bench_aic --prefill 0+2048 --decode 2048x16",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"attention_config\": \"40-8-128\""); /* measured for this very config */
}

/* A Python 3 with PyTorch: $BLIS_PYTHON, /usr/bin/python3 or python3. */
static const char *t_bench_python(void) {
    static const char *const cands[3] = {"", "/usr/bin/python3", "python3"};
    static char found[512];
    int i;
    char cmd[700];
    const char *env = getenv("BLIS_PYTHON");
    for (i = 0; i < 3; i++) {
        const char *py = i == 0 ? env : cands[i];
        if (!py || !*py) continue;
        snprintf(cmd, sizeof cmd, "'%s' -c 'import torch' >/dev/null 2>&1", py);
        if (system(cmd) == 0) {
            snprintf(found, sizeof found, "%s", py);
            return found;
        }
    }
    return NULL;
}

TEST(bench_python_cpu_quick_end_to_end) {
    char out[16384], cmd[2048];
    blis_bench_validation v;
    t_bench_seen seen;
    const char *py = t_bench_python();
    if (!py) SKIP("no Python 3 with PyTorch (Debian: python3-torch; or set BLIS_PYTHON)");
    CHECK_EQ_I64(system("rm -rf build/bench_quick"), 0);
    snprintf(cmd, sizeof cmd, "'%s' tools/bench/blis_bench.py --device cpu --quick --gpu h100 --out build/bench_quick",
             py);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    CHECK_CONTAINS(out, "build/bench_quick: 18 GEMM rows, 1 prefill tables, 2 decode tables");
    memset(&v, 0, sizeof v);
    memset(&seen, 0, sizeof seen);
    v.report = t_bench_collect;
    v.user = &seen;
    blis_bench_validate_dir(&v, "build/bench_quick", blis_posix_list_dir, NULL);
    CHECK_MSG(v.errors == 0, "quick-mode tables do not validate:\n%s", seen.text);
    CHECK_EQ_I64((int64_t)v.files, 5); /* GEMM, one prefill, two decode tables, the provenance */
    CHECK_EQ_I64(t_run("./simulation_worker validate-bench-data build/bench_quick", out, sizeof out), 0);
    CHECK_EQ_I64(t_run("./simulation_worker step --model qwen3-14b --hardware H100 --tp 2 --bench-data-path "
                       "build/bench_quick --prefill 0+100 --decode 64x2",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"roofline\": 2,");
    CHECK_CONTAINS(out, "\"attention_config\": \"4-2-16\"");
    /* provenance names what ran */
    CHECK_EQ_I64(t_run("cat build/bench_quick/h100.json", out, sizeof out), 0);
    CHECK_CONTAINS(out, "\"torch_version\":");
    CHECK_CONTAINS(out, "\"peak_source\": \"measured maximum\"");
    /* bad arguments exit 2 and write nothing */
    snprintf(cmd, sizeof cmd, "'%s' tools/bench/blis_bench.py --device cpu --quick --out build/bench_quick", py);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 2);
    CHECK_CONTAINS(out, "already exists");
    snprintf(cmd, sizeof cmd, "'%s' tools/bench/blis_bench.py --device cpu --quick --tp x --out build/bench_q2", py);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 2);
    CHECK_CONTAINS(out, "--tp expects a comma-separated list of integers");
    CHECK_EQ_I64(system("test -e build/bench_q2"), 256);
}

TEST(bench_k8s_submit_dry_run) {
    char out[16384];
    CHECK_EQ_I64(t_run("sh tools/bench/k8s/submit.sh --out build/k8s_tables --dry-run --cli oc --name "
                       "blis-bench-test -- --tp 1,2",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "name: blis-bench-test\n");
    CHECK_CONTAINS(out, "nvidia.com/gpu: 1");
    CHECK_CONTAINS(out, "--models /work/models --tp 1,2");
    CHECK_CONTAINS(out, "+ oc create configmap blis-bench-test-src --from-file=blis_bench.py=");
    CHECK_CONTAINS(out, "+ oc delete job blis-bench-test --wait=false");
    CHECK_EQ_I64(system("test -e build/k8s_tables"), 256);
    CHECK_EQ_I64(t_run("sh tools/bench/k8s/submit.sh --dry-run", out, sizeof out), 2);
    CHECK_CONTAINS(out, "missing --out DIR");
    CHECK_EQ_I64(t_run("sh tools/bench/k8s/submit.sh --out x --cli helm --dry-run", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--cli must be kubectl or oc");
}
