#!/usr/bin/env python3
"""Developer and CI entry points of the After-Sales suite.

One script behind the Makefile targets, so that local runs, CI and the Docker
test service share the same logic:

    suite.py setup            install what is missing (Debian packages, Odoo 19, requirements), check
    suite.py check            find an installed Odoo 19 or say how to get one
    suite.py test             fresh database, install the suite, run every test
    suite.py run              persistent demo database, serve on 127.0.0.1:8069
    suite.py pytest [args]    pytest-odoo against the ``run`` database
    suite.py test-odoo        Odoo's own tests of the extended apps, with the suite installed
    suite.py shell            odoo shell on the ``run`` database
    suite.py i18n             export the .pot files, merge ru.po into them, count what is untranslated
    suite.py bench [script]   the bench/ scripts on the private (or PGHOST) server
    suite.py scale [args]     month-end billing as production runs it (tests/scale.py), throwaway server

PostgreSQL: when ``PGHOST`` is set the given server is used (``PGPORT``,
``PGUSER``, ``PGPASSWORD`` as usual); otherwise a private cluster is started on
loopback with the Debian binaries (throwaway for ``test``, kept under ``.run/``
for ``run`` and ``pytest``) and stopped afterwards.
"""

import argparse
import contextlib
import importlib.util
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = [
    "after_sales_service",
    "after_sales_warranty",
    "after_sales_parts",
    "after_sales_billing",
]
SUITE_TEST_MODULE = "after_sales_suite_tests"
SUITE_TEST_DIR = ROOT / "tests"
# Odoo's own test files run by ``test-odoo`` (paths inside Odoo's addons folder), and the
# tests of that selection left out because they fail without the suite too.
ODOO_TESTS_FILE = ROOT / ".ci" / "odoo_tests.txt"
ODOO_TESTS_EXCLUDED_FILE = ROOT / ".ci" / "odoo_tests_excluded.txt"
# The standard apps the suite extends: installed beside it for ``test-odoo``, alone for the
# check of the exclusions (hr_timesheet brings project, and with sale, sale_timesheet).
ODOO_APPS = ["sale_management", "sale_stock", "repair", "account", "stock", "hr_timesheet"]
STATE_DIR = Path(os.environ.get("AFTER_SALES_STATE_DIR", ROOT / ".run"))
RUN_DB = os.environ.get("AFTER_SALES_DB", "after_sales")
DB_USER = "odoo"
RESULTS_DIR = STATE_DIR / "results"
# Channels of the job runner of ``run``: two jobs at once in all, and the suite's kinds of work
# each capped so that a long billing run leaves room for the SLA escalation (README, "Background
# jobs"). ``ODOO_QUEUE_JOB_CHANNELS`` overrides it, as for any queue_job deployment.
RUN_CHANNELS = (
    "root:2,root.after_sales.billing:2,root.after_sales.sla:1,"
    "root.after_sales.planning:1,root.after_sales.report:1"
)
SCALE_SCRIPT = ROOT / "tests" / "scale.py"

HOW_TO_GET_ODOO = """\
No Odoo 19 found: `python3 -c "import odoo"` fails and ODOO_SRC is not set.

Get Odoo 19 in one of these ways, then run `make setup` again:
  * `make setup` downloads and installs it into this Python (ODOO_ARCHIVE_URL, ODOO_HOME).
  * Docker, nothing to install here: `docker compose up` (see README.md).
  * Upstream source installed into this Python:
        git clone --depth 1 --branch 19.0 https://github.com/odoo/odoo.git /opt/odoo19
        apt-get install libldap2-dev libsasl2-dev libpq-dev
        pip install -r /opt/odoo19/requirements.txt
        pip install --no-deps -e /opt/odoo19
  * Or keep a source tree anywhere (its requirements installed) and point to it:
        export ODOO_SRC=/path/to/odoo   # the folder holding odoo-bin
"""


class SuiteError(Exception):
    """A failure with a message meant for the person at the terminal."""


def say(msg):
    print(f"[suite] {msg}", flush=True)


# --------------------------------------------------------------------- Odoo


class Odoo:
    """How to start the installed Odoo 19 and where its addons are."""

    def __init__(self):
        src = os.environ.get("ODOO_SRC")
        self.env = dict(os.environ)
        if src:
            src = Path(src).expanduser().resolve()
            release = src / "odoo" / "release.py"
            if not release.is_file():
                raise SuiteError(f"ODOO_SRC={src} is not an Odoo source tree (no odoo/release.py).")
            version = self._version_from_file(release)
            self.env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src), self.env.get("PYTHONPATH")) if p)
        else:
            probe = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import odoo.release as r; print(r.version_info[0]); print(r.__file__)",
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if probe.returncode:
                raise SuiteError(HOW_TO_GET_ODOO)
            major, release = probe.stdout.split()
            version = int(major)
            src = Path(release).resolve().parent.parent
        if version != 19:
            raise SuiteError(f"Odoo {version} found at {src}; the suite needs Odoo 19.")
        self.src = src
        self.cmd = [sys.executable, "-m", "odoo"]
        # A source install keeps the standard addons beside the odoo package;
        # packaged installs (deb, Docker) keep them inside odoo/addons, which
        # Odoo always adds by itself.
        self.addons_paths = [str(ROOT)]
        if (src / "addons" / "web" / "__manifest__.py").is_file():
            self.addons_paths.append(str(src / "addons"))
            self.standard_addons = src / "addons"
        else:
            self.standard_addons = src / "odoo" / "addons"

    @staticmethod
    def _version_from_file(release):
        match = re.search(r"^version_info = \((\d+),", release.read_text(), re.MULTILINE)
        if not match:
            raise SuiteError(f"Cannot read the Odoo version from {release}.")
        return int(match.group(1))

    def write_config(self, path, pg, *, data_dir, extra_addons=(), channels=None):
        """Odoo's configuration file; with ``channels``, the OCA queue_job runner starts inside the
        server (``server_wide_modules``) and dispatches the jobs to its workers by these channels."""
        lines = [
            "[options]",
            f"addons_path = {','.join([*self.addons_paths, *map(str, extra_addons)])}",
            f"data_dir = {data_dir}",
            f"db_host = {pg.host}",
            f"db_port = {pg.port}",
            f"db_user = {pg.user}",
            f"db_password = {pg.password}" if pg.password else "",
            "admin_passwd = admin",
            "max_cron_threads = 0",
            "",
        ]
        if channels:
            lines[1:1] = ["server_wide_modules = base,web,queue_job"]
            lines += ["[queue_job]", f"channels = {channels}", ""]
        Path(path).write_text("\n".join(lines))
        return path


