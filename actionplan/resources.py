"""Where the data the program reads at run time is shipped: inside the package, so that an
installed wheel runs without a checkout (reference lists, glossary, translations, the bundled plan).
"""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
BUNDLED_PLAN = DATA_DIR / "plans" / "kansai-industrial-vision-action-plan-2025-11.txt"
