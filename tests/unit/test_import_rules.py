"""The layers' import rules (pyproject.toml's import-linter contracts) hold, and a module breaking one is caught."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_source_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


def test_a_desktop_module_importing_the_database_layer_breaks_a_contract(tmp_path):
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / "app" / "ui" / "reaches_past.py").write_text("from app.db.engine import make_engine\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "the desktop reaches the database only through the services and the runtime BROKEN" in result.stdout
    assert "app.ui.reaches_past -> app.db.engine" in result.stdout