# --------------------------------------------------------------- PostgreSQL


def free_port(start=None):
    if start:
        for port in range(start, start + 100):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)):
                    return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ExternalPostgres:
    """A server given through the usual libpq variables."""

    owned = False

    def __init__(self):
        self.host = os.environ["PGHOST"]
        self.port = int(os.environ.get("PGPORT", "5432"))
        self.user = os.environ.get("PGUSER", DB_USER)
        self.password = os.environ.get("PGPASSWORD", "")
        if self.user == "postgres":
            raise SuiteError("Odoo refuses to connect as 'postgres': set PGUSER to another role.")

    def start(self):
        say(f"using PostgreSQL at {self.host}:{self.port} as {self.user}")

    def stop(self):
        pass

    def connect(self, dbname="postgres"):
        import psycopg2  # only needed once a server is there

        return psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=dbname,
        )

    def database_exists(self, dbname):
        conn = self.connect()
        try:
            with conn.cursor() as cr:
                cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
                return bool(cr.fetchone())
        finally:
            conn.close()

    def module_installed(self, dbname, module):
        if not self.database_exists(dbname):
            return False
        conn = self.connect(dbname)
        try:
            with conn.cursor() as cr:
                cr.execute("SELECT state FROM ir_module_module WHERE name = %s", [module])
                row = cr.fetchone()
                return bool(row and row[0] == "installed")
        except Exception:  # noqa: BLE001 - a half-created database
            return False
        finally:
            conn.close()

    def drop_database(self, dbname):
        conn = self.connect()
        conn.autocommit = True
        try:
            with conn.cursor() as cr:
                cr.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        finally:
            conn.close()


class LocalPostgres(ExternalPostgres):
    """A private cluster on loopback, made with the Debian PostgreSQL binaries."""

    owned = True

    def __init__(self, datadir, *, throwaway):
        self.datadir = Path(datadir)
        self.throwaway = throwaway
        self.host = "127.0.0.1"
        self.user = DB_USER
        self.password = ""
        self.port = None
        self.bindir = self._find_bindir()
        self.runas = []
        if os.geteuid() == 0:
            # initdb and postgres refuse to run as root.
            try:
                pwd.getpwnam("postgres")
            except KeyError as exc:
                raise SuiteError(
                    "Running as root and no 'postgres' system user to run the "
                    "cluster: install Debian's postgresql or set PGHOST."
                ) from exc
            self.runas = ["runuser", "-u", "postgres", "--"]

    @staticmethod
    def _find_bindir():
        candidates = sorted(
            Path("/usr/lib/postgresql").glob("*/bin/initdb"),
            key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
        )
        if candidates:
            return candidates[-1].parent
        initdb = shutil.which("initdb")
        if initdb:
            return Path(initdb).parent
        raise SuiteError(
            "No PostgreSQL server binaries (initdb) found. Install Debian's "
            "postgresql package, or point PGHOST/PGPORT/PGUSER/PGPASSWORD at a server."
        )

    def _pg(self, tool, *args, **kw):
        return subprocess.run([*self.runas, str(self.bindir / tool), *args], check=False, **kw)

    def _chown(self, path):
        if self.runas:
            shutil.chown(path, "postgres", "postgres")

    def start(self):
        self.datadir.parent.mkdir(parents=True, exist_ok=True)
        if not (self.datadir / "PG_VERSION").is_file():
            self.datadir.mkdir(parents=True, exist_ok=True)
            self._chown(self.datadir)
            initdb = ["-D", str(self.datadir), "-U", DB_USER, "--auth=trust"]
            initdb += ["-E", "UTF8", "--locale=C.UTF-8"]
            if self.throwaway:
                initdb.append("--no-sync")
            res = self._pg("initdb", *initdb, capture_output=True, text=True)
            if res.returncode:
                raise SuiteError(f"initdb failed:\n{res.stdout}\n{res.stderr}")
        self.port = free_port(None if self.throwaway else 54320)
        sockdir = self.datadir / "socket"
        sockdir.mkdir(exist_ok=True)
        self._chown(sockdir)
        options = [
            "-c listen_addresses=127.0.0.1",
            f"-c port={self.port}",
            f"-c unix_socket_directories={sockdir}",
            "-c max_connections=100",
        ]
        if self.throwaway:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        logfile = self.datadir / "postgres.log"
        res = self._pg(
            "pg_ctl",
            "-D",
            str(self.datadir),
            "-l",
            str(logfile),
            "-w",
            "-t",
            "60",
            "-o",
            " ".join(options),
            "start",
            capture_output=True,
            text=True,
        )
        if res.returncode:
            log = logfile.read_text() if logfile.exists() else ""
            raise SuiteError(f"PostgreSQL did not start:\n{res.stdout}{res.stderr}{log[-2000:]}")
        say(f"PostgreSQL {self.bindir.parent.name} started on 127.0.0.1:{self.port} ({self.datadir})")

    def stop(self):
        if self.port is None:
            return
        self._pg("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop", capture_output=True)
        self.port = None
        if self.throwaway:
            shutil.rmtree(self.datadir.parent, ignore_errors=True)
        say("PostgreSQL stopped")


def make_postgres(*, throwaway):
    if os.environ.get("PGHOST"):
        return ExternalPostgres()
    if throwaway:
        base = Path(tempfile.mkdtemp(prefix="after-sales-pg-"))
        os.chmod(base, 0o755)
        return LocalPostgres(base / "data", throwaway=True)
    return LocalPostgres(STATE_DIR / "pgdata", throwaway=False)


# -------------------------------------------------------------- test output


