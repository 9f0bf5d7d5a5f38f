#!/usr/bin/env python3
"""blis_bench.py - measure the kernel MFU tables roofline v2 reads (bench_data/).

Runs on a machine with an NVIDIA GPU (Python 3 + PyTorch; FlashAttention or
FlashInfer used when installed) and writes, into a new folder:

  gemm/<gpu>/data.csv                        m,k,n,latency_us,mfu
  mha/prefill/<gpu>/<H>-<Hkv>-<dh>.csv       dtype,seq_len,latency_us,mfu
  mha/decode/<gpu>/<H>-<Hkv>-<dh>-tp<N>.csv  dtype,kv_dtype,batch_size,kv_len,latency_us,mfu
  <gpu>.json                                 provenance (GPU, driver, CUDA, torch, date, peak, kernels)

The MFU definitions are the ones roofline v2 inverts (so a table reproduces
the latency it was measured at), all per layer:
  GEMM     2*m*k*n / (t * peak)
  prefill  4*H*s^2*dh / (1.8 * t * peak)       causal, batch 1, all H heads
  decode   4*h*B*kv*dh / (t * peak)            one TP shard: h = H/tp heads,
                                               max(1, Hkv/tp) KV heads
Shapes come from model configs (HuggingFace config.json; default: every model
under data/model_configs): GEMM (k, n) for q, k/v, o, gate/up and down, whole
and divided by each TP degree; attention per (H, Hkv, dh) with dh = d // H,
the key roofline v2 looks up.

  --device cpu --quick   tiny shapes on the CPU: exercises the whole pipeline
                         (CI); the peak is the best throughput measured unless
                         --peak-tflops is given, so the MFUs are relative.

Exit status 0 on success, 2 on bad arguments or inputs, 1 on other failures.
Nothing is left half-written: the tables go to a staging folder renamed into
place at the end.
"""

import argparse
import datetime
import glob
import json
import os
import platform
import shutil
import subprocess
import sys
import time

# Dense bf16 tensor-core peaks (TFLOP/s) from the vendors' datasheets; the
# same numbers as data/hardware_config.json where the GPU is there.
KNOWN_PEAKS = [
    # (substring of torch.cuda.get_device_name(), folder name, peak)
    ("H100 PCIe", "h100-pcie", 756.0),
    ("H100 NVL", "h100-nvl", 835.0),
    ("H100", "h100", 989.5),
    ("H200", "h200", 989.5),
    ("H800", "h800", 989.5),
    ("H20", "h20", 148.0),
    ("A100", "a100", 312.0),
    ("L40S", "l40s", 362.05),
    ("B200", "b200", 2250.0),
]

FULL_M = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768]
FULL_SEQ = [128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768]
FULL_BATCH = [1, 16, 32, 64, 128, 256, 512]
FULL_KV = [1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072]
FULL_TP = [1, 2, 4, 8]

QUICK_M = [1, 8, 64]
QUICK_SEQ = [32, 64, 128]
QUICK_BATCH = [1, 4]
QUICK_KV = [64, 256]
QUICK_TP = [1, 2]
# A tiny model for --quick without --models: H=4, Hkv=2, dh=16.
QUICK_MODEL = {"hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2,
               "intermediate_size": 128, "num_hidden_layers": 2}


class UsageError(Exception):
    pass


