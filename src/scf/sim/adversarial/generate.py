"""Build an adversarial world from a seed: the institutions, then each family's cases."""

from __future__ import annotations

from scf.sim.adversarial import circular, duplicates, goods, related, returning, shells
from scf.sim.adversarial.world import Builder, World, adv_size

FAMILY_MODULES = (circular, returning, duplicates, related, goods, shells)


def build(size: str = "small", seed: int = 1) -> World:
    """The same size and seed always give the same world."""
    b = Builder(seed, adv_size(size))
    b.world.funders = tuple(
        b.firm(f"银行{i}", roles=("bank",), size_class="large", capital_cny=10_000_000_000)
        for i in range(3)
    )
    b.world.warehouses = tuple(
        b.firm(f"仓储{i}", roles=("warehouse",), size_class="medium") for i in range(2)
    )
    b.world.commodities = goods.commodity_prices()
    for module in FAMILY_MODULES:
        module.plant(b)
    return b.world
