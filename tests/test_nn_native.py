"""sklstm.nn._native: the C loops (built with the package, loaded safely, checked).

The float32 CPU peephole LSTM runs these loops; the float64 tests in
test_nn_peephole.py run the PyTorch loop. Here the C loops are held to the
same float64 reference (within float32 rounding) and to the PyTorch loop.
"""

import copy

import pytest
import torch

from sklstm.nn import PeepholeLSTM, _native, native_loops_available
from sklstm.nn import peephole as peephole_module
from tests.test_nn_peephole import _grads, _loss, _make, reference
from tests._helpers import assert_close_scaled, torch_threads

BUILT = _native.library_path() is not None
needs_native = pytest.mark.skipif(not native_loops_available()[0],
                                  reason=f"no C loops here: {native_loops_available()[1]}")


@pytest.fixture
def spy(monkeypatch):
    """Counts the calls of the C forward and backward loops."""
    calls = {"forward": 0, "backward": 0}
    for name in ("forward", "backward"):
        real = getattr(_native, name)

        def counted(*args, _real=real, _name=name):
            calls[_name] += 1
            return _real(*args)

        monkeypatch.setattr(_native, name, counted)
    return calls


def _run(lstm, x, lengths=None, used=("out", "h", "c"), seed=1):
    """Outputs (real steps), final states and the gradients of a random loss."""
    x = x.detach().requires_grad_(True)
    out, (h_n, c_n) = lstm(x, lengths)
    B, T = x.shape[:2]
    real = [T] * B if lengths is None else lengths.tolist()
    out_real = [out[b, :n] for b, n in enumerate(real)]
    g = torch.Generator().manual_seed(seed)

    def weights(t):  # drawn as test_nn_peephole._loss draws them in float64
        return torch.randn(t.shape, generator=g, dtype=torch.float64).to(t.dtype)

    parts = {
        "out": sum((o * weights(o)).sum() for o in out_real),
        "h": (h_n * weights(h_n)).sum(),
        "c": (c_n * weights(c_n)).sum(),
    }
    loss = sum(parts[name] for name in used)
    return [torch.cat(out_real), h_n, c_n, *_grads(lstm, x, loss)]


@pytest.mark.skipif(not BUILT, reason="the package was built without the C loops")
def test_loops_are_available_where_they_were_built():
    # CI builds them (gcc) and has PyTorch's MKL build: they must really be in use there
    assert native_loops_available() == (True, "compiled")


