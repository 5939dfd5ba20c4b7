"""The modules that register jobs, imported before the runner looks a job up.

Jobs register themselves at import time (``@registry.job``); a process that only
runs the scheduler (``kith worker``, ``kith schedule run-due``) would otherwise
never import them. A module listed here that does not exist (a context not
installed or not built yet) is skipped; any other import error is a bug and
propagates.
"""

from __future__ import annotations

import importlib

JOB_MODULES = (
    "kith.intelligence.jobs",
    "kith.intelligence.segments.jobs",
    "kith.audit.jobs",
)

_loaded = False


def load_jobs() -> None:
    global _loaded
    if _loaded:
        return
    for module in JOB_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    _loaded = True
