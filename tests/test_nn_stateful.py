"""sklstm.nn.stateful.run_with_state: a per-step network run a chunk at a time.

Generation (LSTMStepClassifier.generate, LSTMStepRegressor.generate) reads
the prompt once and then one step at a time, carrying the recurrent state;
the outputs must be those of the network run on the whole sequence at once,
for every cell (PeepholeLSTM is stepped by hand there) and stack depth.
"""

import pytest
import torch

from sklstm.nn import CELLS, RecurrentNetwork, run_with_state

TOL = dict(rtol=1e-5, atol=1e-6)


def _net(cell="lstm", num_layers=1, **kwargs):
    torch.manual_seed(0)
    return RecurrentNetwork(3, 2, hidden_size=5, num_layers=num_layers, cell=cell,
                            per_step=True, **kwargs).eval()


def _chunked(net, x, sizes):
    """Outputs of ``net`` on ``x`` run in chunks of ``sizes`` steps, the state carried."""
    outputs, state, start = [], None, 0
    for size in sizes:
        out, state = run_with_state(net, x[:, start : start + size], state)
        outputs.append(out)
        start += size
    assert start == x.shape[1]
    return torch.cat(outputs, dim=1), state


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("cell", CELLS)
def test_carried_state_equals_the_whole_sequence(cell, num_layers):
    net = _net(cell, num_layers)
    x = torch.randn(2, 7, 3)
    whole = net(x)
    for sizes in ([7], [3, 1, 2, 1], [1] * 7):
        chunked, _ = _chunked(net, x, sizes)
        assert chunked.shape == whole.shape == (2, 7, 2)
        torch.testing.assert_close(chunked, whole, **TOL)


@pytest.mark.parametrize("cell", CELLS)
def test_first_chunk_is_the_network_on_the_prefix(cell):
    net = _net(cell, num_layers=2)
    x = torch.randn(1, 6, 3)
    out, _ = run_with_state(net, x[:, :4])
    torch.testing.assert_close(out, net(x[:, :4]), **TOL)
    torch.testing.assert_close(out, net(x)[:, :4], **TOL)  # causal: later steps do not matter


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("cell", CELLS)
def test_state_shapes_and_zero_start(cell, num_layers):
    net = _net(cell, num_layers)
    x = torch.randn(2, 4, 3)
    out, state = run_with_state(net, x)
    parts = state if isinstance(state, tuple) else (state,)
    assert len(parts) == (2 if cell in ("lstm", "peephole") else 1)
    for part in parts:
        assert part.shape == (num_layers, 2, 5)
    zeros = tuple(torch.zeros_like(p) for p in parts)
    again, _ = run_with_state(net, x, zeros if len(zeros) == 2 else zeros[0])
    torch.testing.assert_close(again, out, rtol=0, atol=0)


@pytest.mark.parametrize("cell", CELLS)
def test_a_state_can_be_reused(cell):
    """Continuing twice from the same state gives the same outputs (nothing mutated)."""
    net = _net(cell, num_layers=2)
    x = torch.randn(1, 5, 3)
    _, state = run_with_state(net, x[:, :3])
    first, _ = run_with_state(net, x[:, 3:], state)
    second, _ = run_with_state(net, x[:, 3:], state)
    assert torch.equal(first, second)
    # the state after a chunk is the state after its last step: it is not zero
    assert not torch.equal(first, run_with_state(net, x[:, 3:])[0])


@pytest.mark.parametrize("cell", CELLS)
def test_token_ids_through_the_embedding(cell):
    torch.manual_seed(0)
    net = RecurrentNetwork(1, 4, hidden_size=5, num_layers=2, cell=cell, num_embeddings=6,
                           embedding_dim=3, head_hidden_sizes=(4,), per_step=True).eval()
    ids = torch.tensor([[1, 5, 2, 2, 4, 3], [3, 3, 1, 5, 5, 2]])
    chunked, _ = _chunked(net, ids, [2, 1, 3])
    assert chunked.shape == (2, 6, 4)
    torch.testing.assert_close(chunked, net(ids), **TOL)


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported")
def test_lstm_with_projections():
    net = _net("lstm", num_layers=2, proj_size=2)
    x = torch.randn(2, 5, 3)
    chunked, (h, c) = _chunked(net, x, [2, 3])
    assert h.shape == (2, 2, 2) and c.shape == (2, 2, 5)
    torch.testing.assert_close(chunked, net(x), **TOL)


def test_refuses_a_network_without_per_step_outputs():
    net = RecurrentNetwork(3, 2, hidden_size=5).eval()
    with pytest.raises(ValueError, match="per_step=True"):
        run_with_state(net, torch.randn(1, 3, 3))


@pytest.mark.parametrize("cell", CELLS)
def test_refuses_a_bidirectional_network(cell):
    net = _net(cell, bidirectional=True)
    with pytest.raises(ValueError, match="bidirectional"):
        run_with_state(net, torch.randn(1, 3, 3))
