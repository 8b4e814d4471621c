"""A throwaway PostgreSQL server for tests and benchmarks, from Debian's ``postgresql`` package.

``initdb`` refuses to run as root, so as root the cluster belongs to the ``postgres`` user (the package makes
it) and every server command runs as that user. The server listens on a free loopback port (password
logins, SCRAM) and on a unix socket in its own folder (the superuser, no password); it is stopped and its
folder removed when the context ends. Nothing here touches a cluster the machine already runs.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

APP_USER = "dashboard"
SERVER_SETTINGS = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
    "-c shared_buffers=32MB -c max_connections=60"
)


def find_bindir() -> Path | None:
    """The folder of ``initdb``, ``pg_ctl`` and ``postgres``: ``$PG_BINDIR``, else the newest
    ``/usr/lib/postgresql/<version>/bin``; None when PostgreSQL is not installed."""
    candidates = [os.environ.get("PG_BINDIR", "")]
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(Path(path).parent.name), reverse=True
    )
    for candidate in candidates:
        if candidate and all((Path(candidate) / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class _Account:
    """Who runs the server: the ``postgres`` user when we are root, else ourselves."""

    uid: int | None
    gid: int | None
    home: str

    @classmethod
    def for_server(cls) -> _Account:
        if os.geteuid() != 0:
            return cls(None, None, os.environ.get("HOME", "/tmp"))
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError(
                "Running as root, PostgreSQL needs the 'postgres' user: install Debian's postgresql package."
            ) from None
        return cls(account.pw_uid, account.pw_gid, account.pw_dir)

    def run(self, *command: str | Path) -> None:
        extra = {"user": self.uid, "group": self.gid, "extra_groups": []} if self.uid is not None else {}
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": self.home}
        done = subprocess.run(
            [str(part) for part in command], env=env, capture_output=True, text=True, check=False, **extra
        )
        if done.returncode != 0:
            raise RuntimeError(f"{Path(command[0]).name} failed ({done.returncode}): {done.stderr[-2000:]}")


@dataclass
class PostgresServer:
    """A running server: its port, socket folder, and the password of the ``dashboard`` login."""

    bindir: Path
    root: Path
    port: int
    password: str
    account: _Account

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    def url(self, database: str, *, password: str | None = None, user: str = APP_USER) -> str:
        """A ``postgresql+psycopg://`` URL of ``database`` over TCP with a password login."""
        secret = self.password if password is None else password
        return f"postgresql+psycopg://{user}:{secret}@127.0.0.1:{self.port}/{database}"

    def admin(self) -> psycopg.Connection:
        """A superuser connection over the unix socket (autocommit), for creating and dropping databases."""
        return psycopg.connect(
            host=str(self.socket_dir), port=self.port, user="postgres", dbname="postgres", autocommit=True
        )

    def create_database(self, name: str) -> None:
        with self.admin() as connection:
            connection.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(APP_USER))
            )

    def drop_database(self, name: str) -> None:
        with self.admin() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def stop(self) -> None:
        self.account.run(self.bindir / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")


def _start(bindir: Path, root: Path, account: _Account, attempts: int = 3) -> PostgresServer:
    account.run(
        bindir / "initdb",
        "-D",
        root / "data",
        "-U",
        "postgres",
        "-E",
        "UTF8",
        "--locale=C",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "--no-sync",
    )
    for attempt in range(attempts):  # a free port can be taken between looking and binding
        port = _free_port()
        try:
            account.run(
                bindir / "pg_ctl",
                "-D",
                root / "data",
                "-l",
                root / "server.log",
                "-w",
                "-t",
                "60",
                "-o",
                f"-p {port} -k {root / 'socket'} {SERVER_SETTINGS}",
                "start",
            )
        except RuntimeError:
            if attempt == attempts - 1:
                log = (root / "server.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"PostgreSQL did not start: {log}") from None
            continue
        server = PostgresServer(bindir, root, port, secrets.token_urlsafe(18), account)
        with server.admin() as connection:
            connection.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(APP_USER), sql.Literal(server.password)
                )
            )
        return server
    raise AssertionError("unreachable")


@contextmanager
def postgres_server(bindir: Path | None = None) -> Iterator[PostgresServer]:
    """Start a fresh cluster in a temporary folder; stop it and remove the folder afterwards."""
    bindir = bindir or find_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed (Debian's postgresql package).")
    account = _Account.for_server()
    root = Path(tempfile.mkdtemp(prefix="ft-dashboard-pg-"))
    try:
        (root / "socket").mkdir()
        if account.uid is not None:
            for path in (root, root / "socket"):
                os.chown(path, account.uid, account.gid or -1)
        server = _start(bindir, root, account)
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
