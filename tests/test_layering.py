"""The architecture's import rules, checked on the source of every module.

- ``sklstm/nn/`` is plain PyTorch: no scikit-learn, nothing from the rest of
  sklstm (it can be reused without the estimators).
- ``sklstm/_data/`` (the data layer) is numpy and scikit-learn validation:
  no torch, and nothing from the training code, the network or the
  estimators (the tensor hand-off lives in ``sklstm/_training/``).
"""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).parents[1] / "sklstm"


def _imports(source):
    """(name, level) of every import: absolute names, or relative module and its level."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", node.level))
    return found


def _forbidden(source, package, forbidden_tops):
    """Imports that leave ``sklstm.<package>`` or reach a forbidden top-level package."""
    bad = []
    for name, level in _imports(source):
        if level >= 2:  # "from .. import x": climbs out of the package
            bad.append("." * level + name)
        elif level == 0:
            top = name.split(".")[0]
            inside = name == f"sklstm.{package}" or name.startswith(f"sklstm.{package}.")
            if top in forbidden_tops or (top == "sklstm" and not inside):
                bad.append(name)
    return bad


def _forbidden_in_nn(source):
    """Imports that would tie sklstm.nn to scikit-learn or to the estimator layer."""
    return _forbidden(source, "nn", {"sklearn"})


def _forbidden_in_data(source):
    """Imports that would tie the data layer to torch, training, the network or estimators."""
    return _forbidden(source, "_data", {"torch"})


def test_import_checks_catch_each_kind():
    assert _forbidden_in_nn("import sklearn.base") == ["sklearn.base"]
    assert _forbidden_in_nn("from sklearn.utils import check_array") == ["sklearn.utils"]
    assert _forbidden_in_nn("from .. import _base") == [".."]
    assert _forbidden_in_nn("from .._data import x") == [".._data"]
    assert _forbidden_in_nn("import sklstm._base") == ["sklstm._base"]
    assert _forbidden_in_nn("from sklstm import LSTMRegressor") == ["sklstm"]
    assert _forbidden_in_nn("from sklstm.nnx import y") == ["sklstm.nnx"]
    assert _forbidden_in_nn(
        "import torch\nfrom .init import a\nfrom . import b\nfrom sklstm.nn.peephole import c"
    ) == []
    assert _forbidden_in_data("import torch") == ["torch"]
    assert _forbidden_in_data("from torch.utils.data import x") == ["torch.utils.data"]
    assert _forbidden_in_data("from .._training import TensorData") == [".._training"]
    assert _forbidden_in_data("from sklstm.nn import RecurrentNetwork") == ["sklstm.nn"]
    assert _forbidden_in_data("def f():\n    import torch") == ["torch"]  # lazy too
    assert _forbidden_in_data(
        "import numpy\nfrom sklearn.utils import check_array\nfrom ._ragged import x"
    ) == []


@pytest.mark.parametrize(
    "folder, rule, at_least",
    [("nn", _forbidden_in_nn, 5), ("_data", _forbidden_in_data, 8)],
)
def test_layers_import_only_what_their_rule_allows(folder, rule, at_least):
    paths = sorted((PACKAGE / folder).glob("*.py"))
    assert len(paths) >= at_least  # the rule reads the real modules
    for path in paths:
        assert rule(path.read_text()) == [], path
