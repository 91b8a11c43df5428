"""Entry point: `python -m bench [--smoke] ...` (see bench/run.py)."""

import sys

from bench.run import main

sys.exit(main())
