"""Decision authority beyond offers on applications: an institution's purchases of payable
certificate pieces and the green channel's automatic offers follow the same bands, the same
refusals and record who decided under which authority."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from scf.parties import service as parties
from tests.e2e.test_institutions_api import (
    FIN,
    P,
    bearer,
    govern,
    money,
    ok,
    product,
    refused,
    submit,
    unit_with_officers,
)
from tests.factories import World, confirmed_receivable, use_registry_key

API = "/api/v1"


def certificate_unit(client: TestClient, world: World, h: dict[str, str]) -> dict[str, Any]:
    """The factoring unit also holds the bank's certificate-financing product, under the same
    bands: up to 100,000 at grade 1, up to 500,000 at grade 2, two officers above 200,000."""
    setup = unit_with_officers(client, world, h)
    prod = product(client, h, "reverse_factoring")
    govern(client, h, setup["unit"]["id"], prod)
    return setup


def certificate_piece(client: TestClient, world: World) -> str:
    """A certificate of 900,000 maturing 29 Aug 2025 (179 days ahead) held by the supplier."""
    core, sup = world.orgs["core_enterprise"], world.orgs["supplier"]
    rid = confirmed_receivable(world.platform, sup, core, amount="1000000.00")
    line = ok(
        client.post(
            f"{API}/credit-lines",
            headers=bearer(client, "bank"),
            json={"core_org_id": core, "limit": money("2000000.00"), "expires_on": "2026-02-27"},
        ),
        201,
    )
    ok(
        client.post(
            f"{API}/certificates",
            headers=bearer(client, "core_enterprise"),
            json={
                "line_id": line["id"],
                "supplier_org_id": sup,
                "receivable_ids": [rid],
                "face": money("900000.00"),
                "maturity_on": "2025-08-29",
            },
        ),
        201,
    )
    (piece,) = ok(client.get(f"{API}/certificate-pieces", headers=bearer(client, "supplier")))
    return str(piece["id"])


def offered(client: TestClient, world: World, piece_id: str, amount: str) -> str:
    out = ok(
        client.post(
            f"{API}/certificate-pieces/{piece_id}/financing-offers",
            headers=bearer(client, "supplier"),
            json={"funder_org_id": world.orgs["bank"], "rate": "0.036", "amount": money(amount)},
        ),
        201,
    )
    return str(out["id"])


def live_piece(client: TestClient) -> str:
    pieces = ok(client.get(f"{API}/certificate-pieces", headers=bearer(client, "supplier")))
    return str(pieces[0]["id"])


def accept(client: TestClient, financing_id: str, h: dict[str, str]) -> Any:
    return client.post(f"{API}/certificate-financings/{financing_id}/accept", headers=h)


def decision_of(client: TestClient, subject_id: str) -> dict[str, Any]:
    rows = ok(client.get(f"{P}/decisions", headers=bearer(client, "bank")))
    return next(d for d in rows if d["application_id"] == subject_id)


def test_certificate_piece_purchases_follow_the_units_authority(
    client: TestClient, world: World
) -> None:
    admin = bearer(client, "bank")
    certificate_unit(client, world, admin)
    a, b = bearer(client, "officer_a"), bearer(client, "officer_b")
    piece = certificate_piece(client, world)

    # within officer_b's grade-1 band: bought at once, the decision names the band
    small = offered(client, world, piece, "80000.00")
    refused(
        accept(client, small, admin),
        403,
        "not_an_officer",
    )
    fin = ok(accept(client, small, b))
    assert fin["status"] == "financed"
    dec = decision_of(client, small)
    assert dec["status"] == "approved" and dec["offer_id"] == small and dec["tenor_days"] == 179
    (only,) = dec["approvals"]
    assert only["username"] == "officer_b" and only["band"]["upper"] == money("100000.00")

    # 150,000 needs grade 2: officer_b is refused and nothing is bought; officer_a may
    mid = offered(client, world, live_piece(client), "150000.00")
    r = refused(accept(client, mid, b), 403, "above_authority")
    assert "grade 2" in r["detail"]
    assert ok(client.get(f"{API}/certificate-financings/{mid}", headers=b))["status"] == "offered"
    ok(accept(client, mid, a))

    # above every band: nobody in the unit may buy
    big = offered(client, world, live_piece(client), "600000.00")
    refused(accept(client, big, a), 403, "above_authority")
    refused(
        client.post(f"{P}/purchase-approvals", headers=a, json={"certificate_financing_id": big}),
        403,
        "above_authority",
    )
    ok(client.post(f"{API}/certificate-financings/{big}/decline", headers=a))

    # above 200,000 two officers approve, and the second approval buys the piece
    two = offered(client, world, live_piece(client), "300000.00")
    refused(
        accept(client, two, a),
        409,
        "second_approval_required",
    )
    body = {"certificate_financing_id": two}
    first = ok(client.post(f"{P}/purchase-approvals", headers=a, json=body))
    assert first["status"] == "awaiting_second" and first["offer_id"] is None
    refused(client.post(f"{P}/purchase-approvals", headers=a, json=body), 409, "same_approver")
    assert ok(client.get(f"{API}/certificate-financings/{two}", headers=a))["status"] == "offered"
    both = ok(client.post(f"{P}/purchase-approvals", headers=b, json=body))
    assert both["status"] == "approved" and both["offer_id"] == two
    assert [x["username"] for x in both["approvals"]] == ["officer_a", "officer_b"]
    assert ok(client.get(f"{API}/certificate-financings/{two}", headers=a))["status"] == "financed"
    refused(client.post(f"{P}/purchase-approvals", headers=b, json=body), 409, "financing_decided")
    refused(
        client.post(
            f"{P}/purchase-approvals", headers=a, json={"certificate_financing_id": "cfn_x"}
        ),
        404,
        "not_found",
    )


def test_green_channel_offers_follow_the_units_authority(client: TestClient, world: World) -> None:
    use_registry_key(world.platform)
    admin = bearer(client, "bank")
    unit_with_officers(client, world, admin)
    a, b = bearer(client, "officer_a"), bearer(client, "officer_b")
    sup, bank = world.orgs["supplier"], world.orgs["bank"]
    sup_h = bearer(client, "supplier")
    with world.platform.uow(world.actors["regulator"]) as uow:
        parties.add_list_entry(uow, "red", sup, "joint incentive")

    # within the grade-1 band and below the second threshold: priced at once, recorded as the
    # green channel's decision under the unit's authority
    small = apply_green(client, world, sup_h, "80000.00", bank)
    assert small["status"] == "offered" and small["offers"][0]["automatic"] is True
    dec = decision_of(client, small["id"])
    (auto,) = dec["approvals"]
    assert auto["username"] == "green_channel" and auto["automatic"] is True
    assert auto["band"]["upper"] == money("100000.00")
    assert dec["offer_id"] == small["offers"][0]["id"]

    # a band that needs grade 2: no automatic offer, an officer of grade 2 decides
    mid = apply_green(client, world, sup_h, "150000.00", bank)
    assert mid["status"] == "sent" and mid["offers"] == []
    refused(
        client.post(f"{FIN}/applications/{mid['id']}/offers", headers=b), 403, "above_authority"
    )
    ok(client.post(f"{FIN}/applications/{mid['id']}/offers", headers=a), 201)

    # above the second threshold: two officers, as for any application
    big = apply_green(client, world, sup_h, "300000.00", bank)
    assert big["status"] == "sent" and big["offers"] == []
    first = ok(client.post(f"{P}/approvals", headers=a, json={"application_id": big["id"]}))
    assert first["status"] == "awaiting_second"
    both = ok(client.post(f"{P}/approvals", headers=b, json={"application_id": big["id"]}))
    assert both["status"] == "approved" and both["offer_id"]
    inbox = ok(client.get(f"{FIN}/inbox", headers=a))
    assert any(big["id"] in str(n) and "officer decides" in str(n) for n in inbox)


def apply_green(
    client: TestClient, world: World, h: dict[str, str], amount: str, funder: str
) -> dict[str, Any]:
    """A red-listed supplier's factoring application: the green channel when nothing flags."""
    app = submit(client, world, h, world.orgs["supplier"], amount, funder)
    assert app["channel"] == "green", app.get("checks")
    return app
