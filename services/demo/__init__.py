"""The simulated PCCNA season behind `standings demo`.

- :mod:`.roster`: the field: real driver, team and car names from the series' public reports
  (``shared/seeds/``), with invented skill ratings. The results are simulated, not real.
- :mod:`.season`: a deterministic season generator (by seed) that returns validated events.
- :mod:`.publisher`: replays a generated season onto the event stream at a chosen pace.
"""
