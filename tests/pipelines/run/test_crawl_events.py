"""steps.crawl follows the crawl process through its event channel, not its log text: the
progress and the errors it logs arrive as events, and a failed crawl's one-line reason
becomes the step's error."""
import pytest

from pipelines.run import steps
from spiders.siteconfig import load_site
from newsarchive.errors import StepError
from pipelines.settings import PipelineSettings
from tests.faultsite import Canary
from tests.spiders.test_scope import SITE


def test_a_crawl_that_fetches_nothing_fails_with_the_reason_it_sent(tmp_path):
    server = Canary("127.0.0.1").start()       # reached through "localhost": refused at connect time
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites" / "lh.toml").write_text(
        SITE.format(name="lh", base=f"http://localhost:{server.port}/", scope=""))
    settings = PipelineSettings(store_uri=str(tmp_path / "store"), staging_dir=tmp_path / "staging",
                                sites_dir=tmp_path / "sites")
    events = []
    try:
        with pytest.raises(StepError) as failed:
            steps.crawl(load_site("lh", settings.sites_dir), "t1", settings, on_event=events.append)
    finally:
        server.stop()
    assert str(failed.value) == "crawl of lh failed: the crawl of lh fetched nothing (is the site reachable?)"
    assert events[-1] == {"event": "progress", "responses": 0}       # the final count, at close
    assert {e["event"] for e in events} <= {"progress", "log"}        # the failure is not passed on
    assert all("ERROR" in e["line"] for e in events if e["event"] == "log")
