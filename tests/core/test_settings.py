from __future__ import annotations

from pathlib import Path

import pytest

from dms_desktop.core.errors import ConfigError
from dms_desktop.core.settings import load_settings


def test_nothing_set_gives_embedded_sqlite_workspace_in_data_dir(dms_home: Path) -> None:
    settings = load_settings({"DMS_HOME": str(dms_home)})
    url = settings.sqlalchemy_url()
    assert url.get_backend_name() == "sqlite"
    assert Path(url.database or "") == dms_home / "workspace.db"
    assert settings.log_level == "INFO" and settings.timezone == "UTC"
    assert settings.describe() == f"SQLite: {dms_home / 'workspace.db'}"


def test_seed_variables_build_postgresql_and_oracle_urls(dms_home: Path) -> None:
    pg = load_settings(
        {
            "DMS_HOME": str(dms_home),
            "DB_TYPE": "postgresql",
            "DB_HOST": "db1",
            "DB_PORT": "5433",
            "DB_NAME": "dms",
            "DB_USER": "etl",
            "DB_PASSWORD": "s3cret!@/",
            "DMS_SCHEMA": "dwt",
        }
    )
    url = pg.sqlalchemy_url()
    assert (url.drivername, url.host, url.port, url.database, url.password) == (
        "postgresql+psycopg2",
        "db1",
        5433,
        "dms",
        "s3cret!@/",
    )
    assert "s3cret" not in pg.describe() and "dwt" in pg.describe()
    ora = load_settings(
        {
            "DMS_HOME": str(dms_home),
            "DB_TYPE": "ORACLE",
            "DB_HOST": "ora",
            "DB_PORT": "1521",
            "DB_SID": "XEPDB1",
            "DB_USER": "u",
        }
    )
    assert ora.sqlalchemy_url().query["service_name"] == "XEPDB1"
    assert ora.backend == "oracle"


def test_metadata_url_wins_over_db_variables(dms_home: Path) -> None:
    settings = load_settings(
        {
            "DMS_HOME": str(dms_home),
            "DB_TYPE": "ORACLE",
            "DMS_METADATA_URL": "sqlite:////tmp/elsewhere.db",
        }
    )
    assert settings.sqlalchemy_url().database == "/tmp/elsewhere.db"


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"DB_TYPE": "MYSQL"}, ["DB_TYPE", "ORACLE", "POSTGRESQL", "SQLITE"]),
        ({"DB_PORT": "abc"}, ["DB_PORT", "1", "65535"]),
        ({"SCHEDULER_MAX_WORKERS": "0"}, ["SCHEDULER_MAX_WORKERS"]),
        ({"LOG_LEVEL": "LOUD"}, ["LOG_LEVEL", "DEBUG"]),
        ({"DMS_TIMEZONE": "Mars/Olympus"}, ["DMS_TIMEZONE", "Europe/Paris"]),
        ({"DMS_SCHEMA": "dwt; drop table x"}, ["DMS_SCHEMA"]),
        ({"DB_TYPE": "POSTGRESQL", "DB_NAME": "dms"}, ["DB_HOST"]),
        ({"DMS_METADATA_URL": "not a url"}, ["DMS_METADATA_URL"]),
        ({"DMS_METADATA_URL": "mysql://x@h/db"}, ["DMS_METADATA_URL", "sqlite"]),
    ],
)
def test_invalid_setting_names_the_variable_and_accepted_values(
    dms_home: Path, env: dict[str, str], names: list[str]
) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({"DMS_HOME": str(dms_home), **env})
    message = err.value.message
    assert "\n" not in message
    for name in names:
        assert name in message


def test_env_file_and_config_file_with_precedence(dms_home: Path, tmp_path: Path) -> None:
    dms_home.mkdir(parents=True)
    (dms_home / "config.toml").write_text(
        'LOG_LEVEL = "DEBUG"\nDMS_TIMEZONE = "Europe/Paris"\nSCHEDULER_MAX_WORKERS = 3\n'
    )
    (tmp_path / ".env").write_text("DMS_TIMEZONE=Europe/Berlin\nSCHEDULER_MAX_WORKERS=7\n")
    settings = load_settings(
        {"DMS_HOME": str(dms_home), "SCHEDULER_MAX_WORKERS": "9"}, env_file=tmp_path / ".env"
    )
    assert settings.log_level == "DEBUG"  # config file only
    assert settings.timezone == "Europe/Berlin"  # .env beats the config file
    assert settings.scheduler_max_workers == 9  # the environment beats both


def test_broken_config_file_is_a_clear_error(dms_home: Path) -> None:
    dms_home.mkdir(parents=True)
    (dms_home / "config.toml").write_text("LOG_LEVEL = [unclosed\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings({"DMS_HOME": str(dms_home)})
