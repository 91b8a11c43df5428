"""Entry point: `python -m bench.editors [--smoke] ...` (see bench/editors/run.py)."""

import sys

from bench.editors.run import main

sys.exit(main())
