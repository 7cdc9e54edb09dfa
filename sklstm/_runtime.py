"""The runtime: device, threads, denormal floats, seeding and cuDNN flags.

Everything ``fit``, ``predict`` and the native loops need from the process
they run in is decided here, for one call, and restored afterwards:

* **Device.** :func:`resolve_device` turns the ``device`` parameter into a
  ``torch.device`` ("auto": CUDA when present, else the CPU).
* **Seeding.** Initialisation and shuffling use generators of their own;
  only dropout draws from PyTorch's global generators, which :func:`seeded`
  seeds inside and restores outside.
* **cuDNN flags.** With ``deterministic`` on CUDA, cuDNN's deterministic
  kernels (:func:`compute_settings`).

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

  Other processes do the same damage: one busy process per core makes every
  parallel region wait for a team member the OS descheduled. So the default
  is also capped at the CPUs that are free when the call starts
  (:func:`free_cpus`: the online CPUs less the runnable tasks of other
  processes, an instantaneous count the Linux kernel keeps in
  ``/proc/loadavg``; about 10 microseconds to read on an idle machine).
  Where it cannot be read (not Linux) the cap is left out. An explicit
  ``n_threads`` is obeyed whatever the load, so results that must not depend
  on the machine's load (the thread count changes the order of float sums)
  take ``n_threads=1`` or another explicit value.

  libgomp's wait policy (``OMP_WAIT_POLICY``, ``GOMP_SPINCOUNT``) is read
  once, when the library loads — with ``import torch`` — and cannot be
  changed afterwards (libgomp has no call for it), so sklstm cannot make
  PyTorch's threads wait passively; setting the variables at sklstm's import
  would act only when sklstm is imported before torch, would leak into child
  processes, and passive waiting slows small parallel regions on an idle
  machine. Users who want it set ``OMP_WAIT_POLICY=PASSIVE`` before starting
  Python.

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

Each setting is a context manager (:func:`compute_settings` picks those of
a device); nothing is changed at import. The peephole LSTM's C loops run on
the thread count set here (they read ``torch.get_num_threads()``).
"""

from __future__ import annotations

import ctypes
import functools
import os
import threading
from contextlib import contextmanager, nullcontext

import numpy as np
import torch

__all__ = [
    "MAX_SEED",
    "available_cpus",
    "compute_settings",
    "cpu_settings",
    "cudnn_flags",
    "flush_denormal_enabled",
    "free_cpus",
    "resolve_device",
    "resolve_threads",
    "seeded",
]

#: Seeds drawn from a ``random_state`` lie in [0, MAX_SEED).
MAX_SEED = np.iinfo(np.int32).max


