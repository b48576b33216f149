"""IT's settings the Windows installer wrote from its properties (`msiexec /i clinic-scheduler.msi /qn
DATABASE_URL=... CLINIC_TIMEZONE=... SHARED_WORKSTATION=yes`) into HKLM\\Software\\Clinic Scheduler\\Site. They are
read like a site-wide config file that comes before the real one, which wins where both set a key. Elsewhere than on
Windows there are none."""

import sys
from pathlib import PureWindowsPath

KEY = r"Software\Clinic Scheduler\Site"
WHERE = PureWindowsPath("HKLM", KEY)  # how the settings' origins name it
NAMES = ("database_url", "clinic_timezone", "shared_workstation")
YES, NO = ("1", "yes", "true"), ("0", "no", "false")


def as_settings(raw: dict[str, str]) -> dict:
    """The installer's values as a config file's: empty ones left out, shared_workstation a boolean where it says
    yes or no (anything else is passed on for the settings' check to name)."""
    settings: dict = {}
    for name, value in raw.items():
        text = value.strip()
        if not text:
            continue
        if name == "shared_workstation" and text.lower() in YES + NO:
            settings[name] = text.lower() in YES
        else:
            settings[name] = text
    return settings


def installer_settings() -> dict:
    """What the Windows installer set for this machine; {} where it set nothing, and off Windows."""
    if sys.platform != "win32":
        return {}
    import winreg  # Windows only

    raw = {}
    try:
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, KEY, 0, winreg.KEY_READ | winreg.KEY_WOW64_64KEY) as key:
            for name in NAMES:
                try:
                    raw[name] = str(winreg.QueryValueEx(key, name)[0])
                except FileNotFoundError:
                    continue
    except FileNotFoundError:
        return {}
    return as_settings(raw)
