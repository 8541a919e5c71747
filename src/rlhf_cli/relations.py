"""Entries related to one entry, ranked, each with the reasons it is related."""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import Catalogue, normalise_url
from .models import Codebase, Dataset, Entry, Environment, Paper

# What each kind of link is worth when ranking related entries.
IMPLEMENTS = 6.0
USES = 5.0
SAME_CODE = 4.0
SHARED_DATASET = 3.0
SHARED_ENV = 2.0
SHARED_AUTHOR = 2.0
SHARED_KEYWORD = 1.0


@dataclass(frozen=True, slots=True)
class Related:
    entry: Entry
    score: float
    reasons: tuple[str, ...]


def related(catalogue: Catalogue, entry: Entry) -> list[Related]:
    """Every entry linked to `entry`, strongest links first."""
    found: dict[str, tuple[float, list[str]]] = {}

    def add(other: Entry, weight: float, reason: str) -> None:
        if other is entry:
            return
        score, reasons = found.get(other.id, (0.0, []))
        if reason not in reasons:
            found[other.id] = (score + weight, [*reasons, reason])

    if isinstance(entry, Paper | Codebase):
        for dataset in catalogue.datasets_of(entry):
            add(dataset, USES, f"{entry.KIND} uses dataset {dataset.display_name}")
        for environment in catalogue.envs_of(entry):
            add(environment, USES, f"{entry.KIND} uses environment {environment.display_name}")
    if isinstance(entry, Dataset | Environment):
        for user in catalogue.users_of(entry):
            add(user, USES, f"{user.KIND} uses it")
    if isinstance(entry, Paper):
        for codebase in catalogue.implementations_of(entry):
            add(codebase, IMPLEMENTS, "implements this paper")
        for target in catalogue.code_targets(entry):
            add(target, SAME_CODE, "is the paper's code link")
    if isinstance(entry, Codebase):
        for paper in catalogue.papers_of(entry):
            add(paper, IMPLEMENTS, "implemented by this codebase")
    if isinstance(entry, Dataset | Codebase):
        for paper in catalogue.papers_linking_code_to(entry):
            add(paper, SAME_CODE, "links to this as its code")

    my_datasets = set(getattr(entry, "datasets", []))
    my_envs = set(getattr(entry, "envs", []))
    my_code = {normalise_url(link.url) for link in getattr(entry, "code", [])}
    my_authors = {name.casefold(): name for name in getattr(entry, "authors", [])}
    my_keywords = {word.casefold(): word for word in getattr(entry, "keywords", [])}
    for other in catalogue.entries:
        if other is entry:
            continue
        for dataset_id in my_datasets & set(getattr(other, "datasets", [])):
            add(other, SHARED_DATASET, f"also uses dataset {catalogue.by_id[dataset_id].display_name}")
        for env_id in my_envs & set(getattr(other, "envs", [])):
            add(other, SHARED_ENV, f"also uses environment {catalogue.by_id[env_id].display_name}")
        if my_code & {normalise_url(link.url) for link in getattr(other, "code", [])}:
            add(other, SAME_CODE, "same code repository")
        for name in my_authors.keys() & {n.casefold() for n in getattr(other, "authors", [])}:
            add(other, SHARED_AUTHOR, f"shares author {my_authors[name]}")
        for word in my_keywords.keys() & {w.casefold() for w in getattr(other, "keywords", [])}:
            add(other, SHARED_KEYWORD, f"shares keyword {my_keywords[word]}")

    ranked = [Related(catalogue.by_id[i], score, tuple(reasons)) for i, (score, reasons) in found.items()]
    ranked.sort(key=lambda r: (-r.score, r.entry.KIND, r.entry.display_name.casefold()))
    return ranked
