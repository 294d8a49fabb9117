from pathlib import Path

import pytest

from spiders.siteconfig import SiteError, load_site, load_site_file, load_sites

GOOD = """
name = "good"
base_url = "https://news.example.org"
article_patterns = ['^/article/\\d+$']
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(text)
    return path


def test_bundled_demo_site_is_valid():
    site = load_site("demo")
    assert site.enabled and site.politeness.obey_robots
    assert site.is_article(site.absolute("/news/2024/07/04/some-story/"))
    assert not site.is_article(site.absolute("/news/"))
    assert site.is_listing(site.absolute("/business/page/3/"))


def test_defaults_and_base_url_override(tmp_path):
    site = load_site_file(write(tmp_path, "good", GOOD))
    assert site.base_url == "https://news.example.org/"
    moved = site.with_base_url("http://93.184.215.14:9999")
    assert moved.absolute("/article/1") == "http://93.184.215.14:9999/article/1"
    assert moved.is_article("http://93.184.215.14:9999/article/1")


@pytest.mark.parametrize("text, field", [
    (GOOD.replace('base_url = "https://news.example.org"', 'base_url = "ftp://x"'), "base_url"),
    (GOOD.replace("'^/article/", "'(["), "article_patterns"),
    (GOOD + "\n[politeness]\nconcurrency_per_domain = 0\n", "politeness.concurrency_per_domain"),
    (GOOD + "\nsurprise = 1\n", "surprise"),
    (GOOD + "\n[schedule]\ncron = \"every day\"\n", "schedule.cron"),
])
def test_invalid_files_name_file_and_field(tmp_path, text, field):
    path = write(tmp_path, "good", text)
    with pytest.raises(SiteError) as err:
        load_site_file(path)
    message = str(err.value)
    assert str(path) in message and f"'{field}'" in message and "\n" not in message


def test_broken_toml_and_wrong_name(tmp_path):
    with pytest.raises(SiteError, match="not valid TOML"):
        load_site_file(write(tmp_path, "x", "name = "))
    with pytest.raises(SiteError, match="must match the file name"):
        load_site_file(write(tmp_path, "other", GOOD))


def test_one_broken_file_does_not_hide_the_others(tmp_path):
    write(tmp_path, "good", GOOD)
    write(tmp_path, "bad", "name = 'bad'\n")
    sites, errors = load_sites(tmp_path)
    assert [s.name for s in sites] == ["good"]
    assert len(errors) == 1 and "bad.toml" in str(errors[0])


def test_unknown_site_lists_known_ones(tmp_path):
    write(tmp_path, "good", GOOD)
    with pytest.raises(SiteError, match=r"unknown site 'nope' \(known sites: good\)"):
        load_site("nope", tmp_path)


def test_real_world_example_is_valid_and_disabled():
    site = load_site("kyivindependent")
    assert not site.enabled and site.politeness.obey_robots and site.politeness.download_delay >= 1
    assert site.host == "kyivindependent.com" and site.sitemaps and site.feeds
    assert site.is_article("https://kyivindependent.com/russia-launches-massive-attack-on-kyiv/")
    assert not site.is_article("https://kyivindependent.com/tag/war/")
    assert site.schedule.timezone == "Europe/Kyiv" and site.window_by_dates


@pytest.mark.parametrize("text, field", [
    (GOOD + '\n[schedule]\ncron = "0 25 * * *"\n', "schedule.cron"),
    (GOOD + '\n[schedule]\ntimezone = "Mars/Olympus"\n', "schedule.timezone"),
    (GOOD + "\n[schedule]\nmax_active_runs = 0\n", "schedule.max_active_runs"),
    (GOOD + "\n[discovery]\nurl_date_pattern = '/(\\\\d{4})/'\n", "discovery.url_date_pattern"),
    (GOOD + '\n[discovery]\nby_window = "guess"\n', "discovery.by_window"),
])
def test_schedule_and_discovery_errors_name_the_field(tmp_path, text, field):
    path = write(tmp_path, "good", text)
    with pytest.raises(SiteError) as err:
        load_site_file(path)
    assert str(path) in str(err.value) and f"'{field}'" in str(err.value)


def test_sites_without_dated_sources_fall_back_to_sections(tmp_path):
    site = load_site_file(write(tmp_path, "good", GOOD))
    assert not site.window_by_dates and site.dag_id == site.pool == "newsarchive_good"
    dated = load_site_file(write(tmp_path, "good", GOOD + 'sitemaps = ["/sitemap.xml"]\n'))
    assert dated.window_by_dates
