"""Holders' settlement accounts: the real bank account, with its bank's CNAPS code, that a
participant is paid to in one currency (pain.001 names both)."""

from __future__ import annotations

import re
from typing import Any

from scf.certificates.iso20022 import BankAccount
from scf.certificates.tables import SettlementAccountRow
from scf.core.bounds import check_text
from scf.core.errors import ErrorCollector, PermissionDenied
from scf.core.money import check_settlement_currency
from scf.core.uow import UnitOfWork

# A CNAPS bank code (大额支付系统行号) has 12 digits: the bank's 3-digit category, the 4-digit
# city, the branch and a check digit. Mainland account numbers are 8 to 32 digits.
_CNAPS = re.compile(r"[0-9]{12}")
_ACCOUNT = re.compile(r"[0-9]{8,32}")


def register_settlement_account(
    uow: UnitOfWork,
    *,
    currency: str,
    account_number: str,
    account_name: str,
    bank_name: str,
    cnaps_code: str,
) -> SettlementAccountRow:
    """Name the actor's organization's real account for a currency (replacing the last)."""
    org_id = uow.actor.org_id
    if org_id is None:
        raise PermissionDenied("an organization registers its own settlement account")
    errors = ErrorCollector()
    check_settlement_currency(currency, "currency")
    number = account_number.replace(" ", "")
    if not _ACCOUNT.fullmatch(number):
        errors.add("account_number", "a mainland bank account number has 8 to 32 digits", None)
    if not _CNAPS.fullmatch(cnaps_code):
        errors.add("cnaps_code", "a CNAPS bank code has 12 digits", None)
    for field, value in (("account_name", account_name), ("bank_name", bank_name)):
        if not value.strip():
            errors.add(field, "is required", None)
    errors.raise_if_any("the settlement account was refused")
    name = check_text(account_name.strip(), "account_name", max_length=140, multiline=False)
    bank = check_text(bank_name.strip(), "bank_name", max_length=140, multiline=False)
    row = uow.session.get(SettlementAccountRow, (org_id, currency))
    before = settlement_account_dict(row) if row else None
    if row is None:
        row = SettlementAccountRow(org_id=org_id, currency=currency)
        uow.session.add(row)
    row.account_number, row.account_name, row.bank_name = number, name, bank
    row.cnaps_code, row.updated_at = cnaps_code, uow.now()
    uow.flush()
    uow.audit(
        "certificate.settlement_account",
        "organization",
        org_id,
        before=before,
        after=settlement_account_dict(row),
    )
    uow.commit()
    return row


def settlement_accounts(uow: UnitOfWork) -> list[SettlementAccountRow]:
    """The actor's organization's settlement accounts."""
    rows = uow.session.query(SettlementAccountRow).filter_by(org_id=uow.actor.org_id)
    return sorted(rows, key=lambda r: r.currency)


def bank_account_of(uow: UnitOfWork, org_id: str, currency: str) -> BankAccount | None:
    """The account a payment to the organization in the currency goes to, if it named one."""
    row = uow.session.get(SettlementAccountRow, (org_id, currency))
    return BankAccount(row.account_number, row.cnaps_code) if row else None


def settlement_account_dict(row: SettlementAccountRow) -> dict[str, Any]:
    return {
        "org_id": row.org_id,
        "currency": row.currency,
        "account_number": row.account_number,
        "account_name": row.account_name,
        "bank_name": row.bank_name,
        "cnaps_code": row.cnaps_code,
    }
