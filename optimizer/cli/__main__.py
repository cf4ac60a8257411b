"""``python -m optimizer.cli``: the `viglas` command."""

import sys

from . import main

sys.exit(main())
