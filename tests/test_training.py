"""The training loop, exercised with a plain network and no estimator."""

import math

import pytest
import torch

from sklstm._training import (
    StoppingRule,
    TensorData,
    Trainer,
    TrainingHistory,
    TrainingSettings,
    make_schedule,
    predict_outputs,
)
from sklstm.nn import RecurrentNetwork


def _mse(outputs, target):
    return ((outputs - target) ** 2).mean(dim=1)


def _neg_mse(outputs, target, weight):
    return -float(((outputs - target) ** 2).mean())


def _problem(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 5, 1, generator=g)
    return TensorData(X, None, X.sum(dim=1), torch.ones(n))


def _run(net, data, history, lr=0.01, loss_fn=_mse, opt=None, validation=None, *,
         max_iter=5, tol=0.0, n_iter_no_change=100, learning_rate="constant",
         trainer_class=Trainer, **settings):
    opt = opt or torch.optim.Adam(net.parameters(), lr=lr)
    trainer = trainer_class(
        net, opt, loss_fn,
        settings=TrainingSettings(**{"max_iter": max_iter, "batch_size": 16, **settings}),
        history=history,
        generator=torch.Generator().manual_seed(0),
        score_fn=_neg_mse,
        stopping=StoppingRule(tol, n_iter_no_change),
        schedule=make_schedule(learning_rate, learning_rate_init=lr, total=max_iter, offset=0),
    )
    return trainer.fit(data, validation)


@pytest.fixture
def net():
    torch.manual_seed(0)
    return RecurrentNetwork(1, 1, hidden_size=8)


def test_loss_decreases_and_records_are_complete(net):
    history = TrainingHistory()
    assert not _run(net, _problem(), history, max_iter=20)
    assert history.n_iter == 20
    losses = [r["train_loss"] for r in history.records]
    assert losses[-1] < 0.5 * losses[0]
    assert history.best_loss == min(losses)
    assert set(history.records[0]) == {
        "epoch", "train_loss", "valid_loss", "valid_score", "learning_rate", "seconds"
    }
    assert math.isnan(history.records[0]["valid_score"])
    assert [r["epoch"] for r in history.records] == list(range(1, 21))


def test_plateau_stops_training(net):
    history = TrainingHistory()
    # a huge tol: only the first epoch (vs. an infinite best loss) is progress
    assert _run(net, _problem(), history, max_iter=50, tol=1e6, n_iter_no_change=2)
    assert history.n_iter == 4  # 1 improving epoch + 3 > n_iter_no_change


def test_plateau_schedule_divides_learning_rate_then_stops(net):
    history = TrainingHistory()
    stopped = _run(net, _problem(), history, lr=1e-4, max_iter=50, tol=1e6,
                   n_iter_no_change=1, learning_rate="plateau")
    rates = [r["learning_rate"] for r in history.records]
    assert stopped and history.n_iter < 50
    assert rates[0] == pytest.approx(1e-4)
    assert sorted(set(rates), reverse=True) == pytest.approx([1e-4, 2e-5, 4e-6])


def test_cosine_schedule(net):
    history = TrainingHistory()
    _run(net, _problem(), history, lr=0.1, max_iter=4, learning_rate="cosine")
    rates = [r["learning_rate"] for r in history.records]
    assert rates == pytest.approx([0.1, 0.1 * (1 + math.cos(math.pi / 4)) / 2, 0.05,
                                   0.1 * (1 + math.cos(3 * math.pi / 4)) / 2])


def test_validation_records_loss_and_restores_best_weights(net):
    history = TrainingHistory()
    valid = _problem(32, seed=1)
    _run(net, _problem(), history, max_iter=8, validation=valid)
    scores = [r["valid_score"] for r in history.records]
    assert all(r["valid_loss"] == pytest.approx(-r["valid_score"]) for r in history.records)
    final = predict_outputs(net, valid, 1024)
    assert _neg_mse(final, valid.y, valid.weight) == pytest.approx(max(scores), rel=1e-5)


