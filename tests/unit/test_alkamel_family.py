"""The Al Kamel format family beyond the three sample files: the column sets of IMSA, SRO, WEC and
Formula E files (headers as those series publish them), each cell notation, the mapping file and makes."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.rules import Rules
from services.importers import alkamel, batch, cells
from services.importers.cells import CellError, Gap
from services.importers.classification import DraftError
from services.importers.mapping import Mapping, MappingFileError, load_mapping

WHEN = "2025-01-26T18:40:00Z"
IMSA_HEADER = ("POSITION;NUMBER;STATUS;LAPS;TOTAL_TIME;GAP_FIRST;GAP_PREVIOUS;FL_LAPNUM;FL_TIME;FL_KPH;TEAM;CLASS;GROUP;"
               "DIVISION;VEHICLE;TIRES;IMSA_CarId;IMSA_TeamId;*Extra 9;"
               "DRIVER1_FIRSTNAME;DRIVER1_SECONDNAME;DRIVER1_LICENSE;DRIVER1_COUNTRY;DRIVER1_SHORTNAME;"
               "DRIVER2_FIRSTNAME;DRIVER2_SECONDNAME;DRIVER2_LICENSE;DRIVER2_COUNTRY;DRIVER2_SHORTNAME;")


def rules(*classes: tuple[str, str]) -> Rules:
    return Rules.model_validate({
        "name": "Test", "season": 2025, "classes": [{"id": i, "name": n} for i, n in classes],
        "calendar": [{"round": 1, "track": "daytona", "races": [{"race_id": "r1"}]}],
        "points": [{"points": [10, 8, 6]}]})


def drafts(text: str, the_rules: Rules, mapping: Mapping | None = None, session: str = "race", encoding: str = "utf-8"):
    race = batch.race_of(the_rules, "test", "r1", None, mapping or Mapping())
    return batch.drafts(batch.Source("f.csv", text.encode(encoding), session, False, WHEN), race)


def problems(text: str, the_rules: Rules, mapping: Mapping | None = None) -> list[str]:
    with pytest.raises(DraftError) as caught:
        drafts(text, the_rules, mapping)
    return caught.value.problems


def test_imsa_results_numbered_first_and_second_name_blocks():
    text = "\ufeff" + IMSA_HEADER + "\r\n" + "\r\n".join([
        "1;7;Classified;783;24:01:12.345;-;-;400;1:35.100;210.5;Porsche Penske Motorsport;GTP;;;Porsche 963;M;;;;"
        "Felipe;NASR;Platinum;BRA;NAS;Nick;TANDY;Platinum;GBR;TAN;",
        "2;64;Classified;780;24:02:00.001;3 Laps;3 Laps;500;1:46.000;190.0;Ford Multimatic Motorsports;GTD PRO;;;Ford;M;;;;"
        "Mike;ROCKENFELLER;Platinum;DEU;ROC;;;;;;",
        "3;57;Retired;100;3:00:00.000;683 Laps;680 Laps;50;1:47.000;188.0;Winward Racing;GTD;;;Mercedes;M;;;;"
        "Russell;WARD;Silver;USA;WAR;Indy;DONTJE;Gold;NLD;DON;",
    ]) + "\r\n"
    race, *fastest = drafts(text, rules(("gtp", "GTP"), ("gtd-pro", "GTD Pro"), ("gtd", "GTD")))
    entries = race.payload["entries"]
    assert [(e["car_number"], e["class_id"], e["status"], e["laps"]) for e in entries] == [
        ("7", "gtp", "classified", 783), ("64", "gtd-pro", "classified", 780), ("57", "gtd", "dnf", 100)]
    assert entries[0]["driver_name"] == "Felipe NASR"
    assert entries[0]["co_drivers"] == [{"driver_id": "nick-tandy", "name": "Nick TANDY"}]
    assert entries[1]["co_drivers"] == []  # the second block is empty
    assert [(d.payload["class_id"], d.payload["car_number"]) for d in fastest] == [("gtp", "7"), ("gtd-pro", "64"), ("gtd", "57")]


def test_sro_results_by_class_joined_drivers():
    text = ("CLASS_TYPE;POS;PIC;NUMBER;TEAM;VEHICLE;DRIVERS;LAPS;ELAPSED;GAP_FIRST;GAP_PREVIOUS;BEST_LAP_NUM;BEST_LAP_TIME;"
            "BEST_LAP_KPH;\n"
            "Silver;1;1;68;RAFA Racing Team;Toyota GR Supra GT4 EVO2;Gresham Wagner / Tyler Gonzalez;72;3:01:32.386;;;17;"
            "2:15.187;145.7;\n"
            "Pro-Am;2;1;007;ProSport Competition;Aston Martin;Dwayne Moses;72;3:01:40.000;+7.614;+7.614;9;2:15.000;146.0;\n")
    race, *_ = drafts(text, rules(("silver", "Silver"), ("proam", "Pro-Am")))
    first, second = race.payload["entries"]
    assert first["driver_id"] == "gresham-wagner"
    assert first["co_drivers"] == [{"driver_id": "tyler-gonzalez", "name": "Tyler Gonzalez"}]
    assert (second["car_number"], second["class_id"], second["class_position"]) == ("007", "proam", 1)


def test_wec_classification_fl_driver_statuses_decimal_and_missing_positions_old_encoding():
    text = ("POSITION;NUMBER;TEAM;DRIVER_1;DRIVER_2;DRIVER_3;VEHICLE;TYRES;CLASS;GROUP;SUBCLASS;STATUS; LAPS;TOTAL_TIME;"
            "GAP_FIRST;GAP_PREVIOUS;FL_LAPNUM;FL_TIME;FL_KPH;FL_DRIVER;PIC;\n"
            "1.0;50;Ferrari AF Corse;Antonio FUOCO;Miguel MOLINA;Nicklas NIELSEN;Ferrari 499P;M;HYPERCAR;H;;Classified;311;"
            "24:00:38.112;;;55;3'27.949;235.9;Miguel MOLINA;1;\n"
            "2.0;6;Porsche Penske Motorsport;Kévin ESTRE;André LOTTERER;Laurens VANTHOOR;Porsche 963;M;HYPERCAR;H;;Classified;"
            "311;24:00:52.000;14.000;14.000;40;3'27.500;236.0;3;2;\n"
            "NC;92;Manthey PureRxcing;Aliaksandr MALYKHIN;Joel STURM;Klaus BACHLER;Porsche 911 GT3 R;G;LMGT3;;;Not classified;"
            "100;10:00:00.000;211 Laps;211 Laps;20;3'59.000;205.0;;1;\n"
            ";2;Cadillac Racing;Earl BAMBER;Alex LYNN;Sébastien BOURDAIS;Cadillac V-Series.R;M;HYPERCAR;H;;Disqualified;311;"
            "24:01:00.000;22.000;8.000;30;3'26.900;237.0;;3;\n")
    race, hyper, gt3 = drafts(text, rules(("hypercar", "Hypercar"), ("lmgt3", "LMGT3")), encoding="cp1252")
    entries = race.payload["entries"]
    assert [(e["car_number"], e["position"], e["class_position"], e["status"]) for e in entries] == [
        ("50", 1, 1, "classified"), ("6", 2, 2, "classified"), ("92", 3, 1, "not_classified"), ("2", 4, 3, "dsq")]
    assert entries[1]["driver_name"] == "Kévin ESTRE" and entries[3]["co_drivers"][1]["name"] == "Sébastien BOURDAIS"
    # the disqualified #2 had the best time: left out; #6's FL_DRIVER is an index (3: its third driver)
    assert (hyper.payload["car_number"], hyper.payload["driver_id"]) == ("6", "laurens-vanthoor")
    assert (gt3.payload["car_number"], gt3.payload["driver_id"]) == ("92", "aliaksandr-malykhin")


def test_an_fl_driver_that_is_none_of_the_cars_drivers_is_a_problem():
    text = ("POSITION;NUMBER;TEAM;DRIVER_1;DRIVER_2;CLASS;FL_TIME;FL_DRIVER;\n"
            "1;50;Ferrari AF Corse;Antonio FUOCO;Miguel MOLINA;HYPERCAR;3'27.949;Robert KUBICA;\n")
    assert problems(text, rules(("hypercar", "Hypercar"))) == [
        "f.csv: line 2: FL_DRIVER: 'Robert KUBICA' is none of car #50's drivers (Antonio FUOCO, Miguel MOLINA)"]


def test_formula_e_no_class_column_one_class_or_the_mappings_default():
    text = ("\ufeffPOSITION;NUMBER;STATUS;LAPS;TOTAL_TIME;FL_LAPNUM;FL_TIME;FL_KPH;TEAM;VEHICLE;DRIVER_FIRSTNAME;"
            "DRIVER_SECONDNAME;DRIVER_COUNTRY;DRIVER_SHORTNAME;\r\n"
            "1;13;Classified;35;1:45:15.142;18;1:13.261;144.1;TAG Heuer Porsche Formula E Team;Porsche 99X Electric;"
            "António Félix;DA COSTA;PRT;DAC;\r\n"
            "2;1;DNF;20;;5;1:13.100;145.0;Jaguar TCS Racing;Jaguar I-Type 7;Mitch;EVANS;NZL;EVA;\r\n")
    race, fastest = drafts(text, rules(("fe", "Formula E")))
    assert [(e["driver_id"], e["class_id"], e["status"]) for e in race.payload["entries"]] == [
        ("antonio-felix-da-costa", "fe", "classified"), ("mitch-evans", "fe", "dnf")]
    assert fastest.payload["car_number"] == "1"
    two = rules(("drivers", "Drivers"), ("rookies", "Rookies"))
    assert problems(text, two)[0] == (
        "f.csv: line 2: CLASS: empty; give default_class in the mapping file (known: drivers, rookies)")
    assert drafts(text, two, Mapping(default_class="drivers"))[0].payload["entries"][1]["class_id"] == "drivers"


def test_an_anonymised_file_takes_the_cars_from_the_mapping():
    text = "POS;NUMBER;CLASS;TEAM;DRIVER;\n1;03;Am;;Driver 03;\n2;3;Am;Team B;;\n"
    mapping = Mapping.model_validate({
        "cars": {"03": {"drivers": [{"id": "karl-forman", "name": "Karl Forman"}, {"id": "second"}], "team_id": "precision",
                        "team_name": "Precision Racing LA"},
                 "3": {"drivers": [{"id": "jason-kos", "name": "Jason Kos"}]}},
        "guests": ["3"]})
    race = drafts(text, rules(("am", "Am")), mapping)[0]
    first, second = race.payload["entries"]
    assert (first["car_number"], first["driver_id"], first["driver_name"], first["team_id"]) == (
        "03", "karl-forman", "Karl Forman", "precision")
    assert first["co_drivers"] == [{"driver_id": "second", "name": "second"}]
    assert (second["driver_id"], second["team_id"], second["guest"]) == ("jason-kos", "team-b", True)


@pytest.mark.parametrize(("text", "ms"), [
    ("51.631", 51_631), ("1'51.631", 111_631), ("1:51.631", 111_631), ("46:41.553", 2_801_553),
    ("4:00'29.711", 14_429_711), ("2:02:06.175", 7_326_175), ("+1'48.578", 108_578), ("+0.170", 170), ("1:00.5", 60_500),
])
def test_times(text, ms):
    assert cells.time_ms(text) == ms


@pytest.mark.parametrize("text", ["", "-", "DNF", "Not started"])
def test_no_time(text):
    assert cells.time_ms(text) is None


@pytest.mark.parametrize("text", ["1'5x.631", "1:75.000", "1:2:3:4.5", "abc", "1'"])
def test_not_times(text):
    with pytest.raises(CellError, match="is not a time"):
        cells.time_ms(text)


@pytest.mark.parametrize(("text", "value"), [
    ("", None), ("-", None), ("3.828", Gap(ms=3_828)), ("+1:48.578", Gap(ms=108_578)), ("1 Lap", Gap(laps=1)),
    ("1 Laps", Gap(laps=1)), ("+2 Laps", Gap(laps=2)), ("118 Laps", Gap(laps=118)), ("DNF", None), ("—", None),
])
def test_gaps(text, value):
    assert cells.gap(text) == value


@pytest.mark.parametrize(("text", "value"), [("1", 1), ("1.0", 1), ("12.00", 12), ("", None)])
def test_positions(text, value):
    assert cells.position(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("Classified", "classified"), ("Not classified", "not_classified"), ("Not Classified", "not_classified"),
    ("Not started", "dns"), ("Retired", "dnf"), ("DNF", "dnf"), ("Disqualified", "dsq"), ("DSQ", "dsq"),
    ("Excluded", "excluded")])
def test_statuses(text, value):
    assert cells.status(text) == value


def test_ids_from_names():
    assert cells.slug("Sébastien CRUBILÉ") == "sebastien-crubile"
    assert cells.slug("Jan MAGNUSSEN ") == "jan-magnussen" and cells.slug("Bjørn Ørsted-Müßig") == "bjorn-orsted-mussig"
    assert cells.slug("Team Ukraine!!") == "team-ukraine" and len(cells.slug("x" * 100)) == 64 and cells.slug("Олег") == ""
    assert len(cells.name("n" * 200)) == 120


def test_a_header_only_file_and_a_blank_number():
    with pytest.raises(alkamel.SheetError, match="line 1: no rows under the header"):
        alkamel.read(b"POSITION;NUMBER;\r\n;;\r\n")
    assert alkamel.read(b"POSITION;NUMBER;TEAM;\n1;;x;\n2;7;y;\n").problems == ("line 2: NUMBER: empty",)


def test_the_mapping_file(tmp_path: Path):
    path = tmp_path / "mapping.yaml"
    path.write_text("classes: {LMGTE: gte}\ncars:\n  03: {team_id: x}\nguests: [96]\n")
    with pytest.raises(MappingFileError) as caught:
        load_mapping(path)
    assert caught.value.problems == ["cars: car numbers must be quoted text ('03', not 03): 3",
                                     "guests: car numbers must be quoted text ('03', not 03): 96"]
    path.write_text("classes: {LMGTE: gte}\ncars:\n  '03': {team_id: x}\nguests: ['96']\n")
    mapping = load_mapping(path)
    assert mapping.class_for("lmgte") == "gte" and mapping.cars["03"].team_id == "x" and mapping.guests == ["96"]


def test_quoted_cells_and_class_names_spelt_otherwise():
    text = '"POSITION";"NUMBER";"CLASS";"TEAM";"DRIVER_1";\n"1";"007";"GTD PRO";"Team ""A""";"Ann B";\n2;8;lmp-2;B;C D;\n'
    race = drafts(text, rules(("gtd_pro", "GTD-Pro class"), ("lmp2", "LMP2")))[0]
    assert [(e["car_number"], e["class_id"], e["team_name"]) for e in race.payload["entries"]] == [
        ("007", "gtd_pro", 'Team "A"'), ("8", "lmp2", "B")]


