"""The event contracts: one envelope, a typed payload per event type.

Every entry on the public streams is plain JSON of one of these models, so a
producer or subscriber in any language can use them (see `schemas/json/`).
Facts carry a `revision`: the highest revision of a fact wins, whatever the
arrival order; equal revisions are decided by the larger `event_id`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from schemas import examples
from schemas.rules import Rules
from schemas.values import Name, SessionType, Slug, Status, Track

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
Revision = Annotated[int, Field(ge=1, description="A later revision of the same fact replaces the earlier one.")]


class _Strict(BaseModel):
    # strict: no coercion ("1" is not 1, "yes" is not true); producers send exact JSON types.
    # No Infinity/NaN: JSON cannot carry them back out, and points must stay finite.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


class _Grown(_Strict):
    """A model that gained optional fields after events were first published: they are written only
    when not at their default, so an event that does not use them keeps its JSON (and its digest) byte for byte."""

    _later: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _later_fields_when_set(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        for name in self._later:
            if getattr(self, name) == type(self).model_fields[name].default:
                data.pop(name, None)
        return data


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


# --- payloads -----------------------------------------------------------------


class Registration(_Strict):
    revision: Revision = 1
    rules: Rules


class Driver(_Grown):
    _later = ("drive_seconds", "laps_driven")

    driver_id: Slug
    name: Name
    drive_seconds: int | None = Field(
        None, ge=0, le=172_800, description="Time this driver drove the car, for minimum drive rules.")
    laps_driven: int | None = Field(None, ge=0, description="Laps this driver drove, for minimum drive rules.")


class ClassifiedCar(_Grown):
    _later = ("driver_drive_seconds", "driver_laps_driven", "manufacturer_id", "manufacturer_name")

    car_number: str = Field(min_length=1, max_length=8)
    driver_id: Slug
    driver_name: Name
    driver_drive_seconds: int | None = Field(None, ge=0, le=172_800, description="Time the first driver drove the car.")
    driver_laps_driven: int | None = Field(None, ge=0, description="Laps the first driver drove.")
    co_drivers: list[Driver] = Field(
        [], max_length=8, description="Further drivers of the car; how they score is the rules' `shared_drives`.")
    team_id: Slug
    team_name: Name
    manufacturer_id: Slug | None = Field(None, description="The car's make, for manufacturers' tables, e.g. 'porsche'.")
    manufacturer_name: Name | None = Field(None, description="The make's display name, e.g. 'Porsche'.")
    class_id: Slug = Field(description="The car's class, one of the rules' classes.")
    position: int = Field(ge=1, description="Overall finishing order (1 = winner).")
    class_position: int | None = Field(None, ge=1, description="Position in class; derived from `position` when absent.")
    status: Status = "classified"
    laps: int = Field(0, ge=0)
    laps_led: int = Field(0, ge=0)
    guest: bool = Field(False, description="Guests score nothing; those behind them move up.")
    dead_heat: bool = Field(False, description="Shares its position with another car marked the same.")


class RaceClassification(_Strict):
    round: int = Field(ge=1)
    race_id: Slug
    track: Track | None = Field(None, description="Track id; the calendar's when absent, and must match it.")
    session_type: SessionType = Field("race", description="Which points table applies, e.g. 'race' or 'sprint'.")
    revision: Revision = 1
    provisional: bool = Field(False, description="Results not yet final; tables built on them are flagged.")
    distance_pct: float = Field(100, gt=0, le=100, description="Share of the scheduled distance completed.")
    points_factor: float | None = Field(None, ge=0, le=10, description="Stewards' override of the points multiplier.")
    entries: list[ClassifiedCar] = Field(min_length=1, max_length=300)

    @model_validator(mode="after")
    def _positions_are_consistent(self) -> RaceClassification:
        numbers: set[str] = set()
        overall: dict[int, ClassifiedCar] = {}
        in_class: dict[tuple[str, int], ClassifiedCar] = {}
        for i, car in enumerate(self.entries):
            if car.car_number in numbers:
                raise ValueError(f"entries.{i}.car_number: #{car.car_number} appears twice")
            numbers.add(car.car_number)
            _claim(overall, car.position, car, f"entries.{i}.position: {car.position}")
        # Positions given for some cars and derived for others must not collide either.
        positions = self.class_positions()
        for i, car in enumerate(self.entries):
            where = f"entries.{i}.class_position: {positions[car.car_number]} in class {car.class_id!r}"
            _claim(in_class, (car.class_id, positions[car.car_number]), car, where)
        return self

    def class_positions(self) -> dict[str, int]:
        """Car number -> class position, derived from the overall order where not given."""
        given = {c.car_number: c.class_position for c in self.entries if c.class_position is not None}
        if len(given) == len(self.entries):
            return given
        derived: dict[str, int] = {}
        by_class: dict[str, list[ClassifiedCar]] = {}
        for car in sorted(self.entries, key=lambda c: c.position):
            by_class.setdefault(car.class_id, []).append(car)
        for cars in by_class.values():
            for rank, car in enumerate(cars, start=1):
                previous = cars[rank - 2] if rank > 1 else None
                shared = previous is not None and previous.position == car.position
                derived[car.car_number] = derived[previous.car_number] if shared else rank
        return {**derived, **given}


def _claim(held: dict, key: object, car: ClassifiedCar, where: str) -> None:
    other = held.setdefault(key, car)
    if other is not car and not (car.dead_heat and other.dead_heat):
        raise ValueError(f"{where} is held by two cars (#{other.car_number}, #{car.car_number}); mark both dead_heat to share it")


class AwardedCar(_Strict):
    car_number: str = Field(min_length=1, max_length=8)
    driver_id: Slug


class ClassAward(_Grown):
    """Pole position or fastest lap: one per class and race."""

    _later = ("shared_with",)

    race_id: Slug
    round: int = Field(ge=1)
    class_id: Slug
    car_number: str = Field(min_length=1, max_length=8)
    driver_id: Slug
    shared_with: list[AwardedCar] = Field(
        [], max_length=20,
        description="Fastest lap only: the other cars that set the same time; the bonus is shared equally (1/k each).",
    )
    revision: Revision = 1

    @model_validator(mode="after")
    def _each_car_once(self) -> ClassAward:
        seen = {self.car_number}
        for i, other in enumerate(self.shared_with):
            if other.car_number in seen:
                raise ValueError(f"shared_with.{i}.car_number: car {other.car_number!r} is named twice")
            seen.add(other.car_number)
        return self

    @property
    def car_numbers(self) -> frozenset[str]:
        """Every car the award goes to."""
        return frozenset((self.car_number, *(c.car_number for c in self.shared_with)))


class Adjustment(_Grown):
    _later = ("applies_to",)

    adjustment_id: Slug = Field(description="Identifies the decision; a later revision replaces it.")
    revision: Revision = 1
    kind: Literal["points_deduction", "result_excluded", "points_withheld", "disqualified"] = Field(
        description="points_deduction: points off the total; result_excluded: the result in `race_id` counts for nothing "
        "(not for countback either); points_withheld: its points and bonuses are withheld but the result stands (its "
        "place counts for countback, nobody moves up); disqualified: from the championship.")
    subject: Literal["driver", "team", "manufacturer"] = "driver"
    subject_id: Slug
    class_id: Slug | None = Field(None, description="Limit to one class; null applies in every class.")
    from_round: int = Field(1, ge=1, description="Takes effect in tables after this round.")
    race_id: Slug | None = Field(None, description="The result concerned (result_excluded and points_withheld only).")
    applies_to: Literal["all", "drivers", "teams"] = Field(
        "all", description="A driver's result excluded or withheld: in every table, in drivers' tables only (the team "
        "and make keep the car's result), or in team and manufacturer tables only (it still counts for the driver).")
    points: float = Field(0, ge=0, le=100_000, description="Points deducted (points_deduction only).")
    keep_points: bool = Field(False, description="Disqualified: keep the points scored before `from_round`.")
    withdrawn: bool = Field(False, description="The decision was overturned on appeal.")
    reason: str = Field("", max_length=500)

    @model_validator(mode="after")
    def _kind_fields(self) -> Adjustment:
        if self.kind == "points_deduction" and self.points <= 0:
            raise ValueError("points: a points_deduction needs points > 0")
        if self.kind in ("result_excluded", "points_withheld") and self.race_id is None:
            raise ValueError(f"race_id: a {self.kind} needs the race it concerns")
        if self.applies_to != "all" and (self.subject != "driver" or self.kind not in ("result_excluded", "points_withheld")):
            raise ValueError("applies_to: only a driver's result_excluded or points_withheld can spare some tables")
        return self


# --- events -------------------------------------------------------------------


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
