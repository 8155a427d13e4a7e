"""Related papers: the most similar papers by TF-IDF over title and abstract.

Computed once per build. Comparing every pair of papers grows with the square
of the corpus (200 million pairs at 20,000 papers), so each paper is reduced to
a *signature*: its highest-weighted TF-IDF terms, the words that make it
distinctive (words found in one paper only are left out: they relate nothing).
An inverted index over the signatures finds candidates: each paper searches
with its rarest signature terms, as many as keep its candidates within a fixed
budget, and scores each candidate by the products of their weights on those
terms, the part of the signatures' cosine that the search terms carry. Common
words would make every paper a candidate of every other while saying little
about relatedness; with the budget the work grows linearly with the corpus.

The arithmetic runs in numpy over flat arrays. Logarithms come from Python's
``math`` (numpy's vectorised log may differ in the last bit between CPUs), and
the rest is multiplication, addition and square roots in a fixed order, so the
result is the same on every machine; ties break by the papers' order.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from typing import Any, Callable, Sequence

import numpy as np

# Terms per paper that take part in similarity.
SIGNATURE_TERMS = 16
# How many candidates a paper considers, counted with repeats.
CANDIDATES_PER_PAPER = 96
# A term in more signatures than this never proposes candidates.
MAX_POSTINGS = 2000

# Every ASCII character but letters, digits and hyphens separates words:
# str.translate and str.split tokenise 20,000 abstracts faster than a regex.
_SEPARATORS = str.maketrans(
    {chr(c): " " for c in range(128) if not (chr(c).isalnum() or chr(c) == "-")}
)
_STOPWORDS = frozenset(
    """about above across after again against all also although among an and another any are as at
    be because been before being below between both but by can could did do does doing done down
    during each either even every few for from further had has have having here how however if in
    into is it its itself just may might more most much must no nor not now of off often on once one
    only or other our ours out over own per rather same several should since so some such than that
    the their them then there these they this those through thus to too under until up upon us use
    used uses using very via was we well were what when where whether which while who whom whose why
    will with within without would yet you your paper propose proposed proposes present presents
    introduce introduces show shows shown approach approaches method methods new novel based results
    result work model models existing recent significantly significant demonstrate demonstrates
    achieve achieves achieving performance""".split()
    + list("abcdefghijklmnopqrstuvwxyz")
)


WordCounts = tuple[tuple[str, ...], tuple[int, ...]]


def word_counts(text: str) -> WordCounts:
    """The words of ``text`` in order of first appearance, and how often each
    occurs. Words start with a letter ("4-bit" and "2025" are not words), and
    stopwords are left out. Words are interned: a rebuild may keep 20,000
    documents' counts."""
    counts = Counter(text.lower().translate(_SEPARATORS).split())
    words = [word for word in counts if word[0].isalpha() and word not in _STOPWORDS]
    return tuple(map(sys.intern, words)), tuple(counts[word] for word in words)


# A document's words as term ids (see Vocabulary), and how often each occurs.
Terms = tuple[np.ndarray, np.ndarray]


class Vocabulary:
    """Term ids for words, numbered in the order they are first seen.

    Which id a word gets never changes a result: ids only tell words apart
    (every order below is by document, weight or posting length, and ties
    keep the words' order in the text). So the preview's related papers'
    process (:mod:`.related_worker`) keeps one vocabulary, and each paper's
    terms, from build to build: words of
    papers since deleted keep their ids, unused, and a new digest's words
    get new ones."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def terms(self, counts: WordCounts) -> Terms:
        ids = self._ids
        words, numbers = counts
        term = np.fromiter((ids.setdefault(word, len(ids)) for word in words), np.int64, len(words))
        return term, np.array(numbers, dtype=np.int64)


def related_indices(
    documents: Sequence[Any], count: int = 5, count_words: Callable[[Any], WordCounts] = word_counts,
) -> tuple[tuple[int, ...], ...]:
    """For each document, the indices of up to ``count`` most similar others,
    most similar first; documents sharing no signature term are never related.
    ``count_words`` counts a document's words: :func:`word_counts` of texts."""
    vocabulary = Vocabulary()
    terms = [vocabulary.terms(count_words(document)) for document in documents]
    return related_by_terms(terms, len(vocabulary), count)


def related_by_terms(terms: Sequence[Terms], vocabulary_size: int, count: int = 5) -> tuple[tuple[int, ...], ...]:
    """:func:`related_indices` of documents given as their terms, with ids
    below ``vocabulary_size``."""
    total = len(terms)
    if total < 2:
        return tuple(() for _ in terms)
    doc, term, weight = _signatures(terms, vocabulary_size)
    return _top_matches(doc, term, weight, total, count)


