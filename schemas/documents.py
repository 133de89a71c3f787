"""The documents of the public contracts, generated from the pydantic models.

- `schemas/json/*.schema.json`: JSON Schema (2020-12) of each contract, with examples;
- `schemas/asyncapi.yaml`: AsyncAPI 3.0 description of the streams, whose messages' payloads
  reference those JSON Schema documents.

They are checked in, so producers and subscribers in other languages can read them;
a test fails when they are stale (`make schemas` rewrites them).
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from pydantic import TypeAdapter

from schemas import examples
from schemas.dead_letters import EXAMPLE as DEAD_LETTER_EXAMPLE
from schemas.dead_letters import DeadLetter
from schemas.events import MAX_EVENT_BYTES, Event
from schemas.rules import Rules
from schemas.standings import CHANGED_SCHEMA_VERSION, StandingsChanged

DOCUMENTS_DIR = Path(__file__).parent / "json"
ASYNCAPI_PATH = Path(__file__).parent / "asyncapi.yaml"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
BASE_URI = "https://standings.dev/schemas/"
CONTRACTS = {
    "event.schema.json": TypeAdapter(Event),
    "rules.schema.json": TypeAdapter(Rules),
    "standings-changed.schema.json": TypeAdapter(StandingsChanged),
    "dead-letter.schema.json": TypeAdapter(DeadLetter),
}

EVENT_DESCRIPTION = (
    "One input event, as the JSON held in the `data` field of an entry of standings:events. `type` says which "
    "event it is; each type's schema is in $defs (ChampionshipRegistered, RaceClassified, PoleAwarded, FastestLapSet, "
    "StandingsAdjusted). The schema applies the one for the event's `type` (if/then), so a validator reports the "
    f"event's own problem rather than a mismatch with every other type. An event is at most {MAX_EVENT_BYTES} bytes "
    "of UTF-8 JSON."
)


def render() -> dict[str, str]:
    """File name in `DOCUMENTS_DIR` -> JSON Schema document text, deterministic."""
    docs = {}
    for name, adapter in CONTRACTS.items():
        schema = adapter.json_schema(by_alias=True)
        if "discriminator" in schema:
            schema = _dispatch_on_type(schema)
            schema.update(title="Event", description=EVENT_DESCRIPTION)
        schema["$schema"] = DIALECT
        schema["$id"] = BASE_URI + name
        docs[name] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return docs


def _dispatch_on_type(schema: dict) -> dict:
    """A tagged union (`oneOf` + OpenAPI's `discriminator`) rewritten as one if/then per tag.

    With `oneOf`, a validator that meets a bad `race.classified` sees it fail all five branches
    and reports whichever failure is shallowest, typically "'championship.registered' was
    expected". Here the tag picks the one schema that applies, and an unknown tag fails the `enum`.
    """
    tag = schema["discriminator"]["propertyName"]
    mapping = schema["discriminator"]["mapping"]
    defs = schema["$defs"]
    return {
        "$defs": defs,
        "type": "object",
        "required": [tag],
        "properties": {tag: {"enum": list(mapping), "description": "The event type; it selects the schema that applies."}},
        "allOf": [{"if": {"properties": {tag: {"const": value}}, "required": [tag]}, "then": {"$ref": ref}}
                  for value, ref in mapping.items()],
        "examples": [example for ref in mapping.values() for example in defs[ref.rsplit("/", 1)[1]]["examples"]],
    }


# --- AsyncAPI -------------------------------------------------------------------

OVERVIEW = """\
The Redis streams of the standings service. Producers (timing & scoring) append events to
`standings:events`; the projector applies them and appends, per championship, a
`standings.changed` record to `standings:{cid}:changes`; what it cannot apply goes to
`standings:dead-letters`. The operations below are the projector's.
"""

VERSIONS = f"""\
Input events are at schema_version 1 and `standings.changed` records at schema_version
{CHANGED_SCHEMA_VERSION}. The producer's guide, with runnable snippets: docs/producers.md.
"""

DATA_CONVENTION = """\
Every entry of `standings:events` and `standings:{cid}:changes` is a Redis stream entry with one
field, `data`, whose value is the JSON document the message's payload schema describes (UTF-8
text, one event per entry):

    XADD standings:events * data '{"event_id": "...", "type": "race.classified", ...}'

