"""``python -m safepassage.evaluation``: the same as ``safepassage eval``."""

from safepassage.evaluation.cli import main

raise SystemExit(main())
