"""`python -m services.notifier`: run the notifier with settings from the environment."""

from services.notifier.app import main

main()
