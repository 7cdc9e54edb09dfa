"""sklstm.show_versions: the environment, for bug reports."""

import sklstm


def test_show_versions_names_what_a_bug_report_needs(capsys):
    sklstm.show_versions()
    out = capsys.readouterr().out
    for name in ("python", "machine", "sklstm", "numpy", "scipy", "sklearn", "pandas",
                 "torch", "threads", "CUDA", "compiled loops (peephole, GRU)"):
        assert f"{name}:" in out, name
    assert sklstm.__version__ in out


def test_version_is_the_package_metadata_version():
    from importlib.metadata import version

    assert version("sklstm") == sklstm.__version__
