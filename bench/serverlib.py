"""Odoo served as production runs it, for the scripts that measure or prove it over HTTP.

An Odoo server with ``--workers`` and ``--limit-time-real``, the OCA queue_job runner loaded
server-wide (``--load=base,web,queue_job``) with its channels in the configuration file, on the
database of a bench script; a JSON-RPC client that logs in and presses buttons as the web client
does; the per-request figures Odoo logs (queries, time in SQL) of the jobs it ran. The configuration
file and the free ports come from ``.ci/suite.py`` (the Makefile's logic). Not imported by the tests.
"""

import importlib.util
import itertools
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import requests
from benchlib import PG, ROOT, say

from odoo import Command


def create_biller(env, name, login, password=None):
    """The invoicing user who presses Run over HTTP: Accounting / Invoicing only, no After-Sales
    group (creating a billing run and pressing Run need no more: ``TestBatchRun.
    test_invoicing_user_without_after_sales_groups_runs_billing``). Without ``password``: a user
    for in-process runs, who never logs in."""
    return env["res.users"].create(
        {
            "name": name,
            "login": login,
            **({"password": password} if password else {}),
            "group_ids": [
                Command.link(env.ref("base.group_user").id),
                Command.link(env.ref("account.group_account_invoice").id),
            ],
        }
    )


