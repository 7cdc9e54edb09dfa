"""sklstm.nn.init: Keras-style initialisation."""

import math

import pytest
import torch
from torch import nn

from sklstm.nn import PeepholeLSTM, chrono_init_, default_init_, keras_init_


def test_lstm_weights_follow_keras():
    torch.manual_seed(0)
    lstm = keras_init_(nn.LSTM(6, 5, num_layers=2))
    h = 5
    for layer in range(2):
        w_hh = getattr(lstm, f"weight_hh_l{layer}")  # (4h, h): orthonormal columns
        torch.testing.assert_close(w_hh.T @ w_hh, torch.eye(h), atol=1e-5, rtol=0)
        w_ih = getattr(lstm, f"weight_ih_l{layer}")
        fan_in = w_ih.shape[1]
        limit = (6 / (fan_in + 4 * h)) ** 0.5  # Glorot uniform bound
        assert w_ih.abs().max() <= limit
        assert w_ih.abs().max() > 0.8 * limit
        b_ih = getattr(lstm, f"bias_ih_l{layer}")
        b_hh = getattr(lstm, f"bias_hh_l{layer}")
        expected = torch.zeros(4 * h)
        expected[h : 2 * h] = 1.0  # forget gate (order i, f, g, o)
        torch.testing.assert_close(b_ih + b_hh, expected)


def test_linear_layers_glorot_with_zero_bias():
    torch.manual_seed(0)
    linear = keras_init_(nn.Sequential(nn.Linear(10, 30)))[0]
    assert torch.count_nonzero(linear.bias) == 0
    assert linear.weight.abs().max() <= (6 / 40) ** 0.5


def _gates(lstm, name, h):
    """The summed input and forget gate biases of one layer and direction."""
    bias = getattr(lstm, name.replace("bias", "bias_ih")) if isinstance(lstm, nn.LSTM) else getattr(lstm, name)
    if isinstance(lstm, nn.LSTM):
        bias = bias + getattr(lstm, name.replace("bias", "bias_hh"))
    return bias[:h], bias[h : 2 * h]


@pytest.mark.parametrize("make", [nn.LSTM, PeepholeLSTM], ids=["lstm", "peephole"])
def test_chrono_biases_spread_memory_over_the_length(make):
    h, T = 64, 100
    lstm = make(3, h, num_layers=2, bidirectional=True)
    chrono_init_(lstm, max_length=T, generator=torch.Generator().manual_seed(0))
    for name in ("bias_l0", "bias_l1_reverse"):
        i_gate, f_gate = _gates(lstm, name, h)
        torch.testing.assert_close(i_gate, -f_gate)
        assert f_gate.min() >= 0 and f_gate.max() <= math.log(T - 1) + 1e-6
        assert f_gate.max() > math.log(T / 4)  # some units remember tens of steps
    # the same seed gives the same biases; another one does not
    again = chrono_init_(make(3, h, num_layers=2, bidirectional=True), T,
                         generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(_gates(again, "bias_l0", h), _gates(lstm, "bias_l0", h))


def test_default_init_has_unit_variance_embeddings_and_optional_chrono():
    net = nn.Sequential(nn.Embedding(1000, 16), nn.LSTM(16, 8))
    default_init_(net, torch.Generator().manual_seed(0))
    assert abs(float(net[0].weight.detach().std()) - 1.0) < 0.05
    torch.testing.assert_close(net[1].bias_ih_l0[8:16], torch.ones(8))  # Keras' forget bias
    default_init_(net, torch.Generator().manual_seed(0), max_length=50)
    assert not torch.equal(net[1].bias_ih_l0[8:16], torch.ones(8))
    assert keras_init_(nn.Embedding(10, 4)).weight.abs().max() <= 0.05  # Keras' scale kept there
