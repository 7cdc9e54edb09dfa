"""Parameter and attribute documentation shared by the estimators, written once.

Docstrings refer to these blocks as ``%(name)s`` and :func:`fill_doc` fills
them in when the class is defined.
"""

from __future__ import annotations

DOCS = {
    "X_fit": """\
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list
            Training sequences: a 3D array, a 2D array/DataFrame of
            univariate sequences, a list of per-sequence arrays of different
            lengths, or (with ``embedding_dim``) token ids.""",
    "X_predict": """\
        X : array-like of shape (n_samples, n_timesteps[, n_features])
            Sequences, laid out as at fit (3D and ragged sequences may differ
            in length from the training ones).""",
    "sample_weight": """\
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss; integer weights act as
            repeated rows (the L2 penalty is divided by a batch's weight
            sum). Rows of weight 0 take no part in training.""",
    "architecture": """\
    A recurrent stack (:class:`sklstm.nn.RecurrentNetwork`; ``cell``, LSTM by
    default) reads each sequence; a readout over time (``pooling``, by
    default the final hidden state) feeds optional dense layers
    (``head_hidden_sizes``) and a linear output layer, all trained by
    ``solver`` (Adam by default).""",
    "input": """\
    Input ``X`` is a 3D array ``(n_samples, n_timesteps, n_features)``
    (leading or trailing all-NaN time steps are padding), a list of
    sequences of different lengths, or a 2D array or DataFrame
    ``(n_samples, n_timesteps)`` read as univariate sequences (then
    ``n_features_in_`` is the number of columns, as in scikit-learn).""",
    "network_params": """\
    hidden_size : int, default=128
        Number of features in the hidden state of each recurrent layer and
        direction (PyTorch's ``hidden_size``). 128 (was 64) won on
        ``benchmarks/defaults.py``: JapaneseVowels and the digits read as
        rows, where 64 units stayed just below ``MLPClassifier``, and
        GunPoint (0.965 -> 0.977 over five seeds). An epoch costs 1.5-4
        times as much (the longer the sequences, the more), so 64 or 32 fit
        faster where they are enough.

    num_layers : int, default=1
        Number of stacked recurrent layers.

    bidirectional : bool, default=False
        If True, each layer also reads the sequence backwards and the readout
        concatenates both directions.

    dropout : float, default=0.2
        Dropout probability between stacked layers and before the output
        layer (unlike ``nn.LSTM(dropout=...)``, it acts with one layer too).
        0.2 regularises the small sets that stop on their training loss
        (the airline's 119 monthly windows: mean absolute error 18.2 -> 15.9
        passengers over five seeds; the other tasks of
        ``benchmarks/defaults.py`` move by less than a point on average);
        0 turns it off.

    cell : {"lstm", "peephole", "gru", "rnn"}, default="lstm"
        The recurrent unit: the LSTM (:class:`sklstm.nn.LSTM`, PyTorch's
        ``nn.LSTM`` trained in sklstm's fused C loops on the CPU where that is
        faster); a peephole LSTM (Gers & Schmidhuber 2000,
        :class:`sklstm.nn.PeepholeLSTM`); the GRU (:class:`sklstm.nn.GRU`,
        ``nn.GRU`` with fused C loops on the CPU); or a plain tanh ``nn.RNN``.

    pooling : {"last", "mean", "max", "attention"}, default="last"
        Readout over time: the final hidden state of each sequence ("last"),
        or the mean, max or attention-weighted sum of the top layer's outputs
        over the real (unpadded) steps.

    head_hidden_sizes : tuple of int, default=()
        Sizes of ReLU dense layers between the readout and the output layer
        (like MLP's ``hidden_layer_sizes``); each is followed by ``dropout``.

    proj_size : int, default=0
        Project the LSTM's hidden state to this size (``nn.LSTM``'s
        ``proj_size``; needs ``cell="lstm"`` and ``proj_size < hidden_size``).

    gate_bias_init : {"chrono", "keras"}, default="chrono"
        Initial gate biases of the LSTM (and peephole) cells. "chrono"
        (Tallec & Ollivier, 2018): each unit's forget-gate bias is
        ``log(u)``, ``u`` uniform in [1, T - 1] with T the longest training
        sequence, and its input-gate bias ``-log(u)``, so that the units
        remember over 1 to T steps from the start; long-memory tasks leave
        their loss plateau in a few epochs instead of never. "keras": forget
        bias 1, the rest 0 (the default of sklstm 0.1.0, and the better
        choice measured on short local patterns in long series, e.g. UCR
        GunPoint, with ``learning_rate_init=0.001``). GRU and RNN cells
        ignore it. Weights are Keras' either way (Glorot input, orthogonal
        recurrent); embeddings are N(0, 1).

    standardize : bool, default=True
        Train the network on features of mean 0 and variance 1: each input
        feature is standardised with its mean and standard deviation over
        the real time steps of the training data (padding not counted; a
        constant feature is only centred), the scale the initial weights are
        made for (sklearn's advice for ``MLPClassifier``, done for you).
        When training ends the scaling is folded into the first recurrent
        layer's input weights and bias, so ``module_``, ``predict``, saved
        files and ONNX graphs all take raw features; ``warm_start`` and
        ``partial_fit`` keep the moments of the first fit. Token ids are not
        scaled. False trains on the features as given (sklstm 0.1.0).

    embedding_dim : int or None, default=None
        If set, ``X`` holds integer token ids (a list of 1D int arrays, as
        :class:`sklstm.preprocessing.Tokenizer` makes, or a 2D int array)
        and the network learns an embedding of this size for each id.
""",
    "training_params": """\
    solver : {"adam", "adamw", "sgd", "rmsprop"}, default="adam"
        The optimizer. "adamw" decays weights decoupled from the gradient;
        "sgd" uses ``momentum``.

    learning_rate : {"constant", "plateau", "cosine"}, default="constant"
        Learning-rate schedule. "plateau": when the stopping rule below sees
        a plateau, divide the rate by 5 and go on (as MLP's "adaptive"),
        stopping only once it would fall below 1e-6. "cosine": anneal from
        ``learning_rate_init`` towards 0 over ``max_iter`` epochs.

    learning_rate_init : float, default=0.01
        Initial learning rate. Ten times Adam's usual 1e-3: with the chrono
        gate biases and gradient clipping it trains stably, and it learned
        faster and better on every task of ``benchmarks/defaults.py`` (see the
        README's "Defaults").

    momentum : float, default=0.9
        Momentum of the "sgd" solver.

    alpha : float, default=0.0001
        Strength of the L2 penalty on weights (not biases), as in
        MLPClassifier: a batch of ``b`` sequences minimises
        ``weighted mean loss + 0.5 * alpha * ||W||^2 / w`` with ``w`` the
        expected sum of the sample weights of a batch (``b * mean(weights)``;
        ``b`` without weights). With
        "adamw" it is the decoupled weight decay (weights shrink by
        ``lr * alpha`` per step).

    batch_size : int, default=32
        Number of sequences per gradient step.

    max_iter : int or "auto", default="auto"
        Maximum number of epochs (passes over the training data). "auto":
        200 epochs, or 2,000 updates (gradient steps) where that takes more
        epochs, that is on fewer than 320 training sequences at
        ``batch_size=32`` (50 sequences make 2 updates an epoch: 200 epochs
        would be 400 steps). See "Defaults and how they were chosen".

    shuffle : bool, default=True
        Whether to shuffle the samples before each epoch.

    clip_grad_norm : float or None, default=1.0
        Rescale the gradient of each step so that its global L2 norm is at
        most this (``torch.nn.utils.clip_grad_norm_``); None disables it.
        Recurrent networks occasionally meet exploding gradients on long
        sequences; a norm of 1 tames them without slowing normal training.

    tol : float, default=1e-4
        Minimum improvement of the training loss (or, with
        ``early_stopping``, of the validation loss) that counts as progress.

    n_iter_no_change : int or "auto", default="auto"
        Training stops (or, with ``learning_rate="plateau"``, slows down)
        after more than this many epochs without progress of at least ``tol``.
        "auto": 10 epochs (MLPClassifier's default), and, when stopping on
        the training loss, at least 400 updates, so more epochs on fewer than
        1,280 training sequences at ``batch_size=32``: on a few dozen sequences
        ten epochs are twenty noisy steps, too few to tell a plateau from
        noise. With ``early_stopping`` (a validation set judges) it is 10. When training
        stops (or reaches ``max_iter``) the weights of the epoch with the
        lowest training loss are kept (with ``early_stopping``: the lowest
        validation loss).

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data, stop when its
        loss stops improving (as Keras' ``EarlyStopping``: on a small
        validation set the loss still moves when the accuracy stays flat)
        and restore the weights of the epoch with the lowest validation
        loss. Its score (accuracy or R²) is recorded too. A validation set
        of fewer than 20 samples judges nothing: the fit then warns and
        trains as ``early_stopping=False`` does.

    validation_fraction : float, default=0.1
        Fraction of the training data held out when ``early_stopping``.

    validation_split : {"random", "last"}, default="random"
        Which rows are held out: a random (for classifiers, stratified)
        subset, or the last rows in their order, the right choice for windows
        cut from one time series.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and the validation
        split. With an int, two fits on CPU give bit-identical predictions;
        PyTorch's global random state is left untouched.

    verbose : int, default=0
        0: silent. 1: a progress bar over epochs (tqdm, on stderr) with the
        training loss, validation loss and score. 2: one table row per epoch
        (epoch, train loss, valid loss, valid score, best marker, learning
        rate, seconds) on stdout.

    warm_start : bool, default=False
        If True, ``fit`` continues from the weights, optimizer state and
        history of the previous fit instead of starting afresh.

    device : {"auto", "cpu", "cuda"} or str, default="auto"
        Where to train and predict. "auto" picks CUDA when available, else
        CPU. Any ``torch.device`` string such as "cuda:1" is accepted. A
        fitted model always unpickles onto the CPU.

    deterministic : bool, default=False
        On CUDA, use cuDNN's deterministic kernels (and no autotuning) while
        fitting and predicting, so that two fits with the same integer
        ``random_state`` give identical predictions; somewhat slower. On the
        CPU, fits are deterministic anyway (for a fixed number of threads).

    predict_batch_size : int, default=4096
        Sequences per forward pass in ``predict`` and validation (no
        autograd, so it can be much larger than ``batch_size``).

    n_threads : int or None, default=None
        PyTorch CPU threads used inside ``fit`` and ``predict`` (restored
        afterwards). None: PyTorch's current setting, never more than the
        CPUs this process may use, never more than the CPUs that other
        processes leave free when the call starts (Linux), and 1 when called
        outside the main thread (threaded joblib or Dask workers) so that
        parallel searches do not oversubscribe the cores; joblib's and Dask's
        worker processes already run PyTorch on one thread each. -1: all
        available CPUs. An explicit value is obeyed whatever the load: set
        one (e.g. 1) for results that do not depend on the machine's load.

    flush_denormal : bool, default=True
        On the CPU, flush denormal (subnormal) floats to zero while training
        (``fit``, ``partial_fit``) — in the calling thread and in PyTorch's
        OpenMP threads — and restore the previous mode afterwards. Gradients of long
        sequences are full of denormals, which many x86 CPUs process in slow
        microcode; values below 1.2e-38 become 0, which does not change what
        a network learns. False keeps IEEE gradual underflow.
""",
    "fitted_attributes": """\
    n_features_in_ : int
        Number of features seen during fit: features per time step for 3D
        input, the number of columns (time steps) for 2D input.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Column names of a DataFrame ``X``; only defined when X had string
        column names.

    n_outputs_ : int
        Number of outputs of the network's final layer.

    n_tokens_ : int
        With ``embedding_dim``: number of token ids (max id seen at fit + 1).

    n_iter_ : int
        Number of epochs run, summed over ``warm_start`` fits and
        ``partial_fit`` calls.

    history_ : pandas.DataFrame
        One row per epoch (index ``epoch``): ``train_loss``, ``valid_loss``,
        ``valid_score`` (NaN without validation), ``learning_rate``,
        ``seconds``. :func:`sklstm.plot_history` draws it.

    loss_curve_ : list of float
        Mean training loss of each epoch (``history_["train_loss"]``).

    best_loss_ : float or None
        Lowest training loss reached; None when ``early_stopping``.

    validation_scores_ : list of float or None
        Validation score of each epoch (``history_["valid_score"]``) with
        ``early_stopping``, else None.

    best_validation_score_ : float or None
        Validation score of the epoch whose weights the model keeps (the
        epoch of the lowest validation loss) in the last fit with
        ``early_stopping``; else None.

    module_ : torch.nn.Module
        The fitted :class:`sklstm.nn.RecurrentNetwork`.

    optimizer_ : torch.optim.Optimizer
        The optimizer, with its state kept for ``warm_start`` and
        ``partial_fit``.

    device_ : torch.device
        Device the network lives on.
""",
}

