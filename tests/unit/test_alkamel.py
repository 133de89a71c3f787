"""The Al Kamel importer over the three real files (tests/fixtures/alkamel/, byte for byte as published)
and malformed variants of them: rows, statuses, classes, car numbers, drivers, fastest laps, makes,
the events produced (their digests pinned), and the exact problem messages (line and column)."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.events import parse_event
from schemas.loading import load_rules
from schemas.rules import Rules
from services.engine import standings
from services.importers import alkamel, batch
from services.importers.cells import Gap
from services.importers.classification import DraftError
from services.importers.mapping import Mapping, load_mapping
from tests.builders import facts_of, registered

FIXTURES = Path(__file__).parents[1] / "fixtures" / "alkamel"
ELMS = FIXTURES / "elms-2014-silverstone-race-classification.csv"
GR_BY_CLASS = FIXTURES / "grcup-2025-indianapolis-race1-results-by-class-official.csv"
GR_OVERALL = FIXTURES / "grcup-2025-indianapolis-race1-results-official.csv"
WHEN = "2025-06-14T20:00:00Z"


def elms_race(mapping: Mapping | None = None) -> batch.Race:
    rules = load_rules(FIXTURES / "elms-2014-rules.yaml")
    return batch.race_of(rules, "elms-2014", "silverstone", None, mapping or load_mapping(FIXTURES / "elms-2014-mapping.yaml"))


def gr_race() -> batch.Race:
    return batch.race_of(load_rules(FIXTURES / "grcup-2025-rules.yaml"), "gr-2025", "indy-1", None, Mapping())


def drafts(data: bytes, race: batch.Race, session: str = "race", provisional: bool = False):
    return batch.drafts(batch.Source("file.csv", data, session, provisional, WHEN), race)


def problems(data: bytes, race: batch.Race | None = None) -> list[str]:
    with pytest.raises(DraftError) as caught:
        drafts(data, race or elms_race())
    return caught.value.problems


# --- the real files, read -------------------------------------------------------


def test_the_fixtures_are_the_real_files_byte_for_byte():
    for path in (ELMS, GR_BY_CLASS, GR_OVERALL):
        data = path.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    assert b"\r\n" not in ELMS.read_bytes() and GR_OVERALL.read_bytes().count(b"\r\n") == 30


def test_elms_rows_statuses_classes_drivers_and_times():
    sheet = alkamel.read(ELMS.read_bytes())
    assert len(sheet.rows) == 38 and not sheet.problems
    assert [r.position for r in sheet.rows] == list(range(1, 39))
    statuses = [r.status for r in sheet.rows]
    assert statuses.count("classified") == 35 and statuses[35:] == ["not_classified", "not_classified", "dns"]
    classes = [r.class_name for r in sheet.rows]
    assert {c: classes.count(c) for c in set(classes)} == {"LMP2": 11, "LMGTE": 13, "GTC": 14}
    assert all(r.class_position is None for r in sheet.rows)  # no PIC column
    first, sixth, twentieth, last = sheet.rows[0], sheet.rows[5], sheet.rows[19], sheet.rows[37]
    assert first.line == 2 and first.car_number == "46" and first.team == "Thiriet By TDS Racing"
    assert [d.name for d in first.drivers] == ["Pierre THIRIET", "Ludovic BADEY", "Tristan GOMMENDY"]
    assert [d.name for d in sixth.drivers][1] == "Anthony WELLS"  # trailing space in the file
    assert [d.name for d in twentieth.drivers] == ["François PERRODO", "Sébastien CRUBILÉ", "Emmanuel COLLARD"]
    assert first.total_ms == 4 * 3_600_000 + 29_711 and first.best_lap_ms == 111_631 and first.best_lap_kph == 190.0
    assert first.gap_first is None and first.gap_previous is None  # the leader
    assert sixth.gap_first == Gap(ms=60_569) and sixth.gap_previous == Gap(ms=5_501)  # 1'00.569
    assert sheet.rows[8].gap_first == Gap(laps=6) and sheet.rows[8].gap_previous == Gap(ms=92_348)  # 6 Laps / 1'32.348
    assert sheet.rows[10].gap_previous == Gap(laps=1)  # "1 Laps"
    assert last.car_number == "71" and last.laps == 0 and last.total_ms is None and last.best_lap_ms is None
    assert last.gap_first == Gap(laps=118)


def test_grcup_by_class_rows_pic_and_leading_zeros():
    sheet = alkamel.read(GR_BY_CLASS.read_bytes())
    assert len(sheet.rows) == 29 and not sheet.problems
    assert {r.class_name for r in sheet.rows} == {"Am"}
    assert all(r.status == "classified" for r in sheet.rows)  # no STATUS column
    assert [r.class_position for r in sheet.rows] == list(range(1, 30))
    numbers = [r.car_number for r in sheet.rows]
    assert "03" in numbers and "021" in numbers and "3" in numbers and "21" in numbers
    by_number = {r.car_number: r for r in sheet.rows}
    assert by_number["8"].gap_first == Gap(ms=108_578)  # +1'48.578
    assert by_number["2"].gap_first == Gap(ms=170) and by_number["55"].total_ms == 46 * 60_000 + 41_553
    last = sheet.rows[-1]
    assert (last.car_number, last.laps, last.best_lap_number, last.best_lap_ms) == ("86", 1, 0, None)
    assert [d.name for d in by_number["03"].drivers] == ["Karl Forman"]


def test_grcup_overall_rows_first_and_second_names_and_other_gap_notation():
    sheet = alkamel.read(GR_OVERALL.read_bytes())
    assert len(sheet.rows) == 29 and not sheet.problems
    by_number = {r.car_number: r for r in sheet.rows}
    assert [d.name for d in by_number["55"].drivers] == ["Spike Kohlbecker"]
    assert by_number["55"].gap_first is None  # "-"
    assert by_number["8"].gap_first == Gap(ms=108_578)  # +1:48.578
    assert by_number["57"].gap_first == Gap(laps=1)  # "1 Lap"
    assert by_number["021"].position == 16 and by_number["021"].class_position is None


# --- the events -------------------------------------------------------------------


def test_elms_events_race_classified_and_a_fastest_lap_per_class():
    made = drafts(ELMS.read_bytes(), elms_race())
    assert [d.type for d in made] == ["race.classified"] + ["fastest_lap.set"] * 3
    race = made[0].payload
    assert (race["round"], race["race_id"], race["provisional"], len(race["entries"])) == (1, "silverstone", False, 38)
    cars = {e["car_number"]: e for e in race["entries"]}
    assert cars["46"]["team_id"] == "tds-racing"  # mapping: teams
    assert cars["46"]["driver_id"] == "pierre-thiriet" and [c["driver_id"] for c in cars["46"]["co_drivers"]] == [
        "ludovic-badey", "tristan-gommendy"]
    assert cars["82"]["co_drivers"][0] == {"driver_id": "sebastien-crubile", "name": "Sébastien CRUBILÉ"}
    assert cars["56"]["driver_id"] == "alexander-talkanitsa-jr"  # mapping: drivers
    assert cars["55"]["class_id"] == "gte" and cars["55"]["class_position"] == 1  # mapping: LMGTE -> gte
    assert cars["96"]["guest"] is True and cars["96"]["class_position"] == 1  # first GTC, overall 17th
    assert cars["24"]["class_position"] == 7 and cars["50"]["class_position"] == 9  # LMP2 between GTE cars
    assert (cars["38"]["status"], cars["29"]["status"], cars["71"]["status"]) == ("not_classified", "not_classified", "dns")
    fastest = {d.payload["class_id"]: (d.payload["car_number"], d.payload["driver_id"]) for d in made[1:]}
    assert fastest == {"lmp2": ("48", "rodolfo-gonzalez"), "gte": ("55", "duncan-cameron"), "gtc": ("63", "mads-rasmussen")}


def test_cars_on_the_same_best_lap_share_the_fastest_lap():
    """#46 sets #48's 1'50.757 to the millisecond: the better placed (#46, 1st) is named, #48 shares it."""
    data = ELMS.read_bytes().replace(b";5;1'51.631;190.0;", b";5;1'50.757;191.5;", 1)
    [fastest] = [d.payload for d in drafts(data, elms_race())[1:] if d.payload["class_id"] == "lmp2"]
    assert (fastest["car_number"], fastest["driver_id"]) == ("46", "pierre-thiriet")
    assert fastest["shared_with"] == [{"car_number": "48", "driver_id": "rodolfo-gonzalez"}]


