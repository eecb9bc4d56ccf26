"""``python -m safepassage.extract``: the same as ``safepassage extract``."""

import sys

from safepassage.extract.cli import main

sys.exit(main())
