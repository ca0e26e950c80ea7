"""The `chorus` command: serve, migrate, demo, users, purge, reports and exports."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from typing import Any

from chorus.settings import SettingsError, get_settings


def _settings_or_exit() -> None:
    try:
        get_settings()
    except SettingsError as error:
        print(f"chorus: {error}", file=sys.stderr)
        raise SystemExit(2) from None


async def _migrate() -> bool:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards("all")
    return bool(result.success)


def migrate() -> None:
    from chorus.database import engine

    async def run() -> bool:
        db = engine()
        try:
            return await _migrate()
        finally:
            if hasattr(db, "close_connection_pool") and getattr(db, "pool", None):
                await db.close_connection_pool()  # type: ignore[no-untyped-call]

    try:
        ok = asyncio.run(run())
    except OSError as error:
        print(f"chorus: cannot reach the database in DATABASE_URL ({error}).", file=sys.stderr)
        raise SystemExit(1) from None
    if not ok:
        print("chorus: migrations failed.", file=sys.stderr)
        raise SystemExit(1)


def serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    from chorus import workers as balanced_workers

    settings = get_settings()
    migrate()
    # Inherited by worker processes: lets the lifespan arm its exit watchdog (chorus.database).
    os.environ["CHORUS_SERVING"] = "1"
    options: dict[str, Any] = dict(
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # it names the client address; AccessLogMiddleware logs without it
        server_header=False,
        date_header=False,
        log_config=None,
        # Only a trusted proxy's X-Forwarded-For is believed, and only for the (hashed, never
        # stored) rate-limit key; without one configured, the socket's address is used.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=",".join(settings.trusted_proxies) or None,
        timeout_graceful_shutdown=5,
    )
    if workers > 1 and balanced_workers.balanced():
        # Each worker on a socket of its own, so that connections are shared out evenly.
        balanced_workers.run(uvicorn.Config("chorus.app:create_app", **options))
    else:
        uvicorn.run("chorus.app:create_app", **options)
    # Leftover aiosqlite threads (non-daemon) must not keep a stopped server alive.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def demo(responses: int, seed: int, if_empty: bool) -> None:
    from chorus.database import engine
    from surveys.demo import run_demo

    async def run() -> object:
        summary = await run_demo(responses=responses, seed=seed, if_empty=if_empty)
        # Fresh statistics for the planner: without them PostgreSQL's report queries and
        # exports ran 3-5 times slower after a bulk load (docs/benchmarks.md).
        await engine().run_ddl("ANALYZE")
        return summary

    print(asyncio.run(run()), file=sys.stderr)


def report(args: argparse.Namespace) -> None:
    from reports.command import write_report

    try:
        write_report(
            kind=args.kind,
            start=args.start,
            end=args.end,
            by=args.by,
            period=args.period,
            fmt=args.format,
            out=args.out,
            locale=args.locale,
        )
    except ValueError as error:
        print(f"chorus: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def export_responses(args: argparse.Namespace) -> None:
    from reports.responses import UnknownSurvey, exportable_surveys, write_responses

    try:
        write_responses(args.survey, output=args.output, include_text=args.include_text)
    except UnknownSurvey:
        known = ", ".join(survey.slug for survey in exportable_surveys())
        print(f"chorus: no survey {args.survey!r} (choose from: {known})", file=sys.stderr)
        raise SystemExit(2) from None
    except BrokenPipeError:  # `| head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(1) from None
    except OSError as error:
        print(f"chorus: cannot write the export ({error})", file=sys.stderr)
        raise SystemExit(1) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chorus", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="run the web service (migrates first)")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8000)
    serve_cmd.add_argument("--workers", type=int, default=1)
    commands.add_parser("migrate", help="apply migrations to the configured database")
    demo_cmd = commands.add_parser("demo", help="fill the database with realistic synthetic data")
    demo_cmd.add_argument("--responses", type=int, default=20_000)
    demo_cmd.add_argument("--seed", type=int, default=1)
    demo_cmd.add_argument(
        "--if-empty", action="store_true", help="do nothing when responses already exist"
    )
    user_cmd = commands.add_parser("user", help="manager accounts")
    user_commands = user_cmd.add_subparsers(dest="user_command", required=True)
    add_cmd = user_commands.add_parser("add", help="add a manager (password read from stdin)")
    add_cmd.add_argument("email")
    add_cmd.add_argument(
        "--role", required=True, choices=["admin", "manager", "analyst", "partner"]
    )
    commands.add_parser("purge", help="apply the retention policy (run it daily)")
    report_cmd = commands.add_parser("report", help="write a trust or concerns report")
    report_cmd.add_argument("kind", choices=("trust", "concerns"))
    report_cmd.add_argument("--from", dest="start", metavar="YYYY-MM")
    report_cmd.add_argument("--to", dest="end", metavar="YYYY-MM")
    report_cmd.add_argument(
        "--by", choices=("area", "work_setting", "language", "channel"), default=None
    )
    report_cmd.add_argument(
        "--period", choices=("month", "quarter", "rolling3", "rolling12"), default="month"
    )
    report_cmd.add_argument("--format", choices=("html", "csv", "json"), default="html")
    report_cmd.add_argument("--out", metavar="PATH", help="file to write (default: stdout)")
    report_cmd.add_argument("--locale", default="en")
    export_cmd = commands.add_parser(
        "export", help="write raw data for analysts (not for publishing)"
    )
    export_commands = export_cmd.add_subparsers(dest="export_command", required=True)
    responses_cmd = export_commands.add_parser(
        "responses",
        help="one CSV row per stored response of one survey; nothing is suppressed",
    )
    responses_cmd.add_argument("--survey", required=True, metavar="SLUG")
    responses_cmd.add_argument("--output", metavar="FILE", help="file to write (default: stdout)")
    responses_cmd.add_argument(
        "--include-text",
        action="store_true",
        help="add the free-text answers (redacted, but the riskiest field: left out by default)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    _settings_or_exit()
    if args.command == "serve":
        if not 1 <= args.port <= 65535 or args.workers < 1:
            print("chorus: --port must be 1-65535 and --workers at least 1.", file=sys.stderr)
            raise SystemExit(2)
        serve(args.host, args.port, args.workers)
    elif args.command == "migrate":
        migrate()
    elif args.command == "demo":
        if args.responses < 0:
            print("chorus: --responses must be 0 or more.", file=sys.stderr)
            raise SystemExit(2)
        migrate()
        demo(args.responses, args.seed, args.if_empty)
    elif args.command == "user":
        from chorus.commands import user_add

        migrate()
        user_add(args.email, args.role)
    elif args.command == "purge":
        from chorus.commands import purge

        purge()
    elif args.command == "report":
        report(args)
    elif args.command == "export":
        export_responses(args)


if __name__ == "__main__":
    main()
