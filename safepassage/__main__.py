import sys

from safepassage.cli import main

sys.exit(main())
