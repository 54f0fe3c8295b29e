"""Digest settings: environment over config file over defaults, helpful errors, secrets hidden."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from digest import config as settings

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_environment_and_file(tmp_path):
    file = tmp_path / "digest.ini"
    file.write_text("[smtp]\nhost = mail.example.org\nport = 587\nstarttls = yes\nuser = radar\n"
                    "password = file-Password-1\n[digest]\nfrom = Radar <digest@example.org>\n"
                    "base_url = https://radar.example.org/\nsecret = file-Secret-1\n", encoding="utf-8")
    file.chmod(0o600)
    config, warnings = settings.load(file, environ={"RADAR_SMTP_HOST": "relay.example.org"})
    assert warnings == []
    assert (config.smtp.host, config.smtp.port, config.smtp.starttls, config.smtp.user) == (
        "relay.example.org", 587, True, "radar")
    assert config.smtp.password == "file-Password-1" and config.secret == "file-Secret-1"
    assert (config.sender, config.sender_addr, config.domain) == ("Radar <digest@example.org>",
                                                                  "digest@example.org", "example.org")
    assert config.base_url == "https://radar.example.org" and config.unsubscribe_addr == "digest@example.org"
    assert "file-Password-1" not in repr(config) and "file-Secret-1" not in repr(config)

    defaults, _ = settings.load(None, environ={})
    assert (defaults.smtp.host, defaults.smtp.port, defaults.smtp.starttls) == ("localhost", 25, False)
    assert (defaults.smtp.retries, defaults.smtp.backoff) == (3, 2.0)


def test_world_readable_secrets_and_unknown_names_warn(tmp_path):
    file = tmp_path / "digest.ini"
    file.write_text("[smtp]\npassword = x\n", encoding="utf-8")
    file.chmod(0o644)
    _, warnings = settings.load(file, environ={"RADAR_SMTP_PASS": "oops"})
    assert warnings == [f"{file} holds secrets but is readable by others: chmod 600 {file}",
                        "unknown setting RADAR_SMTP_PASS is ignored (did you mean RADAR_SMTP_PASSWORD?)"]


@pytest.mark.parametrize("text,message", [
    ("[smtp]\nhots = x\n", "unknown setting [smtp] hots"),
    ("[smtp]\nport = abc\n", "RADAR_SMTP_PORT must be a number, got 'abc'"),
    ("[smtp]\nstarttls = maybe\n", "RADAR_SMTP_STARTTLS must be true or false"),
    ("[digest]\nfrom = nobody\n", "RADAR_DIGEST_FROM 'nobody' has no e-mail address"),
    ("[digest]\nbase_url = radar.example.org\n", "RADAR_BASE_URL must start with http:// or https://"),
    ("no section\n", "File contains no section headers."),
])
def test_bad_settings_are_one_clear_error(tmp_path, text, message):
    file = tmp_path / "digest.ini"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(settings.ConfigError) as caught:
        settings.load(file, environ={})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_every_setting_and_command_option_is_documented():
    docs = (ROOT / "docs" / "digest.md").read_text(encoding="utf-8")
    for setting in settings.SETTINGS:
        assert setting.env in docs, setting.env
        assert f"{setting.key} =" in docs or f"{setting.key}=" in docs, setting.key
    from radar.commands.digest import digest_command
    from radar.commands.subscribers import subscribers_command

    options = [opt for param in digest_command.params for opt in param.opts]
    for command in subscribers_command.commands.values():
        options += [opt for param in command.params for opt in param.opts if opt.startswith("--")]
    for option in options:
        if option.startswith("--") and option != "--db":
            assert option in docs, option
    assert re.search(r"radar subscribers (add|list|remove|import)", docs)
    assert os.path.exists(ROOT / "bench" / "digest.py")
