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
(ground_truth=FILE, id=[...], max_requests=N). sweep(axis, values, **options) runs one simulation per
value. Errors raise BlisError with blis's message.

The work is done by libblis-sim (blis.h compiled as a shared library),
called through ctypes: the package's own copy, else $BLIS_SIM_LIBRARY. The
bundled data (defaults, GPU and model configs) is the package's, else
$BLIS_DATA_DIR.
"""
import ctypes
import json
import os

__all__ = ["run", "step", "evaluate", "sweep", "BlisError", "__version__"]
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
        lib.blis_binding_call.restype = ctypes.c_void_p
        lib.blis_binding_call.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
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
    lib = _load()
    status = ctypes.c_int(0)
    err = ctypes.create_string_buffer(4096)
    data_dir = _data_dir()
    text = json.dumps(options)
    ptr = lib.blis_binding_call(command.encode(), text.encode(), data_dir.encode() if data_dir else None,
                                ctypes.byref(status), err, len(err))
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


def sweep(axis, values, **options):
    """run() for each value of one option (e.g. sweep("rate", [1, 2, 4], model=...)); a list of dicts."""
    return [run(**dict(options, **{axis: v})) for v in values]
