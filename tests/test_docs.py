"""The shared parameter docs (sklstm/_docs.py) say what each estimator does."""

import ast
import inspect
import re

import pytest

from sklstm import (
    LSTMClassifier,
    LSTMForecaster,
    LSTMRegressor,
    LSTMStepClassifier,
    LSTMStepRegressor,
    SlidingWindowTransformer,
)

DOCUMENTED_DEFAULT = re.compile(r"^    (\w+(?:, \w+)*) : .*, default=(.+)$", re.MULTILINE)


@pytest.mark.parametrize("cls", [LSTMClassifier, LSTMRegressor, LSTMStepClassifier,
                                 LSTMStepRegressor, LSTMForecaster, SlidingWindowTransformer])
def test_documented_defaults_match_the_signature(cls):
    """Every ``name : type, default=value`` line of Parameters is the signature's default."""
    parameters = cls.__doc__.split("Parameters\n    ----------\n")[1].split("\n    ----")[0]
    signature = inspect.signature(cls.__init__).parameters
    documented = []  # (name, text of its default); "a, b : str, default=x, y" is two lines
    for names, text in DOCUMENTED_DEFAULT.findall(parameters):
        names = names.split(", ")
        texts = [text] if len(names) == 1 else [t.strip() for t in text.split(",")]
        documented += zip(names, texts, strict=True)
    assert {name for name, _ in documented} == {n for n in signature if n != "self"}
    for name, text in documented:
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):  # e.g. a class name: compare the text
            assert text == repr(signature[name].default), name
            continue
        assert value == signature[name].default, f"{name}: documented {text}"
