"""The record of the input layout an estimator was fitted on."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LAYOUT_KINDS", "InputLayout"]

#: How the sequences were given: a 2D table of univariate sequences, a 3D
#: array, a ragged list of arrays, or token ids (with an embedding).
LAYOUT_KINDS = ("2d", "3d", "ragged", "tokens")


@dataclass(frozen=True)
class InputLayout:
    """What :func:`sklstm._data.check_sequences` found in ``X`` at fit.

    The estimators keep it as one fitted attribute; the network is sized from
    it and later inputs are checked against it.

    Attributes
    ----------
    kind : {"2d", "3d", "ragged", "tokens"}
        The form of ``X`` at fit. "2d" fixes the number of time steps (it is
        ``n_features_in_``); the other forms accept any length later.
    n_step_features : int
        Features per time step (1 for "2d" and "tokens").
    n_tokens : int or None
        For "tokens": the number of token ids (the largest id seen + 1).
    n_features_in : int
        What the estimator publishes as ``n_features_in_``: the number of
        columns (time steps) for "2d", else ``n_step_features``.
    feature_names : tuple of str or None
        Column names of a DataFrame ``X`` ("2d"), published as
        ``feature_names_in_``.

    Examples
    --------
    >>> from sklstm._data import InputLayout
    >>> layout = InputLayout("3d", n_step_features=4)
    >>> layout.n_features_in, layout.tokens
    (4, False)
    """

    kind: str
    n_step_features: int
    n_tokens: int | None = None
    n_features_in: int | None = None
    feature_names: tuple | None = None

    def __post_init__(self):
        if self.kind not in LAYOUT_KINDS:
            raise ValueError(f"kind must be one of {LAYOUT_KINDS}, got {self.kind!r}.")
        if self.n_features_in is None:
            object.__setattr__(self, "n_features_in", self.n_step_features)

    @property
    def tokens(self) -> bool:
        """Whether the input is token ids (looked up in an embedding)."""
        return self.kind == "tokens"
