"""examples/python/rate_sweep.py - a small rate sweep with blis from Python.

    pip install ./python            (or: make shared && make; PYTHONPATH=python)
    python3 examples/python/rate_sweep.py [MODEL]

One simulation per offered load (blis's C sweep, Poisson arrivals); a table
of latency, throughput and whether the SLOs hold, as a capacity planner
reads it.
"""
import sys

import blis_sim


def main():
    model = sys.argv[1] if len(sys.argv) > 1 else "meta-llama/llama-3.1-8b-instruct"
    rates = [1, 2, 4, 8, 16, 32, 64]
    rows = blis_sim.sweep("rate", rates, model=model, num_requests=300, slo="ttft_p99<500ms,itl_p99<50ms",
                          log="error")
    print("%-8s %12s %12s %12s %12s %8s" % ("rate/s", "ttft_p99_ms", "itl_mean_ms", "e2e_p99_ms", "tokens/s", "SLO"))
    for rate, r in zip(rates, rows):
        print("%-8g %12.2f %12.2f %12.1f %12.1f %8s" % (rate, r["ttft_p99_ms"], r["itl_mean_ms"], r["e2e_p99_ms"],
                                                         r["tokens_per_sec"], "pass" if r["slo_pass"] else "fail"))
    passing = [rate for rate, r in zip(rates, rows) if r["slo_pass"]]
    print("highest rate within the SLOs: %s" % (passing[-1] if passing else "none"))


if __name__ == "__main__":
    main()
