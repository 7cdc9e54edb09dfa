"""What 3D-output transformers say to ``set_output``."""

from __future__ import annotations

__all__ = ["NumpyOutputMixin"]


class NumpyOutputMixin:
    """For transformers whose output (3D arrays, token lists) has no DataFrame form.

    A class states its output in ``_output_description`` for the error message.
    """

    _output_description = "a 3D array (n_samples, n_timesteps, n_features)"

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
        if transform not in (None, "default"):
            raise ValueError(
                f"{type(self).__name__} returns {self._output_description}, which "
                f"has no {transform!r} form. Keep set_output(transform='default') "
                "for this step; DataFrame output still works for the 2D steps "
                "before it."
            )
        return self
