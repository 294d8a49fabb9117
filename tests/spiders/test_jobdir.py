"""The crawl's private folder for Scrapy's disk queues."""
import pytest

from spiders.jobdir import PREFIX, job_settings, scheduler_folder


def test_a_fresh_empty_folder_inside_the_output_removed_afterwards(tmp_path):
    with scheduler_folder(tmp_path / "out") as jobdir:
        assert jobdir.parent == tmp_path / "out" and jobdir.name.startswith(PREFIX)
        assert list(jobdir.iterdir()) == []
        (jobdir / "requests.queue").mkdir()
        (jobdir / "requests.queue" / "p0").write_bytes(b"x")
    assert not jobdir.exists()
    assert list((tmp_path / "out").iterdir()) == []


def test_removed_when_the_crawl_fails(tmp_path):
    with pytest.raises(RuntimeError):
        with scheduler_folder(tmp_path) as jobdir:
            raise RuntimeError("crawl failed")
    assert not jobdir.exists()


def test_a_killed_crawls_folder_is_never_resumed(tmp_path):
    stale = tmp_path / f"{PREFIX}old"
    (stale / "requests.queue").mkdir(parents=True)
    (stale / "requests.queue" / "active.json").write_text("[1]")
    (tmp_path / "keep.warc.gz").write_bytes(b"w")
    with scheduler_folder(tmp_path) as jobdir:
        assert not stale.exists() and jobdir != stale
    assert [p.name for p in tmp_path.iterdir()] == ["keep.warc.gz"]


def test_settings_keep_no_resume_state(tmp_path):
    settings = job_settings(tmp_path)
    assert settings["JOBDIR"] == str(tmp_path)
    assert settings["DUPEFILTER_CLASS"] == "spiders.dupefilter.RunDupeFilter"
    assert settings["EXTENSIONS"] == {"scrapy.extensions.spiderstate.SpiderState": None}
