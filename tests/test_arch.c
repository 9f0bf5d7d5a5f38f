/* tests/test_arch.c - roofline v1's arch extension (blis_model_shape): MLA,
 * sliding-window layers, per-part weight formats, FP4 tensor cores, and the
 * model types only it models. Every expected figure is worked by hand in
 * the comment above it from the config in the test. */

/* A DeepSeek-V3-style config: MLA with a query LoRA, one dense layer, then
 * MoE layers with 16 routed experts (top 2) and one shared expert. */
static const char t_arch_ds[] =
    "{\"model_type\": \"deepseek_v3\", \"num_hidden_layers\": 4, \"hidden_size\": 1024, \"num_attention_heads\": 8, "
    "\"num_key_value_heads\": 8, \"q_lora_rank\": 256, \"kv_lora_rank\": 128, \"qk_nope_head_dim\": 32, "
    "\"qk_rope_head_dim\": 16, \"v_head_dim\": 32, \"intermediate_size\": 2048, \"moe_intermediate_size\": 256, "
    "\"n_routed_experts\": 16, \"num_experts_per_tok\": 2, \"n_shared_experts\": 1, \"first_k_dense_replace\": 1, "
    "\"moe_layer_freq\": 1, \"vocab_size\": 1000, \"torch_dtype\": \"bfloat16\"}";

/* A gpt-oss-style config: alternating sliding-window (128 tokens) and full
 * attention, head_dim 80 (not hidden / heads = 64), MXFP4 experts beside
 * BF16 attention, and no torch_dtype (vLLM's auto: bfloat16). */
static const char t_arch_oss[] =
    "{\"model_type\": \"gpt_oss\", \"num_hidden_layers\": 4, \"hidden_size\": 512, \"num_attention_heads\": 8, "
    "\"num_key_value_heads\": 2, \"head_dim\": 80, \"intermediate_size\": 256, \"num_local_experts\": 8, "
    "\"num_experts_per_tok\": 2, \"vocab_size\": 1000, \"sliding_window\": 128, \"layer_types\": "
    "[\"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\"], "
    "\"quantization_config\": {\"quant_method\": \"mxfp4\", \"modules_to_not_convert\": [\"model.layers.*.self_attn\", "
    "\"model.layers.*.mlp.router\", \"lm_head\"]}}";

/* A MiniMax-M2-style config: 2 KV heads of head_dim 128 (hidden / heads =
 * 64), block FP8 weights but the router and LM head, softmax attention on
 * every layer. %s: the attn_type_list. */
#define T_ARCH_MINIMAX(attn_types)                                                                                  \
    "{\"model_type\": \"minimax_m2\", \"num_hidden_layers\": 2, \"hidden_size\": 384, \"num_attention_heads\": 6, " \
    "\"num_key_value_heads\": 2, \"head_dim\": 128, \"intermediate_size\": 192, \"num_local_experts\": 8, "         \
    "\"num_experts_per_tok\": 2, \"vocab_size\": 1000, \"attn_type_list\": " attn_types ", "                        \
    "\"quantization_config\": {\"quant_method\": \"fp8\", \"fmt\": \"float8_e4m3fn\", \"activation_scheme\": "      \
    "\"dynamic\", \"weight_block_size\": [128, 128], \"modules_to_not_convert\": [\"gate\", \"lm_head\"]}}"

static int t_arch_model(t_ctx *t_, const char *src, blis_model_config *m) {
    blis_err err;
    int ok = blis_model_config_parse(src, strlen(src), "arch.json", m, &err) == BLIS_OK &&
             blis_model_config_validate(m, &err) == BLIS_OK;
    CHECK_MSG(ok, "%s", err.msg);
    return ok;
}

static void t_arch_hw(blis_hw_config *hw) {
    memset(hw, 0, sizeof *hw);
    blis__copy_cstr(hw->gpu, sizeof hw->gpu, "X");
    hw->tflops_peak = 1000, hw->tflops_peak_fp8 = 2000, hw->bw_peak_tbs = 4, hw->memory_gib = 80;
    hw->nvlink_gbs = 900, hw->v1_bw_efficiency = 0.8, hw->v1_mfu_prefill = 0.6, hw->v1_mfu_decode = 0.1;
}

