"""deploy/: the shipped systemd units and crontab call real commands with real options, every
setting they name exists, and docs/deploy.md documents each file."""

from __future__ import annotations

import configparser
import shlex

import click
import pytest

from db.private import ENV as PRIVATE_DB_ENV
from digest.config import SETTINGS
from ops.alerts import ADMIN_ENV, DISK_MARGIN_ENV
from ops.health import STALE_DAYS_ENV
from radar.cli import cli
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keys are case-sensitive in systemd
    parser.read(DEPLOY / name)
    return parser


def radar_args(command_line: str) -> list[str]:
    words = shlex.split(command_line)
    start = next(i for i, word in enumerate(words) if word.endswith("/radar"))
    return words[start + 1:]


def parses(args: list[str]) -> click.Context:
    """The command line as `radar` would parse it (raises on an unknown option)."""
    name, rest = args[0], args[1:]
    command = cli.commands[name]
    return command.make_context(name, rest)


@pytest.mark.parametrize("name", ["radar.service", "radar-serve.service"])
def test_systemd_units_run_radar_commands_that_parse(name):
    service = unit(name)["Service"]
    context = parses(radar_args(service["ExecStart"]))
    assert context.params["db_path"].startswith("data/")
    assert service["WorkingDirectory"] == "/srv/radar" and service["User"] == "radar"


def test_the_daily_unit_is_a_oneshot_that_tolerates_only_the_lock_and_the_timer_catches_up():
    service = unit("radar.service")["Service"]
    assert service["Type"] == "oneshot" and service["SuccessExitStatus"] == "75"
    timer = unit("radar.timer")["Timer"]
    assert timer["Persistent"] in ("yes", "true") and timer["OnCalendar"].startswith("*-*-*")
    assert unit("radar-publish.path")["Path"]["PathChanged"].endswith("data/published/radar.db")


def test_the_crontab_lines_parse():
    lines = [line for line in (DEPLOY / "crontab").read_text().splitlines()
             if line and not line.startswith("#") and "=" not in line.split()[0]]
    assert len(lines) == 2
    for line in lines:
        command = " ".join(line.split()[5:])
        radar_part = command.split(".venv/bin/radar", 1)[1].split(">")[0]
        parses(shlex.split(radar_part))


def test_every_variable_of_the_env_example_is_a_known_setting():
    known = {s.env for s in SETTINGS} | {ADMIN_ENV, DISK_MARGIN_ENV, STALE_DAYS_ENV, PRIVATE_DB_ENV}
    names = [line.split("=", 1)[0] for line in (DEPLOY / "radar.env.example").read_text().splitlines()
             if line and not line.startswith("#")]
    assert names and set(names) <= known


def test_docs_deploy_names_every_deploy_file_and_setting():
    docs = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for path in DEPLOY.iterdir():
        assert f"deploy/{path.name}" in docs, path.name
    for name in (ADMIN_ENV, DISK_MARGIN_ENV, STALE_DAYS_ENV, "radar health --prom", "exit"):
        assert name in docs
    for option in cli.commands["run"].params:
        assert option.opts[0] in docs, option.opts[0]
