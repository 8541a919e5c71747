"""The method tree (issue 13): its shape rules, links, descendant queries, search, lineage and paths."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from rlhf_cli.loading.loader import bundled_catalog_dir, check

from .conftest import Run

PAPERS = """
[[paper]]
id = "dpo-paper"
title = "Direct Preference Optimization: Your Language Model is Secretly a Reward Model"
short_name = "DPO"
year = 2023
sources = [{ name = "list-a", line = 10 }]
categories = [{ source = "list-a", path = "Alignment > DPO" }]

[[paper]]
id = "ipo-paper"
title = "A General Theoretical Paradigm to Understand Learning from Human Preferences"
short_name = "IPO"
year = 2023
sources = [{ name = "list-a", line = 11 }]

[[paper]]
id = "beta-ipo-paper"
title = "Beta tuning for identity preference objectives"
year = 2024
sources = [{ name = "list-a", line = 12 }]

[[paper]]
id = "user-paper"
title = "Aligning diffusion models with pairwise losses"
year = 2025
keywords = ["dpo objective"]
sources = [{ name = "list-a", line = 13 }]
categories = [{ source = "list-a", path = "Alignment > DPO > Diffusion" }]

[[paper]]
id = "survey-paper"
title = "A Survey of Direct Alignment Algorithms"
year = 2024
sources = [{ name = "list-a", line = 14 }]
categories = [{ source = "list-a", path = "Alignment > DPO" }]

[[paper]]
id = "ppo-paper"
title = "Proximal policy optimization algorithms"
short_name = "PPO"
year = 2017
sources = [{ name = "list-a", line = 20 }]
"""

METHODS = """
[[method]]
id = "preference-optimization"
name_en = "Preference Optimization"
name_zh = "偏好优化"
parents = []
summary_en = "Fit the policy to preference pairs."
summary_zh = "用偏好对拟合策略。"
sources = [{ name = "list-a", line = 1 }]

[[method]]
id = "dpo"
name_en = "Direct Preference Optimization"
name_zh = "直接偏好优化"
parents = ["preference-optimization"]
summary_en = "A loss on preference pairs."
summary_zh = "偏好对上的损失。"
introduced_by = "dpo-paper"
headings = [{ source = "list-a", path = "Alignment > DPO" }]
keywords = ["DPO objective"]
sources = [{ name = "list-a", line = 10 }]

[[method]]
id = "ipo"
name_en = "Identity Preference Optimization"
name_zh = "恒等偏好优化"
parents = ["dpo"]
summary_en = "A DPO variant."
summary_zh = "DPO 的变体。"
introduced_by = "ipo-paper"
sources = [{ name = "list-a", line = 11 }]

[[method]]
id = "beta-ipo"
name_en = "Beta IPO"
name_zh = "贝塔恒等偏好优化"
parents = ["ipo"]
summary_en = "An IPO variant."
summary_zh = "IPO 的变体。"
introduced_by = "beta-ipo-paper"
sources = [{ name = "list-a", line = 12 }]

[[method]]
id = "policy-optimization"
name_en = "Policy Optimization"
name_zh = "策略优化"
parents = []
summary_en = "RL updates of the policy."
summary_zh = "策略的强化学习更新。"
sources = [{ name = "list-a", line = 19 }]

