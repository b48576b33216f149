# Build the one-folder application dist\clinic-scheduler\ with PyInstaller (Windows).
#
#   powershell -ExecutionPolicy Bypass -File packaging\build.ps1 [-CleanVenv] [-SelfTest]
#
# In an active virtual environment it builds with that one (installing PyInstaller from the `build` extra if
# it is missing); otherwise, or with -CleanVenv, in a fresh one at build\venv with only the application and
# PyInstaller in it, which is what a release should be built from. -SelfTest then runs the built
# application's self-test from outside the project with no Python on the PATH.
param([switch]$CleanVenv, [switch]$SelfTest)
$ErrorActionPreference = "Stop"

$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root

function Invoke-Checked([string]$Exe, [string[]]$Arguments) {
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

if ($CleanVenv -or -not $env:VIRTUAL_ENV) {
    if (Test-Path build\venv) { Remove-Item -Recurse -Force build\venv }
    $Python = if ($env:PYTHON) { $env:PYTHON } else { "python" }
    Invoke-Checked $Python @("-m", "venv", "build\venv")
    $Py = Join-Path $Root "build\venv\Scripts\python.exe"
    Invoke-Checked $Py @("-m", "pip", "install", "--quiet", "--upgrade", "pip")
    Invoke-Checked $Py @("-m", "pip", "install", "--quiet", ".[build]")
} else {
    $Py = Join-Path $env:VIRTUAL_ENV "Scripts\python.exe"
    & $Py -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('PyInstaller') is None)"
    if ($LASTEXITCODE -ne 0) { Invoke-Checked $Py @("-m", "pip", "install", "--quiet", "-e", ".[build]") }
}

$Clock = [Diagnostics.Stopwatch]::StartNew()
Invoke-Checked $Py @("-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
    "--distpath", "dist", "--workpath", "build", "packaging\clinic-scheduler.spec")
$Files = Get-ChildItem -Recurse -File dist\clinic-scheduler
$Megabytes = ($Files | Measure-Object -Property Length -Sum).Sum / 1MB
"built dist\clinic-scheduler in {0:N0} s: {1:N0} MB, {2} files" -f $Clock.Elapsed.TotalSeconds, $Megabytes, $Files.Count

if ($SelfTest) {
    $App = Join-Path $Root "dist\clinic-scheduler\clinic-scheduler.exe"
    $Outside = Join-Path ([IO.Path]::GetTempPath()) ("clinic-build-" + [guid]::NewGuid())
    New-Item -ItemType Directory $Outside | Out-Null
    # No virtual environment and no Python on the PATH: as on a front-desk machine.
    $Saved = @{ PATH = $env:PATH; VIRTUAL_ENV = $env:VIRTUAL_ENV; PYTHONPATH = $env:PYTHONPATH }
    try {
        $env:PATH = "$env:SystemRoot\System32;$env:SystemRoot"
        $env:VIRTUAL_ENV = $null
        $env:PYTHONPATH = $null
        Push-Location $Outside
        & $App --self-test
        $Code = $LASTEXITCODE
    } finally {
        Pop-Location
        foreach ($Name in $Saved.Keys) { [Environment]::SetEnvironmentVariable($Name, $Saved[$Name]) }
        Remove-Item -Recurse -Force $Outside -ErrorAction SilentlyContinue
    }
    exit $Code
}
