"""No module-level mutable state (issue 11): running commands changes no module's dicts, lists or sets.

Commands run in a fresh interpreter, after every module of the package is imported: a cache kept
in a module-level dict, a list of what the last load left out (the `LEFT_OUT` side channel the
store replaced), anything a command adds to a module's tables would each show here as a changed
module global. (What modules fill as they are imported is not seen: the command registry, which
did, is gone too: cli.command() marks each function instead.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# Each command runs in the same interpreter, one after the other, as a notebook's calls would.
COMMANDS = [
    ["search", "ppo"],
    ["search", "kw:ppo year:2022"],
    ["papers", "--year", "2022", "--env", "atari"],
    ["datasets", "--used-by", "InstructGPT"],
    ["show", "instructgpt"],
    ["related", "instructgpt"],
    ["cite", "instructgpt"],
    ["stats", "--by", "year"],
    ["methods", "dpo"],
    ["graph", "ds:truthfulqa"],
    ["show", "no-such-entry"],
]

SCRIPT = """
import contextlib, importlib, io, json, pkgutil, sys
import rlhf_cli
for module in pkgutil.walk_packages(rlhf_cli.__path__, "rlhf_cli."):
    if not module.name.endswith("__main__"):  # which runs the command line
        importlib.import_module(module.name)
MUTABLE = (dict, list, set, bytearray)
def state():
    found = {}
    for name, module in list(sys.modules.items()):
        if name == "rlhf_cli" or name.startswith("rlhf_cli."):
            for key, value in vars(module).items():
                if isinstance(value, MUTABLE) and not key.startswith("__"):
                    found[f"{name}.{key}"] = repr(value)  # deepcopy would make objects equal only to themselves
    return found
from rlhf_cli.main import main
main_state = None
for argv in json.loads(sys.argv[1]):
    sys.argv = ["rlhf", *argv]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            main()
        except SystemExit:
            pass
    if main_state is None:  # the first command builds the store and imports what commands import
        main_state = state()
after = state()
print(json.dumps(sorted(name for name in after if after[name] != main_state.get(name, after[name]))))
print(json.dumps(len(main_state)))
"""


def test_running_commands_changes_no_module_global(tmp_path: Path) -> None:
    import os

    env = os.environ | {"RLHF_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps([COMMANDS[0], *COMMANDS])],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    changed, watched = (json.loads(line) for line in done.stdout.splitlines())
    assert watched > 40  # the snapshot sees the package's tables (options, examples, schema...)
    assert changed == []
