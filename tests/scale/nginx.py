"""nginx for the cluster tests: deploy/nginx.conf rendered for local processes, run unprivileged.

``nginx_config`` fills in the file's two variables as the official image
does; ``start_nginx`` wraps it in a main configuration whose pid, logs and
temporary files all live under a temporary prefix, checks it (``nginx -t``)
and runs nginx in the foreground (``daemon off``) so that the test owns the
process. Without nginx the tests skip, and fail where services are required.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from string import Template

from tests.conftest import missing_service
from tests.scale.screens import GUARD

ROOT = Path(__file__).resolve().parents[2]
NGINX_SITE = ROOT / "deploy" / "nginx.conf"
#: The variables of deploy/nginx.conf (the official image fills them in from its environment).
NGINX_VARIABLES = ("FLOORKEEPER_UPSTREAMS", "FLOORKEEPER_LISTEN")

#: The main configuration around deploy/nginx.conf: every file nginx writes under its prefix.
NGINX_MAIN = """\
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/floorkeeper.conf;
}}
"""


def nginx_config(backends: list[int], port: int) -> str:
    """deploy/nginx.conf for processes on ``backends`` (127.0.0.1) and nginx on ``port``.

    Only its two variables are filled in, as the official image's template
    step does (it substitutes the variables its environment defines and
    leaves nginx's own ``$…`` alone).
    """
    servers = " ".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in backends)
    site = Template(NGINX_SITE.read_text()).safe_substitute(
        FLOORKEEPER_UPSTREAMS=servers, FLOORKEEPER_LISTEN=f"127.0.0.1:{port}"
    )
    assert "${FLOORKEEPER_" not in site, "deploy/nginx.conf has a variable the tests do not set"
    return site


def binary_or_skip() -> str:
    """The nginx to run: on the PATH, or Debian's /usr/sbin/nginx (not on a user's PATH)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        missing_service("nginx is not installed (apt package nginx)")
    assert found is not None
    return found


@dataclass
class Nginx:
    process: subprocess.Popen[bytes]
    prefix: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: its workers finish and exit
            try:
                self.process.wait(timeout=GUARD)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=GUARD)


def start_nginx(binary: str, prefix: Path, backends: list[int], port: int) -> Nginx:
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "floorkeeper.conf").write_text(nginx_config(backends, port))
    (prefix / "nginx.conf").write_text(NGINX_MAIN.format(prefix=prefix))
    # -e: the first error log before the configuration is read (nginx 1.19.5+)
    command = [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", "stderr"]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, f"nginx -t: {checked.stderr}"
    with (prefix / "nginx.out").open("ab") as out:
        process = subprocess.Popen(
            [*command, "-g", "daemon off;"], stdout=out, stderr=subprocess.STDOUT
        )
    return Nginx(process, prefix)
