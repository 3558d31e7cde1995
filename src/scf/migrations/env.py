"""Alembic environment: runs on the connection handed in by scf.core.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import scf.models  # noqa: F401  (registers every room's tables on the metadata)
from scf.core.db import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    conn = config.attributes.get("connection")
    if conn is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as connection:
            context.configure(
                connection=connection, target_metadata=target_metadata, render_as_batch=True
            )
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
