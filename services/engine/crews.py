"""Shared cars: what each driver of one car scores under the rules' `shared_drives`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from schemas.payloads import ClassifiedCar
from schemas.scoring_rules import SharedDrives

Credit = tuple[float, float] | None  # (position points, bonus) one driver scores; None: drove too little to score


def crew_credits(rule: SharedDrives, min_minutes: float | None, car: ClassifiedCar, points: float,
                 bonuses: Sequence[tuple[str, float]], named: Mapping[str, str]) -> tuple[Credit, ...] | None:
    """Per driver of `car` (the first driver, then the co-drivers), what they score; None when each
    scores the car's points and bonuses in full (one driver, or `full` and everyone drove enough).

    `bonuses` are the car's (kind, points); `named` maps 'pole' and 'fastest_lap' to the driver the
    award names. Split or none, such an award goes to that driver alone; the other bonuses and the
    position points are shared equally by those who drove enough (a driver whose time or laps the
    classification does not give is taken to have).
    """
    if not car.co_drivers:
        return None
    crew = [(car.driver_id, car.driver_drive_seconds, car.driver_laps_driven),
            *((d.driver_id, d.drive_seconds, d.laps_driven) for d in car.co_drivers)]
    enough = [_drove_enough(rule, min_minutes, seconds, laps) for _, seconds, laps in crew]
    if rule.points == "full" and all(enough):
        return None
    # A driver named twice counts once.
    qualified = len({driver_id for (driver_id, _, _), ok in zip(crew, enough, strict=True) if ok})
    share = 1.0 if rule.points == "full" else 1 / qualified if rule.points == "split" and qualified else 0.0
    ids = {driver_id for driver_id, _, _ in crew}
    credits: list[Credit] = []
    for (driver_id, _, _), ok in zip(crew, enough, strict=True):
        if not ok:
            credits.append(None)
            continue
        bonus = sum(
            (value if named[kind] == driver_id else 0.0) if rule.points != "full" and named.get(kind) in ids else value * share
            for kind, value in bonuses
        )
        credits.append((round(points * share, 3), round(bonus, 3)))
    return tuple(credits)


def _drove_enough(rule: SharedDrives, min_minutes: float | None, seconds: int | None, laps: int | None) -> bool:
    if min_minutes is not None and seconds is not None and seconds < min_minutes * 60:
        return False
    return rule.min_drive_laps is None or laps is None or laps >= rule.min_drive_laps
