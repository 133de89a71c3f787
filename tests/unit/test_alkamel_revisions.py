"""The importer's revision scheme and event ids, what a file name says, and the watched folder (pure)."""

from __future__ import annotations

import os
from pathlib import Path

from schemas.events import fact_key, parse_event, supersedes
from schemas.loading import load_rules
from services.importers import batch
from services.importers.mapping import Mapping
from services.importers.revisions import Published, digest_of, settle
from services.importers.watch import Folder

FIXTURES = Path(__file__).parents[1] / "fixtures" / "alkamel"
OVERALL = FIXTURES / "grcup-2025-indianapolis-race1-results-official.csv"
RACE = batch.race_of(load_rules(FIXTURES / "grcup-2025-rules.yaml"), "gr-2025", "indy-1", None, Mapping())


def race_draft(provisional: bool, data: bytes | None = None):
    source = batch.Source("f.csv", data or OVERALL.read_bytes(), "race", provisional, "2025-06-14T20:00:00Z")
    return batch.drafts(source, RACE)[0]


def test_a_first_import_is_revision_1_with_an_id_from_the_content():
    draft, known = race_draft(True), Published()
    settled = settle(draft, known, "gr-2025", "2025-06-14T20:00:00Z")
    assert settled.new and settled.event.payload.revision == 1 and settled.event.payload.provisional
    assert settled.event.event_id == f"gr-2025:indy-1:race-provisional:r1:{draft.digest}"
    assert digest_of(settled.event.event_id) == draft.digest and fact_key(settled.event) == draft.fact == "race:indy-1"


def test_the_same_content_again_is_the_same_event_even_at_another_time():
    known = Published()
    first = settle(race_draft(True), known, "gr-2025", "2025-06-14T20:00:00Z")
    again = settle(race_draft(True), known, "gr-2025", "2025-06-15T09:00:00Z")
    assert not again.new and again.raw == first.raw


def test_official_after_provisional_is_a_new_revision_that_supersedes_it():
    known = Published()
    provisional = settle(race_draft(True), known, "gr-2025", "2025-06-14T20:00:00Z").event
    official = settle(race_draft(False), known, "gr-2025", "2025-06-14T21:00:00Z").event
    assert official.payload.revision == 2 and not official.payload.provisional and supersedes(official, provisional)
    # the provisional file again, later: the very provisional event (a duplicate), not a revision 3
    again = settle(race_draft(True), known, "gr-2025", "2025-06-16T08:00:00Z")
    assert not again.new and again.event == provisional


def test_the_stored_fact_decides_the_next_revision():
    stored = settle(race_draft(True), Published(), "gr-2025", "2025-06-14T20:00:00Z").event
    later = Published(stored={"race:indy-1": stored})  # another run: only what the projection stored
    assert settle(race_draft(True), later, "gr-2025", "2025-06-14T20:00:00Z").event == stored
    official = settle(race_draft(False), later, "gr-2025", "2025-06-14T21:00:00Z")
    assert official.new and official.event.payload.revision == 2


def test_the_same_content_from_another_producer_is_republished_as_stored():
    mine = settle(race_draft(False), Published(), "gr-2025", "2025-06-14T20:00:00Z").event
    theirs = parse_event({**mine.model_dump(mode="json"), "event_id": "their-id", "payload": {
        **mine.payload.model_dump(mode="json"), "revision": 4}})
    settled = settle(race_draft(False), Published(stored={"race:indy-1": theirs}), "gr-2025", "2025-06-14T20:00:00Z")
    assert not settled.new and settled.event == theirs


def test_at_an_equal_revision_the_official_result_wins():
    provisional = settle(race_draft(True), Published(), "gr-2025", "2025-06-14T20:00:00Z").event
    official = settle(race_draft(False), Published(), "gr-2025", "2025-06-14T20:00:00Z").event
    assert provisional.payload.revision == official.payload.revision == 1
    assert supersedes(official, provisional) and not supersedes(provisional, official)


def test_a_long_id_is_bounded():
    rules = load_rules(FIXTURES / "grcup-2025-rules.yaml").model_copy(update={"calendar": []})
    long_race = batch.race_of(rules, "c" * 63, "r" * 64, 1, Mapping())
    draft = batch.drafts(batch.Source("f.csv", OVERALL.read_bytes(), "race", False, "2025-06-14T20:00:00Z"), long_race)[0]
    event = settle(draft, Published(), "c" * 63, "2025-06-14T20:00:00Z").event
    assert event.event_id == f"{'c' * 63}:race.classified:r1:{draft.digest}" and len(event.event_id) <= 128


def test_what_a_file_name_says():
    assert batch.session_of("03_Results_Race_Provisional.CSV") == "race"
    assert batch.session_of("05_Results by Class_Qualifying_Official.CSV") == "qualifying"
    assert batch.session_of("elms-2014-silverstone-race-classification.csv") == "race"
    assert batch.session_of("03_Classification_Hyperpole.CSV") == "qualifying"
    for other in ("03_Results_Free Practice 1.CSV", "23_Analysis_Race.CSV", "12_Starting Grid.CSV", "25_FlagsAnalysis_Race.csv",
                  "20_Pit Stops Time Cards_Race.csv", "Best Sectors_Race.csv", "Warm Up.csv", "03_Results_FP2.CSV"):
        assert batch.session_of(other) is None, other
    assert batch.provisional_of("03_Results_Race_Provisional.CSV") and batch.provisional_of("Results_Unofficial.csv")
    assert not batch.provisional_of("03_Results_Race_Official.CSV") and not batch.provisional_of("classification.csv")


def test_a_watched_file_is_handed_out_once_it_stops_growing_and_again_only_when_it_changes(tmp_path: Path):
    folder = Folder(tmp_path)
    path = tmp_path / "03_Results_Race_Provisional.CSV"
    path.write_bytes(b"POSITION;NUMBER;\n")
    assert folder.ready() == []  # new: seen for the first time
    with path.open("ab") as f:
        f.write(b"1;55;\n")
    assert folder.ready() == []  # still growing
    ready = folder.ready()
    assert [r.path for r in ready] == [path] and ready[0].data == b"POSITION;NUMBER;\n1;55;\n"
    folder.done(ready[0])
    assert folder.ready() == []  # handed out once
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5_000_000_000))
    assert folder.ready() == [] and folder.ready() == []  # touched, same content: not again
    path.write_bytes(b"POSITION;NUMBER;\n1;2;\n")
    assert folder.ready() == []
    assert [r.data for r in folder.ready()] == [b"POSITION;NUMBER;\n1;2;\n"]  # changed: again


def test_a_watched_folder_hands_out_the_oldest_first_and_skips_other_files(tmp_path: Path):
    official, provisional = tmp_path / "b_Official.csv", tmp_path / "a_Provisional.csv"
    for i, path in enumerate((official, provisional, tmp_path / "notes.txt", tmp_path / ".partial.csv")):
        path.write_bytes(b"x;\n")
        os.utime(path, ns=(0, (10 - i) * 1_000_000_000))  # the official one last modified
    folder = Folder(tmp_path)
    folder.ready()
    assert [r.path for r in folder.ready()] == [provisional, official]
