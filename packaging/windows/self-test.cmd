@echo off
rem The self-test of the Windows program at %1, offscreen, from the temporary folder (outside the project).
set QT_QPA_PLATFORM=offscreen
cd /d "%TEMP%"
"%~1" --self-test
exit /b %ERRORLEVEL%
