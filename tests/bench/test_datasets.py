"""The public sets' readers, on tiny checkouts laid out as the sets' repositories are."""
import pytest

from bench import datasets


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def external(tmp_path):
    l3s = tmp_path / "external" / datasets.L3S
    write(l3s / "url-mapping.txt", "<urn:uuid:u1>\thttp://news.example/a.html\n")
    write(l3s / "original" / "u1.html", "<html><body><p>Body one.</p></body></html>")
    write(l3s / "annotated" / "u1.html", '<html><body><span class="x-nc-sel1">The Headline</span>'
          '<span class="x-nc-sel0">Menu</span><span class="x-nc-sel2">Body one.</span>'
          '<span class="x-nc-sel2">Body two.</span><span class="x-nc-sel3">A caption</span></body></html>')
    merged = tmp_path / "external" / datasets.MERGED
    write(merged / "dragnet_data" / "input" / "T1.html",
          '<html><head><link rel="canonical" href="https://blog.example/p/1"></head><body>x</body></html>')
    write(merged / "dragnet_data" / "GoldStandard" / "T1.txt", f"Post text.\n{datasets.COMMENTS_MARK}\nA comment")
    write(merged / "dragnet_data" / "input" / "T2.html", "<html><body>y</body></html>")
    write(merged / "dragnet_data" / "GoldStandard" / "T2.txt", "Other post.")
    write(merged / "CleanPortalEval-master" / "input" / "bbc_1.html", '<text id="http://bbc.example/x">\n<html></html>')
    write(merged / "CleanPortalEval-master" / "GoldStandard" / "bbc_1.txt",
          "URL: http://bbc.example/x\n<h>Title\n<p>It&#039;s a paragraph.\n")
    for name, url in (("1", "http://news.site.example/a"), ("2", "http://www.shop.example/cart"),
                      ("3", "http://paper.example/story/0,1,2.html"), ("4", "http://www.goodnews.example/")):
        write(merged / "cleaneval-final" / "input" / f"{name}.html", f'<text id="{url}" title="t">\n<p>x</p>')
        write(merged / "cleaneval-final" / "GoldStandard" / f"{name}.txt", f"URL: {url}\n<p>Text {name}\n")
    manifests = tmp_path / "manifests"
    write(manifests / "dragnet-test-split.txt", "T1\nT2\n")
    return tmp_path / "external", manifests


def test_l3s_reference_is_the_full_text_and_the_headline_is_the_title(external):
    pages = datasets.load("l3s-gn1", *external)
    [(page_id, url, truth, html)] = pages
    assert (page_id, url) == ("u1", "http://news.example/a.html")
    assert truth == "Body one.\nBody two." and pages[0].title == "The Headline"
    assert html.startswith(b"<html>")


def test_dragnet_reference_stops_at_the_comments_and_the_host_comes_from_the_page(external):
    pages = datasets.load("dragnet", *external)
    assert [(p[0], p[1], p[2].strip()) for p in pages] == [
        ("T1", "https://blog.example/p/1", "Post text."), ("T2", "http://dragnet-T2.invalid/", "Other post.")]


def test_cleaneval_keeps_portal_pages_and_the_pages_whose_url_names_news(external):
    pages = datasets.load("cleaneval", *external)
    assert [p[0] for p in pages] == ["CleanPortalEval-master/bbc_1", "cleaneval-final/1", "cleaneval-final/3"]
    assert pages[0][2].split() == ["Title", "It's", "a", "paragraph."]     # marks and URL line gone


def test_a_changed_checkout_is_reported_not_scored(external):
    checkout, manifests = external
    datasets.load("dragnet", checkout, manifests)                   # writes the manifest
    write(checkout / datasets.MERGED / "dragnet_data" / "GoldStandard" / "T2.txt", "Edited.")
    with pytest.raises(SystemExit, match="differs"):
        datasets.load("dragnet", checkout, manifests)


def test_a_missing_checkout_says_what_to_clone(tmp_path):
    assert "git clone" in datasets.missing("l3s-gn1", tmp_path)
    assert datasets.missing("dragnet", tmp_path).startswith(str(tmp_path / datasets.MERGED))
