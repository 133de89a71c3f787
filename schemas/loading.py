"""Reading contracts from files and people: a rules file, and errors that name the field."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import yaml
from pydantic import ValidationError

from schemas.rules import Rules


def describe(error: ValidationError) -> list[str]:
    """One line per problem: the dotted field path, then the reason."""
    lines = []
    for e in error.errors(include_url=False):
        where = ".".join(str(part) for part in e["loc"] if not str(part).startswith(("tagged-union", "function-")))
        reason = e["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {reason}" if where and not reason.startswith(where) else reason)
    return lines


class RulesFileError(ValueError):
    """A rules file that cannot be read or does not validate; `problems` names each field."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.path = path
        self.problems = problems


def load_rules(path: str | Path) -> Rules:
    """Parse a YAML, TOML or JSON rules file into validated Rules."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".toml":
            data = tomllib.loads(text)
        elif path.suffix == ".json":
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as e:
        raise RulesFileError(path, [f"cannot read: {e}"]) from e
    except RecursionError as e:
        raise RulesFileError(path, ["cannot read: nested too deeply"]) from e
    if not isinstance(data, dict):
        raise RulesFileError(path, ["the document must be a mapping of rule sections"])
    try:
        return Rules.model_validate(data)
    except ValidationError as e:
        raise RulesFileError(path, describe(e)) from e
