"""Branding for graphics: the rules' optional ``branding`` section, completed with defaults.

Pure functions, no I/O. Every class, team and driver seen in the facts gets a colour, a display
name and a short form, whether the rules brand it or not:

- classes: name and order from ``rules.classes``; colour from a fixed palette by position;
- teams (ids and names from the race results): colour generated from the team id (stable across
  runs and processes), short name = the team name;
- manufacturers (the makes the race results name): like teams, branded by ``branding.manufacturers``;
- drivers: code = the first three letters of the surname, upper case, ASCII (a clash gets the
  first name's initial instead of the third letter, then a digit); short name = "L. Hartog".

Explicit branding always wins. The engine never reads branding; only the gateway's views do.
"""

from __future__ import annotations

import colorsys
import hashlib
import re
import unicodedata
from collections.abc import Mapping

from schemas.branding import Branding, TeamBranding
from schemas.events import Event
from schemas.rules import Rules

# Distinct on dark and light backgrounds, in the order classes are listed.
PALETTE = ("#d5001c", "#0077c8", "#2a9d47", "#e8a317", "#8e44ad", "#00a6a6", "#e4572e", "#6c757d")


def generated_colour(key: str) -> str:
    """A saturated colour derived from ``key`` (same key, same colour)."""
    digest = hashlib.sha256(key.encode()).digest()
    hue = int.from_bytes(digest[:2], "big") / 65536
    r, g, b = colorsys.hls_to_rgb(hue, 0.5, 0.7)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def _ascii_letters(text: str) -> str:
    return re.sub(r"[^A-Za-z]", "", unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()).upper()


def default_code(name: str, taken: set[str]) -> str:
    """'Loek Hartog' -> 'HAR'; a clash tries 'HAL' (initial of the first name), then 'HA2', ..."""
    words = name.split()
    last = _ascii_letters(words[-1] if words else name) or "XXX"
    first = _ascii_letters(words[0]) if len(words) > 1 else ""
    candidates = [(last + "XX")[:3]]
    if first:
        candidates.append((last[:2] + "X")[:2] + first[0])
    candidates += [f"{last[:2]}{i}" for i in range(2, 10)]
    for code in candidates:
        if code not in taken:
            return code
    return candidates[0]


def short_name(name: str) -> str:
    """'Loek Hartog' -> 'L. Hartog'; a one-word name stays as it is."""
    words = name.split()
    return f"{words[0][0]}. {' '.join(words[1:])}" if len(words) > 1 else name


def _complete(found: dict[str, dict], own: Mapping[str, TeamBranding]) -> None:
    """Teams or makes seen in the results (and those only the branding names), with short name, colour and logo."""
    for group_id in own:
        found.setdefault(group_id, {"name": group_id})
    for group_id, group in found.items():
        brand = own.get(group_id)
        group.update(short_name=(brand.short_name if brand else None) or group["name"],
                     colour=(brand.colour if brand else None) or generated_colour(group_id),
                     logo_url=brand.logo_url if brand else None)


def resolve(cid: str, rules: Rules | None, facts: Mapping[str, Event]) -> dict:
    """The branding of championship ``cid`` with every default filled in (see the module doc)."""
    brand = (rules.branding if rules else None) or Branding()
    classes = []
    for i, c in enumerate(rules.classes if rules else []):
        own = brand.classes.get(c.id)
        name = (own.name if own else None) or c.name
        classes.append({"id": c.id, "name": name,
                        "short_name": (own.short_name if own else None) or name.upper(),
                        "colour": (own.colour if own else None) or PALETTE[i % len(PALETTE)]})
    teams: dict[str, dict] = {}
    makes: dict[str, dict] = {}
    drivers: dict[str, dict] = {}
    for key, event in sorted(facts.items()):
        if not key.startswith("race:"):
            continue
        for car in event.payload.entries:
            teams.setdefault(car.team_id, {"name": car.team_name})
            if car.manufacturer_id:
                makes.setdefault(car.manufacturer_id, {"name": car.manufacturer_name or car.manufacturer_id})
            for driver_id, name in ((car.driver_id, car.driver_name), *((d.driver_id, d.name) for d in car.co_drivers)):
                drivers.setdefault(driver_id, {"name": name, "team_id": car.team_id})
    _complete(teams, brand.teams)
    _complete(makes, brand.manufacturers)
    taken = {d.code for d in brand.drivers.values() if d.code}
    for driver_id in brand.drivers:
        drivers.setdefault(driver_id, {"name": driver_id, "team_id": None})
    for driver_id, driver in sorted(drivers.items()):
        own = brand.drivers.get(driver_id)
        code = own.code if own and own.code else default_code(driver["name"], taken)
        taken.add(code)
        driver.update(code=code, short_name=(own.short_name if own else None) or short_name(driver["name"]))
    return {"championship_id": cid, "name": rules.name if rules else cid, "logo_url": brand.logo_url,
            "classes": classes, "teams": teams, "manufacturers": makes, "drivers": drivers}
