"""The query language: grammar, errors that point at the mistake, and options that agree with it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlhf_cli.query.querylang import (
    And,
    Field,
    Node,
    Not,
    Or,
    Phrase,
    QueryError,
    Text,
    describe,
    parse,
    parse_years,
)


def test_free_words_next_to_each_other_form_one_text_term() -> None:
    assert parse("instruct gtp") == Text("instruct gtp", 1)


def test_fields_aliases_phrases_negation_and_or() -> None:
    node = parse('kw:ppo ds:"cnn daily mail" -title:diffusion ("reward model" OR year:>=2023)')
    assert isinstance(node, And)
    keyword, dataset, negated, either = node.terms
    assert keyword == Field("keyword", "ppo", 1)
    assert dataset == Field("dataset", "cnn daily mail", 8)
    assert isinstance(negated, Not) and negated.term == Field("title", "diffusion", 29)
    assert isinstance(either, Or)
    assert either.terms[0] == Phrase("reward model", 46)
    year = either.terms[1]
    assert isinstance(year, Field) and year.years is not None and 2025 in year.years and 2022 not in year.years


YEAR_FORMS = [("2022", 2022, 2022), ("2020..2022", 2020, 2022), ("2021..", 2021, None), ("..2019", None, 2019)]
YEAR_FORMS += [(">=2022", 2022, None), (">2021", 2022, None), ("<2019", None, 2018), ("<=2019", None, 2019)]


@pytest.mark.parametrize(("text", "start", "end"), YEAR_FORMS)
def test_year_forms(text: str, start: int | None, end: int | None) -> None:
    years = parse_years(text)
    assert years is not None and (years.start, years.end) == (start, end)


@pytest.mark.parametrize("text", ["abc", "20", "2022..2020", "..", ">=", "2022...2023", "=2022"])
def test_bad_years(text: str) -> None:
    assert parse_years(text) is None


@pytest.mark.parametrize(
    ("query", "column", "message"),
    [
        ("year:2020 (kw:ppo", 11, "never closed"),
        ("kw:ppo )", 8, "no matching '('"),
        ('title:"reward', 7, "quote is never closed"),
        ("yaer:2020", 1, "did you mean 'year:'"),
        ("ppo OR", 5, "OR needs a term"),
        ("year:20x", 1, "not a year"),
        ("code:maybe", 1, "yes or no"),
        ("kind:papr", 1, "did you mean 'paper'"),
        ("ppo ()", 5, "empty parentheses"),
        ("kw:", 1, "needs a value"),
    ],
)
def test_malformed_queries_point_at_the_mistake(query: str, column: int, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse(query)
    assert caught.value.column == column
    assert message in str(caught.value)
    assert caught.value.exit_code == 2


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list('ab kw:year2019.<>=-()"OR AND')) | st.characters(), max_size=40))
def test_parsing_never_crashes(text: str) -> None:
    try:
        node = parse(text)
    except QueryError as error:
        assert 1 <= error.column <= len(text) + 1
        return
    if node is not None:
        assert describe(node)


@settings(max_examples=200)
@given(
    st.lists(
        st.sampled_from(["ppo", "kw:ppo", "-kw:diffusion", "year:2022", '"reward model"', "ds:truthfulqa", "code:yes"]),
        min_size=1,
        max_size=4,
    ),
    st.booleans(),
)
def test_described_query_parses_back_to_the_same_terms(terms: list[str], with_or: bool) -> None:
    query = (" OR " if with_or else " ").join(terms)
    first = parse(query)
    assert first is not None
    assert describe(first) == describe(_reparse(first))


def _reparse(node: Node) -> Node:
    """Parse the fields and phrases of a described query again, term by term."""
    if isinstance(node, Field):
        again = parse(describe(node))
        assert again is not None
        return again
    if isinstance(node, Not):
        return Not(_reparse(node.term))
    if isinstance(node, And | Or):
        return type(node)(tuple(_reparse(term) for term in node.terms))
    return node


YEARS = st.sampled_from([None, "2022", "2017..2018", ">=2023", "<2020"])
DATASETS = st.sampled_from([None, "truthfulqa", "CNN/DM", "mmlu"])
ENVS = st.sampled_from([None, "atari", "MuJoCo"])
KEYWORDS = st.sampled_from([None, "ppo", "diffusion", "reward"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(YEARS, DATASETS, ENVS, KEYWORDS, st.booleans())
def test_typed_options_and_query_spelling_agree(run, year, dataset, env, keyword, has_code) -> None:  # type: ignore[no-untyped-def]
    options: list[str] = []
    terms: list[str] = []
    for option, name, value in (("--year", "year", year), ("--dataset", "ds", dataset), ("--env", "env", env)):
        if value is not None:
            options += [option, value]
            terms.append(f'{name}:"{value}"' if " " in value else f"{name}:{value}")
    if keyword is not None:
        options += ["--keyword", keyword]
        terms.append(f"kw:{keyword}")
    if has_code:
        options.append("--has-code")
        terms.append("code:yes")
    by_options = run("papers", *options, "-f", "ids")
    by_query = run("papers", " ".join(terms), "-f", "ids") if terms else run("papers", "-f", "ids")
    assert by_options.exit_code == by_query.exit_code
    assert by_options.stdout == by_query.stdout


def test_query_on_listings_and_search(run) -> None:  # type: ignore[no-untyped-def]
    papers = run.json("papers", "year:>=2022 code:yes ds:truthfulqa -kw:diffusion")
    assert papers and all(p["year"] >= 2022 and p["code"] and "TruthfulQA" in p["datasets"] for p in papers)
    hits = run.json("search", "ppo kind:codebase")
    assert hits and all(hit["kind"] == "codebase" for hit in hits)
    either = {p["id"] for p in run.json("papers", "kw:dpo OR kw:ppo")}
    assert either == {p["id"] for p in run.json("papers", "kw:dpo")} | {p["id"] for p in run.json("papers", "kw:ppo")}
    phrase = run.json("papers", '"reward model"')

    def searchable(p: dict[str, object]) -> str:
        texts = [p["id"].replace("-", " "), p["title"], *p["keywords"], *p["datasets"], *p["aliases"]]  # type: ignore[attr-defined, misc]
        return " ".join(" ".join(str(t).replace("-", " ").split()) for t in texts).casefold()

    def through_methods(p: dict[str, object]) -> str:
        # A paper also answers to the names of the methods it introduces (issue 13).
        methods = run.json("show", p["id"])["links"].get("methods", [])
        return " ".join(m["title"] for m in methods if m["relation"] == "introduces").casefold()

    assert phrase and all("reward model" in searchable(p) or "reward model" in through_methods(p) for p in phrase)


def test_explain_says_why(run) -> None:  # type: ignore[no-untyped-def]
    result = run("papers", "year:2022 kw:ppo", "--explain", "-f", "tsv")
    assert result.exit_code == 0
    assert "query: (kind:paper AND year:2022 AND keyword:ppo)" in result.stderr
    assert "reward-overoptimization: kind paper; year 2022; keyword 'PPO'" in result.stderr
    records = run.json("search", "ppo kind:paper", "--explain")
    assert all(record["explain"] for record in records)


def test_unknown_values_in_queries_get_suggestions(run) -> None:  # type: ignore[no-untyped-def]
    result = run("papers", "ds:truthfulq")
    assert result.exit_code == 1 and "did you mean 'truthfulqa'" in result.stderr
    result = run("papers", "kw:diffusoin")
    assert result.exit_code == 1 and "did you mean" in result.stderr
    result = run("papers", "yaer:2020")
    assert result.exit_code == 2 and "^" in result.stderr


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list('ab ppo:-"()OR AND逆')), max_size=20))
def test_plain_words_shortcut_agrees_with_the_parser(text: str) -> None:
    """The search command skips the parser for plain words; that must be exactly when the
    parser would find one free-text term and nothing else."""
    from rlhf_cli.hotpath import plain_words

    if not text.strip():
        return
    if plain_words(text):
        assert parse(text) == Text(" ".join(text.split()), len(text) - len(text.lstrip()) + 1)
