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

# sweep(): the C sweep (worker processes), its rows those of `simulation_worker sweep --format jsonl`
rows = blis_sim.sweep("rate", [2, 8], model="meta-llama/llama-3.1-8b-instruct", num_requests=50, log="error")
check(len(rows) == 2 and rows[0]["rate"] == 2 and rows[1]["rate"] == 8, "sweep() runs each value")
check(rows[1]["tokens_per_sec"] > rows[0]["tokens_per_sec"], "more load, more throughput")
grid = dict(rate=[2, 8, 16], tp=[1, 2], model="meta-llama/llama-3.1-8b-instruct", num_requests=200,
            slo="ttft_p99<300ms")
rows = blis_sim.sweep(jobs=2, **grid)
subprocess.run(["./simulation_worker", "sweep", "--rate", "2,8,16", "--tp", "1,2", "--model",
                "meta-llama/llama-3.1-8b-instruct", "--num-requests", "200", "--slo", "ttft_p99<300ms", "--jobs", "1",
                "--quiet", "--format", "jsonl", "--out", "build/py_sweep.jsonl"], check=True,
               env=dict(os.environ, BLIS_DATA_DIR="data"))
with open("build/py_sweep.jsonl") as f:
    want = [json.loads(line) for line in f]
check(rows == want, "sweep() rows equal the CLI's (jobs 2 against jobs 1)")
check([r["key"] for r in rows][:2] == ["rate=2 tp=1", "rate=2 tp=2"] and all(r["arrival"] == "poisson" for r in rows),
      "point order, Poisson arrivals")

# pareto() and report() over those rows (a list or the file)
front = blis_sim.pareto(rows)
want = subprocess.run(["./simulation_worker", "search", "pareto", "build/py_sweep.jsonl"], stdout=subprocess.PIPE,
                      check=True).stdout.decode()
check([r["key"] for r in front] == [json.loads(line)["key"] for line in want.splitlines()] and front,
      "pareto() is search pareto's front")
check(all(r["slo_pass"] for r in front), "the front meets the SLOs")
check(blis_sim.pareto("build/py_sweep.jsonl") == front, "pareto() of the file")
page = blis_sim.report(rows, out="build/py_report.html", title="py")
with open(page) as f:
    html = f.read()
check(html.startswith("<!DOCTYPE html>") and "Cheapest per output token" in html and "<svg" in html,
      "report() writes the page")

# search(): the C search; seeds
found = blis_sim.search(slo="ttft_p99<500ms", model="meta-llama/llama-3.1-8b-instruct", tp=[1, 2], num_requests=200,
                        seeds=2)
check([r["key"] for r in found] == ["tp=1", "tp=2"] and all(r["verdict"] == "met" for r in found), "search rows")
check(all(r["seeds"] == 2 and r["max_rate"] <= r["max_rate_highest"] for r in found), "search seeds")
check(found[1]["max_rate"] > found[0]["max_rate"], "TP 2 serves more than TP 1")
try:
    blis_sim.search(slo="ttft_p99<500ms", model="meta-llama/llama-3.1-8b-instruct", colour=1)
    check(False, "no error for an unknown search option")
except blis_sim.BlisError as e:
    check(e.status == 2 and "unknown option for search: --colour=1" in str(e), "search error: %s" % e)

# Ctrl-C: the sweep stops (its workers too), KeyboardInterrupt is raised, nothing is left behind
code = ("import blis_sim, tempfile, os\n"
        "try:\n"
        "    blis_sim.sweep(rate=[float(r) for r in range(1, 200)], model='meta-llama/llama-3.1-8b-instruct', "
        "num_requests=20000, jobs=2)\n"
        "except KeyboardInterrupt:\n"
        "    left = [d for d in os.listdir(tempfile.gettempdir()) if d.startswith('blis-sim-')]\n"
        "    print('interrupted', len(left))\n")
before = set(d for d in os.listdir("/tmp") if d.startswith("blis-sim-"))
import signal  # noqa: E402
import time  # noqa: E402


def _sigint_default():
    """A child gets Ctrl-C as a terminal gives it, even when these tests run with SIGINT ignored (a job started
    with & by a non-interactive shell, nohup): an ignored SIGINT is inherited, and Python then raises no
    KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        env=dict(os.environ, PYTHONPATH="python", BLIS_DATA_DIR="data"), preexec_fn=_sigint_default)
time.sleep(1.5)
proc.send_signal(signal.SIGINT)
try:
    out, err = proc.communicate(timeout=30)
    check(out.decode().startswith("interrupted"), "Ctrl-C raises KeyboardInterrupt: %r %r" % (out, err[-300:]))
except subprocess.TimeoutExpired:
    proc.kill()
    check(False, "Ctrl-C did not stop the sweep within 30 s")
after = set(d for d in os.listdir("/tmp") if d.startswith("blis-sim-"))
check(after <= before, "no temporary directory left: %r" % (after - before))
workers = subprocess.run(["pgrep", "-f", "num-requests=20000"], stdout=subprocess.PIPE).stdout.decode().split()
check(not workers, "no worker process left: %r" % workers)

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

# Ctrl-C during run(): the library's cancel flag stops the simulation at its next event; KeyboardInterrupt
code = ("import blis_sim, os, signal, threading, time\n"
        "threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()\n"
        "t = time.time()\n"
        "try:\n"
        "    blis_sim.run(model='meta-llama/llama-3.1-8b-instruct', rate=50, num_requests=3000000, quiet=True, "
        "log='error')\n"
        "    print('finished')\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted %.1f' % (time.time() - t))\n")
out = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120,
                     env=dict(os.environ, PYTHONPATH="python", BLIS_DATA_DIR="data"),
                     preexec_fn=_sigint_default).stdout.decode()
check(out.startswith("interrupted") and float(out.split()[1]) < 10, "Ctrl-C stops run(): %r" % out)

print("python: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
