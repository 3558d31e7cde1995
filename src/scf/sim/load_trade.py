"""Each month's trade documents, each batch filed by the party that files it in real life:
orders by the buyer (or the seller), delivery notes by the seller or its logistics firm,
invoices and payments received by the seller, receipts and confirmations by the buyer; and
the receivables the invoices opened, looked up once per trading pair."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from scf.core.actor import Actor
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.sim.load_state import LoadState, amount, by
from scf.sim.model import Trade

if TYPE_CHECKING:
    from scf.trade.service import InvoiceInput, PaymentInput, ShipmentInput


class TradeDocuments:
    """Files the trade room's documents and finds their receivables."""

    def __init__(self, st: LoadState) -> None:
        self.st = st
        self._inv_keys: dict[str, str] = {}  # invoice id -> trade key

    # ------------------------------------------------------------ the month's documents

    def month(self, m: int) -> None:
        """File month `m`'s documents between loaded parties in one transaction."""
        st = self.st
        ts = [t for t in st.trades.values() if t.seller in st.r.org_ids and t.buyer in st.r.org_ids]
        month_of = st.data.timeline.month_of
        invoices = [t for t in ts if month_of(t.invoice_date) == m]
        with st.p.uow() as uow:
            self._orders(
                uow, [t for t in ts if t.order_no and t.new_order and month_of(t.order_date) == m]
            )
            self._deliveries(
                uow, [t for t in ts if t.delivery_date and month_of(t.delivery_date) == m]
            )
            self._invoices(uow, invoices)
            self._receipts(uow, [t for t in ts if t.receipt_date and month_of(t.receipt_date) == m])
            self._confirmations(uow, invoices)
            self._payments(uow, [t for t in ts if t.payment_date and month_of(t.payment_date) == m])
            uow.actor = Actor.system()
            uow.commit()

    def _file(
        self,
        uow: UnitOfWork,
        filer: str,
        what: str,
        record: Callable[..., Any],
        items: Sequence[Any],
    ) -> Any:
        """File a batch as `filer` without committing; count it under `what` if it lands."""
        uow.actor = self.st.actor(filer)
        out = self.st.attempt(what, partial(record, uow, items, commit=False))
        if out:
            self.st.r.counts[what] += len(items)
        return out

    def _orders(self, uow: UnitOfWork, orders: list[Trade]) -> None:
        """File the orders: by the buyer (a confirmed order) or by the seller itself."""
        from scf.trade import service as trade

        o = self.st.orgs
        for filer, group in by(orders, lambda t: t.seller if t.order_by_seller else t.buyer):
            items = [
                trade.OrderInput(
                    number=t.order_no or "",
                    seller_uscc=o[t.seller].uscc,
                    buyer_uscc=o[t.buyer].uscc,
                    issue_date=t.order_date,
                    currency=t.currency,
                    lines=[
                        trade.LineInput(ln.item, ln.quantity, amount(ln.unit_price_minor))
                        for ln in t.lines
                    ],
                )
                for t in group
            ]
            oids = self._file(uow, filer, "orders", trade.record_orders, items)
            if oids and filer != group[0].seller:  # filed by the buyer: a confirmed order
                for t, oid in zip(group, oids, strict=True):
                    self.st.order_ids[t.key] = oid

    def _deliveries(self, uow: UnitOfWork, deliveries: list[Trade]) -> None:
        """File the delivery notes, a third of them by the seller's logistics firm."""
        from scf.trade import service as trade

        st = self.st
        logistics = [k for k in st.data.generator.logistics if k in st.r.org_ids]
        for filer, group in by(deliveries, lambda t: t.seller):
            own = [t for t in group if not logistics or int(t.key[1:]) % 3]
            by_lg = [t for t in group if t not in own]
            for who, batch in ((filer, own), (logistics[0] if logistics else filer, by_lg)):
                if batch:
                    items = [self.shipment(t, "delivery") for t in batch]
                    self._file(uow, who, "deliveries", trade.record_shipments, items)

    def _invoices(self, uow: UnitOfWork, invoices: list[Trade]) -> None:
        """File the sellers' invoices and note the fingerprint each one is known by."""
        from scf.trade import service as trade

        st = self.st
        o = st.orgs
        for filer, group in by(invoices, lambda t: t.seller):
            items = [self.invoice(t) for t in group]
            ids = self._file(uow, filer, "invoices", trade.record_invoices, items)
            if not ids:
                continue
            for t, inv_id in zip(group, ids, strict=True):
                st.r.invoice_ids[t.key] = inv_id
                st.r.fingerprints[t.key] = trade.invoice_fingerprint(
                    uow,
                    o[t.seller].uscc,
                    o[t.buyer].uscc,
                    t.invoice_no,
                    t.invoice_date,
                    Money(t.total_minor, t.currency),
                )

    def _receipts(self, uow: UnitOfWork, receipts: list[Trade]) -> None:
        from scf.trade import service as trade

        for filer, group in by(receipts, lambda t: t.buyer):
            items = [self.shipment(t, "receipt") for t in group]
            self._file(uow, filer, "receipts", trade.record_shipments, items)

    def _confirmations(self, uow: UnitOfWork, invoices: list[Trade]) -> None:
        """Let the debtors confirm by filing the same invoices as their payables."""
        from scf.trade import service as trade

        confirm = [t for t in invoices if t.confirmed and t.key in self.st.r.invoice_ids]
        for filer, group in by(confirm, lambda t: t.buyer):
            items = [self.invoice(t) for t in group]
            self._file(uow, filer, "confirmations", trade.record_invoices, items)

    def _payments(self, uow: UnitOfWork, payments: list[Trade]) -> None:
        """Book the payments the sellers received (not those paid early)."""
        from scf.trade import service as trade

        st = self.st
        pay = [t for t in payments if t.key in st.r.invoice_ids and t.key not in st.paid_early]
        for filer, group in by(pay, lambda t: t.seller):
            items = [
                self.payment(
                    t,
                    t.payment_date or t.due_date,
                    f"PAY{t.invoice_no}",
                    f"invoice {t.invoice_no}",
                )
                for t in group
            ]
            self._file(uow, filer, "payments", trade.record_payments, items)

    # ------------------------------------------------------------ the trade room's inputs

    def shipment(self, t: Trade, kind: str) -> ShipmentInput:
        from scf.trade import service as trade

        o = self.st.orgs
        prefix = "DN" if kind == "delivery" else "GR"
        return trade.ShipmentInput(
            kind=kind,
            number=f"{prefix}{t.order_no}",
            order_number=t.order_no or "",
            seller_uscc=o[t.seller].uscc,
            buyer_uscc=o[t.buyer].uscc,
            on_date=(t.delivery_date if kind == "delivery" else t.receipt_date) or t.order_date,
            lines=[trade.ShipmentLineInput(j, ln.quantity) for j, ln in enumerate(t.lines, 1)],
        )

    def invoice(self, t: Trade) -> InvoiceInput:
        from scf.trade import service as trade

        o = self.st.orgs
        return trade.InvoiceInput(
            number=t.invoice_no,
            seller_uscc=o[t.seller].uscc,
            buyer_uscc=o[t.buyer].uscc,
            issue_date=t.invoice_date,
            currency=t.currency,
            amount_without_tax=amount(t.net_minor),
            tax=amount(t.tax_minor),
            total=amount(t.total_minor),
            due_date=t.due_date,
            order_number=t.order_no,
            lines=[
                trade.LineInput(
                    ln.item,
                    ln.quantity,
                    amount(ln.unit_price_minor),
                    order_line_no=j if t.new_order else None,
                )
                for j, ln in enumerate(t.lines, 1)
            ],
        )

    def payment(self, t: Trade, value_date: date, reference: str, remittance: str) -> PaymentInput:
        """Return the payment of a trade's invoice in full, as its seller books it."""
        from scf.trade import service as trade

        o = self.st.orgs
        return trade.PaymentInput(
            amount=amount(t.total_minor),
            currency=t.currency,
            value_date=value_date,
            reference=reference,
            remittance=remittance,
            payer_uscc=o[t.buyer].uscc,
            payee_uscc=o[t.seller].uscc,
            invoice_number=t.invoice_no,
        )

    # ------------------------------------------------------------ receivables

    def receivable(self, trade_key: str) -> str | None:
        """The receivable of a trade's invoice (looked up per trading pair, on demand)."""
        r = self.st.r
        if trade_key not in r.receivable_ids and trade_key in r.invoice_ids:
            t = self.st.trades[trade_key]
            self._pair_receivables(t.seller, t.buyer)
        return r.receivable_ids.get(trade_key)

    def resolve_receivables(self) -> None:
        """Look up every loaded invoice's receivable once per trading pair (for the checks)."""
        r = self.st.r
        pairs = sorted(
            {(t.seller, t.buyer) for k, t in self.st.trades.items() if k in r.invoice_ids}
        )
        for seller, buyer in pairs:
            self._pair_receivables(seller, buyer)

    def _pair_receivables(self, seller: str, buyer: str) -> None:
        from scf.trade import service as trade

        st = self.st
        if len(self._inv_keys) != len(st.r.invoice_ids):
            self._inv_keys = {v: k for k, v in st.r.invoice_ids.items()}
        by_invoice = self._inv_keys
        with st.p.uow(Actor.system()) as uow:
            for info in trade.receivables_between(
                uow, st.r.org_ids[seller], st.r.org_ids[buyer], with_unused_confirmed=False
            ):
                for inv in info.invoice_ids:
                    if inv in by_invoice:
                        st.r.receivable_ids[by_invoice[inv]] = info.id
