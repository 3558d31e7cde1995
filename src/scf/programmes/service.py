"""Use cases of the programmes room: districts' parks and the incentive programmes.

The room's public entry. The use cases live in modules of their own: `parks` (parks, their
dated members, focus chains and scenarios, and their figures beside the district's and the
city's), `rules` (the expression language of the programmes' rules), `awards` (programmes,
applications with their evidence, review, award and payment against the budget) and
`objectives` (the work objectives as figures).
"""

from __future__ import annotations

from scf.programmes.awards import (
    apply,
    create_programme,
    decide,
    evidence_for,
    get_application,
    get_programme,
    list_applications,
    list_programmes,
    pay,
    revise_rules,
    rules_of,
)
from scf.programmes.model import ApplicationStatus, MemberKind, ProgrammeKind
from scf.programmes.objectives import work_objectives
from scf.programmes.parks import (
    add_member,
    add_member_by_uscc,
    create_park,
    enable_scenario,
    end_membership,
    get_park,
    list_parks,
    members_on,
    park_members_of_operator,
    park_scenarios,
    park_view,
    scenario_codes,
)
from scf.programmes.rules import INDICATORS, check_rules

__all__ = [
    "INDICATORS",
    "ApplicationStatus",
    "MemberKind",
    "ProgrammeKind",
    "add_member",
    "add_member_by_uscc",
    "apply",
    "check_rules",
    "create_park",
    "create_programme",
    "decide",
    "enable_scenario",
    "end_membership",
    "evidence_for",
    "get_application",
    "get_park",
    "get_programme",
    "list_applications",
    "list_parks",
    "list_programmes",
    "members_on",
    "park_members_of_operator",
    "park_scenarios",
    "park_view",
    "pay",
    "revise_rules",
    "rules_of",
    "scenario_codes",
    "work_objectives",
]
