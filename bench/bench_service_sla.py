#!/usr/bin/env python3
"""SLA cron and request list of after_sales_service at volume.

    python3 bench/bench_service_sla.py [--keep] [--requests N] [--units N] [--due N]

Creates a throwaway database (a copy of ``as_base`` when it exists on the server,
else an empty one), installs after_sales_service, generates 20,000 units and
100,000 service requests (half open) with bulk SQL, then measures:

(a) ``after_sales.request._cron_flag_sla_breaches``: run time and query count
    with 100 due requests, after doubling the open requests that are not due,
    and with 1,000 due; next to a naive walk over every open request. The cron
    flags the breaches and enqueues the escalations, one queue_job job per batch
    of due requests; the jobs are performed here, in the same process, and timed
    with the cron (both targets of each due request: an activity for the team
    leader and a note for the assigned user);
(a') the escalation per due request, batched (the jobs) and before batching
    (the former code, one request at a time: ``message_post`` and
    ``mail.activity.create`` per request, each in a savepoint, reproduced
    below), at 100 and 1,000 due: time and queries per request and the ratio;
(b) opening the request list as an After-Sales user: ``web_search_read`` of the
    first 80 open requests with the list view's fields and ``web_read_group`` of
    the stage counts; next to the same two calls on Odoo's ``repair.order``
    with as many generated rows (its own list view, grouped by state).

PostgreSQL: ``PGHOST``/``PGPORT``/``PGUSER``/``PGPASSWORD``, default the private
server of the dev loop (127.0.0.1:54320, user odoo). The database is dropped at
the end unless ``--keep`` is given. Not imported by the tests.
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import time

from benchlib import PG, BenchDatabase, create_customers_and_machines, measure_cold, say

from odoo import Command, fields
from odoo.modules.registry import Registry
from odoo.tools import split_every

BENCH = BenchDatabase("as_bench_service_sla", "after_sales_service")
DB = BENCH.name
TEMPLATE = BENCH.template
create_database = BENCH.create
drop_database = BENCH.drop
install = BENCH.install
open_env = BENCH.open_env
CUSTOMERS = 2000
PRODUCTS = 50
RUNS = 5


# ---------------------------------------------------------------- database


# -------------------------------------------------------------------- data


def create_masters(env):
    """Customers, products, teams, a user and an SLA policy through the ORM."""
    customers, products = create_customers_and_machines(env, CUSTOMERS, PRODUCTS)
    teams = env["after_sales.team"].create([{"name": f"Bench Team {i}"} for i in range(5)])
    user = env["res.users"].create(
        {
            "name": "Bench Service Desk",
            "login": "bench_service_desk",
            "group_ids": [
                Command.set(
                    [
                        env.ref("base.group_user").id,
                        env.ref("after_sales_service.group_after_sales_user").id,
                        env.ref("stock.group_stock_user").id,
                    ]
                )
            ],
        }
    )
    policy = env["after_sales.sla.policy"].create(
        {
            "name": "Bench 8x5",
            "target_ids": [
                Command.create(
                    {"priority": str(p), "response_hours": 8 - 2 * p, "resolution_hours": 40 - 8 * p}
                )
                for p in range(4)
            ],
        }
    )
    env.flush_all()
    return customers, products, teams, user, policy


def generate_units(env, count):
    env.cr.execute(
        """
        WITH c AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn FROM res_partner
                    WHERE name LIKE 'Bench Customer %%'),
             p AS (SELECT pp.id, pt.name->>'en_US' AS name, row_number() OVER (ORDER BY pp.id) - 1 AS rn
                     FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id
                    WHERE pt.name->>'en_US' LIKE 'Bench Machine %%')
        INSERT INTO after_sales_equipment
            (name, active, company_id, product_id, partner_id, state, delivery_date,
             create_uid, write_uid, create_date, write_date)
        SELECT p.name, TRUE, %(company)s, p.id, c.id,
               CASE WHEN g %% 50 = 0 THEN 'decommissioned' ELSE 'in_service' END,
               (now() - (g %% 1500) * interval '1 day')::date, 1, 1, now(), now()
          FROM generate_series(0, %(count)s - 1) g
          JOIN c ON c.rn = g %% %(customers)s
          JOIN p ON p.rn = g %% %(products)s
        """,
        {"company": env.company.id, "count": count, "customers": CUSTOMERS, "products": PRODUCTS},
    )


def generate_requests(env, refs, start, count, kind, due=0):
    """Insert ``count`` requests numbered from ``start``.

    kind "history": closed, resolved or cancelled over two years, with reached dates,
    resolution time, compliance and breached flags as the model computes them.
    kind "open": open requests that are not due: recent with future deadlines, paused
    while waiting for the customer, or already flagged breached. The first ``due``
    of them are in New with both deadlines past and no flag: the cron's work.
    """
    params = {
        **refs,
        "start": start,
        "stop": start + count - 1,
        "due_stop": start + due - 1,
        "history": kind == "history",
    }
    env.cr.execute("SELECT count(*) FROM after_sales_equipment")
    params["units"] = env.cr.fetchone()[0]
    env.cr.execute(
        """
        WITH u AS (SELECT e.id, e.partner_id, e.product_id, pt.categ_id,
                          row_number() OVER (ORDER BY e.id) - 1 AS rn
                     FROM after_sales_equipment e
                     JOIN product_product pp ON pp.id = e.product_id
                     JOIN product_template pt ON pt.id = pp.product_tmpl_id),
             k AS (
            SELECT g,
                   CASE WHEN %(history)s THEN
                            CASE WHEN g %% 20 = 0 THEN 'cancel'
                                 WHEN g %% 7 = 0 THEN 'resolved' ELSE 'closed' END
                        WHEN g <= %(due_stop)s THEN 'due'
                        -- open for days, its resolution deadline missed and already flagged
                        WHEN g %% 10 = 1 THEN 'flagged'
                        ELSE (ARRAY['new', 'progress', 'progress', 'waiting', 'parts'])[g %% 5 + 1]
                   END AS kind
              FROM generate_series(%(start)s, %(stop)s) g),
             s AS (
            SELECT k.g, k.kind, u.id AS unit_id, u.partner_id, u.product_id, u.categ_id,
                   CASE WHEN k.kind IN ('cancel', 'resolved', 'closed') THEN
                            now() - interval '3 days' - (k.g %% 700) * interval '1 day'
                                  - (k.g %% 9) * interval '1 hour'
                        WHEN k.kind = 'due' THEN now() - interval '3 days'
                        WHEN k.kind = 'flagged' THEN
                            now() - interval '5 days' - (k.g %% 40) * interval '1 hour'
                        ELSE now() - (k.g %% 40) * interval '1 hour' END AS date_open,
                   CASE k.kind WHEN 'cancel' THEN %(stage_cancel)s WHEN 'resolved' THEN %(stage_resolved)s
                        WHEN 'closed' THEN %(stage_closed)s WHEN 'due' THEN %(stage_new)s
                        WHEN 'new' THEN %(stage_new)s WHEN 'waiting' THEN %(stage_waiting)s
                        WHEN 'parts' THEN %(stage_parts)s ELSE %(stage_progress)s END AS stage_id,
                   k.kind IN ('closed', 'cancel') AS is_closed,
                   k.kind IN ('closed', 'resolved') AS is_resolved,
                   k.kind IN ('cancel', 'resolved', 'closed', 'due', 'flagged') AS past,
                   (k.g %% 4)::text AS priority
              FROM k JOIN u ON u.rn = k.g %% %(units)s)
        INSERT INTO after_sales_request
            (name, title, active, company_id, partner_id, equipment_id, product_id, product_categ_id,
             request_type, channel, cause_id, lifecycle_stage, damage_amount, priority, team_id,
             user_id, stage_id, is_closed, is_resolved, date_open, date_closed, kanban_state, color,
             sla_policy_id, sla_response_deadline, sla_resolution_deadline, sla_response_date,
             sla_resolution_date, sla_response_breached, sla_resolution_breached, sla_paused_hours,
             sla_paused_since, resolution_time, sla_compliance, rating_last_value, resolution,
             sla_escalation_next, sla_resolution_escalated_at,
             create_uid, write_uid, create_date, write_date)
        SELECT 'SR' || lpad(g::text, 7, '0'), 'Bench request ' || g, TRUE, %(company)s,
               partner_id, unit_id, product_id, categ_id,
               (ARRAY['consultation', 'claim', 'repair', 'repair', 'preventive', 'installation',
                      'commissioning', 'training', 'modernization'])[g %% 9 + 1],
               (ARRAY['phone', 'email', 'portal', 'visit'])[g %% 4 + 1],
               (%(causes)s::int[])[g %% cardinality(%(causes)s::int[]) + 1],
               (ARRAY['delivery', 'installation', 'operation', 'operation', 'storage'])[g %% 5 + 1],
               (g %% 50) * 100, priority,
               (%(teams)s::int[])[g %% cardinality(%(teams)s::int[]) + 1],
               %(user)s, stage_id, is_closed, is_resolved, date_open,
               CASE WHEN is_closed THEN date_open + interval '30 hours' END,
               'normal', 0, %(policy)s,
               CASE WHEN past THEN date_open + interval '8 hours'
                    ELSE now() + (g %% 30 + 1) * interval '1 hour' END,
               CASE WHEN past THEN date_open + interval '2 days'
                    ELSE now() + interval '2 days' + (g %% 30) * interval '1 hour' END,
               -- first response when the request left New; late for one closed request in nine
               CASE WHEN kind IN ('new', 'due') THEN NULL
                    WHEN is_closed OR is_resolved THEN
                        date_open + CASE WHEN g %% 9 = 0 THEN interval '10 hours' ELSE interval '2 hours' END
                    ELSE date_open + interval '30 minutes' END,
               CASE WHEN is_resolved THEN date_open + interval '30 hours' END,
               (is_closed OR is_resolved) AND g %% 9 = 0,
               -- the cron flagged these long ago (cancelled requests never reach a resolution)
               kind IN ('flagged', 'cancel'),
               0.0,
               CASE WHEN kind = 'waiting' THEN now() - interval '1 hour' END,
               CASE WHEN is_resolved THEN 30.0 ELSE 0.0 END,
               CASE WHEN is_resolved AND g %% 9 <> 0 THEN 100.0 ELSE 0.0 END,
               CASE WHEN is_resolved AND g %% 3 = 0 THEN (ARRAY[1, 3, 5, 5])[g %% 4 + 1] ELSE 0 END,
               CASE WHEN is_closed THEN '<p>Done</p>' END,
               -- next escalation: past for the due, ahead for the running, none when paused or done
               CASE WHEN kind = 'due' THEN date_open + interval '8 hours'
                    WHEN kind = 'new' THEN now() + (g %% 30 + 1) * interval '1 hour'
                    WHEN kind IN ('progress', 'parts') THEN
                        now() + interval '2 days' + (g %% 30) * interval '1 hour'
                    END,
               CASE WHEN kind = 'flagged' THEN date_open + interval '2 days' END,
               1, 1, date_open, date_open
          FROM s
        """,
        params,
    )


def generate_repairs(env, products, customers, count):
    """``count`` repair orders copied from one made by the ORM, half of them open."""
    template = env["repair.order"].create({"product_id": products[0].id, "partner_id": customers[0].id})
    env.flush_all()
    env.cr.execute(
        """SELECT column_name FROM information_schema.columns
            WHERE table_name = 'repair_order' AND column_name <> 'id'"""
    )
    columns = [row[0] for row in env.cr.fetchall()]
    overrides = {
        "name": "'RO/' || lpad(g::text, 7, '0')",
        "partner_id": "(%(customers)s::int[])[g %% cardinality(%(customers)s::int[]) + 1]",
        "product_id": "(%(products)s::int[])[g %% cardinality(%(products)s::int[]) + 1]",
        "state": "(ARRAY['draft', 'confirmed', 'under_repair', 'done', 'done', 'cancel'])[g %% 6 + 1]",
        "schedule_date": "now() - (g %% 700) * interval '1 day'",
        "create_date": "now() - (g %% 700) * interval '1 day'",
        "write_date": "now() - (g %% 700) * interval '1 day'",
    }
    select = ", ".join(overrides.get(column, f'r."{column}"') for column in columns)
    names = ", ".join(f'"{column}"' for column in columns)
    env.cr.execute(
        f"""
        INSERT INTO repair_order ({names})
        SELECT {select} FROM repair_order r, generate_series(1, %(count)s) g WHERE r.id = %(template)s
        """,  # column names come from the catalogue
        {
            "count": count,
            "template": template.id,
            "customers": customers.ids,
            "products": products.ids,
        },
    )
    # the ORM's template order also had its name from the sequence: drop it for a round figure
    template.unlink()


# ----------------------------------------------------------------- measure


def list_spec(env, model):
    """The ``web_search_read`` specification the web client sends for ``model``'s list view."""
    view = env[model].get_views([(False, "list")])
    fields_info = view["models"][model]["fields"]
    spec = {}
    for name, info in fields_info.items():
        if info["type"] in ("many2one", "many2many", "one2many"):
            spec[name] = {"fields": {"display_name": {}}}
        else:
            spec[name] = {}
    return spec


