"""The user's settings: `$XDG_CONFIG_HOME/rlhf/config.toml` (else ~/.config/rlhf/config.toml).

    format = "json"                       # the output format when --format is not given
    catalogs = ["~/papers/my-catalog"]    # extra catalogue files or folders, after $RLHF_CATALOG
    limit = 50                            # listings and searches show at most this many

Options on the command line win over the file. The file is read when a setting is needed (it
is small, and most runs find no file at all), and a mistake in it is an error that names the
file and the key, as a catalogue's would be.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import UsageError
from .plain import Plain

FORMATS = ("table", "json", "jsonl", "csv", "tsv", "markdown", "ids", "bibtex", "csl-json", "ris")


class ConfigError(UsageError):
    """The config file cannot be read or holds a bad setting."""


class Config(Plain, frozen=True):
    format: str | None = None
    catalogs: tuple[Path, ...] = ()
    limit: int | None = None


def config_path() -> Path:
    """Where the config file is (whether or not it exists)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "rlhf" / "config.toml"


def load_config() -> Config:
    """The settings in the config file; the defaults when there is none."""
    path = config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the config file: {error.strerror or error}") from None
    import tomllib

    try:
        table = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: not a valid TOML file: {error}") from None
    unknown = sorted(set(table) - {"format", "catalogs", "limit"})
    if unknown:
        raise ConfigError(f"{path}: unknown setting '{unknown[0]}' (the settings are format, catalogs, limit)")
    fmt = table.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise ConfigError(f"{path}: format: one of {', '.join(FORMATS)}, not {fmt!r}")
    catalogs = table.get("catalogs", [])
    if not isinstance(catalogs, list) or not all(isinstance(item, str) and item for item in catalogs):
        raise ConfigError(f"{path}: catalogs: a list of paths (strings)")
    limit = table.get("limit")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ConfigError(f"{path}: limit: a whole number of at least 1, not {limit!r}")
    # A relative path is relative to the config file's folder, not to wherever rlhf runs.
    folder = path.parent
    return Config(fmt, tuple(folder / Path(item).expanduser() for item in catalogs), limit)
