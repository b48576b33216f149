@echo off
rem The self-test of the Windows program at %1 from the temporary folder (outside the project), with Qt's platform
rem %2 (offscreen unless given: windows needs a display).
set QT_QPA_PLATFORM=offscreen
if not "%~2"=="" set QT_QPA_PLATFORM=%~2
cd /d "%TEMP%"
"%~1" --self-test
exit /b %ERRORLEVEL%
