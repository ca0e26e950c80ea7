"""Piccolo's configuration: the engine comes from Chorus's settings (DATABASE_URL)."""

from piccolo.conf.apps import AppRegistry

from chorus.database import build_engine
from chorus.settings import get_settings

DB = build_engine(get_settings())

APP_REGISTRY = AppRegistry(
    apps=[
        "chorus.piccolo_app",
        "feedback.piccolo_app",
        "surveys.piccolo_app",
    ]
)
