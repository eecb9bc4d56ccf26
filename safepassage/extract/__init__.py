"""Extraction engine: structured security events from news articles and field reports.

Pure Python, no Django: it runs in the CLI, in background workers and in batch jobs alike.
The command line is ``safepassage extract`` (:mod:`safepassage.extract.cli`); its interface and
output are fixed by ``contracts/EXTRACT.md`` and ``contracts/events.schema.json``.
"""

from safepassage.extract.document import Document
from safepassage.extract.pipeline import extract_document, extract_many

__all__ = ["Document", "extract_document", "extract_many"]
