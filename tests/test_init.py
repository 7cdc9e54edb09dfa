"""The top-level package: public names and lazily imported submodules."""

import subprocess
import sys

import pytest

import sklstm


SUBMODULES = ["datasets", "model_selection", "nn", "preprocessing", "training"]


def test_public_submodules_are_reachable_after_import_sklstm_and_loaded_lazily():
    # a fresh interpreter: this one has imported everything already
    code = (
        "import sys, sklstm\n"
        "print('sklstm.datasets' in sys.modules, 'sklstm.training' in sys.modules)\n"
        f"print(*[getattr(sklstm, name).__name__ for name in {SUBMODULES!r}])\n"
        "sklstm.datasets.load_airline()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lazy, names = result.stdout.splitlines()
    assert lazy.split() == ["False", "False"]
    assert names.split() == [f"sklstm.{name}" for name in SUBMODULES]
    assert set(SUBMODULES) <= set(dir(sklstm))


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'bogus'"):
        sklstm.bogus  # noqa: B018
