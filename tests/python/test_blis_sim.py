"""tests/python/test_blis_sim.py - the Python package (python/blis_sim) over
libblis-sim: run() equals `simulation_worker run --json` for the same
options, step() equals `simulation_worker step`, sweep() runs each value,
bad options raise BlisError with blis's message. Run from the repository
root after `make shared` (make test-python); the last line is
"python: N passed, N failed"."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.getcwd(), "python"))
os.environ.setdefault("BLIS_SIM_LIBRARY", os.path.join(os.getcwd(), "build", "libblis-sim.so"))
os.environ["BLIS_DATA_DIR"] = "data"  # the CLI below is given the same, so file paths print alike

import blis_sim  # noqa: E402

passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL " + what)


def cli(*args):
    out = subprocess.run(["./simulation_worker"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         check=True, env=dict(os.environ, BLIS_DATA_DIR="data"))
    return json.loads(out.stdout)


# run(): the CLI's figures, to the last digit
got = blis_sim.run(model="meta-llama/llama-3.1-8b-instruct", rate=4, num_requests=200, log="error")
want = cli("run", "--json", "--log", "error", "--model", "meta-llama/llama-3.1-8b-instruct", "--rate", "4",
           "--num-requests", "200")
check(got == want, "run() equals run --json: %r vs %r" % (got.get("ttft_mean_ms"), want.get("ttft_mean_ms")))
check(got["completed_requests"] == 200, "200 requests completed")
check(got["ttft_mean_ms"] > 0 and got["itl_mean_ms"] > 0, "latencies are positive")

# options of every kind: lists, booleans, strings, SLOs, several instances
got = blis_sim.run(model="meta-llama/llama-3.1-8b-instruct", hardware="H100", tp=1, rate=10, num_requests=100,
                   alpha_coeffs=[232.46191091038054, 1.752360364195244, 3357.4400353290152],
                   beta_coeffs=[5752.705191348184, 17.25086436834028, 5.999143920128404], total_kv_blocks=7463,
                   num_instances=2, routing_policy="least-loaded", slo="ttft_p99<500ms", quiet=True)
want = cli("run", "--json", "--model", "meta-llama/llama-3.1-8b-instruct", "--hardware", "H100", "--tp", "1",
           "--rate", "10", "--num-requests", "100",
           "--alpha-coeffs", "232.46191091038054,1.752360364195244,3357.4400353290152",
           "--beta-coeffs", "5752.705191348184,17.25086436834028,5.999143920128404", "--total-kv-blocks", "7463",
           "--num-instances", "2", "--routing-policy", "least-loaded", "--slo", "ttft_p99<500ms", "--quiet")
check(got == want, "blackbox, 2 instances and an SLO equal the CLI")
check(got["latency_model"] == "blackbox" and len(got["instances"]) == 2, "blackbox with two instance blocks")
check(isinstance(got["slo_pass"], bool), "slo_pass is a bool")

# step()
got = blis_sim.step(model="qwen3-14b", hardware="H100", tp=2, prefill=["100+900"], decode=["4096x32"])
want = cli("step", "--model", "qwen3-14b", "--hardware", "H100", "--tp", "2", "--prefill", "100+900", "--decode",
           "4096x32")
check(got == want, "step() equals simulation_worker step")

# evaluate(): a small ground-truth file of our own (its record has no trace: skipped, named)
with open("build/py_gt.json", "w") as f:
    json.dump({"records": [{"id": "only", "model": "m/n"}]}, f)
try:
    blis_sim.evaluate(ground_truth="build/py_gt.json", id=["nope"])
    check(False, "no error for an unknown --id")
except blis_sim.BlisError as e:
    check("--id nope: no such record" in str(e), "evaluate error: %s" % e)
got = blis_sim.evaluate(ground_truth="build/py_gt.json")
check(got["experiments_run"] == 0 and got["experiments_skipped"][0]["id"] == "only", "evaluate lists the skipped")
os.remove("build/py_gt.json")

# sweep()
rows = blis_sim.sweep("rate", [2, 8], model="meta-llama/llama-3.1-8b-instruct", num_requests=50, log="error")
check(len(rows) == 2 and rows[0]["rate"] == 2 and rows[1]["rate"] == 8, "sweep() runs each value")
check(rows[1]["tokens_per_sec"] > rows[0]["tokens_per_sec"], "more load, more throughput")

# errors
for options, fragment in [({"model": "meta-llama/llama-3.1-8b-instruct", "rate": "fast"}, "--rate: expected a number"),
                          ({"model": "meta-llama/llama-3.1-8b-instruct", "colour": 1}, 'unknown run option "colour"'),
                          ({"rate": 1}, "LLM name not provided"),
                          ({"model": "meta-llama/llama-3.1-8b-instruct", "scheduler": "lottery"}, "Unknown scheduler")]:
    try:
        blis_sim.run(**options)
        check(False, "no error for %r" % options)
    except blis_sim.BlisError as e:
        check(fragment in str(e), "error for %r names the problem: %s" % (options, e))
        check(e.status > 0, "a status code")
try:
    blis_sim.step(model="qwen3-14b", prefill=["100"])
    check(False, "no error for a bad step")
except blis_sim.BlisError as e:
    check("step needs --hardware GPU" in str(e), "step error: %s" % e)

print("python: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
