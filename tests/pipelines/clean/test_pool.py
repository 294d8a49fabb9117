import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# A process that starts the clean step's pool, prints its workers' process ids and waits.
PARENT = """
import time
from pipelines.clean.pool import pool_of
from tests.pipelines.clean.test_pool import busy_pid

if __name__ == "__main__":
    pool = pool_of(2, None, None, "run-x")
    tasks = [pool.submit(busy_pid) for _ in range(2)]     # both at once: both workers start
    print(" ".join(str(t.result()) for t in tasks), flush=True)
    time.sleep(60)
"""
# A main script that cannot be imported again, as the `airflow` script in a task process
# (its import sets up an ORM with no database configured there).
UNIMPORTABLE_MAIN = """
if __name__ != "__main__":
    raise SystemExit("imported again by a pool worker")
from pipelines.clean.pool import pool_of
from tests.pipelines.clean.test_pool import busy_pid
pool = pool_of(2, None, None, "run-x")
print(sorted({t.result() for t in [pool.submit(busy_pid) for _ in range(2)]}), flush=True)
pool.shutdown()
"""


def busy_pid() -> int:
    time.sleep(1)
    return os.getpid()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:          # a zombie has died already
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_pool_workers_die_with_a_killed_parent(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    parent = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        workers = [int(p) for p in parent.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(p) for p in workers)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [p for p in workers if _alive(p)], "pool workers outlived their killed parent"
    finally:
        parent.kill()


def test_workers_do_not_import_the_parents_main_script(tmp_path):
    script = tmp_path / "airflow"
    script.write_text(UNIMPORTABLE_MAIN)
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    workers = eval(done.stdout.strip())
    assert len(workers) == 2 and done.returncode == 0 and "imported again" not in done.stderr


def test_a_celery_pool_process_starts_a_pool():
    """A Celery worker runs its tasks in daemonic processes of its own process library
    (billiard), which multiprocessing forbids to have children and whose authentication key it
    cannot pickle; the clean pool's workers, which watch their parent, start there anyway."""
    import billiard

    ctx = billiard.get_context("fork")
    results = ctx.Queue()
    task = ctx.Process(target=_pool_pids_into, args=(results,), daemon=True)
    task.start()
    try:
        found = results.get(timeout=120)
    finally:
        task.join(30)
    assert isinstance(found, list) and len(found) == 2, found


def _pool_pids_into(results) -> None:
    from pipelines.clean.pool import pool_of
    try:
        pool = pool_of(2, None, None, "run-x")
        results.put(sorted({t.result() for t in [pool.submit(busy_pid) for _ in range(2)]}))
        pool.shutdown()
    except BaseException as error:          # the failure is the finding
        results.put(repr(error))


def test_workers_started_from_a_thread_that_ends_keep_working():
    """A pool's workers start in the thread that submits; that thread ending (a task runner's
    thread, a request handler) must not end them: they go with the parent process only."""
    import threading
    from pipelines.clean.pool import pool_of

    pool = pool_of(2, None, None, "run-x")
    first: list[int] = []
    starter = threading.Thread(target=lambda: first.extend(pool.submit(_slow_pid).result() for _ in range(2)))
    starter.start()
    starter.join()
    try:
        time.sleep(1.5)                         # past the watch interval of the workers
        later = {pool.submit(_slow_pid).result() for _ in range(4)}
        assert set(first) <= later | set(first) and all(_alive(p) for p in first)
        assert later <= set(pool._processes)   # the same workers answer: none died and was replaced
    finally:
        pool.shutdown()


def _slow_pid() -> int:
    time.sleep(0.2)
    return os.getpid()


def test_slices_group_consecutive_records_by_count_and_bytes(monkeypatch):
    from pipelines.clean import pool

    monkeypatch.setattr(pool, "CHUNK", 3)
    monkeypatch.setattr(pool, "SLICE_BYTES", 100)
    spans = [(0, 10), (10, 10), (20, 10), (30, 10), (40, 90), (130, 300), (430, 5)]
    # three records at most; a record that would take a slice past 100 bytes starts the next one
    assert list(pool.slices(spans, "k")) == [("k", 0, 30), ("k", 30, 100), ("k", 130, 300), ("k", 430, 5)]
    assert list(pool.slices([], "k")) == []


def test_default_workers_pay_for_themselves(monkeypatch):
    from pipelines.clean import pool

    monkeypatch.delenv("NEWSARCHIVE_CLEAN_WORKERS", raising=False)
    monkeypatch.setattr(pool, "cores", lambda: 4)
    monkeypatch.setattr(pool, "_available_bytes", lambda: 64 << 30)
    assert pool.default_workers(50) == 1                          # a small run: one process
    assert pool.default_workers(2 * pool.RECORDS_PER_WORKER) == 2
    assert pool.default_workers(100_000) == 4 and pool.default_workers() == 4
    monkeypatch.setattr(pool, "_available_bytes", lambda: 3 * pool.WORKER_BYTES)
    assert pool.default_workers(100_000) == 3                     # no more than memory holds
    monkeypatch.setenv("NEWSARCHIVE_CLEAN_WORKERS", "auto")                 # unset is auto
    assert pool.default_workers(100_000) == 3
    monkeypatch.setenv("NEWSARCHIVE_CLEAN_WORKERS", "2")
    assert pool.default_workers(10) == 2                          # the setting wins
