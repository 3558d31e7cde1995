"""Tolerant matching of grantor names for the public search.

A person types part of a name, a name with a typo, full-width characters or another legal
suffix; the registry still finds the grantor. Names are folded first (`fold_name`: NFKC,
case, spacing, punctuation and the legal form dropped). Then a name matches when it equals
the folded query, contains it, or is close to it by edit distance (rapidfuzz's normalised
Indel similarity, at least `SIMILAR` out of 100). On PostgreSQL the candidates come from a
trigram index (pg_trgm) and a substring test in the database; on SQLite every distinct folded
name is scored in the application, which rapidfuzz does in C.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import func, or_, select

from scf.core.errors import InvalidInput
from scf.core.uow import UnitOfWork
from scf.registry.model import MatchKind, fold_name
from scf.registry.tables import GrantorRow

SIMILAR = 75  # the least similarity (0..100) a name needs to count as a typo of the query
TRIGRAM_FLOOR = 0.2  # pg_trgm similarity below which PostgreSQL does not offer a candidate
CONTAINS_SCORE = 90  # a name that contains the whole query ranks below an exact one


@dataclass(frozen=True)
class Match:
    folded: str
    score: int  # 100 exact, 90+ contains the query, otherwise the similarity
    how: str  # a MatchKind

    def as_dict(self, name: str) -> dict[str, Any]:
        return {"grantor_name": name, "score": self.score, "how": self.how}


def score(query: str, name: str) -> Match | None:
    """How well a folded name matches a folded query, or None."""
    if name == query:
        return Match(name, 100, MatchKind.EXACT.value)
    if query in name:
        # the more of the name the query covers, the better
        return Match(
            name, CONTAINS_SCORE + round(9 * len(query) / len(name)), MatchKind.CONTAINS.value
        )
    similarity = round(fuzz.ratio(query, name))
    return Match(name, similarity, MatchKind.SIMILAR.value) if similarity >= SIMILAR else None


def _candidates(uow: UnitOfWork, folded: str, limit: int) -> list[str]:
    s = uow.session
    if s.get_bind().dialect.name == "postgresql":
        stmt = (
            select(GrantorRow.name_folded)
            .where(
                or_(
                    func.strpos(GrantorRow.name_folded, folded) > 0,
                    func.similarity(GrantorRow.name_folded, folded) >= TRIGRAM_FLOOR,
                )
            )
            .distinct()
            .limit(limit * 20)
        )
        return list(s.scalars(stmt))
    names = list(s.scalars(select(GrantorRow.name_folded).distinct()))
    quick = process.extract(folded, names, scorer=fuzz.ratio, score_cutoff=SIMILAR, limit=None)
    return [n for n in names if folded in n] + [m[0] for m in quick]


def tolerant_matches(uow: UnitOfWork, grantor_name: str, limit: int = 200) -> dict[str, Match]:
    """The folded names that match, best first (at most `limit`)."""
    folded = fold_name(grantor_name)
    if not folded:
        raise InvalidInput("the name has no letters or digits", field="grantor_name")
    found: dict[str, Match] = {}
    for name in _candidates(uow, folded, limit):
        m = score(folded, name)
        if m is not None:
            found[name] = m
    best = sorted(found.values(), key=lambda m: (-m.score, m.folded))[:limit]
    return {m.folded: m for m in best}


def best_match(registration: dict[str, Any], matches: dict[str, Match]) -> dict[str, Any]:
    """The grantor of a found registration that matched best, with its score and how."""
    pairs = [
        (matches[f], g["name"])
        for g in registration.get("grantors", [])
        if (f := fold_name(str(g.get("name", "")))) in matches
    ]
    if not pairs:  # cannot happen: the registration was found through one of its grantors
        return {"grantor_name": None, "score": 0, "how": MatchKind.SIMILAR.value}
    m, name = max(pairs, key=lambda p: p[0].score)
    return m.as_dict(name)
