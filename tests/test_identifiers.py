"""The identifiers researchers have, in every spelling: arXiv ids, DOIs, OpenReview ids, names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rlhf_cli.catalogue.identifiers import arxiv_id, arxiv_year, doi, name_key, normal_url, openreview_id


@pytest.mark.parametrize(
    "text",
    [
        "2210.10760",
        "arXiv:2210.10760",
        "arxiv: 2210.10760v2",
        "2210.10760v3",
        "https://arxiv.org/abs/2210.10760",
        "http://arxiv.org/abs/2210.10760v1",
        "https://arxiv.org/pdf/2210.10760",
        "https://arxiv.org/pdf/2210.10760.pdf",
        "https://arxiv.org/pdf/2210.10760v2.pdf",
        "https://arxiv.org/html/2210.10760v1",
        "https://www.alphaxiv.org/abs/2210.10760",
        "https://alphaxiv.org/overview/2210.10760",
        "  2210.10760\n",
    ],
)
def test_every_spelling_of_an_arxiv_id(text: str) -> None:
    assert arxiv_id(text) == "2210.10760"


@pytest.mark.parametrize(
    "text",
    [
        "9912.12345",
        "0612.1234",
        "2213.00001",
        "1412.12345",
        "1501.1234",
        "2210.107",
        "22101.0760",
        "hep-th/9912123",
        "",
    ],
)
def test_what_is_no_arxiv_id(text: str) -> None:
    assert arxiv_id(text) is None


def test_arxiv_years() -> None:
    assert arxiv_year("0704.0001") == 2007
    assert arxiv_year("1412.1234") == 2014
    assert arxiv_year("1501.00001") == 2015
    assert arxiv_year("2203.02155") == 2022
    assert arxiv_year("9912.12345") is None  # issue 15: it was read as 2099 and blocked an import


def test_a_future_arxiv_id_gives_no_year() -> None:
    import datetime

    next_year = datetime.date.today().year + 1 - 2000
    assert arxiv_year(f"{next_year:02d}01.00001") is None


def test_dois_and_openreview_ids() -> None:
    for text in ("10.1007/BF00992696", "doi:10.1007/bf00992696", "https://doi.org/10.1007/BF00992696"):
        assert doi(text) == "10.1007/bf00992696"
    assert doi("2203.02155") is None
    assert openreview_id("https://openreview.net/forum?id=5mJrGtXVwz") == "5mJrGtXVwz"
    assert openreview_id("https://openreview.net/pdf?id=5mJrGtXVwz") == "5mJrGtXVwz"
    assert openreview_id("https://example.org/?id=x") is None


def test_urls_compare_without_scheme_www_case_or_trailing_slash() -> None:
    assert normal_url("https://www.GitHub.com/OpenRLHF/OpenRLHF/") == normal_url(
        "http://github.com/openrlhf/openrlhf.git"
    )


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("constitutional ai", "Constitutional AI"),
        ("hh rlhf", "HH-RLHF"),
        ("Direct preference optimisation", "Direct Preference Optimization"),
        ("reward modelling", "Reward Modeling"),
        ("Dr GRPO", "Dr. GRPO"),
        ("écrit", "Ecrit"),
    ],
)
def test_names_as_people_type_them(typed: str, name: str) -> None:
    assert name_key(typed) == name_key(name)


def test_different_names_stay_different() -> None:
    assert name_key("GRPO") != name_key("GSPO")
    assert name_key("DPO") != name_key("IPO")


@given(st.from_regex(r"\A[0-9]{4}\.[0-9]{4,5}(v[0-9])?\Z"))
def test_an_arxiv_id_is_found_in_its_urls_iff_it_is_one(identifier: str) -> None:
    bare = identifier.split("v")[0]
    expected = bare if arxiv_year(bare) is not None else None
    assert arxiv_id(identifier) == expected
    assert arxiv_id(f"https://arxiv.org/abs/{identifier}") == expected
    assert arxiv_id(f"arXiv:{identifier}") == expected


def test_a_list_item_takes_its_year_from_an_arxiv_id_only_if_the_id_can_exist() -> None:
    """The importer, lint and validate --sources share identifiers.arxiv_year (issue 11): an id
    such as 9912.12345 (before new-style ids began) is no arXiv id, so it gives no year."""
    from rlhf_cli.awesome.importer import plan_import
    from rlhf_cli.awesome.reader import parse
    from rlhf_cli.catalogue.catalog import Catalogue

    text = (
        "## Papers\n### 2021\n"
        "- [A real one](https://arxiv.org/abs/2203.02155)\n"
        "- [Not an id](https://arxiv.org/abs/9912.12345)\n"
    )
    real, impossible = parse(text).items
    assert (real.arxiv, impossible.arxiv) == ("2203.02155", None)
    empty: dict[str, list[dict[str, object]]] = {kind: [] for kind in ("paper", "dataset", "codebase", "environment")}
    years = {table["title"]: table["year"] for table in plan_import(text, "test", Catalogue([]), empty).tables["paper"]}
    assert years == {"A real one": 2022, "Not an id": 2021}  # the second from its heading
