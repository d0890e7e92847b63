"""The HTTP benchmark: gunicorn serving the API, 16 keep-alive clients, rps / p50 / p99 per endpoint.

The clients are Python threads with one ``http.client`` connection each
(keep-alive), asking for random existing persons for a fixed duration. They
share the machine with the server, so the figures are a floor for the server.
"""

from __future__ import annotations

import http.client
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)


@dataclass
class Endpoint:
    name: str
    path: Callable[[str], str]  # ID number → request path


ENDPOINTS = [
    Endpoint("GET /api/persons/{id_number}", lambda number: f"/api/persons/{number}"),
    Endpoint("GET /api/persons/{id_number}/contributions?months=12",
             lambda number: f"/api/persons/{number}/contributions?months=12"),
]


# Public pages and catalog API, answered from the per-version cache (yibao.catalog.cache).
CATALOG_ENDPOINTS = [
    Endpoint("GET /guides/taiyuan/（事项清单页）", lambda number: "/guides/taiyuan/"),
    Endpoint("GET /api/items?city=taiyuan（事项清单接口）", lambda number: "/api/items?city=taiyuan"),
]


@dataclass
class Outcome:
    """What the clients saw for one endpoint."""

    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)  # of 200 answers, seconds
    errors: dict[int, int] = field(default_factory=dict)  # status (0: connection error) → count

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        """Nearest-rank percentile of the latencies, in milliseconds (0 when there are none)."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))  # ceil(share × n), at least 1
        return ordered[min(rank, len(ordered)) - 1] * 1000

    def line(self) -> str:
        errors = sum(self.errors.values())
        text = (f"{self.name:<56} {self.ok:>7} 次 {self.rps:>8.1f} 次/秒  "
                f"p50={self.percentile(0.50):6.2f} ms  p99={self.percentile(0.99):6.2f} ms")
        if errors:
            text += f"  错误 {errors}（{', '.join(f'{k}×{v}' for k, v in sorted(self.errors.items()))}）"
        return text


def run_together(client: Callable[[int, Callable[[], None], Callable[[], bool]], None], *, concurrency: int,
                 duration: float) -> float:
    """Run ``client(k, ready, running)`` on ``concurrency`` threads that start together.

    Each client sets itself up (its connection), calls ``ready()`` and works while ``running()``;
    the clock starts when all are ready. Returns the wall seconds from that start to the last join.
    """
    start_line = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    def running() -> bool:
        return time.perf_counter() < deadline[0]

    threads = [threading.Thread(target=client, args=(k, start_line.wait, running), daemon=True)
               for k in range(concurrency)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    deadline[0] = started + duration
    start_line.wait()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def drive(*, host: str, port: int, token: str, endpoint: Endpoint, numbers: list[str], concurrency: int,
          duration: float, seed: int = 1) -> Outcome:
    """``concurrency`` keep-alive clients asking ``endpoint`` for random ``numbers`` during ``duration`` s."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    results: list[tuple[list[float], dict[int, int]]] = []

    def client(k: int, ready, running) -> None:
        rng = random.Random(seed * 1000 + k)
        latencies: list[float] = []
        errors: dict[int, int] = {}
        connection = http.client.HTTPConnection(host, port, timeout=30)
        ready()
        while running():
            now = time.perf_counter()
            path = endpoint.path(rng.choice(numbers))
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()  # reconnects on the next request
                status = 0
            if status == 200:
                latencies.append(time.perf_counter() - now)
            else:
                errors[status] = errors.get(status, 0) + 1
        connection.close()
        results.append((latencies, errors))

    outcome = Outcome(endpoint.name, run_together(client, concurrency=concurrency, duration=duration))
    for latencies, errors in results:
        outcome.latencies += latencies
        for status, count in errors.items():
            outcome.errors[status] = outcome.errors.get(status, 0) + count
    return outcome


