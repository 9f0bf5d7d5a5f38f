/* tests/test_engine.c - the engine on synthetic workloads (no shared files):
 * the invariant checker after every event for every scheduler and priority
 * policy, with ample and with scarce KV cache (preemption); the orders the
 * schedulers promise; determinism. */

typedef struct t_engine {
    blis_sim sim;
    blis_legacy_gen gen;
    blis_metrics m;
    int64_t events, bad_event; /* bad_event: the first event after which the check failed (-1: none) */
} t_engine;

static blis_status t_engine_next(void *user, blis_request *r, int *has, blis_err *err) {
    return blis_legacy_gen_next((blis_legacy_gen *)user, r, has, err);
}

static blis_status t_trace_next_engine(void *user, blis_request *r, int *has, blis_err *err) {
    return blis_trace_gen_next((blis_trace_gen *)user, r, has, err);
}

static void t_engine_workload(blis_legacy_workload *w, double rate, int64_t n) {
    memset(w, 0, sizeof *w);
    w->rate_per_s = rate;
    w->num_requests = n;
    w->prompt_mean = 512, w->prompt_std = 384, w->prompt_min = 2, w->prompt_max = 2000;
    w->output_mean = 64, w->output_std = 48, w->output_min = 2, w->output_max = 200;
}

static void t_engine_cfg(blis_sim_config *cfg, int64_t kv_blocks, blis_scheduler_kind sched, blis_priority_policy pp) {
    static const double alpha[3] = {100, 1, 1000}, beta[3] = {5000, 10, 5};
    blis_sim_config_defaults(cfg);
    cfg->total_kv_blocks = kv_blocks;
    cfg->scheduler = sched;
    cfg->priority = pp;
    memcpy(cfg->latency.alpha, alpha, sizeof alpha);
    memcpy(cfg->latency.beta, beta, sizeof beta);
}

/* Runs event by event, checking the invariants after each; 1 when it ran. */
static int t_engine_run(t_ctx *t_, t_engine *e, const blis_sim_config *cfg, const blis_legacy_workload *w) {
    blis_request_source src;
    blis_err err;
    int done = 0;
    memset(e, 0, sizeof *e);
    e->bad_event = -1;
    if (blis_legacy_gen_init(&e->gen, w, 7, cfg->horizon_us, cfg->block_tokens, NULL, NULL, NULL, &err)) {
        CHECK_MSG(0, "workload: %s", err.msg);
        return 0;
    }
    src.next = t_engine_next;
    src.user = &e->gen;
    if (blis_sim_init(&e->sim, cfg, src, NULL, &err)) {
        CHECK_MSG(0, "sim: %s", err.msg);
        blis_legacy_gen_free(&e->gen);
        return 0;
    }
    while (!done) {
        if (blis_sim_step(&e->sim, &done, &err)) {
            CHECK_MSG(0, "step: %s", err.msg);
            break;
        }
        e->events++;
        if (e->bad_event < 0 && blis_sim_check(&e->sim)) e->bad_event = e->events;
    }
    CHECK_EQ_I64(e->bad_event, -1);
    CHECK(blis_sim_metrics(&e->sim, &e->m, &err) == BLIS_OK);
    return 1;
}

static void t_engine_free(t_engine *e) {
    blis_sim_destroy(&e->sim);
    blis_legacy_gen_free(&e->gen);
}

/* Every scheduler x policy, ample (12,000 blocks: no preemption) and scarce
 * (160 blocks, about 2,500 tokens: preemption, and queued requests holding
 * blocks, spec §3.5 quirk 2, until the head cannot be admitted) KV:
 * invariants after every event; the run ends; with ample KV every request
 * completes and every block is returned. */
