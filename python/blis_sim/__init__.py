"""blis_sim: the blis LLM inference serving simulator from Python.

    >>> import blis_sim
    >>> r = blis_sim.run(model="meta-llama/llama-3.1-8b-instruct", rate=4, num_requests=200)
    >>> r["ttft_mean_ms"], r["itl_mean_ms"], r["tokens_per_sec"]

run(**options) takes the options of `simulation_worker run` by name (the
flag without its dashes, "_" for "-": num_requests, total_kv_blocks,
alpha_coeffs=[...], slo="ttft_p99<500ms", ...) and returns the document
`run --json` prints (every metric, capacity and cost, the SLO verdict).
step(**options) is `simulation_worker step` (prefill=["0+2048"],
decode=["512x8"]); evaluate(**options) is `simulation_worker evaluate`
(ground_truth=FILE, id=[...], max_requests=N). Errors raise BlisError with blis's message.

Capacity planning runs the C implementations of `simulation_worker sweep`,
`search`, `search pareto` and `report` (worker processes, not a Python
loop), each returning what the command writes:

    >>> rows = blis_sim.sweep(rate=[2, 4, 8], tp=[1, 2], model="meta-llama/llama-3.1-8b-instruct", jobs=2)
    >>> best = blis_sim.search(slo="ttft_p99<500ms,itl_mean<50ms", hardware=["H100", "A100-80"],
    ...                        model="meta-llama/llama-3.1-8b-instruct", seeds=3)
    >>> front = blis_sim.pareto(rows)
    >>> blis_sim.report(rows, out="report.html")

A list or tuple value is an axis of the grid (its values comma-joined),
anything else a flag for every point; sweep(axis, values, **options) is
sweep(**{axis: values}, **options). Rows are dicts (the JSON Lines rows:
key, status, error, the axes, then the `run --json` fields; search adds
verdict, max_rate, binding, ...). sweep and search load the server with
Poisson arrivals unless an option says otherwise (run keeps the evenly
spaced ones). Ctrl-C stops the command (its worker processes too) and raises
KeyboardInterrupt; nothing half-written is left. Ctrl-C during run() or
evaluate() stops the simulation at its next event (the library's cancel
flag) and raises KeyboardInterrupt. The tool is the package's
own simulation_worker, else $BLIS_SIM_TOOL, else the repository's
./simulation_worker, else one on PATH.

The work is done by libblis-sim (blis.h compiled as a shared library),
called through ctypes: the package's own copy, else $BLIS_SIM_LIBRARY. The
bundled data (defaults, GPU and model configs) is the package's, else
$BLIS_DATA_DIR.
"""
import ctypes
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading

__all__ = ["run", "step", "evaluate", "sweep", "search", "pareto", "report", "BlisError", "__version__"]
__version__ = "0.1.0"

_HERE = os.path.dirname(os.path.abspath(__file__))
_lib = None


class BlisError(Exception):
    """A blis error: .status is blis's status code, str() its message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _library_path():
    env = os.environ.get("BLIS_SIM_LIBRARY")
    if env:
        return env
    own = os.path.join(_HERE, "libblis-sim.so")
    if os.path.exists(own):
        return own
    tree = os.path.join(_HERE, "..", "..", "build", "libblis-sim.so")  # a repository checkout after `make shared`
    if os.path.exists(tree):
        return os.path.normpath(tree)
    raise BlisError(-1, "libblis-sim.so not found: install with `pip install ./python`, or run `make shared` and "
                        "set BLIS_SIM_LIBRARY")


def _load():
    global _lib
    if _lib is None:
        lib = ctypes.CDLL(_library_path())
        lib.blis_binding_call_cancel.restype = ctypes.c_void_p
        lib.blis_binding_call_cancel.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                                                 ctypes.POINTER(ctypes.c_int),  # sig_atomic_t: an int here
                                                 ctypes.POINTER(ctypes.c_int), ctypes.c_char_p, ctypes.c_size_t]
        lib.blis_binding_free.restype = None
        lib.blis_binding_free.argtypes = [ctypes.c_void_p]
        _lib = lib
    return _lib


def _data_dir():
    env = os.environ.get("BLIS_DATA_DIR")
    if env:
        return env
    own = os.path.join(_HERE, "data")
    if os.path.exists(os.path.join(own, "hardware_config.json")):
        return own
    tree = os.path.normpath(os.path.join(_HERE, "..", "..", "data"))
    return tree if os.path.exists(os.path.join(tree, "hardware_config.json")) else None


def _call(command, options):
    """One library call in a thread (ctypes releases the GIL), so that Ctrl-C reaches Python: it sets the call's
    cancel flag, the run stops at its next event, and KeyboardInterrupt is raised."""
    lib = _load()
    status = ctypes.c_int(0)
    cancel = ctypes.c_int(0)
    err = ctypes.create_string_buffer(4096)
    data_dir = _data_dir()
    text = json.dumps(options)
    result = {}

    def call():
        result["ptr"] = lib.blis_binding_call_cancel(command.encode(), text.encode(),
                                                     data_dir.encode() if data_dir else None, ctypes.byref(cancel),
                                                     ctypes.byref(status), err, len(err))

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.1)
    except KeyboardInterrupt:
        cancel.value = 1
        worker.join()
        if result.get("ptr"):
            lib.blis_binding_free(result["ptr"])
        raise
    ptr = result.get("ptr")
    if not ptr:
        raise BlisError(status.value, err.value.decode("utf-8", "replace"))
    try:
        doc = ctypes.string_at(ptr).decode("utf-8")
    finally:
        lib.blis_binding_free(ptr)
    return json.loads(doc)


def run(**options):
    """One simulation; the `run --json` document as a dict."""
    return _call("run", options)


def step(**options):
    """One step's time (roofline); the `step` document as a dict."""
    return _call("step", options)


