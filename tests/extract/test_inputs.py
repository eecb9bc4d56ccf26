"""Hostile and malformed inputs give a per-document error, and the batch goes on."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from safepassage.extract import Document, extract_document, extract_many
from safepassage.extract.errors import MAX_DOCUMENT_BYTES
from safepassage.extract.readers import iter_inputs, read_jsonl_stream

ENGLISH = (
    "A roadside bomb killed three soldiers in North Waziristan on Monday, the military said. "
    "No group claimed the attack."
)


def _error(result: dict[str, Any]) -> str:
    error = result["document"]["error"]
    assert error is not None, result
    assert result["events"] == []
    return str(error)


def _read(path: Path) -> list[Document]:
    return list(iter_inputs([str(path)], None, io.BytesIO()))


def test_it_rejects_an_empty_document(validator: Any) -> None:
    result = extract_document(Document(id="e", text="   \n "))
    validator.validate(result)
    assert _error(result).startswith("E101")


def test_it_rejects_a_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    (doc,) = _read(path)
    assert _error(extract_document(doc)).startswith("E102")


def test_it_rejects_bad_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(
        "Gunmen attacked a bus near Quetta on Monday \xe9\xe8 killing two.".encode("latin-1")
    )
    (doc,) = _read(path)
    assert _error(extract_document(doc)).startswith("E103")


def test_it_rejects_urdu_and_chinese_text(validator: Any) -> None:
    urdu = (
        "کراچی میں ایک بم دھماکے میں دو چینی انجینئر ہلاک ہو گئے۔ پولیس نے تحقیقات شروع کر دی ہیں۔"
    )
    chinese = "巴基斯坦卡拉奇机场附近发生爆炸，两名中国工程师遇难。警方已经展开调查。"
    for text, code in ((urdu, "ur"), (chinese, "zh")):
        result = extract_document(Document(id=code, text=text))
        validator.validate(result)
        assert _error(result).startswith("E105")


def test_it_rejects_a_50_mb_file_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    (doc,) = _read(path)
    assert _error(extract_document(doc)).startswith("E104")
    assert doc.text == ""


def test_it_rejects_a_document_over_the_limit_given_through_the_api() -> None:
    text = ("word " * (MAX_DOCUMENT_BYTES // 5 + 10))[: MAX_DOCUMENT_BYTES + 10]
    assert _error(extract_document(Document(id="big", text=text))).startswith("E104")


def test_it_reports_malformed_html_and_reads_good_html(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_bytes(b"<html><body><div><<<>>> </p></span>")
    (doc,) = _read(bad)
    assert _error(extract_document(doc)).startswith("E106")
    good = tmp_path / "good.html"
    paragraph = ENGLISH + " Officials said the patrol was on a routine road opening mission. " * 3
    good.write_text(
        "<html><head><title>Blast kills three soldiers</title></head><body>"
        "<nav>Home | World | Sport</nav><article><h1>Blast kills three soldiers</h1>"
        f"<p>{paragraph}</p><p>{paragraph}</p></article><footer>Copyright</footer></body></html>",
        encoding="utf-8",
    )
    (doc,) = _read(good)
    result = extract_document(doc)
    assert result["document"]["error"] is None
    assert "Home | World" not in doc.text
    assert result["events"][0]["fatalities"]["total"] == 3


def test_it_keeps_going_after_a_broken_jsonl_line(validator: Any) -> None:
    lines = [
        json.dumps({"id": "a", "text": ENGLISH, "published": "2024-05-06"}),
        "{not json",
        json.dumps({"id": "c", "title": "no text field"}),
        json.dumps({"text": ENGLISH}),
    ]
    docs = list(read_jsonl_stream("in.jsonl", io.BytesIO("\n".join(lines).encode()), None))
    results = list(extract_many(docs))
    for result in results:
        validator.validate(result)
    assert [r["document"]["error"] is None for r in results] == [True, False, False, True]
    assert results[1]["document"]["id"] == "in.jsonl:2"
    assert results[3]["document"]["id"].startswith("sha256:")
    assert results[0]["events"][0]["date"]["value"] == "2024-05-06"


def test_it_reads_an_rss_feed_offline(tmp_path: Path) -> None:
    feed = tmp_path / "feed.rss"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
        "<item><title>Blast in Quetta</title><link>http://127.0.0.1/a</link>"
        "<pubDate>Tue, 07 May 2024 10:00:00 GMT</pubDate>"
        f"<description>&lt;p&gt;{ENGLISH}&lt;/p&gt;</description></item>"
        "<item><title>Second</title><guid>b-2</guid><description>Talks were held in Beijing on "
        "Monday between the two interior ministers.</description></item></channel></rss>",
        encoding="utf-8",
    )
    docs = _read(feed)
    assert [d.id for d in docs] == ["http://127.0.0.1/a", "b-2"]
    assert docs[0].published == "2024-05-07"
    assert "<p>" not in docs[0].text


def test_it_reads_directories_recursively_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "a.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "c.jsonl").write_text(
        json.dumps({"id": "j", "text": ENGLISH}) + "\n", encoding="utf-8"
    )
    (tmp_path / ".hidden.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    ids = [d.id for d in _read(tmp_path)]
    assert ids == [str(tmp_path / "a.txt"), str(tmp_path / "b" / "2.txt"), "j"]


def test_it_takes_the_publication_date_from_a_dated_dateline() -> None:
    text = "QUETTA, May 7, 2024 (Reuters) - " + ENGLISH
    result = extract_document(Document(id="d", text=text))
    assert result["document"]["published"] == "2024-05-07"
    assert result["events"][0]["date"]["value"] == "2024-05-06"


def test_it_rejects_latin_script_text_in_another_language_but_keeps_english_headlines() -> None:
    german = (
        "Der Anschlag in Quetta hat am Montag drei Soldaten getötet, teilte die Polizei mit. "
        "Die Behörden haben eine Untersuchung eingeleitet und die Straßen rund um den Tatort gesperrt."
    )
    assert _error(extract_document(Document(id="de", text=german))).startswith("E105")
    headline = "Indian shelling kills 1 Pakistani soldier, 2 civilians: Pakistan army"
    result = extract_document(Document(id="h", text=headline))
    assert result["document"]["error"] is None
    assert result["events"][0]["fatalities"]["total"] == 3
