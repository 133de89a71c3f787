"""Branding: how a championship looks on graphics. Display data only: the engine never reads it;
overlays and pages do (via the gateway), and every field has a default the gateway derives."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from schemas.values import Name, Slug, _Strict

Colour = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,4}$")]
ShortName = Annotated[str, StringConstraints(min_length=1, max_length=24)]
LogoUrl = Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://[^\s\x22\x27<>]+$")]


class ClassBranding(_Strict):
    name: Name | None = Field(None, description="Display name on graphics; default: the class's name.")
    short_name: ShortName | None = Field(None, description="Compact label, e.g. 'PRO-AM'.")
    colour: Colour | None = Field(None, description="Class colour as #rrggbb; default: generated.")


class TeamBranding(_Strict):
    short_name: ShortName | None = Field(None, description="Compact name, e.g. 'Wright'.")
    colour: Colour | None = Field(None, description="Team colour as #rrggbb; default: generated from the team id.")
    logo_url: LogoUrl | None = Field(None, description="http(s) URL of the team's logo.")


class DriverBranding(_Strict):
    code: Code | None = Field(None, description="2-4 uppercase letters, e.g. 'HAR'; default: from the surname.")
    short_name: ShortName | None = Field(None, description="Compact name, e.g. 'L. Hartog'.")


class Branding(_Strict):
    """How a championship looks on graphics. Optional; every field has a default the gateway derives."""

    logo_url: LogoUrl | None = Field(None, description="http(s) URL of the championship's logo.")
    classes: dict[Slug, ClassBranding] = Field({}, max_length=50, description="By class id (must be a class of the rules).")
    teams: dict[Slug, TeamBranding] = Field({}, max_length=500, description="By team id.")
    manufacturers: dict[Slug, TeamBranding] = Field(
        {}, max_length=200, description="By make id (`manufacturer_id` in the results), shaped as a team's.")
    drivers: dict[Slug, DriverBranding] = Field({}, max_length=5000, description="By driver id.")