def resolve_device(device) -> torch.device:
    """Turn the ``device`` parameter into a usable ``torch.device``.

    Examples
    --------
    >>> from sklstm._runtime import resolve_device
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device={device!r} is not a valid torch device; use 'auto', 'cpu', "
            "'cuda' or 'cuda:<index>'."
        ) from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this "
            "machine; use device='auto' (CUDA when present) or device='cpu'."
        )
    if resolved.type == "cuda" and (resolved.index or 0) >= torch.cuda.device_count():
        raise ValueError(
            f"device={device!r}: this machine has {torch.cuda.device_count()} CUDA "
            "device(s), numbered from 0; use device='cuda' for the first."
        )
    if resolved.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            f"device={device!r} was requested but Apple's MPS backend is not available "
            "on this machine; use device='auto' or device='cpu'."
        )
    if resolved.type not in ("cpu", "cuda", "mps"):
        raise ValueError(
            f"device={device!r}: sklstm runs on 'cpu', 'cuda' (or 'cuda:<index>') and "
            "'mps'; use device='auto' to pick CUDA when present, else the CPU."
        )
    return resolved


@contextmanager
def cudnn_flags(deterministic: bool, device: torch.device):
    """With ``deterministic`` on CUDA: cuDNN's deterministic kernels, no autotuning.

    The CPU kernels are deterministic already. Only cuDNN's flags change, and
    only inside the block; nothing global is left behind.

    Examples
    --------
    >>> import torch
    >>> from sklstm._runtime import cudnn_flags
    >>> with cudnn_flags(True, torch.device("cpu")):
    ...     pass
    """
    if deterministic and device.type == "cuda":
        with torch.backends.cudnn.flags(enabled=True, benchmark=False, deterministic=True):
            yield
    else:
        yield


#: PyTorch's dropout draws from the process-wide generator; fits that need it
#: take turns, so that fits running in threads of one process stay reproducible.
_GLOBAL_RNG_LOCK = threading.RLock()


@contextmanager
def seeded(seed: int, device: torch.device, needed: bool = True):
    """Seed PyTorch's global generators inside, restore them outside.

    Only fits that draw from them (dropout) need this; they hold a process-wide
    lock meanwhile. Initialisation and shuffling use generators of their own.

    Examples
    --------
    >>> import torch
    >>> from sklstm._runtime import seeded
    >>> with seeded(0, torch.device("cpu")):
    ...     a = torch.rand(1)
    >>> with seeded(0, torch.device("cpu")):
    ...     bool(torch.rand(1) == a)
    True
    """
    if not needed:
        yield
        return
    devices = [device] if device.type == "cuda" else []
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=devices):
        torch.random.default_generator.manual_seed(seed)
        if device.type == "cuda":
            with torch.cuda.device(device):
                torch.cuda.manual_seed(seed)
        yield


def compute_settings(
    device: torch.device,
    *,
    n_threads: int | None,
    flush_denormal: bool,
    deterministic: bool,
):
    """The settings of one ``fit`` or ``predict`` call on ``device``, as a context.

    On the CPU: threads and (``flush_denormal``, for training) flush-to-zero
    (:func:`cpu_settings`); on CUDA: cuDNN's flags (:func:`cudnn_flags`).

    Examples
    --------
    >>> import torch
    >>> from sklstm._runtime import compute_settings
    >>> with compute_settings(torch.device("cpu"), n_threads=1, flush_denormal=False,
    ...                       deterministic=False) as threads:
    ...     threads
    1
    """
    if device.type == "cpu":
        return cpu_settings(n_threads, flush_denormal)
    return cudnn_flags(deterministic, device)


def available_cpus() -> int:
    """CPUs this process may run on (affinity mask and cgroup quota).

    Examples
    --------
    >>> from sklstm._runtime import available_cpus
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
    CPUs, at most the CPUs free right now (:func:`free_cpus`; never below
    1), and 1 outside the main thread. ``-1``: all available CPUs. A
    positive int: that many, whatever the load.

    Examples
    --------
    >>> from sklstm._runtime import resolve_threads
    >>> resolve_threads(1)
    1
    >>> resolve_threads(None) <= __import__("torch").get_num_threads()
    True
    """
    if n_threads is None:
        if threading.current_thread() is not threading.main_thread():
            return 1
        threads = max(1, min(torch.get_num_threads(), available_cpus()))
        return _capped_by_load(threads) if threads > 1 else threads
    if n_threads == -1:
        return available_cpus()
    return int(n_threads)


def _capped_by_load(threads: int) -> int:
    """``threads``, at most the CPUs free right now (at least 1)."""
    running = _runnable_tasks()
    if running is None:
        return threads  # no load information here: the rule without it
    if _online_cpus() - (running - 1) >= threads:
        return threads  # fast path: nothing runs beyond this thread
    free = _free_cpus(first_count=running)
    return threads if free is None else max(1, min(threads, free))


def free_cpus() -> int | None:
    """CPUs that no other process is running on right now, or None where unknown.

    The online CPUs less the runnable tasks of other processes (on Linux,
    the kernel's instantaneous count in ``/proc/loadavg`` less this
    process's running threads — the calling thread and OpenMP threads still
    spinning after a parallel region). Not a prediction: the load may
    change the next moment. Can be 0 or negative when more tasks want the
    CPUs than there are CPUs.

    Examples
    --------
    >>> from sklstm._runtime import free_cpus
    >>> free = free_cpus()
    >>> free is None or free <= __import__("os").cpu_count()
    True
    """
    return _free_cpus(first_count=None)


def _free_cpus(first_count: int | None) -> int | None:
    """:func:`free_cpus`; ``first_count``: a runnable count read just before.

    The smaller of the two readings is used, so that a task that ran for a
    moment only counts less often.
    """
    # Own threads first: one that stops spinning meanwhile is then counted
    # as ours, not as another process's (an error towards more threads).
    own = _own_running_threads()
    running = _runnable_tasks()
    if running is None:
        return None
    if first_count is not None:
        running = min(running, first_count)
    return _online_cpus() - max(0, running - own)


def _online_cpus() -> int:
    """CPUs of the machine (all processes' tasks share them)."""
    return os.cpu_count() or available_cpus()


def _runnable_tasks() -> int | None:
    """Runnable tasks of the whole machine right now (this thread included), or None.

    The 4th field of ``/proc/loadavg`` is "runnable/total", counted by the
    kernel when the file is read (not averaged).
    """
    try:
        fields = _read_proc("/proc/loadavg").split()
        return max(1, int(fields[3].split(b"/")[0]))
    except (OSError, IndexError, ValueError):  # not Linux, no /proc, another format
        return None


def _own_running_threads() -> int:
    """Threads of this process that are running now (at least the calling one)."""
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return 1
    running = 0
    for tid in tids:
        try:
            stat = _read_proc(f"/proc/self/task/{tid}/stat")
        except OSError:  # the thread ended meanwhile
            continue
        # "pid (comm) S ...": the state follows the last ")" (comm may hold one)
        end = stat.rfind(b")")
        running += stat[end + 2:end + 3] == b"R"
    return max(1, running)


def _read_proc(path: str) -> bytes:
    """The start of a small ``/proc`` file (two system calls, no buffering)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 1024)
    finally:
        os.close(fd)


def flush_denormal_enabled() -> bool:
    """Whether the calling thread flushes denormal floats to zero.

    Examples
    --------
    >>> from sklstm._runtime import flush_denormal_enabled
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
    >>> from sklstm._runtime import cpu_settings
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
