@echo off
rem Start vnet at boot (docs/operations.md, "Starting at boot").
rem Put this file next to vnet.exe and config.ini; "vnet.exe --install-startup"
rem puts a shortcut to it in the Startup folder, which starts vnet at logon.
cd /d "%~dp0"
vnet.exe config.ini
