"""Where the files in `resources/` are: next to the source tree, or inside the packaged application."""

import sys
from pathlib import Path


def resource_path(name: str) -> Path:
    # A PyInstaller bundle unpacks data files under sys._MEIPASS; from source they sit beside `app/`.
    root = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))
    return root / "resources" / name
