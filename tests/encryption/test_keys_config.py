"""FIELD_ENCRYPTION_KEYS: production refuses to start without it, a malformed key is a clear sentence
naming the setting (never the key, never a traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shelter.config import Config, ConfigError
from shelter.encryption import generate_key

REPO = Path(__file__).resolve().parents[2]
BASE = {"SHELTER_ENV": "production", "SECRET_KEY": "s" * 48}


def test_production_refuses_to_start_without_a_key():
    with pytest.raises(ConfigError, match="FIELD_ENCRYPTION_KEYS is not set") as error:
        Config.from_env(BASE)
    assert "flask keys generate" in str(error.value)


KEY = "S2V5S2V5S2V5S2V5S2V5S2V5S2V5S2V5S2V5S2V5S2U="  # 32 bytes


@pytest.mark.parametrize("value", ["not-a-key", "a" * 42, KEY[:-5] + "!!!!", "é" * 43, f"{KEY},short"])
def test_a_malformed_key_is_refused_with_a_sentence_naming_the_setting(value):
    with pytest.raises(ConfigError) as error:
        Config.from_env({**BASE, "FIELD_ENCRYPTION_KEYS": value})
    message = str(error.value)
    assert message.startswith("FIELD_ENCRYPTION_KEYS")
    assert value not in message and "short" not in message


def test_several_keys_newest_first():
    new, old = generate_key(), generate_key()
    config = Config.from_env({**BASE, "FIELD_ENCRYPTION_KEYS": f" {new} , {old} "})
    assert config.field_encryption_keys == (new, old)
    with pytest.raises(ConfigError, match="listed twice"):
        Config.from_env({**BASE, "FIELD_ENCRYPTION_KEYS": f"{new},{new}"})


@pytest.mark.parametrize("keys, expected", [("", "FIELD_ENCRYPTION_KEYS is not set"),
                                            ("abc", "FIELD_ENCRYPTION_KEYS: key 1 of 1 is not")])
def test_the_server_stops_with_the_sentence_not_a_traceback(tmp_path, keys, expected):
    env = {k: v for k, v in os.environ.items() if k not in ("FIELD_ENCRYPTION_KEYS",)}
    env.update(BASE, DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}", FIELD_ENCRYPTION_KEYS=keys)
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert f"Shelter cannot start: {expected}" in result.stderr
    assert "Traceback" not in result.stderr
