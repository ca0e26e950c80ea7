"""For Piccolo's own CLI run from the project root; the configuration is chorus.piccolo_conf."""

from chorus.piccolo_conf import APP_REGISTRY, DB

__all__ = ["APP_REGISTRY", "DB"]
