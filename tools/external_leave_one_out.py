#!/usr/bin/env python3
"""Leave-one-model-out and leave-one-GPU-out errors of the constants fitted on the external development set.

Four of hardware_calibrated.json's constants were chosen on the public aiconfigurator set (data/README.md):
v1ExpertOverheadUs E, v1AllReduceLevelUs L and v1MoeLayerOverheadUs M (every GPU) and H200's BwEffConstant B. This
script evaluates the grids they were chosen from, record by record (`simulation_worker evaluate --ignore-traces
--json`, two at a time): every (E, L, M) on the records of the other GPUs, every (E, L, M, B) on H200's. Then, for each model (and each GPU), it
picks the grid point with the lowest mean of the E2E and TPOT mean errors over the records of the *other* models
(GPUs) and reports the held-out model's (GPU's) errors at that point, beside its errors at the shipped point (in
sample). A GPU left out has no B of its own: H200 held out runs at H100's fraction, as an unmeasured GPU would.
The (E, L, M) grid is a part of tools/fit_expert_allreduce.py's, every point within the shared records' bounds.

usage: tools/external_leave_one_out.py [--shared DIR] [-- EVALUATE-OPTIONS]   (from the repository root)
"""
import json
import os
import sys
import tempfile

from eval_grid import start_evaluate

EL_GRID = [(0.5, 2, 0), (0.25, 2, 15), (0, 2, 30), (0, 2, 40), (0, 2, 50), (0, 1, 45)]
B_GRID = [0.809, 0.66, 0.6, 0.565, 0.5]
SHIPPED = (0, 2, 40, 0.565)
H100_B = 0.8089024120586816


def run_all(jobs, extra, cache):
    """jobs: (key, hw dict, ground-truth path); returns key -> {id: result}."""
    out = {}
    for i in range(0, len(jobs), 2):
        procs = []
        for key, hw, gt, tmp in jobs[i:i + 2]:
            path = os.path.join(tmp, "hw_%d.json" % (i + len(procs)))
            with open(path, "w") as f:
                json.dump(hw, f)
            procs.append((key, start_evaluate(gt, path, cache, extra)))
        for key, p in procs:
            doc = json.loads(p.communicate()[0])
            out[key] = {r["id"]: r for r in doc["results"]}
        print("  evaluated %d of %d grid runs" % (min(i + 2, len(jobs)), len(jobs)), file=sys.stderr, flush=True)
    return out


def score(results):
    """(mean |E2E error|, mean |TPOT error|, n) of a list of results."""
    e = [abs(r["error_pct"]["e2e_mean"]) for r in results if r["error_pct"]["e2e_mean"] is not None]
    t = [abs(r["error_pct"]["itl_mean"]) for r in results if r["error_pct"]["itl_mean"] is not None]
    return (sum(e) / len(e) if e else float("nan"), sum(t) / len(t) if t else float("nan"), len(results))


def main(argv):
    shared, extra = "../shared", []
    if "--" in argv:
        extra, argv = argv[argv.index("--") + 1:], argv[:argv.index("--")]
    if len(argv) > 2 and argv[1] == "--shared":
        shared = argv[2]
    ext = os.path.join(shared, "groundtruth/external")
    records = json.load(open(os.path.join(ext, "aiconfigurator-vllm-dev.json")))["records"]
    base = json.load(open("data/hardware_calibrated.json"))
    with tempfile.TemporaryDirectory() as tmp:
        gts = {}
        for name, keep in (("other", lambda g: g != "H200"), ("h200", lambda g: g == "H200")):
            gts[name] = os.path.join(tmp, name + ".json")
            with open(gts[name], "w") as f:
                json.dump({"records": [r for r in records if keep(r.get("hardware", {}).get("blis_gpu"))]}, f)
        jobs = []
        for e, l, m in EL_GRID:
            for b in [None] + B_GRID:
                hw = json.loads(json.dumps(base))
                for entry in hw.values():
                    if isinstance(entry, dict):
                        entry["v1ExpertOverheadUs"], entry["v1AllReduceLevelUs"] = e, l
                        entry["v1MoeLayerOverheadUs"] = m
                if b is not None:
                    hw["H200"]["BwEffConstant"] = b
                jobs.append(((e, l, m, b), hw, gts["h200" if b is not None else "other"], tmp))
        res = run_all(jobs, extra, os.path.join(ext, "model_configs"))
    points = [(e, l, m, b) for e, l, m in EL_GRID for b in B_GRID]

    def results_at(point, keep):
        e, l, m, b = point
        rs = [r for r in res[(e, l, m, None)].values() if keep(r)]
        return rs + [r for r in res[(e, l, m, b)].values() if keep(r)]

    def best(keep):
        return min(points, key=lambda p: sum(score(results_at(p, keep))[:2]))

    def short(m):
        return m.split("/")[-1]

    print("held out | n | in sample E2E / TPOT | held out E2E / TPOT | point chosen without it (E, L, M, H200 B)")
    for axis, label in (("model", short), ("gpu", str)):
        for v in sorted({label(r[axis]) for r in res[SHIPPED[:3] + (None,)].values()} |
                        {label(r[axis]) for r in res[SHIPPED].values()}):
            held = lambda r, v=v: label(r[axis]) == v  # noqa: E731
            p = best(lambda r: not held(r))
            if axis == "gpu" and v == "H200":
                p = p[:3] + (None,)  # no fraction of its own: H100's, transferred
            ins = score(results_at(SHIPPED, held))
            if p[3] is None:
                out = score([r for r in res[p[:3] + (B_GRID[0],)].values() if held(r)])
                chosen = "%g, %g, %g, H100's %.3f" % (p[0], p[1], p[2], H100_B)
            else:
                out = score(results_at(p, held))
                chosen = "%g, %g, %g, %g" % p
            print("%s %s | %d | %.1f / %.1f | %.1f / %.1f | %s" % (axis, v, ins[2], ins[0], ins[1], out[0], out[1],
                                                                   chosen), flush=True)
    allr = score(results_at(SHIPPED, lambda r: True))
    print("all (shipped point) | %d | %.1f / %.1f" % (allr[2], allr[0], allr[1]))


if __name__ == "__main__":
    main(sys.argv)
