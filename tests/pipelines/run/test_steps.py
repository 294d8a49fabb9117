"""What the steps leave in the local staging folder."""
from pipelines.run.staging import remove_if_done
from spiders.crawl import SUMMARY_NAME


def test_a_shipped_run_folder_goes_with_disk_queues_a_killed_crawl_left(tmp_path):
    out = tmp_path / "demo" / "run-1"
    (out / ".scheduler-abc" / "requests.queue").mkdir(parents=True)
    (out / ".scheduler-abc" / "requests.queue" / "p0").write_bytes(b"pickled requests")
    (out / SUMMARY_NAME).write_text("{}")
    remove_if_done(out)
    assert not out.exists()


def test_a_run_folder_with_an_unshipped_warc_stays(tmp_path):
    out = tmp_path / "demo" / "run-1"
    out.mkdir(parents=True)
    (out / "demo-1.warc.gz").write_bytes(b"not shipped yet")
    (out / SUMMARY_NAME).write_text("{}")
    remove_if_done(out)
    assert (out / "demo-1.warc.gz").exists() and (out / SUMMARY_NAME).exists()
