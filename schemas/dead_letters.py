"""The entries of the dead-letter stream `standings:dead-letters`, as a contract for readers.

Unlike the event log and the changes streams, whose entries hold one JSON document in the field
`data`, a dead letter is a Redis stream entry of several text fields. This model documents those
fields for the JSON Schema document (`schemas/json/dead-letter.schema.json`): the projector writes
them with `services.runtime.streams.dead_letter_fields` (see `services/projector/dead_letters.py`).
"""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field

from schemas import examples

# A pole in a class the rules do not have (dead-lettered after the retries a rule violation gets).
_REFUSED = {**examples.POLE, "payload": {**examples.POLE["payload"], "class_id": "gt3"}}
EXAMPLE = {
    "reason": "rule violation: payload.class_id: unknown class 'gt3' (known: am, pro)",
    "stream_id": "1741979405123-0",
    "payload": json.dumps(_REFUSED),
    "event_id": _REFUSED["event_id"],
    "championship_id": examples.CHAMPIONSHIP,
    "accepted_payload": "",
    "failed_at": "2025-03-14T19:12:31.204518Z",
}


class DeadLetter(BaseModel):
    """One entry of `standings:dead-letters`: an input entry the projector could not apply, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, json_schema_extra={"examples": [EXAMPLE]})

    reason: str = Field(description="Why: 'invalid event: <field>: <problem>; ...', 'rule violation: <field>: ...', "
                        "'conflict: event_id ... was accepted from entry ... with other content; ...', "
                        "\"entry has no 'data' field\" or 'delivered N times (max M)'.")
    stream_id: str = Field(description="Id of the refused entry in the event stream (standings:events).")
    payload: str = Field(description="The refused entry's `data`, exactly as published (for an entry without a `data` "
                         "field, the JSON of its fields). `standings dead-letters redrive` publishes it again.")
    event_id: str = Field(description="The payload's event_id when it could be read, else empty.")
    championship_id: str = Field(description="The payload's championship_id when it could be read, else empty.")
    accepted_payload: str = Field(description="A conflict only: the payload accepted earlier under the same event_id "
                                  "(while the event stream still holds it); else empty.")
    failed_at: str = Field(json_schema_extra={"format": "date-time"}, description="When it was dead-lettered, RFC 3339 in UTC.")
