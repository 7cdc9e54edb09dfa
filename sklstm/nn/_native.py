"""sklstm's time loops in C: built with the package, loaded with ctypes.

This module is the whole C boundary: finding and loading the compiled
library ``sklstm/nn/_loops*.so`` (``.pyd`` on Windows), checking it, and the
calls into it with their argument layouts. ``peephole`` (and the other
cells' modules) decide when to use them.

**Built, not compiled at run time.** ``setup.py`` compiles the loops when
the package is built (``pip install .``, an sdist, a wheel), for a baseline
processor with AVX2 and AVX-512 versions of the hot arithmetic chosen at
load time (``_loops.h``). Nothing is compiled while sklstm runs, and only
the library inside the installed package is ever loaded: no cache, no path
from the environment.

**Checked before use.** The library must report the ABI of the sources it
was built from (a stale build in a checkout is refused), be handed PyTorch's
``sgemm`` (its matrix products then are the products ``torch.mm``
computes) and PyTorch's OpenMP runtime (``GOMP_parallel``: the loops run on
PyTorch's own thread team; without it, serially), and pass a self-check of
its sigmoid, its products and its thread team against PyTorch. Any failure —
whatever the exception — leaves :func:`loops` None with the reason, and the
cells run their PyTorch loops: the same results, slower. ``SKLSTM_NATIVE=0``
(read at the first use) turns the library off.
"""

from __future__ import annotations

import ctypes
import importlib.machinery
import os
import threading
from pathlib import Path

import torch

from ._scratch import cached, gate_scale

__all__ = ["backward", "forward", "loops", "native_loops_available", "runs_on"]

#: The ABI of the sources (``SKLSTM_LOOPS_ABI`` in ``_loops.h``).
ABI = 3
_INT, _PTR = ctypes.c_int, ctypes.c_void_p
_SIGNATURES = {
    "sklstm_abi": ([], ctypes.c_int),
    "sklstm_set_runtime": ([_PTR] * 4, None),
    "sklstm_sigmoid": ([ctypes.c_int64, _PTR, _PTR], None),
    "sklstm_matmul_t": ([_INT] * 3 + [_PTR] * 3, None),
    "sklstm_team_check": ([_INT, _INT, _PTR], None),
    "sklstm_peephole_forward": ([_INT] * 5 + [_PTR] * 6 + [_INT, _PTR, _INT], None),
    "sklstm_peephole_backward": ([_INT] * 5 + [_PTR] * 16 + [_INT], None),
    "sklstm_gru_forward": ([_INT] * 5 + [_PTR] * 6 + [_INT, _PTR, _INT], None),
    "sklstm_gru_backward": ([_INT] * 5 + [_PTR] * 12 + [_INT], None),
}

_lock = threading.Lock()
_state: dict = {}


def library_path() -> Path | None:
    """The compiled loops inside this installed package, or None where none was built."""
    here = Path(__file__).resolve().parent
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = here / f"_loops{suffix}"
        if candidate.is_file():
            return candidate
    return None


