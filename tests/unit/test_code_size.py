"""No class over 450 lines and no function over 60 in the program: a long one has jobs to hand out."""

import ast
from pathlib import Path

import pytest

APP = Path(__file__).parents[2] / "app"
MAX_CLASS_LINES = 450
MAX_FUNCTION_LINES = 60


LIMITS = {ast.ClassDef: MAX_CLASS_LINES, ast.FunctionDef: MAX_FUNCTION_LINES, ast.AsyncFunctionDef: MAX_FUNCTION_LINES}


def too_long(tree: ast.AST, path: Path) -> list[str]:
    found = []
    for node in ast.walk(tree):
        limit = LIMITS.get(type(node))
        lines = node.end_lineno - node.lineno + 1 if limit is not None else 0
        if limit is not None and lines > limit:
            found.append(f"{path.relative_to(APP.parent)}:{node.lineno} {node.name}: {lines} lines")
    return found


def test_no_class_or_function_in_the_program_is_too_long():
    found = [line for path in sorted(APP.rglob("*.py")) for line in too_long(ast.parse(path.read_text()), path)]
    assert found == [], f"over {MAX_CLASS_LINES} lines a class, {MAX_FUNCTION_LINES} a function"


@pytest.mark.parametrize(("lines", "kind"), [(61, "def"), (451, "class")])
def test_the_check_finds_one_that_is(lines, kind):
    body = "\n".join(f"    x{n} = {n}" for n in range(lines - 1))
    source = f"{kind} {'f()' if kind == 'def' else 'C'}:\n{body}\n"
    assert len(too_long(ast.parse(source), APP / "example.py")) == 1
    shorter = "\n".join(body.splitlines()[:-1])
    assert too_long(ast.parse(f"{kind} {'f()' if kind == 'def' else 'C'}:\n{shorter}\n"), APP / "example.py") == []
