"""sklstm.nn.GRU: nn.GRU with fused C time loops for float32 on the CPU.

The reference is PyTorch's own nn.GRU in float64 on the same weights (the
float64 GRU never runs the C loops; variable lengths go through a
PackedSequence there), so outputs, final states and every gradient come from
PyTorch, never from the loops' hand-written backward pass. A spy counts the
C calls: a test fails if the fused path is silently not taken.
"""

import copy
import io
import pickle

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from sklstm.nn import GRU, _native, native_loops_available
from sklstm.nn import gru as gru_module
from tests._helpers import assert_close_scaled, spy_on_loops, torch_threads

needs_native = pytest.mark.skipif(not native_loops_available()[0],
                                  reason=f"no C loops here: {native_loops_available()[1]}")


@pytest.fixture
def spy(monkeypatch):
    """Counts the calls of the C forward and backward loops of the GRU."""
    return spy_on_loops(monkeypatch, "sklstm_gru")


def _make(input_size=3, hidden_size=6, seed=0, **kwargs):
    """A float64 GRU (batch first) with random non-zero weights, biases included."""
    torch.manual_seed(seed)
    gru = GRU(input_size, hidden_size, batch_first=True, **kwargs).double()
    with torch.no_grad():
        for p in gru.parameters():
            p.uniform_(-0.6, 0.6)
    return gru


def _run(gru, x, lengths=None, hx=None, used=("out", "h"), seed=1):
    """Outputs, h_n and the gradients of a random loss (input, hx, every weight)."""
    x = x.detach().requires_grad_(True)
    inputs = [x]
    if hx is not None:
        hx = hx.detach().requires_grad_(True)
        inputs.append(hx)
    if isinstance(gru, GRU):
        out, h_n = gru(x, hx, lengths=lengths)
    else:  # plain nn.GRU: the packed sequence
        packed = x if lengths is None else pack_padded_sequence(
            x, lengths, batch_first=True, enforce_sorted=False)
        out, h_n = nn.GRU.forward(gru, packed, hx)
        if lengths is not None:
            out, _ = torch.nn.utils.rnn.pad_packed_sequence(
                out, batch_first=True, total_length=x.shape[1])
    g = torch.Generator().manual_seed(seed)

    def weights(t):
        return torch.randn(t.shape, generator=g, dtype=torch.float64).to(t.dtype)

    parts = {"out": (out * weights(out)).sum(), "h": (h_n * weights(h_n)).sum()}
    loss = sum(parts[name] for name in used)
    grads = torch.autograd.grad(loss, inputs + list(gru.parameters()), allow_unused=True)
    return [out.detach(), h_n.detach(), *grads]


def _float32_against_float64(gru64, x, lengths=None, hx=None, used=("out", "h"), tol=1e-5):
    """The float32 GRU (C loops) against the same weights in float64 (nn.GRU's loop)."""
    gru32 = copy.deepcopy(gru64).float()
    got = _run(gru32, x.float(), lengths, None if hx is None else hx.float(), used)
    want = _run(gru64, x, lengths, hx, used)
    assert_close_scaled(got, want, tol)