def die_usage(msg):
    sys.stderr.write("blis_bench.py: error: %s\n" % msg)
    sys.exit(2)


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="blis_bench.py",
        description="Measure GEMM and attention MFU tables (bench_data/) for blis roofline v2.")
    p.add_argument("--out", required=True, help="new folder to write (must not exist)")
    p.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    p.add_argument("--quick", action="store_true", help="tiny shapes (CI); with --device cpu")
    p.add_argument("--gpu", help="folder name for the tables (default: from the driver's device name)")
    p.add_argument("--peak-tflops", type=float, help="dense peak of the dtype (default: known GPUs)")
    p.add_argument("--models", nargs="+", metavar="CONFIG",
                   help="config.json files or folders holding them (default: data/model_configs)")
    p.add_argument("--tp", default=None, help="TP degrees for decode and sharded GEMMs (default 1,2,4,8)")
    p.add_argument("--only", default="gemm,prefill,decode", help="subset of gemm,prefill,decode")
    p.add_argument("--dtype", default=None, choices=["bf16", "fp16", "fp32"],
                   help="compute dtype (default bf16 on CUDA, fp32 on the CPU)")
    p.add_argument("--warmup", type=int, default=None, help="untimed runs per shape (default 5; quick 1)")
    p.add_argument("--repeats", type=int, default=None, help="timed runs per shape (default 20; quick 3)")
    p.add_argument("--max-kv-gib", type=float, default=24.0,
                   help="skip decode points whose KV cache exceeds this (GiB)")
    p.add_argument("--validate", metavar="SIMULATION_WORKER",
                   help="run 'SIMULATION_WORKER validate-bench-data' on the result")
    a = p.parse_args(argv)
    if a.quick and a.device != "cpu":
        die_usage("--quick runs with --device cpu (tiny shapes say nothing about a GPU)")
    if a.peak_tflops is not None and not (0 < a.peak_tflops < 1e6):
        die_usage("--peak-tflops must be > 0")
    try:
        a.tp_list = [int(x) for x in a.tp.split(",")] if a.tp else (QUICK_TP if a.quick else FULL_TP)
    except ValueError:
        die_usage("--tp expects a comma-separated list of integers, got %r" % a.tp)
    if not a.tp_list or any(t < 1 or t > 64 for t in a.tp_list):
        die_usage("--tp values must be within 1..64")
    a.parts = [x for x in a.only.split(",") if x]
    if not a.parts or any(x not in ("gemm", "prefill", "decode") for x in a.parts):
        die_usage("--only expects a subset of gemm,prefill,decode, got %r" % a.only)
    for name in ("warmup", "repeats"):
        v = getattr(a, name)
        if v is not None and not (0 <= v <= 10000 and (v > 0 or name == "warmup")):
            die_usage("--%s out of range: %d" % (name, v))
    a.warmup = a.warmup if a.warmup is not None else (1 if a.quick else 5)
    a.repeats = a.repeats if a.repeats is not None else (3 if a.quick else 20)
    if os.path.exists(a.out):
        die_usage("%s already exists; the tables go to a new folder" % a.out)
    return a


def load_models(paths, quick):
    """(name, config dict) of each model; text_config is used when present."""
    if not paths:
        if quick:
            return [("quick-tiny", QUICK_MODEL)]
        here = os.path.dirname(os.path.abspath(__file__))
        paths = [os.path.join(here, "..", "..", "data", "model_configs")]
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += sorted(glob.glob(os.path.join(p, "*", "config.json")))
            if os.path.isfile(os.path.join(p, "config.json")):
                files.append(os.path.join(p, "config.json"))
        elif os.path.isfile(p):
            files.append(p)
        else:
            die_usage("%s: no such file or folder" % p)
    if not files:
        die_usage("no config.json found in %s" % ", ".join(paths))
    models = []
    for f in files:
        try:
            with open(f) as fh:
                cfg = json.load(fh)
        except (OSError, ValueError) as e:
            die_usage("%s: cannot read the model config: %s" % (f, e))
        if isinstance(cfg, dict) and isinstance(cfg.get("text_config"), dict):
            cfg = dict(cfg, **cfg["text_config"])
        for key in ("hidden_size", "num_attention_heads"):
            if not isinstance(cfg.get(key), int) or cfg[key] <= 0:
                die_usage("%s: %s must be a positive integer" % (f, key))
        models.append((os.path.basename(os.path.dirname(f)) or f, cfg))
    return models


