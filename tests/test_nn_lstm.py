"""sklstm.nn.LSTM: nn.LSTM trained with the peephole's fused C loops (zero peepholes).

The reference is PyTorch's own nn.LSTM in float64 on the same weights (the
float64 LSTM never runs the C loops; variable lengths go through a
PackedSequence there), so outputs, final states and every gradient come from
PyTorch, never from the loops' hand-written backward pass. A spy counts the
C calls: a test fails if the fused path is silently not taken in training,
or taken in inference (which must stay nn.LSTM's, bit for bit).
"""

import copy
import io
import pickle

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from sklstm.nn import LSTM, RecurrentNetwork, _native, native_loops_available, run_with_state
from sklstm.nn import lstm as lstm_module
from sklstm.nn import peephole as peephole_module
from tests._helpers import assert_close_scaled, spy_on_loops, torch_threads

needs_native = pytest.mark.skipif(not native_loops_available()[0],
                                  reason=f"no C loops here: {native_loops_available()[1]}")


@pytest.fixture
def spy(monkeypatch):
    """Counts the calls of the C forward and backward loops (of the peephole LSTM)."""
    return spy_on_loops(monkeypatch, "sklstm_peephole")


def _make(input_size=3, hidden_size=6, seed=0, **kwargs):
    """A float64 LSTM (batch first) with random non-zero weights, biases included."""
    torch.manual_seed(seed)
    lstm = LSTM(input_size, hidden_size, batch_first=True, **kwargs).double()
    with torch.no_grad():
        for p in lstm.parameters():
            p.uniform_(-0.6, 0.6)
    return lstm


def _run(lstm, x, lengths=None, hx=None, used=("out", "h", "c"), seed=1):
    """Outputs, h_n, c_n and the gradients of a random loss (input, hx, every weight)."""
    x = x.detach().requires_grad_(True)
    inputs = [x]
    if hx is not None:
        hx = tuple(s.detach().requires_grad_(True) for s in hx)
        inputs += list(hx)
    if isinstance(lstm, LSTM):
        out, (h_n, c_n) = lstm(x, hx, lengths=lengths)
    else:  # plain nn.LSTM: the packed sequence
        packed = x if lengths is None else pack_padded_sequence(
            x, lengths, batch_first=True, enforce_sorted=False)
        out, (h_n, c_n) = nn.LSTM.forward(lstm, packed, hx)
        if lengths is not None:
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
    g = torch.Generator().manual_seed(seed)

    def weights(t):
        return torch.randn(t.shape, generator=g, dtype=torch.float64).to(t.dtype)

    parts = {"out": (out * weights(out)).sum(), "h": (h_n * weights(h_n)).sum(),
             "c": (c_n * weights(c_n)).sum()}
    loss = sum(parts[name] for name in used)
    grads = torch.autograd.grad(loss, inputs + list(lstm.parameters()), allow_unused=True)
    return [out.detach(), h_n.detach(), c_n.detach(), *grads]


def _float32_against_float64(lstm64, x, lengths=None, used=("out", "h", "c"), tol=1e-5):
    """The float32 LSTM (C loops) against the same weights in float64 (nn.LSTM's loop)."""
    lstm32 = copy.deepcopy(lstm64).float()
    got = _run(lstm32, x.float(), lengths, None, used)
    want = _run(lstm64, x, lengths, None, used)
    assert_close_scaled(got, want, tol)