LOG_RE = re.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d+ \d+ "
    r"(?P<level>[A-Z]+) (?P<db>\S+) (?P<logger>\S+): (?P<msg>.*)$"
)
SUMMARY_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
SKIP_RE = re.compile(r"^skipped \S+")
FAIL_RE = re.compile(r"^(FAIL|ERROR): (\S+)")
# An HTTP request as werkzeug logs it under --dev=replica: its perf info ends with the cursor mode
# (ro: served on the read-only cursor, rw: a read/write route, ro->rw: a read-only route that
# wrote, refused by PostgreSQL and served again on a read/write cursor).
REQUEST_RE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) [^"]*" \S+ .* (?P<mode>ro->rw|ro|rw|-)$')


class TestLog:
    """Reads Odoo's log while it streams and sums up the run.

    ``replica``: the run simulates a read-only replica (``--dev=replica``); every request served
    on the read-only cursor that wrote (``ro->rw``) fails the run.
    """

    def __init__(self, replica=False):
        self.replica = replica
        self.cursor_modes = {"ro": 0, "rw": 0, "ro->rw": 0, "-": 0}
        self.replica_writes = []
        self.failures = self.errors = self.run = None
        self.skipped = 0
        self.error_lines = []
        self.failed_tests = []
        self.started = time.monotonic()
        self.tests_started = None
        self.post_started = None
        self.module_stats = []

    def feed(self, line):
        match = LOG_RE.match(line)
        if not match:
            return
        level, logger, msg = match["level"], match["logger"], match["msg"].strip()
        summary = SUMMARY_RE.search(msg)
        if summary:
            self.failures, self.errors, self.run = map(int, summary.groups())
        if level in ("ERROR", "CRITICAL") and not summary:
            self.error_lines.append(line.rstrip())
            failed = FAIL_RE.match(msg)
            if failed:
                self.failed_tests.append(f"{failed.group(1)} {failed.group(2)}")
        if level == "INFO" and SKIP_RE.match(msg):
            self.skipped += 1
        if self.tests_started is None and logger.startswith("odoo.addons.") and ".tests." in logger:
            self.tests_started = time.monotonic()
        if msg == "Starting post tests":
            self.post_started = time.monotonic()
        if logger == "odoo.tests.stats":
            self.module_stats.append(msg)
        request = self.replica and logger == "werkzeug" and REQUEST_RE.search(msg)
        if request:
            self.cursor_modes[request["mode"]] += 1
            if request["mode"] == "ro->rw":
                self.replica_writes.append(f"{request['method']} {request['path']}")

    def verdict(self, returncode):
        """Return (passed, failed, skipped, problems)."""
        problems = []
        if self.run is None:
            problems.append("Odoo ended without a test summary (crash during install?)")
            failures = errors = run = 0
        else:
            failures, errors, run = self.failures, self.errors, self.run
        if returncode:
            problems.append(f"Odoo exited with code {returncode}")
        test_errors = failures + errors
        if self.error_lines and not test_errors:
            problems.append(f"{len(self.error_lines)} ERROR/CRITICAL log line(s) outside tests")
        if run == 0 and self.run is not None:
            problems.append("no test ran")
        for request in self.replica_writes:
            problems.append(f"wrote on the read-only cursor (a replica refuses it): {request}")
        if self.skipped:
            # the browser tours skip when Chromium or websocket-client is missing: never silently
            problems.append(
                f"{self.skipped} test(s) skipped: the suite's tests never skip (browser tours need "
                "Chromium and websocket-client; `make setup` installs them)"
            )
        failed = test_errors + self.skipped + len(self.replica_writes) or (1 if problems else 0)
        passed = max(0, run - test_errors - self.skipped)
        return passed, failed, self.skipped, problems

    def timing(self):
        end = time.monotonic()
        install_end = self.post_started or end
        return {
            "total": end - self.started,
            "install + at_install tests": install_end - self.started,
            "post_install tests": (end - self.post_started) if self.post_started else 0.0,
        }


def run_streaming(cmd, env, logfile, sink):
    """Run cmd, copy its output to the terminal and logfile, feed each line to sink."""
    with open(logfile, "w") as log:
        proc = subprocess.Popen(
            cmd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        try:
            for line in proc.stdout:
                sys.stdout.write(line)
                log.write(line)
                sink(line)
        except KeyboardInterrupt:
            proc.send_signal(signal.SIGINT)
            raise
        finally:
            proc.wait()
    return proc.returncode


# -------------------------------------------------------------------- setup

ODOO_ARCHIVE_URL = "https://nightly.odoo.com/19.0/nightly/src/odoo_19.0.latest.tar.gz"
ODOO_HOME = "/opt/odoo19"
# Debian packages ``setup`` installs when missing: PostgreSQL's server binaries (the suite starts
# its own cluster; the system service is left alone), Chromium for the browser tours, wkhtmltopdf
# (Odoo's PDF engine: invoices and the act the customer signs, as in the official image), and the
# headers python-ldap and psycopg2 are built against.
DEBIAN_PACKAGES = ["postgresql", "chromium", "wkhtmltopdf", "libldap2-dev", "libsasl2-dev", "libpq-dev"]
CHROMIUM_COMMANDS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Odoo pins a cbor2 whose setup.py imports pkg_resources, gone from setuptools 81.
BUILD_CONSTRAINTS = "setuptools<81\n"
# pip's lines that only say there is nothing to do (or nothing for this Python)
PIP_NOISE = (
    "Requirement already satisfied",
    "Ignoring ",
    "Looking in indexes",
    "Looking in links",
    "WARNING: Running pip as the 'root' user",
)
MB = 1024 * 1024


def _deb_installed(package):
    res = subprocess.run(["dpkg", "-s", package], capture_output=True, text=True, check=False)
    return not res.returncode and bool(re.search(r"^Status: \S+ ok installed$", res.stdout, re.MULTILINE))


def _apt_has(package):
    res = subprocess.run(
        ["apt-cache", "show", "--no-all-versions", package], capture_output=True, text=True, check=False
    )
    return not res.returncode and f"Package: {package}\n" in res.stdout


def _debian_wanted(build):
    """[(package, installed?)]: the suite's packages, then the build tools when ``build``."""
    wanted = []
    for package in DEBIAN_PACKAGES:
        present = _deb_installed(package)
        if package == "chromium":
            present = present or bool(find_chromium())
        wanted.append((package, present))
    system_python = sys.base_prefix == "/usr"  # Debian's own Python: the packages below are for it
    if system_python and sys.prefix == sys.base_prefix and _pip_version(required=False) is None:
        wanted.append(("python3-pip", False))
    if build and not shutil.which("gcc"):
        wanted.append(("build-essential", False))
    if build and system_python and not Path(sysconfig.get_paths()["include"], "Python.h").is_file():
        wanted.append((f"python{sys.version_info.major}.{sys.version_info.minor}-dev", False))
    return wanted


def _setup_debian_packages(build):
    """Install the missing Debian packages; return (changed, the command left to run as root)."""
    if not shutil.which("dpkg"):
        say(
            "setup: no dpkg (not Debian/Ubuntu): install PostgreSQL's server binaries, Chromium, "
            "gcc and the LDAP, SASL and libpq headers with this system's tools"
        )
        return False, None
    missing = []
    for package, present in _debian_wanted(build):
        if present:
            say(f"setup: Debian package {package} already installed")
        else:
            missing.append(package)
    if not missing:
        return False, None
    if os.geteuid() == 0:
        sudo = []
    elif shutil.which("sudo"):
        sudo = ["sudo"]
    else:
        command = (
            "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "
            f"--no-install-recommends {' '.join(missing)}"
        )
        say(f"setup: Debian packages {', '.join(missing)} missing, and neither root nor sudo here")
        return False, command
    say(f"setup: installing Debian packages {', '.join(missing)}")
    apt = [*sudo, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]
    if subprocess.run([*apt, "update"], check=False).returncode:
        raise SuiteError("`apt-get update` failed (see above)")
    if "chromium" in missing and not _apt_has("chromium"):
        # Ubuntu calls it chromium-browser
        missing[missing.index("chromium")] = "chromium-browser"
    if subprocess.run([*apt, "install", "-y", "--no-install-recommends", *missing], check=False).returncode:
        raise SuiteError(f"`apt-get install {' '.join(missing)}` failed (see above)")
    for package in missing:
        say(f"setup: Debian package {package} installed")
    return True, None


def _probe_odoo():
    """(version, major, source folder) of the Odoo this Python imports, or None."""
    res = subprocess.run(
        [
            sys.executable,
            "-c",
            "import odoo.release as r; print(r.version); print(r.version_info[0]); print(r.__file__)",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if res.returncode:
        return None
    version, major, release = res.stdout.splitlines()[-3:]
    return version, int(major), Path(release).resolve().parent.parent


def _is_odoo_source(folder):
    return ((folder / "odoo-bin").is_file() or (folder / "setup.py").is_file()) and (
        folder / "odoo" / "release.py"
    ).is_file()


def _find_odoo_source(root):
    """The Odoo source tree that is ``root`` or one of its (not hidden) folders, or None."""
    if not root.is_dir():
        return None
    candidates = [root, *sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))]
    return next((folder for folder in candidates if _is_odoo_source(folder)), None)


class _Download:
    """A file-like reader that says how far the download is, every tenth (or 50 MB)."""

    def __init__(self, stream, total):
        self.stream = stream
        self.total = total
        self.done = 0
        self.step = max(total // 10, 20 * MB) if total else 50 * MB
        self.next = self.step

    def read(self, size=-1):
        data = self.stream.read(size)
        self.done += len(data)
        if self.done >= self.next:
            self.next += self.step
            of = f" of {self.total / MB:.0f}" if self.total else ""
            say(f"setup: downloaded {self.done / MB:.0f}{of} MB")
        return data


def _extract(tar, dest):
    """Unpack a streamed archive into ``dest``, refusing members that would land outside it."""
    if hasattr(tarfile, "data_filter"):
        tar.extractall(dest, filter="data")
        return
    for member in tar:  # Pythons without extraction filters
        for name in (member.name, member.linkname if member.issym() or member.islnk() else ""):
            if name.startswith("/") or ".." in Path(name).parts:
                raise SuiteError(f"the archive has a member outside its folder: {member.name}")
        tar.extract(member, dest)


def _download_odoo(url, home):
    """Unpack the Odoo 19 source archive at ``url`` into ``home``; return the source tree."""
    try:
        home.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=home))
    except OSError as exc:
        raise SuiteError(f"Cannot write in ODOO_HOME={home} ({exc}): run as root or set ODOO_HOME.") from exc
    try:
        say(f"setup: downloading {url} into {home}")
        try:
            with urllib.request.urlopen(url, timeout=60) as resp:
                reader = _Download(resp, int(resp.headers.get("Content-Length") or 0))
                with tarfile.open(fileobj=reader, mode="r|*") as tar:
                    _extract(tar, staging)
        except (OSError, EOFError, ValueError, tarfile.TarError) as exc:
            raise SuiteError(f"Cannot download or unpack {url}: {exc}") from exc
        src = _find_odoo_source(staging)
        if not src:
            raise SuiteError(f"{url} holds no Odoo source tree (odoo-bin or setup.py beside odoo/)")
        version = Odoo._version_from_file(src / "odoo" / "release.py")
        if version != 19:
            raise SuiteError(f"{url} holds Odoo {version}; the suite needs Odoo 19.")
        target = home / (src.name if src != staging else "odoo")
        if target.exists():
            raise SuiteError(f"{target} is in the way (not an Odoo source tree): remove it or set ODOO_HOME.")
        src.rename(target)
        return target
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _pip_version(required=True):
    """(major, minor) of this Python's pip; None or an error when it has none."""
    res = subprocess.run(
        [sys.executable, "-m", "pip", "--version"], capture_output=True, text=True, check=False
    )
    match = re.match(r"pip (\d+)\.(\d+)", res.stdout)
    if res.returncode or not match:
        if not required:
            return None
        raise SuiteError(f"No pip in {sys.executable}: `{sys.executable} -m ensurepip` installs it.")
    return int(match.group(1)), int(match.group(2))


def _externally_managed():
    """This Python is a distribution's own (PEP 668), not a virtualenv."""
    stdlib = Path(sysconfig.get_path("stdlib"))
    return sys.prefix == sys.base_prefix and (stdlib / "EXTERNALLY-MANAGED").is_file()


def _pip_install(*args, build_constraints=False):
    """``pip install args`` into this Python; return the distributions pip says it installed."""
    cmd = [sys.executable, "-m", "pip", "install", *args]
    env = dict(os.environ)
    if _externally_managed():
        env["PIP_BREAK_SYSTEM_PACKAGES"] = "1"
    with tempfile.TemporaryDirectory(prefix="after-sales-pip-") as tmp:
        if build_constraints:
            constraints = Path(tmp) / "build-constraints.txt"
            constraints.write_text(BUILD_CONSTRAINTS)
            if _pip_version() >= (25, 3):  # the release that brought --build-constraint
                cmd += ["--build-constraint", str(constraints)]
            else:  # older pips hand PIP_CONSTRAINT on to the isolated build environments
                env["PIP_CONSTRAINT"] = " ".join(filter(None, [env.get("PIP_CONSTRAINT"), str(constraints)]))
        installed = []
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            if line.startswith("Successfully installed "):
                installed = line.split()[2:]
            elif not line.startswith(PIP_NOISE):
                sys.stdout.write(line)
        proc.wait()
    if proc.returncode:
        raise SuiteError(f"`{shlex.join(cmd)}` failed (exit code {proc.returncode}, pip's output above).")
    return installed


def _setup_odoo():
    """Install Odoo 19 into this Python unless it imports one (or ODOO_SRC names one); True if done."""
    if os.environ.get("ODOO_SRC"):
        say(f"setup: ODOO_SRC={os.environ['ODOO_SRC']} is set: that source tree is used, nothing installed")
        return False
    found = _probe_odoo()
    if found:
        say(f"setup: Odoo {found[0]} already installed in this Python ({found[2]})")
        return False
    home = Path(os.environ.get("ODOO_HOME") or ODOO_HOME).expanduser().resolve()
    src = _find_odoo_source(home)
    if src:
        version = Odoo._version_from_file(src / "odoo" / "release.py")
        if version != 19:
            raise SuiteError(f"{src} holds Odoo {version}; set ODOO_HOME to another folder for Odoo 19.")
        say(f"setup: Odoo 19 source already unpacked in {src}")
    else:
        url = os.environ.get("ODOO_ARCHIVE_URL") or ODOO_ARCHIVE_URL
        src = _download_odoo(url, home)
        say(f"setup: Odoo 19 source unpacked in {src}")
    editable = ["-e", str(src)]
    if _pip_version() >= (22, 1):  # older pips have no --config-settings and install in place anyway
        editable += ["--config-settings", "editable_mode=compat"]
    if (src / "requirements.txt").is_file():
        say(f"setup: installing Odoo's Python requirements ({src / 'requirements.txt'})")
        installed = _pip_install("-r", str(src / "requirements.txt"), build_constraints=True)
        say(f"setup: Odoo's Python requirements installed ({len(installed)} distributions)")
        _pip_install("--no-deps", *editable, build_constraints=True)
    else:
        say("setup: no requirements.txt in the source tree: installing the dependencies setup.py declares")
        _pip_install(*editable, build_constraints=True)
    found = _probe_odoo()
    if not found:
        raise SuiteError(f"Odoo was installed from {src} but `import odoo.release` still fails.")
    if found[1] != 19:
        raise SuiteError(f"This Python imports Odoo {found[0]} from {found[2]}, not the Odoo 19 of {src}.")
    say(f"setup: Odoo {found[0]} installed in this Python (editable, from {found[2]})")
    return True


def _setup_requirements():
    """The suite's own Python requirements; True if pip installed something.

    OCA addons (``odoo-addon-*``) are installed without their dependencies: they require the
    ``odoo`` distribution, whose metadata would make pip re-resolve (and upgrade) the libraries
    Odoo pins in its own requirements.txt (lxml...). Odoo is installed first, they need nothing else.
    """
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    addons = [line for line in lines if line.strip().startswith("odoo-addon-")]
    others = [line for line in lines if line not in addons]
    with tempfile.TemporaryDirectory(prefix="after-sales-req-") as tmp:
        others_file = Path(tmp) / "requirements.txt"
        others_file.write_text("\n".join(others) + "\n")
        installed = _pip_install("-r", str(others_file))
        if addons:
            installed += _pip_install("--no-deps", *[line.split("#", 1)[0].strip() for line in addons])
    if installed:
        say(f"setup: the suite's Python requirements installed: {' '.join(installed)}")
    else:
        say("setup: the suite's Python requirements already installed (requirements.txt)")
    return bool(installed)


def cmd_setup(args):
    """Install what the suite needs and is missing, say what was done, then ``check``."""
    if _externally_managed():
        say("setup: this Python is the system's (PEP 668): pip installs into it as --break-system-packages")
    # gcc and Python's headers only matter when something is to be built (Odoo, psycopg2)
    build = not os.environ.get("ODOO_SRC") and _probe_odoo() is None
    build = build or importlib.util.find_spec("psycopg2") is None
    changed, by_hand = _setup_debian_packages(build)
    as_root = f"install the missing Debian packages as root, then run `make setup` again:\n    {by_hand}"
    try:
        changed = _setup_odoo() | changed
        changed = _setup_requirements() | changed
    except SuiteError as exc:
        if by_hand:
            raise SuiteError(f"{exc}\n\nFirst {as_root}") from exc
        raise
    if by_hand:
        raise SuiteError(as_root[0].upper() + as_root[1:])
    if not changed:
        say("setup: nothing to do, everything was already in place")
    return cmd_check(args)


# ------------------------------------------------------------------ commands


def cmd_total(args):
    """Sum the closing lines of the given runs (``.run/results/<name>``) into one closing line."""
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    for name in args.names:
        path = RESULTS_DIR / name
        if not path.is_file():
            say(f"{name}: no result (the run did not finish)")
            totals["failed"] += 1
            continue
        line = path.read_text().strip()
        say(f"{name}: {line}")
        for number, outcome in re.findall(r"(\d+) (passed|failed|skipped)", line):
            totals[outcome] += int(number)
    print(f"{totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped", flush=True)
    return 1 if totals["failed"] else 0


def cmd_check(_args):
    odoo = Odoo()
    say(f"Odoo 19 found at {odoo.src}")
    say(f"addons path: {','.join(odoo.addons_paths)}")
    return 0


def find_chromium():
    """The Chromium (or Chrome) executable Odoo's tours use, as Odoo looks for it."""
    for name in CHROMIUM_COMMANDS:
        path = shutil.which(name)
        if path:
            return path
    return None


def cmd_test(args):
    odoo = Odoo()
    if not find_chromium():
        raise SuiteError(
            "No Chromium found: the test command runs the suite's browser tours in headless "
            "Chromium and never skips them. Install it (`make setup` does: apt-get install chromium)."
        )
    tags = args.tags or os.environ.get("TAGS") or ",".join(f"/{m}" for m in [*MODULES, SUITE_TEST_MODULE])
    pg = make_postgres(throwaway=True)
    workdir = Path(tempfile.mkdtemp(prefix="after-sales-test-"))
    dbname = f"after_sales_test_{os.getpid()}"
    log = TestLog(replica=args.replica)
    returncode = 1
    try:
        pg.start()
        conf = odoo.write_config(
            workdir / "odoo.conf", pg, data_dir=workdir / "data", extra_addons=[SUITE_TEST_DIR]
        )
        cmd = [
            *odoo.cmd,
            "-c",
            str(conf),
            "-d",
            dbname,
            "-i",
            ",".join([*MODULES, SUITE_TEST_MODULE]),
            "--test-enable",
            "--test-tags",
            tags,
            "--stop-after-init",
            "--http-interface",
            "127.0.0.1",
            "--http-port",
            str(free_port()),
            "--log-level",
            "info",
            "--without-demo" if not args.demo else "--with-demo",
        ]
        if args.replica:
            # Odoo's simulation of a read-only replica. Under tests every read-only request runs in
            # a READ ONLY transaction (Odoo's TestCursor); a write there is refused by PostgreSQL,
            # logged and served again read/write: TestLog counts that as a failure.
            cmd += ["--dev", "replica"]
            say("simulating a read-only replica (--dev=replica): a read-only request that writes fails")
        say(f"installing {', '.join(MODULES)} in fresh database {dbname}, tests {tags}")
        returncode = run_streaming(cmd, odoo.env, workdir / "odoo.log", log.feed)
    finally:
        if not pg.owned and not args.keep:
            with contextlib.suppress(Exception):
                pg.drop_database(dbname)
        pg.stop()
    passed, failed, skipped, problems = log.verdict(returncode)
    print()
    for name, seconds in log.timing().items():
        say(f"time {name}: {seconds:.0f}s")
    for stat in log.module_stats:
        say(f"tests {stat}")
    if args.replica:
        modes = log.cursor_modes
        say(
            f"replica: {modes['ro']} requests on the read-only cursor, {modes['rw']} read/write, "
            f"{modes['ro->rw']} read-only ones that wrote"
        )
    for test in log.failed_tests:
        say(f"failed: {test}")
    for problem in problems:
        say(f"problem: {problem}")
    if log.error_lines and not log.failed_tests:
        for line in log.error_lines[:20]:
            say(f"error line: {line}")
    shutil.rmtree(workdir, ignore_errors=True)
    print(count_line("test-demo" if args.demo else "test", passed, failed, skipped), flush=True)
    return 1 if failed else 0


def count_line(name, passed, failed, skipped=0):
    """The closing line of a run; also kept in ``.run/results/<name>`` for ``.ci/run``'s total."""
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / name).write_text(line + "\n")
    return line


