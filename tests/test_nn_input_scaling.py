"""Folding a standardisation into a network's first layer (sklstm/nn/_input_scaling.py)."""

import numpy as np
import pytest
import torch

from sklstm.nn import CELLS, RecurrentNetwork
from sklstm.nn._input_scaling import fold_input_scaling_, unfold_input_scaling_

MEAN, SCALE = np.array([4.0, -2.0, 0.5]), np.array([10.0, 0.2, 1.0])


def _standardised(x):
    return (x - torch.tensor(MEAN, dtype=torch.float32)) / torch.tensor(SCALE, dtype=torch.float32)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_a_folded_network_on_raw_features_is_the_network_on_standardised_ones(cell, bidirectional):
    torch.manual_seed(0)
    net = RecurrentNetwork(3, 2, hidden_size=5, num_layers=2, cell=cell,
                           bidirectional=bidirectional, pooling="mean").eval()
    # raw features at the scale the moments describe
    x = torch.randn(4, 6, 3) * torch.tensor(SCALE, dtype=torch.float32) + torch.tensor(
        MEAN, dtype=torch.float32)
    lengths = torch.tensor([6, 4, 1, 3])
    with torch.no_grad():
        expected = net(_standardised(x), lengths)
        folded = fold_input_scaling_(net, MEAN, SCALE)(x, lengths)
    torch.testing.assert_close(folded, expected, rtol=1e-5, atol=1e-5)


def test_unfold_undoes_fold_and_only_the_first_layer_changes():
    net = RecurrentNetwork(3, 2, hidden_size=4, num_layers=2, proj_size=2)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    fold_input_scaling_(net, MEAN, SCALE)
    changed = {k for k, v in net.state_dict().items() if not torch.equal(v, before[k])}
    assert changed == {"recurrent.weight_ih_l0", "recurrent.bias_ih_l0"}
    unfold_input_scaling_(net, MEAN, SCALE)
    for k, v in net.state_dict().items():
        torch.testing.assert_close(v, before[k], rtol=1e-6, atol=1e-6)


def test_token_networks_are_refused():
    net = RecurrentNetwork(1, 2, hidden_size=4, num_embeddings=5, embedding_dim=3)
    with pytest.raises(ValueError, match="token ids"):
        fold_input_scaling_(net, MEAN[:1], SCALE[:1])
