"""The DPO chapter's data: the generated preference pairs (deterministic, the right answer politely against a rude,
wrong or verbose one) and the book's file, downloaded on demand and verified, tested against a local server serving
a look-alike made here."""
import hashlib
import json
import re
from collections import Counter

import pytest

from course_data import instructions, preferences, sources
from course_data.__main__ import main as cli_main
from course_data.download import VerificationError


@pytest.fixture
def cache(tmp_path, monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LLM_COURSE_CACHE", str(tmp_path / "course-cache"))
    return tmp_path / "course-cache" / "data"


def look_alike(n=1100) -> bytes:
    """A file shaped like the book's: a JSON list of entries with chosen and rejected responses (our own text)."""
    entries = [{"instruction": f"Write the number {i} in words.", "input": "" if i % 3 else str(i),
                "output": f"The number is {i}.", "rejected": f"It is {i}, obviously.",
                "chosen": f"The number is {i}."} for i in range(n)]
    return json.dumps(entries, indent=1).encode("utf-8")


def test_generated_data_is_pinned():
    # A change here changes the demo and the figures in the docs: update the pin deliberately.
    data = preferences.default_preference_data()
    text = json.dumps(data, sort_keys=True)
    assert len(data) == 1100 and hashlib.sha256(text.encode()).hexdigest()[:16] == "1b388189989203bf"
    assert list(data[0]) == ["instruction", "input", "output", "rejected", "chosen"]   # the book's order
    assert preferences.generated_preference_data(20, seed=1) == preferences.generated_preference_data(20, seed=1)
    assert preferences.generated_preference_data(20, seed=1) != preferences.generated_preference_data(20, seed=2)
    assert text.isascii()


def test_pairs_are_built_on_chapter_7s_instructions():
    pairs, entries = preferences.generated_preference_data(300, seed=4), instructions.generated_instruction_data(300, 4)
    assert [{k: p[k] for k in instructions.KEYS} for p in pairs] == entries


def test_chosen_is_the_right_answer_politely():
    for entry in preferences.generated_preference_data(2000, seed=5):
        opening = next(o for o in preferences.POLITE if entry["chosen"].startswith(o + " "))
        assert entry["chosen"][len(opening) + 1:] in (entry["output"], f"The answer is {entry['output']}."), entry


def test_rejected_responses_of_three_kinds():
    data = preferences.generated_preference_data(3000, seed=6)
    kinds = Counter(preferences.rejection_kind(e) for e in data)
    assert set(kinds) == set(preferences.KINDS) and min(kinds.values()) > 900
    for entry in data:
        kind, right = preferences.rejection_kind(entry), preferences._sentence(entry["output"])
        assert entry["rejected"] != entry["chosen"]
        if kind == "wrong":
            assert right not in entry["rejected"]
            assert entry["rejected"].endswith(preferences._sentence(preferences.wrong_answer(entry)))
        else:
            assert right in entry["rejected"] and len(entry["rejected"]) > len(right) + 10
    assert preferences.rejection_kind({"rejected": "The correct spelling is obviously 'Occasion.'",
                                       "chosen": "The correct spelling is 'Occasion.'"}) is None


WRONG = [  # (instruction, input, output) -> the wrong answer in the output's form
    (("What is the plural of key?", "", "The plural of key is keys."), "The plural of key is keyes."),
    (("Give the plural form of the word.", "canvas", "canvases"), "canvass"),
    (("Give the past tense of the verb.", "sell", "sold"), "selled"),
    (("What is the past tense of paint?", "", "The past tense of paint is painted."),
     "The past tense of paint is paint."),
    (("What is the opposite of early?", "", "The opposite of early is late."), "The opposite of early is early."),
    (("Convert the word to uppercase.", "attic", "ATTIC"), "attic"),
    (("What is 3 plus 4?", "", "3 plus 4 is 7."), "3 plus 4 is 8."),
    (("Add the two numbers.", "2 + 5", "7"), "8"),
    (("Reverse the order of the names.", "Mara, Theo, Lena", "Lena, Theo, Mara"), "Mara, Theo, Lena"),
]


def test_wrong_answers_are_wrong():
    for (instruction, given, output), want in WRONG:
        entry = {"instruction": instruction, "input": given, "output": output}
        assert preferences.wrong_answer(entry) == want
    for entry in instructions.generated_instruction_data(3000, seed=7):
        assert preferences.wrong_answer(entry) != entry["output"]
    with pytest.raises(ValueError, match="not one of chapter 7's generated entries"):
        preferences.wrong_answer({"instruction": "Rewrite the sentence.", "input": "", "output": "Done."})


def test_book_file_is_described_as_in_the_book():
    source = sources.SOURCES["preference-data"]
    assert source is preferences.PREFERENCE_DATA
    assert source.url.endswith("/ch07/04_preference-tuning-with-dpo/instruction-data-with-preference.json")
    assert source.size == 386_968
    assert source.sha256 == "305315abf14f65fa42c01a0877572f832606571c2a7d49f152ac1d758b16756e"


def test_download_is_verified_cached_and_parsed(cache, local_server):
    body = look_alike()
    digest = hashlib.sha256(body).hexdigest()
    with local_server({"/preference.json": (200, body)}) as server:
        url = server.url("/preference.json")
        data = preferences.load_preference_data(url=url, sha256=digest, size=len(body))
        again = preferences.load_preference_data(url=url, sha256=digest, size=len(body))
        assert len(server.requests) == 1, "the verified copy in the cache is reused"
    assert len(data) == 1100 and data == again and data[3]["rejected"] == "It is 3, obviously."
    assert (cache / "instruction-data-with-preference.json").read_bytes() == body


def test_wrong_file_is_not_kept(cache, local_server):
    body = look_alike()
    with local_server({"/preference.json": (200, body[:-1] + b" ")}) as server:
        with pytest.raises(VerificationError, match="sha256"):
            preferences.load_preference_data(url=server.url("/preference.json"),
                                             sha256=hashlib.sha256(body).hexdigest(), size=len(body))
    assert not (cache / "instruction-data-with-preference.json").exists()


def test_file_without_the_responses_is_refused(cache, local_server):
    body = json.dumps([{"instruction": "Say hi.", "input": "", "output": "Hi."}]).encode()
    with local_server({"/x.json": (200, body)}) as server:
        with pytest.raises(ValueError, match="instruction, input, output, rejected, chosen"):
            preferences.load_preference_data(url=server.url("/x.json"), sha256=hashlib.sha256(body).hexdigest(),
                                             size=len(body))


def test_cli_lists_the_preference_data(cache, capsys):
    assert cli_main([]) == 0
    assert re.search(r"preference-data\s+386,968 bytes\s+not downloaded", capsys.readouterr().out)
