"""Use cases of the financing room: apply, check, offer, accept, register, disburse, repay.

The room's public entry: other rooms, the API, the pages, the CLI and the simulator import
from here only. The use cases live in modules of their own: `workflow` (submit with the
automatic checks, review, decline, register), `checks` (the check interface and runner) with
the checks in `checks_parties`, `checks_asset` and `checks_limits`, `products`, `offers`
(pricing, make and accept), `repayment` (disburse, repay, overdue, default, claim payment),
`claims` (cover policies and claims), `warehouse` (commodity prices, mark-to-market, margin
calls), `discounting` (dynamic discounting), `idempotency`, `inbox` (notifications),
`funded` (what institutions funded, for the institutions room), `reports` (the
regulator's read-outs and the risk room's borrower record); `applications` holds the
application record, `context` what scenarios and checks get from the room and `common` the
roles and the audited insert the modules share.
"""

from __future__ import annotations

from scf.financing.applications import (
    S,
    application_dict,
    get_application,
    list_applications,
    offer_dict,
    offers_of,
)
from scf.financing.bills import bill_dict, list_bills, record_bill
from scf.financing.checks_limits import check_exposure_cap, check_risk_limit
from scf.financing.claims import (
    claim_dict,
    list_claims,
    list_policies,
    policy_dict,
    write_cover,
)
from scf.financing.common import ENTERPRISE, FUNDERS, INSURERS
from scf.financing.discounting import (
    amend_bid,
    bid,
    bid_dict,
    bid_terms,
    clear_program,
    clearing_preview,
    get_program,
    list_programs,
    open_program,
    pay_early,
    preview_bid,
    program_dict,
    supplier_programs,
    withdraw_bid,
)
from scf.financing.funded import application_record, funded_records, key_chains
from scf.financing.idempotency import idempotent, purge_expired_keys, request_hash
from scf.financing.inbox import CHANNELS, Channel, InboxChannel, Notice, inbox, mark_read, notify
from scf.financing.offers import accept_offer, flagged_checks, make_offer
from scf.financing.products import (
    create_product,
    list_products,
    product_dict,
    product_for,
    scenario_choices,
    scenario_codes,
)
from scf.financing.repayment import (
    declare_default,
    default_grace_working_days,
    disburse,
    pay_claim,
    repay,
    run_overdue,
)
from scf.financing.reports import (
    REPORT_DIMENSIONS,
    decision_times,
    exposed_institutions,
    financing_records,
    financing_summary,
    list_alerts,
    volumes,
)
from scf.financing.reroll import reroll_due_dates
from scf.financing.reservations import release_expired_reservations, reservations_of
from scf.financing.tsin import latest_status as tsin_status
from scf.financing.tsin import receive as receive_tsin
from scf.financing.tsin import request_messages as tsin_messages
from scf.financing.warehouse import (
    latest_price,
    list_prices,
    margin_calls,
    mark_to_market,
    set_commodity_price,
)
from scf.financing.workflow import (
    ApplicationInput,
    cancel_application,
    decline,
    register,
    review,
    submit_application,
)

__all__ = [
    "CHANNELS",
    "ENTERPRISE",
    "FUNDERS",
    "INSURERS",
    "REPORT_DIMENSIONS",
    "ApplicationInput",
    "Channel",
    "InboxChannel",
    "Notice",
    "S",
    "accept_offer",
    "amend_bid",
    "application_dict",
    "application_record",
    "bid",
    "bid_dict",
    "bid_terms",
    "bill_dict",
    "cancel_application",
    "check_exposure_cap",
    "check_risk_limit",
    "claim_dict",
    "clear_program",
    "clearing_preview",
    "create_product",
    "decision_times",
    "declare_default",
    "decline",
    "default_grace_working_days",
    "disburse",
    "exposed_institutions",
    "financing_records",
    "financing_summary",
    "flagged_checks",
    "funded_records",
    "get_application",
    "get_program",
    "idempotent",
    "inbox",
    "key_chains",
    "latest_price",
    "list_alerts",
    "list_applications",
    "list_bills",
    "list_claims",
    "list_policies",
    "list_prices",
    "list_products",
    "list_programs",
    "make_offer",
    "margin_calls",
    "mark_read",
    "mark_to_market",
    "notify",
    "offer_dict",
    "offers_of",
    "open_program",
    "pay_claim",
    "pay_early",
    "policy_dict",
    "preview_bid",
    "product_dict",
    "product_for",
    "program_dict",
    "purge_expired_keys",
    "receive_tsin",
    "record_bill",
    "register",
    "release_expired_reservations",
    "repay",
    "request_hash",
    "reroll_due_dates",
    "reservations_of",
    "review",
    "run_overdue",
    "scenario_choices",
    "scenario_codes",
    "set_commodity_price",
    "submit_application",
    "supplier_programs",
    "tsin_messages",
    "tsin_status",
    "volumes",
    "withdraw_bid",
    "write_cover",
]
