"""sphinx-gallery settings of the examples gallery that are code (see conf.py)."""

from pathlib import Path

#: The examples whose first argument is where to save their figure.
_SAVES_TO_ARGV = {"long_memory.py", "training_history.py", "forecasting.py",
                  "forecasting_covariates.py"}
_OUT = Path(__file__).resolve().parent.parent / "_build" / "gallery_figures"

#: The gallery's order: first steps, then the capabilities as the user guide
#: presents them. Examples not listed come last, by name.
ORDER = ["quickstart.py", "training_history.py", "long_memory.py", "variable_length.py",
         "sentiment.py", "word_segmentation.py", "step_regression.py",
         "char_language_model.py", "forecasting.py", "forecasting_covariates.py",
         "dask_search.py"]


def reset_argv(gallery_conf, script_vars):
    """Save the figures of those examples under docs/_build, not in examples/.

    sphinx-gallery runs each example in its own folder; without an argument
    these would save their PNG there. The page shows the figure either way
    (sphinx-gallery captures the open figures).
    """
    name = Path(script_vars["src_file"]).name
    if name in _SAVES_TO_ARGV:
        _OUT.mkdir(parents=True, exist_ok=True)
        return [str(_OUT / name.replace(".py", ".png"))]
    return []


class ExampleOrder:
    """Sort key of the examples within the gallery: ``ORDER``, then by name."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        name = Path(filename).name
        return (ORDER.index(name), "") if name in ORDER else (len(ORDER), name)

    def __repr__(self):  # sphinx-gallery caches settings by their repr
        return f"<{type(self).__name__}>"
