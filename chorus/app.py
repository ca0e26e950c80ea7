"""create_app(): the Litestar application with every package's routes."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router

from chorus.database import database_lifespan
from chorus.errors import exception_handlers
from chorus.logs import configure_logging
from chorus.middleware import (
    AccessLogMiddleware,
    HeadMiddleware,
    LocaleMiddleware,
    SecurityHeadersMiddleware,
)
from chorus.pages import ChallengeController, HealthController, PagesController
from chorus.settings import PROJECT_ROOT, get_settings
from chorus.templating import template_config


def route_handlers() -> list[Any]:
    from chorus.admin import AuditController, SettingsController, TokensController, UsersController
    from chorus.channel_controllers import ChannelsController
    from chorus.manage import AccountController, ConsoleController, LoginController
    from feedback.api import FeedbackApiController, ReceiptApiController
    from feedback.controllers import FeedbackPagesController, ReceiptPagesController
    from feedback.inbox_controllers import InboxController
    from feedback.update_controllers import UpdatesController
    from reports.controllers import ResultsController
    from reports.dashboard import DashboardController, ReportsApiController
    from surveys.api import SurveyApiController
    from surveys.controllers import SurveyPagesController

    return [
        HealthController,
        ChallengeController,
        PagesController,
        SurveyPagesController,
        SurveyApiController,
        FeedbackPagesController,
        ReceiptPagesController,
        FeedbackApiController,
        ReceiptApiController,
        LoginController,
        ConsoleController,
        AccountController,
        UsersController,
        AuditController,
        TokensController,
        SettingsController,
        InboxController,
        UpdatesController,
        ChannelsController,
        ResultsController,
        DashboardController,
        ReportsApiController,
        create_static_files_router(
            path="/static",
            directories=[PROJECT_ROOT / "chorus" / "static"],
            include_in_schema=False,
        ),
    ]


def create_app() -> Litestar:
    settings = get_settings()
    configure_logging()
    from surveys.registry import load_registry

    # Definitions are validated before the first request: a broken one stops the start.
    load_registry()
    app = Litestar(
        route_handlers=route_handlers(),
        lifespan=[database_lifespan],
        template_config=template_config(),
        exception_handlers=exception_handlers,
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=256, gzip_compress_level=6
        ),
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Chorus",
            version="1",
            path="/schema",
            render_plugins=[JsonRenderPlugin()],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="An API token made by an admin, scope reports",
                    )
                }
            ),
        ),
        logging_config=None,
        debug=False,
    )
    # Litestar runs route middleware only for matched routes; wrapping the app's own handler
    # puts the locale, the security headers and the anonymous access log on every response,
    # 404 and 405 included.
    app.asgi_handler = AccessLogMiddleware(
        HeadMiddleware(SecurityHeadersMiddleware(LocaleMiddleware(app.asgi_handler)))
    )
    return app
