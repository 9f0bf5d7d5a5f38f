"""In-tree PEP 517 build backend for blis-sim (no setuptools, no network).

build_wheel compiles ../tools/libblis_sim.c (blis.h and blis_fetch.h) into
libblis-sim.so and the simulation_worker tool (../tools: its units, for
sweep, search, pareto and report) with $CC (else cc) and writes a wheel
holding the package, the library, the tool and the bundled data (../data:
defaults, hardware and model configs, GPU prices). The wheel is tagged for
this platform.
"""
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile

NAME = "blis_sim"
DIST = "blis_sim"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _version():
    with open(os.path.join(ROOT, "blis.h"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#define BLIS_VERSION "):
                return line.split('"')[1]
    raise RuntimeError("blis.h: no BLIS_VERSION")


def _tag():
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return "py3-none-" + plat


def _compile(out_path):
    src = os.path.join(ROOT, "tools", "libblis_sim.c")
    if not os.path.exists(src):
        raise RuntimeError("blis-sim: %s is missing; install from the blis repository (pip install ./python)" % src)
    cc = os.environ.get("CC", "cc")
    cmd = [cc, "-std=c99", "-O2", "-ffp-contract=off", "-fPIC", "-shared",
           "-Wl,-soname,libblis-sim.so.0", "-o", out_path, src, "-lm"]
    print("blis-sim: " + " ".join(cmd), file=sys.stderr)
    subprocess.check_call(cmd)


def _compile_tool(out_path):
    tools = os.path.join(ROOT, "tools")
    units = ["simulation_worker.c", "sw_common.c", "sw_engine.c", "sw_plan.c", "sw_eval.c", "sw_tools.c",
             "cli_common.c", "blis_impl.c"]
    srcs = [os.path.join(tools, u) for u in units]
    missing = [p for p in srcs if not os.path.exists(p)]
    if missing:
        raise RuntimeError("blis-sim: %s is missing; install from the blis repository (pip install ./python)"
                           % missing[0])
    cc = os.environ.get("CC", "cc")
    cmd = [cc, "-std=c99", "-O2", "-ffp-contract=off", "-o", out_path] + srcs + ["-lm"]
    print("blis-sim: " + " ".join(cmd), file=sys.stderr)
    subprocess.check_call(cmd)


def _metadata(version):
    return ("Metadata-Version: 2.1\nName: blis-sim\nVersion: %s\n"
            "Summary: blis: LLM inference serving simulator (TTFT, ITL, E2E, throughput) from Python\n"
            "License: Apache-2.0\nRequires-Python: >=3.7\n" % version)


def _record_hash(data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "sha256=" + digest


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    version = _version()
    info = "%s-%s.dist-info" % (DIST, version)
    os.makedirs(os.path.join(metadata_directory, info), exist_ok=True)
    with open(os.path.join(metadata_directory, info, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_metadata(version))
    return info


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    version = _version()
    tag = _tag()
    info = "%s-%s.dist-info" % (DIST, version)
    files = []  # (archive name, bytes)
    tmp = tempfile.mkdtemp(prefix="blis-sim-build-")
    try:
        lib = os.path.join(tmp, "libblis-sim.so")
        _compile(lib)
        with open(lib, "rb") as f:
            files.append((NAME + "/libblis-sim.so", f.read()))
        tool = os.path.join(tmp, "simulation_worker")
        _compile_tool(tool)
        with open(tool, "rb") as f:
            files.append((NAME + "/simulation_worker", f.read()))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    pkg = os.path.join(HERE, NAME)
    for fn in sorted(os.listdir(pkg)):
        if fn.endswith(".py"):
            with open(os.path.join(pkg, fn), "rb") as f:
                files.append((NAME + "/" + fn, f.read()))
    data = os.path.join(ROOT, "data")
    for dirpath, dirnames, filenames in os.walk(data):
        dirnames.sort()
        for fn in sorted(filenames):
            path = os.path.join(dirpath, fn)
            rel = os.path.relpath(path, data).replace(os.sep, "/")
            with open(path, "rb") as f:
                files.append((NAME + "/data/" + rel, f.read()))
    files.append((info + "/METADATA", _metadata(version).encode()))
    files.append((info + "/WHEEL", ("Wheel-Version: 1.0\nGenerator: blis_sim_build\nRoot-Is-Purelib: false\n"
                                    "Tag: %s\n" % tag).encode()))
    record = "".join("%s,%s,%d\n" % (n, _record_hash(b), len(b)) for n, b in files)
    record += info + "/RECORD,,\n"
    files.append((info + "/RECORD", record.encode()))
    name = "%s-%s-%s.whl" % (DIST, version, tag)
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in files:
            zi = zipfile.ZipInfo(n, date_time=(2026, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            # a regular file's mode (pip makes a file executable only when S_IFREG and an x bit are set)
            zi.external_attr = (0o100755 if n.endswith((".so", "/simulation_worker")) else 0o100644) << 16
            z.writestr(zi, b)
    return name
