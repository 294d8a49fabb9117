import codecs

from pipelines.charset import decode_page

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
