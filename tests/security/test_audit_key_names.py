"""One database, one audit key, whichever role connects: the schema owner and the counter's own
PostgreSQL role find the same key; a key kept under the older role-bound name is found and moved."""

from __future__ import annotations

import hashlib
import secrets

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine

from app.services.audit_keys import KEYRING_SERVICE, audit_key, forget_cached_keys
from tests.conftest import MemoryKeyring

ROLE = st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True)


@settings(max_examples=25, deadline=None)
@given(owner=ROLE, counter=ROLE, database=ROLE, port=st.integers(1024, 65535))
def test_every_role_of_one_database_finds_one_key(
    owner: str, counter: str, database: str, port: int
) -> None:
    forget_cached_keys()
    base = f"postgresql+psycopg://{{}}:{secrets.token_hex(4)}@db.centre.lan:{port}/{database}"
    first = audit_key(create_engine(base.format(owner)))
    assert audit_key(create_engine(base.format(counter))) == first
    other = f"postgresql+psycopg://{owner}:x@db.centre.lan:{port}/{database}_2"
    assert audit_key(create_engine(other)) != first  # another database, another key


def test_a_key_under_the_role_bound_name_is_kept(memory_keyring: MemoryKeyring) -> None:
    forget_cached_keys()
    url = "postgresql+psycopg://onewindow_app:secret@10.0.0.5:5432/centre"
    old_name = hashlib.sha256(b"postgresql+psycopg://onewindow_app:***@10.0.0.5:5432/centre")
    kept = secrets.token_bytes(32)
    memory_keyring.set_password(
        KEYRING_SERVICE, f"audit-key:{old_name.hexdigest()[:32]}", kept.hex()
    )
    assert audit_key(create_engine(url)) == kept
    forget_cached_keys()
    owner = "postgresql+psycopg://postgres:other@10.0.0.5:5432/centre"
    assert audit_key(create_engine(owner)) == kept  # now under the role-free name too
