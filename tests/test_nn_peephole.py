"""sklstm.nn.PeepholeLSTM against a plain float64 reference implementation.

The reference below is the textbook peephole recurrence (Gers & Schmidhuber,
2000) written as a per-sequence Python loop over plain autograd operations,
so its gradients come from autograd, never from PeepholeLSTM's hand-written
backward pass. Everything here tests behaviour (outputs, states, gradients,
shapes), not how the module computes them.
"""

import copy

import pytest
import torch

from sklstm.nn import PeepholeLSTM

ATOL = 1e-12


# -- reference ------------------------------------------------------------------


def _ref_direction(lstm, x, name):
    """One layer and direction over one sequence ``x`` (L, F): outputs (L, H), h, c."""
    w_ih = getattr(lstm, f"weight_ih_{name}")
    w_hh = getattr(lstm, f"weight_hh_{name}")
    bias = getattr(lstm, f"bias_{name}")
    w_ci, w_cf, w_co = getattr(lstm, f"weight_peep_{name}")
    H = lstm.hidden_size
    h = x.new_zeros(H)
    c = x.new_zeros(H)
    outputs = []
    for x_t in x:
        z = w_ih @ x_t + w_hh @ h + bias
        z_i, z_f, z_g, z_o = z[:H], z[H : 2 * H], z[2 * H : 3 * H], z[3 * H :]
        i = torch.sigmoid(z_i + w_ci * c)
        f = torch.sigmoid(z_f + w_cf * c)
        g = torch.tanh(z_g)
        c = f * c + i * g
        o = torch.sigmoid(z_o + w_co * c)
        h = o * torch.tanh(c)
        outputs.append(h)
    return torch.stack(outputs), h, c


def reference(lstm, x, lengths=None):
    """Reference forward pass with PeepholeLSTM's signature and return layout.

    Returns ``outputs`` as a list of (L_b, H * directions) tensors (real steps
    only) and ``h_n``, ``c_n`` of shape (num_layers * directions, B, H).
    """
    B, T, _ = x.shape
    lengths = [T] * B if lengths is None else [int(n) for n in lengths]
    outputs, h_n, c_n = [], [], []
    for b in range(B):
        seq = x[b, : lengths[b]]
        hs, cs = [], []
        for layer in range(lstm.num_layers):
            outs = []
            out, h, c = _ref_direction(lstm, seq, f"l{layer}")
            outs.append(out)
            hs.append(h)
            cs.append(c)
            if lstm.bidirectional:
                out_r, h_r, c_r = _ref_direction(lstm, seq.flip(0), f"l{layer}_reverse")
                outs.append(out_r.flip(0))
                hs.append(h_r)
                cs.append(c_r)
            seq = torch.cat(outs, dim=1)
        outputs.append(seq)
        h_n.append(torch.stack(hs))
        c_n.append(torch.stack(cs))
    return outputs, torch.stack(h_n, dim=1), torch.stack(c_n, dim=1)


# -- helpers --------------------------------------------------------------------


def _make(input_size=3, hidden_size=4, num_layers=1, bidirectional=False, seed=0):
    """A float64 PeepholeLSTM with non-zero random weights, peepholes included."""
    torch.manual_seed(seed)
    lstm = PeepholeLSTM(input_size, hidden_size, num_layers=num_layers,
                        bidirectional=bidirectional).double()
    with torch.no_grad():
        for name, param in lstm.named_parameters():
            if name.startswith("weight_peep"):
                # clearly non-zero, different per row, so w_ci/w_cf/w_co mix-ups show
                param.copy_(torch.randn_like(param) * 0.7)
            elif name.startswith("bias"):
                param.copy_(torch.randn_like(param) * 0.3)
    for name, param in lstm.named_parameters():
        if name.startswith("weight_peep"):
            assert param.abs().min() > 0
    return lstm


def _loss(outputs_real, h_n, c_n, seed=1):
    """A random linear functional of the real-step outputs and final states."""
    g = torch.Generator().manual_seed(seed)
    total = 0.0
    for out in outputs_real:
        total = total + (out * torch.randn(out.shape, generator=g, dtype=out.dtype)).sum()
    total = total + (h_n * torch.randn(h_n.shape, generator=g, dtype=h_n.dtype)).sum()
    total = total + (c_n * torch.randn(c_n.shape, generator=g, dtype=c_n.dtype)).sum()
    return total


def _grads(lstm, x, loss):
    params = [p for _, p in lstm.named_parameters()]
    return torch.autograd.grad(loss, [x, *params])


