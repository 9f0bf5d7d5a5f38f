/* tests/test_kv.c - >>kv: the KV cache against the reference micro-trace. */

/* A request whose token sequence is input ++ output, hashed in blocks of B. */
static void t_kv_request(blis_request *r, const int64_t *in, int64_t n_in, const int64_t *out, int64_t n_out,
                         int64_t B) {
    blis_block_hasher h;
    uint64_t v;
    int64_t i;
    memset(r, 0, sizeof *r);
    r->input_tokens = n_in;
    r->output_tokens = n_out;
    r->block_hashes = (uint64_t *)malloc((size_t)((n_in + n_out) / B + 1) * sizeof(uint64_t));
    blis_block_hasher_init(&h, (int32_t)B);
    for (i = 0; i < n_in + n_out; i++)
        if (blis_block_hasher_push(&h, i < n_in ? in[i] : out[i - n_in], &v))
            r->block_hashes[r->block_hash_count++] = v;
}

static void t_kv_request_free(blis_request *r) {
    free(r->block_hashes);
    blis__free(NULL, r->kv_blocks);
}

static int t_int_cmp(const void *a, const void *b) { return *(const int32_t *)a - *(const int32_t *)b; }

/* Compares the cache with a state object of the trace. */
static void t_kv_state(t_ctx *t_, const blis_doc *doc, const blis_node *st, const blis_kv_cache *kv,
                       blis_request *const *reqs, const char *const *names, int nreq, const char *op) {
    const blis_node *blocks = blis_node_get(doc, st, "blocks"),
                    *free_l = blis_node_get(doc, st, "free_list_head_to_tail");
    const blis_node *rm = blis_node_get(doc, st, "request_map"),
                    *targets = blis_node_get(doc, st, "hash_to_block_targets_sorted");
    int32_t got_targets[64];
    uint32_t i;
    size_t k, n_t = 0;
    int r;
    CHECK_MSG(kv->used_blocks == (int64_t)blis_node_get(doc, st, "used_blocks")->as.number, "%s: used %lld", op,
              (long long)kv->used_blocks);
    CHECK_MSG(kv->hits == (int64_t)blis_node_get(doc, st, "cache_hits")->as.number, "%s: hits %lld", op,
              (long long)kv->hits);
    CHECK_MSG(kv->misses == (int64_t)blis_node_get(doc, st, "cache_misses")->as.number, "%s: misses %lld", op,
              (long long)kv->misses);
    {
        int32_t ids[256];
        int64_t n_free = blis_kv_free_list(kv, ids, 256);
        CHECK_MSG(n_free == (int64_t)free_l->count, "%s: free list of %lld, the reference's %u", op, (long long)n_free,
                  free_l->count);
        for (i = 0; i < free_l->count && i < 256 && (int64_t)i < n_free; i++)
            CHECK_MSG(ids[i] == (int32_t)blis_node_at(doc, free_l, i)->as.number, "%s: free list position %u", op, i);
    }
    for (i = 0; i < blocks->count; i++) {
        const blis_node *b = blis_node_at(doc, blocks, i);
        const blis_kv_block *mb = &kv->blocks[i];
        CHECK_MSG(mb->ref_count == (int32_t)blis_node_get(doc, b, "ref")->as.number, "%s: block %u ref", op, i);
        CHECK_MSG(mb->in_use == blis_node_get(doc, b, "in_use")->as.boolean, "%s: block %u in_use", op, i);
        CHECK_MSG(mb->has_hash == blis_node_get(doc, b, "has_hash")->as.boolean, "%s: block %u has_hash", op, i);
        CHECK_MSG(mb->fill == (int32_t)blis_node_get(doc, b, "tokens")->count, "%s: block %u tokens", op, i);
    }
    for (r = 0; r < nreq; r++) {
        const blis_node *list = blis_node_get(doc, rm, names[r]);
        CHECK_MSG((list != NULL) == (reqs[r]->kv_has_map != 0), "%s: request %s map presence", op, names[r]);
        if (list && reqs[r]->kv_has_map) {
            CHECK_MSG((int64_t)list->count == reqs[r]->kv_count, "%s: request %s block count", op, names[r]);
            for (i = 0; i < list->count && (int64_t)i < reqs[r]->kv_count; i++)
                CHECK_MSG(reqs[r]->kv_blocks[i] == (int32_t)blis_node_at(doc, list, i)->as.number, "%s: %s[%u]", op,
                          names[r], i);
        }
    }
    for (k = 0; k < kv->map_cap && n_t < 64; k++)
        if (kv->map[k].key) got_targets[n_t++] = kv->map[k].val;
    qsort(got_targets, n_t, sizeof got_targets[0], t_int_cmp);
    CHECK_MSG(n_t == targets->count, "%s: %lu hash targets, want %u", op, (unsigned long)n_t, targets->count);
    for (k = 0; k < n_t && k < targets->count; k++)
        CHECK(got_targets[k] == (int32_t)blis_node_at(doc, targets, (size_t)k)->as.number);
    CHECK_EQ_I64(blis_kv_check(kv), 0);
}

