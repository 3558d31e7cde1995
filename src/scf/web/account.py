"""Every user's own account pages: the sessions logged in, revoking them, the password."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request

from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.web.common import Form, Pages

# Times are shown as people in China read them.
SHOWN_IN = ZoneInfo("Asia/Shanghai")

pages = Pages(home="/account/sessions")
router = pages.router


def shown(at: datetime | None) -> str:
    return at.astimezone(SHOWN_IN).strftime("%Y-%m-%d %H:%M") if at is not None else ""


@pages.view("/account/sessions", "account/sessions.html")
def account_sessions(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show the user's live sessions, the one in use marked, and the password form."""
    rows = parties.list_sessions(uow)
    return {
        "sessions": [
            {
                "id": r.id,
                "created_at": shown(r.created_at),
                "last_seen_at": shown(r.last_seen_at),
                "client_address": r.client_address,
                "user_agent": r.user_agent,
                "current": r.id == uow.actor.token_id,
            }
            for r in rows
        ]
    }


@pages.command("/account/sessions/{session_id}/revoke")
def account_revoke(uow: UnitOfWork, form: Form, session_id: str) -> None:
    """Log one of the user's sessions out."""
    parties.revoke_session(uow, session_id)


@pages.command("/account/sessions/revoke-others")
def account_revoke_others(uow: UnitOfWork, form: Form) -> None:
    """Log out every other session of the user."""
    parties.revoke_other_sessions(uow)


@pages.command("/account/password")
def account_password(uow: UnitOfWork, form: Form) -> None:
    """Change the password; every other session and API token of the user is revoked."""
    parties.change_password(uow, form.text("current_password"), form.text("new_password"))
