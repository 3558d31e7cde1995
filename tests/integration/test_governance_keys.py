"""ID numbers sealed at rest (AES-GCM) and sealed again under a new key, in batches."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select
from stdnum.cn import ric

from scf.core.actor import Actor
from scf.core.audit import AuditEntry
from scf.core.sealed import Keyring, MissingKey, version_of
from scf.governance import service as governance
from scf.parties import service as parties
from scf.parties.tables import PersonRow
from scf.platform import Platform
from tests.factories import add_org, add_user

BASES = ("11010519491231002", "11010119800101001", "11010219900215003")
K2 = base64.b64encode(b"2" * 32).decode()
K3 = base64.b64encode(b"3" * 32).decode()


def id_number(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


def seed(platform: Platform) -> str:
    org = add_org(platform, "supplier")
    op = add_user(platform, add_org(platform, "operator"), "operator")
    for i, base in enumerate(BASES):
        with platform.uow(op) as uow:
            parties.add_key_person(uow, org, id_number(base), f"人员{i}", "director")
    return org


def tokens(platform: Platform) -> dict[str, str]:
    with platform.uow(Actor.system()) as uow:
        rows = uow.session.scalars(select(PersonRow)).all()
        return {r.id: r.id_number_sealed or "" for r in rows}


def test_id_numbers_are_sealed_and_never_stored_in_clear(platform: Platform) -> None:
    seed(platform)
    sealed = tokens(platform)
    assert len(sealed) == 3 and all(t.startswith("v1$") for t in sealed.values())
    with platform.uow(Actor.system()) as uow:
        for row in uow.session.scalars(select(PersonRow)):
            assert row.id_number_sealed and id_number(BASES[0]) not in row.id_number_sealed
        opened = {parties.open_person_id(uow, r) for r in uow.session.scalars(select(PersonRow))}
    assert opened == {id_number(b) for b in BASES}


def test_rotation_reseals_in_batches_and_refuses_a_missing_key(platform: Platform) -> None:
    seed(platform)
    before = tokens(platform)
    derived = parties.keyring_of(platform.settings)
    ring = Keyring({**derived.keys, 2: base64.b64decode(K2)}, 2)
    done = governance.rotate_key(lambda: platform.uow(Actor.system()), ring, batch=2)
    assert (done.found, done.resealed, done.batches) == ({1: 3}, 3, 2)
    after = tokens(platform)
    assert all(version_of(t) == 2 for t in after.values())
    assert all(after[k] != before[k] for k in before)
    with platform.uow(Actor.system()) as uow:
        opened = {ring.open(t, f"persons.id_number_sealed:{pid}") for pid, t in after.items()}
        audits = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "data_key.resealed")
        ).all()
    assert opened == {id_number(b) for b in BASES}
    assert sum(a.after["count"] for a in audits if a.after) == 3
    # Again: nothing left to reseal.
    again = governance.rotate_key(lambda: platform.uow(Actor.system()), ring, batch=2)
    assert (again.resealed, again.batches) == (0, 0)
    # A keyring without version 2 would orphan every value: refused, nothing changed.
    lacking = Keyring.parse(f"3:{K3}")
    with pytest.raises(MissingKey, match=r"version\(s\) \[2\]"):
        governance.rotate_key(lambda: platform.uow(Actor.system()), lacking)
    assert tokens(platform) == after


def test_rotate_key_command(
    platform: Platform, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from scf.cli import app
    from scf.config import get_settings

    seed(platform)
    derived = base64.b64encode(parties.keyring_of(platform.settings).keys[1]).decode()
    monkeypatch.setenv("SCF_DATABASE_URL", db_url)
    monkeypatch.setenv("SCF_SECRET_KEY", platform.settings.secret_key)
    monkeypatch.setenv("SCF_DATA_KEYS", f"3:{K3}")
    runner = CliRunner()
    get_settings.cache_clear()
    refused = runner.invoke(app, ["governance", "rotate-key"])
    assert refused.exit_code == 2 and "missing_key" in refused.output
    before = tokens(platform)
    assert all(version_of(t) == 1 for t in before.values())  # nothing changed
    monkeypatch.setenv("SCF_DATA_KEYS", f"1:{derived},3:{K3}")
    get_settings.cache_clear()
    try:
        done = runner.invoke(app, ["governance", "rotate-key", "--batch", "2"])
    finally:
        get_settings.cache_clear()
    assert done.exit_code == 0, done.output
    assert '"resealed": 3' in done.output
    after = tokens(platform)
    assert all(version_of(t) == 3 for t in after.values()) and after != before
