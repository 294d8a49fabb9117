"""Sorting lines in runs on disk and merging files give what sorting them in memory gives."""
import random

from pipelines.warc import linesort


def some_lines(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    # tabs and other characters below "\n" sort before the end of a line: files must not
    # compare lines with their newline
    alphabet = ["a", "b", "a\tb", "a\x01", "é", "\u2603", "z", " ", "0"]
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4))) or "x" for _ in range(count)]


def test_sorted_runs_sort_as_python_does_and_keep_repeats(tmp_path):
    lines = some_lines(1000, seed=1)
    runs = linesort.SortedRuns(tmp_path, run_lines=37)
    for line in lines:
        runs.add(line)
    dest = tmp_path / "sorted"
    assert runs.finish(dest) == len(lines)
    assert list(linesort.read_lines(dest)) == sorted(lines)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sorted"]        # the runs are gone


def test_a_single_run_is_written_without_merging(tmp_path):
    runs = linesort.SortedRuns(tmp_path, run_lines=100)
    for line in ["b", "a", "a"]:
        runs.add(line)
    assert runs.finish(tmp_path / "out") == 3
    assert list(linesort.read_lines(tmp_path / "out")) == ["a", "a", "b"]


def test_merging_many_files_in_rounds_drops_repeats(tmp_path):
    parts = [sorted(some_lines(50, seed=n)) for n in range(23)]
    paths = []
    for n, part in enumerate(parts):
        paths.append(tmp_path / f"part-{n}")
        linesort.write_lines(part, paths[-1])
    dest = tmp_path / "merged"
    count = linesort.merge_files(paths, dest, dedupe=True, fan_in=3)
    expected = sorted(set(line for part in parts for line in part))
    assert list(linesort.read_lines(dest)) == expected and count == len(expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([p.name for p in paths] + ["merged"])
    linesort.merge_files(paths, dest, dedupe=False, fan_in=4)
    assert list(linesort.read_lines(dest)) == sorted(line for part in parts for line in part)


def test_merging_nothing_writes_an_empty_file(tmp_path):
    assert linesort.merge_files([], tmp_path / "empty", dedupe=True) == 0
    assert (tmp_path / "empty").read_bytes() == b""
