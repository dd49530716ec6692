; Inno Setup 6 script for the OneWindow (一窗通) counter application.
;
; Runs on Windows only (Inno Setup 6.3 or newer); packaging/windows/build.ps1 calls it after the
; PyInstaller build. It has NOT been compiled on the Linux machine the spec was smoke-tested on.
;
;   ISCC /DAppVersion=0.1.0 /DDistDir=C:\path\to\dist\onewindow packaging\windows\onewindow.iss
;
; DistDir is the one-folder PyInstaller output (packaging/pyinstaller/onewindow.spec), holding
; onewindow.exe (windowed), onewindow-cli.exe (console) and _internal\.
; This file is UTF-8 with a byte-order mark, so that Inno Setup reads the Chinese names correctly.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef DistDir
  #define DistDir "..\..\build\dist\onewindow"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\build\installer"
#endif

#define AppName "一窗通 OneWindow"
#define AppPublisher "OneWindow"
#define GuiExe "onewindow.exe"
#define CliExe "onewindow-cli.exe"

[Setup]
; Keep AppId fixed forever: upgrades and the uninstaller find the installation by it.
AppId={{5E1D3C52-7A0B-4C7E-9D46-0B3A1F0E6C21}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
DefaultDirName={autopf}\OneWindow
DefaultGroupName=一窗通
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#OutputDir}
OutputBaseFilename=OneWindow-Setup-{#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\{#GuiExe}
UninstallDisplayName={#AppName}
; A running counter app keeps its DLLs open; let the installer close it before an upgrade.
CloseApplications=yes
RestartApplications=no
VersionInfoVersion={#AppVersion}

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
; Simplified Chinese is one of Inno Setup's *unofficial* translations and is not installed with
; Inno Setup. Put ChineseSimplified.isl (https://jrsoftware.org/files/istrans/) either into
; Inno Setup's Languages\ folder or next to this script; without it the installer is English only.
; With it, the installer starts in Chinese on a Chinese Windows.
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#elif FileExists(AddBackslash(SourcePath) + "ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "ChineseSimplified.isl"
#else
  #pragma message "ChineseSimplified.isl not found: building an English-only installer"
#endif

[CustomMessages]
english.DesktopIcons=Desktop shortcuts:
english.CliPrompt=OneWindow command line
english.Uninstall=Uninstall OneWindow
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl") || FileExists(AddBackslash(SourcePath) + "ChineseSimplified.isl")
chinesesimplified.DesktopIcons=桌面快捷方式：
chinesesimplified.CliPrompt=一窗通命令行
chinesesimplified.Uninstall=卸载一窗通
#endif

[Tasks]
Name: "desktopicon"; Description: "窗口受理"; GroupDescription: "{cm:DesktopIcons}"
Name: "desktopkiosk"; Description: "取号机"; GroupDescription: "{cm:DesktopIcons}"; Flags: unchecked
Name: "desktopboard"; Description: "叫号屏"; GroupDescription: "{cm:DesktopIcons}"; Flags: unchecked

[Files]
; The whole one-folder build: both executables and _internal\ (Qt, Python, resources, migrations).
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Dirs]
; The machine-wide deployment file's folder (%PROGRAMDATA%\OneWindow), read by every Windows user
; of this PC that has no onewindow.toml of their own (app/config.py config_path).
Name: "{commonappdata}\OneWindow"

[InstallDelete]
; An upgrade replaces the bundled libraries wholesale, so nothing stale from an older Qt stays.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\窗口受理"; Filename: "{app}\{#GuiExe}"; WorkingDir: "{app}"; Comment: "一窗通 · 窗口受理"
Name: "{group}\取号机"; Filename: "{app}\{#GuiExe}"; Parameters: "kiosk"; WorkingDir: "{app}"; Comment: "一窗通 · 取号机（全屏）"
Name: "{group}\叫号屏"; Filename: "{app}\{#GuiExe}"; Parameters: "board"; WorkingDir: "{app}"; Comment: "一窗通 · 叫号屏（全屏）"
Name: "{group}\{cm:CliPrompt}"; Filename: "{cmd}"; Parameters: "/k {#CliExe} --help"; WorkingDir: "{app}"
Name: "{group}\{cm:Uninstall}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\窗口受理"; Filename: "{app}\{#GuiExe}"; WorkingDir: "{app}"; Tasks: desktopicon
Name: "{autodesktop}\取号机"; Filename: "{app}\{#GuiExe}"; Parameters: "kiosk"; WorkingDir: "{app}"; Tasks: desktopkiosk
Name: "{autodesktop}\叫号屏"; Filename: "{app}\{#GuiExe}"; Parameters: "board"; WorkingDir: "{app}"; Tasks: desktopboard

[Run]
; Started as the signed-in user (not the elevated installer), so the database is created in that
; user's %LOCALAPPDATA%\OneWindow on first start.
Filename: "{app}\{#GuiExe}"; Description: "{cm:LaunchProgram,窗口受理}"; Flags: postinstall nowait skipifsilent runasoriginaluser

; The uninstaller removes only what was installed. The database, configuration and logs in
; %LOCALAPPDATA%\OneWindow and the device token in Windows Credential Manager stay: they are the
; centre's records and must be archived or removed deliberately (see docs/packaging.md).

[Code]
{ The deployment file (onewindow.toml, see README "Configuration"): the centre's database, and the
  audit key file the desks of one PostgreSQL share. Written machine-wide, so that every Windows
  account of the PC finds it. Asked on a wizard page, or for a silent install taken from
  /DBURL=postgresql://... and /AUDITKEYFILE=\\server\share\audit.key. An upgrade with both left
  empty keeps the file there is. tests/packaging checks that what this writes loads. }
var
  DbPage: TInputQueryWizardPage;

function DeploymentFile: String;
begin
  Result := ExpandConstant('{commonappdata}\OneWindow\onewindow.toml');
end;

procedure InitializeWizard;
begin
  DbPage := CreateInputQueryPage(wpSelectDir, '数据库', '写入部署文件 onewindow.toml',
    '一个中心的多台窗口电脑共用一个 PostgreSQL 时，填写它的地址和共用的审计密钥文件；' +
    '只有一台电脑时留空，使用本机 SQLite。升级安装时两项都留空则保留原有的部署文件。');
  DbPage.Add('PostgreSQL 地址（例如 postgresql://onewindow@10.0.0.5/centre）：', False);
  DbPage.Add('共用的审计密钥文件（例如 \\server\onewindow\audit.key，可留空）：', False);
  DbPage.Values[0] := ExpandConstant('{param:DBURL|}');
  DbPage.Values[1] := ExpandConstant('{param:AUDITKEYFILE|}');
end;

function TomlLiteralOk(const S: String): Boolean;
begin
  { A TOML literal string ('...') cannot hold a single quote or a line break. }
  Result := (Pos('''', S) = 0) and (Pos(#13, S) = 0) and (Pos(#10, S) = 0);
end;

function NextButtonClick(CurPageID: Integer): Boolean;
var
  Url: String;
begin
  Result := True;
  if CurPageID = DbPage.ID then
  begin
    Url := Trim(DbPage.Values[0]);
    if (Url <> '') and (Pos('postgresql://', Url) <> 1) and (Pos('postgres://', Url) <> 1) then
    begin
      MsgBox('数据库地址应以 postgresql:// 开头；只有一台电脑时请留空。', mbError, MB_OK);
      Result := False;
    end
    else if not TomlLiteralOk(Url) or not TomlLiteralOk(DbPage.Values[1]) then
    begin
      MsgBox('地址和文件路径中不能有单引号或换行。', mbError, MB_OK);
      Result := False;
    end;
  end;
end;

procedure WriteDeploymentFile;
var
  Lines: TArrayOfString;
  Url, KeyFile: String;
begin
  Url := Trim(DbPage.Values[0]);
  KeyFile := Trim(DbPage.Values[1]);
  if FileExists(DeploymentFile) and (Url = '') and (KeyFile = '') then
    Exit;
  SetArrayLength(Lines, 5);
  Lines[0] := '# OneWindow deployment file, written by the installer (docs/packaging.md).';
  Lines[1] := '[database]';
  if Url = '' then
    Lines[2] := '# url = ''postgresql://onewindow@10.0.0.5/centre''  # none: this PC''s own SQLite'
  else
    Lines[2] := 'url = ''' + Url + '''';
  Lines[3] := '[security]';
  if KeyFile = '' then
    Lines[4] := '# audit_key_file = ''\\server\onewindow\audit.key''  # desks sharing one PostgreSQL'
  else
    Lines[4] := 'audit_key_file = ''' + KeyFile + '''';
  ForceDirectories(ExtractFileDir(DeploymentFile));
  if not SaveStringsToUTF8FileWithoutBOM(DeploymentFile, Lines, False) then
    MsgBox('无法写入部署文件 ' + DeploymentFile + '，请手工创建（见安装说明）。', mbError, MB_OK);
end;

procedure CurStepChanged(CurStep: TSetupStep);
begin
  if CurStep = ssPostInstall then
    WriteDeploymentFile;
end;