/* MLA per layer: query 1024 x 256 + 256 x 8 x (32 + 16) = 360,448; the latent
 * and RoPE key 1024 x (128 + 16) = 147,456; the up-projection 128 x 8 x
 * (32 + 32) = 65,536; the output 8 x 32 x 1024 = 262,144: 835,584 params,
 * 1,671,168 bytes. KV: 128 + 16 = 144 elements, 288 bytes a token a layer,
 * on every GPU (not split by TP): 1,152 over 4 layers. Weights: 4 x
 * 1,671,168 + the dense MLP 3 x 1024 x 2048 x 2 = 12,582,912 + 3 MoE layers
 * x (shared 1,572,864 + 16 x 1,572,864 + router 1024 x 16 x 2) + LM head
 * 1000 x 1024 x 2 = 101,629,952. */
TEST(arch_mla_shape) {
    blis_model_config m;
    blis_model_shape s;
    blis_err err;
    if (!t_arch_model(t_, t_arch_ds, &m)) return;
    CHECK(m.latent_attention && m.arch_only);
    blis_model_shape_of(&m, &s);
    CHECK_EQ_F64(s.part_params[BLIS_PART_ATTN], 835584);
    CHECK_EQ_F64(s.part_params[BLIS_PART_ATTN] * s.part[BLIS_PART_ATTN].weight_bytes, 1671168);
    CHECK_EQ_F64(s.dense_layers, 1);
    CHECK_EQ_F64(s.moe_layers, 3);
    CHECK_EQ_F64(s.part_params[BLIS_PART_EXPERT], 786432);
    CHECK_EQ_F64(s.part_params[BLIS_PART_SHARED], 786432);
    CHECK_EQ_F64(s.kv_elems, 144);
    CHECK_EQ_F64(blis_model_shape_kv_token_bytes(&s, 1, 0), 288);
    CHECK_EQ_F64(blis_model_shape_kv_token_bytes(&s, 2, 0), 288); /* the latent is whole on each GPU */
    CHECK_EQ_F64(blis_model_shape_kv_token_bytes(&s, 2, -1), 1152);
    CHECK_EQ_F64(blis_model_shape_weight_bytes(&s, -1), 101629952);
    /* absorbed decode: 2 x 8 x (128 + 16) + 2 x 8 x 128 per pair; prefill 2 x 8 x 48 + 2 x 8 x 32 */
    CHECK_EQ_F64(s.pair_flops_decode, 4352);
    CHECK_EQ_F64(s.pair_flops_prefill, 1280);
    /* an MLA type only the arch extension models needs its ranks */
    {
        char src[1200];
        blis_model_config bad;
        const char *at = strstr(t_arch_ds, "\"kv_lora_rank\": 128, ");
        CHECK(at != NULL);
        if (!at) return;
        snprintf(src, sizeof src, "%.*s%s", (int)(at - t_arch_ds), t_arch_ds, at + strlen("\"kv_lora_rank\": 128, "));
        CHECK_EQ_I64(blis_model_config_parse(src, strlen(src), "a.json", &bad, &err), BLIS_OK);
        CHECK_EQ_I64(blis_model_config_validate(&bad, &err), BLIS_E_INVALID);
        CHECK_STR(err.path, "kv_lora_rank");
    }
}

/* KV capacity with MLA: 90% of 2 x 80 GiB less the weights and the
 * embeddings (101,629,952 + 2,048,000 bytes), over 16-token blocks of 1,152
 * bytes a token on each of the 2 GPUs: 4,191,491 blocks (standard attention
 * over 8 KV heads would give 4 x 2 x 8 x 128 x 2 = 16,384 bytes a token). */
