"""What each financing scenario loads: factoring (under credit insurance or a guarantee where
the debtor is an SME), purchase-order financing, dynamic discounting, commercial acceptance
bills and their discounting, and warehouse receipts with the pledges on them. Checks that
happen at the moment of a financing (the invoice fingerprint, self-financing, the pledge
guard) are recorded as observations."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from scf.core.actor import Actor
from scf.core.money import Money
from scf.sim.load_financing import Financing
from scf.sim.load_state import LoadState, Observation
from scf.sim.load_trade import TradeDocuments
from scf.sim.model import (
    DUPLICATE_FINANCING,
    EMPTY_RECEIPT,
    SELF_FINANCING,
    Bill,
    DiscountProgram,
    Goods,
    InvoiceFinance,
    Pledge,
    Trade,
)

# A refusal of the financing room's automatic checks that catches an injected fraud.
CAUGHT_BY = {
    DUPLICATE_FINANCING: {"duplicate_invoice", "already_pledged", "not_confirmed"},
    SELF_FINANCING: {"self_financing"},
}
PO_EVERY = 23  # one confirmed order in this many is financed (purchase-order financing)


class Scenarios:
    """Runs each scenario's events as the parties that act in it."""

    def __init__(self, st: LoadState, documents: TradeDocuments, financing: Financing) -> None:
        self.st = st
        self.documents = documents
        self.financing = financing
        self.covers: dict[tuple[str, str], str | None] = {}  # (seller, debtor) -> policy id

    # ------------------------------------------------------------ receivables

    def invoice_finance(self, ev: InvoiceFinance) -> None:
        """The seller applies to factor a confirmed receivable; the financing room checks it
        (a second financing of the same invoice, self-financing through related parties) and
        the funder offers, registers the assignment and pays. SME debtors' receivables go
        under credit insurance or a guarantee, written on first need."""
        from scf.trade import service as trade

        st = self.st
        t = st.trades[ev.trade]
        rid = self.documents.receivable(ev.trade)
        if rid is None or not t.confirmed:
            return
        with st.p.uow(Actor.system()) as uow:
            info = trade.receivable_info(uow, rid)
        if info.due_date <= st.clock.today() and ev.fraud is None:
            st.r.counts["invoice_financings_too_late"] += 1  # due before the month's batch
            return
        free = info.confirmed.minor - info.used.minor
        amount = Money((free if free > 0 else t.total_minor) * 8 // 10, t.currency)
        asset: dict[str, Any] = {"receivable_id": rid, "recourse": int(ev.key[1:]) % 3 != 0}
        scenario = "receivables_factoring"
        if st.orgs[t.buyer].tier != 0:
            policy = self._cover(t.seller, t.buyer, t.currency)
            if policy is not None:
                scenario = "credit_insurance"
                asset["policy_id"] = policy
        code = self.financing.apply(
            ev.key, scenario, t.seller, ev.funder, amount, asset, defaulter=t.buyer
        )
        for kind, codes in CAUGHT_BY.items():
            if kind == DUPLICATE_FINANCING or ev.fraud == kind:
                st.r.observations.append(Observation(kind, ev.key, code in codes, code or ""))
        if code is None:
            st.r.counts["invoice_financings"] += 1

    def _cover(self, seller: str, debtor: str, currency: str) -> str | None:
        """A policy on the seller's receivables from `debtor` (insurer or guarantee company)."""
        from scf.financing import service as fin

        st = self.st
        if (seller, debtor) in self.covers:
            return self.covers[(seller, debtor)]
        gen = st.data.generator
        writers = [k for k in (*gen.by_role["insurer"], *gen.guarantors) if k in st.r.org_ids]
        if not writers:
            return None
        writer = writers[(int(seller[1:]) + int(debtor[1:])) % len(writers)]
        guarantee = "guarantee_company" in st.orgs[writer].roles
        with st.p.uow(st.actor(writer)) as uow:
            row = st.attempt(
                "cover",
                lambda: fin.write_cover(
                    uow,
                    insured_org_id=st.r.org_ids[seller],
                    debtor_org_id=st.r.org_ids[debtor],
                    kind="guarantee" if guarantee else "insurance",
                    cover_ratio=Decimal("0.80") if guarantee else Decimal("0.90"),
                    premium_rate=Decimal("0.0120") if guarantee else Decimal("0.0080"),
                    limit=Money(50_000_000_00, currency),
                    expires_on=st.data.end + timedelta(days=366),
                ),
            )
        self.covers[(seller, debtor)] = row.id if row is not None else None
        if row is not None:
            st.r.counts["cover_policies"] += 1
        return self.covers[(seller, debtor)]

    def purchase_orders(self, m: int) -> None:
        """A few suppliers finance confirmed orders of core enterprises before delivering
        (at the local microcredit company where there is one)."""
        st = self.st
        gen = st.data.generator
        lenders = [k for k in (*gen.lenders, *gen.funders) if k in st.r.org_ids]
        if not lenders:
            return
        for t in sorted(st.trades.values(), key=lambda t: t.key):
            if (
                t.key not in st.order_ids
                or self.st.data.timeline.month_of(t.order_date) != m
                or int(t.key[1:]) % PO_EVERY
                or st.orgs[t.buyer].tier != 0
                or t.currency != "CNY"
                or t.fraud is not None
            ):
                continue
            net = sum(ln.quantity * ln.unit_price_minor for ln in t.lines)
            code = self.financing.apply(
                f"po{t.key}",
                "purchase_order",
                t.seller,
                lenders[0],
                Money(net * 6 // 10, t.currency),
                {"order_id": st.order_ids[t.key], "tenor_days": 60},
                defaulter=t.seller,
            )
            if code is None:
                st.r.counts["po_financings"] += 1

    # ------------------------------------------------------------ dynamic discounting

    def discount(self, ev: DiscountProgram) -> None:
        """Dynamic discounting through the financing room: the core opens a programme with its
        own cash, suppliers bid a discount on confirmed receivables, the core clears the book
        and pays the winners early; each supplier then books the payment of its invoice."""
        from scf.financing import service as fin

        st = self.st
        with st.p.uow(st.actor(ev.buyer)) as uow:
            prog = st.attempt(
                "discount programme",
                lambda: fin.open_program(
                    uow, Money(ev.cash_minor, ev.currency), Decimal(ev.hurdle_rate), ev.pay_on
                ),
            )
        if prog is None:
            return
        st.r.counts["discount_programs"] += 1
        by_receivable = self._bids(ev, prog.id)
        if ev.pay_on > st.data.end:
            # The year's last programme pays after the set's last day: it still takes bids
            # (from the demo's own logins too) until the core clears it.
            st.r.counts["discount_programs_open"] += 1
            return
        with st.p.uow(st.actor(ev.buyer)) as uow:
            out = st.attempt(
                "discount clearing", partial(fin.clear_program, uow, prog.id, f"sim-clr-{ev.key}")
            )
        if out is None:
            return
        for won in out["bids"]:
            if won["status"] == "won" and won["application_id"]:
                self._pay_early(ev, prog.id, won, by_receivable)

    def _bids(self, ev: DiscountProgram, program_id: str) -> dict[str, Trade]:
        """Place the suppliers' bids; return the trades of the receivables bid on."""
        from scf.financing import service as fin

        st = self.st
        by_receivable: dict[str, Trade] = {}
        for b in ev.bids:
            rid = self.documents.receivable(b.trade)
            if rid is None:
                continue
            with st.p.uow(st.actor(b.supplier)) as uow:
                if st.attempt(
                    "discount bid", partial(fin.bid, uow, program_id, rid, Decimal(b.rate))
                ):
                    st.r.counts["discount_bids"] += 1
                    by_receivable[rid] = st.trades[b.trade]
        return by_receivable

    def _pay_early(
        self,
        ev: DiscountProgram,
        program_id: str,
        won: dict[str, Any],
        by_receivable: dict[str, Trade],
    ) -> None:
        """Pay a winning bid early; let the supplier book the payment of its invoice."""
        from scf.financing import service as fin
        from scf.trade import service as trade

        st = self.st
        with st.p.uow(st.actor(ev.buyer)) as uow:
            paid = st.attempt(
                "early payment",
                partial(fin.pay_early, uow, won["application_id"], f"sim-ddp-{won['id']}"),
            )
        if not paid:
            return
        st.r.counts["early_payments"] += 1
        t = by_receivable[won["receivable_id"]]
        st.paid_early.add(t.key)
        payment = self.documents.payment(
            t,
            date.fromisoformat(paid["instruction"]["value_date"]),
            f"DD{t.invoice_no}",
            # settled in full by the programme; the supplier bore the discount as a finance cost
            f"invoice {t.invoice_no} settled early by programme "
            f"{program_id} (discount {won['discount']['amount']})",
        )
        with st.p.uow(st.actor(t.seller)) as uow:
            st.attempt("early payment booked", partial(trade.record_payments, uow, [payment]))

    # ------------------------------------------------------------ bills

    def bill(self, ev: Bill) -> None:
        """The core records the commercial acceptance bill it drew and accepted, held by its
        supplier; a supplier that discounts it applies for bill discounting at once."""
        from scf.financing import service as fin

        st = self.st
        acceptor = st.r.org_ids.get(ev.acceptor)
        holder = st.r.org_ids.get(ev.holder)
        if acceptor is None or holder is None:
            return
        with st.p.uow(st.actor(ev.acceptor)) as uow:
            row = st.attempt(
                "bill",
                lambda: fin.record_bill(
                    uow,
                    package_no=ev.package_no,
                    drawer_org_id=acceptor,
                    acceptor_org_id=acceptor,
                    holder_org_id=holder,
                    face=Money(ev.face_minor, "CNY"),
                    issued_on=ev.on,
                    due_on=ev.due_on,
                ),
            )
        if row is None:
            return
        st.r.counts["bills"] += 1
        if ev.funder is None:
            return
        asset = {
            "package_no": ev.package_no,
            "sub_from": 1,
            "sub_to": ev.face_minor,
            "acceptor_org_id": acceptor,
            "maturity_on": ev.due_on.isoformat(),
        }
        code = self.financing.apply(
            ev.key,
            "bill_discounting",
            ev.holder,
            ev.funder,
            Money(ev.face_minor, "CNY"),
            asset,
            defaulter=ev.acceptor,
        )
        if code is None:
            st.r.counts["bill_discountings"] += 1

    # ------------------------------------------------------------ warehouse goods

    def goods(self, ev: Goods) -> None:
        """Let the warehouse confirm the goods it holds for the holder (the registry's)."""
        from scf.registry import service as registry

        st = self.st
        with st.p.uow(st.actor(ev.warehouse)) as uow:
            if st.attempt(
                "goods",
                lambda: registry.confirm_goods(
                    uow,
                    registry.GoodsInput(
                        holder_org_id=st.r.org_ids[ev.holder],
                        commodity=ev.commodity,
                        grade=ev.grade,
                        location=ev.location,
                        unit=ev.unit,
                        lot=ev.lot,
                        quantity=str(ev.quantity),
                        receipt_nos=[ev.receipt_no],
                    ),
                ),
            ):
                st.r.counts["warehouse_receipts"] += 1

    def pledge(self, ev: Pledge) -> None:
        """The holder applies for a warehouse-receipt pledge loan; the financing room refuses
        a receipt no warehouse confirmed or one pledged beyond what is held."""
        st = self.st
        wh = st.orgs[ev.warehouse]
        asset: dict[str, Any] = {"receipt": f"{wh.uscc}/{ev.receipt_no}", "tenor_days": 90}
        if ev.quantity is not None:
            asset["quantity"] = str(ev.quantity)
        code = self.financing.apply(
            ev.key,
            "warehouse_pledge",
            ev.grantor,
            ev.funder,
            Money(ev.amount_minor, "CNY"),
            asset,
            defaulter=ev.grantor,
        )
        st.r.observations.append(Observation(EMPTY_RECEIPT, ev.key, code is not None, code or ""))
        if code is None:
            st.r.counts["pledges"] += 1
        else:
            st.r.counts["pledges_refused"] += 1