static void t_engine_matrix(t_ctx *t_, int64_t kv_blocks) {
    static const blis_scheduler_kind scheds[] = {BLIS_SCHED_FCFS, BLIS_SCHED_PRIORITY_FCFS, BLIS_SCHED_SJF,
                                                 BLIS_SCHED_REVERSE_PRIORITY};
    static const blis_priority_policy pols[] = {BLIS_PRIO_CONSTANT, BLIS_PRIO_SLO_BASED, BLIS_PRIO_INVERTED_SLO};
    blis_legacy_workload w;
    size_t i, j;
    int64_t preempted = 0, stalls = 0;
    t_engine_workload(&w, 400, 200);
    for (i = 0; i < 4; i++)
        for (j = 0; j < 3; j++) {
            blis_sim_config cfg;
            t_engine e;
            t_engine_cfg(&cfg, kv_blocks, scheds[i], pols[j]);
            if (!t_engine_run(t_, &e, &cfg, &w)) continue;
            CHECK_EQ_I64(e.m.injected, 200);
            if (kv_blocks >= 1000) {
                CHECK_MSG(e.m.completed == 200, "scheduler %lu policy %lu: %lld completed", (unsigned long)i,
                          (unsigned long)j, (long long)e.m.completed);
                CHECK_EQ_I64(e.sim.kv.used_blocks, 0);
                CHECK_EQ_I64(e.sim.stalls, 0);
            }
            CHECK(e.events > 1000);
            preempted += e.m.preemptions;
            stalls += e.sim.stalls;
            t_engine_free(&e);
        }
    if (kv_blocks < 1000) {
        CHECK_MSG(preempted > 0, "scarce KV should preempt");
        CHECK_MSG(stalls > 0, "scarce KV should stall (and the run still end)");
    } else
        CHECK_EQ_I64(preempted, 0);
}

TEST(engine_invariants_every_event_ample_kv) { t_engine_matrix(t_, 12000); }
TEST(engine_invariants_every_event_scarce_kv) { t_engine_matrix(t_, 160); }

/* The time a request was (last) scheduled. */
static int64_t t_sched_at(const blis_request *r) { return r->arrival_us + r->sched_delay_us; }

/* Requests wait in the queue in the order they reach it: arrival plus the
 * queueing delay alpha0 + alpha1 * input (spec §3.3), the order fcfs keeps. */
static size_t t_fcfs_inversions(const blis_sim *s) {
    size_t i, j, n = 0;
    for (i = 0; i < s->request_count; i++)
        for (j = 0; j < s->request_count; j++) {
            const blis_request *a = s->requests[i], *b = s->requests[j];
            int64_t qa = a->arrival_us + 100 + a->input_tokens, qb = b->arrival_us + 100 + b->input_tokens;
            n += qa < qb && t_sched_at(b) < t_sched_at(a);
        }
    return n;
}

/* fcfs with ample KV: requests start in the order they were queued. priority-fcfs with
 * inverted-slo (the youngest first): under overload some later arrival
 * starts before an earlier one. */
TEST(engine_scheduler_orders) {
    blis_legacy_workload w;
    blis_sim_config cfg;
    t_engine e;
    size_t inversions = 0;
    t_engine_workload(&w, 2000, 300); /* overloaded: a queue forms */
    t_engine_cfg(&cfg, 12000, BLIS_SCHED_FCFS, BLIS_PRIO_CONSTANT);
    if (t_engine_run(t_, &e, &cfg, &w)) {
        inversions = t_fcfs_inversions(&e.sim);
        CHECK_EQ_I64((int64_t)inversions, 0);
        CHECK(e.m.scheduling_delay_p99_ms > 10); /* the queue did form */
        t_engine_free(&e);
    }
    inversions = 0;
    t_engine_cfg(&cfg, 12000, BLIS_SCHED_PRIORITY_FCFS, BLIS_PRIO_INVERTED_SLO);
    if (t_engine_run(t_, &e, &cfg, &w)) {
        inversions = t_fcfs_inversions(&e.sim);
        CHECK_MSG(inversions > 100, "inverted-slo: only %lu later arrivals started first", (unsigned long)inversions);
        t_engine_free(&e);
    }
}

/* sjf: under overload, the shortest quarter of the prompts waits less on
 * average than under fcfs, and the longest quarter waits more. */
TEST(engine_sjf_favours_short_prompts) {
    blis_legacy_workload w;
    blis_sim_config cfg;
    t_engine fc, sj;
    double wait[2][2] = {{0, 0}, {0, 0}};
    size_t i;
    int k;
    t_engine_workload(&w, 2000, 300);
    t_engine_cfg(&cfg, 12000, BLIS_SCHED_FCFS, BLIS_PRIO_CONSTANT);
    if (!t_engine_run(t_, &fc, &cfg, &w)) return;
    t_engine_cfg(&cfg, 12000, BLIS_SCHED_SJF, BLIS_PRIO_CONSTANT);
    if (!t_engine_run(t_, &sj, &cfg, &w)) {
        t_engine_free(&fc);
        return;
    }
    CHECK_EQ_I64((int64_t)fc.sim.request_count, (int64_t)sj.sim.request_count);
    for (k = 0; k < 2; k++) {
        const t_engine *e = k ? &sj : &fc;
        for (i = 0; i < e->sim.request_count; i++) {
            const blis_request *r = e->sim.requests[i];
            if (r->input_tokens < 250) wait[k][0] += (double)r->sched_delay_us;
            if (r->input_tokens > 800) wait[k][1] += (double)r->sched_delay_us;
        }
    }
    CHECK_MSG(wait[1][0] < wait[0][0], "short prompts: sjf %.0f us vs fcfs %.0f us", wait[1][0], wait[0][0]);
    CHECK_MSG(wait[1][1] > wait[0][1], "long prompts: sjf %.0f us vs fcfs %.0f us", wait[1][1], wait[0][1]);
    t_engine_free(&fc);
    t_engine_free(&sj);
}

