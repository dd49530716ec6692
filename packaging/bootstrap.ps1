# One-step setup for Windows (PowerShell): installs OneWindow into .venv, then runs it.
#   powershell -ExecutionPolicy Bypass -File packaging\bootstrap.ps1 app    # install and start the counter app
#   powershell -ExecutionPolicy Bypass -File packaging\bootstrap.ps1 test   # install and run the tests
# Needs Python 3.11+ from python.org or the Microsoft Store (the `py` launcher). PostgreSQL tests run
# when ONEWINDOW_TEST_PG_URL points at a server; without it they are skipped on Windows.
param([string]$Mode = "app", [Parameter(ValueFromRemainingArguments = $true)][string[]]$Rest)
$ErrorActionPreference = "Stop"
Set-Location (Split-Path -Parent $PSScriptRoot)

$py = if (Get-Command py -ErrorAction SilentlyContinue) { @("py", "-3") } else { @("python") }
if (-not (Test-Path ".venv\Scripts\python.exe")) {
    Write-Host "[bootstrap] creating .venv"
    & $py[0] $py[1..9] -m venv .venv
}
$hash = (Get-FileHash pyproject.toml -Algorithm SHA256).Hash.Substring(0, 16).ToLower()
$extra = if ($Mode -eq "app") { "app" } else { "test" }
$stamp = ".venv\.onewindow-$hash-$extra"
if (-not (Test-Path $stamp)) {
    Write-Host "[bootstrap] installing Python packages (first run takes a few minutes)"
    & .venv\Scripts\python.exe -m pip install -q --upgrade pip
    if ($extra -eq "test") { & .venv\Scripts\python.exe -m pip install -q -e ".[test]" }
    else { & .venv\Scripts\python.exe -m pip install -q -e . }
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    Remove-Item .venv\.onewindow-* -ErrorAction SilentlyContinue
    New-Item -ItemType File $stamp | Out-Null
}
switch ($Mode) {
    "app" { & .venv\Scripts\onewindow.exe @Rest; exit $LASTEXITCODE }
    "test" {
        $env:QT_QPA_PLATFORM = "offscreen"
        & .venv\Scripts\python.exe -m pytest @Rest; exit $LASTEXITCODE
    }
    "bench" { & .venv\Scripts\python.exe -m benchmarks @Rest; exit $LASTEXITCODE }
    default { Write-Error "usage: bootstrap.ps1 app|test|bench"; exit 2 }
}
