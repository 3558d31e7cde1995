"""An adversarial world loads through the services on each database, every decision it puts
to the platform is answered for a fraud reason or taken, and the scorer reads the detectors."""

from __future__ import annotations

from sqlalchemy import func, select

from scf.core.actor import Actor
from scf.parties.tables import OrganizationRow
from scf.platform import Platform
from scf.sim.adversarial.generate import build
from scf.sim.adversarial.load import load_world
from scf.sim.adversarial.score import NOT_DETECTION
from scf.sim.adversarial.world import FAMILIES, RELATED, Factoring, Firm, Invoice
from scf.sim.eval import evaluate_adversarial
from tests.factories import use_registry_key


def test_an_adversarial_world_loads_and_is_scored(platform: Platform) -> None:
    use_registry_key(platform)
    world = build("tiny", 5)
    loaded = load_world(platform, world)
    assert loaded.errors == []
    with platform.uow(Actor.system()) as uow:
        orgs = uow.session.scalar(select(func.count()).select_from(OrganizationRow))
    assert orgs == len(world.of(Firm))
    assert set(loaded.invoice_ids) == {i.key for i in world.of(Invoice)}
    decisions = {k for c in world.cases for k in c.decisions}
    assert decisions <= set(loaded.outcomes)
    assert not {o for o in loaded.outcomes.values()} & NOT_DETECTION
    assert all(f.key in loaded.outcomes for f in world.of(Factoring))
    # A chain of one or two levels is within what the platform traces: refused outright.
    shallow = [c for c in world.cases if c.family == RELATED and c.bands.get("depth") == "1-2"]
    assert shallow and all(loaded.outcomes[c.decisions[0]] == "self_financing" for c in shallow)

    result = evaluate_adversarial(platform, world, loaded)
    assert list(result["families"]) == list(FAMILIES)
    for s in result["families"].values():
        assert s["planted"] == world.size.planted and s["lookalikes"] == world.size.lookalikes
        assert s["caught"] + s["missed"] == s["planted"]
        assert s["refused_for_other_reasons"] == {}
    related = result["families"][RELATED]
    assert related["bands"]["depth"]["1-2"]["recall"] == 1.0
    assert related["caught_by"]["refused: self_financing"] >= 1
