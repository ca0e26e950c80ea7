"""Chorus: anonymous, multilingual surveys and feedback for police engagement."""

import os

# Piccolo finds its configuration by module name; ours is inside the installed package, so
# `chorus` works from any directory.
os.environ.setdefault("PICCOLO_CONF", "chorus.piccolo_conf")
