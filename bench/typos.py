"""Typo benchmark: how many mistyped searches find their listing, and what correcting costs.

    .venv/bin/python bench/typos.py --demo     # the test suite's typo set on the demo data
    .venv/bin/python bench/typos.py            # typos of the generated catalog's words (1 M)

--demo runs the typo set of tests/catalog/test_typos.py (each typo alone and with a filter, and
the correctly spelled queries that must never be corrected) against the demo data that
`bench/catalog.py --demo` loaded. Without it, typos are made from the generator's words
(bench/loader.py) by dropping, doubling, swapping or changing a letter, two changes in words
of nine letters or more, and multi-word queries, then searched in the catalog that
`bench/catalog.py` loaded. Both run with pg_trgm and with the window (SEARCH_TRIGRAM off) and
print the share found on the first page, false corrections, and latency of corrected searches.
"""

import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench.catalog  # noqa: E402,F401 - points Django at the benchmark's database

DEMO = "--demo" in sys.argv[1:]


def _typos_of(word: str, rng: random.Random) -> list[str]:
    """One typo of each kind that the rules promise to correct for this word's length."""
    if len(word) < 4:
        return []
    i = rng.randrange(1, len(word) - 1)
    letters = "abcdefghijklmnopqrstuvwxyz"
    wrong = rng.choice([c for c in letters if c != word[i]])
    typos = [
        word[:i] + word[i + 1:],  # a letter dropped
        word[:i] + word[i] + word[i:],  # doubled
        word[:i - 1] + word[i] + word[i - 1] + word[i + 1:],  # two neighbours swapped
        word[:i] + wrong + word[i + 1:],  # a wrong letter
    ]
    if len(word) >= 9:  # two typos in a long word
        j = (i + 3) % (len(word) - 1) or 1
        typos.append((word[:i] + word[i + 1:])[:j] + "x" + (word[:i] + word[i + 1:])[j + 1:])
    return [typo for typo in typos if typo != word]


def generated_cases(rng: random.Random) -> tuple[list[tuple[str, str, dict]], list[str]]:
    """(typed, the word it should find, a filter) and correctly spelled queries."""
    from bench.loader import ADJECTIVES, PRODUCTS

    words = sorted({w for product, _ in PRODUCTS for w in product.split()} | set(ADJECTIVES))
    words = [w for w in words if w.isalpha() and len(w) >= 4]
    cases = []
    for word in words:
        for typo in _typos_of(word, rng):
            cases.append((typo, word, {"state": rng.choice(["IA", "KY", "OH", "PA", "TX"])}))
    for first, second in [("cast", "iron"), ("raw", "honey"), ("maple", "syrup"),
                          ("patchwork", "quilt"), ("walnut", "bowl"), ("apple", "butter")]:
        typed = " ".join(_typos_of(w, rng)[0] if len(w) >= 4 else w for w in (first, second))
        cases.append((typed, second, {"in_stock": "true"}))
    return cases, [w for w in words[:40]]


def run(cases, correct, trigram: bool, title_check) -> dict:
    from django.conf import settings

    from sellers.listing_cards import listing_cards
    from sellers.search import listing_filters_parse, listing_search

    settings.SEARCH_TRIGRAM = trigram
    found, tried, timings, misses = 0, 0, [], []
    for typed, expected, filters in cases:
        for params in ({}, filters):
            began = time.perf_counter()
            results = listing_search(filters=listing_filters_parse({"q": typed, **params}))
            cards = listing_cards(results, 0, 24)
            timings.append((time.perf_counter() - began) * 1000)
            tried += 1
            if title_check(expected, cards, results):
                found += 1
            else:
                misses.append((typed, params, results.corrected_query))
    false = [q for q in correct
             if listing_search(filters=listing_filters_parse({"q": q})).corrected_query]
    timings.sort()
    return {
        "found": found, "tried": tried, "share": round(found / tried, 3),
        "false_corrections": len(false), "correct_queries": len(correct),
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[int(len(timings) * 0.95)], 1),
        "misses": misses[:10],
    }


def main() -> None:
    import django

    django.setup()
    if DEMO:
        from tests.catalog.test_typos import CORRECT, TYPOS

        cases = [(typed, title, filters) for typed, title, filters in TYPOS]

        def title_check(expected, cards, results):
            return expected in [card.title for card in cards]

        correct = CORRECT
    else:
        cases, correct = generated_cases(random.Random(7))

        def title_check(expected, cards, results):
            # Found: the first result's title has the intended word.
            return bool(cards) and expected in cards[0].title.lower()

    print(f"{len(cases)} typos (each alone and with a filter), {len(correct)} correct queries")
    for trigram in (True, False):
        figures = run(cases, correct, trigram, title_check)
        mode = "pg_trgm" if trigram else "window (no pg_trgm)"
        print(f"{mode:22} found {figures['found']}/{figures['tried']} ({figures['share']:.1%}), "
              f"false corrections {figures['false_corrections']}/{figures['correct_queries']}, "
              f"p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms", flush=True)
        if figures["misses"]:
            print("  misses:", figures["misses"])


if __name__ == "__main__":
    main()
