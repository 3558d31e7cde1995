"""Settings validated from the environment (prefix SCF_)."""

from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-change-me-in-production-0123456789"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCF_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./var/scf.db"
    # Keys invoice fingerprints (HMAC) and salts person-ID hashes. Changing it orphans both,
    # so production sets it once from a secret store.
    secret_key: str = DEV_SECRET
    # Data keys sealing sensitive personal information at rest (scf.core.sealed), by version:
    # `1:<base64 of 32 bytes>,2:<...>`; the highest seals unless SCF_DATA_KEY_VERSION says.
    # Unset: a development key derived from the secret key. Keep every version still in use.
    data_keys: str = ""
    data_key_version: int | None = None
    calendar_dir: Path | None = Path("./var/calendar")
    # Base64 raw Ed25519 private key that signs registry tree heads; unset: kept in ./var.
    registry_signing_key: str | None = None
    # The witnesses whose co-signatures of tree heads the registry accepts and shows:
    # comma-separated hex raw Ed25519 public keys (`scf registry witness` prints its own).
    registry_witness_keys: str = ""
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    token_ttl_minutes: int = Field(default=12 * 60, ge=1)
    api_token_ttl_days: int = Field(default=365, ge=1)
    # Failed logins (scf.parties.throttle): the counters live in the database, or in Redis
    # (a redis:// URL) that several API instances share. Each tier "N/period" locks the
    # account, or the client address, for the rest of its window after N failures: the
    # longer tiers make the delays grow. The namespace keeps platforms on one Redis apart.
    login_throttle_storage: str = "database"
    login_throttle_account: str = "5/minute;10/15 minutes;20/hour"
    login_throttle_address: str = "20/minute;100/hour"
    login_throttle_namespace: str = Field(default="scf", min_length=1, max_length=40)
    log_json: bool = True
    host: str = "127.0.0.1"
    # How the platform names itself in the documents it publishes (the SCF standards' issuer).
    public_name: str = "scf 供应链金融公共服务平台"
    public_url: str = "http://127.0.0.1:8000"
    port: int = 8000
    # The risk follower (scf.risk.follower) as a background task of the server: `scf serve`
    # and `scf demo` turn it on unless told --no-risk-follow; tests leave it off.
    risk_follow: bool = False
    risk_follow_seconds: float = Field(default=5.0, gt=0)
    # The purge of records past their retention (scf.governance) as a background task of the
    # server, every so many hours: `scf serve` runs it daily unless told otherwise; 0 is off.
    purge_every_hours: float = Field(default=0.0, ge=0)
    # Single registry filings from concurrent callers share one commit (scf.registry.sequencer,
    # docs/registry.md); SCF_REGISTRY_GROUP_COMMIT=false files each in its own transaction.
    registry_group_commit: bool = True
    # Single certificate transfers from concurrent callers share one commit
    # (scf.certificates.sequencer, docs/certificates.md); SCF_CERTIFICATE_GROUP_COMMIT=false
    # runs each in its own transaction.
    certificate_group_commit: bool = True
    # Events past one machine (scf.events, docs/city.md): unset, the embedded mode, where the
    # server's risk follower polls the audit log; a nats:// URL, the relay publishes the audit
    # log to the JetStream stream `events_stream` (subjects `events_subject`.<aggregate type>)
    # and the event workers consume it (the servers then leave the polling follower off).
    events_url: str | None = None
    events_stream: str = Field(default="SCF_AUDIT", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    events_subject: str = Field(default="scf.audit", pattern=r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$")
    # Seconds a worker may hold an entry unacknowledged before JetStream hands it to another.
    events_ack_wait: float = Field(default=30.0, gt=0)

    @field_validator("secret_key")
    @classmethod
    def _long_secret(cls, v: str) -> str:
        if len(v) < 32:
            raise ValueError("SCF_SECRET_KEY must be at least 32 characters")
        if v == DEV_SECRET:
            warnings.warn(
                "SCF_SECRET_KEY is the development default; set it in production",
                stacklevel=2,
            )
        return v

    @field_validator("login_throttle_account", "login_throttle_address")
    @classmethod
    def _limits(cls, v: str) -> str:
        from limits import parse_many

        try:
            parse_many(v)
        except ValueError as exc:
            raise ValueError(f"tiers such as '5/minute;10/15 minutes': {exc}") from None
        return v

    @field_validator("login_throttle_storage")
    @classmethod
    def _throttle_storage(cls, v: str) -> str:
        if v != "database" and not v.startswith(("redis://", "rediss://", "redis+unix://")):
            raise ValueError("'database' or a redis:// URL")
        return v

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Settings()