TEST(arch_mla_kv_capacity) {
    blis_model_config m;
    blis_hw_config hw;
    blis_err err;
    int64_t blocks = 0;
    if (!t_arch_model(t_, t_arch_ds, &m)) return;
    t_arch_hw(&hw);
    CHECK_EQ_I64(blis_kv_capacity_blocks(&m, &hw, 2, 16, 0.9, &blocks, &err), BLIS_OK);
    CHECK_EQ_I64(blocks, 4191491);
}

/* Sliding-window layers: attention 512 x 8 x 80 + 2 x 512 x 2 x 80 + 8 x 80 x
 * 512 = 819,200 params at BF16 (modules_to_not_convert); an expert 3 x 512 x
 * 256 = 393,216 at MXFP4's 4 + 8/32 bits = 0.53125 bytes (208,896). KV: 2 x 2
 * x 80 = 320 elements, 640 bytes a token a layer, 320 on each of 2 GPUs, 640
 * summed over the 2 full-attention layers. A decode at context 100,000 at TP
 * 2 reads 320 x (2 x 100,000 + 2 x 128) bytes of KV and writes 320 x 4, plus
 * v1's activations 4 x 512 x 2 / 2: 64,085,248 dynamic bytes. */
TEST(arch_sliding_window_layers) {
    blis_model_config m;
    blis_model_shape s;
    blis_hw_config hw;
    blis_step_breakdown b;
    blis_step_req dec = {100000, 1};
    blis_step_batch batch = {NULL, 0, &dec, 1};
    blis_err err;
    if (!t_arch_model(t_, t_arch_oss, &m)) return;
    CHECK(m.dtype_assumed);
    CHECK_STR(m.dtype, "bfloat16");
    CHECK_EQ_I64(m.window_layers, 2);
    CHECK_EQ_I64(m.sliding_window, 128);
    CHECK(blis_model_needs_arch(&m));
    blis_model_shape_of(&m, &s);
    CHECK_EQ_F64(s.part_params[BLIS_PART_ATTN], 819200);
    CHECK_EQ_F64(s.part[BLIS_PART_ATTN].weight_bytes, 2);
    CHECK_EQ_F64(s.part_params[BLIS_PART_EXPERT] * s.part[BLIS_PART_EXPERT].weight_bytes, 208896);
    CHECK_EQ_I64(s.part[BLIS_PART_EXPERT].gemm_bits, 16); /* MXFP4 weights, 16-bit activations */
    CHECK_EQ_F64(blis_model_shape_kv_token_bytes(&s, 2, 0), 320);
    CHECK_EQ_F64(blis_model_shape_kv_token_bytes(&s, 2, -1), 640);
    t_arch_hw(&hw);
    CHECK_EQ_I64(blis_roofline_v1x_step(&m, &hw, 2, BLIS_V1X_ALL, &batch, &b, &err), BLIS_OK);
    CHECK_EQ_F64(b.decode.dynamic_bytes, 64085248);
    /* the reference's formulas would cost another architecture: refused, never run */
    CHECK_EQ_I64(blis_roofline_v1x_step(&m, &hw, 2, BLIS_V1X_ALL & ~BLIS_V1X_ARCH, &batch, &b, &err),
                 BLIS_E_UNSUPPORTED);
    CHECK_CONTAINS(err.msg, "model_type gpt_oss with sliding-window layers is modelled only by roofline v1 with the "
                            "arch extension");
    { /* nor does the analyzer print it as standard attention */
        static blis_tra_report r;
        const int64_t cached[1] = {0}, input[1] = {16};
        CHECK_EQ_I64(blis_tra_analyze(&m, cached, input, 1, 0, &r, &err), BLIS_E_UNSUPPORTED);
        CHECK_CONTAINS(err.msg, "the analyzer does not describe model_type gpt_oss (sliding-window layers) yet");
    }
}

/* MiniMax-M2: attention 384 x 768 + 2 x 384 x 256 + 768 x 384 = 786,432
 * params at FP8 (1 byte, FP8 GEMMs); KV 2 x 2 x 128 = 512 elements, 1,024
 * BF16 bytes a token a layer; at TP 4 each GPU holds one of the 2 KV heads
 * (replicated past their number): 512 bytes. A linear-attention layer, an
 * unknown layer kind or a layer_types list of the wrong length is refused. */
