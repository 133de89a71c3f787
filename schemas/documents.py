"""The JSON Schema documents of the public contracts, generated from the pydantic models.

They are checked in, so producers and subscribers in other languages can read them;
a test fails when they are stale.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import TypeAdapter

from schemas.events import Event
from schemas.rules import Rules
from schemas.standings import StandingsChanged

DOCUMENTS_DIR = Path(__file__).parent / "json"
CONTRACTS = {
    "event.schema.json": TypeAdapter(Event),
    "rules.schema.json": TypeAdapter(Rules),
    "standings-changed.schema.json": TypeAdapter(StandingsChanged),
}


def render() -> dict[str, str]:
    """File name -> document text, deterministic."""
    docs = {}
    for name, adapter in CONTRACTS.items():
        schema = adapter.json_schema(by_alias=True)
        schema["$id"] = f"https://standings.dev/schemas/{name}"
        docs[name] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return docs


def write_documents() -> list[Path]:
    DOCUMENTS_DIR.mkdir(exist_ok=True)
    written = []
    for name, text in render().items():
        path = DOCUMENTS_DIR / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
