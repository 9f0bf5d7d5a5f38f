#!/usr/bin/env python3
"""Grid fit of one GPU's BwEffConstant (data/README.md, hardware_calibrated.json) on its external records.

For each value B, the GPU's entry of data/hardware_calibrated.json gets BwEffConstant = B (every other constant and
every other GPU as shipped), and `simulation_worker evaluate --ignore-traces` runs the external development set's
records measured on that GPU (hardware.blis_gpu) with it, two points at a time. Prints each point's mean (median)
absolute TTFT, E2E and TPOT errors and the median signed TPOT error; the shipped value is the one with the lowest
mean of the E2E and TPOT means. Extra evaluate options (e.g. --kv-cache-dtype fp8:fp8) follow `--`.

usage: tools/fit_gpu_bandwidth.py [--shared DIR] GPU B [B ...] [-- EVALUATE-OPTIONS]   (from the repository root)
"""
import json
import os
import statistics
import sys
import tempfile

from eval_grid import start_evaluate


def row(value, d):
    signed = [r["error_pct"]["itl_mean"] for r in d["results"] if r["error_pct"]["itl_mean"] is not None]
    cols = " ".join("%s %.1f (%.1f)" % (k.split("_")[0], d["mape"][k], d["median_ape"][k])
                    for k in ("ttft_mean", "e2e_mean", "itl_mean"))
    return "BwEffConstant=%g (%d run): %s, TPOT signed median %+.1f%%, E2E+TPOT %.2f" % (
        value, d["experiments_run"], cols, statistics.median(signed) if signed else float("nan"),
        (d["mape"]["e2e_mean"] + d["mape"]["itl_mean"]) / 2)


def main(argv):
    shared = "../shared"
    extra = []
    if "--" in argv:
        extra, argv = argv[argv.index("--") + 1:], argv[:argv.index("--")]
    if len(argv) > 2 and argv[1] == "--shared":
        shared, argv = argv[2], argv[:1] + argv[3:]
    if len(argv) < 3:
        sys.exit(__doc__)
    gpu, values = argv[1], [float(x) for x in argv[2:]]
    ext = os.path.join(shared, "groundtruth/external")
    doc = json.load(open(os.path.join(ext, "aiconfigurator-vllm-dev.json")))
    records = [r for r in doc["records"] if r.get("hardware", {}).get("blis_gpu") == gpu]
    if not records:
        sys.exit("no external record measured on %s" % gpu)
    base = json.load(open("data/hardware_calibrated.json"))
    if gpu not in base:
        sys.exit("no %s entry in data/hardware_calibrated.json" % gpu)
    with tempfile.TemporaryDirectory() as tmp:
        gt = os.path.join(tmp, "gt.json")
        with open(gt, "w") as f:
            json.dump({"records": records}, f)
        for i in range(0, len(values), 2):
            procs = []
            for b in values[i:i + 2]:
                hw = json.loads(json.dumps(base))
                hw[gpu]["BwEffConstant"] = b
                path = os.path.join(tmp, "hw_%g.json" % b)
                with open(path, "w") as f:
                    json.dump(hw, f)
                procs.append((b, start_evaluate(gt, path, os.path.join(ext, "model_configs"), extra)))
            for b, p in procs:
                out, _ = p.communicate()
                print(row(b, json.loads(out)), flush=True)


if __name__ == "__main__":
    main(sys.argv)