def _load_suite():
    spec = importlib.util.spec_from_file_location("after_sales_ci_suite", ROOT / ".ci" / "suite.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


suite = _load_suite()
# a script, not ``-m odoo``: a server with workers re-runs its script for the bus's gevent process
LAUNCHER = Path(__file__).resolve().with_name("odoo_server.py")

# Odoo's access log line of a request: ... "GET /path HTTP/1.1" 200 - <queries> <SQL s> <other s>
ACCESS_RE = re.compile(
    r'"(?P<method>GET|POST) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d+) \S+ '
    r"(?P<queries>\d+) (?P<sql>[\d.]+) (?P<other>[\d.]+)"
)


class RpcError(Exception):
    """An error answered by Odoo's JSON-RPC."""


class OdooServer:
    """An Odoo server process of ``database`` with workers and the job runner; stop() ends it."""

    def __init__(self, database, data_dir, workdir, *, workers=2, limit_time_real=15, channels="root:2"):
        self.database = database
        self.data_dir = Path(data_dir)
        self.workdir = Path(workdir)
        self.workers = workers
        self.limit_time_real = limit_time_real
        self.channels = channels
        self.port = None
        self.proc = None
        self.log_path = self.workdir / f"odoo-{channels.replace(':', '-').replace(',', '_')}.log"

    def start(self, timeout=180):
        odoo = suite.Odoo()
        pg = suite.ExternalPostgres()  # the server of PGHOST..., as the bench scripts get it
        conf = odoo.write_config(
            self.workdir / "odoo-server.conf", pg, data_dir=self.data_dir, channels=self.channels
        )
        self.port = suite.free_port()
        cmd = [
            sys.executable,
            str(LAUNCHER),
            "-c",
            str(conf),
            "-d",
            self.database,
            "--db-filter",
            f"^{self.database}$",
            f"--workers={self.workers}",
            f"--limit-time-real={self.limit_time_real}",
            "--load=base,web,queue_job",
            "--http-interface=127.0.0.1",
            f"--http-port={self.port}",
            f"--gevent-port={suite.free_port()}",
            "--log-level=warn",
            # the access log carries each request's queries and time in SQL; the runner says
            # when it requeues a dead job
            "--log-handler=werkzeug:INFO",
            "--log-handler=odoo.addons.queue_job:INFO",
        ]
        env = dict(odoo.env)
        env.pop("ODOO_QUEUE_JOB_CHANNELS", None)  # the channels are the configuration file's
        with open(self.log_path, "w") as log:
            # a session of its own: stop() ends the server and the workers it forked, nothing else
            self.proc = subprocess.Popen(
                cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Odoo exited with code {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.url}/web/health", timeout=2).status_code == 200:
                    say(
                        f"Odoo serving {self.database} on {self.url}: --workers={self.workers} "
                        f"--limit-time-real={self.limit_time_real} --load=base,web,queue_job, "
                        f"[queue_job] channels = {self.channels}"
                    )
                    return self
            except requests.RequestException:
                pass
            time.sleep(1)
        raise RuntimeError(f"Odoo did not answer within {timeout} s:\n{self.log_tail()}")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def children(self):
        """PIDs of the processes the server forked (HTTP workers, the job runner, gevent)."""
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return {int(pid) for pid in path.read_text().split()} if path.exists() else set()

    def kill_worker(self, pid):
        """SIGKILL worker ``pid``, a process this server forked (refused otherwise)."""
        if pid not in self.children():
            raise RuntimeError(f"process {pid} is not a worker of this Odoo server ({self.proc.pid})")
        os.kill(pid, signal.SIGKILL)

    def stop(self):
        if not self.proc or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def log_tail(self, lines=40):
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def job_requests(self):
        """[(status, queries, SQL seconds, other seconds)] of the /queue_job/runjob requests served."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return [
            (int(m["status"]), int(m["queries"]), float(m["sql"]), float(m["other"]))
            for m in ACCESS_RE.finditer(text)
            if m["path"].startswith("/queue_job/runjob")
        ]

    def log_errors(self):
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return [line for line in text.splitlines() if " ERROR " in line or " CRITICAL " in line]


class WebClient:
    """JSON-RPC as Odoo's web client speaks it, with the session cookie of one login."""

    def __init__(self, server):
        self.server = server
        self.session = requests.Session()
        self.ids = itertools.count(1)
        self.context = {}

    def call(self, path, params, timeout=60):
        payload = {"jsonrpc": "2.0", "method": "call", "id": next(self.ids), "params": params}
        response = self.session.post(f"{self.server.url}{path}", json=payload, timeout=timeout)
        response.raise_for_status()
        answer = response.json()
        if answer.get("error"):
            error = answer["error"]
            raise RpcError(error.get("data", {}).get("message") or error.get("message"))
        return answer.get("result")

    def login(self, login, password):
        info = self.call(
            "/web/session/authenticate",
            {"db": self.server.database, "login": login, "password": password},
        )
        if not info or not info.get("uid"):
            raise RpcError(f"login {login} refused")
        self.context = dict(info.get("user_context") or {})
        return info["uid"]

    def call_kw(self, model, method, args, kwargs=None, timeout=60):
        kwargs = {"context": self.context, **(kwargs or {})}
        return self.call(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
            timeout=timeout,
        )

    def create(self, model, vals):
        """Save a new record as the form view does (``web_save``); return its id."""
        return self.call_kw(model, "web_save", [[], vals], {"specification": {"display_name": {}}})[0]["id"]

    def call_button(self, model, method, record_id, timeout=60):
        """Press a button of type object on a record, as the form view does."""
        return self.call(
            f"/web/dataset/call_button/{model}/{method}",
            {"model": model, "method": method, "args": [[record_id]], "kwargs": {"context": self.context}},
            timeout=timeout,
        )


def open_sql(dbname):
    """A psycopg2 connection (autocommit) to the bench's server, for the checks in SQL."""
    conn = psycopg2.connect(dbname=dbname, **PG)
    conn.autocommit = True
    return conn


# ------------------------------------------------------- billing runs, in SQL


def run_state(sql, run_id):
    with sql.cursor() as cr:
        cr.execute(
            """SELECT r.state,
                      (SELECT count(*) FROM account_move m WHERE m.after_sales_billing_run_id = r.id),
                      (SELECT count(*) FROM after_sales_billing_run_failure f WHERE f.run_id = r.id)
                 FROM after_sales_billing_run r WHERE r.id = %s""",
            [run_id],
        )
        return cr.fetchone()


def jobs_since(sql, job_id):
    """{state: count} of the jobs created after job ``job_id``."""
    with sql.cursor() as cr:
        cr.execute("SELECT state, count(*) FROM queue_job WHERE id > %s GROUP BY state", [job_id])
        return dict(cr.fetchall())


def last_job_id(sql):
    with sql.cursor() as cr:
        cr.execute("SELECT coalesce(max(id), 0) FROM queue_job")
        return cr.fetchone()[0]


def wait_done(sql, run_id, job_id, stall, answered):
    """Poll the run until done; (seconds, state, invoices). Gives up after ``stall`` s of no progress."""
    started = time.monotonic()
    last = (None, started)
    shown = started
    while True:
        state, invoices, __ = run_state(sql, run_id)
        now = time.monotonic()
        if state == "done":
            return now - started, state, invoices
        if invoices != last[0]:
            last = (invoices, now)
        jobs = jobs_since(sql, job_id)
        if not answered and not jobs:
            say("  the run enqueued no job and its request did not answer: nothing will finish it")
            return now - started, state, invoices
        if now - last[1] > stall:
            say(f"  no new invoice for {stall} s: state {state}, {invoices} invoices, jobs {jobs}")
            return now - started, state, invoices
        if now - shown >= 15:
            say(f"  ... {now - started:.0f} s: state {state}, {invoices} invoices, jobs {jobs}")
            shown = now
        time.sleep(0.5)
