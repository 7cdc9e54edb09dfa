"""What 3D-output transformers say to ``set_output``."""

from __future__ import annotations

__all__ = ["refuse_container_output"]


def refuse_container_output(transformer, transform) -> None:
    """Accept ``None``/"default"; explain why "pandas"/"polars" cannot work."""
    if transform in (None, "default"):
        return
    raise ValueError(
        f"{type(transformer).__name__} returns a 3D array (n_samples, "
        f"n_timesteps, n_features), which has no {transform!r} form. Keep "
        "set_output(transform='default') for this step; DataFrame output still "
        "works for the 2D steps before it."
    )