[[method]]
id = "proximal-policy-optimization"
name_en = "Proximal Policy Optimization"
name_zh = "近端策略优化"
parents = ["policy-optimization"]
summary_en = "Clipped policy gradient."
summary_zh = "截断的策略梯度。"
introduced_by = "ppo-paper"
sources = [{ name = "list-a", line = 20 }]
"""

CODEBASES = """
[[codebase]]
id = "trainer"
name = "Trainer"
url = "https://github.com/example/trainer"
papers = ["beta-ipo-paper"]
sources = [{ name = "list-a", line = 30 }]
"""


@pytest.fixture
def tree(write_catalog: Callable[[str, str], Path]) -> list[str]:
    write_catalog("papers.toml", PAPERS)
    write_catalog("codebases.toml", CODEBASES)
    folder = write_catalog("methods.toml", METHODS)
    return ["--no-bundled", "--catalog", str(folder)]


def ids(found: list[dict[str, object]]) -> list[object]:
    return [record["id"] for record in found]


def test_fixture_is_valid(tree: list[str]) -> None:
    assert check([Path(tree[-1])]) == []


def test_a_variant_is_found_from_its_grandparent(run: Run, tree: list[str]) -> None:
    found = ids(run.json("papers", "method:preference-optimization", "--sort", "id", *tree))
    assert found == ["beta-ipo-paper", "dpo-paper", "ipo-paper", "survey-paper", "user-paper"]
    assert "ppo-paper" not in found


def test_a_node_alone_with_bang_and_option(run: Run, tree: list[str]) -> None:
    alone = ids(run.json("papers", "method:dpo!", "--sort", "id", *tree))
    assert alone == ["dpo-paper", "survey-paper", "user-paper"]  # not the IPO papers below it
    assert ids(run.json("papers", "--method", "dpo!", "--sort", "id", *tree)) == alone
    assert ids(run.json("papers", "--method", "ipo", "--sort", "id", *tree)) == ["beta-ipo-paper", "ipo-paper"]


def test_explain_names_the_node_and_the_link(run: Run, tree: list[str]) -> None:
    found = run.json("papers", "method:preference-optimization", "--explain", "--sort", "id", *tree)
    why = {record["id"]: " ".join(record["explain"]) for record in found}
    assert "introduces beta-ipo" in why["beta-ipo-paper"]
    assert "heading list-a: Alignment > DPO" in why["user-paper"]  # under a sub-heading of it
    assert "keyword 'dpo objective'" in why["user-paper"]
    assert why["dpo-paper"].startswith("kind paper method preference-optimization: introduces dpo")


def test_codebases_match_through_the_papers_they_implement(run: Run, tree: list[str]) -> None:
    found = run.json("codebases", "--method", "dpo", "--explain", *tree)
    assert ids(found) == ["trainer"]
    assert "implements beta-ipo-paper" in " ".join(found[0]["explain"])
    result = run("codebases", "--method", "proximal-policy-optimization", *tree)
    assert result.exit_code == 1


def test_a_paper_name_finds_the_method_it_introduces(run: Run, tree: list[str]) -> None:
    # `ppo-paper` is no method; the method it introduces answers for it.
    assert ids(run.json("papers", "method:ppo", *tree)) == ["ppo-paper"]
    result = run("papers", "method:nonsense", *tree)
    assert result.exit_code == 1 and "method" in result.output


def test_an_id_wins_over_another_entrys_short_name(run: Run, tree: list[str]) -> None:
    # The DPO paper's short name is DPO, the method's id is dpo: the id wins, in any case.
    for name in ("dpo", "DPO"):
        shown = run.json("show", name, *tree)
        assert shown["kind"] == "method"
    assert ids(shown["links"]["introduced_by"]) == ["dpo-paper"]
    assert ids(shown["links"]["descendants"]) == ["ipo", "beta-ipo"]
    assert set(ids(shown["links"]["papers"])) >= {"dpo-paper", "ipo-paper", "beta-ipo-paper", "user-paper"}
    paper = run.json("show", "dpo-paper", *tree)
    assert [(m["id"], m["relation"], m["via"]) for m in paper["links"]["methods"]] == [
        ("dpo", "introduces", "introduced_by"),
        ("dpo", "uses", "heading"),
    ]


def test_search_ranks_the_introducing_paper_then_variants(run: Run, tree: list[str]) -> None:
    found = run.json("search", "dpo", *tree)
    assert ids(found)[:2] == ["dpo-paper", "dpo"]
    # Then the papers of its variants (ties broken by links: the one with code first).
    assert ids(found)[2:4] == ["beta-ipo-paper", "ipo-paper"]
    assert found[2]["matched"]["field"] == found[3]["matched"]["field"] == "variant"


def test_methods_listing_counts_papers_below_each_node(run: Run, tree: list[str]) -> None:
    found = run.json("methods", *tree)
    counts = {record["id"]: (record["depth"], record["papers"], record["own_papers"]) for record in found}
    assert counts["preference-optimization"] == (0, 5, 0)
    assert counts["dpo"] == (1, 5, 3)
    assert counts["beta-ipo"] == (3, 1, 1)
    assert ids(run.json("methods", "ipo", *tree)) == ["ipo", "beta-ipo"]
    piped = run("methods", *tree)
    assert piped.exit_code == 0
    assert piped.stdout.splitlines()[1].split("\t")[:2] == ["dpo", "1"]


def test_methods_tree_on_a_terminal(run: Run, tree: list[str]) -> None:
    result = run("methods", "-f", "table", *tree)
    assert result.exit_code == 0
    assert re.search(r"dpo\s+Direct Preference Optimization · 直接偏好优化\s+\(5 papers\)", result.stdout)


def test_stats_by_method(run: Run, tree: list[str]) -> None:
    found = run.json("stats", "--by", "method", *tree)
    assert found[0] == {"method": "dpo", "count": 3}


def test_lineage_from_the_root_down_with_years(run: Run, tree: list[str]) -> None:
    found = run.json("lineage", "ipo", *tree)
    assert [(r["depth"], r["id"], r["year"]) for r in found] == [
        (0, "preference-optimization", None),
        (1, "dpo", 2023),
        (2, "ipo", 2023),
        (3, "beta-ipo", 2024),
    ]
    assert found[3]["variant_of"] == "ipo-paper" and found[2]["variant_of"] == "dpo-paper"
    text = run("lineage", "ipo", "-f", "table", *tree)
    assert text.exit_code == 0
    assert "    ipo: A General Theoretical Paradigm" in text.stdout and "(2023)  <-" in text.stdout


def test_path_reads_founders_then_surveys_then_newest(run: Run, tree: list[str]) -> None:
    found = run.json("path", "preference-optimization", *tree)
    assert [(r["step"], r["id"]) for r in found] == [
        (1, "dpo-paper"),
        (1, "ipo-paper"),
        (1, "beta-ipo-paper"),
        (2, "survey-paper"),
        (3, "user-paper"),
    ]
    result = run("path", "dpo", "-f", "json", *tree)
    assert "derived from the method tree and the years" in result.stderr
    bib = run("path", "dpo", "-f", "bibtex", *tree)
    assert bib.exit_code == 0
    assert bib.stdout.count("@") == 5 and "Direct Preference Optimization" in bib.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('parents = ["ipo"]', 'parents = ["beta-ipo"]'), "a cycle"),
        (('parents = ["ipo"]', 'parents = ["nowhere"]'), "no method with id 'nowhere'"),
        (('parents = ["ipo"]', 'parents = ["dpo-paper"]'), "'dpo-paper' is a paper, not a method"),
        (('parents = ["ipo"]', 'parents = ["ipo", "proximal-policy-optimization"]'), "more than one facet root"),
        (('introduced_by = "ipo-paper"', 'introduced_by = "ipo-papr"'), "no paper with id 'ipo-papr'"),
        (('path = "Alignment > DPO" }]\nkeywords', 'path = "Alignment > DOP" }]\nkeywords'), "no paper is filed"),
        (('sources = [{ name = "list-a", line = 12 }]', "sources = []"), "at least one source"),
        (('name_en = "Beta IPO"', 'name_en = "Beta IPO"\naliases = ["IPO"]'), "also names entry"),
        (
            ('name_en = "Beta IPO"', 'name_en = "Beta IPO"\naliases = ["ipo paper"]'),
            "reads as a name of entry 'ipo-paper'",
        ),
    ],
)
def test_shape_rules_are_checked(
    write_catalog: Callable[[str, str], Path], change: tuple[str, str], message: str
) -> None:
    write_catalog("papers.toml", PAPERS)
    folder = write_catalog("methods.toml", METHODS.replace(*change))
    problems = [str(problem) for problem in check([folder])]
    assert any(message in problem for problem in problems), problems


def test_completion_offers_method_ids(tree: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from rlhf_cli.query.completion import candidates

    monkeypatch.setenv("RLHF_NO_BUNDLED", "1")
    monkeypatch.setenv("RLHF_CATALOG", tree[-1])
    assert candidates("names", ("method",), "p") == [
        "preference-optimization",
        "policy-optimization",
        "proximal-policy-optimization",
    ]
    from rlhf_cli.options import option_names

    for command in ("papers", "codebases"):
        by_name, _ = option_names(command)
        assert by_name["--method"][1].offer == ("names", ("method",)), command


def test_graph_of_the_tree_and_the_lineage(run: Run, tree: list[str]) -> None:
    mermaid = run("graph", "--methods", *tree)
    assert mermaid.exit_code == 0
    assert "n_dpo -->|includes| n_ipo" in mermaid.stdout
    dot = run("graph", "--lineage", "ipo", "-f", "dot", *tree)
    assert dot.exit_code == 0
    assert '"beta-ipo-paper" -> "ipo-paper" [label="variant_of"]' in dot.stdout
    assert "ppo-paper" not in dot.stdout


def test_graph_pictures_need_graphviz(run: Run, tree: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    result = run("graph", "--methods", "-f", "svg", *tree)
    assert result.exit_code == 2
    assert "Graphviz" in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graph_as_svg_through_graphviz(run: Run, tree: list[str]) -> None:
    result = run("graph", "--methods", "-f", "svg", *tree)
    assert result.exit_code == 0
    assert "<svg" in result.stdout and "Preference Optimization" in result.stdout


# -- the bundled tree ------------------------------------------------------------------------


def _bundled_methods() -> list[dict[str, object]]:
    import tomli

    return list(tomli.loads((bundled_catalog_dir() / "methods.toml").read_text("utf-8"))["method"])


def test_bundled_method_sources_are_lines_of_their_lists(reference: Path) -> None:
    for method in _bundled_methods():
        assert method["sources"], method["id"]
        for source in method["sources"]:  # type: ignore[attr-defined]
            (path,) = [p for p in reference.glob(f"{source['name']}.*") if p.suffix in (".md", ".bib")]
            lines = path.read_text("utf-8").splitlines()
            assert 1 <= source["line"] <= len(lines), (method["id"], source)
            assert lines[source["line"] - 1].strip(), (method["id"], source)


def test_bundled_method_headings_are_headings_of_their_lists(run: Run, reference: Path) -> None:
    """Each heading path's last part is a heading line of the list (validation checks that papers
    are filed under it, where the list is in the catalogue)."""
    for method in _bundled_methods():
        for heading in method.get("headings", []):  # type: ignore[attr-defined]
            text = (reference / f"{heading['source']}.md").read_text("utf-8")
            last = heading["path"].split(" > ")[-1]
            assert re.search(rf"^#+\s*{re.escape(last)}\s*$", text, re.M), (method["id"], heading)


def test_bundled_tree_has_one_root_per_facet_and_every_node_reaches_it(run: Run) -> None:
    found = run.json("methods")
    roots = [record["id"] for record in found if record["depth"] == 0]
    assert len(roots) == len(set(roots)) >= 2
    assert {record["id"] for record in found} == {str(m["id"]) for m in _bundled_methods()}


def test_bundled_search_rankings(run: Run) -> None:
    dpo = run.json("search", "dpo", "-n", "10")
    assert ids(dpo)[:2] == ["direct-preference-optimization-your", "dpo"]
    variants = [record["id"] for record in dpo if record["matched"]["field"] == "variant"]
    # The papers that introduce variants of DPO come right after the paper and the node.
    assert variants and ids(dpo)[2 : 2 + len(variants)] == variants
    grpo = run.json("search", "grpo", "-n", "5")
    assert ids(grpo)[:2] == ["deepseekmath", "grpo"]
    assert grpo[2]["matched"]["field"] == "variant"
    assert ids(run.json("search", "ppo", "-n", "1")) == ["ppo"]
