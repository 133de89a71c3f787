"""The payloads of the input events: a championship's rules, a race's classification, a pole or
fastest lap, a stewards' decision. Each is a fact; a later `revision` of the same fact replaces it."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer, model_validator

from schemas.rules import Rules
from schemas.values import Name, SessionType, Slug, Status, Track, _Strict

Revision = Annotated[int, Field(ge=1, description="A later revision of the same fact replaces the earlier one.")]


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
