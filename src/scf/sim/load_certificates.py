"""The certificates room's part: the cores' credit lines, payable certificates issued against
confirmed receivables, pieces transferred up the chain and discounted at a funder, and each
certificate paid by its core at maturity."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from scf.core.money import Money
from scf.sim.load_state import LoadState
from scf.sim.load_trade import TradeDocuments
from scf.sim.model import CertFinance, CertIssue, CertTransfer, CreditLine


class Certificates:
    """Grants the credit lines and runs each certificate event as the party that acts."""

    def __init__(self, st: LoadState, documents: TradeDocuments) -> None:
        self.st = st
        self.documents = documents
        self.line_ids: dict[str, str] = {}  # credit line key -> line id
        self.maturing: dict[str, tuple[date, str]] = {}  # certificate key -> maturity, core

    def grant_lines(self, lines: Iterable[CreditLine]) -> None:
        from scf.certificates import service as certs

        st = self.st
        for ln in lines:
            with st.p.uow(st.actor(ln.funder)) as uow:
                row = st.attempt(
                    "credit line",
                    partial(
                        certs.grant_line,
                        uow,
                        st.r.org_ids[ln.core],
                        Money(ln.limit_minor, ln.currency),
                        ln.expires_on,
                    ),
                )
                if row is not None:
                    self.line_ids[ln.key] = row.id
                    st.r.counts["credit_lines"] += 1

    def issue(self, ev: CertIssue) -> None:
        """Issue the core's certificate on the supplier's receivable, due in 30 to 170 days."""
        from scf.certificates import service as certs

        st = self.st
        rid = self.documents.receivable(ev.trade)
        line = self.line_ids.get(ev.line)
        if rid is None or line is None:
            return
        today = st.clock.today()
        maturity = min(max(ev.maturity_on, today + timedelta(days=30)), today + timedelta(days=170))
        with st.p.uow(st.actor(ev.core)) as uow:
            row = st.attempt(
                "certificate",
                lambda: certs.issue_certificate(
                    uow,
                    line_id=line,
                    supplier_org_id=st.r.org_ids[ev.supplier],
                    receivable_ids=[rid],
                    face=Money(ev.face_minor, ev.currency),
                    maturity_on=maturity,
                ),
            )
            if row is not None:
                st.r.certificate_ids[ev.key] = row.id
                st.r.counts["certificates"] += 1
                self.maturing[ev.key] = (row.maturity_on, ev.core)

    def _piece(self, holder: str, cert_key: str, at_least: int = 1) -> Any:
        """Return the holder's largest piece of the certificate, of `at_least` or more."""
        from scf.certificates import service as certs

        st = self.st
        cert_id = st.r.certificate_ids.get(cert_key)
        if cert_id is None:
            return None
        with st.p.uow(st.actor(holder)) as uow:
            pieces = [
                p
                for p in certs.list_pieces(uow)
                if p.certificate_id == cert_id and p.face_minor >= at_least
            ]
        return max(pieces, key=lambda p: p.face_minor) if pieces else None

    def transfer(self, ev: CertTransfer) -> None:
        """Let the holder pay a supplier of its own with part of a piece, on that trade."""
        from scf.certificates import service as certs

        st = self.st
        piece = self._piece(ev.holder, ev.cert, ev.amount_minor)
        rid = self.documents.receivable(ev.trade)
        if piece is None or rid is None:
            return
        with st.p.uow(st.actor(ev.holder)) as uow:
            if st.attempt(
                "transfer",
                lambda: certs.transfer_piece(
                    uow,
                    piece.id,
                    st.r.org_ids[ev.to],
                    amount=Money(ev.amount_minor, piece.currency),
                    receivable_id=rid,
                ),
            ):
                st.r.counts["certificate_transfers"] += 1

    def finance(self, ev: CertFinance) -> None:
        """Let the holder offer its piece to a funder for discounting, and the funder accept."""
        from scf.certificates import service as certs

        st = self.st
        piece = self._piece(ev.holder, ev.cert)
        if piece is None:
            return
        with st.p.uow(st.actor(ev.holder)) as uow:
            offer = st.attempt(
                "offer",
                lambda: certs.offer_financing(
                    uow, piece.id, st.r.org_ids[ev.funder], Decimal(ev.rate)
                ),
            )
        if offer is None:
            return
        with st.p.uow(st.actor(ev.funder)) as uow:
            if st.attempt("accept", lambda: certs.accept_financing(uow, offer.id)):
                st.r.counts["certificate_financings"] += 1

    def settle(self, today: date) -> None:
        """Let each core pay what matured by `today`: it instructs the payments (pain.001) and
        reconciles its bank's statement (camt.053) booked on the maturity day."""
        from scf.certificates import service as certs

        st = self.st
        due = sorted((on, key) for key, (on, _core) in self.maturing.items() if on <= today)
        for maturity, key in due:
            core = self.maturing.pop(key)[1]
            cert_id = st.r.certificate_ids[key]
            with st.p.uow(st.actor(core)) as uow:
                out = st.attempt("settlement", partial(certs.instruct_settlement, uow, cert_id))
                pays = [(p.end_to_end_id, p.amount) for p in out.payments] if out else []
            if not pays:
                continue
            xml = certs.build_camt053(pays, maturity, f"SIM-{key}")
            with st.p.uow(st.actor(core)) as uow:
                if st.attempt("statement", partial(certs.reconcile_statement, uow, xml)):
                    st.r.counts["certificates_settled"] += 1
