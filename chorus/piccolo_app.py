"""Piccolo app config for the shell's tables: managers, sessions, tokens, audit, channels."""

import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="chorus",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(modules=["chorus.tables"], exclude_imported=True),
    migration_dependencies=[],
    commands=[],
)