def evaluate(**options):
    """blis against real vLLM runs (ground_truth="groundtruth.json", id=[...], max_requests=...); the `evaluate
    --json` document as a dict."""
    return _call("evaluate", options)


def _tool_path():
    own = os.path.join(_HERE, "simulation_worker")
    if os.access(own, os.X_OK):
        return own
    env = os.environ.get("BLIS_SIM_TOOL")
    if env:
        return env
    tree = os.path.normpath(os.path.join(_HERE, "..", "..", "simulation_worker"))  # a repository checkout after `make`
    if os.access(tree, os.X_OK):
        return tree
    found = shutil.which("simulation_worker")
    if found:
        return found
    raise BlisError(-1, "simulation_worker not found: install with `pip install ./python`, run `make`, or set "
                        "BLIS_SIM_TOOL")


def _flags(options):
    """Options by name into flags: a list or tuple is an axis (comma-joined), True a bare flag, False and None
    nothing."""
    args = []
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            if not value:
                raise BlisError(2, "%s: an empty list of values" % flag)
            args.append("%s=%s" % (flag, ",".join(_text(v) for v in value)))
        else:
            args.append("%s=%s" % (flag, _text(value)))
    return args


def _text(value):
    text = repr(value) if isinstance(value, float) else str(value)
    if "\n" in text or "\0" in text:
        raise BlisError(2, "a value holds a line end or a NUL: %r" % (value,))
    return text


def _tool(args):
    """Runs simulation_worker with args; its stdout. A failure raises BlisError (its exit status, the last lines of
    its stderr); Ctrl-C interrupts it as it would at a terminal (it cleans up) and re-raises."""
    env = dict(os.environ)
    data_dir = _data_dir()
    if data_dir and "BLIS_DATA_DIR" not in env:
        env["BLIS_DATA_DIR"] = data_dir
    proc = subprocess.Popen([_tool_path()] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        out, err = proc.communicate()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)  # the tool stops its workers and removes what it had not finished
        proc.communicate()
        raise
    if proc.returncode != 0:
        lines = [l for l in err.decode("utf-8", "replace").splitlines() if l.strip()]
        raise BlisError(proc.returncode, "\n".join(lines[-5:]) or "simulation_worker exited %d" % proc.returncode)
    return out.decode("utf-8", "replace")


def _rows_of(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _plan(command, options):
    tmp = tempfile.mkdtemp(prefix="blis-sim-")
    try:
        out = os.path.join(tmp, "rows.jsonl")
        _tool([command, "--quiet", "--out", out, "--format", "jsonl"] + _flags(options))
        return _rows_of(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def sweep(axis=None, values=None, jobs=None, grid=None, **options):
    """`simulation_worker sweep`: every point of the grid (list-valued options are axes; grid=FILE adds a grid
    file's), run by jobs worker processes (default: one per CPU); the rows as dicts, in point order.
    sweep("rate", [1, 2, 4], model=...) is sweep(rate=[1, 2, 4], model=...)."""
    if axis is not None:
        if values is None:
            raise BlisError(2, "sweep(axis, values): values missing")
        options[axis] = list(values)
    return _plan("sweep", dict(options, jobs=jobs, grid=grid))


def search(slo, jobs=None, grid=None, **options):
    """`simulation_worker search`: per configuration (list-valued options are axes, never rate), the highest rate
    meeting the SLOs in steady state; target_rate=R, seeds=K, tolerance=F, rate_max=R as the flags. The rows as
    dicts (verdict, max_rate, fail_rate, binding, requests, settled, seeds, max_rate_median, ..., then the run at
    max_rate)."""
    return _plan("search", dict(options, slo=slo, jobs=jobs, grid=grid))


def _rows_file(rows, tmp):
    if isinstance(rows, (str, os.PathLike)):
        return os.fspath(rows)
    path = os.path.join(tmp, "rows.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    return path


def pareto(rows):
    """`simulation_worker search pareto`: the rows (a list of sweep rows, or a sweep output file) on the Pareto
    front of tokens/s per GPU against tokens/s per user, rows failing their SLOs left out."""
    tmp = tempfile.mkdtemp(prefix="blis-sim-")
    try:
        src = _rows_file(rows, tmp)
        out = os.path.join(tmp, "front.jsonl")
        _tool(["search", "pareto", src, "--out", out])
        return _rows_of(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def report(rows, out, title=None):
    """`simulation_worker report`: one self-contained HTML page of sweep or search rows (a list, or an output
    file) written to out; returns out."""
    tmp = tempfile.mkdtemp(prefix="blis-sim-")
    try:
        args = ["report", _rows_file(rows, tmp), "--out", os.fspath(out)]
        if title is not None:
            args += ["--title", _text(title)]
        _tool(args)
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