@needs_native
@pytest.mark.parametrize("chunk", [32, 3], ids=["default-chunks", "3-step-chunks"])
@pytest.mark.parametrize("variable", [False, True], ids=["fixed", "lengths"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_training_matches_float64_nn_lstm(monkeypatch, spy, num_layers, bidirectional, variable,
                                          chunk):
    monkeypatch.setattr(peephole_module, "CHUNK", chunk)
    lstm = _make(num_layers=num_layers, bidirectional=bidirectional)
    x = torch.randn(5, 10, 3, dtype=torch.float64)
    lengths = torch.tensor([10, 4, 1, 7, 3]) if variable else None
    _float32_against_float64(lstm, x, lengths)
    directions = 2 if bidirectional else 1
    assert spy == {"forward": num_layers * directions, "backward": num_layers * directions}


@needs_native
@pytest.mark.parametrize("used", [("out",), ("h",), ("c",), ("out", "h", "c")])
@pytest.mark.parametrize("variable", [False, True], ids=["fixed", "lengths"])
def test_gradients_of_any_results(spy, used, variable):
    # unused results send None (no gradient) in; 40 steps: full and partial chunks
    lstm = _make(num_layers=2, bidirectional=True)
    x = torch.randn(6, 40, 3, dtype=torch.float64)
    lengths = torch.tensor([40, 33, 32, 31, 5, 1]) if variable else None
    _float32_against_float64(lstm, x, lengths, used=used)
    assert spy["backward"] == 4


@needs_native
@pytest.mark.parametrize("batch", [1, 3, 64])
def test_one_and_two_threads_match_the_reference(spy, batch):
    # each thread runs the recurrence for its own slice of the batch
    lstm = _make(hidden_size=16)
    x = torch.randn(batch, 20, 3, dtype=torch.float64)
    lengths = torch.randint(1, 21, (batch,))
    for threads in (1, 2):
        with torch_threads(threads):
            _float32_against_float64(lstm, x, lengths)
    assert spy["forward"] == 2


@needs_native
def test_without_input_gradient_the_weights_get_theirs(spy):
    lstm64 = _make(bias=False)
    lstm32 = copy.deepcopy(lstm64).float()
    x = torch.randn(4, 9, 3, dtype=torch.float64)  # no requires_grad: the C loop skips d_x
    grads = []
    for lstm, xs in ((lstm32, x.float()), (lstm64, x)):
        out, (h_n, c_n) = lstm(xs)
        (out.sum() + h_n.sum() + c_n.sum()).backward()
        grads.append([p.grad for p in lstm.parameters()])
    assert_close_scaled(*grads, 1e-5)
    assert spy["backward"] == 1


def _as_nn_lstm(lstm):
    """A plain nn.LSTM with ``lstm``'s settings and weights."""
    plain = nn.LSTM(lstm.input_size, lstm.hidden_size, num_layers=lstm.num_layers,
                    bias=lstm.bias, batch_first=lstm.batch_first, dropout=lstm.dropout,
                    bidirectional=lstm.bidirectional, proj_size=lstm.proj_size)
    plain.load_state_dict(lstm.state_dict())
    return plain.to(next(lstm.parameters()).dtype)


@pytest.mark.parametrize("context", [torch.no_grad, torch.inference_mode, torch.enable_grad])
@pytest.mark.parametrize("variable", [False, True], ids=["fixed", "lengths"])
def test_inference_is_nn_lstm_bit_for_bit(spy, context, variable):
    # enable_grad with nothing requiring a gradient is inference too
    lstm = _make(num_layers=2, bidirectional=True).float()
    lstm.requires_grad_(context is not torch.enable_grad)
    plain = _as_nn_lstm(lstm).requires_grad_(context is not torch.enable_grad)
    x, lengths = torch.randn(6, 45, 3), torch.tensor([45, 44, 12, 3, 1, 2])
    with context():  # the reference in the same mode (nn.LSTM's kernels differ with it)
        got = lstm(x, lengths=lengths if variable else None)
        packed = x if not variable else pack_padded_sequence(x, lengths, batch_first=True,
                                                               enforce_sorted=False)
        out, (h_n, c_n) = plain(packed)
        if variable:
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=45)
    want = [out, h_n, c_n]
    for g, w in zip([got[0], *got[1]], want, strict=True):
        assert torch.equal(g, w)
    assert spy == {"forward": 0, "backward": 0}


def _fallback_cases():
    x = torch.randn(4, 7, 3)
    lengths = torch.tensor([7, 3, 1, 6])
    hx = (torch.randn(2, 4, 6), torch.randn(2, 4, 6))
    return {
        "float64": (dict(), x.double(), lengths, None),
        "proj_size": (dict(proj_size=2), x, lengths, None),
        "hx": (dict(), x, None, hx),
        "packed": (dict(), pack_padded_sequence(x, lengths, batch_first=True,
                                                enforce_sorted=False), None, None),
        "small-batch-large-hidden": (dict(hidden_size=lstm_module.FUSED_MAX_HIDDEN + 1), x,
                                     lengths, None),
    }


@pytest.mark.parametrize("case", list(_fallback_cases()))
def test_fallbacks_are_nn_lstm_bit_for_bit(spy, case):
    kwargs, x, lengths, hx = _fallback_cases()[case]
    kwargs = {"hidden_size": 6, **kwargs}
    torch.manual_seed(0)
    lstm = LSTM(3, num_layers=2, batch_first=True, **kwargs).to(
        torch.float64 if case == "float64" else torch.float32)
    plain = _as_nn_lstm(lstm)
    if hx is not None and lstm.proj_size == 0:
        hx = tuple(s[:, :, : lstm.hidden_size] for s in hx)
    if isinstance(x, torch.Tensor):
        x = x.requires_grad_(True)
    got_out, (got_h, got_c) = lstm(x, hx, lengths=lengths)
    packed = x if lengths is None else pack_padded_sequence(x, lengths, batch_first=True,
                                                           enforce_sorted=False)
    out, (h_n, c_n) = plain(packed, hx)
    if lengths is not None:
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
    if not isinstance(out, torch.Tensor):  # a PackedSequence in, one out
        assert type(got_out) is type(out)
        got_out, out = got_out.data, out.data
    for g, w in ((got_out, out), (got_h, h_n), (got_c, c_n)):
        assert torch.equal(g, w)
    assert spy == {"forward": 0, "backward": 0}


@pytest.mark.parametrize("variable", [False, True], ids=["fixed", "lengths"])
def test_without_the_c_loops_it_is_nn_lstm(monkeypatch, variable):
    monkeypatch.setattr(_native, "_state", {"lib": None, "why": "off"})
    lstm = _make(num_layers=2, bidirectional=True).float()
    plain = _as_nn_lstm(lstm)
    x = torch.randn(4, 7, 3)
    lengths = torch.tensor([7, 3, 1, 6]) if variable else None
    for got, want in zip(_run(lstm, x, lengths), _run(plain, x, lengths), strict=True):
        assert torch.equal(got, want)


def test_the_size_rule():
    small, large = lstm_module.FUSED_MAX_HIDDEN, lstm_module.FUSED_MAX_HIDDEN + 1
    assert lstm_module._fused_size(1, small) and lstm_module._fused_size(256, small)
    assert not lstm_module._fused_size(lstm_module.FUSED_MIN_BATCH - 1, large)
    assert lstm_module._fused_size(lstm_module.FUSED_MIN_BATCH, large)


@needs_native
def test_other_layouts_and_options_match_nn_lstm(spy):
    # batch_first=False and bias=False run the C loops
    torch.manual_seed(0)
    for kwargs in (dict(batch_first=False), dict(batch_first=True, bias=False)):
        lstm = LSTM(3, 5, **kwargs)
        plain = _as_nn_lstm(lstm)
        x = torch.randn(6, 4, 3)
        got, want = lstm(x), plain(x)
        for g, w in ((got[0], want[0]), *zip(got[1], want[1])):
            torch.testing.assert_close(g, w, atol=2e-6, rtol=0)
    assert spy["forward"] == 2


def test_parameters_state_dict_and_pickles_are_nn_lstms():
    lstm = LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True, dropout=0.2)
    plain = nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True, dropout=0.2)
    assert isinstance(lstm, nn.LSTM)
    assert list(lstm.state_dict()) == list(plain.state_dict())
    assert [p.shape for p in lstm.parameters()] == [p.shape for p in plain.parameters()]
    plain.load_state_dict(lstm.state_dict())  # and back
    lstm.load_state_dict(plain.state_dict())
    again = pickle.loads(pickle.dumps(lstm))
    assert type(again) is LSTM
    x = torch.randn(2, 4, 3)
    torch.testing.assert_close(again.eval()(x)[0], lstm.eval()(x)[0], atol=0, rtol=0)
    buffer = io.BytesIO()
    torch.save(lstm.state_dict(), buffer)
    buffer.seek(0)
    plain.load_state_dict(torch.load(buffer))