A reader takes the entry's `data` field and parses it; other fields are ignored. The dead letters
are the exception: each one is an entry of several text fields (see the message `deadLetter`).
"""


def asyncapi() -> dict:
    """The AsyncAPI 3.0 document of the streams (the application described is the projector)."""
    json_ref = {name: {"$ref": f"json/{name}"} for name in CONTRACTS}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "standings streams",
            "version": "1.0.0",
            "description": OVERVIEW + "\n" + DATA_CONVENTION + "\n" + VERSIONS,
        },
        "defaultContentType": "application/json",
        "servers": {
            "redis": {
                "host": "localhost:6379",
                "protocol": "redis",
                "description": "Any Redis 7 or Valkey server (`REDIS_URL`); without one, `standings up` runs an "
                "embedded server and writes its URL to `.data/embedded.url`.",
            },
        },
        "channels": {
            "events": {
                "address": "standings:events",
                "title": "Event log",
                "description": (
                    "Input events of every championship, in one stream (`STANDINGS_EVENTS_STREAM`). Append with "
                    "`XADD standings:events * data '<json>'`. The projector reads it with the consumer group "
                    "`projector` and acknowledges an entry once its effect is committed. Idempotent by `event_id`: "
                    "the same event again changes nothing; the same id with other content is dead-lettered as a "
                    "conflict. An entry that fails the contract is dead-lettered at once; one that breaks the "
                    "championship's rules (unknown championship, class or race) is retried for a while, in case "
                    "the registration it needs is still on its way, then dead-lettered."),
                "messages": {"event": {"$ref": "#/components/messages/event"}},
            },
            "changes": {
                "address": "standings:{cid}:changes",
                "title": "A championship's changes",
                "description": (
                    "One `standings.changed` record per committed change of the championship's tables; "
                    "`payload.version` increases by exactly 1 from record to record. The stream is trimmed to about "
                    "`STANDINGS_CHANGES_RETENTION` records (1,000 by default). Follow it with `XREAD BLOCK` (each "
                    "reader on its own) or `XREADGROUP` (a group shares the work). A record carries what changed, "
                    "not the tables: read those from the HTTP API (`GET /championships/pccna-2024/standings`) or "
                    "the hash `standings:{pccna-2024}:tables`, and re-read them when a version is missing."),
                "parameters": {
                    "cid": {
                        "description": (
                            "The championship id **with its braces**, which stay in the key (a Redis Cluster hash "
                            "tag): for the championship `pccna-2024` the stream is `standings:{pccna-2024}:changes`. "
                            "The set `standings:championships` lists the championship ids."),
                        "examples": ["{pccna-2024}", "{" + examples.CHAMPIONSHIP + "}"],
                    },
                },
                "messages": {"standingsChanged": {"$ref": "#/components/messages/standingsChanged"}},
            },
            "deadLetters": {
                "address": "standings:dead-letters",
                "title": "Dead letters",
                "description": (
                    "Input entries the projector could not apply, with the reason naming the field. Inspect and "
                    "re-drive them with `standings dead-letters list|show|redrive|purge`."),
                "messages": {"deadLetter": {"$ref": "#/components/messages/deadLetter"}},
            },
        },
        "operations": {
            "applyEvents": {
                "action": "receive",
                "channel": {"$ref": "#/channels/events"},
                "summary": "The projector applies the event log (consumer group `projector`).",
                "messages": [{"$ref": "#/channels/events/messages/event"}],
            },
            "publishChanges": {
                "action": "send",
                "channel": {"$ref": "#/channels/changes"},
                "summary": "The projector appends a record in the same MULTI/EXEC as the tables it describes.",
                "messages": [{"$ref": "#/channels/changes/messages/standingsChanged"}],
            },
            "deadLetter": {
                "action": "send",
                "channel": {"$ref": "#/channels/deadLetters"},
                "summary": "The projector sets aside what it cannot apply, then acknowledges the entry.",
                "messages": [{"$ref": "#/channels/deadLetters/messages/deadLetter"}],
            },
        },
        "components": {
            "messages": {
                "event": {
                    "name": "event",
                    "title": "Input event",
                    "summary": "championship.registered, race.classified, pole.awarded, fastest_lap.set or "
                    "standings.adjusted, as the JSON in the entry's `data` field.",
                    "contentType": "application/json",
                    "payload": json_ref["event.schema.json"],
                    "examples": [{"name": e["type"], "payload": e} for e in examples.INPUT_EVENTS],
                },
                "standingsChanged": {
                    "name": "standings.changed",
                    "title": "Standings changed",
                    "summary": "What changed in each of the championship's tables, as the JSON in the entry's `data` "
                    "field.",
                    "contentType": "application/json",
                    "payload": json_ref["standings-changed.schema.json"],
                    "examples": [{"name": "after the first race", "payload": examples.STANDINGS_CHANGED}],
                },
                "deadLetter": {
                    "name": "dead letter",
                    "title": "Dead letter",
                    "summary": "An entry of several text fields (not one `data` field): the payload schema describes "
                    "its fields, each a string.",
                    "payload": json_ref["dead-letter.schema.json"],
                    "examples": [{"name": "rule violation", "payload": DEAD_LETTER_EXAMPLE}],
                },
            },
        },
    }


class _Dumper(yaml.SafeDumper):
    """Block style for text of several lines; no anchors (the examples are shared objects)."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def render_asyncapi() -> str:
    header = "# Generated from schemas/documents.py by `make schemas`; do not edit.\n"
    return header + yaml.dump(asyncapi(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


def write_documents() -> list[Path]:
    DOCUMENTS_DIR.mkdir(exist_ok=True)
    written = []
    for name, text in render().items():
        path = DOCUMENTS_DIR / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    ASYNCAPI_PATH.write_text(render_asyncapi(), encoding="utf-8")
    written.append(ASYNCAPI_PATH)
    return written