TEST(arch_minimax_and_refusals) {
    static const char *const bad[] = {
        T_ARCH_MINIMAX("[1, 0]"),
        "{\"model_type\": \"gpt_oss\", \"num_hidden_layers\": 2, \"hidden_size\": 512, \"num_attention_heads\": 8, "
        "\"torch_dtype\": \"bfloat16\", \"layer_types\": [\"full_attention\", \"linear_attention\"]}",
        "{\"model_type\": \"gpt_oss\", \"num_hidden_layers\": 2, \"hidden_size\": 512, \"num_attention_heads\": 8, "
        "\"torch_dtype\": \"bfloat16\", \"layer_types\": [\"full_attention\"]}",
        "{\"model_type\": \"gpt_oss\", \"num_hidden_layers\": 2, \"hidden_size\": 512, \"num_attention_heads\": 8, "
        "\"torch_dtype\": \"bfloat16\", \"layer_types\": [\"full_attention\", \"sliding_attention\"]}",
    };
    static const char *const why[] = {
        "only softmax attention layers (1) are modelled",
        "blis models \"full_attention\" and \"sliding_attention\" layers, got linear_attention",
        "layer_types has 1 entries, num_hidden_layers is 2",
        "sliding_window: the window of its sliding_attention layers, in tokens, must be given"};
    blis_model_config m;
    blis_model_shape s;
    blis_err err;
    size_t i;
    if (!t_arch_model(t_, T_ARCH_MINIMAX("[1, 1]"), &m)) return;
    blis_model_shape_of(&m, &s);
    CHECK_EQ_F64(s.part_params[BLIS_PART_ATTN], 786432);
    CHECK_EQ_F64(s.part[BLIS_PART_ATTN].weight_bytes, 1);
    CHECK_EQ_I64(s.part[BLIS_PART_ATTN].gemm_bits, 8);
    CHECK_EQ_F64(s.kv_elems * s.kv_bytes, 1024);
    CHECK_EQ_F64(blis_model_shape_kv_token_bytes(&s, 4, 0), 512);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        blis_status st = blis_model_config_parse(bad[i], strlen(bad[i]), "bad.json", &m, &err);
        CHECK_MSG(st == BLIS_E_UNSUPPORTED || st == BLIS_E_INVALID, "case %u: status %d", (unsigned)i, (int)st);
        CHECK_CONTAINS(err.msg, why[i]);
        if (i < 2) CHECK_STR(err.path, i == 0 ? "attn_type_list[1]" : "layer_types[1]");
    }
}

/* NVFP4 (compressed-tensors float 4-bit weights and activations) experts
 * run on the FP4 tensor cores where the GPU has them: the same prefill
 * computes faster with TFlopsPeakFP4 than without (W4A16, the 16-bit peak);
 * the attention the ignore list names stays BF16. */
TEST(arch_fp4_tensor_cores) {
    static const char src[] =
        "{\"model_type\": \"minimax_m2\", \"num_hidden_layers\": 2, \"hidden_size\": 1024, \"num_attention_heads\": "
        "8, \"num_key_value_heads\": 2, \"head_dim\": 128, \"intermediate_size\": 1024, \"num_local_experts\": 8, "
        "\"num_experts_per_tok\": 2, \"vocab_size\": 1000, \"torch_dtype\": \"bfloat16\", \"quantization_config\": "
        "{\"quant_method\": \"modelopt\", \"config_groups\": {\"group_0\": {\"input_activations\": {\"num_bits\": 4, "
        "\"type\": \"float\", \"group_size\": 16}, \"weights\": {\"num_bits\": 4, \"type\": \"float\", "
        "\"group_size\": 16}, \"targets\": [\"Linear\"]}}, \"ignore\": [\"lm_head\", \"model.layers.0.self_attn*\"]}}";
    blis_model_config m;
    blis_hw_config hw;
    blis_step_breakdown with, without;
    blis_step_req pre = {0, 4096};
    blis_step_batch batch = {&pre, 1, NULL, 0};
    blis_err err;
    if (!t_arch_model(t_, src, &m)) return;
    CHECK_EQ_F64(m.part[BLIS_PART_EXPERT].weight_bytes, 0.5625); /* 4 bits + an FP8 scale per 16 */
    CHECK_EQ_I64(m.part[BLIS_PART_EXPERT].gemm_bits, 4);
    CHECK_EQ_F64(m.part[BLIS_PART_ATTN].weight_bytes, 2);
    CHECK_EQ_I64(m.part[BLIS_PART_ATTN].gemm_bits, 16);
    t_arch_hw(&hw);
    CHECK_EQ_I64(blis_roofline_v1x_step(&m, &hw, 1, BLIS_V1X_ALL, &batch, &without, &err), BLIS_OK);
    hw.tflops_peak_fp4 = 4000;
    CHECK_EQ_I64(blis_roofline_v1x_step(&m, &hw, 1, BLIS_V1X_ALL, &batch, &with, &err), BLIS_OK);
    CHECK(with.prefill.compute_s < without.prefill.compute_s);
    CHECK_EQ_F64(with.prefill.gemm_flops, without.prefill.gemm_flops);
}

