"""Fuzzy search over every kind of entry, ranked best first.

A `SearchIndex` is built over a set of entries: their distinct searchable texts, which entries
and fields each text belongs to, and an index of the distinct words in those texts. A query is
then scored against each distinct text and each distinct word once, however many entries share
them, so search stays fast on large catalogues and never needs the entries themselves until it
has its hits. A catalogue's store keeps one index per segment of consecutive entries
(schema.py), and a `SegmentedIndex` searches them as one.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol

from ..catalogue.models import KINDS, Entry, Kind
from ..plain import Plain

# Where a text comes from, and how much a perfect match there counts (relative to the names).
FIELDS: tuple[tuple[str, float], ...] = (
    ("name", 1.0),
    # The paper introduces a method of this name (`rlhf search grpo` finds DeepSeekMath) ...
    ("method", 1.0),
    # ... or a variant of one (ranked with the names: FIELD_TIERS).
    ("variant", 0.97),
    ("keywords", 0.95),
    ("tasks", 0.95),
    ("authors", 0.9),
    ("dataset", 0.85),
    ("environment", 0.85),
    ("publisher", 0.85),
    ("summary", 0.8),
)
FIELD_CODES = {name: code for code, (name, _) in enumerate(FIELDS)}
FIELD_BITS = 4  # a reference packs (entry position << FIELD_BITS) | field code into one int
# Scores below this (0 to 100, after weighting) are noise, not matches.
MIN_SCORE = 72.0
SHORT_QUERY_CUTOFF = 90.0
# A query word counts as found in a text if some word there is within a few typos of it: none
# for words shorter than 4 letters, one up to 7, two from 8 on (each typo costs EDIT_COST) ...
EDIT_COST = 10.0
# ... or starts with the query word, or shares a long start with it (summarization, summarize).
PREFIX_SCORE = 90.0
STEM_SCORE = 85.0
STEM_LENGTH = 6
# Word-by-word matches rank just below a text that equals the query as a whole.
WORD_SCALE = 0.95
# From here on (CJK radicals onward) scripts are written without spaces between words, so a
# query in them is also looked for as a substring, its score scaled down a little.
UNSPACED_SCRIPTS_START = 0x2E80
SUBSTRING_SCALE = 0.9
KIND_ORDER: tuple[Kind, ...] = ("paper", "method", "codebase", "dataset", "environment", "topic", "book", "blog")
KIND_CODES: dict[str, int] = {kind: code for code, kind in enumerate(KINDS)}


class Hit(Plain):
    position: int  # the entry's position in the catalogue
    score: float
    field: str  # the field of the best match
    text: str  # the matched text, in the index's normalised form


class Named(Protocol):
    @property
    def display_name(self) -> str: ...


class TextSource(Protocol):
    """What building an index needs: entries, and the names of the datasets and environments
    they link to (a Catalogue, or a segment of one with the names of the whole, see schema.py)."""

    @property
    def entries(self) -> Sequence[Entry]: ...

    def datasets_of(self, entry: Entry) -> Sequence[Named]: ...

    def envs_of(self, entry: Entry) -> Sequence[Named]: ...

    # For ranking: how connected an entry is (links to it, and implementations of a paper) ...
    def users_count(self, entry: Entry) -> int: ...

    def implementations_of(self, entry: Entry) -> Sequence[object]: ...

    # ... and, for search, the names of the methods a paper introduces and of those above them.
    def method_names(self, entry: Entry) -> tuple[list[str], list[str]]: ...


# A hit and the key it sorts by (see SearchIndex.search).
RankedHit = tuple[tuple[int, float, float, int, int, str, int], Hit]
# Fields of equal weight are one tier: where a match is ranks first (names, then keywords and
# tasks, then authors, then linked names, then summaries).
FIELD_TIERS = {name: sorted({w for _, w in FIELDS}, reverse=True).index(weight) for name, weight in FIELDS}
# A variant's paper ranks among the names, below an exact name (its weight) and above a name that
# only contains the word: `search dpo` gives DPO, then IPO, SimPO... then Flow-DPO.
FIELD_TIERS["variant"] = FIELD_TIERS["name"]
# Fields whose texts are a list of topics: one match among many covers less of the entry.
LISTED_FIELDS = frozenset({"keywords", "tasks", "authors", "dataset", "environment"})


class SearchIndex(Plain):
    """Distinct texts and words of a catalogue, with compact links back to entries.

    Lists of ints are stored in CSR form: the items of row i are data[offsets[i]:offsets[i+1]].
    """

    texts: list[str]  # distinct searchable texts, normalised (rapidfuzz default_process)
    text_ref_offsets: array[int]
    text_refs: array[int]  # (entry position << FIELD_BITS) | field code
    words: list[str]  # distinct words of all texts, sorted
    word_text_offsets: array[int]
    word_texts: array[int]  # text ids
    entry_kinds: array[int]  # KIND_CODES of each entry
    entry_titles: list[str]  # display names, for breaking ties
    # How many texts each entry has in each field (len(FIELDS) a row, at most 255), and how many
    # links it has to and from other entries (at most 65535): for ranking equal matches.
    entry_field_counts: array[int]
    entry_links: array[int]

    @classmethod
    def build(cls, catalogue: TextSource) -> SearchIndex:
        processed_of: dict[str, str] = {}  # many texts repeat (authors, dataset names): normalise each once
        text_ids: dict[str, int] = {}
        refs: list[list[int]] = []
        field_counts = array("B")
        for position, entry in enumerate(catalogue.entries):
            found, counts = _entry_texts(catalogue, entry, processed_of)
            base = position << FIELD_BITS
            for processed, code in found:
                text_id = text_ids.get(processed)
                if text_id is None:
                    text_id = text_ids[processed] = len(refs)
                    refs.append([])
                ref = base | code
                row = refs[text_id]
                if not row or row[-1] != ref:
                    row.append(ref)
            field_counts.extend(counts)
        texts = list(text_ids)
        text_ref_offsets, text_refs = _csr(refs)
        del refs, text_ids, processed_of  # let go before the word index is made (a big build's peak)
        words, word_text_offsets, word_texts = _word_index(texts)
        return cls(
            texts=texts,
            text_ref_offsets=text_ref_offsets,
            text_refs=text_refs,
            words=words,
            word_text_offsets=word_text_offsets,
            word_texts=word_texts,
            entry_kinds=array("B", (KIND_CODES[entry.KIND] for entry in catalogue.entries)),
            entry_titles=[entry.display_name for entry in catalogue.entries],
            entry_field_counts=field_counts,
            entry_links=array("H", (min(_connections(catalogue, entry), 65535) for entry in catalogue.entries)),
        )

    def patched(self, catalogue: TextSource, changed: Iterable[int]) -> SearchIndex:
        """The index `build(catalogue)` makes, made from this one (built from as many entries) when
        only the entries at the positions `changed` may differ from those it was built from (in
        their texts, kind, title or links): their references are taken out and made again. The
        entries are read only at those positions, and at those of entries that come to hold a
        text first (the order of texts is their first occurrence, entry by entry)."""
        mine = sorted(set(changed))
        touched = set(mine)
        processed_of: dict[str, str] = {}
        # The changed entries' texts: their references by text, and each entry's texts in order.
        added: dict[str, list[int]] = {}
        order_in: dict[int, dict[str, int]] = {}
        entry_kinds, entry_titles = array("B", self.entry_kinds), list(self.entry_titles)
        field_counts, entry_links = array("B", self.entry_field_counts), array("H", self.entry_links)
        width = len(FIELDS)
        for position in mine:
            entry = catalogue.entries[position]
            found, counts = _entry_texts(catalogue, entry, processed_of)
            base = position << FIELD_BITS
            for processed, code in found:
                row = added.setdefault(processed, [])
                if not row or row[-1] != base | code:
                    row.append(base | code)
            order_in[position] = _first_places(found)
            entry_kinds[position] = KIND_CODES[entry.KIND]
            entry_titles[position] = entry.display_name
            field_counts[position * width : (position + 1) * width] = array("B", counts)
            entry_links[position] = min(_connections(catalogue, entry), 65535)
        texts, offsets, refs = self.texts, self.text_ref_offsets, self.text_refs

        def first_of(text_id: int) -> int:  # the entry holding a text first (texts are in that order)
            return refs[offsets[text_id]] >> FIELD_BITS

        # The texts whose references change (those of the changed entries, before and after),
        # with their new references: (old number, or -1 for a new text; text; references).
        id_of = {text: text_id for text_id, text in enumerate(texts)}
        redone = {bisect.bisect_right(offsets, k) - 1 for k, ref in enumerate(refs) if ref >> FIELD_BITS in touched}
        redone.update(id_of[text] for text in added if text in id_of)
        moving: list[tuple[int, str, Sequence[int]]] = []
        moved_to: set[int] = set()  # entries not changed that now hold a text first
        for text_id in redone:
            kept = [ref for ref in refs[offsets[text_id] : offsets[text_id + 1]] if ref >> FIELD_BITS not in touched]
            # References are in entry order; an entry's own, in the order it gives them.
            row = sorted(kept + added.get(texts[text_id], []), key=lambda ref: ref >> FIELD_BITS)
            moving.append((text_id, texts[text_id], row))
            if row and first_of(text_id) in touched and row[0] >> FIELD_BITS not in touched:
                moved_to.add(row[0] >> FIELD_BITS)
        moving += [(-1, text, row) for text, row in added.items() if text not in id_of]
        # An entry that came to hold a text first places its texts anew: those it held first
        # before (together in the old order) move too.
        gone = set(redone)
        every = range(len(texts))
        for position in moved_to:
            order_in[position] = _first_places(_entry_texts(catalogue, catalogue.entries[position], processed_of)[0])
            start = bisect.bisect_left(every, position, key=first_of)
            end = bisect.bisect_right(every, position, lo=start, key=first_of)
            moving += [
                (text_id, texts[text_id], refs[offsets[text_id] : offsets[text_id + 1]])
                for text_id in range(start, end)
                if text_id not in gone
            ]
            gone.update(range(start, end))
        # Each text sorts by the entry holding it first, then by its place among that entry's
        # texts: read for the changed entries and for those that came to hold a text first; the
        # texts any other entry holds first are those it held first before, in the same order.
        placed: list[tuple[tuple[int, int], int, str, Sequence[int]]] = []
        for text_id, text, new_refs in moving:
            if new_refs:
                first = new_refs[0] >> FIELD_BITS
                places = order_in.get(first)
                placed.append(((first, text_id if places is None else places[text]), text_id, text, new_refs))
        placed.sort(key=lambda item: item[0])
        merged = _Merged(self)
        for (first, rank), text_id, text, new_refs in placed:
            # Before it, every text left in place whose (first holder, old number) sorts before.
            merged.keep_until(bisect.bisect_left(every, (first, rank), key=lambda i: (first_of(i), i)), gone)
            merged.add(text_id, text, new_refs)
        merged.keep_until(len(texts), gone)
        words, word_text_offsets, word_texts = self._patched_words(merged, gone)
        return SearchIndex(
            texts=merged.texts,
            text_ref_offsets=merged.offsets,
            text_refs=merged.refs,
            words=words,
            word_text_offsets=word_text_offsets,
            word_texts=word_texts,
            entry_kinds=entry_kinds,
            entry_titles=entry_titles,
            entry_field_counts=field_counts,
            entry_links=entry_links,
        )

    def _patched_words(self, merged: _Merged, gone: set[int]) -> tuple[list[str], array[int], array[int]]:
        """The word index (`_word_index`) of the patched index's texts, from this one's: each word's
        texts renumbered, in the same order; only the words of texts added, taken out or placed
        anew (`gone` from their old places) made again."""
        new_id = merged.new_id
        renumbered = [new_id[text_id] for text_id in self.word_texts]
        found: dict[str, list[int]] = {}  # the words of the texts placed anew, and where
        for number in merged.placed:
            for word in dict.fromkeys(merged.texts[number].split()):
                found.setdefault(word, []).append(number)
        redone = {word for text_id in gone for word in self.texts[text_id].split()} | found.keys()
        offsets, word_texts = self.word_text_offsets, self.word_texts
        old_words = {word: number for number, word in enumerate(self.words)}
        words: list[str] = []
        rows: list[Sequence[int]] = []
        for word in sorted([*self.words, *(word for word in found if word not in old_words)]):
            place = old_words.get(word)
            start, end = (0, 0) if place is None else (offsets[place], offsets[place + 1])
            if word in redone:
                kept = [new_id[text_id] for text_id in word_texts[start:end] if text_id not in gone]
                row: Sequence[int] = sorted(kept + found.get(word, []))
                if not row:
                    continue
            else:  # none of its texts moved: a word only a moved text has is in `redone`
                row = renumbered[start:end]
            words.append(word)
            rows.append(row)
        word_offsets, data = _csr(rows)
        return words, word_offsets, data

    def search(self, query: str, kinds: Iterable[str] | None = None) -> list[Hit]:
        """Entries matching `query`, best first.

        Ranked by where the best match is (FIELD_TIERS: a name or title before a keyword before an
        author before a linked name), then by its score, then by how much of the entry the match
        covers (the query's share of the matched text's words; for a list of keywords, tasks or
        authors, divided by the length of the list: the whole short name beats one keyword of ten),
        then by how connected the entry is (links to and from other entries: code, datasets,
        papers), and only then by kind, title and catalogue order.

        Each text is scored three ways and the best counts: as a whole against the whole query
        (forgives typos: "instruct gtp"), word by word (forgives word order and word forms:
        "summarization" finds "summarize"), and, for scripts written without spaces such as
        Chinese, as a substring ("强化学习" within "逆向强化学习").
        """
        return _best_first(self.ranked_hits(query, kinds))

    def ranked_hits(self, query: str, kinds: Iterable[str] | None = None, offset: int = 0) -> list[RankedHit]:
        """The hits of `query`, unsorted, each with its sort key; positions are shifted by `offset`
        (for an index over part of a catalogue)."""
        from rapidfuzz import fuzz, process, utils

        processed = utils.default_process(query)
        if not processed:
            return []
        scores = self._word_scores(processed.split())
        scorers: list[tuple[Callable[..., float], float]] = [(fuzz.ratio, 1.0)]
        if any(ord(char) >= UNSPACED_SCRIPTS_START for char in processed):
            scorers.append((fuzz.partial_ratio, SUBSTRING_SCALE))
        # A short query is a word or two: as a whole it may differ from a text by one typo at most.
        cutoff = SHORT_QUERY_CUTOFF if len(processed) < 8 else MIN_SCORE
        for scorer, scale in scorers:
            for _, score, text_id in process.extract(
                processed, self.texts, scorer=scorer, processor=None, limit=None, score_cutoff=cutoff / scale
            ):
                scores[text_id] = max(scores.get(text_id, 0.0), score * scale)
        wanted = None if kinds is None else {KIND_CODES[kind] for kind in kinds}
        return self._rank(scores, wanted, offset, len(set(processed.split())))

    def phrase_positions(self, phrase: str, offset: int = 0) -> dict[int, str]:
        """Entries with a searchable text that contains the phrase as whole words, and the field
        (the first in FIELDS order if several)."""
        from rapidfuzz import utils

        wanted = f" {utils.default_process(phrase)} "
        fields: dict[int, int] = {}
        if not wanted.strip():
            return {}
        for text_id, text in enumerate(self.texts):
            if wanted in f" {text} ":
                for ref in self.text_refs[self.text_ref_offsets[text_id] : self.text_ref_offsets[text_id + 1]]:
                    position, field = offset + (ref >> FIELD_BITS), ref & ((1 << FIELD_BITS) - 1)
                    fields[position] = min(field, fields.get(position, field))
        return {position: FIELDS[field][0] for position, field in fields.items()}

    def _word_scores(self, query_words: list[str]) -> dict[int, float]:
        """Score texts by how well each query word matches one of their words, averaged over the query."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        distinct = list(dict.fromkeys(query_words))
        totals: dict[int, float] = {}
        for query_word in distinct:
            typos = _allowed_typos(query_word)
            similar = {
                word_id: 100.0 - EDIT_COST * distance
                for _, distance, word_id in process.extract(
                    query_word, self.words, scorer=OSA.distance, limit=None, score_cutoff=typos
                )
            }
            for word_id, score in self._stems(query_word):
                similar[word_id] = max(similar.get(word_id, 0.0), score)
            best: dict[int, float] = {}
            for word_id, score in similar.items():
                start, end = self.word_text_offsets[word_id], self.word_text_offsets[word_id + 1]
                for text_id in self.word_texts[start:end]:
                    if score > best.get(text_id, 0.0):
                        best[text_id] = score
            for text_id, score in best.items():
                totals[text_id] = totals.get(text_id, 0.0) + score
        return {text_id: WORD_SCALE * total / len(distinct) for text_id, total in totals.items()}

    def _stems(self, query_word: str) -> Iterator[tuple[int, float]]:
        """Words the query word starts (overoptim...), or that share a long start with it."""
        if len(query_word) >= STEM_LENGTH:
            yield from self._starting_with(query_word[:STEM_LENGTH], STEM_SCORE)
        if len(query_word) >= 4:
            yield from self._starting_with(query_word, PREFIX_SCORE)

    def _starting_with(self, prefix: str, score: float) -> Iterator[tuple[int, float]]:
        start = bisect.bisect_left(self.words, prefix)
        end = bisect.bisect_left(self.words, prefix + "\U0010ffff", lo=start)
        for word_id in range(start, end):
            yield word_id, score

    def _rank(
        self, text_scores: dict[int, float], kinds: set[int] | None, offset: int, query_words: int
    ) -> list[RankedHit]:
        # entry position -> (tier, -score, len(text), field code, text) of its best text, smallest first
        best: dict[int, tuple[int, float, int, int, str]] = {}
        top_weight = max(weight for _, weight in FIELDS)
        for text_id, text_score in text_scores.items():
            if text_score * top_weight < MIN_SCORE:
                continue
            text = self.texts[text_id]
            for ref in self.text_refs[self.text_ref_offsets[text_id] : self.text_ref_offsets[text_id + 1]]:
                position, field = ref >> FIELD_BITS, ref & ((1 << FIELD_BITS) - 1)
                if kinds is not None and self.entry_kinds[position] not in kinds:
                    continue
                score = round(text_score * FIELDS[field][1], 1)
                if score < MIN_SCORE:
                    continue
                # Of an entry's equally good texts, the shortest (the closest to the query), then
                # the first in FIELDS order, then in alphabetical order: one answer, however the
                # index is cut into segments.
                candidate = (FIELD_TIERS[FIELDS[field][0]], -score, len(text), field, text)
                if position not in best or candidate < best[position]:
                    best[position] = candidate
        order = {KIND_CODES[kind]: rank for rank, kind in enumerate(KIND_ORDER)}
        ranked: list[RankedHit] = []
        for position, (tier, least, _, field, text) in best.items():
            name = FIELDS[field][0]
            coverage = min(1.0, query_words / max(1, len(text.split())))
            if name in LISTED_FIELDS:
                coverage /= max(1, self.entry_field_counts[position * len(FIELDS) + field])
            key = (
                tier,
                least,
                -round(coverage, 3),
                -self.entry_links[position],
                order[self.entry_kinds[position]],
                self.entry_titles[position].casefold(),
                offset + position,
            )
            ranked.append((key, Hit(offset + position, -least, name, text)))
        return ranked


