"""The notifier service: `standings.changed` in, announcements for bots (webhooks) out.

- `run_notifier(settings)`: the service; `notifier_running(url, settings)`: the same in-process.
- `announce(change, tables, names)`: the pure decision of what matters (`services.notifier.announcements`);
- `digest(announcements, championship)` / `render(digest, fmt)`: one message per change (`.messages`).
- `NotifierSettings`: the runtime settings plus `STANDINGS_WEBHOOK_URLS` / `..._FORMAT` etc.
"""

from services.notifier.announcements import Announcement, Names, announce, names_from_rules
from services.notifier.app import Discovery, notifier_running, run_notifier
from services.notifier.handler import Notifier
from services.notifier.messages import Digest, digest, render
from services.notifier.settings import NotifierSettings

__all__ = [
    "Announcement",
    "Digest",
    "Discovery",
    "Names",
    "Notifier",
    "NotifierSettings",
    "announce",
    "digest",
    "names_from_rules",
    "notifier_running",
    "render",
    "run_notifier",
]