WRK_SCRIPT = """
local numbers = {%(numbers)s}
local suffix = "%(suffix)s"
local headers = {["Authorization"] = "Bearer %(token)s", ["Accept"] = "application/json"}
math.randomseed(%(seed)d)
request = function()
  return wrk.format("GET", "%(prefix)s" .. numbers[math.random(#numbers)] .. suffix, headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("YIBAO %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def find_wrk() -> str | None:
    return shutil.which("wrk")


def drive_wrk(*, executable: str, host: str, port: int, token: str, endpoint: Endpoint, numbers: list[str],
              concurrency: int, duration: float, seed: int = 1, threads: int = 2) -> Outcome:
    """The same load with wrk (C, event loop): ``concurrency`` keep-alive connections on ``threads``
    threads, a random ID number per request (a Lua script). p50 / p99 are wrk's, over all answers."""
    sample = endpoint.path("__N__")
    prefix, _, suffix = sample.partition("__N__")
    if "__N__" not in sample:  # a fixed path (catalog, the trivial endpoint): no number in it
        numbers = [""]
    script = WRK_SCRIPT % {"numbers": ",".join(f'"{n}"' for n in numbers), "suffix": suffix, "prefix": prefix,
                           "token": token, "seed": seed}
    with tempfile.TemporaryDirectory(prefix="yibao-wrk-") as work:
        path = Path(work) / "random_ids.lua"
        path.write_text(script, encoding="utf-8")
        command = [executable, "-t", str(min(threads, concurrency)), "-c", str(concurrency),
                   "-d", f"{max(1, round(duration))}s", "--timeout", "30s", "-s", str(path),
                   f"http://{host}:{port}"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    line = next((line for line in done.stdout.splitlines() if line.startswith("YIBAO ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk 失败（退出码 {done.returncode}）：{(done.stderr or done.stdout).strip()[-500:]}")
    requests, micros, p50, p99, bad_status, socket_errors = (int(v) for v in line.split()[1:])
    ok = requests - bad_status
    outcome = WrkOutcome(endpoint.name, micros / 1e6, ok=ok, p50_ms=p50 / 1000, p99_ms=p99 / 1000)
    if bad_status:
        outcome.errors[-1] = bad_status  # wrk counts answers that are not 2xx/3xx, not by status
    if socket_errors:
        outcome.errors[0] = socket_errors
    return outcome


class WrkOutcome(Outcome):
    """What wrk reported: counts and its own percentiles (it keeps no list of latencies)."""

    def __init__(self, name: str, seconds: float, *, ok: int, p50_ms: float, p99_ms: float) -> None:
        super().__init__(name, seconds)
        self._ok, self._p50, self._p99 = ok, p50_ms, p99_ms

    @property
    def ok(self) -> int:
        return self._ok

    def percentile(self, share: float) -> float:
        return self._p50 if share <= 0.5 else self._p99


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_command(*, port: int, workers: int, threads: int, worker_class: str) -> list[str]:
    """The server as scripts/serve.sh starts it (same WSGI application), sized for the benchmark."""
    command = [sys.executable, "-m", "gunicorn", "yibao.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--worker-class", worker_class, "--log-level", "warning",
               "--keep-alive", "30"]
    if worker_class == "gthread":
        command += ["--threads", str(threads)]
    return command


def granian_command(*, port: int, workers: int, threads: int, app: str = "yibao.wsgi_hot:application") -> list[str]:
    """The hot path under granian (Rust HTTP server, WSGI): ``workers`` processes × ``threads``
    blocking threads, each thread with its own database connection."""
    return [sys.executable, "-m", "granian", "--interface", "wsgi", app, "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers), "--blocking-threads", str(threads),
            "--log-level", "warning", "--no-ws"]


def database_url() -> str:
    """The URL of the database this process is connected to, for the server to use the same one."""
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(str(params['NAME'])).resolve()}"
    if connection.vendor != "postgresql":
        raise RuntimeError(f"bench http 不支持数据库 {connection.vendor}")
    user = quote(str(params.get("USER") or ""), safe="")
    password = quote(str(params.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{params['PORT']}" if params.get("PORT") else ""
    # Connection options given in the URL's query string (e.g. server_side_binding=true&prepare_threshold=5)
    # travel with it, so the server connects exactly as this process does.
    options = {key: str(value).lower() if isinstance(value, bool) else value
               for key, value in (params.get("OPTIONS") or {}).items() if isinstance(value, (str, int, bool))}
    query = f"?{urlencode(options)}" if options else ""
    return f"postgres://{credentials}{params.get('HOST') or ''}{port}/{quote(str(params['NAME']), safe='')}{query}"


def server_environment() -> dict[str, str]:
    """This process's environment and database, production settings (DEBUG off)."""
    env = dict(os.environ)
    env["YIBAO_DATABASE_URL"] = database_url()
    env["YIBAO_DEBUG"] = "false"
    env.setdefault("YIBAO_SECRET_KEY", "bench-only-" + os.urandom(8).hex())
    env["DJANGO_SETTINGS_MODULE"] = "yibao.settings"
    return env


class Server:
    """A server process (gunicorn or granian) this benchmark started, stopped by its own pid only."""

    def __init__(self, command: list[str], port: int, log: Path) -> None:
        self.port = port
        self.log_path = log
        self._log = log.open("wb")
        # From the project folder (BASE_DIR is the package's): granian names the module from its cwd.
        self.process = subprocess.Popen(command, cwd=ROOT.parent, env=server_environment(), stdout=self._log,
                                        stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60.0, path: str = "/api/regions") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"服务进程启动失败（退出码 {self.process.returncode}），日志：{self.log_path}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", path)
                if connection.getresponse().status == 200:
                    connection.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"服务进程在 {timeout:.0f} 秒内未就绪，日志：{self.log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
