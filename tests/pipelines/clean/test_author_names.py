from pipelines.clean.metadata import split_authors


def test_a_surname_that_is_also_a_role_word_is_kept():
    assert split_authors(["Test Writer"]) == ["Test Writer"]
    assert split_authors(["Mary Editor and John Reporter"]) == ["Mary Editor", "John Reporter"]


def test_a_role_after_a_full_name_is_still_dropped():
    assert split_authors(["Jane Doe Staff Writer"]) == ["Jane Doe"]
