"""Regenerate app/db/migrations/versions/0001_initial_schema.py from the models.

Only until the first release: after that, every schema change is a new Alembic revision.
Run: .venv/bin/python packaging/dev/regen_initial_migration.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from app.db.engine import MIGRATIONS, alembic_config, make_engine

target = MIGRATIONS / "versions" / "0001_initial_schema.py"
target.unlink(missing_ok=True)
with tempfile.TemporaryDirectory() as tmp:
    engine = make_engine(f"sqlite:///{Path(tmp) / 'gen.db'}")
    command.revision(
        alembic_config(engine), message="initial schema", autogenerate=True, rev_id="0001"
    )
    engine.dispose()
text = target.read_text()
text = "\n".join(line for line in text.splitlines() if not line.startswith("Create Date:")) + "\n"
target.write_text(text)
print(f"wrote {target}")