def perform_escalation_jobs(env):
    """Perform the pending SLA escalation jobs here, as a job worker would; then forget them."""
    # imported once Odoo's addons path is set (by open_env)
    from odoo.addons.queue_job.job import Job

    jobs = env["queue.job"].search([("method_name", "=", "_escalate_sla"), ("state", "=", "pending")])
    for uuid in jobs.mapped("uuid"):
        Job.load(env, uuid).perform()
    jobs.unlink()
    return len(jobs)


def legacy_escalate_sla(requests, now):
    """The escalation before batching (2026-11-29), one request at a time: what it cost."""
    users = requests._get_sla_escalation_users()
    for request in requests:
        due = {key: when for key, when in request._get_sla_escalations_pending().items() if when <= now}
        if not due:
            continue
        with request.env.cr.savepoint():
            target = request.sla_policy_id._target_for(request.priority)
            activity_vals, vals = [], {}
            for kind in ("response", "resolution"):
                level = next((lv for lv in ("breach", "warning") if (kind, lv) in due), None)
                if not level:
                    continue
                names = request._sla_fields(kind)
                vals[names.escalated_at if level == "breach" else names.warned_at] = now
                summary, body = request._prepare_sla_escalation_message(kind, level)
                if users[request.id]:
                    activity_vals.append(
                        request._prepare_sla_escalation_activity_vals(users[request.id], summary, body)
                    )
                request.message_post(
                    body=body, subtype_xmlid="mail.mt_note", partner_ids=request.user_id.partner_id.ids
                )
                if level == "breach" and target.breach_reassign and request.team_id.user_id:
                    vals["user_id"] = request.team_id.user_id.id
            request._write_unchecked(vals)
            if activity_vals:
                request.env["mail.activity"].create(activity_vals)