TEST(kv_reference_microtrace) {
    static const int64_t a_in[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
                         a_out[8] = {100, 101, 102, 103, 104, 105, 106, 107};
    static const int64_t b_in[10] = {1, 2, 3, 4, 5, 6, 7, 8, 50, 51}, b_out[4] = {60, 61, 62, 63};
    int64_t c_in[17];
    blis_doc doc;
    blis_kv_cache kv;
    blis_request A, B, C;
    blis_request *reqs[3];
    const char *names[3] = {"A", "B", "C"};
    const blis_node *steps;
    blis_err err;
    blis_status st;
    int32_t cached[8];
    int64_t n, i;
    for (i = 0; i < 17; i++) c_in[i] = 9;
    SHARED_JSON_OR_SKIP("conformance/blis/kvcache/kvcache_microtrace_v061.json", &doc);
    steps = blis_node_get(&doc, blis_doc_root(&doc), "steps");
    CHECK(steps && steps->count == 16);
    CHECK_EQ_I64(blis_kv_init(&kv, 8, 4, NULL, &err), BLIS_OK);
    t_kv_request(&A, a_in, 10, a_out, 8, 4);
    t_kv_request(&B, b_in, 10, b_out, 4, 4);
    t_kv_request(&C, c_in, 17, b_out, 1, 4);
    reqs[0] = &A;
    reqs[1] = &B;
    reqs[2] = &C;
#define T_STATE(i)                                                                                        \
    t_kv_state(t_, &doc, blis_node_get(&doc, blis_node_at(&doc, steps, i), "state"), &kv, reqs, names, 3, \
               blis_node_get(&doc, blis_node_at(&doc, steps, i), "op")->as.string)
    T_STATE(0);
    CHECK_EQ_I64(blis_kv_cached_blocks(&kv, &A, cached, 8), 0);
    T_STATE(1);
    A.progress_tokens = 0;
    CHECK(blis_kv_allocate(&kv, &A, 0, 6, NULL, 0, &st));
    T_STATE(2);
    A.progress_tokens = 6;
    CHECK(blis_kv_allocate(&kv, &A, 6, 10, NULL, 0, &st));
    T_STATE(3);
    n = blis_kv_cached_blocks(&kv, &B, cached, 8);
    CHECK(n == 2 && cached[0] == 0 && cached[1] == 1);
    T_STATE(4);
    B.progress_tokens = 0;
    CHECK(blis_kv_allocate(&kv, &B, 8, 10, cached, n, &st));
    T_STATE(5);
    for (i = 10; i < 13; i++) { /* three decode appends for A */
        A.progress_tokens = i;
        CHECK(blis_kv_allocate(&kv, &A, i, i + 1, NULL, 0, &st));
        T_STATE((size_t)(i - 4));
    }
    blis_kv_release(&kv, &B);
    T_STATE(9);
    C.progress_tokens = 0;
    CHECK(!blis_kv_allocate(&kv, &C, 0, 17, NULL, 0, &st)); /* 5 blocks > 3 free: refused, no mutation */
    T_STATE(10);
    blis_kv_release(&kv, &A);
    T_STATE(11);
    n = blis_kv_cached_blocks(&kv, &A, cached, 8);
    CHECK(n == 2 && cached[0] == 0 && cached[1] == 1);
    T_STATE(12);
    CHECK(blis_kv_allocate(&kv, &C, 0, 17, NULL, 0, &st));
    T_STATE(13);
    n = blis_kv_cached_blocks(&kv, &A, cached, 8);
    CHECK(n == 2);
    T_STATE(14);
    CHECK_EQ_F64(blis_kv_hit_rate(&kv), blis_node_get(&doc, blis_node_at(&doc, steps, 15), "returned")->as.number);
#undef T_STATE
    t_kv_request_free(&A);
    t_kv_request_free(&B);
    t_kv_request_free(&C);
    blis_kv_free(&kv);
    blis_doc_free(&doc);
}

/* A decode allocation with no free block fails and leaves everything as it
 * was: the request keeps its blocks (the reference leaked them). */
TEST(kv_failed_decode_allocation_conserves_blocks) {
    static const int64_t in[8] = {1, 2, 3, 4, 5, 6, 7, 8}, out[4] = {9, 9, 9, 9};
    blis_kv_cache kv;
    blis_request r;
    blis_err err;
    blis_status st;
    CHECK_EQ_I64(blis_kv_init(&kv, 2, 4, NULL, &err), BLIS_OK);
    t_kv_request(&r, in, 8, out, 4, 4);
    CHECK(blis_kv_allocate(&kv, &r, 0, 8, NULL, 0, &st));
    r.progress_tokens = 8;
    CHECK(!blis_kv_allocate(&kv, &r, 8, 9, NULL, 0, &st));
    CHECK_EQ_I64(r.kv_count, 2);
    CHECK(r.kv_has_map);
    CHECK_EQ_I64(kv.used_blocks, 2);
    CHECK_EQ_I64(blis_kv_check(&kv), 0);
    blis_kv_release(&kv, &r);
    CHECK_EQ_I64(kv.used_blocks, 0);
    CHECK_EQ_I64(blis_kv_check(&kv), 0);
    t_kv_request_free(&r);
    blis_kv_free(&kv);
}

TEST(kv_evq_go_heap_order) {
    blis_evq q;
    blis_event e;
    static const int64_t times[] = {5, 3, 5, 1, 3, 5, 0, 3};
    int order[8], k = 0;
    blis_request rs[8];
    size_t i;
    blis_evq_init(&q, NULL);
    for (i = 0; i < 8; i++) CHECK(blis_evq_push(&q, times[i], BLIS_EV_ARRIVAL, &rs[i]) == BLIS_OK);
    while (blis_evq_pop(&q, &e)) order[k++] = (int)(e.req - rs);
    /* Go's container/heap order for these pushes: ties are not FIFO */
    CHECK_EQ_I64(k, 8);
    CHECK(order[0] == 6 && order[1] == 3);
    CHECK(times[order[2]] == 3 && times[order[3]] == 3 && times[order[4]] == 3);
    CHECK(times[order[5]] == 5 && times[order[6]] == 5 && times[order[7]] == 5);
    blis_evq_free(&q);
}

/* The CPU tier (spec §3.6): a release above the threshold offloads the
 * hashed free blocks (their GPU copies lose their hashes); a GPU miss then
 * reloads every CPU block the GPU index lacks, each costing base +
 * ceil(block / bandwidth), counted as thrashing within 1000 us of its
 * offload; blocks stay conserved throughout. */
TEST(kv_cpu_tier_offload_and_reload) {
    static const int64_t a_in[8] = {1, 2, 3, 4, 5, 6, 7, 8},
                         b_in[12] = {20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
    blis_kv_cache kv;
    blis_request a, b, a2;
    blis_err err;
    blis_status st;
    int32_t scratch[8];
    CHECK_EQ_I64(blis_kv_init(&kv, 4, 4, NULL, &err), BLIS_OK);
    CHECK_EQ_I64(blis_kv_tier_init(&kv, 4, 0.0, 100.0, 5, &err), BLIS_OK);
    t_kv_request(&a, a_in, 8, NULL, 0, 4);
    t_kv_request(&a2, a_in, 8, NULL, 0, 4);
    t_kv_request(&b, b_in, 12, NULL, 0, 4);
    kv.clock_us = 100;
    CHECK(blis_kv_allocate_tiered(&kv, &a, 0, 8, NULL, 0, scratch, &st)); /* 2 full, hashed blocks */
    CHECK(blis_kv_allocate_tiered(&kv, &b, 0, 4, NULL, 0, scratch, &st)); /* 1 block held */
    blis_kv_release_tiered(&kv, &a); /* used 1/4 > 0.0: both hashed free blocks go to the CPU */
    CHECK_EQ_I64(kv.offloads, 2);
    CHECK_EQ_I64(kv.cpu_used, 2);
    CHECK_EQ_I64(blis_kv_cached_blocks(&kv, &a2, scratch, 8), 0);
    CHECK_EQ_I64(blis_kv_check(&kv), 0);
    b.progress_tokens = 4; /* b takes the remaining 3 blocks: the GPU is full */
    CHECK(blis_kv_allocate_tiered(&kv, &b, 4, 12, NULL, 0, scratch, &st));
    CHECK_EQ_I64(kv.used_blocks, 3);
    kv.clock_us = 600;
    /* a2 needs 2 blocks, 1 is free: reload both CPU blocks (the second
     * overwrites the first in the one free block), then the retry fails */
    CHECK(!blis_kv_allocate_tiered(&kv, &a2, 0, 8, NULL, 0, scratch, &st));
    CHECK_EQ_I64(st, BLIS_OK);
    CHECK_EQ_I64(kv.cpu_hits, 2);
    CHECK_EQ_I64(kv.cpu_misses, 0);
    CHECK_EQ_I64(kv.cpu_used, 0);
    CHECK_EQ_I64(kv.thrashing, 2);                         /* 600 - 100 < 1000 */
    CHECK_EQ_I64(blis_kv_consume_transfer_us(&kv), 2 * 6); /* 2 x (5 + ceil(4 / 100)) */
    CHECK_EQ_I64(blis_kv_consume_transfer_us(&kv), 0);
    CHECK_EQ_I64(blis_kv_check(&kv), 0);
    CHECK(!blis_kv_allocate_tiered(&kv, &a2, 0, 8, NULL, 0, scratch, &st)); /* nothing left to reload: a miss */
    CHECK_EQ_I64(kv.cpu_misses, 1);
    CHECK(blis_kv_thrashing_rate(&kv) == 1.0);
    CHECK(blis_kv_hit_rate(&kv) == (double)(kv.hits + 2) / (double)(kv.hits + kv.misses + 2 + 1));
    blis_kv_release_tiered(&kv, &b);
    CHECK_EQ_I64(kv.used_blocks, 0);
    CHECK_EQ_I64(blis_kv_check(&kv), 0);
    t_kv_request_free(&a);
    t_kv_request_free(&a2);
    t_kv_request_free(&b);
    blis_kv_free(&kv);
}

TEST(kv_cpu_tier_flag_checks) {
    blis_kv_cache kv;
    blis_err err;
    CHECK_EQ_I64(blis_kv_init(&kv, 4, 4, NULL, &err), BLIS_OK);
    CHECK_EQ_I64(blis_kv_tier_init(&kv, -1, 0.9, 100, 0, &err), BLIS_E_INVALID);
    CHECK_CONTAINS(err.msg, "--kv-cpu-blocks must be >= 0, got -1");
    CHECK_EQ_I64(blis_kv_tier_init(&kv, 4, 1.5, 100, 0, &err), BLIS_E_INVALID);
    CHECK_CONTAINS(err.msg, "--kv-offload-threshold must be a finite value in [0, 1], got 1.500000");
    CHECK_EQ_I64(blis_kv_tier_init(&kv, 4, 0.9, 0, 0, &err), BLIS_E_INVALID);
    CHECK_CONTAINS(err.msg,
                   "--kv-transfer-bandwidth must be a finite value > 0 when --kv-cpu-blocks > 0, got 0.000000");
    CHECK_EQ_I64(blis_kv_tier_init(&kv, 0, 0.9, 0, 0, &err), BLIS_OK); /* bandwidth unused with one tier */
    CHECK_EQ_I64(blis_kv_tier_init(&kv, 4, 0.9, 100, -2, &err), BLIS_E_INVALID);
    CHECK_CONTAINS(err.msg, "--kv-transfer-base-latency must be >= 0, got -2");
    blis_kv_free(&kv);
}

/* The free ring against a plain list: pops from the head, blocks leaving
 * from the middle (cache hits) and appends at the tail, many times over a
 * 4-block cache (a 16-entry ring), so stale entries fill the ring and it is
 * compacted again and again; the order and the invariants hold throughout. */
TEST(kv_free_ring_against_list) {
    blis_kv_cache kv;
    blis_err err;
    int32_t model[4], got[8];
    int n = 4, i, step, compactions = 0;
    uint32_t x = 12345;
    CHECK_EQ_I64(blis_kv_init(&kv, 4, 16, NULL, &err), BLIS_OK);
    for (i = 0; i < 4; i++) model[i] = i;
    for (step = 0; step < 20000; step++) {
        uint64_t tail_before = kv.ftail;
        int op, k;
        x = x * 1103515245u + 12345u;
        op = (int)((x >> 16) % 16);
        op = op == 0 ? 0 : 1 + op % 2; /* pops rare: stale entries pile up behind the head */
        k = (int)((x >> 8) % 4);
        if (op == 0 && n > 0) { /* pop the head */
            int32_t id = blis__kv_pop_free(&kv);
            CHECK_EQ_I64(id, model[0]);
            memmove(model, model + 1, (size_t)(n - 1) * sizeof *model);
            n--;
            kv.blocks[id].in_use = 1;
            kv.used_blocks++;
        } else if (op == 1 && n > 0) { /* a free block leaves from the middle */
            int at = k % n;
            int32_t id = model[at];
            blis__kv_unlink(&kv, id);
            memmove(model + at, model + at + 1, (size_t)(n - at - 1) * sizeof *model);
            n--;
            kv.blocks[id].in_use = 1;
            kv.used_blocks++;
        } else if (op == 2 && n < 4) { /* a block in use comes back at the tail */
            int32_t id = -1, j;
            for (j = 0; j < 4 && id < 0; j++)
                if (kv.blocks[(k + j) % 4].in_use) id = (k + j) % 4;
            kv.blocks[id].in_use = 0;
            kv.used_blocks--;
            blis__kv_append_free(&kv, id);
            model[n++] = id;
        }
        compactions += kv.ftail < tail_before;
        CHECK_EQ_I64(blis_kv_check(&kv), 0);
        CHECK_EQ_I64(blis_kv_free_list(&kv, got, 8), n);
        for (i = 0; i < n; i++) CHECK_EQ_I64(got[i], model[i]);
        if (t_->failures) break;
    }
    CHECK_MSG(compactions > 100, "%d compactions", compactions);
    blis_kv_free(&kv);
}
