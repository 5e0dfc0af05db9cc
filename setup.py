"""Build of ngb's compiled kernels: every ``ngb/**/*.pyx`` becomes an extension module.

The kernels are compiled once, at install, so a first fit compiles nothing. Compiler flags:
``-O3 -ffp-contract=off`` always (no fused multiply-add contraction: the same rounding as the
written expressions, on every machine), plus ``NGB_CFLAGS`` (default ``-march=native``: code for
the CPU that builds it, as a JIT compiler would produce; set e.g. ``NGB_CFLAGS=-march=x86-64-v2``
to build for other machines). The modules are translated and compiled on every core (``parallel``).
"""

import glob
import os

from Cython.Build import cythonize
from setuptools import Extension, setup

FLAGS = ["-O3", "-ffp-contract=off", *os.environ.get("NGB_CFLAGS", "-march=native").split()]
DIRECTIVES = {
    "language_level": 3,
    "boundscheck": False,
    "wraparound": False,
    "cdivision": True,
    "initializedcheck": False,
    "nonecheck": False,
}

extensions = [
    Extension(path[:-4].replace(os.sep, "."), [path], extra_compile_args=FLAGS)
    for path in sorted(glob.glob(os.path.join("ngb", "**", "*.pyx"), recursive=True))
]

JOBS = os.cpu_count() or 1

setup(ext_modules=cythonize(extensions, compiler_directives=DIRECTIVES, quiet=True, nthreads=JOBS),
      options={"build_ext": {"parallel": JOBS}})
