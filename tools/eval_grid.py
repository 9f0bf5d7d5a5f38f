"""Shared by the grid-fit tools (fit_expert_allreduce.py, fit_gpu_bandwidth.py, external_leave_one_out.py)."""
import os
import subprocess


def start_evaluate(ground_truth, hw_file, cache=None, extra=()):
    """`simulation_worker evaluate --ignore-traces --json` of a ground truth with a hardware file, started in the
    background (BLIS_MODEL_CACHE set to cache when given); read its JSON from the process's stdout."""
    env = dict(os.environ)
    if cache:
        env["BLIS_MODEL_CACHE"] = cache
    return subprocess.Popen(["./simulation_worker", "evaluate", "--ground-truth", ground_truth, "--ignore-traces",
                             "--json", "--hardware-config", hw_file] + list(extra), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env)