class SegmentedIndex:
    """The search index of a catalogue kept in segments of consecutive entries, each a
    `SearchIndex` over its own entries; answers as one index over them all would.

    Segments are read when a search needs them (`load(number)`). Unless `keep` is set, each is
    let go once searched, so a search of a big catalogue holds one segment at a time.
    """

    def __init__(self, starts: Sequence[int], load: Callable[[int], SearchIndex], keep: bool) -> None:
        self._starts = starts  # the catalogue position of each segment's first entry
        self._load = load
        self._keep = keep
        self._loaded: dict[int, SearchIndex] = {}

    def _each(self) -> Iterator[tuple[int, SearchIndex]]:
        for number, start in enumerate(self._starts):
            index = self._loaded.get(number) or self._load(number)
            if self._keep:
                self._loaded[number] = index
            yield start, index

    def search(self, query: str, kinds: Iterable[str] | None = None) -> list[Hit]:
        wanted = None if kinds is None else list(kinds)
        return _best_first([pair for start, index in self._each() for pair in index.ranked_hits(query, wanted, start)])

    def phrase_positions(self, phrase: str) -> dict[int, str]:
        found: dict[int, str] = {}
        for start, index in self._each():
            found |= index.phrase_positions(phrase, start)
        return found


def _best_first(ranked: list[RankedHit]) -> list[Hit]:
    return [hit for _, hit in sorted(ranked, key=lambda pair: pair[0])]


