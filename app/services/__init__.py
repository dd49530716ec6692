"""Use cases of the counter: the only API the UI and the CLI call. Plain dataclasses in and out."""
