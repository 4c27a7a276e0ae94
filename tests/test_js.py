"""The JS unit tests (vitest: scheduler, decoder) and the TypeScript typecheck."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _npx() -> str:
    npx = shutil.which("npx")
    if npx is None or not (ROOT / "node_modules").exists():
        reason = "Node.js/npm and `npm install` are needed for the JS tests"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return npx


def test_vitest_unit_tests_pass():
    result = subprocess.run(
        [_npx(), "vitest", "run", "--reporter=verbose"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    print(result.stdout[-4000:])
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout


def test_typescript_typechecks():
    result = subprocess.run(
        [_npx(), "tsc", "--noEmit"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
