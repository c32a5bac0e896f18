; Inno Setup 6 script: a per-user install of the PyInstaller folder, no admin rights.
;
; Built by `python packaging\build.py windows`, which freezes the app first and passes:
;   /DAppVersion=0.1.0  /DSourceDir=...\dist\desktop-slm  /DOutputDir=...\dist
;   /DIconFile=...\build\desktop-slm.ico
; Result: dist\DesktopSLM-<version>-setup.exe. Not built or run on Linux CI; see
; packaging/README.md for what was verified.

#ifndef AppVersion
  #error Pass /DAppVersion=X.Y.Z (packaging/build.py does)
#endif
#ifndef SourceDir
  #error Pass /DSourceDir=path\to\dist\desktop-slm
#endif
#ifndef OutputDir
  #define OutputDir "."
#endif

#define AppName "Desktop SLM"
#define GuiExe "DesktopSLM.exe"

[Setup]
; The AppId identifies the app across versions: never change it, or upgrades turn
; into side-by-side installs.
AppId={{EE963DB5-4F78-41FA-BD53-D3BC2976B449}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Desktop SLM developers
AppCopyright=Copyright (c) 2026 Desktop SLM developers. MIT License.
VersionInfoVersion={#AppVersion}
; Per user, without elevation: {autopf} is %LOCALAPPDATA%\Programs for such installs.
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DisableDirPage=auto
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#OutputDir}
OutputBaseFilename=DesktopSLM-{#AppVersion}-setup
#ifdef IconFile
SetupIconFile={#IconFile}
#endif
UninstallDisplayIcon={app}\{#GuiExe}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
; No file associations, no PATH changes: nothing outside the app's own folder and
; its Start menu entry is touched.
ChangesAssociations=no
ChangesEnvironment=no
; A running copy would hold its DLLs open; ask to close it before files are replaced.
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the program folder's bundled files wholesale, so files that a
; newer version no longer ships do not linger. (User data is elsewhere: platformdirs
; puts it in %LOCALAPPDATA%\desktop-slm, which neither upgrade nor uninstall touches.)
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#GuiExe}"; AppUserModelID: "io.github.desktopslm.DesktopSLM"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#GuiExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#GuiExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
