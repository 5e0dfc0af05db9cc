"""``python -m ngb.cli``: the ``ngb`` command."""

import sys

from ._parser import main

sys.exit(main())