def display_text(candidates: Iterable[str], normalised: str) -> str:
    """The original form of a matched text: the candidate that normalises to it."""
    from rapidfuzz import utils

    return next((text for text in candidates if utils.default_process(text) == normalised), normalised)


def field_texts(record: dict[str, object], field: str) -> list[str]:
    """The texts of a record that a search field draws on, to show what a hit matched."""
    keys = {
        "name": ("id", "title", "short_name", "aliases", "name_zh"),
        "method": (),
        "variant": (),
        "keywords": ("keywords",),
        "tasks": ("tasks",),
        "authors": ("authors", "authors_org"),
        "dataset": ("datasets",),
        "environment": ("envs",),
        "publisher": ("publisher",),
        "summary": ("summary", "summary_en", "summary_zh"),
    }[field]
    texts: list[str] = []
    for key in keys:
        value = record.get(key)
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, list):
            texts.extend(item for item in value if isinstance(item, str))
    return texts


def _connections(catalogue: TextSource, entry: Entry) -> int:
    """Links to and from other entries: code, datasets, environments, papers, users, implementations."""
    count = len(entry.code) + len(entry.datasets) + len(entry.envs) + len(entry.papers)
    return count + catalogue.users_count(entry) + len(catalogue.implementations_of(entry))


def _allowed_typos(word: str) -> int:
    """Edits (insert, delete, substitute, swap neighbours) a word may differ by and still match."""
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2


