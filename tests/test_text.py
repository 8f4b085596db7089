import pytest

from clusters.text import fold, match_score, matches


def test_fold_removes_diacritics_and_d_stroke():
    assert fold("  Đông  Anh ") == "dong anh"


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("ngoc hoi", "CCN Ngọc Hồi"),
        ("ngochoi", "CCN Ngọc Hồi"),  # words written together
        ("NGỌC", "CCN Ngọc Hồi"),
        ("ng ho", "CCN Ngọc Hồi"),  # word prefixes
        ("liên hà 2", "CCN Liên Hà giai đoạn 2"),
    ],
)
def test_words_and_word_prefixes_match(query, name):
    assert matches(query, name)


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("Liên Hà 2", "CCN Liên Hiệp giai đoạn 2"),  # "ha" starts no word
        ("oc hoi", "CCN Ngọc Hồi"),  # inside a word, not at its start
        ("ngoc hoi 3", "CCN Ngọc Hồi"),  # every word is required
        ("ngochoix", "CCN Ngọc Hồi"),
    ],
)
def test_a_word_inside_another_or_a_missing_word_does_not_match(query, name):
    assert not matches(query, name)


def test_other_fields_match_but_rank_below_the_name():
    in_name = match_score("thuong tin", "CCN Thường Tín", "Xã Hà Hồi")
    elsewhere = match_score("thuong tin", "CCN Hà Bình Phương", "Thường Tín")
    assert in_name is not None and elsewhere is not None
    assert in_name > elsewhere


def test_the_whole_name_ranks_first_and_whole_words_before_prefixes():
    whole = match_score("ngoc hoi", "CCN Ngọc Hồi")
    longer = match_score("ngoc hoi", "CCN Ngọc Hồi mở rộng")
    prefix = match_score("ngoc hoi", "CCN Ngọc Hoiang")
    assert whole is not None and longer is not None and prefix is not None
    assert whole > longer > prefix


def test_an_empty_query_matches_everything():
    assert match_score("  ", "CCN Ngọc Hồi") == 0
