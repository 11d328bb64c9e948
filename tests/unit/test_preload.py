"""The worker's fast GPT-2 encoding equals tiktoken's own build, token for token."""
import subprocess
import sys

from grader.engine import preload

SCRIPT = """
import sys, tiktoken, tiktoken.registry
from course_data import gpt2
gpt2.use_offline()
text = "Hello, do you like tea? <|endoftext|> In the sunlit terraces of someunknownPlace. Akwirw ier\\n\\t  x"
built = tiktoken.get_encoding("gpt2").encode(text, allowed_special={"<|endoftext|>"})
tiktoken.registry.ENCODINGS.pop("gpt2")
from grader.engine import preload
preload.gpt2()   # first call may build and save the rank cache
tiktoken.registry.ENCODINGS.pop("gpt2")
preload.gpt2()   # second call loads it
fast = tiktoken.get_encoding("gpt2")
assert fast.encode(text, allowed_special={"<|endoftext|>"}) == built, "fast encoding differs"
assert fast.n_vocab == 50257 and fast.decode(built) == text
print("ok")
"""


def test_fast_gpt2_matches_tiktoken(tmp_path):
    env = {"LLM_COURSE_CACHE": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
    assert (tmp_path / "tiktoken" / "gpt2-ranks.b64").is_file()


def test_corrupt_rank_cache_is_ignored(tmp_path):
    path = tmp_path / "ranks.b64"
    path.write_bytes(b"0" * 64 + b"\nAAAA")
    assert preload._load(path) is None
    assert preload._load(tmp_path / "missing") is None


def test_a_rewritten_rank_cache_with_its_hash_recomputed_is_not_used(tmp_path, monkeypatch):
    import hashlib

    from grader.engine import preload
    from course_data import gpt2
    monkeypatch.setattr(gpt2, "cache_root", lambda: tmp_path)
    cache = tmp_path / "tiktoken" / "gpt2-ranks.b64"
    preload.gpt2()  # writes the cache from the hash-checked BPE files
    assert preload._load(cache) is not None
    original = cache.read_bytes().split(b"\n", 1)[1]
    tokens = original.split(b"\n")
    tokens[0], tokens[1] = tokens[1], tokens[0]  # two ranks swapped: encodings would change
    for body, used in ((b"\n".join(tokens), False), (original, True)):   # the same rewrite, unswapped, is used
        cache.write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
        assert (preload._load(cache) is not None) == used