def test_both_grcup_layouts_state_the_same_events():
    by_class, overall = drafts(GR_BY_CLASS.read_bytes(), gr_race()), drafts(GR_OVERALL.read_bytes(), gr_race())
    assert [d.digest for d in by_class] == [d.digest for d in overall]
    race, fastest = overall
    assert [e["car_number"] for e in race.payload["entries"]][14:16] == ["03", "021"]
    assert race.payload["entries"][0] == {
        "car_number": "55", "driver_id": "spike-kohlbecker", "driver_name": "Spike Kohlbecker", "co_drivers": [],
        "team_id": "rva-graphics-motorsports-by-speed-syndicate", "team_name": "RVA Graphics Motorsports by Speed Syndicate",
        "class_id": "am", "position": 1, "class_position": 1, "status": "classified", "laps": 26, "laps_led": 0,
        "guest": False, "dead_heat": False}
    assert fastest.payload == {"race_id": "indy-1", "round": 2, "class_id": "am", "car_number": "55",
                               "driver_id": "spike-kohlbecker"}


def test_a_qualifying_file_gives_a_pole_per_class():
    made = drafts(ELMS.read_bytes(), elms_race(), session="qualifying")
    assert {d.type for d in made} == {"pole.awarded"}
    assert {d.payload["class_id"]: d.payload["car_number"] for d in made} == {"lmp2": "46", "gte": "55", "gtc": "96"}
    assert [d.fact for d in made] == ["pole:silverstone:lmp2", "pole:silverstone:gte", "pole:silverstone:gtc"]