def _assert_matches_reference(lstm, x, lengths):
    """Outputs (real steps), final states and all gradients equal the reference."""
    out, (h_n, c_n) = lstm(x, lengths)
    ref_out, ref_h, ref_c = reference(lstm, x, lengths)
    B, T = x.shape[:2]
    real_lengths = [T] * B if lengths is None else lengths.tolist()
    out_real = [out[b, :n] for b, n in enumerate(real_lengths)]
    for got, want in zip(out_real, ref_out):
        torch.testing.assert_close(got, want, atol=ATOL, rtol=0)
    torch.testing.assert_close(h_n, ref_h, atol=ATOL, rtol=0)
    torch.testing.assert_close(c_n, ref_c, atol=ATOL, rtol=0)
    names = ["input"] + [name for name, _ in lstm.named_parameters()]
    got_grads = _grads(lstm, x, _loss(out_real, h_n, c_n))
    want_grads = _grads(lstm, x, _loss(ref_out, ref_h, ref_c))
    assert len(got_grads) == len(names)
    for name, got, want in zip(names, got_grads, want_grads):
        assert got.shape == want.shape, name
        torch.testing.assert_close(got, want, atol=ATOL, rtol=0, msg=f"gradient of {name}")
        assert want.abs().max() > 0, f"{name} gets no gradient in the reference"
    return out, h_n, c_n


# -- reference comparison -------------------------------------------------------