def reset_due(env, due_ids):
    env.flush_all()
    env.cr.execute(
        """UPDATE after_sales_request
                  SET sla_response_breached = FALSE, sla_resolution_breached = FALSE, sla_compliance = 0,
                      sla_response_escalated_at = NULL, sla_resolution_escalated_at = NULL,
                      sla_response_warned_at = NULL, sla_resolution_warned_at = NULL,
                      sla_escalation_next = sla_response_deadline
            WHERE id = ANY(%s)""",
        [due_ids],
    )
    env.invalidate_all()


def escalation_run(env, due_ids, legacy=False, runs=3):
    """(median seconds, queries) of escalating ``due_ids`` (flags set first): the jobs of their
    batches, or the former per-request code; reset before each run."""
    times, queries = [], 0
    Request = env["after_sales.request"]
    for _ in range(runs):
        reset_due(env, due_ids)
        now = fields.Datetime.now()
        Request._flag_sla_breaches(now)
        env.flush_all()
        requests = Request.search(Request._get_sla_escalation_domain(now), order="sla_escalation_next, id")
        env.invalidate_all()
        before = env.cr.sql_log_count
        start = time.perf_counter()
        if legacy:
            legacy_escalate_sla(Request.browse(requests.ids), now)
        else:
            for ids in split_every(Request._sla_escalation_batch_size, requests.ids):
                Request.browse(ids)._escalate_sla(now)
        env.flush_all()
        times.append(time.perf_counter() - start)
        queries = env.cr.sql_log_count - before
        env.cr.execute(
            """SELECT count(*) FROM after_sales_request
                WHERE id = ANY(%s) AND sla_resolution_escalated_at IS NOT NULL""",
            [due_ids],
        )
        if env.cr.fetchone()[0] != len(due_ids):
            sys.exit(f"the escalation missed some of the {len(due_ids)} due requests")
    return statistics.median(times), queries


