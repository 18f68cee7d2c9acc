"""What a fresh Python process has imported after some code: the pages' kernels are such
processes, and a heavy import costs each of them seconds and megabytes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence


def modules_loaded(code: str, names: Sequence[str]) -> list[str]:
    """Those of ``names`` that are in ``sys.modules`` after ``code`` ran in a new interpreter."""
    probe = f"{code}\nimport sys\nprint(','.join(m for m in {list(names)!r} if m in sys.modules))\n"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return [m for m in out.stdout.strip().split(",") if m]
