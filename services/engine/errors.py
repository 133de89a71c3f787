"""The one error the engine raises: an event that contradicts the championship's rules."""


class RuleViolation(ValueError):
    """An event is well-formed but breaks the registered rules.

    `field` is the dotted path into the event (``payload.entries.3.class_id``), `reason` says why.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
