"""The peephole LSTM's time loops in C: compiled at first use, cached, loaded with ctypes.

``_peephole_loops.c`` fuses each time step into one matrix product and one
pass of gate arithmetic. It is compiled for this machine (``-march=native``)
by the system C compiler the first time a float32 peephole LSTM runs on the
CPU, into a cache directory keyed by the source, the flags, the compiler and
the processor, and loaded with ``ctypes``. Its matrix products call the BLAS
``sgemm`` that PyTorch's own CPU library exports (Intel MKL in the x86-64
wheels), so they are the products ``torch.mm`` computes.

Where any of this is missing (no compiler, no exported ``sgemm``, a failed
self-check) or ``SKLSTM_NATIVE=0`` is set, :func:`loops` gives None and the
peephole LSTM runs its PyTorch loop: the same results, slower. The C loops
are used for float32 CPU tensors only; float64 and CUDA use the PyTorch loop.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import torch

__all__ = ["native_loops_available"]

SOURCE = Path(__file__).with_name("_peephole_loops.c")
FLAGS = ("-O3", "-march=native", "-fopenmp", "-fno-math-errno", "-fno-trapping-math", "-shared", "-fPIC")
_INT, _PTR = ctypes.c_int, ctypes.c_void_p
_SIGNATURES = {
    "sklstm_set_sgemm": [_PTR],
    "sklstm_sigmoid": [ctypes.c_int64, _PTR, _PTR],
    "sklstm_peephole_forward": [_INT] * 5 + [_PTR] * 6 + [_INT, _PTR, _INT],
    "sklstm_peephole_backward": [_INT] * 5 + [_PTR] * 16 + [_INT],
    "sklstm_matmul_t": [_INT] * 3 + [_PTR] * 3,
}

_lock = threading.Lock()
_state: dict = {}


def _sgemm_address():
    """Address of the Fortran ``sgemm`` exported by PyTorch's CPU library, or None."""
    lib_dir = Path(torch.__file__).parent / "lib"
    for name in ("libtorch_cpu.so", "libtorch_cpu.dylib"):
        if (lib_dir / name).exists():
            lib = ctypes.CDLL(str(lib_dir / name))
            for symbol in ("SGEMM", "sgemm_"):
                if hasattr(lib, symbol):
                    return ctypes.cast(getattr(lib, symbol), ctypes.c_void_p).value
    return None


def _processor():
    """What identifies this processor for ``-march=native``: model and feature flags."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() + platform.machine()
    lines = [line for line in text.splitlines() if line.startswith(("model name", "flags", "Features"))]
    return "\n".join(dict.fromkeys(lines))  # the first core's; all cores alike


def _compiler():
    """The C compiler: $CC, else cc or gcc on the PATH, or None."""
    for name in (os.environ.get("CC"), "cc", "gcc"):
        if name and shutil.which(name.split()[0]):
            return name.split()
    return None


def cache_dir() -> Path:
    """Where the compiled loops are kept: $SKLSTM_CACHE_DIR, else ~/.cache/sklstm."""
    if os.environ.get("SKLSTM_CACHE_DIR"):
        return Path(os.environ["SKLSTM_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sklstm"


def _build(compiler):
    """Path of the compiled loops for this source, compiler and processor (compiled if absent)."""
    version = subprocess.run([*compiler, "--version"], capture_output=True, text=True, timeout=60).stdout
    key = hashlib.sha256(
        "\0".join([SOURCE.read_text(), " ".join(FLAGS), version, _processor(), sys.platform]).encode()
    ).hexdigest()[:16]
    target = cache_dir() / f"peephole_loops_{key}.so"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(suffix=".so", dir=target.parent)
        os.close(handle)
        try:
            subprocess.run([*compiler, *FLAGS, str(SOURCE), "-o", partial],
                           check=True, capture_output=True, timeout=300)
            os.replace(partial, target)  # atomic: other processes see all of it or nothing
        finally:
            if os.path.exists(partial):
                os.remove(partial)
    return target


def _self_check(lib):
    """The loaded loops compute a sigmoid and a product as PyTorch does."""
    x = torch.linspace(-30.0, 30.0, 101)
    y = torch.empty_like(x)
    lib.sklstm_sigmoid(x.numel(), x.data_ptr(), y.data_ptr())
    a, b = torch.linspace(-1.0, 2.0, 15).view(5, 3), torch.linspace(3.0, -1.0, 12).view(4, 3).cos()
    c = torch.empty(5, 4)
    lib.sklstm_matmul_t(5, 4, 3, a.data_ptr(), b.data_ptr(), c.data_ptr())
    sigmoid_ok = torch.allclose(y, torch.sigmoid(x), rtol=1e-6, atol=1e-7)
    return bool(sigmoid_ok and torch.allclose(c, a @ b.t(), rtol=1e-5, atol=1e-6))


def _load():
    if os.environ.get("SKLSTM_NATIVE", "1").strip().lower() in ("0", "false", "no", "off"):
        return None, "disabled by SKLSTM_NATIVE"
    compiler = _compiler()
    if compiler is None:
        return None, "no C compiler (set CC, or install gcc)"
    sgemm = _sgemm_address()
    if sgemm is None:
        return None, "PyTorch's CPU library exports no sgemm"
    try:
        lib = ctypes.CDLL(str(_build(compiler)))
    except (OSError, subprocess.SubprocessError) as error:
        detail = getattr(error, "stderr", b"") or b""
        return None, f"could not compile {SOURCE.name}: {error} {detail.decode(errors='replace')[:500]}"
    for name, argtypes in _SIGNATURES.items():
        function = getattr(lib, name)
        function.argtypes, function.restype = argtypes, None
    lib.sklstm_set_sgemm(sgemm)
    if not _self_check(lib):
        return None, "self-check failed"
    return lib, "compiled"


def loops():
    """The loaded C loops, or None where they cannot be used (see the module docstring)."""
    if "lib" not in _state:
        with _lock:
            if "lib" not in _state:
                _state["lib"], _state["why"] = _load()
    return _state["lib"]


def native_loops_available() -> tuple[bool, str]:
    """Whether the peephole LSTM runs its compiled C loops, and why not if not.

    The first call compiles them (about a second, once per machine: they are
    cached in ``$SKLSTM_CACHE_DIR`` or ``~/.cache/sklstm``). Without them the
    peephole LSTM gives the same results with its PyTorch loop, about 1.5x
    slower. Set ``SKLSTM_NATIVE=0`` before the first use to turn them off.

    Returns
    -------
    available : bool
    reason : str
        "compiled", or what is missing.

    Examples
    --------
    >>> from sklstm.nn import native_loops_available
    >>> available, reason = native_loops_available()
    >>> available == (reason == "compiled")
    True
    """
    return loops() is not None, _state["why"]
