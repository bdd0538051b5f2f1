"""Helpers of the fault tests: a PostgreSQL cluster of the test's own, and the real server.

Faults between processes (a database restarting under load, two app processes racing for the
same row) only show with real processes: ``actionplan serve`` (gunicorn, several workers) on a
database of its own — a SQLite file in a temporary folder, or a PostgreSQL cluster initialised
by ``PostgresCluster`` in a temporary folder on its own port — never the test session's database.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from glob import glob
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).parent


def _session_on_postgresql() -> bool:
    from django.conf import settings

    return "postgresql" in str(settings.DATABASES["default"]["ENGINE"])


# These tests bring their own databases (SQLite and PostgreSQL alike) whatever the session's
# database is, so the second run of the suite on PostgreSQL (.ci/run) leaves them out.
own_databases = pytest.mark.skipif(
    _session_on_postgresql(), reason="ran with its own databases in the SQLite session"
)


def _ports(variable: str, default: range) -> range:
    """A port range from the environment (`FIRST-LAST`), for machines where the default is
    someone else's."""
    value = os.environ.get(variable, "")
    if not value:
        return default
    first, _, last = value.partition("-")
    return range(int(first), int(last or first) + 1)


# Ports of these tests: a fixed range keeps them apart from other services of the machine.
PORTS = _ports("FAULT_TEST_DATABASE_PORTS", range(55440, 55450))
SERVER_PORTS = _ports("FAULT_TEST_SERVER_PORTS", range(8140, 8150))


def free_port(candidates: range) -> int:
    for port in candidates:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"no free port in {candidates.start}-{candidates.stop - 1}")


def postgres_bin() -> Path | None:
    found = sorted(glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _as_postgres(command: list[str]) -> list[str]:
    # initdb refuses to run as root; the cluster then belongs to the postgres account.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class PostgresCluster:
    """initdb in a temporary folder; start, stop and start again on a port of PORTS."""

    def __init__(self) -> None:
        binaries = postgres_bin()
        if binaries is None:
            if os.environ.get("CI"):
                raise RuntimeError("PostgreSQL server binaries are missing")
            pytest.skip("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed")
        self.bin = binaries
        self.root = Path(tempfile.mkdtemp(prefix="actionplan-pg-"))
        self.root.chmod(0o755)
        self.data = self.root / "data"
        self.data.mkdir(mode=0o700)
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
            shutil.chown(self.root, "postgres", "postgres")
        self.port = free_port(PORTS)
        self.log = self.root / "postgres.log"
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/actionplan"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(  # noqa: S603 - the cluster's own tools
            _as_postgres([str(self.bin / tool), *args]),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def create_database(self) -> None:
        address = ("-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres")
        self._run("createdb", *address, "actionplan")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


SETUP = """
import datetime, json, time
from django.core.management import call_command
from actionplan.conftest import make_person
from actionplan.accounts.models import Role
from actionplan.api.actions import create_api_token
from actionplan.plans.actions import import_plan_file, load_reference_data
from actionplan.plans.tests.documents import BUNDLED
from actionplan.progress.actions import open_cycle
from actionplan.progress.queries import carried_actions
from actionplan.plans.queries import current_version
call_command("migrate", "--noinput", verbosity=0)
call_command("createcachetable", verbosity=0)
call_command("collectstatic", "--noinput", verbosity=0)
load_reference_data()
import_plan_file(BUNDLED)
staff = make_person("staff", Role.BUREAU_STAFF)
token = create_api_token(None, staff, "fault tests").plaintext
open_cycle(staff, 2025, datetime.date(2026, 6, 30))
union = [a.pk for a in carried_actions(current_version(), 2025, None)]
print("SETUP " + json.dumps({"token": token, "union_actions": union}))
"""


@dataclass
class Site:
    """A prepared database and the environment that points the program at it."""

    url: str
    env: dict[str, str]
    token: str
    union_actions: list[int]

    def command(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(  # noqa: S603 - our own program
            [str(BIN / "actionplan"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise RuntimeError(f"actionplan {args[0]} failed: {done.stderr[-3000:]}")
        return done.stdout


def environment(database_url: str, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DATABASE_URL=database_url,
        DEBUG="false",
        SECRET_KEY="fault-tests-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        MEDIA_ROOT=str(folder / "media"),
        OPENDATA_ROOT=str(folder / "opendata"),
        STATIC_ROOT=str(folder / "static"),
        API_RATE_LIMIT="0",
        PROPOSAL_RATE_LIMIT="0",
        LOG_LEVEL="WARNING",
        WEB_CONCURRENCY="2",
    )
    return env


# The Redis database these tests may empty (the same variable as the queue tests').
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/4")


def with_redis(site: Site) -> Site:
    """The site with the production cache: Redis at TEST_REDIS_URL (emptied first), jobs still
    in-process. Skips without Redis (fails in CI, where Redis is installed)."""
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        connection = Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1)
        connection.flushdb()
    except RedisError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {TEST_REDIS_URL}")
    env = {**site.env, "REDIS_URL": TEST_REDIS_URL, "TASK_QUEUE": "thread"}
    return Site(site.url, env, site.token, site.union_actions)


def prepare(database_url: str, folder: Path) -> Site:
    """Migrate, load the reference data and the bundled plan, add a bureau account with a token
    and an open reporting cycle for FY2025."""
    env = environment(database_url, folder)
    site = Site(database_url, env, "", [])
    out = site.command("shell", "-c", SETUP)
    line = next(line for line in out.splitlines() if line.startswith("SETUP "))
    facts = json.loads(line.removeprefix("SETUP "))
    site.token = facts["token"]
    site.union_actions = facts["union_actions"]
    return site


class Server:
    """``actionplan serve`` on a port of SERVER_PORTS until ``stop``."""

    def __init__(self, site: Site, folder: Path, workers: int = 2, threads: int = 4) -> None:
        self.port = free_port(SERVER_PORTS)
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / f"server-{self.port}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own program
            [
                str(BIN / "actionplan"),
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                "--threads",
                str(threads),
            ],
            env=site.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped: {self.log_path.read_text()[-2000:]}")
            with contextlib.suppress(OSError):
                if request(self.base + "/healthz").status == 200:
                    return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("the server did not answer /healthz within 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    url: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Answer:
    prepared = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(prepared, timeout=timeout) as response:  # noqa: S310
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read())


@contextlib.contextmanager
def sqlite_site() -> Iterator[tuple[Site, Path]]:
    folder = Path(tempfile.mkdtemp(prefix="actionplan-site-"))
    try:
        yield prepare(f"sqlite:///{folder / 'db.sqlite3'}", folder), folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def postgres_site() -> Iterator[tuple[Site, Path, PostgresCluster]]:
    cluster = PostgresCluster()
    folder = Path(tempfile.mkdtemp(prefix="actionplan-site-"))
    try:
        cluster.start()
        cluster.create_database()
        yield prepare(cluster.url, folder), folder, cluster
    finally:
        cluster.remove()
        shutil.rmtree(folder, ignore_errors=True)