/* step shows the counts under its figures (the MLA config above). */
TEST(arch_step_shape_cli) {
    static char out[16384];
    CHECK_EQ_I64(system("mkdir -p build/arch_ds"), 0);
    CHECK(t_write_file("build/arch_ds/config.json", t_arch_ds));
    CHECK_EQ_I64(t_run("./simulation_worker step --model-config-folder build/arch_ds --hardware H100 --tp 2 --decode "
                       "1000x4",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "\"roofline_ext\": \"moe,fused,allreduce,lmhead,gemm,quant,arch\",");
    CHECK_CONTAINS(out, "\"params\": 835584,");
    CHECK_CONTAINS(out, "\"weight_bytes\": 1671168,");
    CHECK_CONTAINS(out, "\"kv_bytes_per_token_per_gpu\": 288");
    CHECK_CONTAINS(out, "\"weight_bytes\": 101629952,");
    CHECK_CONTAINS(out, "\"kv_bytes_per_token_per_gpu\": 1152");
    CHECK_EQ_I64(t_run("./simulation_worker step --model-config-folder build/arch_ds --hardware H100 --roofline-ext "
                       "moe,fused",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "model_type deepseek_v3 is modelled only by roofline v1 with the arch extension");
}

/* blis's fitted terms: v1ExpertOverheadUs per routed expert a step
 * touches per MoE layer (the DeepSeek-style config: 3 MoE layers, 16
 * experts, top 2; one decode token touches 2 experts: 3 x 2 x 1 us = 6 us),
 * and v1AllReduceLevelUs per all-reduce per doubling of TP past 2 (4 layers
 * x 2 all-reduces x 0.5 us x (log2 8 - 1) = 8 us at TP 8, none at TP 2). */
TEST(arch_expert_and_allreduce_level_terms) {
    blis_model_config m;
    blis_hw_config hw;
    blis_step_breakdown a, b;
    blis_step_req dec = {100, 1};
    blis_step_batch batch = {NULL, 0, &dec, 1};
    blis_err err;
    if (!t_arch_model(t_, t_arch_ds, &m)) return;
    t_arch_hw(&hw);
    hw.v1_layer_overhead_us = 10, hw.v1_allreduce_us = 5;
    CHECK_EQ_I64(blis_roofline_v1x_step(&m, &hw, 8, BLIS_V1X_ALL, &batch, &a, &err), BLIS_OK);
    hw.v1_expert_overhead_us = 1, hw.v1_allreduce_level_us = 0.5;
    CHECK_EQ_I64(blis_roofline_v1x_step(&m, &hw, 8, BLIS_V1X_ALL, &batch, &b, &err), BLIS_OK);
    CHECK(fabs(b.layer_overhead_us - a.layer_overhead_us - 6) < 1e-9);
    CHECK(fabs(b.comm_us - a.comm_us - 8) < 1e-9);
    CHECK_EQ_I64(blis_roofline_v1x_step(&m, &hw, 2, BLIS_V1X_ALL, &batch, &b, &err), BLIS_OK);
    CHECK_EQ_I64(blis_roofline_v1x_step(&m, &hw, 2, BLIS_V1X_ALL & ~BLIS_V1X_ARCH, &batch, &a, &err),
                 BLIS_E_UNSUPPORTED); /* deepseek_v3: arch only */
    hw.v1_expert_overhead_us = 0, hw.v1_allreduce_level_us = 0;
    CHECK_EQ_I64(blis_roofline_v1x_step(&m, &hw, 2, BLIS_V1X_ALL, &batch, &a, &err), BLIS_OK);
    CHECK(fabs(b.comm_us - a.comm_us) < 1e-9);
    CHECK(fabs(b.layer_overhead_us - a.layer_overhead_us - 6) < 1e-9);
    /* roofline v2 and a latency model without arch refuse a type only arch models */
    CHECK_EQ_I64(blis_roofline_v2_step(&m, &hw, NULL, 1, &batch, &a, &err), BLIS_E_UNSUPPORTED);
    CHECK_CONTAINS(err.msg, "model_type deepseek_v3 is modelled only by roofline v1 with the arch extension: roofline "
                            "v2's kernel tables");
    {
        blis_latency_model lm;
        memset(&lm, 0, sizeof lm);
        lm.kind = BLIS_LATENCY_ROOFLINE_V1, lm.model = &m, lm.hw = &hw, lm.tp = 1, lm.v1_ext = BLIS_V1X_MOE;
        CHECK_EQ_I64(blis_latency_model_validate(&lm, &err), BLIS_E_UNSUPPORTED);
        CHECK_CONTAINS(err.msg, "the reference's v1 would cost another architecture");
        lm.v1_ext = BLIS_V1X_ALL;
        CHECK_EQ_I64(blis_latency_model_validate(&lm, &err), BLIS_OK);
    }
    /* v1MoeLayerOverheadUs: a fixed cost per MoE layer per step, whatever the batch (3 MoE layers x 40 us =
     * 120 us, for one decode token and for 64) */
    hw.v1_expert_overhead_us = 0;
    CHECK_EQ_I64(blis_roofline_v1x_step(&m, &hw, 2, BLIS_V1X_ALL, &batch, &a, &err), BLIS_OK);
    hw.v1_moe_layer_overhead_us = 40;
    CHECK_EQ_I64(blis_roofline_v1x_step(&m, &hw, 2, BLIS_V1X_ALL, &batch, &b, &err), BLIS_OK);
    CHECK(fabs(b.layer_overhead_us - a.layer_overhead_us - 120) < 1e-9);
    {
        blis_step_req many = {100, 64};
        blis_step_batch big = {NULL, 0, &many, 1};
        blis_step_breakdown c, d;
        hw.v1_moe_layer_overhead_us = 0;
        CHECK_EQ_I64(blis_roofline_v1x_step(&m, &hw, 2, BLIS_V1X_ALL, &big, &c, &err), BLIS_OK);
        hw.v1_moe_layer_overhead_us = 40;
        CHECK_EQ_I64(blis_roofline_v1x_step(&m, &hw, 2, BLIS_V1X_ALL, &big, &d, &err), BLIS_OK);
        CHECK(fabs(d.layer_overhead_us - c.layer_overhead_us - 120) < 1e-9);
    }
    /* out of range in a hardware file: refused */
    CHECK_EQ_I64(blis_hw_config_validate(&hw, 1, &err), BLIS_OK);
    hw.v1_moe_layer_overhead_us = 2e9;
    CHECK_EQ_I64(blis_hw_config_validate(&hw, 1, &err), BLIS_E_INVALID);
    CHECK_CONTAINS(err.path, "v1MoeLayerOverheadUs");
    hw.v1_moe_layer_overhead_us = 0;
    hw.v1_expert_overhead_us = -1;
    CHECK_EQ_I64(blis_hw_config_validate(&hw, 1, &err), BLIS_E_INVALID);
}