/* The same inputs give the same metrics, bit for bit. */
TEST(engine_deterministic) {
    blis_legacy_workload w;
    blis_sim_config cfg;
    t_engine a, b;
    t_engine_workload(&w, 600, 150);
    t_engine_cfg(&cfg, 200, BLIS_SCHED_SJF, BLIS_PRIO_SLO_BASED);
    if (!t_engine_run(t_, &a, &cfg, &w)) return;
    if (t_engine_run(t_, &b, &cfg, &w)) {
        CHECK(memcmp(&a.m, &b.m, sizeof a.m) == 0);
        CHECK_EQ_I64(a.events, b.events);
        t_engine_free(&b);
    }
    t_engine_free(&a);
}

/* keep_requests = 0 frees requests as they leave and keeps only their
 * timings: the metrics are the same, bit for bit, and the invariants hold
 * after every event; at the end only the requests still in flight remain. */
TEST(engine_compact_mode_same_metrics) {
    static const int64_t kv[] = {12000, 160};
    static const blis_scheduler_kind sched[] = {BLIS_SCHED_FCFS, BLIS_SCHED_SJF};
    blis_legacy_workload w;
    size_t i;
    t_engine_workload(&w, 600, 200);
    for (i = 0; i < 4; i++) {
        blis_sim_config cfg;
        t_engine keep, compact;
        t_engine_cfg(&cfg, kv[i % 2], sched[i / 2], BLIS_PRIO_SLO_BASED);
        if (!t_engine_run(t_, &keep, &cfg, &w)) continue;
        cfg.keep_requests = 0;
        if (t_engine_run(t_, &compact, &cfg, &w)) {
            CHECK_MSG(memcmp(&keep.m, &compact.m, sizeof keep.m) == 0, "case %lu: metrics differ (e2e p99 %.17g/%.17g)",
                      (unsigned long)i, keep.m.e2e_p99_ms, compact.m.e2e_p99_ms);
            CHECK_EQ_I64(keep.events, compact.events);
            CHECK_EQ_I64((int64_t)keep.sim.request_count, 200);
            CHECK_EQ_I64((int64_t)compact.sim.request_count,
                         (int64_t)(compact.sim.running_len + compact.sim.waitq.len));
            t_engine_free(&compact);
        }
        t_engine_free(&keep);
    }
}

/* The CPU tier end to end: a small GPU cache with a shared prefix offloads
 * and reloads; invariants (CPU accounting included) after every event; every
 * request completes; the hit rate counts both tiers. */
TEST(engine_cpu_tier) {
    blis_legacy_workload w;
    blis_sim_config cfg;
    t_engine e, one;
    const blis_kv_cache *kv;
    t_engine_workload(&w, 50, 300);
    w.prefix_tokens = 256;
    w.prompt_mean = 256, w.prompt_std = 128, w.prompt_max = 1000;
    t_engine_cfg(&cfg, 400, BLIS_SCHED_FCFS, BLIS_PRIO_CONSTANT);
    if (!t_engine_run(t_, &one, &cfg, &w)) return;
    cfg.kv_cpu_blocks = 2000;
    cfg.kv_offload_threshold = 0.5;
    if (t_engine_run(t_, &e, &cfg, &w)) {
        kv = &e.sim.kv;
        CHECK_EQ_I64(e.m.completed, 300);
        CHECK(kv->offloads > 0 && kv->cpu_hits > 0);
        CHECK(e.m.cache_hit_rate ==
              (double)(kv->hits + kv->cpu_hits) / (double)(kv->hits + kv->misses + kv->cpu_hits + kv->cpu_misses));
        CHECK(e.m.kv_thrashing_rate == (double)kv->thrashing / (double)kv->offloads);
        CHECK(e.m.cache_hit_rate > one.m.cache_hit_rate); /* reloads find prefixes the GPU evicted */
        CHECK_EQ_I64(one.sim.kv.cpu_hits + one.sim.kv.offloads, 0);
        t_engine_free(&e);
    }
    t_engine_free(&one);
}

