"""Event contracts of the standings streams (pydantic models; JSON Schema documents in `json/`)."""
