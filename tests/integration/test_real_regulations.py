"""The real-regulation seasons (F1 1975, F1 1954, IMSA-like) fed through the running service as a
producer would: registered and published round by round over HTTP ingest, projected by the real
projector on a real Redis, and read back over HTTP after every round. Each table the gateway serves
after round N is the pure engine's as of round N, and after the last round the hand-worked one."""

from __future__ import annotations

import asyncio
import json

import pytest
from test_ingest_api import TIMING, gateway, settings_for

from services.engine import standings
from tests.unit import test_series_f1_1954, test_series_f1_1975, test_series_imsa

SEASONS = {
    "f1-1975": (test_series_f1_1975.season, {"drivers/f1": [("emerson-fittipaldi", 44.5), ("carlos-pace", 38),
                                                            ("carlos-reutemann", 36), ("james-hunt", 36)]}),
    "f1-1954": (test_series_f1_1954.season, {"drivers/f1": [("juan-manuel-fangio", 40.833),
                                                            ("jose-froilan-gonzalez", 32.333)]}),
    "imsa-like": (lambda: test_series_imsa.season({"sebring": {"nick-tandy": 120}}),
                  {"manufacturers/gtp": [("porsche", 1020), ("cadillac", 990)]}),
}


def by_round(facts: dict) -> list[tuple[int, list[dict]]]:
    """The season's events as JSON, the registration first, then grouped by round in running order."""
    rounds: dict[int, list[dict]] = {}
    for key, event in facts.items():
        if key != "rules":
            rounds.setdefault(event.payload.round, []).append(json.loads(event.model_dump_json()))
    return [(0, [json.loads(facts["rules"].model_dump_json())]), *sorted(rounds.items())]


async def tables_after(client, cid: str, round_: int) -> list[dict]:
    """The live tables once the projector has counted round `round_` (waits on the condition)."""
    for _ in range(400):
        body = (await client.get(f"/championships/{cid}/standings")).json()
        tables = body.get("tables", [])
        if tables and all(t["after_round"] == round_ for t in tables):
            return tables
        await asyncio.sleep(0.025)
    raise AssertionError(f"the tables of {cid} never reached round {round_}: {body}")


@pytest.mark.parametrize("name", SEASONS)
async def test_each_round_over_http_is_the_engines_and_the_season_the_hand_worked_one(name, redis_url, projector_thread):
    season, hand_worked = SEASONS[name]
    facts = season()
    cid = next(iter(facts.values())).championship_id
    async with gateway(redis_url, settings_for(redis_url)) as client:
        for round_, events in by_round(facts):
            response = await client.post(f"/championships/{cid}/events", json=events, headers=TIMING)
            assert response.status_code == 202, response.text
            if not round_:
                continue
            served = {f"{t['table_id']}/{t['class_id']}": t for t in await tables_after(client, cid, round_)}
            expected = standings(facts, after_round=round_)
            assert served.keys() == expected.keys()
            for key, table in expected.items():
                rows = [(r["id"], r["position"], r["points"], r["tiebreak"]) for r in table["rows"]]
                assert [(r["id"], r["position"], r["points"], r["tiebreak"]) for r in served[key]["rows"]] == rows, (key, round_)
    for key, leaders in hand_worked.items():
        assert [(r["id"], r["points"]) for r in served[key]["rows"]][: len(leaders)] == leaders