def test_the_drafts_are_valid_events():
    for draft in drafts(ELMS.read_bytes(), elms_race(), provisional=True):
        event = parse_event({"event_id": "x", "type": draft.type, "championship_id": "elms-2014", "occurred_at": WHEN,
                             "payload": {**draft.payload, "revision": 1}})
        assert event.payload.model_dump(mode="json", exclude={"revision"}) == draft.payload
    assert drafts(ELMS.read_bytes(), elms_race(), provisional=True)[0].label == "silverstone:race-provisional"


# --- makes: VEHICLE is the model ("Porsche 911 GT3 RSR"); the mapping's makes say where the make ends ----

GT_MAKES = ["Ferrari", "Porsche", "Aston Martin", "BMW", "McLaren", "Audi"]


def elms_with_makes(makes: list[str]) -> batch.Race:
    mapping = load_mapping(FIXTURES / "elms-2014-mapping.yaml")
    return elms_race(Mapping.model_validate({**mapping.model_dump(), "makes": makes}))


def test_without_makes_the_real_files_give_the_same_events_byte_for_byte():
    """The digests (sha256 of type and payload) of the three files' events, pinned before cars had makes."""
    def digests(path: Path, race: batch.Race, session: str) -> list[str]:
        return [d.digest for d in drafts(path.read_bytes(), race, session)]

    assert digests(ELMS, elms_race(), "race") == ["bca9d5bc0a271bdb", "9ca6970338f37586", "fb1ebac99a6293b7", "b1839e4bbb013007"]
    assert digests(ELMS, elms_race(), "qualifying") == ["72bf3c4ee30ee496", "337bb23da471e7d4", "a69268846854b103"]
    for path in (GR_BY_CLASS, GR_OVERALL):
        assert digests(path, gr_race(), "race") == ["831af5dd5394cbe9", "dfbf478e758b78a4"]
        assert digests(path, gr_race(), "qualifying") == ["68d74314fc592398"]
    race = drafts(ELMS.read_bytes(), elms_with_makes(["Lotus"]))[0]  # a make no VEHICLE begins with: nothing changes
    assert race.digest == "bca9d5bc0a271bdb"


