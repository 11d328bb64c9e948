"""Chapter 7's data: the generated instruction set (deterministic, learnable task families) and the book's
file, downloaded on demand and verified, tested against a local server serving a look-alike made here."""
import hashlib
import json
import re

import pytest

from course_data import instructions, sources
from course_data.__main__ import main as cli_main
from course_data.download import VerificationError


@pytest.fixture
def cache(tmp_path, monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LLM_COURSE_CACHE", str(tmp_path / "course-cache"))
    return tmp_path / "course-cache" / "data"


def look_alike(n=1100) -> bytes:
    """A file shaped like the book's: a JSON list of instruction/input/output entries (our own text)."""
    entries = [{"instruction": f"Write the number {i} in words.", "input": "" if i % 3 else str(i),
                "output": f"The number is {i}."} for i in range(n)]
    return json.dumps(entries, indent=4).encode("utf-8")


def test_generated_data_is_pinned():
    # A change here changes the demo and the figures in the docs: update the pin deliberately.
    data = instructions.default_instruction_data()
    text = json.dumps(data, sort_keys=True)
    assert len(data) == 1100 and hashlib.sha256(text.encode()).hexdigest()[:16] == "696b6608fb52e9df"
    assert instructions.generated_instruction_data(20, seed=1) == instructions.generated_instruction_data(20, seed=1)
    assert instructions.generated_instruction_data(20, seed=1) != instructions.generated_instruction_data(20, seed=2)
    assert all(set(e) == {"instruction", "input", "output"} and e["output"] for e in data)
    assert text.isascii()


def test_generated_answers_are_right():
    seen = set()
    opposites = {**instructions.ANTONYMS, **{v: k for k, v in instructions.ANTONYMS.items()}}
    for e in instructions.generated_instruction_data(3000, seed=5):
        family, answer = instructions.task_family(e), e["output"]
        seen.add(family)
        asked = re.fullmatch(r"What is (?:the \w+ (?:tense )?of )?(\w+)(?: plus (\d))?\?", e["instruction"])
        word = e["input"] or asked[1]
        if family == "arithmetic":
            a, b = (e["input"].split(" + ") if e["input"] else asked.groups())
            assert answer in (str(int(a) + int(b)), f"{a} plus {b} is {int(a) + int(b)}.")
        elif family == "reverse":
            assert answer.split(", ") == e["input"].split(", ")[::-1] and len(set(answer.split(", "))) == 3
        elif family == "case":
            assert answer in (word.upper(), word.lower()) and answer != word
        else:
            table = {"plural": instructions.PLURALS, "past tense": instructions.PAST, "antonym": opposites}[family]
            assert answer in (table[word], f"The {'opposite' if family == 'antonym' else family} of {word} is "
                                           f"{table[word]}.")
    assert seen == set(instructions.FAMILIES)


def test_task_family_of_each_entry():
    for instruction, family in (("What is the plural of key?", "plural"), ("Give an antonym of the word.", "antonym"),
                                ("What is the opposite of big?", "antonym"), ("Convert the word to lowercase.", "case"),
                                ("What is 3 plus 4?", "arithmetic"), ("Add the two numbers.", "arithmetic"),
                                ("Reverse the order of the names.", "reverse"),
                                ("Give the past tense of the verb.", "past tense")):
        assert instructions.task_family({"instruction": instruction}) == family
    assert instructions.task_family({"instruction": "Rewrite the sentence using a simile.", "input": "",
                                     "output": "The car is as fast as lightning."}) is None


def test_book_file_is_described_as_in_the_book():
    source = sources.SOURCES["instruction-data"]
    assert source is instructions.INSTRUCTION_DATA
    assert source.size == 203_524 and source.url.endswith("/ch07/01_main-chapter-code/instruction-data.json")
    assert source.sha256 == "7e09a9af353722ca15c18bc580f093f9c39d3178335a75177319cb1e1d163944"


def test_download_is_verified_cached_and_parsed(cache, local_server):
    body = look_alike()
    digest = hashlib.sha256(body).hexdigest()
    with local_server({"/instruction-data.json": (200, body)}) as server:
        url = server.url("/instruction-data.json")
        data = instructions.load_instruction_data(url=url, sha256=digest, size=len(body))
        again = instructions.load_instruction_data(url=url, sha256=digest, size=len(body))
        assert len(server.requests) == 1, "the verified copy in the cache is reused"
    assert len(data) == 1100 and data == again and data[3] == {"instruction": "Write the number 3 in words.",
                                                               "input": "3", "output": "The number is 3."}
    assert (cache / "instruction-data.json").read_bytes() == body


def test_wrong_file_is_not_kept(cache, local_server):
    body = look_alike()
    with local_server({"/instruction-data.json": (200, body[:-1] + b" ")}) as server:
        with pytest.raises(VerificationError, match="sha256"):
            instructions.load_instruction_data(url=server.url("/instruction-data.json"),
                                               sha256=hashlib.sha256(body).hexdigest(), size=len(body))
    assert not (cache / "instruction-data.json").exists()


def test_file_of_another_shape_is_refused(cache, local_server):
    body = json.dumps({"instruction": "not a list"}).encode()
    with local_server({"/x.json": (200, body)}) as server:
        with pytest.raises(ValueError, match="instruction, input, output"):
            instructions.load_instruction_data(url=server.url("/x.json"), sha256=hashlib.sha256(body).hexdigest(),
                                               size=len(body))


def test_cli_lists_the_instruction_data(cache, capsys):
    assert cli_main([]) == 0
    assert re.search(r"instruction-data\s+203,524 bytes\s+not downloaded", capsys.readouterr().out)
