"""The values every part of the rules document is made of: ids, names, points, statuses, and the
strict base model (no coercion, no unknown fields, finite numbers)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Slug = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
# Bounds that keep every total finite (and JSON-representable) whatever the season's length.
Points = Annotated[float, Field(ge=0, le=100_000)]
Factor = Annotated[float, Field(ge=0, le=10)]
Status = Literal["classified", "not_classified", "dnf", "dns", "dsq", "excluded"]
# Display text from producers: bounded, so one event cannot bloat every later table and record.
Name = Annotated[str, StringConstraints(min_length=1, max_length=120)]
SessionType = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Track = Annotated[str, StringConstraints(min_length=1, max_length=64)]
ClassList = Annotated[list[str], Field(max_length=50)]
SessionList = Annotated[list[SessionType], Field(max_length=20)]


class _Strict(BaseModel):
    # strict: no coercion ("1" is not 1, "yes" is not true); producers send exact JSON types.
    # No Infinity/NaN: JSON cannot carry them back out, and points must stay finite.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)
