"""The event contracts: one envelope, a typed payload per event type.

Every entry on the public streams is plain JSON of one of these models, so a
producer or subscriber in any language can use them (see `schemas/json/`).
Facts carry a `revision`: the highest revision of a fact wins, whatever the
arrival order; equal revisions are decided by the larger `event_id`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, TypeAdapter, ValidationInfo, field_validator

from schemas import examples
from schemas.payloads import Adjustment, ClassAward, RaceClassification, Registration
from schemas.values import _Strict

# Refused before parsing: the largest real classification (a 24-hour race, ~150 cars) is ~100 KB.
MAX_EVENT_BYTES = 512 * 1024
# occurred_at outside these bounds is a producer's mistake (and year 9999 overflows date arithmetic).
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

ChampionshipId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="e.g. 'pccna-2024'.",
                                      examples=["pccna-2024"])]
# What `occurred_at` must look like, for JSON Schema validators that do not check `format`: an RFC 3339
# date-time whose year is in 1900-2199 and which ends with its offset (the model refuses a naive time).
OCCURRED_AT_PATTERN = (r"^(19|2[01])[0-9]{2}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
                       r"([Zz]|[+-][0-9]{2}:[0-9]{2})$")


class EventTooLarge(ValueError):
    """An event over `MAX_EVENT_BYTES`, refused before parsing."""


class Envelope(_Strict):
    event_id: str = Field(
        min_length=1, max_length=128, examples=["pccna-2024:r01:classification:r2"],
        description="Unique id; the idempotency key. The same id with other content is refused as a conflict: "
        "publish a correction under a new event_id with a higher revision.")
    schema_version: int = Field(
        1, ge=1, le=1, description="Payload schema version. 1 is the only one so far; a newer one is refused, "
        "so a producer cannot get ahead of the consumers (old versions will be upcast on read)."
    )
    championship_id: ChampionshipId
    # strict=False: JSON has no datetime type, so the ISO 8601 text is parsed (strictly, with a timezone).
    occurred_at: datetime = Field(
        strict=False, examples=["2024-05-05T17:30:00Z", "2024-05-05T13:30:00-04:00"],
        json_schema_extra={"pattern": OCCURRED_AT_PATTERN},
        description="When it happened on track or in race control: an RFC 3339 date-time with its offset "
        "(Z or +hh:mm/-hh:mm), e.g. 2024-05-05T17:30:00Z; a time without one is refused. Years 1900-2199.")

    @field_validator("occurred_at", mode="before")
    @classmethod
    def _text_not_a_number(cls, value: object) -> object:
        # Lax parsing would read a number as Unix seconds: the contract is text, as the JSON Schema says.
        if isinstance(value, int | float):
            raise ValueError("must be a string: an RFC 3339 date-time with a timezone, e.g. 2024-05-05T17:30:00Z")
        return value

    @field_validator("occurred_at")
    @classmethod
    def _aware_and_plausible(cls, value: datetime, info: ValidationInfo) -> datetime:
        if value.tzinfo is None:
            # Events stored before timezones were required are read as UTC; new ones must say.
            if not (info.context or {}).get("stored"):
                raise ValueError("needs a timezone, e.g. 2024-05-05T17:30:00Z or 2024-05-05T17:30:00+02:00")
            value = value.replace(tzinfo=UTC)
        if not EARLIEST <= value < LATEST:
            raise ValueError(f"{value.isoformat()} is outside the years {EARLIEST.year}-{LATEST.year - 1}")
        return value


class ChampionshipRegistered(Envelope):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.REGISTERED]})

    type: Literal["championship.registered"] = "championship.registered"
    payload: Registration


class RaceClassified(Envelope):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.RACE]})

    type: Literal["race.classified"] = "race.classified"
    payload: RaceClassification


class PoleAwarded(Envelope):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.POLE]})

    type: Literal["pole.awarded"] = "pole.awarded"
    payload: ClassAward


class FastestLapSet(Envelope):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.FASTEST_LAP]})

    type: Literal["fastest_lap.set"] = "fastest_lap.set"
    payload: ClassAward


class StandingsAdjusted(Envelope):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.ADJUSTED]})

    type: Literal["standings.adjusted"] = "standings.adjusted"
    payload: Adjustment


Event = Annotated[
    ChampionshipRegistered | RaceClassified | PoleAwarded | FastestLapSet | StandingsAdjusted,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def parse_event(data: str | bytes | dict[str, Any]) -> Event:
    """Validate one input event (JSON text or a decoded object), strictly.

    Raises `EventTooLarge` for JSON text over `MAX_EVENT_BYTES` (before parsing it), else
    pydantic.ValidationError naming each field.
    """
    if isinstance(data, dict):
        return EVENT_ADAPTER.validate_python(data)
    if len(data) > MAX_EVENT_BYTES:  # characters, for text: at most 4 bytes each, so checked again as bytes
        raise EventTooLarge(f"event of {len(data)} bytes is over the maximum of {MAX_EVENT_BYTES}")
    if isinstance(data, str) and len(encoded := data.encode("utf-8", "surrogatepass")) > MAX_EVENT_BYTES:
        raise EventTooLarge(f"event of {len(encoded)} bytes is over the maximum of {MAX_EVENT_BYTES}")
    return EVENT_ADAPTER.validate_json(data)


def parse_stored(raw: bytes) -> Event:
    """Parse an event read back from the projection (stored by the projector, so valid when written;
    one stored before timezones were required is read as UTC)."""
    return EVENT_ADAPTER.validate_json(raw, context={"stored": True})


def fact_key(event: Event) -> str:
    """The fact an event states; a later revision of the same key replaces it."""
    p = event.payload
    match event:
        case ChampionshipRegistered():
            return "rules"
        case RaceClassified():
            return f"race:{p.race_id}"
        case PoleAwarded() | FastestLapSet():
            return f"{event.type.split('.')[0]}:{p.race_id}:{p.class_id}"
        case StandingsAdjusted():
            return f"adjustment:{p.adjustment_id}"
    raise TypeError(f"not an input event: {type(event).__name__}")


def supersedes(new: Event, old: Event) -> bool:
    """Whether `new` replaces `old` for the same fact: higher revision, then larger event_id."""
    return (new.payload.revision, new.event_id) > (old.payload.revision, old.event_id)