def _torch_library(names):
    """The first of PyTorch's own libraries that is already loaded, or None."""
    lib_dir = Path(torch.__file__).parent / "lib"
    for name in names:
        for path in (lib_dir / name, Path(name)):
            try:  # RTLD_NOLOAD: only a library this process has already loaded
                return ctypes.CDLL(str(path), mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
            except (OSError, AttributeError):  # not loaded / no RTLD_NOLOAD (Windows)
                continue
    return None


def _address(lib, *symbols):
    """Address of the first of ``symbols`` that ``lib`` exports, or None."""
    for symbol in symbols:
        if lib is not None and hasattr(lib, symbol):
            return ctypes.cast(getattr(lib, symbol), ctypes.c_void_p).value
    return None


def _runtime_addresses():
    """PyTorch's sgemm, and its OpenMP runtime's team functions (or None each)."""
    cpu = _torch_library(["libtorch_cpu.so", "libtorch_cpu.dylib"])
    openmp = _torch_library(["libgomp.so.1", "libomp.dylib", "libiomp5.so", "libomp.so"])
    team = [_address(openmp, name)
            for name in ("GOMP_parallel", "omp_get_thread_num", "omp_get_num_threads")]
    return _address(cpu, "SGEMM", "sgemm_"), (team if all(team) else [None] * 3)


def _self_check(lib):
    """The loaded loops compute a sigmoid, a product and a team share as PyTorch does."""
    x = torch.linspace(-30.0, 30.0, 101)
    y = torch.empty_like(x)
    lib.sklstm_sigmoid(x.numel(), x.data_ptr(), y.data_ptr())
    a, b = torch.linspace(-1.0, 2.0, 15).view(5, 3), torch.linspace(3.0, -1.0, 12).view(4, 3).cos()
    c = torch.empty(5, 4)
    lib.sklstm_matmul_t(5, 4, 3, a.data_ptr(), b.data_ptr(), c.data_ptr())
    seen = torch.zeros(37, dtype=torch.int32)
    lib.sklstm_team_check(max(2, torch.get_num_threads()), seen.numel(), seen.data_ptr())
    sigmoid_ok = torch.allclose(y, torch.sigmoid(x), rtol=1e-6, atol=1e-7)
    product_ok = torch.allclose(c, a @ b.t(), rtol=1e-5, atol=1e-6)
    return bool(sigmoid_ok and product_ok and bool((seen == 1).all()))


def _open(path):
    """Load, check and set up the library at ``path``: (lib, "compiled") or (None, why)."""
    lib = ctypes.CDLL(str(path))
    missing = [name for name in _SIGNATURES if not hasattr(lib, name)]
    if missing:
        return None, f"{path.name} lacks {', '.join(missing)}: reinstall sklstm"
    for name, (argtypes, restype) in _SIGNATURES.items():
        function = getattr(lib, name)
        function.argtypes, function.restype = argtypes, restype
    if lib.sklstm_abi() != ABI:
        return None, (f"{path.name} was built from other sources (ABI {lib.sklstm_abi()}, "
                      f"not {ABI}): rebuild it with `pip install .` (or -e .)")
    sgemm, team = _runtime_addresses()
    if sgemm is None:
        return None, ("PyTorch's CPU library exports no sgemm (not one of PyTorch's official "
                      "wheels?): the PyTorch loops run instead")
    lib.sklstm_set_runtime(sgemm, *team)
    if not _self_check(lib):
        return None, ("self-check failed: the PyTorch loops run instead; please report it "
                      "with the output of sklstm.show_versions()")
    return lib, "compiled"


def _load():
    if os.environ.get("SKLSTM_NATIVE", "1").strip().lower() in ("0", "false", "no", "off"):
        return None, "disabled by SKLSTM_NATIVE"
    path = library_path()
    if path is None:
        return None, ("not built: this installation has no compiled loops (it was built "
                      "without a C compiler); reinstall from source with one to get them")
    try:
        return _open(path)
    except Exception as error:  # whatever a bad library does, fall back with the reason
        return None, f"could not load {path.name}: {type(error).__name__}: {error}"


def loops():
    """The loaded C loops, or None where they cannot be used (see the module docstring)."""
    if "lib" not in _state:
        with _lock:
            if "lib" not in _state:
                _state["lib"], _state["why"] = _load()
    return _state["lib"]


def runs_on(x: torch.Tensor) -> bool:
    """Whether the C loops can take the padded batch ``x``: float32, CPU, 3D, steps and sequences.

    The cells decide the rest (sizes, gradients, initial states).
    """
    return (
        x.dim() == 3 and x.dtype == torch.float32 and x.device.type == "cpu"
        and x.shape[0] > 0 and x.shape[1] > 0 and loops() is not None
    )


def native_loops_available() -> tuple[bool, str]:
    """Whether the compiled C time loops are in use, and why not if not.

    They are built with the package (``pip install .`` from a checkout or an
    sdist compiles them with the platform's C compiler; a wheel carries
    them) and used for float32 on the CPU. Without them the cells give the
    same results with their PyTorch loops, slower. Set ``SKLSTM_NATIVE=0``
    before the first use to turn them off.

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
