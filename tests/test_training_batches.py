"""Training batches: batch_indices of sklstm._training.

With sequence lengths, shuffled batches group sequences of similar length (less
padding per batch) while still covering every index once and staying shuffled;
without shuffling, batches are ordered slices whatever the lengths.
"""

import numpy as np
import pytest
import torch

from sklstm._training import batch_indices


def _spread(batches, lengths):
    return float(np.mean([(lengths[b].max() - lengths[b].min()).item() for b in batches]))


@pytest.mark.parametrize("n, size", [(1000, 10), (1003, 10), (237, 16), (5, 8)])
def test_batch_indices_with_lengths_cover_every_index_once(n, size):
    lengths = torch.randint(1, 101, (n,), generator=torch.Generator().manual_seed(0))
    batches = batch_indices(n, size, True, torch.Generator().manual_seed(1), lengths)
    flat = torch.cat([torch.as_tensor(b) for b in batches])
    assert sorted(flat.tolist()) == list(range(n))
    sizes = [len(b) for b in batches]
    assert sum(s != size for s in sizes) <= (0 if n % size == 0 else 1)
    assert all(0 < s <= size for s in sizes)
    plain = batch_indices(n, size, True, torch.Generator().manual_seed(1))
    assert sorted(torch.cat(list(plain)).tolist()) == list(range(n))
    assert sum(len(b) != size for b in plain) <= (0 if n % size == 0 else 1)


def test_batch_indices_with_lengths_group_similar_lengths():
    n, size = 1000, 10
    lengths = torch.randint(1, 101, (n,), generator=torch.Generator().manual_seed(0))
    grouped = batch_indices(n, size, True, torch.Generator().manual_seed(1), lengths)
    plain = batch_indices(n, size, True, torch.Generator().manual_seed(1))
    assert _spread(grouped, lengths) < 0.2 * _spread(plain, lengths)
    # the batches are still shuffled: not in increasing order of length
    means = [lengths[b].float().mean().item() for b in grouped]
    assert not np.all(np.diff(means) >= 0)
    # and a different generator gives a different epoch
    other = batch_indices(n, size, True, torch.Generator().manual_seed(2), lengths)
    assert [b.tolist() for b in other] != [b.tolist() for b in grouped]


def test_batch_indices_without_shuffle_are_ordered_slices_ignoring_lengths():
    n, size = 23, 5
    lengths = torch.arange(n, 0, -1)
    batches = batch_indices(n, size, False, torch.Generator().manual_seed(0), lengths)
    expected = [slice(0, 5), slice(5, 10), slice(10, 15), slice(15, 20), slice(20, 23)]
    assert batches == expected
    assert batch_indices(n, size, False, torch.Generator().manual_seed(0)) == expected
