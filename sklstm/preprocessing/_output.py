"""What 3D-output transformers say to ``set_output``."""

from __future__ import annotations

__all__ = ["NumpyOutputMixin", "refuse_container_output"]


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


class NumpyOutputMixin:
    """For transformers whose output (3D arrays, token lists) has no DataFrame form."""

    def set_output(self, *, transform=None):
        """Only numpy output: a 3D array or a list of id arrays has no DataFrame form.

        Parameters
        ----------
        transform : {"default"} or None
            "pandas" and "polars" raise a ValueError that says so.

        Returns
        -------
        self : object
        """
        refuse_container_output(self, transform)
        return self
