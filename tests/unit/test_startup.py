"""What the command line loads before it does any work (issue 17: start-up time).

Measured figures are in benchmarks/README.md (benchmarks/startup_bench.py); these tests keep the
heavy libraries out of the start-up path so that the figures stay true.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from orderio_tui.database import MIGRATIONS_DIR, head_revision, open_database

HEAVY = ("sqlalchemy", "alembic", "lxml", "paramiko", "textual", "jsonschema", "tomlkit")


def _loaded_after(code: str) -> list[str]:
    """The heavy libraries a fresh interpreter holds after running ``code``."""
    report = "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    probe = f"{code}\nimport json, sys\n{report}"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    return [name for name in HEAVY if name in loaded]


def test_importing_the_command_line_loads_no_database_xml_ssh_or_tui_library() -> None:
    assert _loaded_after("import orderio_tui.cli") == []


def test_help_loads_no_database_library() -> None:
    code = (
        "import sys\nfrom orderio_tui.cli import cli\n"
        "try:\n    cli.main(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass"
    )
    assert _loaded_after(code) == []


def test_listing_configurations_of_an_up_to_date_database_loads_no_alembic_lxml_or_ssh(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    open_database(url).dispose()  # created and migrated here, in the test process
    code = (
        "from orderio_tui.cli import cli\n"
        f"cli.main(['--db', {url!r}, 'export', 'list'], standalone_mode=False)"
    )
    assert _loaded_after(code) == ["sqlalchemy"]


def test_the_head_read_from_the_revision_files_is_alembics_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


def test_a_database_of_an_older_revision_is_still_upgraded(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url)
    db = open_database(url)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0011_intake_configurations")
    db.dispose()
    db = open_database(url)
    with db.engine.connect() as connection:
        stored = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        columns = {c[1] for c in connection.execute(text("PRAGMA table_info(runs)"))}
    db.dispose()
    assert stored == head_revision()
    assert {"remote_path", "remote_uploaded"} <= columns
