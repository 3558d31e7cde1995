"""Key rotation: every sealed value sealed again with the current data key, batch by batch.

Each batch is its own short transaction, so the platform keeps running while it turns: a value
sealed with the old key still opens (the keyring keeps both) until its batch reaches it. A
rotation whose keyring lacks a key some value was sealed with is refused before any batch,
nothing changed: those values could never be opened again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scf.core.errors import InvalidInput
from scf.core.sealed import Keyring, MissingKey
from scf.core.uow import UnitOfWork
from scf.parties import service as parties


@dataclass(frozen=True)
class Rotation:
    """What a rotation did: the versions found before, the values sealed again, the batches."""

    key_version: int
    found: dict[int, int]
    resealed: int
    batches: int


def check_keys(uow: UnitOfWork, keyring: Keyring) -> dict[int, int]:
    """The key versions in use (values per version); refuse when the keyring lacks one."""
    found = parties.sealed_key_versions(uow)
    missing = sorted(set(found) - set(keyring.keys))
    if missing:
        raise MissingKey(
            f"values are sealed with key version(s) {missing}, which SCF_DATA_KEYS lacks:"
            " add them back before rotating",
            field="data_keys",
        )
    return found


def reseal_batch(uow: UnitOfWork, keyring: Keyring, limit: int = 500) -> int:
    """Seal again with the current key up to `limit` values sealed with another; commit."""
    n = parties.reseal_person_ids(uow, keyring, limit)
    if n:
        uow.audit(
            "data_key.resealed",
            "data_key",
            f"v{keyring.current}",
            after={"column": "persons.id_number_sealed", "count": n},
        )
    uow.commit()
    return n


def rotate_key(open_uow: Callable[[], UnitOfWork], keyring: Keyring, batch: int = 500) -> Rotation:
    """Check the keys, then reseal batch after batch until no value names an older key."""
    if batch < 1:
        raise InvalidInput("a batch holds at least one value", field="batch")
    with open_uow() as uow:
        found = check_keys(uow, keyring)
    resealed = batches = 0
    while True:
        with open_uow() as uow:
            n = reseal_batch(uow, keyring, batch)
        if not n:
            break
        resealed += n
        batches += 1
    return Rotation(keyring.current, found, resealed, batches)
