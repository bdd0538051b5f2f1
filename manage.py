#!/usr/bin/env python3
"""Django's usual entry point; `actionplan` (see actionplan/cli.py) does the same and more."""

from __future__ import annotations

import sys

from actionplan.cli import main

if __name__ == "__main__":
    sys.exit(main())
