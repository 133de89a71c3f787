"""The simulated field: ~35 cars in three classes, names from the PCCNA race reports.

Driver, team and car-number pairings come from the reports where they name them (Hartog #24
Kellymoss, Dickinson #53 Kellymoss, Hart #20 MDK, Uretsky #44 Baby Bull, Halcome #55 ACI,
Kvamme #43 MDK, Mosing #56 Topp, Goetz #57 Wright); the other pairings, every skill rating and
every result are invented for the simulation.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

PRO, PRO_AM, AM = 0, 1, 2  # index into the rules' classes: Pro, Pro-Am, Am/Masters


@dataclass(frozen=True)
class Entrant:
    number: str
    name: str
    team: str
    klass: int
    skill: float  # mean pace rating; higher is faster
    guest_rounds: tuple[int, ...] = ()  # a guest appears only at these rounds

    @property
    def driver_id(self) -> str:
        return slug(self.name)

    @property
    def team_id(self) -> str:
        return slug(self.team)

    @property
    def guest(self) -> bool:
        return bool(self.guest_rounds)


def slug(text: str) -> str:
    """'Sabré Cook' -> 'sabre-cook'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


KM, MDK, JDC, TOPP, WRIGHT, BBR, ACI, MCE = (
    "Kellymoss", "MDK Motorsports", "JDC Racing", "Topp Racing", "Wright Motorsports",
    "Baby Bull Racing", "ACI Motorsports", "McElrea Racing",
)

ROSTER: tuple[Entrant, ...] = (
    Entrant("24", "Loek Hartog", KM, PRO, 9.4),
    Entrant("53", "Riley Dickinson", KM, PRO, 9.3),
    Entrant("2", "Alex Sedgwick", JDC, PRO, 9.0),
    Entrant("91", "Michael Cooper", MCE, PRO, 9.0),
    Entrant("7", "Will Martin", JDC, PRO, 8.8),
    Entrant("20", "Jason Hart", MDK, PRO, 8.6),
    Entrant("10", "Yves Balatas", MCE, PRO, 8.6),
    Entrant("3", "Tom Sargent", MDK, PRO, 8.5),
    Entrant("12", "Jimmy Llibre", MCE, PRO, 8.3),
    Entrant("15", "Sean Varwig", JDC, PRO, 8.2),
    Entrant("27", "Elias De La Torre", KM, PRO, 8.1),
    Entrant("78", "Sabré Cook", ACI, PRO, 7.8),
    Entrant("88", "Madeline Stewart", WRIGHT, PRO, 7.7),
    Entrant("16", "Chloe Chambers", TOPP, PRO, 7.9),
    Entrant("21", "Nicholas Maloy", WRIGHT, PRO, 7.6),
    Entrant("31", "Aidan Kenny", BBR, PRO, 7.5),
    Entrant("33", "Zachary Vanier", TOPP, PRO, 7.4),
    Entrant("37", "Paul Bocuse", ACI, PRO, 7.3),
    Entrant("65", "Ashley Freiberg", MDK, PRO, 7.5),
    Entrant("68", "Paige Morales", BBR, PRO, 7.2),
    Entrant("44", "Moisey Uretsky", BBR, PRO_AM, 6.9),
    Entrant("9", "Marco Cirone", MCE, PRO_AM, 6.9),
    Entrant("19", "Jordan Wallace", JDC, PRO_AM, 6.7),
    Entrant("56", "Jeff Mosing", TOPP, PRO_AM, 6.7),
    Entrant("47", "Efrin Castro", TOPP, PRO_AM, 6.6),
    Entrant("71", "Riley Pegram", WRIGHT, PRO_AM, 6.3),
    Entrant("72", "Caroline Candas", ACI, PRO_AM, 6.2),
    Entrant("74", "Tanner Foust", KM, PRO_AM, 6.4),
    Entrant("55", "Matt Halcome", ACI, AM, 6.0),
    Entrant("11", "Chris Bellomo", WRIGHT, AM, 5.8),
    Entrant("57", "John Goetz", WRIGHT, AM, 5.7),
    Entrant("43", "Mark Kvamme", MDK, AM, 5.7),
    Entrant("4", "Scott Noble", MDK, AM, 5.5),
    Entrant("80", "Loni Unser", TOPP, AM, 5.2),
    Entrant("82", "Therese Lahlouh", BBR, AM, 5.1),
    # Guests (invitational, score nothing): at the Sebring and Road Atlanta weekends.
    Entrant("1", "Patrick Long", KM, PRO, 9.5, guest_rounds=(1, 2, 15, 16)),
)
