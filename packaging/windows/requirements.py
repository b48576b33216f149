"""What the Windows build installs, one requirement per line: the project's dependencies and its build extra, by
pyproject.toml's own version ranges, and what those need on Windows only (pip download evaluates environment
markers for the machine it runs on, Linux, and would leave these out).

    python3 requirements.py pyproject.toml
"""

import sys
import tomllib

WINDOWS_ONLY = ["pefile>=2022.5.30", "pywin32-ctypes>=0.2.1"]  # PyInstaller's, on Windows


def main(pyproject: str) -> None:
    with open(pyproject, "rb") as file:
        project = tomllib.load(file)["project"]
    print("\n".join([*project["dependencies"], *project["optional-dependencies"]["build"], *WINDOWS_ONLY]))


if __name__ == "__main__":
    main(*sys.argv[1:])
