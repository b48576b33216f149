"""Write PyInstaller's version resource for the Windows executables (Explorer's Details tab) from pyproject.toml.

python3 version_info.py pyproject.toml OUTPUT
"""

import sys
import tomllib

TEMPLATE = """VSVersionInfo(
  ffi=FixedFileInfo(filevers={numbers}, prodvers={numbers}, mask=0x3f, flags=0x0, OS=0x40004, fileType=0x1,
    subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('040904B0', [
      StringStruct('CompanyName', 'Clinic Scheduler'),
      StringStruct('FileDescription', 'Clinic Scheduler: the clinic appointment book'),
      StringStruct('FileVersion', '{version}'),
      StringStruct('InternalName', 'clinic-scheduler'),
      StringStruct('LegalCopyright', 'Clinic Scheduler'),
      StringStruct('OriginalFilename', 'clinic-scheduler.exe'),
      StringStruct('ProductName', 'Clinic Scheduler'),
      StringStruct('ProductVersion', '{version}')])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""


def main(pyproject: str, output: str) -> None:
    with open(pyproject, "rb") as file:
        version = tomllib.load(file)["project"]["version"]
    numbers = tuple(int(part) for part in ([*version.split("."), "0", "0", "0"])[:4])
    with open(output, "w", encoding="utf-8") as file:
        file.write(TEMPLATE.format(numbers=numbers, version=version))


if __name__ == "__main__":
    main(*sys.argv[1:])
