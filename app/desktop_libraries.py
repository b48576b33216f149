"""The system libraries the desktop window needs beyond what the program bundles (Linux: Qt's xcb platform, 6.5 and
later). The window's start and `doctor` name the missing ones by their package."""

import ctypes
import sys

# What Qt's xcb platform loads, and the Debian/Ubuntu package of each (packaging/README.md lists the same).
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}


def missing_desktop_packages() -> list[str]:
    """The packages of the X11 libraries this machine lacks (none on Windows and macOS, or where all load)."""
    if not sys.platform.startswith("linux"):
        return []
    missing = []
    for library, package in XCB_LIBRARIES.items():
        try:
            ctypes.CDLL(library)
        except OSError:
            missing.append(package)
    return missing
