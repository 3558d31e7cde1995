"""Documented answers of the risk API that the route modules do not model themselves.

The routes keep returning their own JSON; these models only describe it in the OpenAPI
document (`scf.core.schema.answers`), where the tests' DocumentedClient and the fuzzing
run check every real answer against them."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from scf.core.schema import Answer, MoneyOut


class ContagionPartyOut(Answer):
    org_id: str
    exposure: MoneyOut = Field(description="what reaches the party if the core defaults (CNY)")
    distressed: bool = Field(description="whether the loss exceeds what the party can absorb")
    institution: bool = Field(description="a funder, where the contagion stops")


class ContagionTierOut(Answer):
    tier: int = Field(description="hops from the core enterprise")
    parties: list[ContagionPartyOut]


class ContagionOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "core": "org_01M914RZC9HSYR301RWJJA7KMA",
                    "tiers": [
                        {
                            "tier": 1,
                            "parties": [
                                {
                                    "org_id": "org_01M914RZERYEC1YTRS49YFYQ2K",
                                    "exposure": {"amount": "600000.00", "currency": "CNY"},
                                    "distressed": True,
                                    "institution": False,
                                }
                            ],
                        }
                    ],
                    "total": {"amount": "600000.00", "currency": "CNY"},
                }
            ]
        },
    )

    core: str = Field(description="the core enterprise supposed to default")
    tiers: list[ContagionTierOut]
    total: MoneyOut = Field(description="the exposure reaching every party, summed (CNY)")