/* 40 requests of 128 prompt and 128 output tokens from a trace, arriving
 * spacing_us apart (0: all at once, a closed-loop client's first wave);
 * the simulated clock at the end, or -1. */
static int64_t t_burst_clock(t_ctx *t_, int64_t spacing_us, int reference_chains) {
    static char text[80000];
    char tokens[1024];
    size_t len = 0, tl = 0;
    int i;
    int64_t clock = -1;
    blis_parse_opts o;
    blis_trace_gen g;
    blis_sim_config cfg;
    blis_sim sim;
    blis_request_source src;
    blis_err err;
    for (i = 0; i < 128; i++) tl += (size_t)snprintf(tokens + tl, sizeof tokens - tl, "%s%d", i ? "," : "", 7 + i);
    len += (size_t)snprintf(text, sizeof text, "arrival,a,b,input,output\n");
    for (i = 0; i < 40; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%.6f,x,y,\"[%d,%s]\",\"[%s]\"\n",
                                (double)(i * spacing_us) / 1e6, i, tokens, tokens);
    memset(&o, 0, sizeof o);
    t_engine_cfg(&cfg, 12000, BLIS_SCHED_FCFS, BLIS_PRIO_CONSTANT);
    cfg.reference_step_chains = reference_chains;
    if (blis_trace_gen_init(&g, text, len, &o, INT64_MAX, 16, &err)) {
        CHECK_MSG(0, "trace: %s", err.msg);
        return -1;
    }
    src.next = t_trace_next_engine;
    src.user = &g;
    if (blis_sim_init(&sim, &cfg, src, NULL, &err) == BLIS_OK) {
        if (blis_sim_run(&sim, &err) == BLIS_OK && sim.completed == 40 && !blis_sim_check(&sim))
            clock = sim.clock_us;
        else
            CHECK_MSG(0, "run: %s (completed %lld)", err.msg, (long long)sim.completed);
        blis_sim_destroy(&sim);
    } else {
        CHECK_MSG(0, "sim: %s", err.msg);
    }
    blis_trace_gen_free(&g);
    return clock;
}

/* One step chain per instance (issue 27): 40 requests arriving at once run
 * the server as long as the same requests 1 us apart (within 1%); the
 * reference's parallel chains (--compat reference) serve the burst about
 * twice as fast (two chains over one batch), which the default must not. */
TEST(engine_one_step_chain_for_simultaneous_arrivals) {
    int64_t burst = t_burst_clock(t_, 0, 0), spaced = t_burst_clock(t_, 1, 0), ref = t_burst_clock(t_, 0, 1),
            ref_spaced = t_burst_clock(t_, 1, 1);
    if (burst < 0 || spaced < 0 || ref < 0 || ref_spaced < 0) return;
    CHECK_MSG(fabs((double)(burst - spaced)) <= 0.01 * (double)spaced, "burst %lld us, spaced %lld us",
              (long long)burst, (long long)spaced);
    CHECK_EQ_I64(ref_spaced, spaced); /* without simultaneous queueing the modes agree */
    CHECK_MSG((double)ref < 0.75 * (double)spaced, "reference chains: %lld us, one chain %lld us", (long long)ref,
              (long long)spaced);
}

/* blis_flow: counts survive coarsening and merging; the steady verdict on
 * synthetic flows. A server completing each request 0.5 s after it arrives
 * (one every 10 ms for 100 s) is steady, with 100/s offered and achieved in
 * the window; one completing only one in two is saturated; ten requests
 * are too few to judge. */
