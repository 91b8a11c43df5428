"""Shared setup for the editor tests: a private HOME, a copy of the fixture, the driver plan."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from editors_fixture import FIXTURE, plan
from editors_run import editor_env, require_server

# How long a driver waits for one expected state before it gives up and reports.
DRIVER_WAIT_MS = 20000


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    (tmp_path / "project").mkdir()
    return tmp_path


@pytest.fixture
def env(workdir: Path) -> dict[str, str]:
    require_server()
    return editor_env(workdir / "home")


@pytest.fixture
def plan_file(workdir: Path) -> Path:
    copy = workdir / "project" / FIXTURE.name
    shutil.copyfile(FIXTURE, copy)
    path = workdir / "plan.json"
    steps = plan(copy, workdir / "report.json", DRIVER_WAIT_MS)
    path.write_text(json.dumps(steps, ensure_ascii=False), encoding="utf-8")
    return path