def test_a_manufacturer_column_gives_the_make_before_the_mappings_makes():
    """No sample file has one (their VEHICLE is the model); a MANUFACTURER column is read as written when present."""
    text = ("POSITION;NUMBER;CLASS;TEAM;DRIVER_1;VEHICLE;MANUFACTURER;\n"
            "1;7;GTP;Porsche Penske Motorsport;Felipe NASR;Porsche 963; Porsche ;\n"
            "2;31;GTP;Whelen Cadillac Racing;Jack AITKEN;Cadillac V-Series.R;;\n"
            "3;10;GTP;Wayne Taylor Racing;Ricky TAYLOR;Acura ARX-06;;\n")
    mapping = Mapping(makes=["Cadillac", "PORSCHE"])
    entries = drafts(text, rules(("gtp", "GTP")), mapping)[0].payload["entries"]
    assert [(e.get("manufacturer_id"), e.get("manufacturer_name")) for e in entries] == [
        ("porsche", "Porsche"),  # the column (stripped), not the mapping's "PORSCHE"
        ("cadillac", "Cadillac"),  # an empty cell: the mapping's make VEHICLE begins with
        (None, None)]  # neither: no make, the fields are left out
    bad = text.replace(" Porsche ;", "Порше;")
    assert problems(bad, rules(("gtp", "GTP")), mapping) == [
        "f.csv: line 2: MANUFACTURER: cannot make an id from 'Порше' (it needs Latin letters or digits)"]


