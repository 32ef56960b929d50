"""Did-you-mean: the nearest known name to a misspelt one."""

from __future__ import annotations

from typing import Iterable


def _distance(a: str, b: str, bound: int | None = None) -> int:
    """Optimal string alignment distance (Levenshtein plus adjacent transpositions); with
    `bound`, anything above it is reported as bound + 1 as soon as that is certain."""
    la, lb = len(a), len(b)
    if bound is not None and abs(la - lb) > bound:
        return bound + 1
    prev2: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        for j in range(1, lb + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if bound is not None and min(cur) > bound and (not prev2 or min(prev) > bound):
            return bound + 1  # every later row is at least this far
        prev2, prev = prev, cur
    return prev[lb] if bound is None else min(prev[lb], bound + 1)


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate nearest to `name`, or None when nothing is plausibly meant."""
    best, best_d = None, None
    low = name.lower()
    limit = max(1, min(3, len(name) // 3 + (1 if len(name) > 4 else 0)))
    for cand in sorted(set(candidates)):
        if cand.lower() == low:
            return cand
        d = _distance(low, cand.lower(), limit)  # bounded: a 3,000-character name costs no 10^7 steps
        if d > limit:
            continue
        # on a tie, the same letters (a transposition: vcp → vpc, not scp), then the same first letter
        rank = (d, sorted(cand.lower()) != sorted(low), cand.lower()[:1] != low[:1])
        if best_d is None or rank < best_d:
            best, best_d = cand, rank
    if best is None:
        # a prefix or a word inside (e.g. "instance" for "instance_type")
        for cand in sorted(set(candidates)):
            if len(low) >= 4 and (cand.lower().startswith(low) or low.startswith(cand.lower())):
                return cand
    return best


def did_you_mean(name: str, candidates: Iterable[str], quote: str = "'") -> str:
    best = closest(name, candidates)
    return f"did you mean {quote}{best}{quote}?" if best else ""
