"""``python -m ec2query``: the console command."""

from __future__ import annotations

import sys

from ._console import main

sys.exit(main())
