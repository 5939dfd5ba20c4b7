"""Heavy third-party modules imported on first use, not at start-up.

``kith --version`` and ``kith plan`` must not pay for pandas, scikit-learn,
LightGBM, statsmodels, skops, jieba or bm25s when they never touch them, and a
``kith serve`` worker must not pay for them before its first request that does.
A module that needs one at run time writes::

    if TYPE_CHECKING:
        import pandas as pd
    else:
        pd = lazy_module("pandas")

and uses ``pd`` as before: the type checker sees the real module; at run time
the first attribute access imports it (under the interpreter's import lock, so
threads are safe) and later accesses read the cached module. Names imported
with ``from x import y`` move into the functions that call them instead.
``tests/unit/test_startup_imports.py`` checks that start-up stays free of them.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

# Third-party modules that start-up (``import kith.cli``, ``kith.bootstrap``,
# ``kith.app``) must not import; the start-up test reads this list.
HEAVY_MODULES = (
    "pandas",
    "sklearn",
    "scipy",
    "lightgbm",
    "statsmodels",
    "skops",
    "jieba",
    "bm25s",
    "jionlp",
    "pypinyin",
)


class _LazyModule(ModuleType):
    """A stand-in that imports ``name`` when one of its attributes is first read."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__dict__["_lazy_target"] = None

    def _load(self) -> ModuleType:
        target: ModuleType | None = self.__dict__["_lazy_target"]
        if target is None:
            target = importlib.import_module(self.__name__)
            self.__dict__["_lazy_target"] = target
        return target

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._load(), attr)

    def __dir__(self) -> list[str]:
        return dir(self._load())


def lazy_module(name: str) -> Any:
    """``name`` itself if it is already imported, else a stand-in importing it on first use."""
    import sys

    loaded = sys.modules.get(name)
    return loaded if loaded is not None else _LazyModule(name)
