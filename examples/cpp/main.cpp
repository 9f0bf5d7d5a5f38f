// examples/cpp/main.cpp - blis from C++ (two translation units: this one and
// blis_impl.cpp): the simulation of examples/c/simulate.c with RAII owners,
// printing the same summary line.
//
//   c++ -std=c++11 -O2 -I. -o simulate_cpp examples/cpp/main.cpp examples/cpp/blis_impl.cpp
//   ./simulate_cpp [DATA_DIR]
#include "blis.h"

#include <cstdio>
#include <stdexcept>
#include <string>

namespace {

struct blis_error : std::runtime_error {
    explicit blis_error(const blis_err &e) : std::runtime_error(format(e)) {}
    static std::string format(const blis_err &e) {
        char msg[1200];
        blis_err_format(&e, msg, sizeof msg);
        return msg;
    }
};

void check(blis_status st, const blis_err &err) {
    if (st != BLIS_OK) throw blis_error(err);
}

blis_status next_request(void *user, blis_request *r, int *has, blis_err *err) {
    return blis_legacy_gen_next(static_cast<blis_legacy_gen *>(user), r, has, err);
}

// The workload generator and the instance, freed when they leave scope.
struct generator {
    blis_legacy_gen gen;
    generator(const blis_legacy_workload &w, int64_t seed, const blis_sim_config &cfg) {
        blis_err err;
        check(blis_legacy_gen_init(&gen, &w, seed, cfg.horizon_us, cfg.block_tokens, NULL, NULL, NULL, &err), err);
    }
    ~generator() { blis_legacy_gen_free(&gen); }
    generator(const generator &) = delete;
    generator &operator=(const generator &) = delete;
};

struct instance {
    blis_sim sim;
    instance(const blis_sim_config &cfg, generator &g) {
        blis_request_source src;
        blis_err err;
        src.next = next_request;
        src.user = &g.gen;
        check(blis_sim_init(&sim, &cfg, src, NULL, &err), err);
    }
    ~instance() { blis_sim_destroy(&sim); }
    instance(const instance &) = delete;
    instance &operator=(const instance &) = delete;
    blis_metrics run() {
        blis_err err;
        blis_metrics m;
        check(blis_sim_run(&sim, &err), err);
        check(blis_sim_metrics(&sim, &m, &err), err);
        return m;
    }
};

} // namespace

int main(int argc, char **argv) {
    const std::string data = argc > 1 ? argv[1] : "data";
    try {
        blis_err err;
        blis_model_config model;
        blis_hw_config gpu;
        check(blis_model_config_load((data + "/model_configs/llama-3.1-8b-instruct/config.json").c_str(), 1, &model,
                                     &err),
              err);
        check(blis_hw_config_load((data + "/hardware_config.json").c_str(), "H100", 1, &gpu, &err), err);

        blis_sim_config cfg;
        blis_sim_config_defaults(&cfg);
        cfg.latency.kind = BLIS_LATENCY_ROOFLINE_V1;
        cfg.latency.model = &model;
        cfg.latency.hw = &gpu;
        cfg.latency.tp = 1;
        cfg.latency.v1_ext = BLIS_V1X_ALL;
        int64_t kv_blocks = 0;
        check(blis_kv_capacity_blocks(&model, &gpu, 1, cfg.block_tokens, 0.9, &kv_blocks, &err), err);
        cfg.total_kv_blocks = kv_blocks;

        blis_legacy_workload w = {};
        w.rate_per_s = 4;
        w.num_requests = 200;
        w.prompt_mean = w.output_mean = 512;
        w.prompt_std = w.output_std = 256;
        w.prompt_min = w.output_min = 2;
        w.prompt_max = w.output_max = 7000;
        generator gen(w, 42, cfg);
        instance inst(cfg, gen);
        const blis_metrics m = inst.run();
        std::printf("kv blocks %lld: %lld requests, TTFT mean %.3f ms, ITL mean %.3f ms, %.1f tokens/s\n",
                    static_cast<long long>(kv_blocks), static_cast<long long>(m.completed), m.ttft_mean_ms,
                    m.itl_mean_ms, m.tokens_per_s);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "simulate_cpp: %s\n", e.what());
        return 2;
    }
    return 0;
}
