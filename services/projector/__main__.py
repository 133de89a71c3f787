"""`python -m services.projector`: run the projector with settings from the environment."""

from services.projector.app import main

main()
