"""Write the program's icon (app/ui/app_icon.py) as a Windows .ico file for the executables.

python3 make_icon.py OUTPUT.ico
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QGuiApplication

from app.ui.app_icon import icon_image


def main(output: str) -> None:
    app = QGuiApplication([])  # noqa: F841 (painting needs one)
    if not icon_image(256).save(output, "ICO"):
        raise SystemExit(f"could not write {output}")


if __name__ == "__main__":
    main(*sys.argv[1:])
