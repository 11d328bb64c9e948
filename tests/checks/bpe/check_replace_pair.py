"""Checks for bpe.replace_pair: every occurrence merged, left to right, inside each list, one list out per list in."""
from grader.checks import case, expect_sequence, expect_type, fail, points

BASIC = [[1, 2, 3, 1, 2], [4, 1, 2]]
RUN = [[7, 7, 7, 7, 7], [7, 7, 7]]                 # overlapping occurrences of the pair (7, 7)
APART = [[5, 1], [2, 5], [1, 2, 1], [2]]          # (1, 2) inside the third list only; the others only touch


def run(learner, sequences, pair, new_id):
    return learner.replace_pair([list(s) for s in sequences], pair, new_id)


basic = case(run, BASIC, (1, 2), 99)
overlapping = case(run, RUN, (7, 7), 300)
apart = case(run, APART, (1, 2), 256)


@case
def story(learner):
    from course_data.text import story
    sequences = [[ord(c) for c in word] for word in story(2, seed=6).split()]
    return learner.replace_pair(sequences, (ord("e"), ord("d")), 256)


def _lists(out, name, what):
    got = out[name]
    expect_type(got, list, what)
    if got and all(isinstance(i, int) for i in got):
        fail(f"{what} returned one flat list of ids: return a list of lists, one for each list it was given, "
             "so that pre-tokens stay apart")
    return got


def test_every_occurrence_is_merged(out, snap):
    what = f"replace_pair({BASIC}, (1, 2), 99)"
    got = _lists(out, "basic", what)
    expect_sequence(got, snap["basic"], what, "list", mistakes={
        "only the first occurrence was merged: replace the pair wherever it occurs": [[99, 3, 1, 2], [4, 99]],
        "only the first list was merged: go through every list": [[99, 3, 99], [4, 1, 2]],
    })


@points(2)
def test_left_to_right_without_overlaps(out, snap):
    what = f"replace_pair({RUN}, (7, 7), 300)"
    got = _lists(out, "overlapping", what)
    expect_sequence(got, snap["overlapping"], what, "list", mistakes={
        "the scan went from the right: go from left to right, so [7, 7, 7] becomes [300, 7]":
            [[7, 300, 300], [7, 300]],
        "an id was merged twice: once two ids are merged, the scan continues after the second of them (step by 2)":
            [[300, 300, 300, 300, 7], [300, 300, 7]],
    })


@points(2)
def test_lists_stay_apart(out, snap):
    what = f"replace_pair({APART}, (1, 2), 256)"
    got = _lists(out, "apart", what)
    if isinstance(got, list) and len(got) != len(APART):
        fail(f"{what} returned {len(got)} lists for {len(APART)}: keep one list per pre-token, and never merge "
             "the last id of one list with the first of the next")
    expect_sequence(got, snap["apart"], what, "list")


def test_longer_input(out, snap):
    expect_sequence(_lists(out, "story", "replace_pair on the words of a story"), snap["story"],
                    "replace_pair on the words of a story", "list")
