"""sklstm.nn.network: readout of the last real step, packing, dropout."""

import pytest
import torch

from sklstm.nn import RecurrentNetwork


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_padding_never_changes_the_output(bidirectional, num_layers):
    torch.manual_seed(0)
    net = RecurrentNetwork(3, 2, hidden_size=5, num_layers=num_layers,
                           bidirectional=bidirectional).eval()
    x = torch.randn(3, 7, 3)
    lengths = torch.tensor([7, 4, 1])
    batched = net(x, lengths)
    for i, n in enumerate(lengths.tolist()):
        alone = net(x[i : i + 1, :n])
        torch.testing.assert_close(batched[i : i + 1], alone)
    garbage = x.clone()
    garbage[1, 4:] = 99.0
    torch.testing.assert_close(net(garbage, lengths), batched)


@pytest.mark.parametrize("cell", ["lstm", "peephole", "gru", "rnn"])
@pytest.mark.parametrize("pooling", ["last", "mean", "max", "attention"])
def test_an_empty_sequence_is_read_as_the_initial_state(cell, pooling):
    torch.manual_seed(0)
    net = RecurrentNetwork(3, 2, hidden_size=5, cell=cell, pooling=pooling,
                           bidirectional=True).eval()
    x = torch.randn(3, 4, 3)
    x[1] = float("nan")  # whatever the padding holds is never read
    out = net(x, torch.tensor([4, 0, 2]))
    torch.testing.assert_close(out[1], net.head(torch.zeros(10)))
    torch.testing.assert_close(out[[0, 2]], net(x[[0, 2]], torch.tensor([4, 2])))


def test_full_lengths_equal_no_lengths():
    torch.manual_seed(0)
    net = RecurrentNetwork(2, 1, hidden_size=4).eval()
    x = torch.randn(4, 6, 2)
    torch.testing.assert_close(net(x), net(x, torch.full((4,), 6)))


def test_bidirectional_readout_concatenates_both_directions():
    net = RecurrentNetwork(2, 3, hidden_size=4, bidirectional=True)
    assert net.head.in_features == 8
    assert net(torch.randn(2, 5, 2)).shape == (2, 3)


def test_dropout_acts_with_a_single_layer():
    torch.manual_seed(0)
    net = RecurrentNetwork(2, 1, hidden_size=16, dropout=0.5)
    assert net.recurrent.dropout == 0.0  # nn.LSTM's own dropout needs 2+ layers
    x = torch.randn(8, 5, 2)
    net.train()
    assert not torch.equal(net(x), net(x))
    net.eval()
    assert torch.equal(net(x), net(x))
    assert RecurrentNetwork(2, 1, num_layers=2, dropout=0.3).recurrent.dropout == 0.3


@pytest.mark.parametrize("cell", ["lstm", "gru", "peephole"])
def test_bidirectional_last_readout_is_forward_last_and_backward_first(cell):
    torch.manual_seed(0)
    net = RecurrentNetwork(2, 3, hidden_size=4, num_layers=2, bidirectional=True, cell=cell).eval()
    x = torch.randn(5, 6, 2)
    with torch.no_grad():
        outputs = net.recurrent(x)[0]  # (batch, time, 2 * hidden), top layer
        forward_last, backward_first = outputs[:, -1, :4], outputs[:, 0, 4:]
        expected = net.head(torch.cat((forward_last, backward_first), dim=1))
        torch.testing.assert_close(net(x), expected)


@pytest.mark.parametrize("pooling", ["mean", "max"])
def test_mean_and_max_pooling_match_their_definitions(pooling):
    torch.manual_seed(0)
    net = RecurrentNetwork(2, 1, hidden_size=3, pooling=pooling).eval()
    x = torch.randn(4, 5, 2)
    with torch.no_grad():
        outputs = net.recurrent(x)[0]
        pooled = outputs.mean(dim=1) if pooling == "mean" else outputs.max(dim=1).values
        torch.testing.assert_close(net(x), net.head(pooled))


def test_bad_pooling_names_every_choice():
    with pytest.raises(ValueError, match=r"pooling must be one of \('last', 'mean', 'max', 'attention'\), got 'bogus'"):
        RecurrentNetwork(2, 1, pooling="bogus")


def test_embedding_without_num_embeddings_says_what_is_missing():
    with pytest.raises(ValueError, match=r"embedding_dim needs num_embeddings.*Tokenizer.n_tokens_"):
        RecurrentNetwork(2, 1, embedding_dim=4)