def cron_run(env, due_ids, runs=3, flags_only=False):
    """(median seconds, queries) of the cron flagging and escalating ``due_ids`` (its jobs
    performed in the same process), reset before each run."""
    times, queries = [], 0
    for _ in range(runs):
        reset_due(env, due_ids)
        before = env.cr.sql_log_count
        start = time.perf_counter()
        if flags_only:
            env["after_sales.request"]._flag_sla_breaches(fields.Datetime.now())
        else:
            env["after_sales.request"]._cron_flag_sla_breaches()
            perform_escalation_jobs(env)
        env.flush_all()
        times.append(time.perf_counter() - start)
        queries = env.cr.sql_log_count - before
        env.cr.execute(
            """SELECT count(*) FILTER (WHERE sla_resolution_breached),
                      count(*) FILTER (WHERE sla_resolution_escalated_at IS NOT NULL)
                 FROM after_sales_request WHERE id = ANY(%s)""",
            [due_ids],
        )
        flagged, escalated = env.cr.fetchone()
        if flagged != len(due_ids) or escalated != (0 if flags_only else len(due_ids)):
            sys.exit(f"the cron flagged {flagged} and escalated {escalated} of {len(due_ids)} due requests")
    return statistics.median(times), queries


def open_counts(env):
    env.cr.execute(
        """SELECT count(*) FILTER (WHERE NOT is_closed),
                  count(*) FILTER (WHERE NOT is_closed AND sla_resolution_deadline < now()
                                   AND sla_resolution_breached IS NOT TRUE
                                   AND sla_resolution_date IS NULL AND sla_paused_since IS NULL),
                  count(*)
             FROM after_sales_request"""
    )
    return env.cr.fetchone()


