"""Own catalogues: `validate` and `lint` of a folder see the catalogue in use, `--no-bundled`
does what its help says, and the README's entry template agrees with models.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from rlhf_cli.catalogue.models import ENTRY_TYPES, Model
from rlhf_cli.cli import app
from rlhf_cli.loading.loader import bundled_catalog_dir

README = Path(__file__).resolve().parents[1] / "README.md"


def _paper(entry_id: str, dataset: str | None = None) -> str:
    text = f'[[paper]]\nid = "{entry_id}"\ntitle = "Paper {entry_id}"\nyear = 2023\nsources = [{{ name = "mine" }}]\n'
    return text + (f'datasets = ["{dataset}"]\n' if dataset else "")


def test_validate_own_folder_resolves_references_into_the_bundled_catalogue(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("mine.toml", _paper("my-paper", dataset="hh-rlhf"))
    assert run("show", "my-paper", "-c", str(folder)).exit_code == 0  # the other commands accept it
    result = run("validate", str(folder))
    assert result.exit_code == 0, result.output
    assert run("lint", str(folder)).exit_code == 0
    # --no-bundled leaves the bundled catalogue out here too: the same reference is an error.
    alone = run("validate", "--no-bundled", str(folder))
    assert alone.exit_code == 3
    assert "entry 'my-paper': datasets[0]: no dataset with id 'hh-rlhf'" in alone.stdout
    assert run("lint", "--no-bundled", str(folder)).exit_code == 3


def test_validate_own_folder_still_reports_its_own_dangling_references(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("mine.toml", _paper("my-paper", dataset="hh-rlfh"))
    result = run("validate", str(folder))
    assert result.exit_code == 3
    assert "no dataset with id 'hh-rlfh' (did you mean 'hh-rlhf'?)" in result.stdout


def test_validate_a_copy_of_the_bundled_catalogue_reports_no_duplicates(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Its ids are its own: a fork of the bundled catalogue is checked as itself, not against it.
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in bundled_catalog_dir().glob("*.toml"):
        (copy / path.name).write_bytes(path.read_bytes())
    result = run("validate", str(copy))
    assert result.exit_code == 0, result.stdout[:2000]


def test_naming_the_bundled_folder_again_reads_it_once(run, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    # `-c catalog/` from the checkout: the same files by another path, not 1000 duplicate ids.
    monkeypatch.chdir(bundled_catalog_dir().parent)
    result = run("papers", "-c", "catalog/", "-f", "ids")
    assert result.exit_code == 0, result.stderr[:2000]
    assert "duplicate id" not in result.stderr
    assert result.stdout == run("papers", "-f", "ids").stdout


def _commands_with_no_bundled() -> dict[str, str]:
    command = typer.main.get_command(app)
    found = {}
    for name, sub in command.commands.items():  # type: ignore[attr-defined]
        for param in sub.params:
            if "--no-bundled" in getattr(param, "opts", []):
                found[name] = param.help or ""
    return found


def test_no_bundled_help_names_what_is_used_and_that_is_what_is_used(run, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folders = {}
    for name in ("own", "env", "config", "option"):
        folders[name] = tmp_path / name
        folders[name].mkdir()
        (folders[name] / "papers.toml").write_text(_paper(f"from-{name}"), encoding="utf-8")
    monkeypatch.setenv("RLHF_USER_CATALOG", str(folders["own"]))
    monkeypatch.setenv("RLHF_CATALOG", str(folders["env"]))
    config = tmp_path / "config" / "rlhf" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'catalogs = ["{folders["config"]}"]\n', encoding="utf-8")
    result = run("papers", "--no-bundled", "-c", str(folders["option"]), "-f", "ids")
    assert result.exit_code == 0, result.output
    assert sorted(result.stdout.split()) == ["from-config", "from-env", "from-option", "from-own"]
    helps = _commands_with_no_bundled()
    assert {"papers", "search", "show", "cite", "validate", "lint", "import", "export"} <= set(helps)
    for name, text in helps.items():
        for named in ("bundled", "own catalogue", "$RLHF_CATALOG", "config", "--catalog"):
            assert named in text, (name, named, text)


def _required(data_type: type[Model]) -> set[str]:
    return set(data_type.REQUIRED)


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"### {title}\n")
    return text[start : text.index("\n### ", start + 1)]


def _template() -> tuple[str, dict[str, str]]:
    """The README's paper template, and each top-level key's comment."""
    section = _section("Adding an entry")
    toml = section.split("```toml\n", 1)[1].split("```", 1)[0]
    comments = {}
    for line in toml.splitlines()[1:]:
        key, _, rest = line.partition(" = ")
        assert "  # " in rest, f"no comment on the template line {line!r}"
        comments[key] = rest.rsplit("  # ", 1)[1]
    return toml, comments


def test_the_readme_template_marks_exactly_the_required_keys() -> None:
    from rlhf_cli.catalogue.models import Paper

    _, comments = _template()
    assert set(comments) == set(Paper.FIELDS)  # every key, none unknown
    marked = {key for key, comment in comments.items() if comment.startswith("required")}
    assert {key for key, comment in comments.items() if comment.startswith("optional")} == set(comments) - marked
    assert marked == _required(Paper)
    # Tables inside a key: the parenthesis names each of their keys, required or optional.
    nested = {"sources": "Source", "code": "CodeLink", "categories": "Category"}
    import rlhf_cli.catalogue.models as models

    for key, class_name in nested.items():
        data_type = getattr(models, class_name)
        said = dict(re.findall(r"(\w+) (required|optional)\b", comments[key].split("(", 1)[1]))
        assert said == {
            name: "required" if name in _required(data_type) else "optional" for name in data_type.FIELDS
        }, key


def test_the_readme_template_is_a_valid_entry_of_your_own(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    toml, _ = _template()
    folder = write_catalog("papers.toml", toml)
    result = run("validate", str(folder))  # its dataset and environment are bundled ones
    assert result.exit_code == 0, result.output


def test_the_readme_lists_the_required_keys_of_every_kind() -> None:
    rows = re.findall(r"^\| `\[\[(\w+)\]\]` \| `([\w.]+)` \| (.+) \|$", _section("Adding an entry"), re.M)
    table = {name: (file, set(re.findall(r"`(\w+)`", keys))) for name, file, keys in rows}
    assert set(table) == {entry_type.TABLE for entry_type in ENTRY_TYPES}
    for entry_type in ENTRY_TYPES:
        file, keys = table[entry_type.TABLE]
        assert keys == _required(entry_type), entry_type.TABLE
        assert f"[[{entry_type.TABLE}]]" in (bundled_catalog_dir() / file).read_text(encoding="utf-8")
