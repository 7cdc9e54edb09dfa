"""Build of sklstm's optional compiled loops (everything else is in pyproject.toml).

``pip install .`` (or building a wheel) compiles ``sklstm/nn/_loops*.c`` into
the extension module ``sklstm.nn._loops`` with the platform's C compiler.
The extension is optional: where there is no compiler, or the compilation
fails, the package still installs and sklstm runs its PyTorch loops (same
results, slower); ``sklstm.nn.native_loops_available()`` says why.

The library is compiled for a baseline processor, never ``-march=native``:
its hot per-row functions are compiled three times (baseline, x86-64-v3 =
AVX2 + FMA, x86-64-v4 = AVX-512) and the loader picks the best the
processor has (see ``sklstm/nn/_loops.h``). It links no BLAS and no OpenMP
runtime: PyTorch's are handed in when it is loaded.
"""

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

SOURCES = [
    "sklstm/nn/_loops_module.c", "sklstm/nn/_peephole_loops.c", "sklstm/nn/_gru_loops.c",
]
UNIX_FLAGS = ["-O3", "-ffp-contract=fast", "-fno-math-errno", "-fno-trapping-math", "-fvisibility=hidden"]
MSVC_FLAGS = ["/O2"]


class BuildLoops(build_ext):
    """Per compiler flags; a failed build is reported, not raised (``optional``)."""

    def build_extensions(self):
        flags = MSVC_FLAGS if self.compiler.compiler_type == "msvc" else UNIX_FLAGS
        for extension in self.extensions:
            extension.extra_compile_args = flags
        super().build_extensions()


setup(
    ext_modules=[
        Extension("sklstm.nn._loops", SOURCES, depends=["sklstm/nn/_loops.h"], optional=True)
    ],
    cmdclass={"build_ext": BuildLoops},
)
