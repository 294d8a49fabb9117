"""A spawn context whose workers do not import the parent's main module.

multiprocessing's spawn (and forkserver) makes each child re-run the parent's `__main__`
(as `__mp_main__`) so that functions defined there can be unpickled. A clean worker needs
nothing of it: what it runs lives in `pipelines.*`. And re-running it can fail: under
Airflow's task runner the main module is the `airflow` console script, whose import sets up
the ORM, and a task process has no metadata database, so every worker died at start
(BrokenProcessPool). Workers started here get no main module to re-run; in exchange,
a function defined in a main script cannot be sent to them."""
from __future__ import annotations

import sys
import threading
import types
from multiprocessing import context
from multiprocessing.popen_spawn_posix import Popen as SpawnPopen

# What the child is told the main module is: no __file__, no __spec__, so nothing to import.
_NO_MAIN = types.ModuleType("__main__")
_swap = threading.Lock()


class _Popen(SpawnPopen):
    def _launch(self, process_obj):
        # The preparation data is read from sys.modules["__main__"] while the child is
        # launched; stand a blank module in for it just that long (milliseconds, once per worker).
        with _swap:
            main = sys.modules["__main__"]
            sys.modules["__main__"] = _NO_MAIN
            try:
                super()._launch(process_obj)
            finally:
                sys.modules["__main__"] = main


class _Process(context.SpawnProcess):
    @staticmethod
    def _Popen(process_obj):
        return _Popen(process_obj)


class NoMainSpawnContext(context.SpawnContext):
    Process = _Process


def no_main_spawn() -> NoMainSpawnContext:
    return NoMainSpawnContext()
