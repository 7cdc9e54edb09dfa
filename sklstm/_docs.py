"""Parameter and attribute documentation shared by the estimators, written once.

Docstrings refer to these blocks as ``%(name)s`` and :func:`fill_doc` fills
them in when the class is defined.
"""

from __future__ import annotations

DOCS = {
    "input": """\
    Input ``X`` is a 3D array ``(n_samples, n_timesteps, n_features)``
    (trailing all-NaN time steps are padding), or a 2D array or DataFrame
    ``(n_samples, n_timesteps)`` read as univariate sequences (then
    ``n_features_in_`` is the number of columns, as in scikit-learn).""",
    "network_params": """\
    hidden_size : int, default=64
        Number of features in the hidden state of each recurrent layer and
        direction (PyTorch's ``hidden_size``).

    num_layers : int, default=1
        Number of stacked recurrent layers.

    bidirectional : bool, default=False
        If True, each layer also reads the sequence backwards and the readout
        concatenates both directions.

    dropout : float, default=0.0
        Dropout probability between stacked layers and before the output
        layer (unlike ``nn.LSTM(dropout=...)``, it acts with one layer too).
""",
    "training_params": """\
    batch_size : int, default=32
        Number of sequences per gradient step.

    learning_rate_init : float, default=0.001
        Learning rate of the Adam optimizer.

    alpha : float, default=0.0001
        Strength of the L2 penalty on weights (not biases), as in
        MLPClassifier: a batch of ``b`` sequences minimises
        ``mean loss + 0.5 * alpha * ||W||^2 / b``.

    max_iter : int, default=200
        Maximum number of epochs (passes over the training data).

    shuffle : bool, default=True
        Whether to shuffle the samples before each epoch.

    tol : float, default=1e-4
        Minimum improvement of the training loss (or, with
        ``early_stopping``, of the validation score) that counts as progress.

    n_iter_no_change : int, default=10
        Training stops after more than this many epochs without progress of
        at least ``tol``.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data, stop when its
        score stops improving and restore the weights of the best epoch.

    validation_fraction : float, default=0.1
        Fraction of the training data held out when ``early_stopping``.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and the validation
        split. With an int, two fits on CPU give bit-identical predictions;
        PyTorch's global random state is left untouched.

    verbose : int, default=0
        If positive, print one line per epoch.

    warm_start : bool, default=False
        If True, ``fit`` continues from the weights, optimizer state and
        history of the previous fit instead of starting afresh.

    device : {"auto", "cpu", "cuda"} or str, default="auto"
        Where to train and predict. "auto" picks CUDA when available, else
        CPU. Any ``torch.device`` string such as "cuda:1" is accepted. A
        fitted model always unpickles onto the CPU.
""",
    "fitted_attributes": """\
    n_features_in_ : int
        Number of features seen during fit: features per time step for 3D
        input, the number of columns (time steps) for 2D input.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of a DataFrame ``X``; only defined when X had string
        column names.

    n_outputs_ : int
        Number of outputs of the network's final layer.

    n_iter_ : int
        Number of epochs run, summed over ``warm_start`` fits and
        ``partial_fit`` calls.

    loss_curve_ : list of float
        Mean training loss of each epoch.

    best_loss_ : float or None
        Lowest training loss reached; None when ``early_stopping``.

    validation_scores_ : list of float or None
        Validation score of each epoch with ``early_stopping``, else None.

    best_validation_score_ : float or None
        Best validation score of the last fit with ``early_stopping``.

    module_ : torch.nn.Module
        The fitted :class:`sklstm.nn.RecurrentNetwork`.

    optimizer_ : torch.optim.Optimizer
        The Adam optimizer, kept for ``warm_start`` and ``partial_fit``.

    device_ : torch.device
        Device the network lives on.
""",
}


def fill_doc(cls):
    """Class decorator: fill ``%(name)s`` placeholders from :data:`DOCS`.

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
    return cls