def model_shapes(cfg, tps):
    """GEMM (k, n) pairs and the attention key (H, Hkv, dh) of one model."""
    d = cfg["hidden_size"]
    h = cfg["num_attention_heads"]
    hkv = cfg.get("num_key_value_heads") or h
    dh = d // h  # roofline v2's key uses d // H, not head_dim
    dkv = hkv * dh
    dff = cfg.get("intermediate_size") or 4 * d
    whole = [(d, d), (d, dkv), (d, dff), (dff, d)]
    pairs = set(whole)
    for tp in tps:
        if tp == 1:
            continue
        for (k, n) in ((d, d), (d, dkv), (d, dff)):  # column-parallel: n / tp
            if n % tp == 0:
                pairs.add((k, n // tp))
        for (k, n) in ((d, d), (dff, d)):  # row-parallel: k / tp
            if k % tp == 0:
                pairs.add((k // tp, n))
    return pairs, (h, hkv, dh)


class Timer:
    def __init__(self, torch, device, warmup, repeats):
        self.torch, self.device, self.warmup, self.repeats = torch, device, warmup, repeats

    def us(self, fn):
        """Mean latency of fn() in microseconds."""
        torch = self.torch
        for _ in range(self.warmup):
            fn()
        if self.device == "cuda":
            torch.cuda.synchronize()
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(self.repeats):
                fn()
            end.record()
            torch.cuda.synchronize()
            return start.elapsed_time(end) * 1000.0 / self.repeats
        t0 = time.perf_counter()
        for _ in range(self.repeats):
            fn()
        return (time.perf_counter() - t0) * 1e6 / self.repeats


def attention_backends(torch):
    """The prefill and decode kernels available, best first."""
    fa = None
    try:
        import flash_attn  # noqa: F401
        from flash_attn import flash_attn_func, flash_attn_with_kvcache
        fa = (flash_attn_func, flash_attn_with_kvcache, "flash_attn " + getattr(flash_attn, "__version__", "?"))
    except Exception:
        fa = None
    has_sdpa = hasattr(torch.nn.functional, "scaled_dot_product_attention")
    return fa, has_sdpa


def sdpa_context(torch):
    """A context manager that restricts SDPA to the flash backend, if possible."""
    try:
        from torch.nn.attention import sdpa_kernel, SDPBackend
        return sdpa_kernel([SDPBackend.FLASH_ATTENTION]), "torch sdpa (flash)"
    except Exception:
        pass
    try:
        return torch.backends.cuda.sdp_kernel(enable_flash=True, enable_math=False,
                                              enable_mem_efficient=False), "torch sdpa (flash)"
    except Exception:
        import contextlib
        return contextlib.nullcontext(), "torch sdpa"


def make_attention(torch, device, fa, has_sdpa):
    """prefill(q, k, v) with q (1, s, H, dh), k/v (1, s, Hkv, dh), causal; and
    decode(q, kc, vc) with q (B, 1, h, dh), caches (B, kv, kvh, dh)."""
    F = torch.nn.functional

    def expand(x, groups):  # (B, s, Hkv, dh) -> (B, H, s, dh) for GQA
        x = x.transpose(1, 2)
        return x.repeat_interleave(groups, dim=1) if groups > 1 else x

    if fa is not None and device == "cuda":
        fa_func, fa_kvcache, name = fa
        return (lambda q, k, v: fa_func(q, k, v, causal=True),
                lambda q, kc, vc: fa_kvcache(q, kc, vc), name, name)

    if has_sdpa:
        def prefill(q, k, v):
            g = q.shape[2] // k.shape[2]
            return F.scaled_dot_product_attention(q.transpose(1, 2), expand(k, g), expand(v, g), is_causal=True)

        def decode(q, kc, vc):
            g = q.shape[2] // kc.shape[2]
            return F.scaled_dot_product_attention(q.transpose(1, 2), expand(kc, g), expand(vc, g))
        name = "torch sdpa"
        return prefill, decode, name, name

    def math_attn(q, k, v, causal):  # PyTorch without SDPA (< 2.0): matmul + softmax
        g = q.shape[2] // k.shape[2]
        qt, kt, vt = q.transpose(1, 2), expand(k, g), expand(v, g)
        scores = torch.matmul(qt, kt.transpose(-1, -2)) * (1.0 / (q.shape[-1] ** 0.5))
        if causal:
            s = scores.shape[-1]
            mask = torch.ones(s, s, dtype=torch.bool, device=scores.device).triu(1)
            scores = scores.masked_fill(mask, float("-inf"))
        return torch.matmul(torch.softmax(scores, dim=-1), vt)

    name = "torch matmul+softmax"
    return (lambda q, k, v: math_attn(q, k, v, True), lambda q, kc, vc: math_attn(q, kc, vc, False), name, name)


def fmt_row(values, lat_us, mfu):
    return ",".join(str(v) for v in values) + ",%.3f,%s\n" % (lat_us, repr(float(mfu)))


def main(argv):
    a = parse_args(argv)
    try:
        import torch
    except ImportError:
        sys.stderr.write("blis_bench.py: error: PyTorch is not installed (Debian: apt install python3-torch;"
                         " or pip install torch)\n")
        return 2
    if a.device == "cuda" and not torch.cuda.is_available():
        die_usage("no CUDA device visible to PyTorch; use --device cpu --quick to exercise the pipeline")
    models = load_models(a.models, a.quick)
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[
        a.dtype or ("fp32" if a.device == "cpu" else "bf16")]
    dname = {torch.bfloat16: "bf16", torch.float16: "fp16", torch.float32: "fp32"}[dtype]
    torch.manual_seed(0)

    if a.device == "cuda":
        dev_name = torch.cuda.get_device_name(0)
        match = next((m for m in KNOWN_PEAKS if m[0] in dev_name), None)
    else:
        dev_name = platform.processor() or platform.machine() or "cpu"
        match = None
    gpu = a.gpu or (match[1] if match else ("cpu" if a.device == "cpu" else None))
    if not gpu:
        die_usage("unknown GPU %r: give --gpu NAME and --peak-tflops X" % dev_name)
    if any(c in gpu for c in "/\\") or gpu in (".", ".."):
        die_usage("--gpu must be a plain folder name, got %r" % gpu)
    peak_tflops = a.peak_tflops or (match[2] if match and dtype != torch.float32 else None)
    if peak_tflops is None and a.device == "cuda":
        die_usage("no known %s peak for %r: give --peak-tflops" % (dname, dev_name))
    peak_source = "--peak-tflops" if a.peak_tflops else ("datasheet" if peak_tflops else "measured maximum")

    timer = Timer(torch, a.device, a.warmup, a.repeats)
    fa, has_sdpa = attention_backends(torch)
    prefill_fn, decode_fn, prefill_kernel, decode_kernel = make_attention(torch, a.device, fa, has_sdpa)
    ctx = None
    if a.device == "cuda" and fa is None and has_sdpa:
        ctx, prefill_kernel = sdpa_context(torch)
        decode_kernel = prefill_kernel

    m_list = QUICK_M if a.quick else FULL_M
    seq_list = QUICK_SEQ if a.quick else FULL_SEQ
    batch_list = QUICK_BATCH if a.quick else FULL_BATCH
    kv_list = QUICK_KV if a.quick else FULL_KV

    pairs, keys = set(), set()
    for _, cfg in models:
        p, key = model_shapes(cfg, a.tp_list)
        pairs |= p
        keys.add(key)

    # (rows, FLOPs-equivalent rate) measured; MFUs are computed at the end
    # so that the CPU mode can take the best rate as its peak.
    gemm_rows, prefill_rows, decode_rows = [], {}, {}
    rates = []
    log = sys.stderr.write
    dev = torch.device(a.device)

    if "gemm" in a.parts:
        for (k, n) in sorted(pairs):
            w = torch.randn(k, n, device=dev, dtype=dtype)
            for m in m_list:
                x = torch.randn(m, k, device=dev, dtype=dtype)
                t = timer.us(lambda: torch.matmul(x, w))
                flops = 2.0 * m * k * n
                gemm_rows.append(((m, k, n), t, flops))
                rates.append(flops / (t * 1e-6))
            log("gemm k=%d n=%d: %d sizes\n" % (k, n, len(m_list)))
            del w

    def run_ctx(fn):
        if ctx is None:
            return fn()
        with ctx:
            return fn()

    if "prefill" in a.parts:
        for (h, hkv, dh) in sorted(keys):
            rows = []
            for s in seq_list:
                q = torch.randn(1, s, h, dh, device=dev, dtype=dtype)
                kk = torch.randn(1, s, hkv, dh, device=dev, dtype=dtype)
                vv = torch.randn(1, s, hkv, dh, device=dev, dtype=dtype)
                t = run_ctx(lambda: timer.us(lambda: prefill_fn(q, kk, vv)))
                flops = 4.0 * h * s * s * dh / 1.8
                rows.append((s, t, flops))
                rates.append(flops / (t * 1e-6))
            prefill_rows[(h, hkv, dh)] = rows
            log("prefill %d-%d-%d: %d lengths\n" % (h, hkv, dh, len(rows)))

    if "decode" in a.parts:
        for (h, hkv, dh) in sorted(keys):
            for tp in a.tp_list:
                if h % tp or (hkv >= tp and hkv % tp):
                    continue
                hs, kvs = h // tp, (hkv // tp if hkv >= tp else 1)
                rows = []
                for b in batch_list:
                    for kv in kv_list:
                        kv_bytes = 2.0 * b * kv * kvs * dh * torch.tensor([], dtype=dtype).element_size()
                        if kv_bytes > a.max_kv_gib * 2 ** 30:
                            continue  # a grid gap: the validator warns about it
                        q = torch.randn(b, 1, hs, dh, device=dev, dtype=dtype)
                        kc = torch.randn(b, kv, kvs, dh, device=dev, dtype=dtype)
                        vc = torch.randn(b, kv, kvs, dh, device=dev, dtype=dtype)
                        t = run_ctx(lambda: timer.us(lambda: decode_fn(q, kc, vc)))
                        flops = 4.0 * hs * b * kv * dh
                        rows.append(((b, kv), t, flops))
                        rates.append(flops / (t * 1e-6))
                        del q, kc, vc
                decode_rows[(h, hkv, dh, tp)] = rows
                log("decode %d-%d-%d tp%d: %d points\n" % (h, hkv, dh, tp, len(rows)))

    if not rates:
        die_usage("nothing measured (check --only and --models)")
    peak = peak_tflops * 1e12 if peak_tflops else max(rates)
    staging = a.out + ".partial-%d" % os.getpid()
    try:
        write_tables(staging, gpu, dname, peak, gemm_rows, prefill_rows, decode_rows,
                     clamp=peak_tflops is None)
        prov = {
            "gpu": gpu,
            "gpu_name": dev_name,
            "device": a.device,
            "quick": a.quick,
            "driver_version": driver_version() if a.device == "cuda" else None,
            "cuda_version": getattr(torch.version, "cuda", None),
            "torch_version": torch.__version__,
            "python_version": platform.python_version(),
            "date": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
            "dtype": dname,
            "peak_tflops": peak / 1e12,
            "peak_source": peak_source,
            "kernels": {"gemm": "torch.matmul", "prefill_attention": prefill_kernel,
                        "decode_attention": decode_kernel},
            "timing": {"warmup": a.warmup, "repeats": a.repeats,
                       "method": "CUDA events" if a.device == "cuda" else "time.perf_counter"},
            "models": [name for name, _ in models],
            "tp": a.tp_list,
            "mfu_definitions": "gemm 2mkn/(t*peak); prefill 4*H*s^2*dh/(1.8*t*peak) at batch 1; "
                               "decode 4*(H/tp)*B*kv*dh/(t*peak)",
        }
        with open(os.path.join(staging, gpu + ".json"), "w") as fh:
            json.dump(prov, fh, indent=2, sort_keys=True)
            fh.write("\n")
        os.rename(staging, a.out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    print("%s: %d GEMM rows, %d prefill tables, %d decode tables (peak %.4g TFLOP/s, %s)" % (
        a.out, len(gemm_rows), len(prefill_rows), len(decode_rows), peak / 1e12, peak_source))
    if a.validate:
        return subprocess.call([a.validate, "validate-bench-data", a.out])
    return 0


def write_tables(root, gpu, dname, peak, gemm_rows, prefill_rows, decode_rows, clamp):
    """clamp: the peak is the best rate measured, so MFU <= 1 up to rounding."""
    def mfu(flops, t):
        v = flops / (t * 1e-6 * peak)
        return min(1.0, v) if clamp else v

    def path(*parts):
        p = os.path.join(root, *parts)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return p

    os.makedirs(root)
    if gemm_rows:
        with open(path("gemm", gpu, "data.csv"), "w") as fh:
            fh.write("m,k,n,latency_us,mfu\n")
            for (m, k, n), t, flops in sorted(gemm_rows, key=lambda r: (r[0][1], r[0][2], r[0][0])):
                fh.write(fmt_row((m, k, n), t, mfu(flops, t)))
    for (h, hkv, dh), rows in sorted(prefill_rows.items()):
        with open(path("mha", "prefill", gpu, "%d-%d-%d.csv" % (h, hkv, dh)), "w") as fh:
            fh.write("dtype,seq_len,latency_us,mfu\n")
            for s, t, flops in rows:
                fh.write(fmt_row((dname, s), t, mfu(flops, t)))
    for (h, hkv, dh, tp), rows in sorted(decode_rows.items()):
        if not rows:
            continue
        with open(path("mha", "decode", gpu, "%d-%d-%d-tp%d.csv" % (h, hkv, dh, tp)), "w") as fh:
            fh.write("dtype,kv_dtype,batch_size,kv_len,latency_us,mfu\n")
            for (b, kv), t, flops in sorted(rows):
                fh.write(fmt_row((dname, dname, b, kv), t, mfu(flops, t)))


def driver_version():
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30)
        return out.stdout.strip().splitlines()[0] if out.returncode == 0 and out.stdout.strip() else None
    except (OSError, subprocess.SubprocessError):
        return None


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.stderr.write("blis_bench.py: interrupted; nothing written\n")
        sys.exit(130)
