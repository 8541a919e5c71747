"""`rlhf config`: where the config file is, and what it sets (see config.py)."""

from enum import StrEnum
from typing import Annotated

import typer

from ..output import render
from ..output.jsontext import json_text
from . import command


class ConfigAction(StrEnum):
    PATH = "path"
    SHOW = "show"


@command()
def config(
    action: Annotated[
        ConfigAction, typer.Argument(help="path: print where the config file is; show: print the settings in force.")
    ] = ConfigAction.PATH,
) -> None:
    """Print the config file's path, or the settings it holds (format, catalogs, limit)."""
    from ..config import config_path, load_config

    path = config_path()
    if action is ConfigAction.PATH:
        render.write(f"{path}\n")
        return
    settings = load_config()
    if not path.is_file():
        render.note(f"rlhf: no config file at {path}; these are the defaults")
    render.write(
        json_text(
            {
                "format": settings.format,
                "catalogs": [str(catalogue) for catalogue in settings.catalogs],
                "limit": settings.limit,
            },
            indent=2,
        )
        + "\n"
    )
