"""The shipped nginx site (deploy/nginx/almhult.conf) run on loopback, for the deployment
tests (tests/browser/test_deploy.py) and the browser benchmark (bench/bench_browser.py
--behind-nginx): ports, certificate paths, the upstream, the headers include and the served
files' folder replaced (and no IPv6 listeners), everything else as shipped; nginx runs as
the current user with a self-signed certificate made by openssl.
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import subprocess
from pathlib import Path

from scripts.link_served import link_served

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def site_config(folder: Path, https: int, http: int, app: int) -> str:
    """deploy/nginx/almhult.conf with its machine-specific parts moved into ``folder``."""
    site = (DEPLOY / "nginx" / "almhult.conf").read_text("utf-8")
    replaced = {
        r"listen \[::\]:\d+[^;]*;": "",
        r"listen 443 ": f"listen 127.0.0.1:{https} ",
        r"listen 80;": f"listen 127.0.0.1:{http};",
        r"/etc/ssl/certs/\S+\.pem": str(folder / "cert.pem"),
        r"/etc/ssl/private/\S+\.key": str(folder / "key.pem"),
        r"server 127\.0\.0\.1:8501;": f"server 127.0.0.1:{app};",
        r"include snippets/almhult-headers\.conf;": (
            f"include {DEPLOY / 'nginx' / 'almhult-headers.conf'};"
        ),
        r"/opt/almhult/served/": f"{folder / 'served'}/",
    }
    for pattern, value in replaced.items():
        site, n = re.subn(pattern, value, site)
        if not n:
            raise ValueError(f"deploy/nginx/almhult.conf no longer has {pattern!r}")
    return site


def make_certificate(folder: Path) -> None:
    """A self-signed certificate for 127.0.0.1, valid one day: ``cert.pem``, ``key.pem``."""
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


def start_nginx(folder: Path, https: int, http: int, app: int) -> tuple[subprocess.Popen, Path]:
    """Start nginx in the foreground with the shipped site in ``folder`` (which holds the
    certificate); returns the process and its output log. Raises when the config fails
    ``nginx -t``."""
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
        (folder / name).mkdir(exist_ok=True)
    link_served(folder / "served")  # the install step named in the site file
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
    (folder / "site.conf").write_text(site_config(folder, https, http, app), "utf-8")
    (folder / "nginx.conf").write_text(
        f"""{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/logs/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types;  # as Debian's /etc/nginx/nginx.conf does
    default_type application/octet-stream;
    access_log {folder}/logs/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
""",
        "utf-8",
    )
    args = [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e"]
    args += [str(folder / "logs" / "error.log")]
    checked = subprocess.run([*args, "-t"], capture_output=True, text=True)
    if checked.returncode != 0:
        raise RuntimeError(f"nginx -t failed: {checked.stderr}")
    log_path = folder / "logs" / "nginx.out"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([*args, "-g", "daemon off;"], stdout=log, stderr=subprocess.STDOUT)
    return proc, log_path
