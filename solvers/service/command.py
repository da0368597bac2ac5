"""``wdnopt serve``: the solve service over HTTP (FastAPI on uvicorn, jobs on Dask).

The command's options and what it runs, with a ``register(subparsers)`` like the commands of
:mod:`wdnopt.solvers.cli` (whose table names this module by its full path; neither package
imports the other). FastAPI, uvicorn and Dask are imported only when the server starts, once
every option is checked (``wdnopt serve --help`` and ``--new-token`` need none of them).
See :mod:`wdnopt.solvers.service` for the endpoints. Everything given here is checked before
the server starts: the token file (or ``$WDNOPT_TOKENS``), the database's folder, the limits,
and that no other server uses the database (its lock, :mod:`~wdnopt.solvers.service.dblock`).
Nothing listens beyond ``--host``: the Dask cluster on the loopback, its dashboard only with
``--dashboard PORT``, on ``--host``.
``wdnopt serve --new-token NAME`` prints a new token and the line of the token file that
admits it, and starts nothing.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import Any

from wdnopt.extras import require
from wdnopt.models.errors import InputError
from wdnopt.solvers.io import check_output_path
from wdnopt.solvers.numbers import MAX_TIME_LIMIT, bounded_float, bounded_int
from wdnopt.solvers.service.auth import TOKEN_ENV, digest, load_tokens, new_token, parse_tokens
from wdnopt.solvers.service.backend import ServiceConfig, open_backend
from wdnopt.solvers.service.dblock import DatabaseLock
from wdnopt.solvers.service.intake import Limits

DEFAULTS = Limits()


def register(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        description=(
            "Serve the solve service: POST /solve takes a scenario (TOML or JSON), solved on a "
            "Dask cluster; GET /jobs/ID and GET /reports/ID give its state and its report, kept "
            "in an SQLite file across restarts. Every request but the web page, /health, "
            "/schema and /docs needs a bearer token of the token file (lines 'NAME SHA256')."
        ),
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    p.add_argument("--port", type=bounded_int(0, 65535), default=8000, help="port (%(default)s)")
    p.add_argument(
        "--db",
        type=Path,
        default=Path("wdnopt-service.sqlite"),
        metavar="FILE",
        help="SQLite file of jobs and reports (made if missing; default %(default)s)",
    )
    p.add_argument(
        "--tokens",
        type=Path,
        metavar="FILE",
        help=f"token file: one 'NAME SHA256-OF-TOKEN' per line (default: ${TOKEN_ENV})",
    )
    p.add_argument(
        "--new-token",
        metavar="NAME",
        help="print a new random token and its token-file line for NAME, then exit",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="an existing Dask scheduler (default: a local cluster of --workers processes)",
    )
    p.add_argument(
        "--workers",
        type=bounded_int(1, 256),
        default=2,
        metavar="N",
        help="worker processes of the local cluster (default %(default)s)",
    )
    p.add_argument(
        "--max-body",
        type=bounded_int(1, 100_000_000),
        default=DEFAULTS.max_body_bytes,
        metavar="BYTES",
        help="largest request body (default %(default)s)",
    )
    p.add_argument(
        "--max-network",
        type=bounded_int(1, 10_000_000),
        default=DEFAULTS.max_elements,
        metavar="N",
        help="largest network: routing sources+plants+zones+arcs, or generated junctions "
        "(default %(default)s)",
    )
    p.add_argument(
        "--max-time-limit",
        type=bounded_float(0, MAX_TIME_LIMIT, open_low=True, unit="seconds"),
        default=DEFAULTS.max_time_limit,
        metavar="S",
        help="largest time limit of a solve, and the limit of one that gives none "
        "(default %(default)s)",
    )
    p.add_argument(
        "--max-depth",
        type=bounded_int(2, 1000),
        default=DEFAULTS.max_depth,
        metavar="N",
        help="deepest nesting of a body: tables and arrays, parts of a dotted key "
        "(default %(default)s)",
    )
    p.add_argument(
        "--max-schedule-flows",
        type=bounded_int(1, 100_000_000),
        default=DEFAULTS.max_schedule_flows,
        metavar="N",
        help="largest routing schedule: periods × arcs (default %(default)s)",
    )
    p.add_argument(
        "--max-job-seconds",
        type=bounded_float(0, 30 * 86_400, open_low=True, unit="seconds"),
        default=DEFAULTS.max_job_seconds,
        metavar="S",
        help="most solving time of one job: its demand factors or seasons × the time limit "
        "(default %(default)s)",
    )
    p.add_argument(
        "--max-posts",
        type=bounded_int(1, 1_000_000),
        default=DEFAULTS.max_posts_per_minute,
        metavar="N",
        help="submissions per token per minute (default %(default)s; 429 above)",
    )
    p.add_argument(
        "--dashboard",
        type=bounded_int(0, 65535),
        metavar="PORT",
        help="serve the local Dask cluster's dashboard on --host at PORT (default: none)",
    )
    p.add_argument(
        "--max-jobs",
        type=bounded_int(1, 1_000_000),
        default=DEFAULTS.max_active_jobs,
        metavar="N",
        help="queued or running jobs per token (default %(default)s; 429 above)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    require("service", "wdnopt serve")
    if args.new_token is not None:
        token = new_token()
        line = f"{args.new_token} {digest(token)}"
        parse_tokens(line, where="--new-token")  # the name must be one a token file accepts
        print(f"token: {token}")
        print(f"token file line: {line}")
        return 0
    tokens = load_tokens(args.tokens, dict(os.environ))
    check_output_path(args.db, option="--db")
    if args.db.exists() and not args.db.is_file():
        raise InputError.single("an SQLite file", field="--db", got=str(args.db))
    lock = DatabaseLock(args.db)  # a second server on this database stops here, at once

    # the server's libraries (FastAPI, uvicorn; Dask in open_backend): only now that it starts
    import uvicorn

    from wdnopt.solvers.service.app import create_app  # lazy: FastAPI, as uvicorn above

    config = ServiceConfig(
        db=args.db,
        tokens=tokens,
        limits=Limits(
            max_body_bytes=args.max_body,
            max_elements=args.max_network,
            max_time_limit=args.max_time_limit,
            max_active_jobs=args.max_jobs,
            max_depth=args.max_depth,
            max_schedule_flows=args.max_schedule_flows,
            max_job_seconds=args.max_job_seconds,
            max_posts_per_minute=args.max_posts,
        ),
        scheduler=args.scheduler,
        workers=args.workers,
        dashboard=None if args.dashboard is None else f"{args.host}:{args.dashboard}",
    )
    level = logging.getLogger().getEffectiveLevel()
    if level > logging.INFO:  # Dask's own start and stop notices: with -v only
        # importing distributed sets its loggers' levels from its config: import it first
        import distributed  # noqa: F401

        logging.getLogger("distributed").setLevel(logging.WARNING)
    try:
        backend = open_backend(config, lock)  # a bad --db or --scheduler: exit 2
    except BaseException:
        lock.release()
        raise
    app = create_app(config, backend=backend)
    print(f"wdnopt solve service on http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info" if level <= logging.INFO else "warning",
        access_log=level <= logging.INFO,
        timeout_keep_alive=30,  # clients that poll jobs keep their connections
    )
    return 0
