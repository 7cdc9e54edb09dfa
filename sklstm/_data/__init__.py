"""The data layer: the one place where user input is validated and converted.

It imports no torch and no training code. It writes nothing onto an
estimator: it returns validated numpy arrays, lengths and, for an
estimator's sequences, one :class:`InputLayout` record that the estimator
publishes when its fit succeeds. For the transformers it records
``n_features_in_`` (and ``feature_names_in_``) as scikit-learn's
``validate_data`` does, but only once ``X`` proved valid.

Every estimator and transformer calls these functions; nothing else in the
package converts or validates user input. Sequences end up as one padded
array ``(n_samples, n_timesteps, n_features)`` (float32, or int64 token ids
``(n_samples, n_timesteps)``) plus the true length of every sequence,
converted once and then sliced into batches by the training loop.

Input semantics (the public contract, also in the README):

- 3D ``(n_samples, n_timesteps, n_features)``: the canonical form. The number
  of features is fixed at fit; the sequence length may differ at predict.
  Leading or trailing time steps whose features are all NaN are padding
  (the real steps are moved to the front and packed); any other NaN is an
  error. A sequence of padding only has length 0 (the network reads its
  initial state).
- 2D ``(n_samples, n_timesteps)`` array or DataFrame: n univariate sequences.
  ``n_features_in_`` is ``X.shape[1]`` (the number of columns), exactly as
  scikit-learn expects, and a different width at predict is an error. NaN
  is an error (padding is for 3D input: ``X[:, :, None]``).
- Ragged: a list (or 1D object array) of arrays ``(T_i, F)`` or ``(T_i,)``,
  real numbers, ``T_i >= 1`` and ``F >= 1``.
- Refused with a message that says what to pass: 1D arrays, generators and
  other one-pass iterators, DataFrames without columns, complex numbers.
- Token ids (estimators with ``embedding_dim``): a list of 1D integer arrays
  or a 2D integer array; id 0 is padding, left out wherever it is.
- Text documents (``Tokenizer``): a list-like of strings, never one string.
- Time-ordered tables (``SlidingWindowTransformer``, ``make_supervised``):
  rows are time steps, columns features; a pandas index of integers,
  periods or regular times says where a table ends (``table_end``).
- Long tables (``from_long``): one row per sequence and time step.
"""

from ._layout import LAYOUT_KINDS, InputLayout
from ._long import check_long_table, check_sequence_labels
from ._padding import (
    check_layout,
    check_padded_3d,
    float_overflow_is_value_error,
    padding_mask,
)
from ._ragged import check_sequence_list
from ._params import check_head_hidden_sizes
from ._split import MIN_VALIDATION_SAMPLES, split_validation, validation_size
from ._standardize import feature_moments, standardized
from ._targets import (
    check_class_labels,
    check_forecast_table,
    check_horizon,
    check_regression_targets,
)
from ._time_index import TableEnd, table_end
from ._tokens import check_documents, check_token_sequences
from ._sequences import (
    Sequences,
    check_sample_weight,
    check_sequences,
    check_table,
)

__all__ = [
    "MIN_VALIDATION_SAMPLES",
    "validation_size",
    "TableEnd",
    "table_end",
    "InputLayout",
    "LAYOUT_KINDS",
    "Sequences",
    "check_class_labels",
    "check_documents",
    "check_forecast_table",
    "check_head_hidden_sizes",
    "check_horizon",
    "check_layout",
    "check_long_table",
    "check_regression_targets",
    "check_padded_3d",
    "check_sample_weight",
    "check_sequence_labels",
    "check_sequence_list",
    "check_sequences",
    "check_table",
    "check_token_sequences",
    "feature_moments",
    "float_overflow_is_value_error",
    "padding_mask",
    "split_validation",
    "standardized",
]
