"""A throw-away PostgreSQL server for the tests: ``python tests/pg_server.py start DIR`` / ``stop DIR``.

Used by ``.ci/run`` (which exports the URL it prints as ``DIGITCORE_TEST_PG_URL``) and by the
``pg_url`` fixture in ``tests/storage/test_class_store.py`` when that variable is unset outside CI.
Debian's ``postgresql`` package provides the binaries (``/usr/lib/postgresql/<N>/bin``). The
server runs as the ``postgres`` user when started by root (PostgreSQL refuses to run as root),
listens on 127.0.0.1 only, keeps its socket in its own folder and trusts local connections:
it is for tests, never for data.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

DB_NAME = "digitcore_test"
USER = "postgres"


def pg_bin_dir() -> Path | None:
    """Folder of initdb/pg_ctl (Debian layout, newest version), or the one on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_user(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", USER, "--", *cmd]
    return cmd


def start(base: str | Path) -> str:
    """Start a server with its data in ``base``; returns the SQLAlchemy URL of a fresh database."""
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql).")
    base = Path(base)
    base.mkdir(parents=True, exist_ok=True)
    data = base / "data"
    user = USER if os.geteuid() == 0 else os.environ.get("USER") or "postgres"
    if os.geteuid() == 0:
        shutil.chown(base, USER)
    port = _free_port()
    subprocess.run(_as_user([str(bin_dir / "initdb"), "-D", str(data), "-U", user, "-A", "trust",
                             "--no-sync", "-E", "UTF8"]), check=True, stdout=subprocess.DEVNULL)
    opts = f"-k {base} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    subprocess.run(_as_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(base / "log"),
                             "-w", "-t", "60", "start"]), check=True, stdout=subprocess.DEVNULL)
    subprocess.run(_as_user([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", user, DB_NAME]),
                   check=True)
    (base / "url").write_text(f"postgresql+psycopg://{user}@127.0.0.1:{port}/{DB_NAME}\n")
    return (base / "url").read_text().strip()


def stop(base: str | Path) -> None:
    """Stop the server started in ``base`` (fast shutdown); quiet when it is not running."""
    bin_dir = pg_bin_dir()
    data = Path(base) / "data"
    if bin_dir is None or not (data / "postmaster.pid").exists():
        return
    subprocess.run(_as_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                   check=False, stdout=subprocess.DEVNULL)
    for _ in range(50):
        if not (data / "postmaster.pid").exists():
            return
        time.sleep(0.1)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        print("usage: python tests/pg_server.py start|stop DIR", file=sys.stderr)
        sys.exit(2)
    if sys.argv[1] == "start":
        print(start(sys.argv[2]))
    else:
        stop(sys.argv[2])