@pytest.mark.parametrize(("vehicle", "make"), [
    ("Aston Martin Vantage AMR", "Aston Martin"), ("ASTON  MARTIN Vantage", "Aston Martin"), ("Aston Vantage", "Aston"),
    ("Mercedes-AMG GT3", "Mercedes-AMG"), ("Mercedes EQ Silver Arrow", "Mercedes"), ("BMW", "BMW"), ("BMWX 1", None),
    ("Oreca 07 - Gibson", None), ("", None)])
def test_the_make_a_vehicle_begins_with_as_a_whole_word_the_longest(vehicle, make):
    assert Mapping(makes=["Aston", "Aston Martin", "Mercedes", "Mercedes-AMG", "BMW"]).make_for(vehicle) == make


def test_makes_in_the_mapping_file_need_an_id(tmp_path: Path):
    path = tmp_path / "mapping.yaml"
    path.write_text("makes: [Porsche, '  Aston   Martin ', Лада]\n")
    with pytest.raises(MappingFileError) as caught:
        load_mapping(path)
    assert caught.value.problems == ["makes: cannot make an id from 'Лада': write it in Latin letters or digits"]
    path.write_text("makes: [Porsche, '  Aston   Martin ']\n")
    assert load_mapping(path).makes == ["Porsche", "Aston Martin"]
