"""Persons' ID numbers sealed at rest (AES-GCM, `scf.core.sealed`) and sealed again under a
new key: the know-your-customer record the Anti-Money Laundering Law asks to keep, which the
salted hash alone could not give back to the person or the regulator."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from scf.core.sealed import Keyring, MissingKey, version_of
from scf.core.uow import UnitOfWork
from scf.parties.tables import PersonRow

PLACE = "persons.id_number_sealed"


def keyring_of(settings: Any) -> Keyring:
    """The platform's data keys: SCF_DATA_KEYS, or the development key of the secret."""
    text = getattr(settings, "data_keys", "") or ""
    if text:
        return Keyring.parse(text, getattr(settings, "data_key_version", None))
    return Keyring.derived(settings.secret_key)


def seal_person_id(uow: UnitOfWork, person: PersonRow, id_number: str) -> None:
    """Seal a person's (normalized) ID number into its row, bound to the row."""
    person.id_number_sealed = keyring_of(uow.settings).seal(id_number, f"{PLACE}:{person.id}")


def open_person_id(uow: UnitOfWork, person: PersonRow) -> str | None:
    """A person's ID number, opened; None when none was kept."""
    if person.id_number_sealed is None:
        return None
    return keyring_of(uow.settings).open(person.id_number_sealed, f"{PLACE}:{person.id}")


def sealed_key_versions(uow: UnitOfWork) -> dict[int, int]:
    """How many ID numbers each key version sealed."""
    out: dict[int, int] = {}
    rows = uow.session.scalars(
        select(PersonRow.id_number_sealed).where(PersonRow.id_number_sealed.is_not(None))
    )
    for token in rows:
        if token is None:
            continue
        v = version_of(token)
        out[v] = out.get(v, 0) + 1
    return out


def reseal_person_ids(uow: UnitOfWork, keyring: Keyring, limit: int) -> int:
    """Seal again with the current key up to `limit` ID numbers sealed with another; how many.

    Refuses, changing nothing, when a value names a key the keyring lacks. The caller commits.
    """
    current = f"v{keyring.current}$"
    rows = uow.session.scalars(
        select(PersonRow)
        .where(PersonRow.id_number_sealed.is_not(None))
        .where(PersonRow.id_number_sealed.not_like(f"{current}%"))
        .order_by(PersonRow.id)
        .limit(limit)
        .with_for_update()
    ).all()
    for row in rows:
        assert row.id_number_sealed is not None
        place = f"{PLACE}:{row.id}"
        if version_of(row.id_number_sealed) not in keyring.keys:
            raise MissingKey(
                f"no data key of version {version_of(row.id_number_sealed)}", field="data_keys"
            )
        row.id_number_sealed = keyring.seal(keyring.open(row.id_number_sealed, place), place)
    uow.flush()
    return len(rows)
