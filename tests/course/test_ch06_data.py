"""Chapter 6's data: the generated SMS collection (pinned, the book's figures) and the on-demand download of
the UCI collection, verified by its parsed figures, against a local HTTP server serving generated look-alikes."""
import hashlib
import io
import zipfile

import pytest

from course_data import sms, spam
from course_data.__main__ import main as cli_main
from course_data.download import DownloadError, VerificationError

pd = pytest.importorskip("pandas")
COLLECTION = sms.sms_spam_collection()


def zipped(text: str, member: str = "SMSSpamCollection") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, text)
        archive.writestr("readme", "a generated look-alike of the UCI archive\n")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def server(local_server):
    with local_server({"/good.zip": (200, zipped(COLLECTION)),
                "/short.zip": (200, zipped("".join(COLLECTION.splitlines(keepends=True)[:-10]))),
                "/nomember.zip": (200, zipped(COLLECTION, member="other.txt")),
                "/notzip": (200, b"<html>an error page</html>"), "/broken": (500, b"oops")}) as s:
        yield s


@pytest.fixture
def cache(tmp_path, monkeypatch, server):
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LLM_COURSE_CACHE", str(tmp_path / "cache"))
    server.requests.clear()
    return tmp_path / "cache" / "data"


def test_generated_collection_is_pinned():
    # A change here changes chapter 6's snapshots and demo figures: update the pin deliberately.
    assert hashlib.sha256(COLLECTION.encode()).hexdigest()[:16] == "be28bd7ab89bd1fb"
    sms._messages.cache_clear()   # generated again, not read back from the cache
    assert sms.sms_spam_collection() == COLLECTION and sms.sms_spam_collection(seed=1) != COLLECTION


def test_generated_collection_has_the_books_figures(tmp_path):
    path = tmp_path / "c.tsv"
    path.write_text(COLLECTION, encoding="utf-8")
    assert spam.figures(path) == {"rows": 5572, "spam": 747, "ham": 4825}
    df = spam.read_collection(path)
    assert list(df.columns) == ["Label", "Text"] and df["Text"].str.len().min() > 0


def test_default_collection_is_written_once(cache):
    path = spam.spam_collection_path()
    assert path == cache / spam.DEFAULT_FILENAME and path.read_text(encoding="utf-8") == COLLECTION
    stamp = path.stat().st_mtime_ns
    assert spam.spam_collection_path() == path and path.stat().st_mtime_ns == stamp


def test_download_unzips_verifies_and_caches(server, cache):
    path = spam.fetch_book_collection(urls=(server.url("/good.zip"),))
    assert path == cache / "SMSSpamCollection.tsv" and path.read_text(encoding="utf-8") == COLLECTION
    assert sorted(p.name for p in cache.iterdir()) == ["SMSSpamCollection.tsv"], "temporary files left behind"
    assert spam.fetch_book_collection(urls=(server.url("/good.zip"),)) == path
    assert server.paths == ["/good.zip"], "a verified cached copy is reused without a request"


def test_backup_address_is_tried(server, cache):
    path = spam.fetch_book_collection(urls=(server.url("/broken"), server.url("/good.zip")))
    assert path.is_file() and server.paths == ["/broken", "/good.zip"]


@pytest.mark.parametrize("route, complaint", [("/short.zip", "expected 5,572 rows"),
                                              ("/nomember.zip", "no SMSSpamCollection"),
                                              ("/notzip", "not a valid zip")])
def test_wrong_download_is_refused_and_nothing_cached(server, cache, route, complaint):
    with pytest.raises(VerificationError) as info:
        spam.fetch_book_collection(urls=(server.url(route),))
    assert complaint in str(info.value) and "Nothing was cached" in str(info.value)
    assert not (cache / "SMSSpamCollection.tsv").exists()
    assert [p.name for p in cache.iterdir()] == []


def test_offline_says_where_to_put_the_file(server, cache):
    with pytest.raises(DownloadError) as info:
        spam.fetch_book_collection(urls=(server.url("/broken"),))
    message = str(info.value)
    assert "HTTP 500" in message and f"at {cache / 'SMSSpamCollection.tsv'}" in message and "5,572" in message


def test_file_placed_by_hand_is_accepted(server, cache):
    cache.mkdir(parents=True)
    (cache / "SMSSpamCollection.tsv").write_text(COLLECTION, encoding="utf-8")
    assert spam.fetch_book_collection(urls=(server.url("/broken"),)).is_file()
    assert server.paths == []


def test_cli_lists_the_collection(cache, capsys):
    assert cli_main([]) == 0
    listing = capsys.readouterr().out
    assert "sms-spam" in listing and "(by content)" in listing and "not downloaded" in listing