class _Merged:
    """The texts of a patched index and their references (CSR), made in order: runs of an old
    index's texts kept as they were, and texts placed anew (SearchIndex.patched)."""

    def __init__(self, old: SearchIndex) -> None:
        self._old = old
        self._kept = 0  # the old texts before this one are placed or gone
        self.texts: list[str] = []
        self.offsets = array("I", [0])
        self.refs = array("I")
        self.new_id = array("i", [-1]) * len(old.texts)  # each old text's number here, or -1
        self.placed: list[int] = []  # the numbers here of the texts placed anew

    def keep_until(self, stop: int, gone: set[int]) -> None:
        """Keep the old texts before `stop` that are not `gone`, in their order."""
        start = self._kept
        for end in [*sorted(text_id for text_id in gone if start <= text_id < stop), stop]:
            if end > start:
                self._keep(start, end)
            start = end + 1
        self._kept = max(self._kept, stop)

    def _keep(self, start: int, end: int) -> None:
        offsets = self._old.text_ref_offsets
        shift = len(self.refs) - offsets[start]
        self.refs.extend(self._old.text_refs[offsets[start] : offsets[end]])
        self.offsets.extend([offset + shift for offset in offsets[start + 1 : end + 1]])
        self.new_id[start:end] = array("i", range(len(self.texts), len(self.texts) + end - start))
        self.texts.extend(self._old.texts[start:end])

    def add(self, text_id: int, text: str, row: Sequence[int]) -> None:
        """Place a text anew (`text_id` its old number, or -1), with its references."""
        if text_id >= 0:
            self.new_id[text_id] = len(self.texts)
        self.placed.append(len(self.texts))
        self.texts.append(text)
        self.refs.extend(row)
        self.offsets.append(len(self.refs))


