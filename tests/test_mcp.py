"""`rlhf mcp`, end to end: the MCP SDK's own client talks to a real `rlhf mcp` subprocess over stdio."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rlhf_cli import open_catalogue

RLHF = shutil.which("rlhf", path=str(Path(sys.executable).parent)) or "rlhf"


def test_without_the_sdk_the_command_says_what_to_install(tmp_path: Path) -> None:
    # A stand-in `mcp` package that cannot be imported, as when the extra is not installed.
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "mcp.py").write_text("raise ModuleNotFoundError('no mcp', name='mcp')\n", encoding="utf-8")
    code = "import sys; sys.argv = ['rlhf', 'mcp']; from rlhf_cli.main import main; main()"
    env = {"PYTHONPATH": str(blocker), "RLHF_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL
    )
    assert done.returncode == 2
    assert done.stderr == "rlhf: mcp: the MCP SDK is not installed; pip install 'rlhf-cli[mcp]'\n"


def _session(tmp_path: Path, check: Any) -> Any:
    pytest.importorskip("mcp", reason="no MCP test: the SDK is not installed (pip install 'rlhf-cli[mcp]')")
    import anyio
    from mcp import Client, StdioServerParameters

    params = StdioServerParameters(
        command=RLHF,
        args=["mcp"],
        env={"RLHF_CACHE_DIR": str(tmp_path / "cache"), "RLHF_USER_CATALOG": str(tmp_path / "none")},
    )

    async def main() -> Any:
        async with Client(params, read_timeout_seconds=60) as client:
            return await check(client)

    return anyio.run(main)


def _structured(result: Any) -> Any:
    assert not result.is_error, result.content
    value = result.structured_content
    return value["result"] if isinstance(value, dict) and set(value) == {"result"} else value


def test_an_agent_session_over_stdio(tmp_path: Path) -> None:
    rlhf = open_catalogue()

    async def check(client: Any) -> dict[str, Any]:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        out: dict[str, Any] = {"tools": tools}
        out["search"] = _structured(await client.call_tool("search", {"query": "truthful", "limit": 3}))
        out["papers"] = _structured(
            await client.call_tool("papers", {"dataset": "truthfulqa", "has_code": True, "year": ">=2022"})
        )
        out["show"] = _structured(await client.call_tool("show", {"name": "InstructGPT"}))
        out["related"] = _structured(await client.call_tool("related", {"name": "truthfulqa", "limit": 4}))
        out["cite"] = await client.call_tool("cite", {"names": ["instructgpt"], "format": "csl-json"})
        out["methods"] = _structured(await client.call_tool("methods", {"category": "technique"}))
        out["unknown"] = await client.call_tool("show", {"name": "instructgtp"})
        out["dataset_cite"] = await client.call_tool("cite", {"names": ["truthfulqa"]})
        out["resource"] = await client.read_resource("rlhf://paper/instructgpt")
        out["index"] = await client.read_resource("rlhf://index")
        out["templates"] = await client.list_resource_templates()
        try:
            await client.read_resource("rlhf://dataset/instructgpt")
        except Exception as error:  # the SDK's error type for a failed read is what we check
            out["wrong_kind"] = str(error)
        return out

    out = _session(tmp_path, check)
    assert {"search", "papers", "show", "related", "cite", "methods"} <= set(out["tools"])
    assert "query language" in out["tools"]["search"].description
    assert out["search"] == rlhf.search("truthful", limit=3).to_dicts()
    assert out["search"][0]["id"] == "truthfulqa" and out["search"][0]["sources"]
    assert [p["id"] for p in out["papers"]] == rlhf.papers(dataset="truthfulqa", has_code=True, year=">=2022").ids
    assert out["show"]["id"] == "instructgpt" and out["show"]["url"].startswith("https://")
    assert out["show"]["links"] == rlhf.links("instructgpt")
    assert out["related"] == rlhf.related("truthfulqa", limit=4).to_dicts()
    csl = json.loads(out["cite"].content[0].text)
    assert csl[0]["title"] == "Training language models to follow instructions with human feedback"
    assert {t["category"] for t in out["methods"]} == {"technique"} and out["methods"]
    assert out["unknown"].is_error and "did you mean 'instructgpt'" in out["unknown"].content[0].text
    assert out["dataset_cite"].is_error and "no citable form" in out["dataset_cite"].content[0].text
    resource = json.loads(out["resource"].contents[0].text)
    assert resource["title"] == rlhf.get("instructgpt")["title"] and "links" in resource
    index = json.loads(out["index"].contents[0].text)
    assert (
        len(index) == len(rlhf)
        and {"id": "truthfulqa", "kind": "dataset", "title": "TruthfulQA", "uri": "rlhf://dataset/truthfulqa"} in index
    )
    assert [t.uri_template for t in out["templates"].resource_templates] == ["rlhf://{kind}/{id}"]
    assert "no dataset with id 'instructgpt'" in out["wrong_kind"]