def explain_cron(env):
    Request = env["after_sales.request"]
    now = fields.Datetime.now()
    plans = []
    for domain in (
        Request._get_sla_breach_domain("resolution", now),
        Request._get_sla_escalation_domain(now),
    ):
        query = Request._search(domain)
        env.cr.execute(f"EXPLAIN {query.select().code}", query.select().params)
        plan = [row[0] for row in env.cr.fetchall()]
        plans.append(
            " / ".join(line.strip().split("  (cost")[0] for line in plan if "Scan" in line or "->" in line)
        )
    return " | escalation: ".join(plans)


def ms(seconds):
    return f"{seconds * 1000:9.1f} ms"


def prepare(env, options):
    """Masters, units, requests (half open, 100 due) and repair orders; committed."""
    customers, products, teams, user, policy = create_masters(env)
    generate_units(env, options.units)
    stages = {
        "stage_new": "stage_new",
        "stage_progress": "stage_in_progress",
        "stage_waiting": "stage_waiting_customer",
        "stage_parts": "stage_waiting_parts",
        "stage_resolved": "stage_resolved",
        "stage_closed": "stage_closed",
        "stage_cancel": "stage_cancelled",
    }
    refs = {
        "company": env.company.id,
        "user": user.id,
        "policy": policy.id,
        "teams": teams.ids,
        "causes": env["after_sales.cause"].search([]).ids,
        **{key: env.ref(f"after_sales_service.{xmlid}").id for key, xmlid in stages.items()},
    }
    half = options.requests // 2
    generate_requests(env, refs, 1, half, "open", due=100)
    generate_requests(env, refs, half + 1, options.requests - half, "history")
    generate_repairs(env, products, customers, options.requests)
    env.cr.commit()
    BENCH.vacuum("after_sales_request", "after_sales_equipment", "repair_order")
    env.invalidate_all()
    return refs, user