def _signatures(terms: Sequence[Terms], vocabulary_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat arrays (document, term id, weight) of every document's signature,
    ordered by document, weights normalised to unit length per document."""
    term = np.concatenate([ids for ids, _n in terms])
    frequency = np.concatenate([n for _ids, n in terms])
    doc = np.repeat(np.arange(len(terms)), [len(n) for _ids, n in terms])

    document_frequency = np.bincount(term, minlength=vocabulary_size)
    # A word in one document only cannot relate it to another; left in, such
    # words (the rarest, so the highest weighted) would fill the signatures.
    shared = document_frequency[term] > 1
    doc, term, frequency = doc[shared], term[shared], frequency[shared]
    idf = np.array([math.log((1 + len(terms)) / (1 + df)) + 1 for df in document_frequency.tolist()])
    tf = np.array([0.0] + [1 + math.log(n) for n in range(1, int(frequency.max(initial=1)) + 1)])
    weight = tf[frequency] * idf[term]

    # Within each document, highest weight first; the sort is stable, so equal
    # weights keep the order the words first appear in the text. Weights stay
    # far below 4096 (that would take a word repeated e^370 times).
    order = np.argsort(doc * 4096.0 - weight, kind="stable")
    doc, term, weight = doc[order], term[order], weight[order]
    rank = np.arange(len(doc)) - _first_of_group(doc, len(terms))
    keep = rank < SIGNATURE_TERMS
    doc, term, weight = doc[keep], term[keep], weight[keep]
    norms = np.sqrt(np.bincount(doc, weight * weight, minlength=len(terms)))
    return doc, term, weight / norms[doc]


def _first_of_group(doc: np.ndarray, total: int) -> np.ndarray:
    """For ``doc`` sorted, each entry's index of the first entry with its value:
    ``np.searchsorted(doc, doc)`` without a binary search per entry."""
    sizes = np.bincount(doc, minlength=total)
    return (np.cumsum(sizes) - sizes)[doc]


def _top_matches(
    doc: np.ndarray, term: np.ndarray, weight: np.ndarray, total: int, count: int
) -> tuple[tuple[int, ...], ...]:
    # Postings: for each term, the documents whose signature holds it, in order.
    by_term = np.argsort(term, kind="stable")
    posting_doc, posting_weight = doc[by_term], weight[by_term]
    posting_length = np.bincount(term)
    posting_start = np.cumsum(posting_length) - posting_length

    # Each paper looks for candidates through its rarest signature terms, as
    # many as keep its candidate list within a budget (and at least one), so
    # the work grows linearly with the corpus however common its words are.
    lengths = posting_length[term]
    # By document, then rarest term first; the stable sort keeps equal lengths
    # in signature order. Entries already come grouped by document.
    order = np.argsort(doc * (int(lengths.max(initial=0)) + 1) + lengths, kind="stable")
    doc, term, weight, lengths = doc[order], term[order], weight[order], lengths[order]
    running = np.cumsum(lengths)
    first = _first_of_group(doc, total)
    within = running - (running[first] - lengths[first])
    keep = ((within <= CANDIDATES_PER_PAPER) | (np.arange(len(doc)) == first)) & (lengths <= MAX_POSTINGS)
    doc, term, weight = doc[keep], term[keep], weight[keep]
    lengths = posting_length[term]
    # Every (signature entry, posting) pair, without a Python loop.
    pairs = np.repeat(posting_start[term] - np.cumsum(lengths) + lengths, lengths)
    pairs += np.arange(len(pairs))
    other = posting_doc[pairs]
    products = np.repeat(weight, lengths) * posting_weight[pairs]
    rows = np.repeat(doc, lengths)

    # Sum the products per (document, other document) pair.
    keys = rows * total + other
    if not len(keys):
        return tuple(() for _ in range(total))
    order = np.argsort(keys, kind="stable")
    keys, products = keys[order], products[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    scores = np.add.reduceat(products, starts)
    rows, other = keys[starts] // total, keys[starts] % total
    mask = rows != other
    rows, other, scores = rows[mask], other[mask], scores[mask]

    # Per document, highest score first; equal scores (to 9 digits, well above
    # the key's rounding) keep the earlier document, as the pairs come ordered
    # by (document, other) and the sort is stable. Scores are at most 1.
    order = np.argsort(rows * 4.0 - np.round(scores, 9), kind="stable")
    rows, other = rows[order], other[order]
    bounds = np.searchsorted(rows, np.arange(total + 1))
    return tuple(
        tuple(other[bounds[i]:min(bounds[i + 1], bounds[i] + count)].tolist()) for i in range(total)
    )
