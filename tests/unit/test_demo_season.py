"""The simulated season behind `standings demo`: deterministic, valid, accepted by the engine."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from schemas.events import ChampionshipRegistered, PoleAwarded, RaceClassified, parse_event
from schemas.loading import load_rules
from services.demo.roster import ROSTER, slug
from services.demo.season import simulate_season
from services.engine import record, standings

RULES = Path(__file__).parents[2] / "rules"


@pytest.fixture(scope="module")
def rules():
    return load_rules(RULES / "pccna-2024.yaml")


def test_same_seed_same_season_other_seed_other_season(rules):
    one = [e.model_dump_json() for e in simulate_season(rules, seed=7).events()]
    assert one == [e.model_dump_json() for e in simulate_season(rules, seed=7).events()]
    assert one != [e.model_dump_json() for e in simulate_season(rules, seed=8).events()]


def test_every_event_round_trips_through_the_contract(rules):
    events = simulate_season(rules, seed=3).events()
    assert all(parse_event(e.model_dump_json()) == e for e in events)
    assert len({e.event_id for e in events}) == len(events)


def test_clearly_simulated(rules):
    season = simulate_season(rules, seed=1)
    assert season.championship_id == "pccna-2024-sim"
    assert "simulated" in season.registration.payload.rules.name
    assert {e.championship_id for e in season.events()} == {"pccna-2024-sim"}


def test_field_is_pccna_shaped(rules):
    full_time = Counter(e.klass for e in ROSTER if not e.guest)
    assert (full_time[0], full_time[1], full_time[2]) == (20, 8, 7)
    assert 1 <= sum(e.guest for e in ROSTER) <= 2
    assert {"loek-hartog", "riley-dickinson", "moisey-uretsky", "matt-halcome", "sabre-cook"} <= {e.driver_id for e in ROSTER}
    assert slug("Elias De La Torre") == "elias-de-la-torre"


def test_each_race_poles_provisional_fastest_final(rules):
    season = simulate_season(rules, seed=5, races=4)
    assert [r.race_id for r in season.races] == ["r01", "r02", "r03", "r04"]
    for race in season.races:
        poles, provisional, fastest, final = race.steps
        assert {p.payload.class_id for p in poles} == {"pro", "proam", "masters"}
        assert all(isinstance(p, PoleAwarded) for p in poles)
        assert [(e.payload.revision, e.payload.provisional) for e in provisional + final] == [(1, True), (2, False)]
        assert {f.type for f in fastest} == {"fastest_lap.set"}
        assert 34 <= len(final[0].payload.entries) <= 36


def test_some_penalties_and_dnfs_over_a_season(rules):
    season = simulate_season(rules, seed=11)
    races = [(r.steps[1][0].payload, r.steps[3][0].payload) for r in season.races]
    penalised = [p for p, f in races if [c.car_number for c in sorted(p.entries, key=lambda c: c.position)]
                 != [c.car_number for c in sorted(f.entries, key=lambda c: c.position)]]
    assert 1 <= len(penalised) <= 10
    assert any(c.status == "dnf" for _, f in races for c in f.entries)


@pytest.mark.parametrize("seed", [1, 2, 2024])
def test_engine_accepts_every_event(rules, seed):
    season = simulate_season(rules, seed=seed)
    facts: dict = {}
    for event in season.events():
        record(facts, event)  # raises RuleViolation on any event the rules reject
    tables = standings(facts)
    assert {"drivers/pro", "drivers/proam", "drivers/masters", "teams/overall", "junior/pro"} <= set(tables)
    pro = tables["drivers/pro"]
    assert pro["after_round"] == 16 and not pro["provisional"]
    assert "patrick-long" not in {row["id"] for row in pro["rows"] if row["points"]}
    assert len(pro["rows"]) >= 20


def test_the_2023_rules_fit_too(rules):
    season = simulate_season(load_rules(RULES / "pccna-2023.yaml"), seed=4, races=2)
    assert season.championship_id == "pccna-2023-sim"
    assert isinstance(season.registration, ChampionshipRegistered)
    facts: dict = {}
    for event in season.events():
        record(facts, event)
    assert {e.payload.class_id for e in season.events() if isinstance(e, PoleAwarded)} == {"pro", "proam", "am"}
    assert all(isinstance(e, RaceClassified) for r in season.races for e in r.steps[1])
