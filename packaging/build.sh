#!/usr/bin/env bash
# Build the one-folder application dist/clinic-scheduler/ with PyInstaller (Linux and macOS).
#
#   packaging/build.sh [--clean-venv] [--self-test]
#
# In an active virtual environment it builds with that one (installing PyInstaller from the `build` extra if
# it is missing); otherwise, or with --clean-venv, in a fresh one at build/venv with only the application and
# PyInstaller in it, which is what a release should be built from. --self-test then runs the built
# application's self-test with an empty environment from outside the project, as on a machine with no Python.
set -euo pipefail

clean_venv=0
self_test=0
for arg in "$@"; do
    case "$arg" in
        --clean-venv) clean_venv=1 ;;
        --self-test) self_test=1 ;;
        *) echo "usage: $0 [--clean-venv] [--self-test]" >&2; exit 2 ;;
    esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [[ $clean_venv == 1 || -z "${VIRTUAL_ENV:-}" ]]; then
    rm -rf build/venv
    "${PYTHON:-python3}" -m venv build/venv
    python=build/venv/bin/python
    "$python" -m pip install --quiet --upgrade pip
    "$python" -m pip install --quiet ".[build]"
else
    python="$VIRTUAL_ENV/bin/python"
    "$python" -c "import PyInstaller" 2>/dev/null || "$python" -m pip install --quiet -e ".[build]"
fi

started=$SECONDS
# The embedded server's password rules (a PostgreSQL module), next to the sources the bundle is made from.
"$python" setup.py --quiet build_ext --inplace
"$python" -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build \
    packaging/clinic-scheduler.spec
echo "built dist/clinic-scheduler in $((SECONDS - started)) s: $(du -sh dist/clinic-scheduler | cut -f1)," \
    "$(find dist/clinic-scheduler -type f | wc -l | tr -d ' ') files"

if [[ $self_test == 1 ]]; then
    app="$root/dist/clinic-scheduler/clinic-scheduler"
    outside="$(mktemp -d)"
    trap 'rm -rf "$outside"' EXIT
    # /usr/sbin: run as root, the embedded server creates its system user with useradd on first use.
    (cd "$outside" && env -i HOME="$outside" PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$app" --self-test)
fi
