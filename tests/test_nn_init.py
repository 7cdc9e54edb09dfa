"""sklstm.nn.init: Keras-style initialisation."""

import torch
from torch import nn

from sklstm.nn import keras_init_


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
