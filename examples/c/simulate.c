/* examples/c/simulate.c - blis from C: load a model config and a GPU, simulate
 * a Poisson workload on one vLLM instance (roofline v1 step times, the KV
 * cache sized from the GPU's memory), print the metrics.
 *
 *   cc -std=c99 -O2 -I. -o simulate examples/c/simulate.c -lm
 *   ./simulate [DATA_DIR]          (DATA_DIR: blis's data/, by default ./data)
 *
 * Installed: cc $(pkg-config --cflags blis-sim) simulate.c -lm, and
 * DATA_DIR = $(pkg-config --variable=datadir blis-sim). */
#define BLIS_IMPLEMENTATION
#include "blis.h"

#include <stdio.h>

static blis_status next_request(void *user, blis_request *r, int *has, blis_err *err) {
    return blis_legacy_gen_next((blis_legacy_gen *)user, r, has, err);
}

static int print_to(void *user, const char *data, size_t len) {
    return fwrite(data, 1, len, (FILE *)user) == len ? 0 : -1;
}

int main(int argc, char **argv) {
    const char *data = argc > 1 ? argv[1] : "data";
    char path[1024];
    blis_model_config model;
    blis_hw_config gpu;
    blis_sim_config cfg;
    blis_legacy_workload w;
    blis_legacy_gen gen;
    blis_sim sim;
    blis_metrics m;
    blis_request_source src;
    blis_jw jw;
    blis_err err;
    int64_t kv_blocks = 0;

    /* the model (a HuggingFace config.json) at TP 1, and the H100's datasheet figures */
    snprintf(path, sizeof path, "%s/model_configs/llama-3.1-8b-instruct/config.json", data);
    if (blis_model_config_load(path, 1, &model, &err) != BLIS_OK) goto fail;
    snprintf(path, sizeof path, "%s/hardware_config.json", data);
    if (blis_hw_config_load(path, "H100", 1, &gpu, &err) != BLIS_OK) goto fail;

    /* one instance: vLLM's defaults, roofline v1, the KV cache from 90% of the GPU memory */
    blis_sim_config_defaults(&cfg);
    cfg.latency.kind = BLIS_LATENCY_ROOFLINE_V1;
    cfg.latency.model = &model;
    cfg.latency.hw = &gpu;
    cfg.latency.tp = 1;
    cfg.latency.v1_ext = BLIS_V1X_ALL;
    if (blis_kv_capacity_blocks(&model, &gpu, 1, cfg.block_tokens, 0.9, &kv_blocks, &err) != BLIS_OK) goto fail;
    cfg.total_kv_blocks = kv_blocks;

    /* 200 requests at 4 per second, prompts and outputs around 512 tokens */
    memset(&w, 0, sizeof w);
    w.rate_per_s = 4;
    w.num_requests = 200;
    w.prompt_mean = w.output_mean = 512;
    w.prompt_std = w.output_std = 256;
    w.prompt_min = w.output_min = 2;
    w.prompt_max = w.output_max = 7000;
    if (blis_legacy_gen_init(&gen, &w, 42, cfg.horizon_us, cfg.block_tokens, NULL, NULL, NULL, &err) != BLIS_OK)
        goto fail;
    src.next = next_request;
    src.user = &gen;
    if (blis_sim_init(&sim, &cfg, src, NULL, &err) != BLIS_OK) {
        blis_legacy_gen_free(&gen);
        goto fail;
    }
    if (blis_sim_run(&sim, &err) != BLIS_OK || blis_sim_metrics(&sim, &m, &err) != BLIS_OK) {
        blis_sim_destroy(&sim);
        blis_legacy_gen_free(&gen);
        goto fail;
    }
    printf("kv blocks %lld: %lld requests, TTFT mean %.3f ms, ITL mean %.3f ms, %.1f tokens/s\n", (long long)kv_blocks,
           (long long)m.completed, m.ttft_mean_ms, m.itl_mean_ms, m.tokens_per_s);
    blis_jw_init(&jw, print_to, stdout, 2); /* the whole metrics block, as simulation_worker prints it */
    blis_metrics_write(&m, "example", &jw);
    blis_jw_finish(&jw);
    putchar('\n');
    blis_sim_destroy(&sim);
    blis_legacy_gen_free(&gen);
    return 0;
fail : {
    char msg[1200];
    blis_err_format(&err, msg, sizeof msg);
    fprintf(stderr, "simulate: %s\n", msg);
}
    return 2;
}