def _entry_texts(
    catalogue: TextSource, entry: Entry, processed_of: dict[str, str]
) -> tuple[list[tuple[str, int]], list[int]]:
    """An entry's searchable texts, normalised (those that normalise to nothing left out), each
    with its field's code; and how many texts it has in each field (at most 255)."""
    from rapidfuzz import utils

    found: list[tuple[str, int]] = []
    counts = [0] * len(FIELDS)
    for field, text in search_texts(catalogue, entry):
        code = FIELD_CODES[field]
        counts[code] += 1
        processed = processed_of.get(text)
        if processed is None:
            processed = processed_of[text] = utils.default_process(text)
        if processed:
            found.append((processed, code))
    return found, [min(count, 255) for count in counts]


def _first_places(found: list[tuple[str, int]]) -> dict[str, int]:
    """Each text's place among an entry's distinct texts."""
    return {text: place for place, text in enumerate(dict.fromkeys(text for text, _ in found))}


def _word_index(texts: list[str]) -> tuple[list[str], array[int], array[int]]:
    """The distinct words of `texts`, sorted, and the texts each is in (CSR form)."""
    word_rows: dict[str, list[int]] = {}
    for text_id, text in enumerate(texts):
        for word in dict.fromkeys(text.split()):
            word_rows.setdefault(word, []).append(text_id)
    words = sorted(word_rows)
    offsets, data = _csr(word_rows[word] for word in words)
    return words, offsets, data


def _csr(rows: Iterable[Sequence[int]]) -> tuple[array[int], array[int]]:
    offsets = array("I", [0])
    data = array("I")
    for row in rows:
        data.extend(row)
        offsets.append(len(data))
    return offsets, data


def search_texts(catalogue: TextSource, entry: Entry) -> Iterator[tuple[str, str]]:
    """The texts an entry can be found by, with the field each comes from."""
    for name in dict.fromkeys(entry.names):
        yield "name", name
    for word in entry.keywords:
        yield "keywords", word
    for word in entry.tasks:
        yield "tasks", word
    organisation = entry.authors_org
    for author in [*entry.authors, *([organisation] if organisation else [])]:
        yield "authors", author
    own, above = catalogue.method_names(entry)
    for name in own:
        yield "method", name
    for name in above:
        yield "variant", name
    for dataset in catalogue.datasets_of(entry):
        yield "dataset", dataset.display_name
    for environment in catalogue.envs_of(entry):
        yield "environment", environment.display_name
    if entry.publisher:
        yield "publisher", entry.publisher
    for summary in entry.summaries:
        yield "summary", summary
