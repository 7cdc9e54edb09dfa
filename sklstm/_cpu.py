"""CPU threads and denormal floats, set for one ``fit`` or ``predict`` and restored.

Two process-wide settings of PyTorch decide CPU speed:

* **Threads.** ``torch.set_num_threads`` sizes the OpenMP team that runs
  matrix products. Two searches running side by side, each with a full-size
  team, fight over the cores and can run a hundred times slower (OpenMP
  threads spin while they wait). sklstm therefore never raises the thread
  count it finds: by default a call uses the current ``torch.get_num_threads()``
  — which joblib's process workers and Dask's worker processes already set
  to one per task slot — capped at the CPUs this process may use, and one
  thread when it runs outside the main thread (joblib's threading backend,
  Dask workers in threads), where several calls share one process.

* **Denormal floats.** Backpropagating through long sequences fills gradients
  with subnormal floats (below 1.2e-38), which many x86 CPUs handle in slow
  microcode. ``torch.set_flush_denormal(True)`` turns on the CPU's
  flush-to-zero and denormals-are-zero modes — but only in the calling thread;
  threads of the OpenMP team that PyTorch already started keep their old mode.
  sklstm sets the mode in the calling thread *and* in each thread of its
  OpenMP team (by running one tiny parallel region through the ``libgomp``
  that PyTorch loaded), and puts the previous mode back when the call ends, so
  the rest of the program computes exactly as before. Where this is not
  possible (no x86, no libgomp) only the calling thread is switched.

Everything here is a context manager, :func:`cpu_settings`; nothing is
changed at import.
"""

from __future__ import annotations

import ctypes
import functools
import os
import threading
from contextlib import contextmanager, nullcontext

import torch

__all__ = ["cpu_settings", "resolve_threads", "available_cpus", "flush_denormal_enabled"]


def available_cpus() -> int:
    """CPUs this process may run on (affinity mask and cgroup quota).

    Examples
    --------
    >>> from sklstm._cpu import available_cpus
    >>> available_cpus() >= 1
    True
    """
    return _available_cpus(os.getpid())  # per process: a forked child may differ


@functools.lru_cache(maxsize=4)
def _available_cpus(pid: int) -> int:
    from joblib import cpu_count  # honours affinity masks and cgroup CPU quotas

    return max(1, int(cpu_count()))


def resolve_threads(n_threads: int | None) -> int:
    """The number of PyTorch CPU threads a call uses for ``n_threads``.

    ``None``: the current ``torch.get_num_threads()``, at most the available
    CPUs, and 1 outside the main thread. ``-1``: all available CPUs. A
    positive int: that many.

    Examples
    --------
    >>> from sklstm._cpu import resolve_threads
    >>> resolve_threads(1)
    1
    >>> resolve_threads(None) <= __import__("torch").get_num_threads()
    True
    """
    if n_threads is None:
        if threading.current_thread() is not threading.main_thread():
            return 1
        return max(1, min(torch.get_num_threads(), available_cpus()))
    if n_threads == -1:
        return available_cpus()
    return int(n_threads)


def flush_denormal_enabled() -> bool:
    """Whether the calling thread flushes denormal floats to zero.

    Examples
    --------
    >>> from sklstm._cpu import flush_denormal_enabled
    >>> isinstance(flush_denormal_enabled(), bool)
    True
    """
    # 2e-39 is subnormal in float32; with denormals-are-zero the product is 0.
    return bool(torch.tensor(2e-39, dtype=torch.float32).mul(1.0).item() == 0.0)


@functools.lru_cache(maxsize=1)
def _openmp_runtime():
    """``GOMP_parallel`` of PyTorch's libgomp and the two callbacks, or None."""
    candidates = [os.path.join(os.path.dirname(torch.__file__), "lib", "libgomp.so.1"),
                  "libgomp.so.1"]
    for name in candidates:
        try:  # RTLD_NOLOAD: only a library PyTorch has already loaded
            lib = ctypes.CDLL(name, mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
            parallel = lib.GOMP_parallel
        except (OSError, AttributeError):
            continue
        callback_type = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
        parallel.argtypes = [callback_type, ctypes.c_void_p, ctypes.c_uint, ctypes.c_uint]
        parallel.restype = None
        # Each runs once in every thread of the team (the calling thread
        # included); ctypes takes the GIL for each call.
        callbacks = {on: callback_type(lambda _, on=on: torch.set_flush_denormal(on))
                     for on in (True, False)}
        return parallel, callbacks
    return None


def _set_flush_denormal(on: bool, n_threads: int) -> bool:
    """Set flush-to-zero in this thread and its ``n_threads`` OpenMP team.

    Returns False when the CPU has no such mode (nothing was changed).
    """
    if not torch.set_flush_denormal(on):
        return False
    runtime = _openmp_runtime() if n_threads > 1 else None
    if runtime is not None:
        parallel, callbacks = runtime
        parallel(callbacks[on], None, n_threads, 0)  # ctypes releases the GIL here
    return True


def cpu_settings(n_threads: int | None, flush_denormal: bool):
    """Use ``n_threads`` PyTorch threads and, optionally, flush denormals inside.

    Both settings are put back as they were on exit, also after an error.
    The context value is the number of threads used.

    Examples
    --------
    >>> import torch
    >>> from sklstm._cpu import cpu_settings
    >>> before = torch.get_num_threads()
    >>> with cpu_settings(1, flush_denormal=True):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    threads = resolve_threads(n_threads)
    previous_threads = torch.get_num_threads()
    if threads == previous_threads and not flush_denormal:
        return nullcontext(threads)  # nothing to change (a typical predict)
    return _cpu_settings(threads, previous_threads, flush_denormal)


@contextmanager
def _cpu_settings(threads: int, previous_threads: int, flush_denormal: bool):
    if threads != previous_threads:
        torch.set_num_threads(threads)
    switched = False
    try:
        if flush_denormal and not flush_denormal_enabled():
            switched = _set_flush_denormal(True, threads)
        yield threads
    finally:
        if switched:
            _set_flush_denormal(False, threads)
        if threads != previous_threads:
            torch.set_num_threads(previous_threads)
