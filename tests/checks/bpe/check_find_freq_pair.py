"""Checks for bpe.find_freq_pair: pairs counted inside each pre-token, the top count, ties to the first seen,
mode="least", None when there is no pair."""
from grader.checks import case, expect_equal, fail, points

SIMPLE = [[1, 2, 3, 1, 2], [2, 3]]                    # (1, 2) twice, (2, 3) twice: (1, 2) is seen first
# four pairs tie at two occurrences; first seen (6, 3), last seen (7, 7), smallest (2, 8), largest (9, 1)
TIES = [[6, 3, 9, 1], [2, 8, 7, 7], [6, 3], [9, 1, 2, 8], [7, 7]]
# inside the lists (2, 3) wins; the lists run together would make (4, 5) win three times over
APART = [[7, 4], [5, 1], [4], [5], [4], [5], [2, 3], [2, 3]]
LEAST = [[1, 2, 1, 2, 5, 6], [3, 4, 3, 4, 3], [8, 9]]  # (2, 1), (2, 5), (5, 6), (8, 9) once each: (2, 1) first


def run(learner, sequences, mode="most"):
    result = learner.find_freq_pair([list(s) for s in sequences], mode=mode)
    return list(result) if isinstance(result, tuple) else result


simple = case(run, SIMPLE)
ties = case(run, TIES)
apart = case(run, APART)
least = case(run, LEAST, "least")


@case
def no_pairs(learner):
    return [learner.find_freq_pair(s) is None for s in ([], [[4]], [[], [5], [6]])]


def _pair(out, name):
    got = out[name]
    if isinstance(got, list) and len(got) == 2 and all(isinstance(i, int) for i in got):
        return got
    fail(f"find_freq_pair should return the pair as a tuple of two ids, such as (1, 2); got {got!r}")


def test_returns_the_most_frequent_pair(out, snap):
    expect_equal(_pair(out, "simple"), snap["simple"], f"find_freq_pair({SIMPLE})")


@points(2)
def test_ties_go_to_the_pair_seen_first(out, snap):
    expect_equal(_pair(out, "ties"), snap["ties"], f"find_freq_pair({TIES}), where four pairs occur twice", mistakes={
        "ties broken by the last pair seen: among pairs with the same count take the one that occurs first "
        "(max over a Counter keeps the first it saw; sorting by count and taking the last does not)": [7, 7],
        "ties broken by the largest pair: compare the counts only, and among equal counts take the pair that "
        "occurs first": [9, 1],
        "ties broken by the smallest pair: compare the counts only, and among equal counts take the pair that "
        "occurs first": [2, 8],
    })


@points(2)
def test_pairs_are_counted_inside_each_list(out, snap):
    expect_equal(_pair(out, "apart"), snap["apart"], f"find_freq_pair({APART})", mistakes={
        "pairs were counted across two lists: the last id of one pre-token and the first of the next are not "
        "neighbours (BPE never merges across pre-tokens); count zip(ids, ids[1:]) of each list": [4, 5],
    })


def test_least_frequent_pair(out, snap):
    if out["least"] == [1, 2]:
        fail(f"find_freq_pair({LEAST}, mode=\"least\") returned the most frequent pair: mode=\"least\" asks "
             "for the pair with the smallest count")
    expect_equal(_pair(out, "least"), snap["least"], f"find_freq_pair({LEAST}, mode=\"least\")", mistakes={
        "ties broken by the last pair seen: among pairs with the same count take the one that occurs first": [8, 9],
    })


def test_none_when_there_is_no_pair(out):
    out.error("no_pairs", {
        "ValueError": "find_freq_pair failed on lists without pairs (max() of nothing): return None when no "
                      "list has two ids",
    })
    got = out["no_pairs"]
    if got != [True, True, True]:
        fail("find_freq_pair should return None for [], [[4]] and [[], [5], [6]] (no list has two ids); "
             f"None came back for {[s for s, ok in zip(('[]', '[[4]]', '[[], [5], [6]]'), got) if ok] or 'none'}")
