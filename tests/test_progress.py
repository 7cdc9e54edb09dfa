"""What fit prints: nothing, a tqdm bar on stderr, or a table on stdout."""

import math
import re

import numpy as np
import pytest

from sklstm import LSTMClassifier, LSTMRegressor
from sklstm._training._progress import ProgressReporter
from tests._helpers import regression_data

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

_ROW = re.compile(r"^\s*(\d+)\s")


def _reg(**kwargs):
    params = dict(hidden_size=4, max_iter=3, random_state=0, device="cpu",
                  n_iter_no_change=100)
    params.update(kwargs)
    return LSTMRegressor(**params)


def _table(out):
    """(header line, data rows) of the verbose=2 table in ``out``."""
    lines = out.splitlines()
    headers = [i for i, line in enumerate(lines) if "train_loss" in line]
    assert len(headers) == 1, out
    rows = [line for line in lines[headers[0] + 1:] if _ROW.match(line)]
    return lines[headers[0]], rows


# -- verbose=0 ------------------------------------------------------------------


@pytest.mark.parametrize("early_stopping", [False, True])
def test_verbose_0_is_silent(capsys, early_stopping):
    X, y = regression_data()
    _reg(verbose=0, early_stopping=early_stopping).fit(X, y)
    LSTMClassifier(hidden_size=4, max_iter=2, random_state=0, device="cpu").fit(X, y > 0)
    out, err = capsys.readouterr()
    assert out == ""
    assert err == ""


def test_verbose_0_is_silent_when_stopping(capsys):
    X, y = regression_data()
    reg = _reg(verbose=0, tol=1e9, n_iter_no_change=1, max_iter=20).fit(X, y)
    assert reg.n_iter_ < 20
    out, err = capsys.readouterr()
    assert out == "" and err == ""


# -- verbose=1 --------------------------------------------------------------------


def test_verbose_1_bar_on_stderr(capsys):
    X, y = regression_data()
    _reg(verbose=1).fit(X, y)
    out, err = capsys.readouterr()
    assert out == ""
    last = err.replace("\r", "\n").strip().splitlines()[-1]
    assert "3/3" in last
    assert "loss=" in last
    assert "val_loss=" not in err
    assert "val_score=" not in err


def test_verbose_1_bar_shows_validation(capsys):
    X, y = regression_data()
    LSTMClassifier(
        hidden_size=4, max_iter=3, early_stopping=True, random_state=0, device="cpu",
        verbose=1, n_iter_no_change=100, validation_fraction=0.5,
    ).fit(X, y > 0)
    out, err = capsys.readouterr()
    assert out == ""
    last = err.replace("\r", "\n").strip().splitlines()[-1]
    assert "3/3" in last
    assert "loss=" in last
    assert "val_loss=" in last
    assert "val_score=" in last


def test_verbose_1_stopping_note_on_stderr(capsys):
    X, y = regression_data()
    reg = _reg(verbose=1, tol=1e9, n_iter_no_change=1, max_iter=20).fit(X, y)
    assert reg.n_iter_ < 20
    out, err = capsys.readouterr()
    assert out == ""
    assert "Stopping:" in err
    assert f"{reg.n_iter_}/20" in err


# -- verbose=2 --------------------------------------------------------------------


def test_verbose_2_table_one_row_per_epoch(capsys):
    X, y = regression_data()
    reg = _reg(verbose=2).fit(X, y)
    out, err = capsys.readouterr()
    assert "train_loss" not in err
    header, rows = _table(out)
    for column in ("epoch", "train_loss", "valid_loss", "valid_score", "best", "lr"):
        assert column in header
    assert len(rows) == 3 == reg.n_iter_
    assert [int(_ROW.match(r).group(1)) for r in rows] == [1, 2, 3]
    assert "*" in rows[0]
    # no validation: the valid columns show "-"
    assert all(r.split()[2:4] == ["-", "-"] for r in rows)
    # the train loss column matches history_
    np.testing.assert_allclose(
        [float(r.split()[1]) for r in rows], reg.history_["train_loss"], atol=1e-6
    )
    assert "Stopping:" not in out