@needs_native
def test_dropout_between_layers_in_training_only(spy):
    torch.manual_seed(0)
    lstm = LSTM(3, 8, num_layers=2, batch_first=True, dropout=0.5)
    x = torch.randn(4, 6, 3)
    torch.manual_seed(1)
    a = lstm(x)[0]
    torch.manual_seed(2)
    b = lstm(x)[0]
    assert not torch.equal(a, b)
    assert spy["forward"] == 4
    lstm.eval()  # with gradients on: the fused path without dropout
    torch.testing.assert_close(lstm(x)[0], _as_nn_lstm(lstm).eval()(x)[0], atol=2e-6, rtol=0)
    assert spy["forward"] == 6


@needs_native
def test_the_network_trains_fused_and_predicts_with_nn_lstm(spy):
    # per-step outputs with lengths: zeros after the end on both paths
    torch.manual_seed(0)
    net = RecurrentNetwork(3, 2, hidden_size=6, num_layers=2, per_step=True)
    assert type(net.recurrent) is LSTM
    x, lengths = torch.randn(4, 7, 3), torch.tensor([7, 3, 1, 6])
    trained = net(x, lengths)
    assert spy["forward"] == 2
    with torch.no_grad():
        predicted = net(x, lengths)
    assert spy["forward"] == 2
    torch.testing.assert_close(trained, predicted, atol=2e-6, rtol=0)
    # stepping with a carried state: nn.LSTM's forward with hx
    first, state = run_with_state(net.eval(), x[:1, :4])
    rest, _ = run_with_state(net, x[:1, 4:], state)
    torch.testing.assert_close(torch.cat([first, rest], 1), predicted[:1], atol=1e-6, rtol=0)
    assert spy["forward"] == 2


@needs_native
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_fitted_default_classifier_trains_fused_and_predicts_with_nn_lstm(spy):
    from sklstm import LSTMClassifier

    rng = np.random.RandomState(0)
    X = [rng.normal(size=(int(rng.randint(2, 9)), 2)).astype(np.float32) for _ in range(40)]
    y = np.array([int(seq[:, 0].sum() > 0) for seq in X])
    clf = LSTMClassifier(hidden_size=8, bidirectional=True, max_iter=5, random_state=0).fit(X, y)
    assert type(clf.module_.recurrent) is LSTM
    assert spy["forward"] > 0 and spy["backward"] > 0
    trained = dict(spy)
    proba = clf.predict_proba(X)
    assert spy == trained  # predictions: nn.LSTM's own forward
    assert proba.shape == (40, 2) and np.allclose(proba.sum(axis=1), 1.0)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), proba)
