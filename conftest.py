"""Collection rules for the whole checkout.

pytest collects the doctests of every module under sklstm/ (--doctest-modules).
The modules of sklstm/_onnx import onnx and skl2onnx at the top, which
``sklstm[onnx]`` installs (CI does, through the test extra): where they are
missing, those modules are not collected (tests/test_onnx*.py skip themselves).
"""

import importlib.util

collect_ignore_glob = (
    [] if all(importlib.util.find_spec(name) for name in ("onnx", "skl2onnx")) else ["sklstm/_onnx/*.py"]
)