def bench_cron(env, refs, options):
    """Cron rows (label, seconds, queries), the naive walk (seconds, queries) and the plan."""
    open_, _due, _total = open_counts(env)
    env.cr.execute("SELECT id FROM after_sales_request WHERE name <= 'SR0000100' ORDER BY id")
    due_100 = [row[0] for row in env.cr.fetchall()]
    env["after_sales.request"]._cron_flag_sla_breaches()  # warm the ormcache, as a live server has it
    perform_escalation_jobs(env)
    rows = [
        (f"flags only: 100 due of {open_:,} open", *cron_run(env, due_100, flags_only=True)),
        (f"100 due of {open_:,} open", *cron_run(env, due_100)),
    ]
    plan = explain_cron(env)
    naive, naive_queries, _result = measure_cold(
        env,
        lambda: (
            env["after_sales.request"]
            .search_fetch(
                [("is_closed", "=", False)],
                ["sla_response_deadline", "sla_resolution_deadline", "sla_paused_since"],
            )
            .mapped("sla_resolution_deadline")
        ),
        runs=3,
    )
    # twice as many open requests that are not due
    half = options.requests // 2
    generate_requests(env, refs, options.requests + 1, half, "open")
    env.cr.execute("ANALYZE after_sales_request")
    open_2, _due, _total = open_counts(env)
    rows.append((f"flags only: 100 due of {open_2:,} open", *cron_run(env, due_100, flags_only=True)))
    rows.append((f"100 due of {open_2:,} open", *cron_run(env, due_100)))
    env.cr.execute(
        """UPDATE after_sales_request SET sla_resolution_deadline = now() - interval '1 day',
                  sla_response_deadline = now() - interval '2 days',
                  sla_escalation_next = now() - interval '2 days'
            WHERE id IN (SELECT id FROM after_sales_request WHERE NOT is_closed AND stage_id = %s
                          ORDER BY id LIMIT %s) RETURNING id""",
        [refs["stage_new"], options.due],
    )
    due_many = [row[0] for row in env.cr.fetchall()]
    many = f"{len(due_many):,} due"
    rows.append((f"{many} of {open_2:,} open", *cron_run(env, due_many)))
    escalations = []
    for label, ids in (("100 due", due_100), (many, due_many)):
        escalations.append(
            (label, len(ids), escalation_run(env, ids), escalation_run(env, ids, legacy=True, runs=1))
        )
    env.cr.rollback()  # back to the generated 100,000 for the list
    # the 50,000 rows inserted and rolled back above leave dead tuples in after_sales_request
    # only (not in repair_order): vacuum them as autovacuum would before the lists are compared
    BENCH.vacuum("after_sales_request")
    env.invalidate_all()
    return rows, (naive, naive_queries), plan, escalations


def bench_list(env, user):
    """[(label, ours, odoo's)] of opening the lists, each (seconds, queries, result)."""
    uenv = env(user=user.id, context={"lang": "en_US", "tz": "UTC", "bin_size": True})
    Request = uenv["after_sales.request"]
    Repair = uenv["repair.order"]
    request_domain = [("is_closed", "=", False)]
    repair_domain = [("state", "not in", ("done", "cancel"))]
    request_spec = list_spec(uenv, "after_sales.request")
    repair_spec = list_spec(uenv, "repair.order")
    rows = [
        (
            "web_search_read, 80 rows",
            measure_cold(uenv, lambda: Request.web_search_read(request_domain, request_spec, limit=80), RUNS),
            measure_cold(uenv, lambda: Repair.web_search_read(repair_domain, repair_spec, limit=80), RUNS),
        ),
        (
            "web_read_group stage counts",
            measure_cold(
                uenv, lambda: Request.web_read_group(request_domain, ["stage_id"], ["__count"]), RUNS
            ),
            measure_cold(uenv, lambda: Repair.web_read_group(repair_domain, ["state"], ["__count"]), RUNS),
        ),
    ]
    counts = (Request.search_count(request_domain), Repair.search_count(repair_domain))
    return rows, counts, (len(request_spec), len(repair_spec))


