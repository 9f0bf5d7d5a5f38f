#!/bin/sh
# submit.sh - run the kernel benchmarks as a Kubernetes (kubectl) or
# OpenShift (oc) Job on a GPU node and copy the bench_data/ tables back.
#
#   tools/bench/k8s/submit.sh --out DIR [--gpu-product NAME] [--image IMAGE]
#       [--namespace NS] [--cli kubectl|oc] [--name JOB] [--timeout SECONDS]
#       [--dry-run] [-- blis_bench.py args...]
#
# --dry-run prints the manifests and every command it would run, and runs
# nothing. Exit status: 0 done, 2 bad arguments, 1 a cluster step failed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out="" cli="" ns="" dry=0 timeout=7200
name="blis-bench-$(date -u +%Y%m%d%H%M%S)"
gpu_product="NVIDIA-H100-80GB-HBM3"
image="pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime"

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "submit.sh: error: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
    case "$1" in
        --out) [ $# -ge 2 ] || die "--out needs a value"; out=$2; shift 2 ;;
        --gpu-product) [ $# -ge 2 ] || die "--gpu-product needs a value"; gpu_product=$2; shift 2 ;;
        --image) [ $# -ge 2 ] || die "--image needs a value"; image=$2; shift 2 ;;
        --namespace) [ $# -ge 2 ] || die "--namespace needs a value"; ns=$2; shift 2 ;;
        --cli) [ $# -ge 2 ] || die "--cli needs a value"; cli=$2; shift 2 ;;
        --name) [ $# -ge 2 ] || die "--name needs a value"; name=$2; shift 2 ;;
        --timeout) [ $# -ge 2 ] || die "--timeout needs a value"; timeout=$2; shift 2 ;;
        --dry-run) dry=1; shift ;;
        -h|--help) usage; exit 0 ;;
        --) shift; break ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
done
bench_args="$*"

[ -n "$out" ] || die "missing --out DIR (where the bench_data tables go)"
[ ! -e "$out" ] || die "$out already exists; the tables go to a new folder"
case "$timeout" in ''|*[!0-9]*) die "--timeout expects seconds, got '$timeout'" ;; esac
case "$name" in *[!a-z0-9-]*|'') die "--name must be lower-case letters, digits and '-', got '$name'" ;; esac
if [ -z "$cli" ]; then
    if command -v oc >/dev/null 2>&1; then cli=oc; else cli=kubectl; fi
fi
case "$cli" in kubectl|oc) ;; *) die "--cli must be kubectl or oc, got '$cli'" ;; esac
[ $dry -eq 1 ] || command -v "$cli" >/dev/null 2>&1 || die "$cli not found on PATH"
nsflag=""
[ -z "$ns" ] || nsflag="--namespace=$ns"

# The manifest with the placeholders filled in (no envsubst needed).
manifest=$(sed -e "s|\${JOB_NAME}|$name|g" -e "s|\${GPU_PRODUCT}|$gpu_product|g" \
    -e "s|\${IMAGE}|$image|g" -e "s|\${BENCH_ARGS}|$bench_args|g" \
    -e "s|\${KEEP_SECONDS}|$timeout|g" "$here/job.yaml")

# The ConfigMap: the script and each bundled model config.
set -- --from-file="blis_bench.py=$root/tools/bench/blis_bench.py"
for f in "$root"/data/model_configs/*/config.json; do
    m=$(basename "$(dirname "$f")")
    set -- "$@" --from-file="$m.config.json=$f"
done

run() {
    if [ $dry -eq 1 ]; then echo "+ $*"; else "$@"; fi
}

if [ $dry -eq 1 ]; then
    echo "# manifest ($cli apply -f -):"
    echo "$manifest"
fi
run "$cli" $nsflag create configmap "$name-src" "$@"
if [ $dry -eq 1 ]; then
    echo "+ $cli $nsflag apply -f - <<manifest"
else
    echo "$manifest" | "$cli" $nsflag apply -f -
fi
run "$cli" $nsflag wait --for=condition=Ready "pod" -l "job-name=$name" --timeout=600s
# Wait for the DONE marker, then copy the tables out while the pod sleeps.
if [ $dry -eq 1 ]; then
    echo "+ (poll) $cli $nsflag exec job/$name -- test -f /results/DONE   every 30 s, at most $timeout s"
else
    waited=0
    until "$cli" $nsflag exec "job/$name" -- test -f /results/DONE 2>/dev/null; do
        if ! "$cli" $nsflag get pods -l "job-name=$name" -o jsonpath='{.items[0].status.phase}' | grep -q Running; then
            echo "submit.sh: error: the benchmark pod stopped; its log:" >&2
            "$cli" $nsflag logs "job/$name" >&2 || true
            exit 1
        fi
        [ "$waited" -lt "$timeout" ] || { echo "submit.sh: error: timed out after $timeout s" >&2; exit 1; }
        sleep 30; waited=$((waited + 30))
    done
fi
pod_cmd="$cli $nsflag get pods -l job-name=$name -o jsonpath={.items[0].metadata.name}"
if [ $dry -eq 1 ]; then
    echo "+ $cli $nsflag cp <pod from: $pod_cmd>:/results/bench_data $out.partial"
    echo "+ mv $out.partial $out"
else
    pod=$($pod_cmd)
    "$cli" $nsflag cp "$pod:/results/bench_data" "$out.partial"
    mv "$out.partial" "$out"
fi
run "$cli" $nsflag delete job "$name" --wait=false
run "$cli" $nsflag delete configmap "$name-src"
[ $dry -eq 1 ] || echo "submit.sh: tables in $out (check them: simulation_worker validate-bench-data $out)"
