"""Search tokenisation: CJK unigrams + bigrams, latin words, phone digit forms."""

from __future__ import annotations

from kith.search.tokenize import QueryTerm, index_terms, query_terms


def test_chinese_text_is_indexed_as_characters_and_pairs() -> None:
    assert index_terms(["张伟"]).split() == ["张", "伟", "张伟"]


def test_a_query_matches_by_its_bigrams_so_substrings_are_found() -> None:
    indexed = set(index_terms(["上海顺达物流有限公司"]).split())
    terms = query_terms("顺达物流")
    assert [t.text for t in terms] == ["顺达", "达物", "物流"]
    assert all(t.text in indexed for t in terms)
    assert not all(t.text in indexed for t in query_terms("物流公司"))


def test_single_character_query_uses_the_unigram() -> None:
    assert query_terms("张") == [QueryTerm("张", False)]


def test_latin_and_email_parts_are_lowercased_prefix_terms() -> None:
    assert index_terms(["Zhang.Wei@Shunda.CN"]).split() == ["zhang", "wei", "shunda", "cn"]
    assert query_terms("Zhang Wei") == [QueryTerm("zhang", True), QueryTerm("wei", True)]


def test_phone_numbers_are_indexed_whole_with_and_without_country_code() -> None:
    terms = index_terms(["+86 138-1234-5678"]).split()
    assert "8613812345678" in terms
    assert "13812345678" in terms
    assert query_terms("138 1234") == [QueryTerm("1381234", True)]


def test_full_width_characters_are_normalised() -> None:
    assert index_terms(["ＡＢＣ１２３"]) == "abc123"


def test_empty_and_punctuation_only_queries_have_no_terms() -> None:
    assert query_terms("  ") == []
    assert query_terms("!!!") == []
