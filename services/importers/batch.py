"""Several timing files for one race -> the events to publish, or every problem (pure).

What a file is, when no option says: its name. Al Kamel names say the session and the stage
(`03_Results_Race_Provisional.CSV`, `05_Results by Class_Qualifying_Official.CSV`): practice, grid,
analysis, lap chart, sectors, speeds, pit stops, flags and weather files are no race or qualifying
classification; otherwise "qualif" or "pole" (Hyperpole) is a qualifying classification (its poles), and "provisional",
"unofficial" or "preliminary" a provisional result, anything else an official one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from schemas.rules import Rules
from services.importers import alkamel, classification
from services.importers.classification import Context, Draft, DraftError, Session
from services.importers.mapping import Mapping
from services.importers.revisions import Published, Settled, settle

_NOT_A_RESULT = re.compile(r"(?<![a-z])(practice|fp\d|warm.?up|test|shakedown|grid|analysis|lap.?chart|sectors?|speeds?|"
                           r"pit|flags?|weather|time.?cards?|chronological|fastest|best)", re.IGNORECASE)
_QUALIFYING = re.compile(r"qualif|pole", re.IGNORECASE)  # Qualifying, Hyperpole, Superpole
_PROVISIONAL = re.compile(r"provisional|unofficial|preliminary", re.IGNORECASE)


def session_of(file_name: str) -> Session | None:
    """The session a file name says; None for a file that is no race or qualifying classification."""
    if _NOT_A_RESULT.search(file_name):
        return None
    return "qualifying" if _QUALIFYING.search(file_name) else "race"


def provisional_of(file_name: str) -> bool:
    return bool(_PROVISIONAL.search(file_name))


def occurred_at(value: datetime) -> str:
    """ISO 8601 in UTC to the second, e.g. 2025-05-05T17:30:00Z."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Source:
    name: str  # shown in messages
    data: bytes
    session: Session
    provisional: bool
    occurred_at: str


@dataclass(frozen=True)
class Race:
    championship_id: str
    race_id: str
    round: int
    session_type: str
    rules: Rules
    mapping: Mapping


def race_of(rules: Rules, championship_id: str, race_id: str, round_: int | None, mapping: Mapping) -> Race:
    """The race in the rules' calendar (its round and session type); ValueError when it is not there."""
    at = rules.schedule.get(race_id)
    if at is None and rules.calendar:
        races = ", ".join(rules.schedule)
        raise ValueError(f"--race: race {race_id!r} is not in the calendar of {championship_id} (races: {races})")
    if at is not None and round_ is not None and round_ != at.round:
        raise ValueError(f"--round: race {race_id!r} is in round {at.round} of the calendar, not {round_}")
    if at is None and round_ is None:
        raise ValueError(f"--round: {championship_id} has no calendar; give the round of race {race_id!r}")
    return Race(championship_id, race_id, at.round if at else round_, at.race.session_type if at else "race", rules, mapping)


def drafts(source: Source, race: Race) -> list[Draft]:
    """The drafts of one file; `DraftError` with each problem prefixed by the file's name."""
    try:
        sheet = alkamel.read(source.data)
        context = Context(race.championship_id, race.race_id, race.round, source.session, race.session_type,
                          source.provisional, source.occurred_at, race.rules)
        return classification.drafts(sheet, race.mapping, context)
    except (alkamel.SheetError, DraftError) as exc:
        raise DraftError([f"{source.name}: {problem}" for problem in exc.problems]) from None


def drafted(sources: list[Source], race: Race) -> list[tuple[Source, list[Draft]]]:
    """The drafts of every file, in order; `DraftError` listing the problems of all of them."""
    out, problems = [], []
    for source in sources:
        try:
            out.append((source, drafts(source, race)))
        except DraftError as exc:
            problems += exc.problems
    if problems:
        raise DraftError(problems)
    return out


def settled(files: list[tuple[Source, list[Draft]]], known: Published,
            championship_id: str) -> list[tuple[Source, list[Settled]]]:
    """Each file's events to publish, the files taken in order (a later file's new content is a later revision)."""
    return [(source, [settle(d, known, championship_id, source.occurred_at) for d in file_drafts])
            for source, file_drafts in files]