@needs_native
@pytest.mark.parametrize("chunk", [32, 3], ids=["default-chunks", "3-step-chunks"])
@pytest.mark.parametrize("variable", [False, True], ids=["fixed", "lengths"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_matches_float64_nn_gru(monkeypatch, spy, num_layers, bidirectional, variable, chunk):
    monkeypatch.setattr(gru_module, "CHUNK", chunk)
    gru = _make(num_layers=num_layers, bidirectional=bidirectional)
    x = torch.randn(5, 10, 3, dtype=torch.float64)
    lengths = torch.tensor([10, 4, 1, 7, 3]) if variable else None
    _float32_against_float64(gru, x, lengths)
    directions = 2 if bidirectional else 1
    assert spy == {"forward": num_layers * directions, "backward": num_layers * directions}


@needs_native
@pytest.mark.parametrize("variable", [False, True], ids=["fixed", "lengths"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
def test_an_initial_state_and_its_gradient(spy, bidirectional, variable):
    gru = _make(num_layers=2, bidirectional=bidirectional)
    x = torch.randn(4, 9, 3, dtype=torch.float64)
    hx = torch.randn(4 if bidirectional else 2, 4, 6, dtype=torch.float64)
    lengths = torch.tensor([9, 1, 5, 8]) if variable else None
    _float32_against_float64(gru, x, lengths, hx)
    assert spy["forward"] > 0 and spy["backward"] == spy["forward"]


@needs_native
@pytest.mark.parametrize("used", [("out",), ("h",), ("out", "h")])
@pytest.mark.parametrize("variable", [False, True], ids=["fixed", "lengths"])
def test_gradients_of_any_results(spy, used, variable):
    # unused results send None (no gradient) in; 40 steps: full and partial chunks
    gru = _make(num_layers=2, bidirectional=True)
    x = torch.randn(6, 40, 3, dtype=torch.float64)
    lengths = torch.tensor([40, 33, 32, 31, 5, 1]) if variable else None
    _float32_against_float64(gru, x, lengths, used=used)
    assert spy["backward"] == 4


@needs_native
@pytest.mark.parametrize("batch", [1, 3, 64])
def test_one_and_two_threads_match_the_reference(spy, batch):
    # each thread runs the recurrence for its own slice of the batch
    gru = _make(hidden_size=16)
    x = torch.randn(batch, 20, 3, dtype=torch.float64)
    lengths = torch.randint(1, 21, (batch,))
    for threads in (1, 2):
        with torch_threads(threads):
            _float32_against_float64(gru, x, lengths)
    assert spy["forward"] == 2


@needs_native
def test_without_input_gradient_the_weights_get_theirs(spy):
    gru64 = _make()
    gru32 = copy.deepcopy(gru64).float()
    x = torch.randn(4, 9, 3, dtype=torch.float64)  # no requires_grad: the C loop skips d_x
    grads = []
    for gru, xs in ((gru32, x.float()), (gru64, x)):
        out, h_n = gru(xs)
        (out.sum() + h_n.sum()).backward()
        grads.append([p.grad for p in gru.parameters()])
    assert_close_scaled(*grads, 1e-5)
    assert spy["backward"] == 1


@needs_native
@pytest.mark.parametrize("context", [torch.no_grad, torch.inference_mode])
def test_inference_matches_the_reference(spy, context):
    gru64 = _make(num_layers=2, bidirectional=True)
    gru32 = copy.deepcopy(gru64).float()
    x, lengths = torch.randn(6, 45, 3, dtype=torch.float64), torch.tensor([45, 44, 12, 3, 1, 2])
    with context():
        got = gru32(x.float(), lengths=lengths)
    want = _run(gru64, x, lengths)[:2]
    assert_close_scaled(list(got), want, 1e-5)
    assert spy == {"forward": 4, "backward": 0}


def test_float64_never_calls_the_c_loops(monkeypatch):
    def refuse():
        raise AssertionError("float64 must run nn.GRU's own loop")

    monkeypatch.setattr(_native, "loops", refuse)
    gru = _make(num_layers=2, bidirectional=True)
    out, h_n = gru(torch.randn(2, 5, 3, dtype=torch.float64, requires_grad=True),
                   lengths=torch.tensor([5, 2]))
    (out.sum() + h_n.sum()).backward()


@pytest.mark.parametrize("variable", [False, True], ids=["fixed", "lengths"])
def test_without_the_c_loops_it_is_nn_gru(monkeypatch, variable):
    monkeypatch.setattr(_native, "_state", {"lib": None, "why": "off"})
    gru = _make(num_layers=2, bidirectional=True).float()
    plain = nn.GRU(3, 6, num_layers=2, bidirectional=True, batch_first=True)
    plain.load_state_dict(gru.state_dict())
    x = torch.randn(4, 7, 3)
    lengths = torch.tensor([7, 3, 1, 6]) if variable else None
    for got, want in zip(_run(gru, x, lengths), _run(plain, x, lengths), strict=True):
        assert torch.equal(got, want)


@needs_native
def test_other_layouts_and_options_match_nn_gru(spy):
    # batch_first=False and bias=False run the C loops; a PackedSequence runs nn.GRU's
    torch.manual_seed(0)
    for kwargs in (dict(batch_first=False), dict(batch_first=True, bias=False)):
        gru = GRU(3, 5, **kwargs)
        plain = nn.GRU(3, 5, **kwargs)
        plain.load_state_dict(gru.state_dict())
        x = torch.randn(6, 4, 3)
        torch.testing.assert_close(gru(x)[0], plain(x)[0], atol=2e-6, rtol=0)
    assert spy["forward"] == 2
    packed = pack_padded_sequence(torch.randn(3, 5, 3), torch.tensor([5, 2, 4]),
                                  batch_first=True, enforce_sorted=False)
    gru = GRU(3, 5, batch_first=True)
    assert type(gru(packed)[0]).__name__ == "PackedSequence"
    assert spy["forward"] == 2


def test_parameters_state_dict_and_pickles_are_nn_grus():
    gru = GRU(3, 5, num_layers=2, bidirectional=True, batch_first=True, dropout=0.2)
    plain = nn.GRU(3, 5, num_layers=2, bidirectional=True, batch_first=True, dropout=0.2)
    assert isinstance(gru, nn.GRU)
    assert list(gru.state_dict()) == list(plain.state_dict())
    assert [p.shape for p in gru.parameters()] == [p.shape for p in plain.parameters()]
    plain.load_state_dict(gru.state_dict())  # and back
    gru.load_state_dict(plain.state_dict())
    again = pickle.loads(pickle.dumps(gru))
    assert type(again) is GRU
    x = torch.randn(2, 4, 3)
    torch.testing.assert_close(again.eval()(x)[0], gru.eval()(x)[0], atol=0, rtol=0)
    buffer = io.BytesIO()
    torch.save(gru.state_dict(), buffer)
    buffer.seek(0)
    plain.load_state_dict(torch.load(buffer))


@needs_native
def test_dropout_between_layers_in_training_only():
    torch.manual_seed(0)
    gru = GRU(3, 8, num_layers=2, batch_first=True, dropout=0.5)
    x = torch.randn(4, 6, 3)
    torch.manual_seed(1)
    a = gru(x)[0]
    torch.manual_seed(2)
    b = gru(x)[0]
    assert not torch.equal(a, b)
    gru.eval()
    assert torch.equal(gru(x)[0], gru(x)[0])


@needs_native
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_fitted_gru_classifier_uses_the_loops(spy):
    from sklstm import LSTMClassifier

    rng = np.random.RandomState(0)
    X = [rng.normal(size=(int(rng.randint(2, 9)), 2)).astype(np.float32) for _ in range(40)]
    y = np.array([int(seq[:, 0].sum() > 0) for seq in X])
    clf = LSTMClassifier(cell="gru", hidden_size=8, bidirectional=True, max_iter=5,
                         random_state=0).fit(X, y)
    assert isinstance(clf.module_.recurrent, GRU)
    assert spy["forward"] > 0 and spy["backward"] > 0
    proba = clf.predict_proba(X)
    assert proba.shape == (40, 2) and np.allclose(proba.sum(axis=1), 1.0)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), proba)
