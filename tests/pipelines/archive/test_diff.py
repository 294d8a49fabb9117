from pipelines.archive.diff import Change, counts, to_html, to_markup, word_diff


def test_word_diff_finds_changed_words_in_order():
    changes = word_diff("The festival had 53 screenings.", "The festival had 55 screenings in July.")
    assert "".join(c.text for c in changes if c.op != "insert") == "The festival had 53 screenings."
    assert "".join(c.text for c in changes if c.op != "delete") == "The festival had 55 screenings in July."
    assert [c.text for c in changes if c.op == "delete"] == ["53", "screenings."]
    assert counts(changes) == {"insert": 4, "delete": 2}


def test_identical_texts_have_no_changes():
    assert {c.op for c in word_diff("same words", "same words")} == {"equal"}


def test_markup_and_html():
    changes = [Change("equal", "a "), Change("delete", "old"), Change("insert", "new<b>")]
    assert to_markup(changes) == "a [red strike][-old-][/][green]{+new<b>+}[/]"
    page = to_html(changes, "T")
    assert "<del>old</del><ins>new&lt;b&gt;</ins>" in page


def test_markup_shortens_long_unchanged_runs():
    text = " ".join(f"w{i}" for i in range(100))
    short = to_markup([Change("equal", text)], context=3)
    assert short == "w0 w1 w2 … w97 w98 w99"