@pytest.mark.parametrize("variable", [False, True], ids=["fixed", "lengths"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_matches_reference_outputs_states_and_gradients(num_layers, bidirectional, variable):
    lstm = _make(num_layers=num_layers, bidirectional=bidirectional)
    B, T, H = 4, 6, lstm.hidden_size
    directions = 2 if bidirectional else 1
    x = torch.randn(B, T, 3, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([6, 3, 1, 5]) if variable else None

    out, h_n, c_n = _assert_matches_reference(lstm, x, lengths)
    assert out.shape == (B, T, H * directions)
    assert h_n.shape == c_n.shape == (num_layers * directions, B, H)
    assert out.dtype == h_n.dtype == c_n.dtype == torch.float64


def test_reference_comparison_is_sensitive_to_peepholes():
    # guards the comparison above: the peephole weights really matter here
    lstm = _make(num_layers=1, bidirectional=True)
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    with torch.no_grad():
        out, _ = lstm(x)
        for row in range(3):
            changed = copy.deepcopy(lstm)
            changed.weight_peep_l0[row] = 0.0
            changed.weight_peep_l0_reverse[row] = 0.0
            out2, _ = changed(x)
            assert (out - out2).abs().max() > 1e-3, f"peephole row {row} has no effect"


def test_parameter_names_and_shapes():
    lstm = PeepholeLSTM(3, 5, num_layers=2, bidirectional=True)
    shapes = {name: tuple(p.shape) for name, p in lstm.named_parameters()}
    expected = {}
    for layer, fan_in in [(0, 3), (1, 10)]:
        for suffix in ["", "_reverse"]:
            expected[f"weight_ih_l{layer}{suffix}"] = (20, fan_in)
            expected[f"weight_hh_l{layer}{suffix}"] = (20, 5)
            expected[f"bias_l{layer}{suffix}"] = (20,)
            expected[f"weight_peep_l{layer}{suffix}"] = (3, 5)
    assert shapes == expected


# -- gradcheck ------------------------------------------------------------------


@pytest.mark.parametrize("variable", [False, True], ids=["fixed", "lengths"])
@pytest.mark.parametrize(
    "num_layers, bidirectional", [(1, False), (2, True)], ids=["1-uni", "2-bi"]
)
def test_gradcheck(num_layers, bidirectional, variable):
    lstm = _make(input_size=2, hidden_size=3, num_layers=num_layers, bidirectional=bidirectional)
    names = [name for name, _ in lstm.named_parameters()]
    params = [p.detach().clone().requires_grad_(True) for _, p in lstm.named_parameters()]
    x = torch.randn(3, 4, 2, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([4, 2, 1]) if variable else None

    def forward(x, *params):
        out, (h_n, c_n) = torch.func.functional_call(
            lstm, dict(zip(names, params)), (x, lengths)
        )
        return out, h_n, c_n

    assert torch.autograd.gradcheck(forward, (x, *params), eps=1e-6, atol=1e-7)


# -- padding --------------------------------------------------------------------


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_padding_invariance(num_layers, bidirectional):
    lstm = _make(num_layers=num_layers, bidirectional=bidirectional)
    x = torch.randn(3, 7, 3, dtype=torch.float64)
    lengths = torch.tensor([7, 4, 1])
    with torch.no_grad():
        out, (h_n, c_n) = lstm(x, lengths)
        for b, n in enumerate(lengths.tolist()):
            alone, (h_alone, c_alone) = lstm(x[b : b + 1, :n])
            torch.testing.assert_close(out[b : b + 1, :n], alone, atol=ATOL, rtol=0)
            torch.testing.assert_close(h_n[:, b : b + 1], h_alone, atol=ATOL, rtol=0)
            torch.testing.assert_close(c_n[:, b : b + 1], c_alone, atol=ATOL, rtol=0)
            # the same sequence in a longer padded batch of one
            padded = torch.cat([x[b : b + 1, :n], torch.randn(1, 5, 3, dtype=x.dtype)], dim=1)
            out_p, (h_p, c_p) = lstm(padded, torch.tensor([n]))
            torch.testing.assert_close(out_p[:, :n], alone, atol=ATOL, rtol=0)
            torch.testing.assert_close(h_p, h_alone, atol=ATOL, rtol=0)
            torch.testing.assert_close(c_p, c_alone, atol=ATOL, rtol=0)

    garbage = x.clone()
    garbage[1, 4:] = 1e3
    garbage[2, 1:] = -50.0 * torch.randn(6, 3, dtype=x.dtype)
    garbage.requires_grad_(True)
    out_g, (h_g, c_g) = lstm(garbage, lengths)
    torch.testing.assert_close(out_g, out, atol=ATOL, rtol=0)
    torch.testing.assert_close(h_g, h_n, atol=ATOL, rtol=0)
    torch.testing.assert_close(c_g, c_n, atol=ATOL, rtol=0)
    (grad,) = torch.autograd.grad(out_g.sum() + h_g.sum() + c_g.sum(), garbage)
    assert torch.isfinite(grad).all()
    assert (grad[1, 4:] == 0).all() and (grad[2, 1:] == 0).all()
    assert (grad[0] != 0).any() and (grad[1, :4] != 0).any() and (grad[2, :1] != 0).any()


def _nan_padded_case():
    lstm = _make(num_layers=2, bidirectional=True)
    x = torch.randn(3, 7, 3, dtype=torch.float64)
    lengths = torch.tensor([7, 4, 1])
    nan_padded = x.clone()
    nan_padded[1, 4:] = float("nan")
    nan_padded[2, 1:] = float("nan")
    return lstm, x, nan_padded, lengths


def test_nan_in_padded_steps_does_not_change_the_forward_pass():
    lstm, x, nan_padded, lengths = _nan_padded_case()
    with torch.no_grad():
        out, (h_n, c_n) = lstm(x, lengths)
        out_nan, (h_nan, c_nan) = lstm(nan_padded, lengths)
    torch.testing.assert_close(out_nan, out, atol=ATOL, rtol=0)
    torch.testing.assert_close(h_nan, h_n, atol=ATOL, rtol=0)
    torch.testing.assert_close(c_nan, c_n, atol=ATOL, rtol=0)


def test_nan_in_padded_steps_does_not_change_the_gradients():
    lstm, x, nan_padded, lengths = _nan_padded_case()
    x.requires_grad_(True)
    nan_padded.requires_grad_(True)
    out, (h_n, c_n) = lstm(x, lengths)
    want = _grads(lstm, x, out.sum() + h_n.sum() + c_n.sum())
    out, (h_n, c_n) = lstm(nan_padded, lengths)
    got = _grads(lstm, nan_padded, out.sum() + h_n.sum() + c_n.sum())
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, atol=ATOL, rtol=0)


def test_full_lengths_equal_no_lengths():
    lstm = _make(num_layers=2, bidirectional=True)
    x = torch.randn(3, 5, 3, dtype=torch.float64)
    with torch.no_grad():
        a, (ha, ca) = lstm(x)
        b, (hb, cb) = lstm(x, torch.full((3,), 5))
    torch.testing.assert_close(a, b, atol=ATOL, rtol=0)
    torch.testing.assert_close(ha, hb, atol=ATOL, rtol=0)
    torch.testing.assert_close(ca, cb, atol=ATOL, rtol=0)


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
def test_outputs_after_the_end_hold_the_final_state(bidirectional):
    # documented: "Hidden state at each step (held constant after a sequence ends)"
    lstm = _make(num_layers=2, bidirectional=bidirectional)
    H = lstm.hidden_size
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    lengths = torch.tensor([6, 3])
    with torch.no_grad():
        out, (h_n, _) = lstm(x, lengths)
    held = out[1, 3:]
    torch.testing.assert_close(held[:, :H], h_n[-2 if bidirectional else -1, 1].expand(3, H))
    if bidirectional:
        torch.testing.assert_close(held[:, H:], h_n[-1, 1].expand(3, H))


# -- float32 --------------------------------------------------------------------


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
def test_float32_matches_float64(bidirectional):
    lstm64 = _make(num_layers=2, bidirectional=bidirectional)
    lstm32 = copy.deepcopy(lstm64).float()
    x64 = torch.randn(3, 6, 3, dtype=torch.float64, requires_grad=True)
    x32 = x64.detach().float().requires_grad_(True)
    lengths = torch.tensor([6, 2, 4])

    out64, (h64, c64) = lstm64(x64, lengths)
    out32, (h32, c32) = lstm32(x32, lengths)
    assert out32.dtype == h32.dtype == c32.dtype == torch.float32
    for got, want in [(out32, out64), (h32, h64), (c32, c64)]:
        torch.testing.assert_close(got.double(), want.detach(), atol=1e-5, rtol=1e-5)

    g64 = torch.autograd.grad(out64.sum() + h64.sum() + c64.sum(), [x64, *lstm64.parameters()])
    g32 = torch.autograd.grad(out32.sum() + h32.sum() + c32.sum(), [x32, *lstm32.parameters()])
    for got, want in zip(g32, g64):
        assert got.dtype == torch.float32
        torch.testing.assert_close(got.double(), want, atol=1e-4, rtol=1e-4)


# -- chunks, scratch reuse, threads ----------------------------------------------
# PeepholeLSTM handles CHUNK time steps at a time and reuses its scratch
# buffers between calls (per thread); none of that may change a result.

import threading  # noqa: E402

import sklstm.nn._scratch as scratch_module  # noqa: E402
import sklstm.nn.peephole as peephole_module  # noqa: E402


def _outputs_and_grads(lstm, x, lengths=None):
    x = x.detach().clone().requires_grad_(True)
    out, (h_n, c_n) = lstm(x, lengths)
    loss = _loss([out], h_n, c_n)
    return [out.detach(), h_n.detach(), c_n.detach(), *_grads(lstm, x, loss)]


@pytest.mark.parametrize("chunk", [1, 3])
@pytest.mark.parametrize("variable", [False, True], ids=["fixed", "lengths"])
def test_chunked_time_loop_matches_reference(monkeypatch, chunk, variable):
    # several chunks, the last one shorter: the carry between chunks is tested
    monkeypatch.setattr(peephole_module, "CHUNK", chunk)
    lstm = _make(num_layers=2, bidirectional=True)
    x = torch.randn(3, 8, 3, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([8, 5, 1]) if variable else None
    _assert_matches_reference(lstm, x, lengths)


def test_gradcheck_over_several_chunks(monkeypatch):
    monkeypatch.setattr(peephole_module, "CHUNK", 2)
    lstm = _make(input_size=2, hidden_size=3, num_layers=1, bidirectional=True)
    names = [name for name, _ in lstm.named_parameters()]
    params = [p.detach().clone().requires_grad_(True) for _, p in lstm.named_parameters()]
    x = torch.randn(2, 5, 2, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([5, 3])

    def forward(x, *params):
        out, (h_n, c_n) = torch.func.functional_call(lstm, dict(zip(names, params)), (x, lengths))
        return out, h_n, c_n

    assert torch.autograd.gradcheck(forward, (x, *params), eps=1e-6, atol=1e-7)


def test_long_sequence_with_default_chunks_matches_reference():
    lstm = _make(hidden_size=3)
    T = 2 * peephole_module._chunk_limit(2, 3) + 5
    x = torch.randn(2, T, 3, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([T, T - 7])
    _assert_matches_reference(lstm, x, lengths)


@pytest.mark.parametrize("limit", [1, 3, 64])
def test_chunk_sizes_cover_the_sequence_evenly(limit):
    for T in range(1, 5 * limit):
        size = peephole_module._chunk(T, limit)
        chunks = -(-T // size)
        assert 1 <= size <= limit
        assert chunks == -(-T // limit)  # no more chunks than needed
        assert T - (chunks - 1) * size >= 1
        assert size == -(-T // chunks)  # as even as possible: chunk lengths differ by < 1 step


def test_chunks_are_shorter_for_large_batches_and_hidden_sizes(monkeypatch):
    # the scratch buffers hold about 20 values per batch x hidden element of a chunk
    limit = peephole_module._chunk_limit
    assert limit(64, 64) == peephole_module.CHUNK
    assert limit(256, 128) * 256 * 128 <= peephole_module.CHUNK_ELEMENTS
    assert limit(4096, 1024) == 4  # never fewer steps than that
    monkeypatch.setattr(peephole_module, "CHUNK", 3)
    assert limit(64, 64) == 3


def test_chunks_bounded_by_batch_and_hidden_size_match_reference(monkeypatch):
    # a batch x hidden size past the element budget: 4-step chunks, the last one shorter
    monkeypatch.setattr(peephole_module, "CHUNK_ELEMENTS", 4 * 3 * 5)
    lstm = _make(hidden_size=5, num_layers=2, bidirectional=True)
    assert peephole_module._chunk_limit(3, 5) == 4
    x = torch.randn(3, 10, 3, dtype=torch.float64, requires_grad=True)
    _assert_matches_reference(lstm, x, torch.tensor([10, 6, 3]))


def test_reused_scratch_buffers_do_not_leak_between_calls():
    # alternate shapes, dtypes and lengths; each call must equal a call made
    # with freshly built scratch buffers
    torch.manual_seed(0)
    lstm64 = _make(num_layers=2, bidirectional=True)
    lstm32 = copy.deepcopy(lstm64).float()
    cases = [
        (lstm64, torch.randn(3, 9, 3, dtype=torch.float64), torch.tensor([9, 4, 2])),
        (lstm64, torch.randn(2, 40, 3, dtype=torch.float64), None),
        (lstm32, torch.randn(3, 9, 3), None),
        (lstm64, torch.randn(3, 9, 3, dtype=torch.float64), torch.tensor([1, 9, 6])),
    ]
    fresh = []
    for lstm, x, lengths in cases:
        scratch_module._scratch.__dict__.clear()
        fresh.append(_outputs_and_grads(lstm, x, lengths))
    for _ in range(2):
        for (lstm, x, lengths), want in zip(cases, fresh):
            for got, expected in zip(_outputs_and_grads(lstm, x, lengths), want):
                torch.testing.assert_close(got, expected, atol=0, rtol=0)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])  # float32: the C loops
def test_threads_get_their_own_scratch_buffers(dtype):
    lstm = _make(num_layers=2, bidirectional=True).to(dtype)
    inputs = [torch.randn(4 + k, 30, 3, dtype=dtype) for k in range(4)]
    want = [_outputs_and_grads(lstm, x) for x in inputs]
    got = [None] * len(inputs)
    start = threading.Barrier(len(inputs))  # all threads compute at once

    def work(k):
        start.wait()
        for _ in range(3):
            got[k] = _outputs_and_grads(lstm, inputs[k])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(inputs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for results, expected in zip(got, want):
        for g, w in zip(results, expected):
            torch.testing.assert_close(g, w, atol=0, rtol=0)


def test_gradients_are_ordinary_tensors():
    # the loops run under inference mode: nothing made there may escape
    lstm = PeepholeLSTM(3, 4, num_layers=2)
    optimizer = torch.optim.SGD(lstm.parameters(), lr=0.1)
    x = torch.randn(2, 5, 3, requires_grad=True)
    out, (h_n, c_n) = lstm(x, torch.tensor([5, 2]))
    (out.sum() + h_n.sum() + c_n.sum()).backward()
    for tensor in [out, h_n, c_n, x.grad, *(p.grad for p in lstm.parameters())]:
        assert not tensor.is_inference()
    optimizer.step()  # updates parameters and gradients in place
    x.grad.add_(1.0)


@pytest.mark.parametrize("variable", [False, True], ids=["fixed", "lengths"])
def test_runs_under_no_grad_and_inference_mode(variable):
    # Without gradients the forward pass keeps only h and c per step; the
    # outputs and final states must be the same as with them.
    lstm = _make(num_layers=2, bidirectional=True)
    x = torch.randn(4, 6, 3, dtype=torch.float64)
    lengths = torch.tensor([6, 3, 1, 5]) if variable else None
    with torch.no_grad():
        ref_out, ref_h, ref_c = reference(lstm, x, lengths)
    real = [6] * 4 if lengths is None else lengths.tolist()
    scratch_module._scratch.__dict__.clear()
    for context in (torch.inference_mode, torch.no_grad):
        with context():
            out, (h_n, c_n) = lstm(x, lengths)
        for b, n in enumerate(real):
            torch.testing.assert_close(out[b, :n], ref_out[b], atol=ATOL, rtol=0)
        torch.testing.assert_close(h_n, ref_h, atol=ATOL, rtol=0)
        torch.testing.assert_close(c_n, ref_c, atol=ATOL, rtol=0)
    # scratch buffers first made under inference mode still serve training
    x.requires_grad_(True)
    out, _ = lstm(x, lengths)
    out.sum().backward()
    assert torch.isfinite(x.grad).all()


@pytest.mark.parametrize("context", [torch.no_grad, torch.inference_mode, None])
def test_history_keeps_only_h_and_c_without_gradients(monkeypatch, context):
    # the weights require gradients even under no_grad: the grad mode decides
    widths = []
    make = peephole_module._new_history
    monkeypatch.setattr(peephole_module, "_new_history", lambda *a: widths.append(a[3]) or make(*a))
    lstm = _make(hidden_size=4, num_layers=2, bidirectional=True)
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    if context is None:
        lstm(x)
    else:
        with context():
            lstm(x)
    assert widths == [(7 if context is None else 2) * 4] * 4  # 2 layers x 2 directions


def test_double_backward_is_refused():
    lstm = _make()
    x = torch.randn(2, 4, 3, dtype=torch.float64, requires_grad=True)
    out, _ = lstm(x)
    (grad,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    assert grad.grad_fn is None  # once_differentiable: the gradient is not differentiable again
    with pytest.raises(RuntimeError, match="does not require grad"):
        grad.sum().backward()


def test_zero_peepholes_give_pytorch_lstm():
    # an independent check of the weight layout: without peepholes the cell is nn.LSTM's
    torch.manual_seed(3)
    lstm = PeepholeLSTM(3, 5, num_layers=2, bidirectional=True).double()
    ref = torch.nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True).double()
    with torch.no_grad():
        for name, param in lstm.named_parameters():
            if name.startswith("weight_peep"):
                param.zero_()
            elif name.startswith("bias"):
                getattr(ref, name.replace("bias", "bias_ih")).copy_(param)
                getattr(ref, name.replace("bias", "bias_hh")).zero_()
            else:
                getattr(ref, name).copy_(param)
    x = torch.randn(4, 11, 3, dtype=torch.float64)
    out, (h_n, c_n) = lstm(x)
    ref_out, (ref_h, ref_c) = ref(x)
    torch.testing.assert_close(out, ref_out, atol=ATOL, rtol=0)
    torch.testing.assert_close(h_n, ref_h, atol=ATOL, rtol=0)
    torch.testing.assert_close(c_n, ref_c, atol=ATOL, rtol=0)


@pytest.mark.parametrize("used", ["outputs", "h_n", "c_n", "h_n and c_n"])
@pytest.mark.parametrize("variable", [False, True], ids=["fixed", "lengths"])
def test_gradients_when_only_some_results_are_used(monkeypatch, used, variable):
    # Unused results send no gradient (None, not zeros) into the backward pass;
    # two chunks, so the gradient also crosses a chunk boundary.
    import sklstm.nn.peephole as peephole

    monkeypatch.setattr(peephole, "CHUNK", 3)
    lstm = _make(num_layers=1)
    x = torch.randn(4, 6, 3, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([6, 3, 1, 5]) if variable else None
    g = torch.Generator().manual_seed(2)

    def loss(out_real, h_n, c_n):
        parts = {
            "outputs": [sum((o * torch.randn(o.shape, generator=g, dtype=o.dtype)).sum()
                            for o in out_real)],
            "h_n": [(h_n * torch.randn(h_n.shape, generator=g, dtype=h_n.dtype)).sum()],
            "c_n": [(c_n * torch.randn(c_n.shape, generator=g, dtype=c_n.dtype)).sum()],
        }
        return sum(p for name in used.split(" and ") for p in parts[name])

    out, (h_n, c_n) = lstm(x, lengths)
    real = [T for T in ([6] * 4 if lengths is None else lengths.tolist())]
    got = _grads(lstm, x, loss([out[b, :n] for b, n in enumerate(real)], h_n, c_n))
    g.manual_seed(2)
    ref_out, ref_h, ref_c = reference(lstm, x, lengths)
    want = _grads(lstm, x, loss(ref_out, ref_h, ref_c))
    for a, b in zip(got, want):
        torch.testing.assert_close(a, b, atol=ATOL, rtol=0)
    assert max(float(w.abs().max()) for w in want) > 0
