"""A normalised vocabulary of the commodities pledged in warehouses: one key per commodity.

Warehouses, traders and exchanges name the same goods many ways: a synonym (足金 for 黄金),
a trade name (标准金锭, IFO380), the exchange's grade written as the name (Au99.99, RMG380),
or the customs code (HS 7108). `commodity_key` maps each to the commodity's key, so that
goods are compared as goods whatever they are called; `purity` reads the fineness of a
precious metal's grade, so that Au99.99 and AU9999 are one grade and Au99.5 another. Names
the vocabulary does not know keep their own folded spelling as their key.

Sources of the names: the Shanghai Gold Exchange's delivery grades (Au99.99, Au99.95,
Au99.5), ISO 8217 residual marine fuel grades (RMG 380 / IFO 380 / 380 cSt), the Shanghai
Futures Exchange's deliverable grades, and the Customs Tariff of the PRC (HS headings).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Commodity:
    key: str
    names: tuple[str, ...]  # synonyms and trade names, any case and width
    hs_prefixes: tuple[str, ...]  # customs codes that name the commodity, by prefix
    patterns: tuple[str, ...] = ()  # grades written as the name (regular expressions)


VOCABULARY: tuple[Commodity, ...] = (
    Commodity(
        "黄金",
        ("黄金", "金", "足金", "千足金", "万足金", "纯金", "金锭", "标准金锭", "金条", "gold"),
        ("7108",),
        (r"au ?9{2,}[0-9.]*", r"au ?t ?d"),
    ),
    Commodity(
        "白银",
        ("白银", "银", "足银", "纯银", "银锭", "标准银锭", "silver"),
        ("7106",),
        (r"ag ?9{2,}[0-9.]*",),
    ),
    Commodity(
        "铂金",
        ("铂金", "铂", "白金", "platinum"),
        ("711011",),
        (r"pt ?9{2,}[0-9.]*",),
    ),
    Commodity(
        "电解铜",
        ("电解铜", "阴极铜", "精炼铜", "铜板", "copper cathode", "cathode copper", "cu-cath-1"),
        ("740311",),
        (r"cu ?-?cath.*",),
    ),
    Commodity(
        "铝锭", ("铝锭", "原铝", "电解铝", "primary aluminium", "aluminium ingot"), ("7601",)
    ),
    Commodity("锌锭", ("锌锭", "精锌", "zinc ingot"), ("7901",)),
    Commodity("镍板", ("镍板", "电解镍", "精炼镍", "nickel cathode"), ("7502",)),
    Commodity(
        "保税燃料油",
        (
            "保税燃料油",
            "燃料油",
            "船用燃料油",
            "保税船用燃料油",
            "重质燃料油",
            "残渣燃料油",
            "fuel oil",
            "marine fuel oil",
            "bunker fuel",
            "hsfo",
            "lsfo",
            "vlsfo",
        ),
        ("27101922", "27101923"),
        (r"(ifo|rmg|rme|rmk|mfo) ?[0-9]{2,3}", r"[0-9]{3} ?cst"),
    ),
    Commodity("螺纹钢", ("螺纹钢", "带肋钢筋", "钢筋", "rebar"), ("721420",)),
    Commodity("热轧卷板", ("热轧卷板", "热卷", "热轧板卷", "hot rolled coil", "hrc"), ("720836",)),
    Commodity("铁矿石", ("铁矿石", "铁精粉", "铁矿砂", "iron ore"), ("2601",)),
    Commodity("大豆", ("大豆", "黄大豆", "进口大豆", "soybean", "soybeans"), ("1201",)),
)


def fold(text: str) -> str:
    """Full-width to half-width, case folded, runs of blanks as one space, ends stripped."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _compact(text: str) -> str:
    return re.sub(r"[\s._\-/]+", "", fold(text))


_BY_NAME = {_compact(n): c.key for c in VOCABULARY for n in (c.key, *c.names)}
_PATTERNS = [(re.compile(p), c.key) for c in VOCABULARY for p in c.patterns]


def commodity_key(name: str) -> str:
    """The commodity's key in the vocabulary, or the folded name when it is not in it."""
    compact = _compact(name)
    if compact.isdigit() and len(compact) >= 4:  # a customs (HS) code
        for c in VOCABULARY:
            if any(compact.startswith(p) or p.startswith(compact) for p in c.hs_prefixes):
                return c.key
        return f"hs:{compact}"
    if compact in _BY_NAME:
        return _BY_NAME[compact]
    spaced = fold(name)
    for pattern, key in _PATTERNS:
        if pattern.fullmatch(spaced) or pattern.fullmatch(compact):
            return key
    return spaced


def purity(grade: str) -> str | None:
    """A precious metal's fineness from its grade ("Au99.99", "AU9999" -> "9999"), or None."""
    m = re.fullmatch(r"(?:au|ag|pt|pd)?(9{2,}[0-9]*)", _compact(grade))
    return m.group(1) if m else None


def same_grade(a: str, b: str) -> bool:
    """Whether two grades may be the same goods: equal when folded, or of equal fineness; grades
    written in systems the vocabulary cannot compare (380CST, RMG380) are not told apart."""
    if _compact(a) == _compact(b):
        return True
    pa, pb = purity(a), purity(b)
    return pa is None or pb is None or pa == pb


def lot_core(lot: str) -> str:
    """The digits of a lot number, which survive a renumbering ("LOT0123" and "0123-A")."""
    return "".join(ch for ch in fold(lot) if ch.isdigit())