def test_best_epoch_is_the_restored_epoch_of_the_last_call(net):
    history = TrainingHistory()
    valid = _problem(32, seed=1)
    _run(net, _problem(), history, max_iter=6, validation=valid)
    scores = [r["valid_score"] for r in history.records]
    assert history.best_epoch == 1 + scores.index(max(scores))
    # a second call with validation picks among its own epochs only
    _run(net, _problem(), history, lr=1e-9, max_iter=2, validation=valid)
    assert history.best_epoch in (7, 8)
    # a call without validation restores its epoch of lowest training loss
    _run(net, _problem(), history, max_iter=1)
    assert history.best_epoch == 9


def test_without_validation_the_epoch_of_lowest_training_loss_is_restored(net):
    history, data = TrainingHistory(), _problem()
    kept = {}

    class Spiking(Trainer):  # the loss jumps up after epoch 2 and stays there
        def end_epoch(self, record):
            if record["epoch"] == 2:
                kept.update({k: v.clone() for k, v in self.module.state_dict().items()})
            if record["epoch"] > 2:
                record = {**record, "train_loss": record["train_loss"] + 10.0}
            return super().end_epoch(record)

    _run(net, data, history, trainer_class=Spiking)
    assert history.n_iter == 5 and history.best_epoch == 2
    for name, value in net.state_dict().items():
        assert torch.equal(value, kept[name])


def test_divergence_stops_at_the_batch_and_restores_last_good_epoch(net):
    data = _problem()
    opt = torch.optim.SGD(net.parameters(), lr=1e6)
    history = TrainingHistory()
    with pytest.raises(ValueError, match=r"diverged in epoch \d+, batch \d+") as info:
        _run(net, data, history, opt=opt, max_iter=50)
    assert "learning_rate_init" in str(info.value)
    assert not net.training  # left ready for inference, as after any fit
    # restored to the end of the last finished epoch: finite, and predictions too
    assert all(torch.isfinite(p).all() for p in net.parameters())
    assert torch.isfinite(predict_outputs(net, data, 1024)).all()
    assert all(math.isfinite(r["train_loss"]) for r in history.records)


def test_keyboard_interrupt_ends_training_with_warning(net):
    calls = {"n": 0}

    def interrupting_loss(outputs, target):
        calls["n"] += 1
        if calls["n"] == 6:  # second batch of the second epoch
            raise KeyboardInterrupt
        return _mse(outputs, target)

    history = TrainingHistory()
    with pytest.warns(UserWarning, match="interrupted by user after 1 epochs"):
        stopped = _run(net, _problem(), history, loss_fn=interrupting_loss, shuffle=False)
    assert stopped and history.n_iter == 1
    assert torch.isfinite(predict_outputs(net, _problem(), 1024)).all()


def test_clipping_bounds_each_step(net):
    data = _problem()
    before = [p.detach().clone() for p in net.parameters()]
    opt = torch.optim.SGD(net.parameters(), lr=1.0)
    _run(net, data, TrainingHistory(), opt=opt, max_iter=1, batch_size=64,
         clip_grad_norm=1e-3)
    change = torch.sqrt(sum(((p - b) ** 2).sum() for p, b in zip(net.parameters(), before)))
    assert change <= 1e-3 * (1 + 1e-4)


def test_predict_outputs_batches_agree_and_restore_train_mode():
    torch.manual_seed(0)
    net = RecurrentNetwork(1, 2, hidden_size=4, dropout=0.5)
    data = _problem(50)
    net.train()
    a = predict_outputs(net, data, 7)
    b = predict_outputs(net, data, 1024)
    assert net.training and not a.requires_grad
    torch.testing.assert_close(a, b)


def test_clip_gradients_on_an_accelerator_never_reads_the_norm():
    # Off the CPU the norm stays a device tensor (no host synchronisation);
    # the "meta" device stands in for a GPU and refuses to be read.
    from sklstm._training import clip_gradients

    params = [torch.zeros(3, 4, device="meta", requires_grad=True),
              torch.zeros(5, device="meta", requires_grad=True)]
    for p in params:
        p.grad = torch.empty_like(p)
    norm = clip_gradients(params, 1.0)
    assert norm.device.type == "meta" and norm.shape == ()