@needs_native
@pytest.mark.parametrize("chunk", [32, 3], ids=["default-chunks", "3-step-chunks"])
@pytest.mark.parametrize("variable", [False, True], ids=["fixed", "lengths"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_matches_float64_reference(monkeypatch, spy, num_layers, bidirectional, variable, chunk):
    monkeypatch.setattr(peephole_module, "CHUNK", chunk)
    lstm64 = _make(num_layers=num_layers, bidirectional=bidirectional)
    lstm32 = copy.deepcopy(lstm64).float()
    x = torch.randn(5, 10, 3, dtype=torch.float64)
    lengths = torch.tensor([10, 4, 1, 7, 3]) if variable else None
    got = _run(lstm32, x.float(), lengths)
    xr = x.detach().requires_grad_(True)
    ref_out, ref_h, ref_c = reference(lstm64, xr, lengths)
    want = [torch.cat(ref_out), ref_h, ref_c, *_grads(lstm64, xr, _loss(ref_out, ref_h, ref_c))]
    assert_close_scaled(got, want, 1e-5)
    directions = 2 if bidirectional else 1
    assert spy == {"forward": num_layers * directions, "backward": num_layers * directions}


def _both_loops(monkeypatch, compute):
    """compute() with the C loops, then with the PyTorch loop."""
    native = compute()
    monkeypatch.setattr(_native, "loops", lambda: None)
    return native, compute()


@needs_native
@pytest.mark.parametrize("used", [("out",), ("h",), ("c",), ("h", "c"), ("out", "h", "c")])
@pytest.mark.parametrize("variable", [False, True], ids=["fixed", "lengths"])
def test_gradients_of_any_results_equal_the_pytorch_loop(monkeypatch, used, variable):
    # unused results send None (no gradient) in: every combination of the C
    # backward's optional inputs; 40 steps: a partial chunk and a full one
    torch.manual_seed(0)
    lstm = PeepholeLSTM(3, 6, num_layers=2, bidirectional=True)
    x = torch.randn(7, 40, 3)
    lengths = torch.tensor([40, 33, 32, 31, 5, 1, 0]) if variable else None
    native, loop = _both_loops(monkeypatch, lambda: _run(lstm, x, lengths, used))
    assert_close_scaled(native, loop, 2e-6)


@needs_native
def test_without_input_gradient_the_weights_get_the_same_gradients(monkeypatch, spy):
    torch.manual_seed(0)
    lstm = PeepholeLSTM(3, 6)
    x = torch.randn(4, 9, 3)  # no requires_grad: the C backward skips d_x

    def weight_grads():
        lstm.zero_grad()
        out, (h_n, c_n) = lstm(x)
        (out.sum() + c_n.sum()).backward()
        return [p.grad.clone() for p in lstm.parameters()]

    native, loop = _both_loops(monkeypatch, weight_grads)
    assert_close_scaled(native, loop, 2e-6)
    assert spy["backward"] == 1


@needs_native
@pytest.mark.parametrize("context", [torch.no_grad, torch.inference_mode])
def test_inference_equals_the_pytorch_loop(monkeypatch, context):
    torch.manual_seed(0)
    lstm = PeepholeLSTM(3, 6, num_layers=2, bidirectional=True)
    x, lengths = torch.randn(6, 45, 3), torch.tensor([45, 44, 12, 3, 1, 0])

    def outputs():
        with context():
            out, (h_n, c_n) = lstm(x, lengths)
        return [out, h_n, c_n]

    native, loop = _both_loops(monkeypatch, outputs)
    assert_close_scaled(native, loop, 1e-6)


@needs_native
@pytest.mark.parametrize("batch", [1, 3, 64])
def test_thread_count_changes_only_rounding(batch):
    # each thread runs the recurrence for its own slice of the batch
    torch.manual_seed(0)
    lstm = PeepholeLSTM(3, 16)
    x = torch.randn(batch, 20, 3)
    with torch_threads(1):
        one = _run(lstm, x)
    with torch_threads(2):
        two = _run(lstm, x)
        again = _run(lstm, x)
    assert_close_scaled(two, one, 5e-6)
    for a, b in zip(two, again):
        assert torch.equal(a, b)  # the same threads: bit-identical


@needs_native
def test_sigmoid_is_accurate_everywhere():
    lib = _native.loops()
    x = torch.cat([torch.linspace(-120.0, 120.0, 200001),
                   torch.tensor([float("nan"), float("inf"), -float("inf"), 0.0, -0.0])])
    y = torch.empty_like(x)
    lib.sklstm_sigmoid(x.numel(), x.data_ptr(), y.data_ptr())
    want = torch.sigmoid(x.double())
    finite = ~torch.isnan(x)
    assert float((y[finite].double() - want[finite]).abs().max()) < 1.5e-7
    assert torch.isnan(y[-5]) and y[-4] == 1.0 and 0.0 <= y[-3] < 1e-37 and y[-2] == 0.5


def test_float64_never_calls_the_c_loops(monkeypatch):
    def refuse():
        raise AssertionError("float64 must run the PyTorch loop")

    monkeypatch.setattr(_native, "loops", refuse)
    lstm = _make(num_layers=2, bidirectional=True)
    out, (h_n, c_n) = lstm(torch.randn(2, 5, 3, dtype=torch.float64, requires_grad=True))
    (out.sum() + h_n.sum()).backward()


def test_without_the_c_loops_float32_still_runs(monkeypatch):
    monkeypatch.setattr(_native, "_state", {"lib": None, "why": "no C compiler (set CC, or install gcc)"})
    assert native_loops_available() == (False, "no C compiler (set CC, or install gcc)")
    lstm = _make()
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    want, _, _ = reference(lstm, x)
    out, _ = copy.deepcopy(lstm).float()(x.float())
    torch.testing.assert_close(out[0].double(), want[0].detach(), atol=1e-6, rtol=0)


@pytest.mark.parametrize("value", ["0", "false", "off"])
def test_environment_variable_turns_them_off(monkeypatch, value):
    monkeypatch.setenv("SKLSTM_NATIVE", value)
    assert _native._load() == (None, "disabled by SKLSTM_NATIVE")


def test_an_installation_without_them_is_reported(monkeypatch):
    monkeypatch.setenv("SKLSTM_NATIVE", "1")
    monkeypatch.setattr(_native, "library_path", lambda: None)
    lib, why = _native._load()
    assert lib is None and why.startswith("not built")


def test_only_the_library_inside_the_package_is_looked_for(monkeypatch, tmp_path):
    # no cache directory, no path from the environment: a library planted
    # where the old versions kept their cache is never looked at
    for name in ("SKLSTM_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path))
    path = _native.library_path()
    if path is not None:
        package = __import__("pathlib").Path(_native.__file__).resolve().parent
        assert path.parent == package and path.name.startswith("_loops")
    assert not hasattr(_native, "cache_dir")


def _planted(monkeypatch, tmp_path, name, content):
    """A file planted as the library, and _load() pointed at it."""
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    monkeypatch.setenv("SKLSTM_NATIVE", "1")
    monkeypatch.setattr(_native, "library_path", lambda: path)
    return path


def _compile(tmp_path, source, name="planted.so"):
    """Compile ``source`` into a shared library (skipped without a compiler)."""
    import shutil
    import subprocess

    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build the planted library")
    (tmp_path / "planted.c").write_text(source)
    target = tmp_path / name
    subprocess.run([compiler, "-shared", "-fPIC", str(tmp_path / "planted.c"), "-o", str(target)],
                   check=True, capture_output=True)
    return target


def test_a_file_that_is_not_a_library_falls_back(monkeypatch, tmp_path):
    _planted(monkeypatch, tmp_path, "_loops.so", "not a shared library")
    lib, why = _native._load()
    assert lib is None and why.startswith("could not load _loops.so: OSError")


def test_a_library_without_the_loops_falls_back(monkeypatch, tmp_path):
    # a library that loads but is not sklstm's: the calls would raise
    # AttributeError; they are never made
    target = _compile(tmp_path, "int unrelated(void) { return 1; }\n")
    monkeypatch.setenv("SKLSTM_NATIVE", "1")
    monkeypatch.setattr(_native, "library_path", lambda: target)
    lib, why = _native._load()
    assert lib is None and "lacks sklstm_abi" in why and why.endswith("reinstall sklstm")


def test_a_stale_build_falls_back(monkeypatch, tmp_path):
    names = [n for n in _native._SIGNATURES if n != "sklstm_abi"]
    stubs = "".join(f"void {n}(void) {{}}\n" for n in names)
    target = _compile(tmp_path, stubs + "int sklstm_abi(void) { return 1; }\n")
    monkeypatch.setenv("SKLSTM_NATIVE", "1")
    monkeypatch.setattr(_native, "library_path", lambda: target)
    lib, why = _native._load()
    assert lib is None and "built from other sources (ABI 1" in why


def test_a_library_that_computes_wrongly_falls_back(monkeypatch, tmp_path):
    # every symbol present and the right ABI, but the sigmoid writes nothing
    # sensible: the self-check refuses it
    names = [n for n in _native._SIGNATURES if n != "sklstm_abi"]
    stubs = "".join(f"void {n}(void) {{}}\n" for n in names)
    target = _compile(tmp_path, stubs + f"int sklstm_abi(void) {{ return {_native.ABI}; }}\n")
    monkeypatch.setenv("SKLSTM_NATIVE", "1")
    monkeypatch.setattr(_native, "library_path", lambda: target)
    lib, why = _native._load()
    assert lib is None and why.startswith("self-check failed: the PyTorch loops run instead")


@pytest.mark.parametrize("error", [RuntimeError, KeyError, MemoryError, ValueError, ZeroDivisionError])
def test_any_exception_while_loading_falls_back(monkeypatch, tmp_path, error):
    path = _planted(monkeypatch, tmp_path, "_loops.so", "")

    def explode(_):
        raise error("planted")

    monkeypatch.setattr(_native, "_open", explode)
    lib, why = _native._load()
    assert lib is None and why.startswith(f"could not load _loops.so: {error.__name__}")
    assert path.exists()


def test_a_planted_library_never_stops_a_fit(monkeypatch, tmp_path):
    # the estimator-level guarantee: whatever is planted, the fit runs on
    # the PyTorch loops and gives the same model as without the C loops
    import numpy as np

    from sklstm import LSTMRegressor

    _planted(monkeypatch, tmp_path, "_loops.so", b"\x7fELF garbage")
    monkeypatch.setattr(_native, "_state", {})
    X = np.random.RandomState(0).normal(size=(20, 6, 2)).astype(np.float32)
    y = X[:, -1, 0]
    planted = LSTMRegressor(cell="peephole", hidden_size=4, max_iter=2, random_state=0).fit(X, y)
    assert native_loops_available()[0] is False
    monkeypatch.setattr(_native, "_state", {"lib": None, "why": "off"})
    plain = LSTMRegressor(cell="peephole", hidden_size=4, max_iter=2, random_state=0).fit(X, y)
    np.testing.assert_array_equal(planted.predict(X), plain.predict(X))


@needs_native
def test_the_loops_run_on_pytorchs_thread_team():
    # one OpenMP runtime in the process: the team functions handed in are
    # PyTorch's, and a parallel region shares the work exactly once
    lib = _native.loops()
    sgemm, team = _native._runtime_addresses()
    assert sgemm is not None and all(team)
    for threads, n in [(1, 5), (2, 37), (3, 2), (2, 0)]:
        seen = torch.zeros(max(n, 1), dtype=torch.int32)
        lib.sklstm_team_check(threads, n, seen.data_ptr())
        assert seen[:n].tolist() == [1] * n


def test_no_sgemm_is_reported(monkeypatch):
    # another PyTorch build (no exported sgemm): the loops are not used
    if _native.library_path() is None:
        pytest.skip("the package was built without the C loops")
    monkeypatch.setenv("SKLSTM_NATIVE", "1")
    monkeypatch.setattr(_native, "_runtime_addresses", lambda: (None, [None] * 3))
    lib, why = _native._load()
    assert lib is None and why.startswith("PyTorch's CPU library exports no sgemm")


@needs_native
def test_without_an_openmp_runtime_the_loops_run_serially(monkeypatch):
    # another OpenMP runtime (no GOMP_parallel): one thread does all the
    # work, with the same results as a one-thread team
    lib = _native.loops()
    sgemm, team = _native._runtime_addresses()
    lstm = _make(num_layers=2, bidirectional=True).float()
    x = torch.randn(5, 9, 3)
    lengths = torch.tensor([9, 4, 1, 7, 9])
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = _run(lstm, x, lengths)
        lib.sklstm_set_runtime(sgemm, None, None, None)
        torch.set_num_threads(2)  # asks for two threads; gets the calling one
        seen = torch.zeros(11, dtype=torch.int32)
        lib.sklstm_team_check(2, 11, seen.data_ptr())
        assert seen.tolist() == [1] * 11
        serial = _run(lstm, x, lengths)
    finally:
        lib.sklstm_set_runtime(sgemm, *team)
        torch.set_num_threads(before)
    for a, b in zip(one, serial):
        assert torch.equal(a, b)
