"""Real processes for tests: `python -m desk web|worker|serve` on loopback ports."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def desk_env(database_url: str, instance: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    env.update({
        "DESK_INSTANCE_DIR": str(instance),
        "DESK_DATABASE_URL": database_url,
        "DESK_HTTP_PORT": str(port),
        "DESK_SMTP_PORT": str(free_port()),
        "DESK_SECRET_KEY": "test-secret-key-not-for-production",
        "DESK_MAIL_DOMAIN": "desk.test",
        "DESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PYTHONPATH": str(ROOT),
    })
    env.update(extra)
    return env


class LiveProcess:
    """One desk process; its output goes to a log file shown when a test needs it."""

    def __init__(self, command: str, env: dict[str, str], log_dir: Path, args: list[str] = ()) -> None:
        self.command = command
        self.args = list(args)
        self.env = env
        self.port = int(env["DESK_HTTP_PORT"])
        self.url = f"http://127.0.0.1:{self.port}"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{command}-{self.port}-{time.monotonic_ns()}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> LiveProcess:
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "desk", self.command, *self.args], env=self.env, cwd=ROOT,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        return self

    def wait_http(self, path: str = "/healthz", timeout: float = 30) -> LiveProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.command} exited with {self.proc.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=1) as response:
                    if response.status < 500:
                        return self
            except OSError:
                time.sleep(0.1)
        output = self.output()
        self.stop()  # a process that never answered must not outlive the test
        raise RuntimeError(f"{self.command} did not answer on {self.url} in {timeout}s:\n{output}")

    def wait_port(self, port: int, timeout: float = 30) -> LiveProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.command} exited with {self.proc.returncode}:\n{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        output = self.output()
        self.stop()
        raise RuntimeError(f"{self.command} did not listen on {port} in {timeout}s:\n{output}")

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-5000:]
        except OSError:
            return ""

    def stop(self, sig: int | None = None) -> None:
        if self.proc and self.proc.poll() is None:
            if sig is None:
                self.proc.terminate()
            else:
                self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_log", None):
            self._log.close()
