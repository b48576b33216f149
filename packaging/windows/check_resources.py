"""Check that the Windows executables carry the program's icon and version (what Explorer's properties show).
Run by build-windows.sh with the Windows Python (pefile comes with PyInstaller there).

    python.exe check_resources.py VERSION EXE [EXE ...]
"""

import sys

import pefile

RT_GROUP_ICON = pefile.RESOURCE_TYPE["RT_GROUP_ICON"]


def problems(path: str, version: str) -> list[str]:
    pe = pefile.PE(path)
    found = []
    strings = {
        key.decode(): value.decode()
        for group in getattr(pe, "FileInfo", [])
        for info in group
        for table in getattr(info, "StringTable", [])
        for key, value in table.entries.items()
    }
    if strings.get("ProductVersion") != version:
        found.append(f"{path}: ProductVersion is {strings.get('ProductVersion')!r}, not {version!r}")
    if strings.get("ProductName") != "Clinic Scheduler":
        found.append(f"{path}: ProductName is {strings.get('ProductName')!r}")
    resources = pe.DIRECTORY_ENTRY_RESOURCE.entries if hasattr(pe, "DIRECTORY_ENTRY_RESOURCE") else []
    if RT_GROUP_ICON not in [entry.id for entry in resources]:
        found.append(f"{path}: no icon")
    return found


def main(version: str, *paths: str) -> int:
    found = [problem for path in paths for problem in problems(path, version)]
    print("\n".join(found) or f"icon and version {version} in {len(paths)} executables")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
