#!/usr/bin/env bash
# Build a stand-in for Windows 10's icuuc.dll with every function Qt6Core.dll imports from it, each returning 0
# (no converter), so that Qt loads under Wine, which has no icuuc.dll. For the build's Wine prefix only: the program
# never ships it (on Windows 10 and later, Qt uses the system's own).
#
#   icu_stand_in.sh QT6CORE_DLL TARGET_DLL
set -euo pipefail
qt_core="$1"
target="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
x86_64-w64-mingw32-objdump -p "$qt_core" \
    | awk '/DLL Name: icuuc.dll/ {on = 1; next} on && /DLL Name:/ {on = 0} on && $2 == "<none>" {print $NF}' \
    | sort -u > "$work/names"
[[ -s "$work/names" ]] || { echo "$qt_core imports nothing from icuuc.dll: no stand-in needed" >&2; exit 0; }
while read -r name; do
    echo "__declspec(dllexport) void *$name(void) { return 0; }"
done < "$work/names" > "$work/icuuc.c"
x86_64-w64-mingw32-gcc -shared -O2 -s -o "$work/icuuc.dll" "$work/icuuc.c"
cp "$work/icuuc.dll" "$target"
