"""A simulated PCCNA season: deterministic by seed, returned as validated events.

`simulate_season(rules, seed=...)` plays every race of the rules' calendar (or the first
`races`) with the field of :mod:`.roster`: a skill-weighted random finishing order, a few DNFs,
poles and fastest laps per class. Each race is a list of *steps*, published in order:

1. `pole.awarded`, one per class;
2. `race.classified` revision 1, provisional;
3. `fastest_lap.set`, one per class;
4. `race.classified` revision 2, final; in about one race in four a post-race penalty swaps two
   cars of one class in it.

The championship id ends in `-sim` and the rules' name says "(simulated)": nothing here is a real
result. Event ids are `<championship>:<run>:<race>:<what>`; `run` lets a replay publish fresh ids.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from schemas.events import ChampionshipRegistered, Event, parse_event
from schemas.rules import Rules
from services.demo.roster import ROSTER, Entrant

LAPS = 24
DNF_RATE = 0.025
PENALTY_RATE = 0.25


@dataclass(frozen=True)
class SimulatedRace:
    race_id: str
    round: int
    track: str
    steps: list[list[Event]] = field(default_factory=list)
    penalty: str | None = None  # what the stewards changed in the final classification, if anything


@dataclass(frozen=True)
class SimulatedSeason:
    championship_id: str
    registration: ChampionshipRegistered
    races: list[SimulatedRace]

    def events(self) -> list[Event]:
        """Every event, in publishing order."""
        return [self.registration, *(e for race in self.races for step in race.steps for e in step)]


def simulate_season(rules: Rules, *, championship_id: str | None = None, races: int | None = None,
                    seed: int = 2024, run: str = "") -> SimulatedSeason:
    """The season for `rules` (a PCCNA-shaped championship with three classes); see the module doc."""
    cid = championship_id or f"pccna-{rules.season}-sim"
    rng = random.Random(seed)
    prefix = f"{cid}:{run}:" if run else f"{cid}:"
    start = datetime(rules.season, 3, 14, 16, 0, tzinfo=UTC)
    classes = [c.id for c in rules.classes]
    simulated = rules.model_copy(update={"name": f"{rules.name} (simulated)"})
    registration = parse_event(_envelope(f"{prefix}rules", "championship.registered", cid, start,
                                         {"revision": 1, "rules": simulated.model_dump(mode="json")}))
    schedule = [(r.round, r.track, race.race_id) for r in rules.calendar for race in r.races]
    played = []
    for index, (round_, track, race_id) in enumerate(schedule[:races]):
        when = start + timedelta(days=14 * (index // 2), hours=20 * (index % 2))
        field_ = [e for e in ROSTER if not e.guest or round_ in e.guest_rounds]
        sim = _RaceSim(rng, f"{prefix}{race_id}", cid, when, race_id, round_, track, classes)
        played.append(SimulatedRace(race_id, round_, track, sim.play(field_), sim.penalty))
    return SimulatedSeason(cid, registration, played)


@dataclass
class _RaceSim:
    rng: random.Random
    prefix: str
    cid: str
    when: datetime
    race_id: str
    round: int
    track: str
    classes: list[str]
    penalty: str | None = None

    def play(self, field_: list[Entrant]) -> list[list[Event]]:
        grid = sorted(field_, key=lambda e: -(e.skill + self.rng.gauss(0, 0.45)))
        finish = sorted(field_, key=lambda e: -(e.skill + self.rng.gauss(0, 0.6)))
        out = [e for e in finish if self.rng.random() < DNF_RATE]
        running = [e for e in finish if e not in out]
        entries = [self._car(e, i, "classified", LAPS) for i, e in enumerate(running, start=1)]
        entries += [self._car(e, len(running) + i, "dnf", self.rng.randrange(1, LAPS))
                    for i, e in enumerate(out, start=1)]
        poles = [self._award("pole.awarded", k, _first(grid, k)) for k in range(len(self.classes))]
        fastest = [self._award("fastest_lap.set", k, self.rng.choice(top) if (top := _top(running, k, 4)) else None)
                   for k in range(len(self.classes))]
        final = self._penalised(entries) if self.rng.random() < PENALTY_RATE else entries
        return [
            [p for p in poles if p],
            [self._classified(entries, revision=1, provisional=True)],
            [f for f in fastest if f],
            [self._classified(final, revision=2, provisional=False)],
        ]

    def _car(self, e: Entrant, position: int, status: str, laps: int) -> dict:
        return {"car_number": e.number, "driver_id": e.driver_id, "driver_name": e.name, "team_id": e.team_id,
                "team_name": e.team, "class_id": self.classes[e.klass], "position": position, "status": status,
                "laps": laps, "laps_led": 0, "guest": e.guest}

    def _penalised(self, entries: list[dict]) -> list[dict]:
        """A post-race time penalty: a classified car drops behind the next car of its class."""
        classified = [c for c in entries if c["status"] == "classified"]
        pairs = [(a, b) for i, a in enumerate(classified) for b in classified[i + 1:i + 6]
                 if a["class_id"] == b["class_id"]][:40]
        if not pairs:
            return entries
        a, b = self.rng.choice(pairs)
        self.penalty = (f"#{a['car_number']} {a['driver_name']}: 5-second time penalty, drops behind "
                        f"#{b['car_number']} {b['driver_name']} ({a['class_id']})")
        swapped = {a["car_number"]: b["position"], b["car_number"]: a["position"]}
        return [{**c, "position": swapped.get(c["car_number"], c["position"])} for c in entries]

    def _classified(self, entries: list[dict], *, revision: int, provisional: bool) -> Event:
        payload = {"race_id": self.race_id, "round": self.round, "track": self.track, "revision": revision,
                   "provisional": provisional, "entries": sorted(entries, key=lambda c: c["position"])}
        minutes = 45 if provisional else 120
        return parse_event(_envelope(f"{self.prefix}:classified:r{revision}", "race.classified", self.cid,
                                     self.when + timedelta(minutes=minutes), payload))

    def _award(self, kind: str, klass: int, e: Entrant | None) -> Event | None:
        if e is None:
            return None
        payload = {"race_id": self.race_id, "round": self.round, "class_id": self.classes[klass],
                   "car_number": e.number, "driver_id": e.driver_id}
        offset = timedelta(hours=-6) if kind == "pole.awarded" else timedelta(minutes=40)
        what = kind.split(".")[0]
        return parse_event(_envelope(f"{self.prefix}:{what}:{self.classes[klass]}", kind, self.cid,
                                     self.when + offset, payload))


def _first(order: list[Entrant], klass: int) -> Entrant | None:
    """The best-placed scoring (non-guest) entrant of a class in `order`."""
    return next((e for e in order if e.klass == klass and not e.guest), None)


def _top(order: list[Entrant], klass: int, n: int) -> list[Entrant]:
    return [e for e in order if e.klass == klass and not e.guest][:n]


def _envelope(event_id: str, type_: str, cid: str, when: datetime, payload: dict) -> dict:
    return {"event_id": event_id, "type": type_, "championship_id": cid, "schema_version": 1,
            "occurred_at": when.isoformat().replace("+00:00", "Z"), "payload": payload}