def test_makes_read_from_the_real_elms_vehicles():
    entries = drafts(ELMS.read_bytes(), elms_with_makes(GT_MAKES))[0].payload["entries"]
    makes = {e["car_number"]: (e.get("manufacturer_id"), e.get("manufacturer_name")) for e in entries}
    assert makes["55"] == makes["96"] == ("ferrari", "Ferrari")  # Ferrari F458 Italia (GTE), ... Italia GT3 (GTC)
    assert makes["76"] == makes["82"] == makes["93"] == makes["75"] == ("porsche", "Porsche")  # 911 GT3 RSR, ..., GT3 R
    assert makes["85"] == ("aston-martin", "Aston Martin")  # Aston Martin Vantage V8
    assert (makes["78"], makes["99"], makes["51"]) == (("bmw", "BMW"), ("mclaren", "McLaren"), ("audi", "Audi"))
    lmp2 = [e for e in entries if e["class_id"] == "lmp2"]  # Morgan - Nissan, Oreca 03 - Judd: no listed make
    assert len(lmp2) == 11 and not any("manufacturer_id" in e or "manufacturer_name" in e for e in lmp2)
    counted = [m for m, _ in makes.values() if m]
    assert {m: counted.count(m) for m in set(counted)} == {
        "ferrari": 16, "porsche": 6, "aston-martin": 1, "bmw": 1, "mclaren": 2, "audi": 1}
    oreca = [e for e in drafts(ELMS.read_bytes(), elms_with_makes(["Oreca"]))[0].payload["entries"] if "manufacturer_id" in e]
    assert [e["car_number"] for e in oreca] == ["34", "24", "48"]  # "Oreca 03 - Judd" / "- Nissan": the chassis


def test_a_manufacturers_table_from_the_real_elms_file():
    data = load_rules(FIXTURES / "elms-2014-rules.yaml").model_dump(mode="json")
    rules = Rules.model_validate({**data, "tables": [*data["tables"], {"id": "makes", "name": "Makes", "kind": "manufacturers",
                                                                      "cars_per_race": 1}]})
    race = drafts(ELMS.read_bytes(), elms_with_makes(GT_MAKES))[0]
    event = parse_event({"event_id": "x", "type": race.type, "championship_id": "test-cup", "occurred_at": WHEN,
                         "payload": {**race.payload, "revision": 1}})
    gte = standings(facts_of(registered(rules), event))["makes/gte"]
    # best car per make, GTE places: Ferrari #55 1st, Porsche #76 3rd, Aston Martin #85 12th (no points)
    assert [(r["id"], r["name"], r["points"]) for r in gte["rows"]] == [
        ("ferrari", "Ferrari", 25), ("porsche", "Porsche", 15), ("aston-martin", "Aston Martin", 0)]


def test_the_grcup_makes_are_the_same_in_both_layouts():
    race = batch.race_of(load_rules(FIXTURES / "grcup-2025-rules.yaml"), "gr-2025", "indy-1", None, Mapping(makes=["Toyota"]))
    by_class, overall = drafts(GR_BY_CLASS.read_bytes(), race), drafts(GR_OVERALL.read_bytes(), race)
    assert [d.digest for d in by_class] == [d.digest for d in overall]
    entries = overall[0].payload["entries"]
    assert len(entries) == 29 and all((e["manufacturer_id"], e["manufacturer_name"]) == ("toyota", "Toyota") for e in entries)


