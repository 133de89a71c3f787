"""The standings services: the pure engine, the projector, the read side, and their shared runtime."""
