"""`rlhf export --format html DIR`: the folder it writes, where it refuses to write, and the page
itself in a real headless browser (Chromium through Selenium; skipped when there is none)."""

from __future__ import annotations

import json
import os
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rlhf_cli import open_catalogue

from .conftest import Run

HOSTILE_TITLE = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> Hostile & Co'
HOSTILE = f"""
[[dataset]]
id = "evil-set"
name = "Evil Set </script>"
url = "https://example.org/evil"
sources = [{{ name = "test" }}]

[[paper]]
id = "hostile"
title = {json.dumps(HOSTILE_TITLE)}
year = 2024
url = "https://example.org/hostile"
authors = ["Mallory <b>Bold</b>"]
datasets = ["evil-set"]
sources = [{{ name = "test" }}]

[[paper]]
id = "plain"
title = "A plain paper about reward models"
year = 2021
url = "https://example.org/plain"
datasets = ["evil-set"]
sources = [{{ name = "test" }}]
"""
SITE_FILES = {"index.html", "site.js", "site.css", "data.js", "index.json"}


@pytest.fixture
def hostile(write_catalog) -> list[str]:  # type: ignore[no-untyped-def]
    return ["--no-bundled", "-c", str(write_catalog("hostile.toml", HOSTILE))]


def test_export_writes_a_self_contained_folder(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = tmp_path / "site"
    result = run("export", "--format", "html", str(site))
    assert result.exit_code == 0, result.output
    assert {path.name for path in site.iterdir()} == SITE_FILES
    data = json.loads((site / "index.json").read_text(encoding="utf-8"))
    rlhf = open_catalogue()
    assert data["entries"] == rlhf.entries().to_dicts()
    assert data["links"]["instructgpt"] == rlhf.links("instructgpt")
    assert ["instructgpt", "truthfulqa", "uses"] in data["edges"]
    script = (site / "data.js").read_text(encoding="utf-8")
    assert json.loads(script.removeprefix("window.RLHF_DATA = ").removesuffix(";\n")) == data
    page = (site / "index.html").read_text(encoding="utf-8")
    for asset in ("https://", "http://", "//cdn", "@import"):
        assert asset not in page.replace("http://www.w3.org", "") and asset not in (site / "site.css").read_text()
    assert "fetch(" not in (site / "site.js").read_text(), "file:// pages cannot fetch; data.js carries the data"


def test_hostile_text_is_inert_in_the_files(run, tmp_path: Path, hostile: list[str]) -> None:  # type: ignore[no-untyped-def]
    site = tmp_path / "site"
    assert run("export", "-f", "html", str(site), *hostile).exit_code == 0
    for name in ("data.js", "index.json"):
        text = (site / name).read_text(encoding="utf-8")
        assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads((site / "index.json").read_text())["entries"][1]["title"] == HOSTILE_TITLE
    code = (site / "site.js").read_text(encoding="utf-8")
    for sink in (".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in code, f"site.js must not use {sink}"


def test_export_refuses_a_folder_it_did_not_write(run, tmp_path: Path, hostile: list[str]) -> None:  # type: ignore[no-untyped-def]
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    result = run("export", "-f", "html", str(mine), *hostile)
    assert result.exit_code == 2
    assert "is not empty and does not hold an earlier HTML export" in result.stderr
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    forced = run("export", "-f", "html", str(mine), "--force", *hostile)
    assert forced.exit_code == 0, forced.output
    assert (mine / "notes.txt").read_text() == "keep me" and {p.name for p in mine.iterdir()} >= SITE_FILES
    # An earlier export is rewritten without --force; an empty folder is fine too.
    assert run("export", "-f", "html", str(mine), *hostile).exit_code == 0
    (tmp_path / "empty").mkdir()
    assert run("export", "-f", "html", str(tmp_path / "empty"), *hostile).exit_code == 0


def test_export_refuses_files_stdout_and_missing_parents(run, tmp_path: Path, hostile: list[str]) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "site.html"
    file.write_text("x", encoding="utf-8")
    result = run("export", "-f", "html", str(file), *hostile)
    assert result.exit_code == 2 and "is not a folder" in result.stderr
    assert file.read_text() == "x"
    assert "cannot go to stdout" in run("export", "-f", "html", "-", *hostile).stderr
    missing = run("export", "-f", "html", str(tmp_path / "no" / "site"), *hostile)
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.json").mkdir()  # a folder where a file of the site goes
    result = run("export", "-f", "html", str(site), "--force", *hostile)
    assert result.exit_code == 2 and "not a regular file" in result.stderr


# The browser tests.


def _chromium() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="no browser test: selenium is not installed (pip install selenium)"
    )
    found = _chromium()
    if found is None:
        pytest.skip("no browser test: no chromium and chromedriver on PATH (apt-get install chromium chromium-driver)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1400,1400")
    driver = webdriver.Chrome(options=options, service=Service(found[1]))
    try:
        yield driver
    finally:
        driver.quit()


def _rows(driver: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    return [row.get_attribute("data-id") for row in driver.find_elements(By.CSS_SELECTOR, "#entries tbody tr")]


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


@pytest.mark.slow  # a headless Chromium
def test_the_page_searches_filters_and_links_both_ways(run, tmp_path: Path, browser: Any) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    site = tmp_path / "site"
    assert run("export", "-f", "html", str(site)).exit_code == 0
    browser.get((site / "index.html").as_uri())
    total = len(open_catalogue())
    assert browser.find_element(By.ID, "count").text == f"{total} of {total} entries"
    assert len(_rows(browser)) == total
    assert browser.execute_script("return document.querySelectorAll('#graph circle').length") > 50

    box = browser.find_element(By.ID, "search")
    box.send_keys("truthful")
    rows = _rows(browser)
    assert rows[0] == "truthfulqa" and "instructgpt" in rows and len(rows) < 15
    # Filters narrow what the search found.
    Select(browser.find_element(By.ID, "f-kind")).select_by_value("paper")
    papers = _rows(browser)
    assert "truthfulqa" not in papers and "instructgpt" in papers
    Select(browser.find_element(By.ID, "f-kind")).select_by_value("")
    browser.find_element(By.ID, "f-year-from").send_keys("2022")
    assert "webgpt" in rows and "webgpt" not in _rows(browser)
    browser.find_element(By.ID, "f-year-from").clear()
    browser.execute_script("document.getElementById('f-year-from').dispatchEvent(new Event('input'))")

    # The panel: a dataset lists the papers using it, and a paper links back to the dataset.
    browser.find_element(By.CSS_SELECTOR, "#entries tbody tr[data-id='truthfulqa'] td:nth-child(4)").click()
    panel = browser.find_element(By.ID, "panel")
    assert panel.is_displayed() and panel.find_element(By.TAG_NAME, "h2").text == "TruthfulQA"
    assert "instructgpt" in [a.get_attribute("data-id") for a in panel.find_elements(By.CSS_SELECTOR, "a[data-id]")]
    browser.execute_script("window.scrollTo(0, 0)")
    shot = tmp_path / "site.png"
    browser.save_screenshot(str(shot))
    assert _png_size(shot) == tuple(browser.execute_script("return [window.innerWidth, window.innerHeight]"))
    if os.environ.get("RLHF_SCREENSHOT"):  # how docs/html-export.png is made
        shutil.copyfile(shot, os.environ["RLHF_SCREENSHOT"])
    panel.find_element(By.CSS_SELECTOR, "a[data-id='instructgpt']").click()
    assert (
        panel.find_element(By.TAG_NAME, "h2").text
        == "Training language models to follow instructions with human feedback"
    )
    linked = [a.get_attribute("data-id") for a in panel.find_elements(By.CSS_SELECTOR, "a[data-id]")]
    assert "truthfulqa" in linked
    assert browser.execute_script("return location.hash") == "#instructgpt"
    assert browser.get_log("browser") == []


def test_hostile_catalogue_text_stays_text_in_the_browser(
    run: Run, tmp_path: Path, hostile: list[str], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    site = tmp_path / "site"
    assert run("export", "-f", "html", str(site), *hostile).exit_code == 0
    browser.get((site / "index.html").as_uri())
    browser.find_element(By.ID, "search").send_keys("hostile")
    assert _rows(browser) == ["hostile"]
    cell = browser.find_element(By.CSS_SELECTOR, "#entries tbody tr[data-id='hostile'] td:nth-child(3)")
    assert cell.text == HOSTILE_TITLE
    cell.find_element(By.TAG_NAME, "a").click()
    panel = browser.find_element(By.ID, "panel")
    assert panel.find_element(By.TAG_NAME, "h2").text == HOSTILE_TITLE
    assert "Mallory <b>Bold</b>" in panel.text
    assert "Evil Set </script>" in panel.text
    assert browser.execute_script("return typeof window.pwned") == "undefined"
    assert browser.execute_script("return document.querySelectorAll('img, b, main script, aside script').length") == 0
    assert browser.get_log("browser") == []
