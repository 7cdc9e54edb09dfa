"""The training loop, exercised with a plain network and no estimator."""

import math

import pytest
import torch

from sklstm._training import TensorData, TrainingHistory, predict_outputs, train_epochs
from sklstm.nn import RecurrentNetwork


def _mse(outputs, target):
    return ((outputs - target) ** 2).mean(dim=1)


def _neg_mse(outputs, target, weight):
    return -float(((outputs - target) ** 2).mean())


def _problem(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 5, 1, generator=g)
    y = X.sum(dim=1)
    return TensorData(X, None, y, torch.ones(n))


def _train(module, data, history, **kwargs):
    settings = dict(
        max_iter=5, batch_size=16, shuffle=True, generator=torch.Generator().manual_seed(0),
        tol=0.0, n_iter_no_change=100,
    )
    settings.update(kwargs)
    opt = torch.optim.Adam(module.parameters(), lr=kwargs.pop("lr", 0.01))
    return train_epochs(module, opt, _mse, data, history, **settings)


def test_loss_decreases_and_history_is_recorded():
    torch.manual_seed(0)
    net = RecurrentNetwork(1, 1, hidden_size=8)
    history = TrainingHistory()
    stopped = _train(net, _problem(), history, max_iter=20)
    assert not stopped
    assert history.n_iter == 20 and len(history.loss_curve) == 20
    assert history.loss_curve[-1] < 0.5 * history.loss_curve[0]
    assert history.best_loss == min(history.loss_curve)


def test_plateau_stops_training():
    torch.manual_seed(0)
    net = RecurrentNetwork(1, 1, hidden_size=4)
    history = TrainingHistory()
    # a huge tol: only the first epoch (vs. an infinite best loss) is progress
    stopped = _train(net, _problem(), history, max_iter=50, tol=1e6, n_iter_no_change=2)
    assert stopped
    assert history.n_iter == 4  # 1 improving epoch + 3 > n_iter_no_change


def test_validation_restores_best_weights():
    torch.manual_seed(0)
    net = RecurrentNetwork(1, 1, hidden_size=8)
    history = TrainingHistory()
    valid = _problem(32, seed=1)
    _train(net, _problem(), history, max_iter=8, validation=valid, score_fn=_neg_mse)
    assert len(history.validation_scores) == 8
    final = predict_outputs(net, valid, 1024)
    assert _neg_mse(final, valid.y, valid.weight) == pytest.approx(
        max(history.validation_scores), rel=1e-5
    )


def test_divergence_raises_and_restores_last_good_weights():
    torch.manual_seed(0)
    net = RecurrentNetwork(1, 1, hidden_size=4)
    data = _problem()
    data.y[0] = math.inf
    before = {k: v.clone() for k, v in net.state_dict().items()}
    with pytest.raises(ValueError, match="diverged in epoch 1"):
        _train(net, data, TrainingHistory())
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k])


def test_keyboard_interrupt_ends_training_with_warning():
    torch.manual_seed(0)
    net = RecurrentNetwork(1, 1, hidden_size=4)
    calls = {"n": 0}

    def interrupting_loss(outputs, target):
        calls["n"] += 1
        if calls["n"] == 6:
            raise KeyboardInterrupt
        return _mse(outputs, target)

    history = TrainingHistory()
    opt = torch.optim.Adam(net.parameters())
    with pytest.warns(UserWarning, match="interrupted"):
        stopped = train_epochs(
            net, opt, interrupting_loss, _problem(), history, max_iter=5, batch_size=16,
            shuffle=False, generator=torch.Generator(), tol=0.0, n_iter_no_change=10,
        )
    assert stopped and history.n_iter == 1
    assert torch.isfinite(predict_outputs(net, _problem(), 1024)).all()


def test_predict_outputs_batches_agree_and_restore_train_mode():
    torch.manual_seed(0)
    net = RecurrentNetwork(1, 2, hidden_size=4, dropout=0.5)
    data = _problem(50)
    net.train()
    a = predict_outputs(net, data, 7)
    b = predict_outputs(net, data, 1024)
    assert net.training
    torch.testing.assert_close(a, b)


def test_tensor_data_batch_by_index_and_slice():
    data = TensorData(torch.arange(12.0).reshape(4, 3, 1), torch.tensor([3, 2, 1, 3]),
                      torch.arange(4.0), torch.ones(4))
    X, lengths, y, w = data.batch(torch.tensor([2, 0]))
    assert lengths.tolist() == [1, 3] and y.tolist() == [2.0, 0.0]
    X, lengths, y, w = data.batch(slice(1, 3))
    assert X.shape == (2, 3, 1) and lengths.tolist() == [2, 1]
