"""``deconfliction serve``: run the hub."""

from __future__ import annotations

import signal
from pathlib import Path

import click

from deconfliction.cli.common import (
    Database,
    db_option,
    friendly_errors,
    opened_hub,
    setting_option,
    settings_from,
    settings_table,
)


class _WithSettings(click.Command):
    """A command whose help ends with the settings registry (read only when help is shown)."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self.epilog = (
            "\b\nSettings (--setting NAME VALUE, or env DECONFLICTION_<NAME>):\n" + settings_table()
        )
        super().format_epilog(ctx, formatter)


@click.command(cls=_WithSettings)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    envvar="DECONFLICTION_HOST",
    help="Interface to listen on. Env: DECONFLICTION_HOST.",
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=int,
    envvar="DECONFLICTION_PORT",
    help="TCP port to listen on. Env: DECONFLICTION_PORT.",
)
@db_option
@click.option(
    "--key",
    "key_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="DECONFLICTION_KEY",
    help="The hub's journal key file (Ed25519, PEM, mode 0600). Default: next to the "
    "database, with the suffix .key; created on the first start. Env: DECONFLICTION_KEY "
    "(needed with a PostgreSQL database: every process of the hub uses the same key).",
)
@setting_option
@click.option(
    "--ssl-certfile",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    envvar="DECONFLICTION_SSL_CERTFILE",
    help="Serve HTTPS (and WSS) with this certificate chain (PEM); needs --ssl-keyfile. "
    "Env: DECONFLICTION_SSL_CERTFILE. See docs/security.md.",
)
@click.option(
    "--ssl-keyfile",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    envvar="DECONFLICTION_SSL_KEYFILE",
    help="The private key of --ssl-certfile (PEM). Env: DECONFLICTION_SSL_KEYFILE.",
)
@click.option(
    "--access-log/--no-access-log",
    default=True,
    show_default=True,
    help="Log every request (uvicorn's access log); off saves a little time per request.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    envvar="DECONFLICTION_WORKERS",
    help="Hub processes on HOST:PORT, acting as one hub (SO_REUSEPORT spreads connections; "
    "one runs detection, all serve). With SQLite, on this machine; see docs/scaling.md. "
    "Env: DECONFLICTION_WORKERS.",
)
@click.option(
    "--get",
    "get_path",
    metavar="PATH",
    help="Do not listen: make one GET request to PATH in-process, print the answer "
    "and exit (a check that the hub starts, e.g. --get /v1/health).",
)
def serve(
    host: str,
    port: int,
    db_path: Database,
    key_path: Path | None,
    setting_pairs: tuple[tuple[str, str], ...],
    ssl_certfile: Path | None,
    ssl_keyfile: Path | None,
    access_log: bool,
    workers: int,
    get_path: str | None,
) -> None:
    """Run the hub: the API on http://HOST:PORT/v1 (https:// with --ssl-certfile), its
    documentation at /docs, the console at /, and the gateways the settings turn on on
    HOST: the CoT gateway for TAK clients (TLS, port tak_port, 8089; see `deconfliction tak
    package`) and an SBS-1 ADS-B feed (adsb_sbs).

    On the first start on a database, an admin token is printed: keep it, it is shown once
    (`deconfliction admin-token` makes a new one). Add parties with `deconfliction party add`.
    """
    import dataclasses

    import uvicorn
    from fastapi.testclient import TestClient

    from deconfliction.api import create_app
    from deconfliction.cli.common import key_path_for
    from deconfliction.cli.workers import Workers, is_worker, listening_socket
    from deconfliction.gateways.services import GatewayServices, log_to_console
    from deconfliction.process import tune_gc, tune_malloc
    from deconfliction.store.urls import redact_url

    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise click.UsageError("--ssl-certfile and --ssl-keyfile go together")
    scheme = "https" if ssl_certfile is not None else "http"
    with friendly_errors():
        settings = settings_from(setting_pairs)
    worker = is_worker()
    if worker:  # the gateways run in the first process only
        settings = dataclasses.replace(settings, tak_port=0, tak_plain_port=0, adsb_sbs="")
    tune_malloc()
    with opened_hub(db_path, settings, key_path) as hub, friendly_errors():
        admin_token = hub.issue_admin_token(only_first=True)
        if admin_token is not None:
            click.echo(
                f"First start on {redact_url(str(db_path))}: the admin token (shown once) "
                f"is\n  {admin_token}"
            )
        if get_path is not None:
            with TestClient(create_app(hub, run_cycle=False)) as client:
                response = client.get(get_path)
            click.echo(response.text)
            if response.status_code >= 400:
                raise SystemExit(1)
            return
        processes = f", {workers} processes" if workers > 1 else ""
        if not worker:
            click.echo(
                f"deconfliction hub on {scheme}://{host}:{port} (API /v1, docs /docs), "
                f"database {redact_url(str(db_path))}, "
                f"journal key {hub.journal.key_id}{processes}"
            )
        gateways = GatewayServices(hub, key_path or key_path_for(db_path), host)
        for line in gateways.describe():
            click.echo(line)
        log_to_console()
        app = create_app(hub, services=[gateways])
        tune_gc()
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="info",
            ws="auto",
            http="auto",
            access_log=access_log,
            ssl_certfile=None if ssl_certfile is None else str(ssl_certfile),
            ssl_keyfile=None if ssl_keyfile is None else str(ssl_keyfile),
        )
        sockets = [listening_socket(host, port)] if workers > 1 else None
        others = Workers(workers - 1) if workers > 1 and not worker else None
        # uvicorn stops gracefully on SIGTERM, then raises it again with the handler it
        # found: exit normally then, so that the hub is closed (the picture checkpointed,
        # the lease handed over, the journal's head signed) and the workers stopped.
        signal.signal(signal.SIGTERM, _exit_normally)
        try:
            uvicorn.Server(config).run(sockets=sockets)
        finally:
            if others is not None:
                others.stop()


def _exit_normally(_signum: int, _frame: object) -> None:
    raise SystemExit(0)
