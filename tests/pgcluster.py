"""A throw-away PostgreSQL + PostGIS cluster for tests and benchmarks.

``initdb`` into a fresh temporary folder, ``postgres`` listening only on a Unix socket in
that folder (no TCP port), trust authentication, no fsync: nothing outlives the run. As
root (CI) the server runs as Debian's ``postgres`` user, since PostgreSQL refuses root.
Set ``ALMHULT_TEST_PG`` to a libpq connection string to use an existing server instead.

    python -m tests.pgcluster   # start one by hand; prints its connection string
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = (
    "install Debian's postgresql and postgresql-15-postgis-3 "
    "(scripts/install-system-deps.sh, run by 'make test')"
)


class ClusterError(RuntimeError):
    """The cluster could not be started (what is missing and how to install it)."""


def _bindir() -> Path:
    """The newest PostgreSQL server binaries on this machine."""
    for name in ("initdb", "pg_ctl", "postgres"):
        found = shutil.which(name)
        if found and Path(found).resolve().parent.joinpath("pg_ctl").exists():
            return Path(found).resolve().parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if not candidates:
        raise ClusterError(f"PostgreSQL server programs (initdb) not found: {INSTALL_HINT}")
    return Path(candidates[-1]).parent


@dataclass
class Cluster:
    """A running throw-away server; :meth:`conninfo` connects to one of its databases."""

    folder: Path
    bindir: Path
    run_as: str | None

    def conninfo(self, dbname: str = "postgres") -> str:
        return f"host={self.folder} dbname={dbname} user=postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=False)

    def start(self) -> None:
        data = self.folder / "data"
        done = self._run(
            "initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync",
            "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        if done.returncode:
            raise ClusterError(f"initdb failed:\n{done.stderr}")
        options = f"-k {self.folder} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        done = self._run(
            "pg_ctl", "-D", str(data), "-o", options, "-l", str(self.folder / "log"), "-w", "start"
        )
        if done.returncode:
            log = (self.folder / "log").read_text() if (self.folder / "log").exists() else ""
            raise ClusterError(f"postgres did not start:\n{done.stderr}\n{log}")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def create_database(self, name: str | None = None) -> str:
        """A new database with PostGIS; returns its connection string."""
        import psycopg

        name = name or "t" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        with psycopg.connect(self.conninfo(name), autocommit=True) as conn:
            try:
                conn.execute("CREATE EXTENSION postgis")
            except psycopg.Error as exc:
                raise ClusterError(f"PostGIS is not installed: {INSTALL_HINT} ({exc})") from exc
        return self.conninfo(name)


def start_cluster() -> Cluster:
    """Start a throw-away cluster (see module docstring); stop it with ``Cluster.stop``."""
    bindir = _bindir()
    folder = Path(tempfile.mkdtemp(prefix="almhult-pg-"))
    run_as = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError as exc:
            raise ClusterError(f"no 'postgres' user to run the server as: {INSTALL_HINT}") from exc
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        run_as = "postgres"
    cluster = Cluster(folder, bindir, run_as)
    try:
        cluster.start()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return cluster


if __name__ == "__main__":
    c = start_cluster()
    print(c.create_database("almhult"))
    print(f"stop with: {c.bindir / 'pg_ctl'} -D {c.folder / 'data'} stop")
