"""The demo's incident picture: the project's seed articles, ingested like any news source.

The seed articles are not part of the repository (they are other people's text). When the
shared folder beside the checkout holds them, the demo reads them at set-up time through
the real pipeline: stored once, extracted, linked into incidents and engagements.
"""

from __future__ import annotations

import os
from pathlib import Path

from safepassage.access.principals import SystemActor
from safepassage.audit.context import Source as AuditSource
from safepassage.audit.context import acting

SOURCE_NAME = "Seed news archive (demo)"


def seeds_dir() -> Path | None:
    """``$SAFEPASSAGE_SHARED_DIR/seeds``, else ``../shared/seeds`` next to the checkout."""
    shared = os.environ.get("SAFEPASSAGE_SHARED_DIR")
    candidates = [Path(shared) / "seeds"] if shared else []
    candidates.append(Path(__file__).resolve().parents[2].parent / "shared" / "seeds")
    return next((path for path in candidates if path.is_dir()), None)


def load_demo_reports() -> int:
    """Ingest the seed articles once; return how many reports were newly processed."""
    import datetime

    from safepassage.access import gate
    from safepassage.extract.readers import read_file
    from safepassage.intel.choices import TLP, Reliability, SourceKind
    from safepassage.intel.jobs import process_report
    from safepassage.intel.models import Source
    from safepassage.intel.services.ingest import submit_report
    from safepassage.registry.models import Organisation

    folder = seeds_dir()
    owner = Organisation.objects.filter(users__username="analyst").first()
    if folder is None or owner is None:
        return 0
    actor = SystemActor("demo")
    processed = 0
    with acting(AuditSource.SYSTEM, user=actor, label="demo"):
        source = Source.objects.filter(name=SOURCE_NAME).first()
        if source is None:
            source = Source(
                organisation=owner,
                name=SOURCE_NAME,
                kind=SourceKind.API,
                reliability=Reliability.B,
                default_tlp=TLP.GREEN,
            )
            gate.save(actor, source)
        for path in sorted(folder.glob("*.txt")):
            for document in read_file(path, None):
                if getattr(document, "error", None) or not document.text:
                    continue
                published = (
                    datetime.date.fromisoformat(document.published) if document.published else None
                )
                result = submit_report(
                    source=source, text=document.text, title=path.stem, published=published
                )
                if result.created:
                    process_report(result.report.pk)
                    processed += 1
    return processed
