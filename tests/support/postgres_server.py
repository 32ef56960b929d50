"""A real PostgreSQL server for tests: initdb into a temporary folder, listening on a Unix
socket only, stopped at the end. Run as the `postgres` user when the tests run as root
(PostgreSQL refuses root)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def available() -> bool:
    return _binary("initdb") is not None and _binary("pg_ctl") is not None


class Server:
    def __init__(self, folder: Path, port: int = 55432):
        self.folder = Path(folder)
        self.data = self.folder / "data"
        self.socket = self.folder / "sock"
        self.port = port
        self.as_root = os.geteuid() == 0

    def _run(self, *cmd):
        if self.as_root:
            cmd = ("runuser", "-u", "postgres", "--", *cmd)
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        self.socket.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            shutil.chown(self.folder, "postgres")
            shutil.chown(self.socket, "postgres")
        self._run(_binary("initdb"), "-D", str(self.data), "-A", "trust", "-U", "archform", "--no-sync")
        self._run(_binary("pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.folder / "log"), "-o",
                  f"-k {self.socket} -c listen_addresses='' -p {self.port} -c fsync=off", "start")
        return f"postgresql:///postgres?host={self.socket}&port={self.port}&user=archform"

    def stop(self):
        try:
            self._run(_binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
