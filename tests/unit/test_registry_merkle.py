"""RFC 9162 hashing, audit paths and consistency proofs on known trees and random ones."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from scf.registry import merkle

# The 8-leaf test tree of RFC 6962 / RFC 9162 implementations (certificate-transparency
# merkle_tree_test.cc): the leaves and the expected roots of every prefix.
LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
HASHES = [merkle.leaf_hash(x) for x in LEAVES]


def stored(hashes: list[bytes]) -> dict[tuple[int, int], bytes]:
    blocks: dict[tuple[int, int], bytes] = {}
    for i, h in enumerate(hashes):
        sib = {lv: blocks[(lv, j)] for lv, j in merkle.siblings_needed(i)}
        for lv, j, hh in merkle.new_blocks(i, h, sib):
            blocks[(lv, j)] = hh
    return blocks


def test_hash_prefixes() -> None:
    assert merkle.leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert merkle.node_hash(b"L", b"R") == hashlib.sha256(b"\x01LR").digest()
    assert merkle.mth([]) == hashlib.sha256(b"").digest()


def test_known_roots() -> None:
    for n in range(1, 9):
        assert merkle.mth(HASHES[:n]).hex() == ROOTS[n - 1]


def test_known_audit_paths() -> None:
    # RFC 9162 2.1.5: the tree of seven leaves a..d6 with interior nodes g..l
    a, b, c, d, e, f, d6 = HASHES[:7]
    g, h, i = merkle.node_hash(a, b), merkle.node_hash(c, d), merkle.node_hash(e, f)
    j = d6
    k, l_ = merkle.node_hash(g, h), merkle.node_hash(i, j)
    sub = merkle.list_subtree(HASHES[:7])
    assert merkle.node_hash(k, l_).hex() == ROOTS[6]
    assert merkle.inclusion_path(0, 7, sub) == [b, h, l_]
    assert merkle.inclusion_path(3, 7, sub) == [c, g, l_]
    assert merkle.inclusion_path(4, 7, sub) == [f, j, k]
    assert merkle.inclusion_path(6, 7, sub) == [i, k]
    # the RFC's consistency examples
    assert merkle.consistency_proof(3, 7, sub) == [c, d, g, l_]
    assert merkle.consistency_proof(4, 7, sub) == [l_]
    assert merkle.consistency_proof(6, 7, sub) == [i, j, k]


def test_stored_subtrees_give_the_same_proofs() -> None:
    blocks = stored(HASHES)
    sub = merkle.stored_subtree(blocks)
    for n in range(1, 9):
        assert sub(0, n).hex() == ROOTS[n - 1]
        for m in range(n):
            path = merkle.inclusion_path(m, n, sub)
            assert path == merkle.inclusion_path(m, n, merkle.list_subtree(HASHES))
            assert merkle.verify_inclusion(m, n, HASHES[m], path, sub(0, n))


def test_proof_reads_are_logarithmic() -> None:
    n = 2_000_000
    for m in (0, 1, 999_999, n - 1):
        ranges = merkle.ranges_for(lambda s, m=m: merkle.inclusion_path(m, n, s))
        assert len(merkle.needed_blocks(ranges)) <= 2 * n.bit_length()
    ranges = merkle.ranges_for(lambda s: merkle.consistency_proof(1_234_567, n, s))
    assert len(merkle.needed_blocks(ranges)) <= 3 * n.bit_length()


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 70), st.data())
def test_proofs_verify_and_tampering_fails(n: int, data: st.DataObject) -> None:
    hashes = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    sub = merkle.stored_subtree(stored(hashes))
    root = merkle.mth(hashes)
    m = data.draw(st.integers(0, n - 1))
    path = merkle.inclusion_path(m, n, sub)
    assert merkle.verify_inclusion(m, n, hashes[m], path, root)
    assert not merkle.verify_inclusion(m, n, merkle.leaf_hash(b"x"), path, root)
    if path:
        bad = [*path[:-1], merkle.leaf_hash(b"y")]
        assert not merkle.verify_inclusion(m, n, hashes[m], bad, root)
    first = data.draw(st.integers(1, n))
    proof = merkle.consistency_proof(first, n, sub)
    first_root = merkle.mth(hashes[:first])
    assert merkle.verify_consistency(first, n, first_root, root, proof)
    assert not merkle.verify_consistency(first, n, merkle.leaf_hash(b"z"), root, proof)
    if proof:
        assert not merkle.verify_consistency(
            first, n, first_root, root, [*proof[:-1], merkle.leaf_hash(b"w")]
        )
