"""In-memory prefix index of patient names: instant, accent-insensitive search on 100 000 rows.

Every (term, slot) pair lives in two parallel sorted arrays; one query word is a `bisect` range
`[word, word + U+FFFF)` over the terms, and the matching slots are a C-speed slice of the slot
array. Several words intersect as sets. Results come back most recent first: a small match set
is sorted by its timestamps, a large one is read off the recency order. No SQLite round trip, so
the list filters on each keystroke, offline too.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable

from contracts.text import search_terms, words

_END = "\uffff"


class SearchIndex:
    """Maps conversation ids to slots and patient-name terms to slots; orders by recency."""

    def __init__(self) -> None:
        self._terms: list[str] = []
        self._slots: array[int] = array("i")
        self._ids: list[str] = []
        self._stamps: list[float] = []
        self._slot_of: dict[str, int] = {}
        self._terms_of: list[tuple[str, ...]] = []
        self._order: list[int] = []  # slots, most recent first
        self._order_dirty = False
        self._ordered_ids: list[str] | None = None  # cached answer to the empty query

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, conversation_id: object) -> bool:
        return conversation_id in self._slot_of

    # ---------------------------------------------------------------- building
    def rebuild(self, rows: Iterable[tuple[str, str, str, float]]) -> None:
        """Replace everything with `(conversation_id, first_name, last_name, timestamp)` rows."""
        pairs: list[tuple[str, int]] = []
        self._ids, self._stamps, self._slot_of, self._terms_of = [], [], {}, []
        self._ordered_ids = None
        # Names repeat a lot (first names above all): fold each distinct one once, share the strings.
        memo: dict[tuple[str, str], tuple[str, ...]] = {}
        part_memo: dict[str, tuple[str, ...]] = {}
        for conversation_id, first, last, stamp in rows:
            if conversation_id in self._slot_of:
                continue
            slot = len(self._ids)
            self._ids.append(conversation_id)
            self._stamps.append(stamp)
            self._slot_of[conversation_id] = slot
            key = (first, last)
            terms = memo.get(key)
            if terms is None:
                terms = memo[key] = _terms(first, last, part_memo)
            self._terms_of.append(terms)
            pairs.extend((t, slot) for t in terms)
        pairs.sort()
        self._terms = [t for t, _ in pairs]
        self._slots = array("i", (s for _, s in pairs))
        self._order = sorted(range(len(self._ids)), key=self._stamps.__getitem__, reverse=True)
        self._order_dirty = False

    def upsert(self, conversation_id: str, first: str, last: str, stamp: float) -> None:
        """Add a conversation, or update its name and timestamp."""
        slot = self._slot_of.get(conversation_id)
        terms = tuple(sorted(search_terms(first, last)))
        self._ordered_ids = None
        if slot is None:
            slot = len(self._ids)
            self._ids.append(conversation_id)
            self._stamps.append(stamp)
            self._slot_of[conversation_id] = slot
            self._terms_of.append(())
            self._order.insert(self._order_position(stamp), slot)
        else:
            if self._stamps[slot] != stamp:
                self._stamps[slot] = stamp
                self._order_dirty = True
        old = self._terms_of[slot]
        if old != terms:
            for term in old:
                self._remove_pair(term, slot)
            for term in terms:
                index = bisect.bisect_left(self._terms, term)
                while index < len(self._terms) and self._terms[index] == term and self._slots[index] < slot:
                    index += 1
                self._terms.insert(index, term)
                self._slots.insert(index, slot)
            self._terms_of[slot] = terms

    def touch(self, conversation_id: str, stamp: float) -> None:
        """Move a conversation in the recency order (a new message arrived)."""
        slot = self._slot_of.get(conversation_id)
        if slot is None or self._stamps[slot] == stamp:
            return
        self._stamps[slot] = stamp
        self._ordered_ids = None
        if self._order and self._order[0] != slot and stamp >= self._stamps[self._order[0]]:
            self._order.remove(slot)  # the common case, cheaper than a full re-sort
            self._order.insert(0, slot)
        else:
            self._order_dirty = True

    def _remove_pair(self, term: str, slot: int) -> None:
        index = bisect.bisect_left(self._terms, term)
        while index < len(self._terms) and self._terms[index] == term:
            if self._slots[index] == slot:
                del self._terms[index]
                del self._slots[index]
                return
            index += 1

    def _order_position(self, stamp: float) -> int:
        # The order is descending by stamp: find the first slot older than `stamp`.
        lo, hi = 0, len(self._order)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._stamps[self._order[mid]] >= stamp:
                lo = mid + 1
            else:
                hi = mid
        return lo

    # ---------------------------------------------------------------- querying
    def ordered_ids(self) -> list[str]:
        """Every conversation id, most recent first (a shared list: do not modify it)."""
        if self._ordered_ids is None:
            self._ensure_order()
            ids = self._ids
            self._ordered_ids = [ids[s] for s in self._order]
        return self._ordered_ids

    def search(self, query: str) -> list[str]:
        """Ids whose patient name has, for every query word, a word starting with it; recent first."""
        query_words = [w[:64] for w in words(query)[:6]]
        if not query_words:
            return self.ordered_ids()
        matched: set[int] | None = None
        for word in sorted(set(query_words), key=len, reverse=True):  # longest first: smallest set
            lo = bisect.bisect_left(self._terms, word)
            hi = bisect.bisect_left(self._terms, word + _END, lo)
            found = set(self._slots[lo:hi])
            matched = found if matched is None else matched & found
            if not matched:
                return []
        assert matched is not None
        self._ensure_order()
        ids = self._ids
        if len(matched) * 8 < len(self._order):
            slots = sorted(matched, key=self._stamps.__getitem__, reverse=True)
        else:
            slots = list(filter(matched.__contains__, self._order))
        return [ids[s] for s in slots]

    def _ensure_order(self) -> None:
        if self._order_dirty:
            self._order.sort(key=self._stamps.__getitem__, reverse=True)
            self._order_dirty = False


def _terms(first: str, last: str, memo: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Sorted terms of a name, reusing the folded strings of each part already seen."""
    parts: list[str] = []
    for part in (first, last):
        cached = memo.get(part)
        if cached is None:
            cached = memo[part] = tuple(search_terms(part))
        parts.extend(cached)
    return tuple(sorted(set(parts)))
