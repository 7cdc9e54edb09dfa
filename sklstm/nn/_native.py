"""The peephole LSTM's time loops in C: compiled at first use, cached, loaded with ctypes.

This module is the whole C boundary: finding a compiler, building and
loading ``_peephole_loops.c``, and the two calls into it (:func:`forward`,
:func:`backward`) with their argument layouts. ``peephole`` decides when to
use them.

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

from ._scratch import cached, gate_scale

__all__ = ["backward", "forward", "loops", "native_loops_available"]

SOURCE = Path(__file__).with_name("_peephole_loops.c")
FLAGS = (
    "-O3", "-march=native", "-fopenmp", "-fno-math-errno", "-fno-trapping-math",
    "-shared", "-fPIC",
)
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
    keys = ("model name", "flags", "Features")
    lines = [line for line in text.splitlines() if line.startswith(keys)]
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
    version = subprocess.run(
        [*compiler, "--version"], capture_output=True, text=True, timeout=60
    ).stdout
    key = hashlib.sha256(
        "\0".join(
            [SOURCE.read_text(), " ".join(FLAGS), version, _processor(), sys.platform]
        ).encode()
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
        detail = detail.decode(errors="replace")[:500]
        return None, f"could not compile {SOURCE.name}: {error} {detail}"
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


def _pointers(*tensors):
    """Data pointers for the C loops (None for a missing tensor: NULL)."""
    return [None if t is None else t.data_ptr() for t in tensors]


def _threads(B):
    """Threads for the C loops: PyTorch's (set by sklstm's runtime), at most one per sequence."""
    return max(1, min(torch.get_num_threads(), B))


def forward(lib, C, limit, x, w_ih, bias, w_hh, w_peep, history):
    """The forward time loop in C (``_peephole_loops.c``), writing ``history``.

    ``x`` is (T B, F) float32, contiguous; ``history`` (T + 1, B, width).
    """
    T, B, width = history.shape[0] - 1, history.shape[1], history.shape[2]
    H = w_hh.shape[1]
    scale = gate_scale(H, w_hh, 1.0, 1.0, 2.0, 1.0)
    weights = (
        (w_ih * scale).contiguous(), (bias * scale[:, 0]).contiguous(),
        (w_hh * scale).contiguous(), (-0.5 * w_peep).contiguous(),
    )
    threads = _threads(B)
    scratch = cached(  # the chunk's gate pre-activations
        ("native", limit, B, H, threads),
        lambda: x.new_empty(limit * B * 4 * H + threads * 7 * H),
    )
    lib.sklstm_peephole_forward(
        T, B, H, x.shape[1], C, *_pointers(x, *weights, history), width,
        *_pointers(scratch), threads,
    )


def backward(lib, C, limit, saved, needs_input_grad, grad_out, grad_c, carry, grad_h_last):
    """The backward time loop and weight gradients in C.

    ``saved``: (x, w_ih, w_hh, w_peep, history) as the forward pass kept
    them. Returns the sums the loop accumulates, (d_x, d_w_ih_t, d_bias,
    d_w_hh, d_peep, scale), in the scaled-gate form ``peephole._gradients``
    turns into the weights' gradients.
    """
    x, w_ih, w_hh, w_peep, history = saved
    T, B, H, F = history.shape[0] - 1, history.shape[1], w_hh.shape[1], x.shape[1]
    scale = gate_scale(H, w_hh, -0.5, -0.5, 0.25, 1.0)
    # (the products for d_x and d_w_ih are 2x faster with the F-row factors)
    w_ih_t, w_hh_b = (w_ih * scale).t().contiguous(), (w_hh * scale).contiguous()
    w_peep_b = (w_peep * w_peep.new_tensor([[-0.5], [-0.5], [1.0]])).contiguous()
    threads = _threads(B)
    grads, dh = cached(("native-backward", limit, B, H, threads), lambda: (
        x.new_empty((limit + 1) * B * 5 * H), x.new_empty(B * H + 3 * H * threads)))
    given = [
        None if g is None else g.contiguous() for g in (grad_out, grad_c, carry, grad_h_last)
    ]
    d_x = x.new_empty(T * B, F) if needs_input_grad else None
    d_w_ih_t, d_bias = w_ih.new_zeros(F, 4 * H), w_ih.new_zeros(4 * H)
    d_w_hh = torch.zeros_like(w_hh)
    d_peep = torch.zeros(3, H, dtype=torch.float64)
    pointers = _pointers(
        x, w_ih_t, w_hh_b, w_peep_b, history, *given, grads, dh, d_x,
        d_w_ih_t, d_bias, d_w_hh, d_peep,
    )
    lib.sklstm_peephole_backward(T, B, H, F, C, *pointers, threads)
    return d_x, d_w_ih_t, d_bias, d_w_hh, d_peep.to(w_peep.dtype), scale
