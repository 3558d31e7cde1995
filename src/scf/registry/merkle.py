"""RFC 9162 Merkle tree hashing, audit paths and consistency proofs (section 2.1).

Pure functions over a `subtree(start, end)` callback that returns MTH(D[start:end]), so the
same algorithms run on an in-memory list (tests, the verifier) and on the stored hashes of
complete subtrees (the service), where each proof needs only O(log n) reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

Subtree = Callable[[int, int], bytes]
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """MTH of one entry: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """An interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than n (n >= 2)."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def aligned_blocks(start: int, end: int) -> list[tuple[int, int]]:
    """Cut D[start:end] (start aligned as the RFC recursion makes it) into complete subtrees.

    Returns (level, index) pairs, left to right: the subtree at `level` covers leaves
    [index * 2**level, (index + 1) * 2**level).
    """
    out: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        size = end - pos
        level = size.bit_length() - 1
        # the block must also be aligned to its own size
        while pos % (1 << level):
            level -= 1
        out.append((level, pos >> level))
        pos += 1 << level
    return out


def fold_blocks(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its complete subtrees, left to right (sizes strictly decreasing)."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def mth(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of leaf hashes, by the RFC's recursive definition."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = split_point(n)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def list_subtree(leaf_hashes: Sequence[bytes]) -> Subtree:
    """A subtree callback over an in-memory list of leaf hashes."""

    def subtree(start: int, end: int) -> bytes:
        return mth(leaf_hashes[start:end])

    return subtree


def inclusion_path(m: int, n: int, subtree: Subtree) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf m in the tree of size n (RFC 9162 2.1.3.1)."""
    if not 0 <= m < n:
        raise ValueError(f"leaf index {m} is outside a tree of size {n}")
    return _path(m, 0, n, subtree)


def _path(m: int, start: int, end: int, subtree: Subtree) -> list[bytes]:
    n = end - start
    if n == 1:
        return []
    k = split_point(n)
    if m < k:
        return [*_path(m, start, start + k, subtree), subtree(start + k, end)]
    return [*_path(m - k, start + k, end, subtree), subtree(start, start + k)]


def consistency_proof(m: int, n: int, subtree: Subtree) -> list[bytes]:
    """PROOF(m, D[n]) between tree sizes m and n (RFC 9162 2.1.4.1)."""
    if not 0 < m <= n:
        raise ValueError(f"no consistency proof from size {m} to size {n}")
    return _subproof(m, 0, n, True, subtree)


def _subproof(m: int, start: int, end: int, complete: bool, subtree: Subtree) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if complete else [subtree(start, end)]
    k = split_point(n)
    if m <= k:
        return [*_subproof(m, start, start + k, complete, subtree), subtree(start + k, end)]
    return [*_subproof(m - k, start + k, end, False, subtree), subtree(start, start + k)]


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf: bytes, path: Sequence[bytes], root: bytes
) -> bool:
    """Check an audit path against a root (RFC 9162 2.1.3.2); `leaf` is the leaf hash."""
    if leaf_index >= tree_size or leaf_index < 0:
        return False
    fn, sn = leaf_index, tree_size - 1
    r = leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                fn, sn = _climb(fn, sn)
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def _climb(fn: int, sn: int) -> tuple[int, int]:
    """Shift both node indexes right until the first is odd or zero (RFC 9162 2.1.3.2)."""
    while True:
        fn >>= 1
        sn >>= 1
        if fn & 1 or fn == 0:
            return fn, sn


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Check a consistency proof between two signed roots (RFC 9162 2.1.4.2)."""
    if first > second or first <= 0:
        return False
    if first == second:
        return len(proof) == 0 and first_root == second_root
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first root is the proof's implicit head
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                fn, sn = _climb(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def needed_blocks(ranges: Sequence[tuple[int, int]]) -> set[tuple[int, int]]:
    """The complete subtrees (level, index) whose stored hashes give MTH of each range."""
    out: set[tuple[int, int]] = set()
    for start, end in ranges:
        out.update(aligned_blocks(start, end))
    return out


def ranges_for(fn: Callable[[Subtree], object]) -> list[tuple[int, int]]:
    """Record which ranges a proof algorithm asks for, without any hashes (a planning pass)."""
    asked: list[tuple[int, int]] = []

    def recorder(start: int, end: int) -> bytes:
        asked.append((start, end))
        return b""

    fn(recorder)
    return asked


def stored_subtree(blocks: dict[tuple[int, int], bytes]) -> Subtree:
    """A subtree callback over stored complete-subtree hashes keyed by (level, index)."""

    def subtree(start: int, end: int) -> bytes:
        return fold_blocks([blocks[b] for b in aligned_blocks(start, end)])

    return subtree


def new_blocks(
    size: int, leaf: bytes, left_siblings: dict[int, bytes]
) -> list[tuple[int, int, bytes]]:
    """The complete subtrees that appending leaf number `size` (0-based) completes.

    `left_siblings[level]` is the stored hash of the complete subtree just left of the new one
    at that level; see `siblings_needed`.
    """
    out = [(0, size, leaf)]
    level, idx, h = 0, size, leaf
    while idx & 1:
        h = node_hash(left_siblings[level], h)
        level, idx = level + 1, idx >> 1
        out.append((level, idx, h))
    return out


def siblings_needed(size: int) -> list[tuple[int, int]]:
    """The (level, index) of the left siblings that `new_blocks(size, ...)` combines with."""
    out: list[tuple[int, int]] = []
    level, idx = 0, size
    while idx & 1:
        out.append((level, idx - 1))
        level, idx = level + 1, idx >> 1
    return out
