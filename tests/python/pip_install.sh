#!/bin/sh
# tests/python/pip_install.sh - `pip install ./python` into a fresh virtual
# environment (no network: the in-tree build backend needs nothing), then the
# README's one-liner from another directory, its figure equal to the CLI's.
# Skips, saying so, where python3 -m venv is not available.
set -eu
root=$(pwd)
venv="$root/build/pyvenv"
rm -rf "$venv"
if ! python3 -m venv "$venv" >/dev/null 2>&1 || [ ! -x "$venv/bin/pip" ]; then
    echo "test-python: SKIP pip install (python3 -m venv with pip is not available here; Debian: python3-venv)"
    exit 0
fi
"$venv/bin/pip" install --no-index --quiet "$root/python"
got=$(cd / && "$venv/bin/python" -c "import blis_sim; print(blis_sim.run(model='meta-llama/llama-3.1-8b-instruct', rate=4, num_requests=200)['ttft_mean_ms'])" 2>/dev/null)
want=$(cd / && BLIS_DATA_DIR="$root/data" "$root/simulation_worker" run --json --model meta-llama/llama-3.1-8b-instruct --rate 4 --num-requests 200 2>/dev/null |
    python3 -c "import json, sys; print(json.load(sys.stdin)['ttft_mean_ms'])")
if [ -z "$got" ] || [ "$got" != "$want" ]; then
    echo "test-python: FAIL pip-installed blis_sim.run gives '$got', the CLI '$want'"
    exit 1
fi
# the package's own simulation_worker runs the C search (no checkout on the path from /)
found=$(cd / && env -u BLIS_DATA_DIR PATH=/usr/bin:/bin "$venv/bin/python" -c "import blis_sim; r = blis_sim.search(slo='ttft_p99<500ms', model='meta-llama/llama-3.1-8b-instruct', num_requests=200); print(r[0]['verdict'], r[0]['max_rate'] > 1)" 2>&1)
if [ "$found" != "met True" ]; then
    echo "test-python: FAIL pip-installed blis_sim.search gives '$found'"
    exit 1
fi
echo "test-python: pip install ./python ok (ttft_mean_ms $got, equal to the CLI; search over the bundled tool)"
