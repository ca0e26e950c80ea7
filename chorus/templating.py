"""The one Jinja environment: templates from every package, gettext and Babel filters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from chorus.settings import PROJECT_ROOT, get_settings
from locales import i18n

TEMPLATE_DIRS = [
    PROJECT_ROOT / package / "templates" for package in ("chorus", "surveys", "feedback", "reports")
]


def build_environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in TEMPLATE_DIRS if Path(d).is_dir()]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    # Callables that read the request's ContextVar: one shared environment stays safe when
    # requests in different languages interleave (STACK-NOTES).
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext,
        i18n.ngettext,
        newstyle=True,
        pgettext=i18n.pgettext,
        npgettext=i18n.npgettext,
    )
    settings = get_settings()
    env.globals.update(
        site_name=settings.site_name,
        exit_url=settings.exit_url,
        enabled_locales=settings.locales,
        url_code=i18n.url_code,
        display_name=i18n.display_name,
        current_locale=i18n.current_locale.get,
        lc=lambda: i18n.url_code(i18n.current_locale.get()),
        text_direction=i18n.text_direction,
        switch_path=lambda locale: i18n.switch_path(locale, settings.locales),
    )
    env.filters.update(
        number=i18n.format_number,
        percent=i18n.format_percentage,
        day=i18n.format_day,
    )
    return env


def template_config() -> TemplateConfig[Any]:
    engine = JinjaTemplateEngine.from_environment(build_environment())
    return TemplateConfig(instance=engine)
