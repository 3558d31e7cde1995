"""Self-financing and related parties: an applicant factoring a receivable on a debtor it is
one with, through control or through the people and contacts they share.

Variants: a control chain 1-12 levels deep from one person to the applicant (the debtor
held by the same person directly), an ownership cycle of 2-6 firms (each holding a majority
of the next), and a shared key person, phone, address or settlement bank account.
Look-alikes: unrelated firms registered
at one industrial park's address (the park's own address, or the same building).
"""

from __future__ import annotations

import itertools
from typing import Any

from scf.sim.adversarial.world import RELATED, Builder, Officer, Share, band, sweep

DEPTH = ((1, 2), (3, 4), (5, 8), (9, 12))
CYCLE = ((2, 3), (4, 6))
SHARED = ("shared_key_person", "shared_phone", "shared_address", "shared_bank_account")


def plant(b: Builder) -> None:
    """Plant control chains (half the cases), ownership cycles and shared links; the parks."""
    rng = b.stream(RELATED)
    n = b.world.size.planted
    chains = n // 2
    depths = sweep(rng, chains, DEPTH)
    for d in depths:
        control_chain(b, d)
    rest = n - chains
    cycles = rest // 3
    for c in sweep(rng, cycles, CYCLE):
        ownership_cycle(b, c)
    for i in range(rest - cycles):
        shared(b, SHARED[i % len(SHARED)])
    for i in range(b.world.size.lookalikes):
        industrial_park(b, same_string=i % 2 == 0)


def _finance(b: Builder, applicant: str, debtor: str) -> str:
    """The applicant sells to the debtor and factors the receivable; return the financing."""
    on = b.day(0, 100)
    inv = b.backed(applicant, debtor, on, b.amount(500_000, 8_000_000), item="注塑件")
    return b.factoring(inv, b.world.funders[len(b.world.cases) % len(b.world.funders)])


def control_chain(b: Builder, depth: int) -> None:
    """A person holds the debtor and the top of a chain of `depth` firms; each level holds
    60% of the next; the last level holds the applicant."""
    pid, name = b.person()
    debtor = b.firm("关联买方", roles=("core_enterprise",), size_class="medium")
    chain = b.firms("控股平台", depth - 1, roles=("supplier",))
    applicant = b.firm("关联卖方", roles=("supplier",))
    levels = [*chain, applicant]
    b.add(Share(debtor, "0.60", person_id=pid, person_name=name))
    b.add(Share(levels[0], "0.60", person_id=pid, person_name=name))
    for upper, lower in itertools.pairwise(levels):
        b.add(Share(lower, "0.60", holder_org=upper))
    a = _finance(b, applicant, debtor)
    b.case(
        RELATED,
        True,
        "control_chain",
        [debtor, *levels],
        {"depth": depth},
        {"depth": band(depth, DEPTH)},
        decisions=(a,),
    )


def ownership_cycle(b: Builder, length: int) -> None:
    """`length` firms, each holding 51% of the next, the last holding the first."""
    ring = b.firms("交叉持股", length, roles=("supplier", "core_enterprise"))
    for i, holder in enumerate(ring):
        b.add(Share(ring[(i + 1) % length], "0.51", holder_org=holder))
    a = _finance(b, ring[0], ring[length // 2] if length > 2 else ring[1])
    b.case(
        RELATED,
        True,
        "ownership_cycle",
        ring,
        {"cycle_length": length},
        {"cycle_length": band(length, CYCLE)},
        decisions=(a,),
    )


def shared(b: Builder, link: str) -> None:
    """Applicant and debtor share a key person, phone, address or bank account."""
    kw: dict[str, Any] = {}
    if link == "shared_phone":
        kw["phone"] = f"1380{int(b.rng.integers(0, 10_000_000)):07d}"
    elif link == "shared_address":
        kw["address"] = f"深圳市宝安区某街道{int(b.rng.integers(1, 999))}号{b.key('R')[1:]}室"
    elif link == "shared_bank_account":
        kw["bank_account"] = f"6228{int(b.rng.integers(0, 10**12)):012d}"
    applicant = b.firm("关联卖方", roles=("supplier",), **kw)
    debtor = b.firm("关联买方", roles=("core_enterprise",), size_class="medium", **kw)
    if link == "shared_key_person":
        pid, name = b.person()
        b.add(Officer(applicant, pid, name), Officer(debtor, pid, name, "director"))
    a = _finance(b, applicant, debtor)
    b.case(RELATED, True, link, [applicant, debtor], {"link": link}, {}, decisions=(a,))


def industrial_park(b: Builder, *, same_string: bool) -> None:
    """Two unrelated firms of one industrial park trading with each other."""
    park = f"深圳市南山区高新科技园{int(b.rng.integers(1, 40))}栋"
    a_addr = park if same_string else f"{park}{int(b.rng.integers(101, 999))}室"
    d_addr = park if same_string else f"{park}{int(b.rng.integers(1001, 1999))}室"
    applicant = b.firm("园区企业", roles=("supplier",), address=a_addr)
    debtor = b.firm("园区企业", roles=("core_enterprise",), size_class="medium", address=d_addr)
    a = _finance(b, applicant, debtor)
    b.case(
        RELATED,
        False,
        "industrial_park_same_address" if same_string else "industrial_park_same_building",
        [applicant, debtor],
        {},
        {},
        decisions=(a,),
    )
