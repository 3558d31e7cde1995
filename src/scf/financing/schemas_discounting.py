"""Documented answers of the financing API for bills and early-payment programmes (dynamic
discounting): what each route sends back, field by field (see `scf.financing.schemas`)."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from scf.core.schema import Answer, MoneyOut


class BillOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "acceptor_org_id": "org_01M914XSWYQZ8BPHP66496V50P",
                    "drawer_org_id": "org_01M914XSWYQZ8BPHP66496V50P",
                    "due_on": "2025-08-29",
                    "endorsements": 0,
                    "face": {"amount": "100000.00", "currency": "CNY"},
                    "holder_org_id": "org_01M914XT1DA8S9CWXKPZWWR4SF",
                    "id": "bil_01M914XVPHV1GVF16NNA9D5B1R",
                    "issued_on": "2025-03-03",
                    "package_no": "531158000001220250303000001",
                    "parent_id": "bil_01M914XVP6WHC6JA25TPG08F0T",
                    "status": "held",
                    "sub_from": 5000001,
                    "sub_to": 15000000,
                }
            ]
        },
    )

    acceptor_org_id: str
    drawer_org_id: str
    due_on: date
    endorsements: int
    face: MoneyOut
    holder_org_id: str
    id: str
    issued_on: date
    package_no: str
    parent_id: str | None = Field(
        description="the piece it was split or passed from; null for the first piece"
    )
    status: str
    sub_from: int = Field(
        description="the first sub-bill number of the range held (splittable bills)"
    )
    sub_to: int = Field(description="the last sub-bill number of the range held")


class DiscountBidOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "amount": {"amount": "100000.00", "currency": "CNY"},
                    "application_id": None,
                    "days": 85,
                    "discount": {"amount": "1888.89", "currency": "CNY"},
                    "net": {"amount": "98111.11", "currency": "CNY"},
                    "apr_equivalent": "0.08267276",
                    "id": "ddb_01M914Y29DKP987VMS68C16K1G",
                    "rate": "0.08000000",
                    "receivable_id": "rcv_01M914Y1VEZ8KGNPHWZ5TR877J",
                    "status": "open",
                    "supplier_org_id": "org_01M914Y13NS8J3SDJW8Z7R1G7X",
                }
            ]
        },
    )

    amount: MoneyOut
    application_id: str | None
    days: int
    discount: MoneyOut
    id: str
    rate: str = Field(description="the annual rate, a decimal string (0.05 is 5%)")
    receivable_id: str
    status: str
    supplier_org_id: str
    net: MoneyOut = Field(
        description="what the supplier is paid early: the amount less the discount"
    )
    apr_equivalent: str | None = Field(
        description="the discount as an annual rate on the cash paid early "
        "(discount / net x 365 / days)"
    )


class DiscountProgramResultOut(Answer):
    cash_used: MoneyOut
    discount_earned: MoneyOut
    winners: list[str]


class DiscountProgramOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "bids": [
                        {
                            "amount": {"amount": "150000.00", "currency": "CNY"},
                            "application_id": None,
                            "days": 85,
                            "discount": {"amount": "2479.17", "currency": "CNY"},
                            "net": {"amount": "147520.83", "currency": "CNY"},
                            "apr_equivalent": "0.07216505",
                            "id": "ddb_01M914Y2FNB1BRW4BBB2DRPBHR",
                            "rate": "0.07000000",
                            "receivable_id": "rcv_01M914Y1WB6M4M8FXTNPKRAAME",
                            "status": "open",
                            "supplier_org_id": "org_01M914Y1N2J3X1BYYQBJ3J7KV3",
                        }
                    ],
                    "buyer_org_id": "org_01M914Y11TD7D0MB15RSJ76C33",
                    "cash": {"amount": "200000.00", "currency": "CNY"},
                    "hurdle_rate": "0.06000000",
                    "id": "ddp_01M914Y21R3BPT9CSX8DDNQBV6",
                    "pay_on": "2025-03-10",
                    "pay_provisional": False,
                    "pay_requested_on": "2025-03-10",
                    "result": None,
                    "status": "open",
                }
            ]
        },
    )

    bids: list[DiscountBidOut]
    buyer_org_id: str
    cash: MoneyOut
    hurdle_rate: str
    id: str
    pay_on: date
    pay_provisional: bool
    pay_requested_on: date | None
    result: DiscountProgramResultOut | None
    status: str
