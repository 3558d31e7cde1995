"""Use cases of the district scenarios' records: the public face other rooms import.

`fx` holds the FX rates the operator loads and the conversion the cross-border scenario uses;
`payouts` the marketplace payouts (record, confirm, assign with notice, settle, exposure);
`ip` intellectual property (record, appraise with a haircut, pledge, release);
`catalogue` the installed scenarios with the year each was enabled.
"""

from __future__ import annotations

from scf.scenarios.catalogue import NEW_PER_YEAR_TARGET, catalogue, installed
from scf.scenarios.fx import FxQuote, fx_dict, list_fx_rates, load_fx_rate, rate_for
from scf.scenarios.ip import (
    ip_dict,
    ip_for_financing,
    lending_value,
    list_ip,
    pledge_ip_in,
    record_ip,
    release_ip_in,
    value_ip,
)
from scf.scenarios.model import (
    ADVANCE_CURRENCIES,
    MIN_SALES_MONTHS,
    PAYOUT_CURRENCIES,
    check_advance_currency,
    convert,
)
from scf.scenarios.payouts import (
    assign_payout_in,
    confirm_payout,
    get_payout,
    list_payouts,
    marketplace_concentration,
    marketplace_exposure_of,
    marketplace_exposures,
    payout_dict,
    payout_for_financing,
    record_payout,
    settle_payout_in,
)

__all__ = [
    "ADVANCE_CURRENCIES",
    "MIN_SALES_MONTHS",
    "NEW_PER_YEAR_TARGET",
    "PAYOUT_CURRENCIES",
    "FxQuote",
    "assign_payout_in",
    "catalogue",
    "check_advance_currency",
    "confirm_payout",
    "convert",
    "fx_dict",
    "get_payout",
    "installed",
    "ip_dict",
    "ip_for_financing",
    "lending_value",
    "list_fx_rates",
    "list_ip",
    "list_payouts",
    "load_fx_rate",
    "marketplace_concentration",
    "marketplace_exposure_of",
    "marketplace_exposures",
    "payout_dict",
    "payout_for_financing",
    "pledge_ip_in",
    "rate_for",
    "record_ip",
    "record_payout",
    "release_ip_in",
    "settle_payout_in",
    "value_ip",
]
