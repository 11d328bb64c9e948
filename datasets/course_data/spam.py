"""Chapter 6's data: the SMS spam collection, the course's own by default, the book's on demand.

`spam_collection_path()` is the course's generated collection (course_data.sms), written once
into the course cache as `SMSSpamCollection.tsv`; `spam_collection_path("book")` is the UCI
SMS Spam Collection the book uses, downloaded on demand (`python -m course_data download
sms-spam`). Either file is read as the book reads it:

    df = pd.read_csv(path, sep="\\t", header=None, names=["Label", "Text"])

The UCI zip has no published checksum, and none could be established offline, so a download is
verified by what the book reports after parsing it: 5,572 rows, 747 spam and 4,825 ham. Only a
file that passes is kept; a copy of `SMSSpamCollection` placed by hand at the path the error
message names is accepted on the same terms.
"""
from __future__ import annotations

import http.client
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .download import DownloadError, VerificationError, _download, _reason, data_dir
from .sms import sms_spam_collection

URLS = ("https://archive.ics.uci.edu/static/public/228/sms+spam+collection.zip",
        "https://f001.backblazeb2.com/file/LLMs-from-scratch/sms%2Bspam%2Bcollection.zip")
MEMBER = "SMSSpamCollection"
FILENAME = "SMSSpamCollection.tsv"
DEFAULT_FILENAME = "SMSSpamCollection-course.tsv"
FIGURES = {"rows": 5572, "spam": 747, "ham": 4825}
MAX_ZIP_BYTES = 20 << 20


def read_collection(path):
    """The collection as the book reads it: a DataFrame with the columns Label and Text."""
    import pandas as pd

    return pd.read_csv(path, sep="\t", header=None, names=["Label", "Text"])


def figures(path) -> dict:
    """{"rows", "spam", "ham"} of a collection file, parsed as the book parses it."""
    df = read_collection(path)
    counts = df["Label"].value_counts()
    return {"rows": len(df), "spam": int(counts.get("spam", 0)), "ham": int(counts.get("ham", 0))}


def check_collection(path) -> str | None:
    """None if `path` parses to the book's figures, else what is wrong with it."""
    path = Path(path)
    if not path.is_file():
        return f"{path} does not exist"
    try:
        got = figures(path)
    except Exception as e:  # noqa: BLE001 - any parse failure means: not the collection
        return f"{path} cannot be read as the SMS spam collection ({type(e).__name__}: {e})"
    if got != FIGURES:
        return (f"{path} is not the book's SMS spam collection: expected {FIGURES['rows']:,} rows "
                f"({FIGURES['spam']} spam, {FIGURES['ham']:,} ham), got {got['rows']:,} "
                f"({got['spam']} spam, {got['ham']:,} ham)")
    return None


def _unpack(zip_path: Path, tsv_tmp: Path) -> None:
    """Write the zip's SMSSpamCollection member to `tsv_tmp` (zipfile checks each member's CRC)."""
    try:
        with zipfile.ZipFile(zip_path) as archive:
            names = [n for n in archive.namelist() if Path(n).name == MEMBER]
            if not names:
                raise VerificationError(f"the zip has no {MEMBER} file (it has {archive.namelist()[:5]})")
            tsv_tmp.write_bytes(archive.read(names[0]))
    except zipfile.BadZipFile as e:
        raise VerificationError(f"the download is not a valid zip file ({e})") from e


def fetch_book_collection(cache_dir: str | os.PathLike | None = None, urls=URLS, timeout: float = 60) -> Path:
    """Path of the verified book collection in the cache, downloaded (zip, then its TSV) if needed.

    The book's primary address is tried first, then its backup. Raises VerificationError when a
    download is not the collection (nothing is kept) and DownloadError when none could be fetched."""
    folder = data_dir(cache_dir)
    target = folder / FILENAME
    problem = check_collection(target)
    if problem is None:
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DownloadError(f"Cannot write to the course cache {folder} ({e}). "
                            "Set LLM_COURSE_CACHE to a writable folder and try again.") from e
    failures, wrong = [], None
    for url in urls:
        with tempfile.TemporaryDirectory(dir=folder, prefix=".sms-spam.") as tmp:
            zip_path, tsv_tmp = Path(tmp) / "download.zip", Path(tmp) / FILENAME
            try:
                with open(zip_path, "wb") as out:
                    size, _ = _download(url, out, MAX_ZIP_BYTES, timeout)
                if size > MAX_ZIP_BYTES:
                    raise VerificationError(f"the download is larger than {MAX_ZIP_BYTES:,} bytes")
                _unpack(zip_path, tsv_tmp)
                bad = check_collection(tsv_tmp)
                if bad is not None:
                    raise VerificationError(bad.replace(str(tsv_tmp), "the downloaded file"))
                os.replace(tsv_tmp, target)
                return target
            except VerificationError as e:
                wrong = wrong or VerificationError(f"Downloaded {url} is not the book's SMS spam collection: "
                                                   f"{e}. Nothing was cached.")
                failures.append(f"{url}: {e}")
            except (OSError, http.client.HTTPException) as e:
                failures.append(f"{url}: {_reason(e)}")
    if wrong is not None:
        raise wrong
    here = "" if not target.exists() else f" (the file there now is not it: {problem})"
    raise DownloadError(
        "Could not download the SMS spam collection:\n  " + "\n  ".join(failures) + "\n"
        f"If this computer is offline or the site is blocked, download sms+spam+collection.zip on another "
        f"machine, unzip it and place its {MEMBER} file at {target}{here}; it is accepted when it parses "
        f"to {FIGURES['rows']:,} messages, {FIGURES['spam']} of them spam.")


def default_collection_path(cache_dir: str | os.PathLike | None = None) -> Path:
    """The course's generated collection, written into the cache once (and again if it changed)."""
    path = data_dir(cache_dir) / DEFAULT_FILENAME
    text = sms_spam_collection()
    try:
        if path.read_text(encoding="utf-8") == text:
            return path
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{DEFAULT_FILENAME}.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
    return path


def spam_collection_path(source: str = "default", cache_dir: str | os.PathLike | None = None) -> Path:
    """The collection file chapter 6 reads: "default" (the course's own) or "book" (UCI, downloaded)."""
    if source == "default":
        return default_collection_path(cache_dir)
    if source == "book":
        return fetch_book_collection(cache_dir)
    raise ValueError(f"source must be 'default' or 'book', got {source!r}")


@dataclass(frozen=True)
class CollectionSource:
    """The book's collection in `python -m course_data`'s listing: verified by its figures, not a checksum."""

    name: str = "sms-spam"
    url: str = URLS[0]
    filename: str = FILENAME
    size: int | None = None
    sha256: str | None = None
    about: str = "ch06: the UCI SMS Spam Collection (verified by its 5,572 rows, 747 spam)"

    def path(self, cache_dir: str | os.PathLike | None = None) -> Path:
        return data_dir(cache_dir) / self.filename

    def is_cached(self, cache_dir: str | os.PathLike | None = None) -> bool:
        return check_collection(self.path(cache_dir)) is None

    def fetch(self, cache_dir: str | os.PathLike | None = None, timeout: float = 60) -> Path:
        return fetch_book_collection(cache_dir, timeout=timeout)


SPAM = CollectionSource()
