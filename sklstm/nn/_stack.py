"""Layers, directions and variable lengths around a fused one-direction recurrence.

The fused cells (:class:`~sklstm.nn.PeepholeLSTM`, :class:`~sklstm.nn.GRU`)
run one layer and direction at a time over a time-major padded batch. What
this module adds is shared by both:

- variable lengths without packing: padding is zeroed (NaN included, it
  never reaches the gates) and the recurrence runs through it, since a
  sequence's steps never depend on later ones. The direction returns its
  hidden states from the initial one, (T + 1, B, H), and its final states at
  each sequence's last real step; the outputs are picked from those rows.
- the reverse direction reads each sequence reversed within its own length
  (a gather, not a flip of the padded tensor), and its outputs are put back
  in order the same way.
- stacking: each layer reads the concatenated directions of the one below,
  with dropout between layers in training.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

__all__ = ["run_packed", "run_stack"]


def run_stack(x, lengths, direction, *, hidden_size, num_layers, bidirectional, dropout,
              training, zero_after_end=False):
    """Run a stack of fused recurrences over a batch-first padded ``x``.

    Parameters
    ----------
    x : Tensor of shape (batch, time, features)
    lengths : Tensor of shape (batch,) or None
        True lengths (clamped to [0, time]); None: every step is real.
    direction : callable
        ``direction(seq, lengths, index, reverse)`` runs layer ``index //
        directions`` in one direction over ``seq`` (T, B, F) and returns
        ``(h_all, *finals)``: the hidden states ((T + 1, B, H) starting with
        the initial state when ``lengths`` is given, else (T, B, H)) and the
        final states (each (B, H)). ``index`` counts layers and directions
        as ``nn.LSTM`` orders its states.
    hidden_size, num_layers, bidirectional, dropout, training
        The stack's settings (dropout between layers only while training).
    zero_after_end : bool, default=False
        Outputs after a sequence's end are zeros (as ``nn.GRU`` on a packed
        sequence gives them after ``pad_packed_sequence``); otherwise each
        direction's state at the end is held there.

    Returns
    -------
    output : Tensor of shape (batch, time, hidden_size * directions)
    finals : list of Tensors of shape (num_layers * directions, batch, hidden_size)
        Each kind of final state, stacked.
    """
    seq = x.transpose(0, 1)  # (T, B, F)
    T, B = seq.shape[:2]
    H = hidden_size
    if lengths is not None:
        lengths = lengths.to(device=x.device, dtype=torch.long).clamp(0, T)
        steps = torch.arange(T, device=x.device)[:, None]
        real = steps < lengths
        # padding, NaN included, never reaches the gates
        seq = seq.masked_fill(~real[:, :, None], 0.0)
        # row of the (T + 1)-row hidden states each output step shows:
        # forwards held after the end, backwards reversed within the length
        held = torch.minimum(steps + 1, lengths).unsqueeze(2).expand(T, B, H)
        flipped = torch.where(real, lengths - steps, lengths).unsqueeze(2).expand(T, B, H)
        reverse_in = torch.where(real, lengths - 1 - steps, steps).unsqueeze(2)
    directions = 2 if bidirectional else 1
    finals = []
    for layer in range(num_layers):
        h_all, *states = direction(seq, lengths, layer * directions, False)
        outputs = [h_all if lengths is None else h_all.gather(0, held)]
        finals.append(states)
        if bidirectional:
            if lengths is None:
                h_all, *states = direction(seq.flip(0), None, layer * directions + 1, True)
                outputs.append(h_all.flip(0))
            else:
                reversed_seq = seq.gather(0, reverse_in.expand_as(seq))
                h_all, *states = direction(reversed_seq, lengths, layer * directions + 1, True)
                outputs.append(h_all.gather(0, flipped))
            finals.append(states)
        seq = torch.cat(outputs, dim=2) if len(outputs) > 1 else outputs[0]
        if dropout and training and layer < num_layers - 1:
            seq = nn.functional.dropout(seq, dropout, training=True)
    if zero_after_end and lengths is not None:
        seq = seq.masked_fill(~real[:, :, None], 0.0)
    return seq.transpose(0, 1), [torch.stack(kind) for kind in zip(*finals)]


def run_packed(forward, input, hx, lengths, batch_first):
    """PyTorch's own recurrent ``forward`` with ``lengths``: pack, run, pad back.

    The fallback of the fused modules: outputs after each sequence's end are
    zeros and the final states those after its last real step, as on the
    fused path. Without lengths (or given a ``PackedSequence``) ``forward``
    runs as it is.
    """
    if lengths is None or isinstance(input, PackedSequence):
        return forward(input, hx)
    packed = pack_padded_sequence(input, lengths.cpu(), batch_first=batch_first,
                                  enforce_sorted=False)
    output, state = forward(packed, hx)
    output, _ = pad_packed_sequence(output, batch_first=batch_first,
                                    total_length=input.shape[1 if batch_first else 0])
    return output, state
