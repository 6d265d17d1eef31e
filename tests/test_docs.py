"""The README, .env.example and requirement files stay true to the code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

from kundenwert.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_lines(markdown: str) -> list[str]:
    """Non-empty lines inside fenced code blocks, in order."""
    lines, inside = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            inside = not inside
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


def cli_subcommands() -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "kundenwert", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    choices = re.search(r"\{([a-z0-9_,-]+)\}", result.stdout)
    assert choices, result.stdout
    return choices.group(1).split(",")


def pinned(requirements: Path) -> dict[str, str]:
    pins = {}
    for raw in requirements.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-r "):
            continue
        assert re.fullmatch(r"[A-Za-z0-9_.-]+(\[[a-z,]+\])?==[0-9][0-9A-Za-z.+-]*", line), line
        name, pin = line.split("==")
        pins[name.split("[")[0]] = pin
    return pins


def test_readme_opens_with_the_two_commands() -> None:
    assert code_lines(README)[:2] == ["bash scripts/start.sh", "bash scripts/test.sh"]


@pytest.mark.parametrize("script", ["scripts/start.sh", "scripts/test.sh", ".ci/run"])
def test_scripts_exist_and_are_executable(script: str) -> None:
    path = ROOT / script
    assert path.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash\n")
    assert os.access(path, os.X_OK)


def test_every_cli_command_is_in_the_readme() -> None:
    commands = cli_subcommands()
    assert "demo" in commands
    missing = [c for c in commands if f"python -m kundenwert {c}" not in README]
    assert not missing, f"README does not show: {missing}"


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented(field: str) -> None:
    variable = f"KUNDENWERT_{field.upper()}"
    assert f"`{variable}`" in README
    assert f"# {variable}=" in (ROOT / ".env.example").read_text(encoding="utf-8")


@pytest.mark.parametrize("requirements", ["requirements.txt", "requirements-dev.txt"])
def test_requirements_are_pinned_and_installed(requirements: str) -> None:
    pins = pinned(ROOT / requirements)
    assert pins
    installed = {}
    for name in pins:
        try:
            installed[name] = version(name)
        except PackageNotFoundError:
            installed[name] = "not installed"
    assert installed == pins, "run `bash scripts/setup.sh dev`"


def test_dev_requirements_include_the_runtime_ones() -> None:
    text = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8")
    assert "-r requirements.txt" in text.splitlines()