# the per-step estimators have no readout over time
_POOLING = DOCS["network_params"].index("    pooling : ")
DOCS["step_network_params"] = (
    DOCS["network_params"][:_POOLING]
    + DOCS["network_params"][DOCS["network_params"].index("    head_hidden_sizes : "):]
)
DOCS["step_architecture"] = """\
    A recurrent stack (:class:`sklstm.nn.RecurrentNetwork` with
    ``per_step=True``; ``cell``, LSTM by default) reads each sequence; at
    every time step its top layer's output feeds optional dense layers
    (``head_hidden_sizes``) and a linear output layer (Keras'
    ``return_sequences=True`` with ``TimeDistributed(Dense)``). With
    ``bidirectional=False`` the output at step t depends only on steps up to
    t (causal); bidirectional tagging reads the whole sequence."""
DOCS["step_input"] = DOCS["input"] + """
    Token ids (with ``embedding_dim``) are a list of 1D int arrays or a 2D
    int array, id 0 being padding. ``y`` follows X's steps: an array
    ``(n_samples, n_timesteps)`` for array ``X`` (padding steps of X are
    ignored), or a list of per-sequence arrays ``(T_i,)`` as long as X's
    sequences. Predictions come back in the same form: one array for
    array ``X``, a list for a list ``X``."""
