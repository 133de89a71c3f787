"""The `standings` command line (Typer): run the services, feed events, read tables, operate.

Modules: :mod:`.main` (the app), :mod:`.common` (settings, errors, Redis connection),
:mod:`.system` (`up`, `projector`, `gateway`, `notifier`), :mod:`.supervisor`, :mod:`.demo`, :mod:`.register`,
:mod:`.ingest` (`publish`), :mod:`.views` (`table`, `tail`), :mod:`.ops` (`rebuild`, `dead-letters`),
:mod:`.render` (rich output). See docs/cli.md.
"""