@pytest.mark.parametrize("scale", [1e-3, 1.0, 50.0, float("inf")])
def test_clip_gradients_matches_pytorch(scale):
    from sklstm._training import clip_gradients

    torch.manual_seed(0)
    ours = [torch.zeros(3, 4, requires_grad=True), torch.zeros(5, requires_grad=True)]
    theirs = [torch.zeros_like(p, requires_grad=True) for p in ours]
    for a, b in zip(ours, theirs):
        a.grad = torch.randn_like(a) * scale
        b.grad = a.grad.clone()
    norm = clip_gradients(ours, 2.0)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 2.0)
    torch.testing.assert_close(norm, expected, equal_nan=True)
    if math.isfinite(scale):
        for a, b in zip(ours, theirs):
            torch.testing.assert_close(a.grad, b.grad)
            assert float(torch.linalg.vector_norm(torch.cat([a.grad.ravel() for a in ours]))) <= 2.0 + 1e-5


def test_a_subclass_replaces_one_step_and_keeps_the_rest(net):
    # the loss step: absolute error instead of the given squared error
    class L1Trainer(Trainer):
        def compute_loss(self, outputs, target, weight):
            return (outputs - target).abs().mean()

    history = TrainingHistory()
    _run(net, _problem(), history, max_iter=1, trainer_class=L1Trainer, shuffle=False)
    torch.manual_seed(0)
    twin = RecurrentNetwork(1, 1, hidden_size=8)
    twin_history = TrainingHistory()
    _run(twin, _problem(), twin_history, max_iter=1, shuffle=False)
    assert history.records[0]["train_loss"] != twin_history.records[0]["train_loss"]
    data = _problem()
    with torch.no_grad():  # the recorded loss is the L1 loss of the epoch's batches
        assert history.records[0]["train_loss"] < 2 * float((net(data.X) - data.y).abs().mean())


def test_a_per_batch_hook_sees_every_batch(net):
    class CountingTrainer(Trainer):
        seen = []

        def train_step(self, batch):
            loss = super().train_step(batch)
            self.seen.append(len(batch[0]))
            return loss

    _run(net, _problem(64), TrainingHistory(), max_iter=2, batch_size=24,
         trainer_class=CountingTrainer)
    assert CountingTrainer.seen == [24, 24, 16] * 2


@pytest.mark.parametrize("clip", [None, 1.0])
def test_divergence_message_suggests_only_remedies_not_in_use(net, clip):
    opt = torch.optim.SGD(net.parameters(), lr=1e38)
    with pytest.raises(ValueError, match="Training diverged") as info:
        _run(net, _problem(), TrainingHistory(), opt=opt, max_iter=5, clip_grad_norm=clip)
    assert ("clip_grad_norm=1.0" in str(info.value)) is (clip is None)
    assert "lower learning_rate_init" in str(info.value)
    assert all(torch.isfinite(p).all() for p in net.parameters())  # the last good epoch's


def test_stopping_rule_takes_validation_numbers_by_keyword_only():
    """A 0.1.0-style positional score is refused, not read as a loss."""
    rule, history = StoppingRule(tol=0.0, n_iter_no_change=1), TrainingHistory()
    with pytest.raises(TypeError):
        rule.update(history, 1.0, 0.5)
    assert rule.update(history, 1.0, valid_loss=0.5, valid_score=0.9) == (True, True)
    assert (history.best_validation_loss, history.best_validation_score) == (0.5, 0.9)


def test_auto_epochs_count_updates_on_small_sets_and_epochs_on_large_ones():
    from sklstm._training import AUTO_MAX_ITER, AUTO_PATIENCE, resolve_epochs

    assert AUTO_PATIENCE == (10, 400) and AUTO_MAX_ITER == (200, 2000)
    # patience: 2 updates per epoch (50 sequences at batch 32) -> 200 epochs
    assert [resolve_epochs("auto", n, AUTO_PATIENCE) for n in (1, 2, 3, 40, 45)] == [
        400, 200, 134, 10, 10]
    # budget: 200 epochs from 10 updates per epoch (320 sequences at batch 32) on
    assert [resolve_epochs("auto", n, AUTO_MAX_ITER) for n in (2, 4, 9, 10, 100)] == [
        1000, 500, 223, 200, 200]
    assert resolve_epochs(7, 1, AUTO_MAX_ITER) == 7  # a number is a number of epochs
    assert resolve_epochs("auto", 0, AUTO_PATIENCE) == 400  # never divides by zero