def test_verbose_2_table_with_validation(capsys):
    X, y = regression_data()
    clf = LSTMClassifier(
        hidden_size=4, max_iter=3, early_stopping=True, random_state=0, device="cpu",
        verbose=2, n_iter_no_change=100, validation_fraction=0.5,
    ).fit(X, y > 0)
    out, _ = capsys.readouterr()
    _, rows = _table(out)
    assert len(rows) == 3
    assert "*" in rows[0]
    np.testing.assert_allclose(
        [float(r.split()[3]) for r in rows], clf.history_["valid_score"], atol=1e-6
    )
    # "*" exactly on the epochs that set a new lowest validation loss
    losses = clf.history_["valid_loss"].to_numpy()
    best = np.minimum.accumulate(losses)
    new_best = [True] + [losses[i] < best[i - 1] for i in range(1, len(losses))]
    assert ["*" in r.split() for r in rows] == new_best


def test_verbose_2_stopping_note(capsys):
    X, y = regression_data()
    reg = _reg(verbose=2, tol=1e9, n_iter_no_change=1, max_iter=20).fit(X, y)
    assert reg.n_iter_ < 20
    out, err = capsys.readouterr()
    assert "Stopping:" not in err
    _, rows = _table(out)
    assert len(rows) == reg.n_iter_
    stopping = [line for line in out.splitlines() if "Stopping:" in line]
    assert len(stopping) == 1
    assert out.splitlines()[-1] == stopping[0]  # after the last row


def test_verbose_2_plateau_note(capsys):
    X, y = regression_data()
    reg = _reg(
        verbose=2, learning_rate="plateau", learning_rate_init=1e-5, tol=1e9,
        n_iter_no_change=1, max_iter=20,
    ).fit(X, y)
    out, _ = capsys.readouterr()
    assert "Plateau: learning rate reduced to 2.00e-06" in out
    assert "Stopping:" in out
    _, rows = _table(out)
    assert len(rows) == reg.n_iter_


# -- ProgressReporter directly ------------------------------------------------------


def _record(epoch, valid_loss=math.nan, valid_score=math.nan):
    return {"epoch": epoch, "train_loss": 0.25, "valid_loss": valid_loss,
            "valid_score": valid_score, "learning_rate": 0.001, "seconds": 0.5}


def test_reporter_verbose_2_formats_nan_as_dash(capsys):
    r = ProgressReporter(verbose=2, total=2)
    r.epoch(_record(1), is_best=True)
    r.epoch(_record(2, valid_loss=0.125, valid_score=0.75), is_best=False)
    r.note("hello")
    r.close()
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert len(lines) == 4  # header printed once
    assert "train_loss" in lines[0] and "valid_score" in lines[0]
    first, second = lines[1].split(), lines[2].split()
    assert first == ["1", "0.250000", "-", "-", "*", "1.00e-03", "0.50"]
    assert second == ["2", "0.250000", "0.125000", "0.750000", "1.00e-03", "0.50"]
    assert "nan" not in out.lower()
    assert lines[3] == "hello"
    # columns line up with the header
    assert len(lines[1]) == len(lines[0]) == len(lines[2])


def test_reporter_verbose_0_prints_nothing(capsys):
    r = ProgressReporter(verbose=0, total=2)
    r.epoch(_record(1), is_best=True)
    r.note("hello")
    r.close()
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_reporter_verbose_1_bar(capsys):
    r = ProgressReporter(verbose=1, total=2)
    r.epoch(_record(1), is_best=True)
    r.epoch(_record(2, valid_loss=0.125, valid_score=0.75), is_best=False)
    r.close()
    out, err = capsys.readouterr()
    assert out == ""
    last = err.replace("\r", "\n").strip().splitlines()[-1]
    assert "2/2" in last
    assert "loss=0.25" in last
    assert "val_loss=0.125" in last and "val_score=0.75" in last
