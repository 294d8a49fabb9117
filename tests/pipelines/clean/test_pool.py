import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# A process that starts the clean step's pool, prints its workers' process ids and waits.
PARENT = """
import os, time
from pipelines.clean.pool import pool_of

def busy_pid():
    time.sleep(1)
    return os.getpid()

if __name__ == "__main__":
    pool = pool_of(2, None, None, "run-x", None)
    tasks = [pool.submit(busy_pid) for _ in range(2)]     # both at once: both workers start
    print(" ".join(str(t.result()) for t in tasks), flush=True)
    time.sleep(60)
"""


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
