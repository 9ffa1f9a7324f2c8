"""Real processes for the fault tests: a redis-server of the test's own, Celery workers and beat started
exactly as deploy/'s systemd units start them, and an SMTP server on 127.0.0.1 that keeps what it is sent.

Every process is started here and stopped here by its own process id (the worker and beat as a process
group of their own, so the worker's pool children go with it); nothing else on the machine is touched.
"""

import configparser
import contextlib
import email
import email.policy
import os
import shlex
import shutil
import signal
import socket
import socketserver
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def unit_command(unit: str, instance: str = "") -> list[str]:
    """The command a systemd unit of deploy/ starts, for this checkout: its ``ExecStart`` with ``%i`` filled
    in and the unit's ``WorkingDirectory`` (where the README installs DPMS) read as this checkout."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys as written
    parser.read(DEPLOY / unit)
    service = parser["Service"]
    installed = service["WorkingDirectory"].rstrip("/")
    command = service["ExecStart"].replace("%i", instance)
    return [
        str(ROOT) + word[len(installed) :] if word.startswith(installed) else word
        for word in shlex.split(command)
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, *, timeout: float, every: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return bool(condition())


class Process:
    """One command of ours, in a process group of its own, its output in ``log``."""

    def __init__(self, command: list[str], *, env: dict, log: Path):
        self.command, self.log = command, log
        self._out = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(  # noqa: S603 - our own commands
            command, cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def children(self) -> list[int]:
        """The process ids whose parent is this process (a worker's pool processes)."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    stat = (entry / "stat").read_text()
                    if int(stat.rsplit(")", 1)[1].split()[1]) == self.pid:
                        found.append(int(entry.name))
        return found

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to our process group (a warm shutdown), then SIGKILL to what is left of it."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)  # the group: pool processes a dead parent left behind
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(5)
        self._out.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Redis:
    """A redis-server of the test's own on a free port, without persistence: stopped and started again, it
    comes back empty, as after a crash (everything queued is gone)."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        arguments = f"--port {self.port} --bind 127.0.0.1 --appendonly no --daemonize no --dir {self.folder}"
        self.process = subprocess.Popen(  # noqa: S603 - redis-server from PATH, our own arguments
            [shutil.which("redis-server") or "redis-server", *arguments.split(), "--save", ""],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_until(self._answers, timeout=10, every=0.05):
            raise RuntimeError(f"redis-server did not start on port {self.port}")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Stop this redis-server, by its process id."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


@dataclass
class Mail:
    sender: str
    to: list[str]
    subject: str
    body: str


@dataclass
class SmtpSink:
    """An SMTP server on 127.0.0.1 that keeps every message it accepts. ``hold()`` makes it stop answering
    DATA (before "354"), so a send is caught in the middle; ``holding`` is set while one waits."""

    messages: list[Mail] = field(default_factory=list)
    holding: threading.Event = field(default_factory=threading.Event)
    _release: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self):
        self._release.set()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 120

            def reply(self, line: str) -> None:
                with contextlib.suppress(OSError):  # a client killed mid-conversation
                    self.wfile.write(line.encode() + b"\r\n")

            def handle(self):
                self.reply("220 sink ESMTP")
                sender, to = "", []
                while line := self.rfile.readline():
                    verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 sink")
                    elif verb == "MAIL":
                        sender, to = line.decode().split(":", 1)[1].strip(), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        to.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                        self.reply("250 OK")
                    elif verb == "DATA":
                        if not sink._release.is_set():
                            sink.holding.set()
                            while not sink._release.wait(0.1):
                                pass
                        self.reply("354 go ahead")
                        data = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                            data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                        if chunk == b"":
                            return  # the client went away mid-message: nothing was delivered
                        sink._keep(sender, to, b"".join(data))
                        self.reply("250 queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:  # RSET, NOOP
                        self.reply("250 OK")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.server.server_address[1]}"

    def _keep(self, sender: str, to: list[str], data: bytes) -> None:
        message = email.message_from_bytes(data, policy=email.policy.default)
        body = message.get_content() if not message.is_multipart() else ""
        with self._lock:
            self.messages.append(Mail(sender, to, " ".join(str(message["Subject"]).split()), body))

    def hold(self) -> None:
        self.holding.clear()
        self._release.clear()

    def release(self) -> None:
        self._release.set()

    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def received(self) -> Counter:
        """How many times each (recipient, subject, body) arrived."""
        with self._lock:
            return Counter((m.to[0], m.subject, _lines(m.body)) for m in self.messages)

    def close(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()


def _lines(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def outbox_key(row) -> tuple[str, str, str]:
    """What an outbox row arrives as at the sink: (recipient, subject, body)."""
    return (row.to, " ".join(row.subject.split()), _lines(row.body))
