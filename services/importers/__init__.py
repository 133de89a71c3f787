"""Importers: timing systems' files turned into the event contracts (pure; no Redis here).

- `alkamel`: an Al Kamel Systems classification CSV (IMSA, WEC, ELMS, Formula E, GR Cup, ...) read
  into typed rows (`cells` reads one cell, `columns` finds the columns by header name).
- `classification`: rows + a championship's `mapping` -> drafts of `race.classified`,
  `fastest_lap.set` and `pole.awarded`.
- `revisions`: a draft + what is already published -> the event to publish (revision, event id).
- `watch`: a folder polled for new or changed files that have stopped growing.
"""
