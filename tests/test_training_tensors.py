"""The numpy → torch hand-off (sklstm/_training/_tensors.py)."""

import numpy as np
import pytest
import torch

from sklstm._training import TensorData, fits_on_device, normalized_weights, to_tensor_data


def test_to_tensor_data_normalises_weights_and_skips_full_lengths():
    values = np.zeros((4, 3, 1), np.float32)
    data = to_tensor_data(values, np.array([3, 3, 3, 3]), torch.device("cpu"), np.zeros(4),
                          np.array([1.0, 1, 2, 4]))
    assert data.lengths is None
    assert data.weight.mean().item() == pytest.approx(1.0)
    assert data.weight[3].item() == pytest.approx(4 * data.weight[0].item())
    padded = to_tensor_data(np.zeros((2, 3, 1), np.float32), np.array([3, 1]), torch.device("cpu"))
    assert padded.lengths.tolist() == [3, 1]
    assert torch.from_numpy(values).data_ptr() == data.X.data_ptr()  # no copy on the CPU


@pytest.mark.parametrize(
    "weights", [[5e-324, 1e-323, 1e-323], [1e308, 1e308, 5e307], [1.0, 3.0, 2.0]]
)
def test_weights_are_normalised_once_to_mean_one_at_any_scale(weights):
    normalized = normalized_weights(np.array(weights))
    assert normalized.dtype == np.float32 and np.isfinite(normalized).all()
    assert normalized.mean() == pytest.approx(1.0)
    ratio = np.array(weights) / max(weights)
    np.testing.assert_allclose(normalized / normalized.max(), ratio, rtol=1e-6)


def test_equal_weights_need_no_weighting():
    assert normalized_weights(np.full(4, 0.25)) is None


def test_training_data_stays_on_the_host_when_the_gpu_is_too_small(monkeypatch):
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (1000, 8000))
    assert fits_on_device(500, torch.device("cuda"))
    assert not fits_on_device(501, torch.device("cuda"))
    assert fits_on_device(10**15, torch.device("cpu"))


def test_tensor_data_batch_by_index_and_slice():
    data = TensorData(torch.arange(12.0).reshape(4, 3, 1), torch.tensor([3, 2, 1, 3]),
                      torch.arange(4.0), torch.ones(4))
    X, lengths, y, w = data.batch(torch.tensor([2, 0]))
    assert lengths.tolist() == [1, 3] and y.tolist() == [2.0, 0.0]
    X, lengths, y, w = data.batch(slice(1, 3))
    assert X.shape == (2, 2, 1) and lengths.tolist() == [2, 1]  # cut at the longest


def test_batches_of_host_data_move_to_the_training_device():
    # Data too large for the GPU stays on the host; each batch moves on its
    # own. The "meta" device stands in for a GPU (no data is copied to it).
    X = torch.arange(24.0).reshape(6, 2, 2)
    data = TensorData(X, None, torch.arange(6.0), torch.ones(6), device=torch.device("meta"))
    xb, _, yb, wb = data.batch(torch.tensor([4, 1]))
    assert xb.device.type == "meta" and xb.shape == (2, 2, 2)
    assert yb.tolist() == [4.0, 1.0] and wb.tolist() == [1.0, 1.0]
    assert data.batch(slice(0, 3))[0].device.type == "meta"
