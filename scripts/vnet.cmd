@echo off
rem Start vnet at boot (docs/operations.md, "Starting at boot").
rem Put this file next to vnet.exe and config.ini; a shortcut to it in the
rem startup folder (Win+R, shell:startup) starts vnet at logon.
cd /d "%~dp0"
vnet.exe config.ini