TEST(engine_flow_steady_verdicts) {
    static blis_flow f, g, all;
    blis_steady st;
    int64_t i, total = 0;
    memset(&f, 0, sizeof f);
    memset(&g, 0, sizeof g);
    memset(&all, 0, sizeof all);
    for (i = 0; i < 10000; i++) {
        blis_flow_add(&f, 0, i * 10000);
        blis_flow_add(&f, 1, i * 10000 + 500000);
    }
    for (i = 0; i < BLIS_FLOW_BUCKETS; i++) total += f.arrived[i];
    CHECK_EQ_I64(total, 10000);
    CHECK_EQ_I64(f.n_arrived, 10000);
    CHECK(f.width_us >= 100500000 / BLIS_FLOW_BUCKETS && f.width_us <= 2 * 100500000 / BLIS_FLOW_BUCKETS);
    blis_flow_steady(&f, &st);
    CHECK_EQ_I64(st.status, BLIS_STEADY_OK);
    CHECK_MSG(fabs(st.offered_per_s - 100) < 2 && fabs(st.achieved_per_s - 100) < 2, "offered %g, achieved %g",
              st.offered_per_s, st.achieved_per_s);
    CHECK(st.window_start_s >= 33 && st.window_start_s < 34.5 && st.window_end_s <= 100 && st.window_end_s > 99);
    CHECK_STR(blis_steady_status_name(st.status), "steady");
    for (i = 0; i < 10000; i++) { /* half the requests never leave */
        blis_flow_add(&g, 0, i * 10000);
        if (i % 2 == 0) blis_flow_add(&g, 1, i * 10000 + 500000);
    }
    blis_flow_steady(&g, &st);
    CHECK_EQ_I64(st.status, BLIS_STEADY_SATURATED);
    CHECK(st.growth > st.growth_limit);
    blis_flow_merge(&all, &f); /* two instances: 200/s offered, 150/s achieved */
    blis_flow_merge(&all, &g);
    CHECK_EQ_I64(all.n_arrived, 20000);
    blis_flow_steady(&all, &st);
    CHECK_EQ_I64(st.status, BLIS_STEADY_SATURATED);
    CHECK_MSG(fabs(st.offered_per_s - 200) < 4 && fabs(st.achieved_per_s - 150) < 4, "offered %g, achieved %g",
              st.offered_per_s, st.achieved_per_s);
    memset(&f, 0, sizeof f);
    for (i = 0; i < 10; i++) {
        blis_flow_add(&f, 0, i * 1000);
        blis_flow_add(&f, 1, i * 1000 + 100);
    }
    blis_flow_steady(&f, &st);
    CHECK_EQ_I64(st.status, BLIS_STEADY_SHORT);
    memset(&f, 0, sizeof f);
    blis_flow_steady(&f, &st);
    CHECK_EQ_I64(st.status, BLIS_STEADY_NONE);
}

/* The chart writer's label boxes: the knee's label is moved off the SLO
 * label it would cover, and no two labels of a chart overlap. */
static int t_svg_sink(void *user, const char *data, size_t len) {
    (void)user;
    (void)data;
    (void)len;
    return 0;
}

TEST(chart_labels_never_overlap) {
    double x[4] = {1, 2, 3, 4}, y[4] = {100, 110, 480, 2000};
    blis_chart_series se;
    blis_chart c;
    blis_chart_box boxes[64];
    blis_err err;
    size_t i, j;
    int marks = 0;
    memset(&se, 0, sizeof se);
    memset(&c, 0, sizeof c);
    se.x = x, se.y = y, se.n = 4, se.label = "p99", se.markers = 2;
    c.title = "TTFT vs offered load";
    c.subtitle = "m1 \xc2\xb7 H100 \xc2\xb7 TP 1";
    c.x_label = "offered load (req/s)";
    c.y_label = "TTFT (ms)";
    c.series = &se, c.n_series = 1;
    c.has_hline = 1, c.hline_y = 500, c.hline_label = "SLO ttft_p99 < 500 ms";
    c.has_mark = 1, c.mark_x = 1.1, c.mark_y = 480, c.mark_label = "knee: 3 req/s (last steady)";
    c.boxes = boxes, c.boxes_cap = 64;
    for (i = 0; i < 2; i++) {
        c.log_y = (int)i;
        CHECK_EQ_I64(blis_svg_chart(&c, t_svg_sink, NULL, &err), BLIS_OK);
        CHECK_MSG(c.boxes_len == 6, "%lu boxes",
                  (unsigned long)c.boxes_len); /* title, subtitle, x label, legend, SLO, knee */
        for (j = 0; j < c.boxes_len; j++) {
            size_t k;
            marks += boxes[j].kind == 5;
            for (k = j + 1; k < c.boxes_len; k++)
                CHECK_MSG(!blis_chart_boxes_overlap(&boxes[j], &boxes[k]),
                          "log %lu: boxes %lu (kind %d) and %lu (kind %d)", (unsigned long)i, (unsigned long)j,
                          boxes[j].kind, (unsigned long)k, boxes[k].kind);
        }
    }
    CHECK_EQ_I64(marks, 2);
}