# --- malformed variants: every problem, with its line and column -----------------


def test_a_missing_column_is_named():
    data = ELMS.read_bytes().replace(b"POSITION;NUMBER;", b"POSITION;NUM;")
    assert problems(data) == ["file.csv: line 1: no column NUMBER in the header (is it a classification file?)"]


def test_a_bad_number_a_bad_time_an_unknown_status_and_an_unknown_class_are_all_reported():
    data = (ELMS.read_bytes().replace(b"Classified;118;4:00'44.099", b"Classified;11x;4:00'44.099")
            .replace(b"Classified;118;4:01'24.779", b"Running late;118;4:01'24.779")
            .replace(b"1'51.920", b"1'5x.920")
            .replace(b";LMGTE;;;Classified;112;4:02'14.857", b";GT9;;;Classified;112;4:02'14.857"))
    assert problems(data) == [
        "file.csv: line 3: FL_TIME: \"1'5x.920\" is not a time (ss.fff, m'ss.fff, m:ss.fff or h:mm:ss.fff)",
        "file.csv: line 5: LAPS: '11x' is not a whole number",
        "file.csv: line 6: STATUS: unknown status 'Running late' "
        "(known: Classified, Not classified, Not started, Retired, DNF, Disqualified, DSQ, Excluded)",
        "file.csv: line 10: CLASS: unknown class 'GT9' (known: lmp2, gte, gtc); map it under classes: in the mapping file",
    ]


def test_a_class_unknown_without_the_mapping():
    data = ELMS.read_bytes()
    found = problems(data, elms_race(Mapping()))
    assert len(found) == 13 and found[0] == (
        "file.csv: line 10: CLASS: unknown class 'LMGTE' (known: lmp2, gte, gtc); map it under classes: in the mapping file")


def test_a_bad_position_and_a_car_without_drivers():
    data = (GR_OVERALL.read_bytes().replace(b"\r\n3;13;Classified", b"\r\n0;13;Classified")
            .replace(b";Lucas;Weisenberg;", b";;;"))
    assert problems(data, gr_race()) == [
        "file.csv: line 4: POSITION: '0' is not a position",
        "file.csv: line 5: DRIVER: no driver for car #46; name one in the file or under cars: in the mapping file",
    ]


def test_contract_problems_name_the_line_of_the_car():
    twice = ELMS.read_bytes().replace(b"\n2;34;", b"\n2;46;")
    assert problems(twice) == ["file.csv: line 3: entries.1.car_number: #46 appears twice"]
    header = b"POSITION;NUMBER;TEAM;" + b"".join(b"DRIVER_%d;" % n for n in range(1, 11)) + b"CLASS;\n"
    crowded = header + b"1;46;TDS;" + b"".join(b"Driver %c;" % c for c in b"ABCDEFGHIJ") + b"LMP2;\n"
    assert problems(crowded) == [
        "file.csv: line 2: entries.0.co_drivers: List should have at most 8 items after validation, not 9"]


def test_cars_sharing_a_position_are_a_dead_heat():
    shared = ELMS.read_bytes().replace(b"\n2;34;", b"\n1;34;")
    entries = drafts(shared, elms_race())[0].payload["entries"]
    assert [(e["position"], e["class_position"], e["dead_heat"]) for e in entries[:3]] == [
        (1, 1, True), (1, 1, True), (3, 3, False)]


def test_not_a_classification():
    with pytest.raises(DraftError) as caught:
        drafts(b"\xef\xbb\xbfNUMBER;LAP_NUMBER;LAP_TIME;\r\n7;1;1:40.1;\r\n", gr_race())
    assert caught.value.problems == [
        "file.csv: line 1: no column POSITION or POS in the header (is it a classification file?)"]
    with pytest.raises(DraftError) as caught:
        drafts(b"", gr_race())
    assert caught.value.problems == ["file.csv: the file is empty"]
