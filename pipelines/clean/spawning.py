"""A spawn context for the clean pool's workers, which lifts two rules of multiprocessing that
do not fit them.

1. A spawned child re-runs the parent's main module (as `__mp_main__`) so that functions
   defined there can be unpickled. A clean worker needs nothing of it: what it runs lives in
   `pipelines.*`. And re-running it can fail: under Airflow's task runner the main module is
   the `airflow` console script, whose import sets up the ORM, and a task process has no
   metadata database, so every worker died at start (BrokenProcessPool). Workers started here
   get no main module to re-run; in exchange, a function defined in a main script cannot be
   sent to them.
2. A daemonic process may not start children, because it is killed without cleanup when its
   parent exits and would leave them orphaned. A Celery worker runs tasks in daemonic pool
   processes, so a clean task there could not start a pool. Clean workers watch their parent
   and exit when it is gone (pipelines.clean.pool), so they are started anyway. (Celery's
   process library also stands its own process object, with an authentication key that
   multiprocessing cannot pickle, in for multiprocessing's current process: each worker
   gets a key of multiprocessing's own.)"""
from __future__ import annotations

import multiprocessing
import sys
import threading
import types
from multiprocessing import context

# What the child is told the main module is: no __file__, no __spec__, so nothing to import.
_NO_MAIN = types.ModuleType("__main__")
_starting = threading.Lock()


class _Process(context.SpawnProcess):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.authkey = bytes(self.authkey)      # wrapped as multiprocessing's, whatever it was

    def start(self):
        # Both rules, and the key sent to the child, are read from process-wide state while
        # the child is launched: change it just that long (milliseconds, once per worker).
        config = multiprocessing.current_process()._config
        with _starting:
            main, saved = sys.modules["__main__"], dict(config)
            sys.modules["__main__"] = _NO_MAIN
            config.pop("daemon", None)
            config["authkey"] = bytes(self.authkey)
            try:
                super().start()
            finally:
                sys.modules["__main__"] = main
                config.clear()
                config.update(saved)


class PoolSpawnContext(context.SpawnContext):
    Process = _Process


def pool_spawn() -> PoolSpawnContext:
    return PoolSpawnContext()
