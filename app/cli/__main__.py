"""`python -m app.cli`: the command line without the GUI (as the tests and the sync watcher run it)."""

from app.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