DOCS["step_sample_weight"] = """\
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence, applied to each of its labelled steps in
            the loss and in the score."""
DOCS["step_y"] = """\
        y : array-like of shape (n_samples, n_timesteps) or list of arrays
            One target per time step of X (see the class docstring for the
            forms); a step without a target is left out of loss and score."""


def fill_doc(cls):
    """Class decorator: fill ``%(name)s`` placeholders from :data:`DOCS`.

    Fills the class docstring and those of the methods the class defines.

    Examples
    --------
    >>> from sklstm._docs import fill_doc
    >>> @fill_doc
    ... class A:
    ...     '''Parameters
    ...     %(network_params)s'''
    >>> "hidden_size" in A.__doc__
    True
    """
    if cls.__doc__:
        cls.__doc__ = cls.__doc__ % DOCS
    for member in vars(cls).values():
        if callable(member) and getattr(member, "__doc__", None) and "%(" in member.__doc__:
            member.__doc__ = member.__doc__ % DOCS
    return cls

# the forecaster reads numbers, never token ids, and keeps 64 units and no dropout by default
_network = DOCS["network_params"]


def _with_own_default(name, old, new, reason_from, reason):
    """``name``'s block of network_params, and a copy with another default and reason."""
    block = _network[_network.index(f"    {name} : "):]
    block = block[:block.index("\n\n") + 2]
    changed = block.replace(f"default={old}", f"default={new}", 1)
    return block, changed[:changed.index(reason_from)] + reason + "\n\n"


_hidden = _with_own_default("hidden_size", 128, 64, " 128 (was 64)", """
        64 by default, not the other estimators' 128: on the airline example
        (``random_state`` 0-2) 128 units left the recursive forecast where it
        was (13.4% MAPE) and took one direct forecast of three from 6.8% to
        13.4%.""")
_dropout = _with_own_default("dropout", 0.2, 0.0, "        0.2 regularises", """\
        0 by default: the forecaster stops on its newest windows, and
        dropout fed back through ``strategy="recursive"`` doubled the airline
        example's error (10.1% -> 16.6% MAPE).""")
DOCS["forecast_network_params"] = (
    _network[:_network.index("    embedding_dim : ")].rstrip()
    .replace(*_hidden).replace(*_dropout)
    + "\n"
)

# the forecaster holds out its newest windows by default (stopping and interval calibration)
DOCS["forecast_training_params"] = (
    DOCS["training_params"]
    .replace("    early_stopping : bool, default=False", "    early_stopping : bool, default=True")
    .replace("    validation_fraction : float, default=0.1",
             "    validation_fraction : float, default=0.2")
    .replace('    validation_split : {"random", "last"}, default="random"',
             '    validation_split : {"random", "last"}, default="last"')
)
