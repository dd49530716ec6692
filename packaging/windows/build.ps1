# Builds the OneWindow Windows installer: venv -> PyInstaller one-folder build -> smoke test -> Inno Setup.
#
# Runs on Windows 10/11 x64 only (PyInstaller cannot cross-build Windows executables). It has NOT
# been run yet: the spec was smoke-tested on Linux only (docs/packaging.md).
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1 -SkipInstaller   # PyInstaller only
#
# Needs: Python 3.11+ x64 from python.org (the `py` launcher), Inno Setup 6.3+ (ISCC.exe), and
# optionally ChineseSimplified.isl (see onewindow.iss). Output goes to build\ in the checkout:
#   build\dist\onewindow\           the one-folder app (onewindow.exe, onewindow-cli.exe, _internal\)
#   build\installer\OneWindow-Setup-<version>.exe
param(
    [string]$Python = "",             # a python.exe to build with; default: py -3.11, then python
    [string]$Iscc = "",               # path to ISCC.exe; default: searched
    [switch]$SkipInstaller,
    [switch]$SkipSmokeTest
)
$ErrorActionPreference = "Stop"
$Root = (Resolve-Path (Join-Path $PSScriptRoot "..\..")).Path
Set-Location $Root

function Invoke-Checked([string]$Exe, [string[]]$Arguments) {
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

$Build = Join-Path $Root "build"
$Venv = Join-Path $Build "venv-win"
$Dist = Join-Path $Build "dist"
$Work = Join-Path $Build "work"
$Spec = Join-Path $Root "packaging\pyinstaller\onewindow.spec"
$Iss = Join-Path $Root "packaging\windows\onewindow.iss"

# 1. A clean virtualenv with the project (not editable) and PyInstaller.
if (-not (Test-Path (Join-Path $Venv "Scripts\python.exe"))) {
    Write-Host "[build] creating $Venv"
    if ($Python) { Invoke-Checked $Python @("-m", "venv", $Venv) }
    elseif (Get-Command py -ErrorAction SilentlyContinue) { Invoke-Checked "py" @("-3.11", "-m", "venv", $Venv) }
    else { Invoke-Checked "python" @("-m", "venv", $Venv) }
}
$Py = Join-Path $Venv "Scripts\python.exe"
Write-Host "[build] installing OneWindow and PyInstaller"
Invoke-Checked $Py @("-m", "pip", "install", "-q", "--upgrade", "pip")
Invoke-Checked $Py @("-m", "pip", "install", "-q", $Root, "pyinstaller>=6.10,<7")
$Version = (& $Py -c "import app; print(app.__version__)").Trim()
if ($LASTEXITCODE -ne 0 -or -not $Version) { throw "cannot read the app version" }
Write-Host "[build] OneWindow $Version"

# 2. PyInstaller one-folder build (both onewindow.exe and onewindow-cli.exe).
$sw = [Diagnostics.Stopwatch]::StartNew()
Invoke-Checked $Py @("-m", "PyInstaller", "--noconfirm", "--clean", "--distpath", $Dist, "--workpath", $Work, $Spec)
$App = Join-Path $Dist "onewindow"
$sizeMb = [math]::Round(((Get-ChildItem $App -Recurse -File | Measure-Object Length -Sum).Sum) / 1MB)
Write-Host ("[build] PyInstaller took {0:N0} s; {1} is {2} MB" -f $sw.Elapsed.TotalSeconds, $App, $sizeMb)

# 3. Smoke test of the frozen app, with a throwaway data folder (the console executable, because
#    the windowed one has no stdout).
if (-not $SkipSmokeTest) {
    $Tmp = Join-Path ([IO.Path]::GetTempPath()) ("onewindow-smoke-" + [guid]::NewGuid().ToString("N"))
    New-Item -ItemType Directory $Tmp | Out-Null
    $env:ONEWINDOW_DATA_DIR = $Tmp
    $env:QT_QPA_PLATFORM = "offscreen"
    try {
        $Cli = Join-Path $App "onewindow-cli.exe"
        $out = & $Cli --self-test
        if ($LASTEXITCODE -ne 0 -or ($out -join "`n") -notmatch "self-test ok") { throw "frozen --self-test failed: $out" }
        Invoke-Checked $Cli @("print", "receipt", "--out", (Join-Path $Tmp "receipt.pdf"))
        $db = "sqlite:///" + ((Join-Path $Tmp "smoke.db") -replace "\\", "/")
        Invoke-Checked $Cli @("--db", $db, "init-db")
        # The windowed executable must start and exit too (its output goes nowhere).
        $p = Start-Process -FilePath (Join-Path $App "onewindow.exe") -ArgumentList "--self-test" -Wait -PassThru
        if ($p.ExitCode -ne 0) { throw "windowed onewindow.exe --self-test exited with $($p.ExitCode)" }
        Write-Host "[build] frozen smoke test passed"
    } finally {
        Remove-Item Env:ONEWINDOW_DATA_DIR, Env:QT_QPA_PLATFORM -ErrorAction SilentlyContinue
        Remove-Item $Tmp -Recurse -Force -ErrorAction SilentlyContinue
    }
}

# 4. Inno Setup.
if (-not $SkipInstaller) {
    if (-not $Iscc) {
        $candidates = @(
            (Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe"),
            (Join-Path $env:ProgramFiles "Inno Setup 6\ISCC.exe"),
            (Join-Path $env:LOCALAPPDATA "Programs\Inno Setup 6\ISCC.exe")
        )
        $Iscc = $candidates | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
        if (-not $Iscc) {
            $cmd = Get-Command ISCC.exe -ErrorAction SilentlyContinue
            if ($cmd) { $Iscc = $cmd.Source }
        }
        if (-not $Iscc) { throw "ISCC.exe not found: install Inno Setup 6 (winget install JRSoftware.InnoSetup) or pass -Iscc" }
    }
    $Out = Join-Path $Build "installer"
    Invoke-Checked $Iscc @("/Qp", "/DAppVersion=$Version", "/DDistDir=$App", "/DOutputDir=$Out", $Iss)
    Write-Host "[build] installer: $(Join-Path $Out "OneWindow-Setup-$Version.exe")"
}
