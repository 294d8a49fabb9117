import codecs

from pipelines.clean.decode import decode_page

TEXT = "<html><head>{}</head><body><p>Größe, café, naïve — “quoted”</p></body></html>"


def test_utf8_wins_over_a_wrong_declaration():
    html = TEXT.format('<meta charset="windows-1251">')
    assert decode_page(html.encode("utf-8")) == html


def test_declared_charset_is_used_when_the_bytes_are_not_utf8():
    html = TEXT.format('<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">')
    assert decode_page(html.encode("cp1252")) == html


def test_byte_order_marks():
    html = TEXT.format("")
    assert decode_page(codecs.BOM_UTF8 + html.encode("utf-8")) == html
    assert decode_page(codecs.BOM_UTF16_LE + html.encode("utf-16-le")) == html


def test_undecodable_bytes_never_raise():
    assert isinstance(decode_page(b"<p>\xff\xfe\xfd\x80 ok</p>" * 3), str)
    assert decode_page("already text") == "already text"


def test_the_http_charset_is_used_when_the_bytes_agree():
    assert decode_page("caf \u0436".encode("cp1251"), "text/html; charset=windows-1251") == "caf \u0436"
    assert decode_page(b"\xe9t\xe9", 'text/html; charset="latin-1"') == "\u00e9t\u00e9"
    assert decode_page(b"<p>x</p>", "text/html; charset=nonsense") == "<p>x</p>"


def test_a_utf8_declaration_contradicted_by_the_bytes_is_not_believed():
    """A cp1251 page served as utf-8: clean (with the header) and extract (without it) agree,
    and neither turns the title into U+FFFD."""
    from tests.faultsite import CYRILLIC, article
    data = article(CYRILLIC, text=CYRILLIC * 5).encode("cp1251")
    with_header = decode_page(data, "text/html; charset=utf-8")
    assert CYRILLIC in with_header and "\ufffd" not in with_header
    assert decode_page(data) == with_header
