"""GPT-2's BPE works with no network: in a fresh network namespace, with sockets blocked in
process, after a damaged cache, and when the course cache cannot be written."""
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from course_data import gpt2

SENTENCE = "Hello, do you like tea? <|endoftext|> In the sunlit terraces of someunknownPlace."
BOOK_IDS = [15496, 11, 466, 345, 588, 8887, 30, 220, 50256, 554, 262, 4252, 18250, 8812, 2114, 286, 617,
            34680, 27271, 13]

CHILD = f"""
import json, os, socket
try:  # prove the namespace really has no network
    socket.create_connection(("1.1.1.1", 443), timeout=2).close()
    reachable = True
except OSError:
    reachable = False
from course_data import gpt2
gpt2.use_offline()
import tiktoken
ids = tiktoken.get_encoding("gpt2").encode({SENTENCE!r}, allowed_special={{"<|endoftext|>"}})
print(json.dumps({{"ids": ids, "reachable": reachable, "cache": os.environ["TIKTOKEN_CACHE_DIR"]}}))
"""


def _isolating_prefix():
    """`unshare -n` (root) or `unshare -rn` (user namespaces), whichever works here; else None."""
    if not shutil.which("unshare"):
        return None
    for prefix in (["unshare", "-n"], ["unshare", "-rn"]):
        try:
            if subprocess.run(prefix + ["true"], capture_output=True, timeout=10).returncode == 0:
                return prefix
        except (OSError, subprocess.TimeoutExpired):
            pass
    return None


def _clean_env(cache: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in {"TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"} and not k.startswith("PYTHON")}
    env["LLM_COURSE_CACHE"] = str(cache)
    return env


def test_encodes_the_book_sentence_in_a_network_namespace(tmp_path):
    prefix = _isolating_prefix()
    if prefix is None:
        pytest.skip("cannot make a network namespace here (no `unshare`, or not root and no user "
                    "namespaces); test_encodes_with_sockets_blocked covers the same ground in process")
    cache = tmp_path / "empty-cache"
    done = subprocess.run(prefix + [sys.executable, "-c", CHILD], capture_output=True, text=True,
                          env=_clean_env(cache), cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["reachable"] is False, "the namespace still had a network: the test proves nothing"
    assert result["ids"] == BOOK_IDS
    assert Path(result["cache"]) == cache / "tiktoken"


@pytest.fixture
def fresh_tiktoken(tmp_path, monkeypatch):
    """No TIKTOKEN_CACHE_DIR, an empty course cache, and no encoding already loaded in process."""
    import tiktoken.registry
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")  # recorded, so the teardown restores the original
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR")
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    monkeypatch.setenv("LLM_COURSE_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    return tmp_path / "empty-cache"


def test_encodes_with_sockets_blocked(fresh_tiktoken, monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    enc = gpt2.get_encoding()
    assert enc.encode(SENTENCE, allowed_special={"<|endoftext|>"}) == BOOK_IDS
    assert enc.decode(BOOK_IDS) == SENTENCE
    assert attempts == [], "tiktoken tried the network"
    assert Path(os.environ["TIKTOKEN_CACHE_DIR"]) == fresh_tiktoken / "tiktoken"


def _digests(folder: Path) -> dict:
    return {c: hashlib.sha256((folder / c).read_bytes()).hexdigest() for c, _ in gpt2.FILES.values()}


def test_seed_cache_repairs_damaged_files(tmp_path):
    folder = gpt2.seed_cache(tmp_path / "tk")
    expected = {c: h for c, h in gpt2.FILES.values()}
    assert _digests(folder) == expected
    vocab, encoder = (folder / c for c, _ in gpt2.FILES.values())
    vocab.write_bytes(vocab.read_bytes()[:-100])  # truncated
    encoder.write_bytes(b"{}")                       # replaced
    gpt2.seed_cache(folder)
    assert _digests(folder) == expected
    assert sorted(p.name for p in folder.iterdir()) == sorted(expected), "no temporary files left behind"


def test_use_offline_replaces_a_damaged_cache_dir(fresh_tiktoken, tmp_path, monkeypatch):
    damaged = gpt2.seed_cache(tmp_path / "damaged")
    (damaged / gpt2.FILES["encoder.json"][0]).write_bytes(b"{}")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(damaged))
    gpt2.use_offline()
    assert Path(os.environ["TIKTOKEN_CACHE_DIR"]) == fresh_tiktoken / "tiktoken"


def test_unwritable_course_cache_falls_back_to_temp(tmp_path, monkeypatch):
    # A path below a regular file cannot be created, even by root (chmod would not stop root).
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("LLM_COURSE_CACHE", str(blocker / "cache"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    env = gpt2.offline_env()
    folder = Path(env["TIKTOKEN_CACHE_DIR"])
    assert folder == gpt2.fallback_dir() and folder.parent == tmp_path / "tmp"
    assert _digests(folder) == {c: h for c, h in gpt2.FILES.values()}


def test_no_writable_place_is_a_clear_error(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("LLM_COURSE_CACHE", str(blocker / "cache"))
    monkeypatch.setattr(tempfile, "tempdir", str(blocker / "tmp"))
    with pytest.raises(RuntimeError, match="Set LLM_COURSE_CACHE to a folder you can write to"):
        gpt2.offline_env()
