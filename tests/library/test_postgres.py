"""What is particular to the PostgreSQL store: the SQL it translates, values it cannot
keep, and a connection lost and found again."""

from __future__ import annotations

import psycopg
import pytest

from sora_notebook.errors import ValidationError
from sora_notebook.library.postgres import safe_database_url, translate
from sora_notebook.library.store import StoreUnavailable

from .conftest import new_place


def test_sqlite_spelling_is_translated():
    assert translate("SELECT a FROM t WHERE b IS ? AND c = ? AND d LIKE '%x'") == (
        "SELECT a FROM t WHERE b IS NOT DISTINCT FROM %s AND c = %s AND d LIKE '%%x'"
    )
    assert translate("id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL") == (
        "id BIGSERIAL PRIMARY KEY, at DOUBLE PRECISION"
    )
    assert safe_database_url("postgresql://me:s3cret@db:5433/lib?sslmode=require") == (
        "postgresql://me@db:5433/lib"
    )


@pytest.mark.store
def test_a_nul_character_is_refused_clearly_and_nothing_is_kept(request, tmp_path):
    with new_place("postgresql", tmp_path, request).open() as lib:
        with pytest.raises(ValidationError, match="NUL"):
            lib.add_submission(backend="emulator", prompt="a\x00b")
        assert lib.jobs() == []


@pytest.mark.store
def test_a_lost_connection_fails_one_call_and_the_next_connects_again(request, tmp_path, postgres):
    place = new_place("postgresql", tmp_path, request)
    with place.open() as lib:
        key = lib.add_submission(backend="emulator", prompt="a fox").key
        database = place.location.rsplit("/", 1)[1]
        with psycopg.connect(postgres.url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            )
        with pytest.raises(StoreUnavailable, match="connects again") as caught:
            lib.update(key, notes="lost")
        assert postgres.password not in str(caught.value)
        assert lib.get(key).notes == ""  # the failed write kept nothing
        lib.update(key, notes="kept")
        assert lib.get(key).notes == "kept"
