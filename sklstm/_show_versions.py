"""``show_versions``: what a bug report needs to say about the environment."""

from __future__ import annotations

import importlib
import platform
import sys

__all__ = ["show_versions"]

#: The packages sklstm runs on, then the optional ones.
_DEPENDENCIES = ("numpy", "scipy", "sklearn", "pandas", "torch", "tqdm", "safetensors")
_OPTIONAL = ("matplotlib", "dask", "distributed")


def _version(name: str) -> str:
    try:
        return importlib.import_module(name).__version__
    except ImportError:
        return "not installed"
    except Exception as exc:  # a broken install still gets reported
        return f"import failed: {type(exc).__name__}"


def _torch_info() -> dict:
    import torch

    info = {
        "threads": str(torch.get_num_threads()),
        "CUDA": torch.version.cuda or "none (CPU build)",
        "CUDA available": str(torch.cuda.is_available()),
    }
    if torch.cuda.is_available():
        info["cuDNN"] = str(torch.backends.cudnn.version())
        info["GPU"] = torch.cuda.get_device_name(0)
    return info


def show_versions() -> None:
    """Print sklstm's version and those of Python, the OS and the libraries it uses.

    Paste its output into a bug report, as ``sklearn.show_versions()``'s.

    Examples
    --------
    >>> import sklstm
    >>> sklstm.show_versions()  # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
    System:
        python: ...
    sklstm:
        sklstm: ...
    """
    from . import __version__
    from .nn import native_loops_available

    available, reason = native_loops_available()
    sections = {
        "System": {
            "python": sys.version.replace("\n", " "),
            "executable": sys.executable,
            "machine": platform.platform(),
        },
        "sklstm": {
            "sklstm": __version__,
            "compiled loops (peephole, GRU)": "yes" if available else f"no ({reason})",
        },
        "Python dependencies": {name: _version(name) for name in _DEPENDENCIES},
        "PyTorch": _torch_info(),
        "Optional": {name: _version(name) for name in _OPTIONAL},
    }
    for title, entries in sections.items():
        print(f"\n{title}:")
        width = max(map(len, entries))
        for key, value in entries.items():
            print(f"    {key:>{width}}: {value}")