def _install_fresh(odoo, pg, workdir, dbname, modules):
    """Create ``dbname`` with ``modules`` installed (no demo data, no tests); return the config."""
    conf = odoo.write_config(workdir / f"{dbname}.conf", pg, data_dir=workdir / "data")
    say(f"installing {', '.join(modules)} in fresh database {dbname}")
    res = subprocess.run(
        [
            *odoo.cmd,
            "-c",
            str(conf),
            "-d",
            dbname,
            "-i",
            ",".join(modules),
            "--without-demo",
            "--stop-after-init",
            "--no-http",
            "--log-level",
            "warn",
        ],
        env=odoo.env,
        check=False,
    )
    if res.returncode:
        raise SuiteError(f"installing {', '.join(modules)} in {dbname} failed")
    return conf


def _read_list(path):
    """Non-empty lines of ``path`` without their ``#`` comments."""
    if not path.is_file():
        return []
    items = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [item for item in items if item]


PYTEST_SUMMARY_RE = re.compile(r"^=*\s*\d+ (passed|failed|errors?|skipped|deselected)\b.* in [\d.]+s")
PYTEST_COUNT_RE = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)")


def _pytest(odoo, conf, dbname, targets, *, extra=(), report=None):
    """Run pytest-odoo on ``targets``; return (exit code, {outcome: count})."""
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        f"--odoo-config={conf}",
        f"--odoo-database={dbname}",
        "--odoo-http",
        f"--rootdir={odoo.standard_addons}",
        "-p",
        "no:cacheprovider",
        "-q",
        "-rfE",
        *(["--junitxml", str(report)] if report else []),
        *extra,
        *targets,
    ]
    proc = subprocess.Popen(
        cmd, env=odoo.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    last = ""
    for line in proc.stdout:
        sys.stdout.write(line)
        if PYTEST_SUMMARY_RE.match(line):
            last = line
    proc.wait()
    counts = {}
    for number, outcome in PYTEST_COUNT_RE.findall(last):
        counts[outcome.rstrip("s") if outcome.startswith("error") else outcome] = int(number)
    return proc.returncode, counts


def cmd_test_odoo(args):
    """Odoo's own tests of the apps the suite extends, on a fresh database with the suite installed.

    The pinned selection is ``.ci/odoo_tests.txt``; the tests of ``.ci/odoo_tests_excluded.txt``
    are left out, and each of them must fail on a database with the same apps and without the
    suite too (checked in the same run), so an exclusion never hides a failure the suite causes.
    """
    odoo = Odoo()
    files = _read_list(ODOO_TESTS_FILE)
    missing = [f for f in files if not (odoo.standard_addons / f.split("::")[0]).is_file()]
    if missing:
        raise SuiteError(f"Odoo test files not found in {odoo.standard_addons}: {', '.join(missing)}")
    excluded = _read_list(ODOO_TESTS_EXCLUDED_FILE)
    # absolute paths: run from Odoo's addons folder, its `calendar` would shadow Python's own
    targets = args.pytest_args or [str(odoo.standard_addons / f) for f in files]
    # pytest names tests from its rootdir (Odoo's addons folder, given below): as in the file
    pg = make_postgres(throwaway=True)
    workdir = Path(tempfile.mkdtemp(prefix="after-sales-odoo-tests-"))
    started = time.monotonic()
    problems = []
    counts = {}
    try:
        pg.start()
        dbname = f"after_sales_odoo_tests_{os.getpid()}"
        conf = _install_fresh(odoo, pg, workdir, dbname, [*ODOO_APPS, *MODULES])
        say(f"running {len(targets)} Odoo test file(s) with the suite installed")
        code, counts = _pytest(
            odoo, conf, dbname, targets, extra=[arg for test in excluded for arg in ("--deselect", test)]
        )
        if code not in (0, 1):
            problems.append(f"pytest exited with code {code}")
        if excluded and not args.pytest_args:
            base = f"odoo_apps_only_{os.getpid()}"
            base_conf = _install_fresh(odoo, pg, workdir, base, ODOO_APPS)
            say(f"checking that the {len(excluded)} excluded test(s) fail without the suite too")
            report = workdir / "excluded.xml"
            _pytest(
                odoo, base_conf, base, [str(odoo.standard_addons / test) for test in excluded], report=report
            )
            passing = _passing_tests(report)
            for test in passing:
                problems.append(f"excluded test passes without the suite: {test} (remove its exclusion)")
    finally:
        pg.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    say(f"time total: {time.monotonic() - started:.0f}s")
    for problem in problems:
        say(f"problem: {problem}")
    passed = counts.get("passed", 0)
    failed = counts.get("failed", 0) + counts.get("error", 0) + len(problems)
    if not passed and not failed:
        failed = 1
        say("problem: no test ran")
    print(count_line("test-odoo", passed, failed, counts.get("skipped", 0)), flush=True)
    return 1 if failed else 0


def _passing_tests(report):
    """Test ids that passed in a pytest junit-xml report."""
    import xml.etree.ElementTree as ET

    if not report.is_file():
        return []
    passing = []
    for case in ET.parse(report).iter("testcase"):
        if not any(child.tag in ("failure", "error", "skipped") for child in case):
            passing.append(f"{case.get('classname')}.{case.get('name')}")
    return passing


def _ensure_run_db(odoo, pg, *, with_tests=False):
    """Create the demo database once; later calls reuse it."""
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    conf = odoo.write_config(
        STATE_DIR / "odoo.conf",
        pg,
        data_dir=STATE_DIR / "data",
        extra_addons=[SUITE_TEST_DIR],
        channels=RUN_CHANNELS,
    )
    to_install = [m for m in MODULES if not pg.module_installed(RUN_DB, m)]
    if with_tests and not pg.module_installed(RUN_DB, SUITE_TEST_MODULE):
        to_install.append(SUITE_TEST_MODULE)
    if to_install:
        say(f"installing {', '.join(to_install)} with demo data in database {RUN_DB}")
        res = subprocess.run(
            [
                *odoo.cmd,
                "-c",
                str(conf),
                "-d",
                RUN_DB,
                "-i",
                ",".join(to_install),
                "--with-demo",
                "--stop-after-init",
                "--no-http",
            ],
            env=odoo.env,
            check=False,
        )
        if res.returncode:
            raise SuiteError(f"installing the suite in {RUN_DB} failed")
    else:
        say(f"reusing database {RUN_DB}")
    return conf, bool(to_install)


def cmd_run(args):
    odoo = Odoo()
    pg = make_postgres(throwaway=False)
    try:
        pg.start()
        conf, fresh = _ensure_run_db(odoo, pg)
        cmd = [
            *odoo.cmd,
            "-c",
            str(conf),
            "-d",
            RUN_DB,
            "--db-filter",
            f"^{RUN_DB}$",
            "--http-interface",
            "127.0.0.1",
            "--http-port",
            str(args.port),
            # the job runner starts inside the server and runs the background jobs (billing runs,
            # escalations...) in its threads: one process, so that the bus's websocket is served
            # on the same port without a proxy (production runs workers: README, "Background jobs")
            "--load",
            "base,web,queue_job",
        ]
        if not args.no_update and not fresh:
            # the code may have changed since the database was made
            cmd += ["-u", ",".join(MODULES)]
        print(
            f"\n  After-Sales suite: http://127.0.0.1:{args.port}/web/login"
            f"  (database {RUN_DB}, login admin, password admin)\n",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            return subprocess.run(cmd, env=odoo.env, check=False).returncode
        return 0
    finally:
        pg.stop()


def cmd_pytest(args):
    odoo = Odoo()
    pg = make_postgres(throwaway=False)
    try:
        pg.start()
        conf, _fresh = _ensure_run_db(odoo, pg, with_tests=True)
        say(f"updating the suite in {RUN_DB}")
        res = subprocess.run(
            [
                *odoo.cmd,
                "-c",
                str(conf),
                "-d",
                RUN_DB,
                "-u",
                ",".join([*MODULES, SUITE_TEST_MODULE]),
                "--stop-after-init",
                "--no-http",
            ],
            env=odoo.env,
            check=False,
        )
        if res.returncode:
            raise SuiteError("updating the suite failed")
        targets = args.pytest_args or [
            *(str(ROOT / m / "tests") for m in MODULES),
            str(SUITE_TEST_DIR / SUITE_TEST_MODULE / "tests"),
        ]
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            f"--odoo-config={conf}",
            f"--odoo-database={RUN_DB}",
            "-p",
            "no:cacheprovider",
            *targets,
        ]
        return subprocess.run(cmd, env=odoo.env, cwd=ROOT, check=False).returncode
    finally:
        pg.stop()


def run_scripts(scripts, *, throwaway, script_args=()):
    """Run each script against a PostgreSQL server given in ``PGHOST``...: the private cluster
    of ``make run`` (a throwaway one when ``throwaway``), or PGHOST's. Return the failed count."""
    Odoo()  # fail early, with the instructions, when there is no Odoo
    pg = make_postgres(throwaway=throwaway)
    failed = 0
    try:
        pg.start()
        env = dict(os.environ, PGHOST=pg.host, PGPORT=str(pg.port), PGUSER=pg.user)
        if pg.password:
            env["PGPASSWORD"] = pg.password
        for script in scripts:
            say(f"running {script.name}")
            started = time.monotonic()
            failed += bool(
                subprocess.run(
                    [sys.executable, str(script), *script_args], env=env, cwd=ROOT, check=False
                ).returncode
            )
            say(f"{script.name}: {time.monotonic() - started:.0f}s")
    finally:
        pg.stop()
    return failed


def cmd_bench(args):
    """Run the bench/ scripts against the private cluster of ``make run`` (or PGHOST)."""
    scripts = [Path(s) for s in args.scripts] or sorted((ROOT / "bench").glob("bench_*.py"))
    return 1 if run_scripts(scripts, throwaway=False, script_args=args.script_args) else 0


def cmd_scale(args):
    """Month-end billing as production runs it (``tests/scale.py``), on a throwaway cluster."""
    failed = run_scripts([SCALE_SCRIPT], throwaway=True, script_args=args.script_args)
    print(count_line("scale", 0 if failed else 1, 1 if failed else 0), flush=True)
    return 1 if failed else 0


def cmd_i18n(_args):
    """Export each module's .pot from a fresh database, merge it into ru.po, count what is left.

    The database has the demo data, as Odoo's own are exported: the demo records' translatable
    texts (``model:...`` entries of their ids) are in the .pot and ru.po, and Odoo loads their
    Russian when the language is installed, as for its own demo data."""
    odoo = Odoo()
    pg = make_postgres(throwaway=True)
    workdir = Path(tempfile.mkdtemp(prefix="after-sales-i18n-"))
    dbname = f"after_sales_i18n_{os.getpid()}"
    untranslated = 0
    try:
        pg.start()
        conf = odoo.write_config(workdir / "odoo.conf", pg, data_dir=workdir / "data")
        base = [*odoo.cmd, "-c", str(conf), "-d", dbname]
        install = [*base, "-i", ",".join(MODULES), "--stop-after-init", "--with-demo", "--no-http"]
        say(f"installing {', '.join(MODULES)} in {dbname}")
        subprocess.run(install, env=odoo.env, check=True, stdout=subprocess.DEVNULL)
        for module in MODULES:
            pot = ROOT / module / "i18n" / f"{module}.pot"
            pot.parent.mkdir(exist_ok=True)
            export = [*odoo.cmd, "i18n", "export", "-c", str(conf), "-d", dbname, "-o", str(pot), module]
            subprocess.run(export, env=odoo.env, check=True, stdout=subprocess.DEVNULL)
            po = pot.parent / "ru.po"
            if po.exists():
                merge = ["msgmerge", "--quiet", "--no-fuzzy-matching", "-U", "--backup=none"]
                subprocess.run([*merge, str(po), str(pot)], check=True)
                subprocess.run(["msgattrib", "--no-obsolete", "-o", str(po), str(po)], check=True)
                check = subprocess.run(
                    ["msgfmt", "-c", "--statistics", "-o", os.devnull, str(po)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                say(f"{module}: {check.stderr.strip()}")
                left = re.search(r"(\d+) untranslated", check.stderr)
                untranslated += int(left.group(1)) if left else 0
                untranslated += check.returncode
    finally:
        pg.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if untranslated else 0


def cmd_shell(_args):
    odoo = Odoo()
    pg = make_postgres(throwaway=False)
    try:
        pg.start()
        conf, _fresh = _ensure_run_db(odoo, pg)
        return subprocess.run(
            [*odoo.cmd, "shell", "-c", str(conf), "-d", RUN_DB, "--no-http"],
            env=odoo.env,
            check=False,
        ).returncode
    finally:
        pg.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup", help="install what is missing, then check").set_defaults(func=cmd_setup)
    sub.add_parser("check", help="find Odoo 19").set_defaults(func=cmd_check)
    test = sub.add_parser("test", help="install in a fresh database and run every test")
    test.add_argument("--tags", help="Odoo --test-tags (default: every suite module)")
    test.add_argument("--demo", action="store_true", help="load demo data too")
    test.add_argument("--keep", action="store_true", help="keep the database (external server)")
    test.add_argument(
        "--no-replica",
        dest="replica",
        action="store_false",
        help="do not simulate a read-only replica (by default Odoo's --dev=replica: any read-only request "
        "that writes fails the run)",
    )
    test.set_defaults(func=cmd_test)
    run = sub.add_parser("run", help="serve the demo database on 127.0.0.1")
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8069")))
    run.add_argument(
        "--no-update", action="store_true", help="serve a reused database without updating the suite modules"
    )
    run.set_defaults(func=cmd_run)
    pytest = sub.add_parser("pytest", help="pytest-odoo against the run database")
    pytest.add_argument("pytest_args", nargs=argparse.REMAINDER)
    pytest.set_defaults(func=cmd_pytest)
    test_odoo = sub.add_parser("test-odoo", help="Odoo's own tests of the extended apps, suite installed")
    test_odoo.add_argument(
        "pytest_args", nargs=argparse.REMAINDER, help="test files instead of the selection"
    )
    test_odoo.set_defaults(func=cmd_test_odoo)
    total = sub.add_parser("total", help="sum the closing lines of finished runs")
    total.add_argument("names", nargs="+")
    total.set_defaults(func=cmd_total)
    sub.add_parser("shell", help="odoo shell on the run database").set_defaults(func=cmd_shell)
    sub.add_parser("i18n", help="export the .pot files, merge ru.po, count untranslated").set_defaults(
        func=cmd_i18n
    )
    bench = sub.add_parser("bench", help="run the bench/ scripts (all, or those given, with their options)")
    bench.add_argument("scripts", nargs="*")
    bench.set_defaults(func=cmd_bench)
    scale = sub.add_parser("scale", help="month-end billing under workers and the job runner")
    scale.set_defaults(func=cmd_scale)  # its other arguments are tests/scale.py's
    args, extra = parser.parse_known_args(argv)
    if args.command in ("scale", "bench"):
        args.script_args = extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.func(args)
    except SuiteError as exc:
        print(f"\n{exc}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
