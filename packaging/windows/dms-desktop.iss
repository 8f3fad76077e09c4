; Inno Setup script: installs the PyInstaller folder dist\dms-desktop\ (built on Windows with
; packaging\dms-desktop.spec) for the current user, with Start-menu entries, an optional
; "start the tray scheduler at login" task, and an uninstaller that keeps the workspace.
; NOT TRIED: written without a Windows machine; see packaging\windows\README.md.
;
;   iscc /DAppVersion=0.1.0 packaging\windows\dms-desktop.iss
;
; writes dist\dms-desktop-<version>-windows-x64-setup.exe

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define Root AddBackslash(SourcePath) + "..\.."

[Setup]
AppId={{6F2D3C1A-8B4E-4E7B-9C55-3D1A2B7E9F10}
AppName=DMS Desktop
AppVersion={#AppVersion}
AppPublisher=DMS
DefaultDirName={localappdata}\Programs\DMS Desktop
DefaultGroupName=DMS Desktop
; Per-user install: no administrator rights, like the Linux install.sh.
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#Root}\dist
OutputBaseFilename=dms-desktop-{#AppVersion}-windows-x64-setup
SetupIconFile={#Root}\build\icons\dms-desktop.ico
UninstallDisplayIcon={app}\dms-desktop.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked
Name: "trayatlogin"; Description: "Start the tray scheduler (dms-scheduler --tray) at login"

[Files]
Source: "{#Root}\dist\dms-desktop\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\DMS Desktop"; Filename: "{app}\dms-desktop.exe"
Name: "{group}\DMS Desktop (demo workspace)"; Filename: "{app}\dms-desktop.exe"; Parameters: "--demo"
Name: "{group}\DMS Scheduler (tray)"; Filename: "{app}\dms-scheduler.exe"; Parameters: "--tray"
Name: "{group}\Uninstall DMS Desktop"; Filename: "{uninstallexe}"
Name: "{autodesktop}\DMS Desktop"; Filename: "{app}\dms-desktop.exe"; Tasks: desktopicon
Name: "{userstartup}\DMS Scheduler (tray)"; Filename: "{app}\dms-scheduler.exe"; Parameters: "--tray"; Tasks: trayatlogin

[Registry]
; dms and dms-scheduler on the user's PATH.
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\dms-desktop.exe"; Description: "Start DMS Desktop"; Flags: nowait postinstall skipifsilent

[UninstallRun]
Filename: "{cmd}"; Parameters: "/C taskkill /IM dms-scheduler.exe /F"; Flags: runhidden; RunOnceId: "StopTray"

; The workspace (%LOCALAPPDATA%\dms-desktop) is not removed: it holds the user's loads.

[Code]
function NeedsAddPath(Param: string): boolean;
var
  OrigPath: string;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', OrigPath) then
  begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(Param) + ';', ';' + Uppercase(OrigPath) + ';') = 0;
end;