def bench_xlsx(env, user):
    """(rows, seconds, queries, bytes) of the registry export of the last 30 days."""
    uenv = env(user=user.id, context={"lang": "en_US", "tz": "UTC"})
    today = fields.Date.context_today(uenv["after_sales.request"])
    wizard = uenv["after_sales.request.xlsx.wizard"].create(
        {"date_from": fields.Date.subtract(today, days=30), "date_to": today}
    )
    uenv.invalidate_all()
    before = env.cr.sql_log_count
    start = time.perf_counter()
    action = wizard.action_export()
    seconds = time.perf_counter() - start
    queries = env.cr.sql_log_count - before
    attachment = uenv["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
    rows = len(wizard._get_requests())
    return rows, seconds, queries, attachment.file_size


def report_escalations(escalations):
    say("")
    say(
        "(a') SLA escalation per due request (two escalations each: a note and an activity), "
        "batched jobs vs the former per-request code"
    )
    say(
        f"    {'case':<12} {'batched':>12} {'ms/req':>8} {'q/req':>7} "
        f"{'before':>12} {'ms/req':>8} {'q/req':>7} {'time ratio':>10} {'query ratio':>11}"
    )
    for label, count, (ours, our_q), (before, before_q) in escalations:
        say(
            f"    {label:<12} {ms(ours):>12} {ours * 1000 / count:>8.2f} {our_q / count:>7.1f} "
            f"{ms(before):>12} {before * 1000 / count:>8.2f} {before_q / count:>7.1f} "
            f"{ours / before:>10.2f} {our_q / before_q:>11.2f}"
        )


def report(cron_rows, naive, plan, list_rows, counts, spec_sizes, xlsx):
    say("")
    say("(a) SLA cron _cron_flag_sla_breaches, flags and escalations (median of 3 runs, as the cron user)")
    say(f"    {'case':<36} {'time':>12} {'queries':>8}")
    for label, seconds, queries in cron_rows:
        say(f"    {label:<36} {ms(seconds):>12} {queries:>8}")
    say(f"    {'reference: read every open request':<36} {ms(naive[0]):>12} {naive[1]:>8}")
    say(
        "    ratio flags only (100 due of 50k open) / reading every open request: "
        f"{cron_rows[0][1] / naive[0]:.3f}"
    )
    say(f"    plan of the due search: {plan}")
    say("")
    say(
        f"(b) opening the list as an After-Sales user: {counts[0]:,} open requests "
        f"({spec_sizes[0]} list fields) vs Odoo's repair.order: {counts[1]:,} open repair orders "
        f"({spec_sizes[1]} list fields); median of {RUNS} runs, cold record cache"
    )
    say(f"    {'call':<30} {'after_sales.request':>20} {'q':>4} {'repair.order':>14} {'q':>4} {'ratio':>6}")
    total_ours = total_odoo = 0.0
    for label, (ours, our_queries, _r1), (odoo_, odoo_queries, _r2) in list_rows:
        total_ours += ours
        total_odoo += odoo_
        say(
            f"    {label:<30} {ms(ours):>20} {our_queries:>4} {ms(odoo_):>14} "
            f"{odoo_queries:>4} {ours / odoo_:>6.2f}"
        )
    ratio = total_ours / total_odoo
    say(f"    {'total':<30} {ms(total_ours):>20} {'':>4} {ms(total_odoo):>14} {'':>4} {ratio:>6.2f}")
    say("")
    say(
        f"(c) XLSX registry export of the last 30 days: {xlsx[0]:,} requests, {ms(xlsx[1]).strip()}, "
        f"{xlsx[2]} queries, {xlsx[3] / 1024:,.0f} KiB"
    )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument(
        "--due", type=int, default=1_000, help="due requests of the large escalation case (default 1,000)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database for a look afterwards")
    options = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="bench_service_sla_")
    started = time.perf_counter()
    env = None
    try:
        copied = create_database()
        say(f"database {DB} ({'copy of ' + TEMPLATE if copied else 'empty'}) on {PG['host']}:{PG['port']}")
        step = time.perf_counter()
        install(data_dir)
        say(f"after_sales_service installed in {time.perf_counter() - step:.0f} s")
        env = open_env(data_dir)
        step = time.perf_counter()
        refs, user = prepare(env, options)
        open_, due, total = open_counts(env)
        say(
            f"generated {options.units:,} units, {total:,} requests ({open_:,} open, {due} due) and "
            f"{options.requests:,} repair orders in {time.perf_counter() - step:.0f} s"
        )
        cron_rows, naive, plan, escalations = bench_cron(env, refs, options)
        list_rows, counts, spec_sizes = bench_list(env, user)
        xlsx = bench_xlsx(env, user)
        report(cron_rows, naive, plan, list_rows, counts, spec_sizes, xlsx)
        report_escalations(escalations)
        say(f"\ndone in {time.perf_counter() - started:.0f} s")
    finally:
        if env is not None:
            env.cr.rollback()
            env.cr.close()
            Registry.delete(DB)
        if not options.keep:
            drop_database()
            say(f"database {DB} dropped")
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
