"""The fiscal journal at scale: 1 million documents on 2 000 devices (not a test).

Fills a database (see ``odoo_bench``: a copy of ``--template`` by default, dropped at the end)
with ``--devices`` devices and ``--documents`` fiscal documents generated in SQL
(``INSERT ... SELECT generate_series``, copies of one row made by the ORM so that every column
holds what the ORM writes), runs ANALYZE, then times what the screens and the crons ask, through
the ORM as the web client and the crons do (medians of ``--rounds``):

- the journal list (first page, newest first, the web client's count limit), and its "To
  resolve" filter;
- the device dashboard: the devices' list with their document counts, and the pending /
  unknown counts per device;
- the pending / unknown searches: every document waiting for a resolution, and the journal's
  look-up of one source record's pending document (each Fiscalize does it);
- the scheduled shift close's due-device search (the devices, and for a device without shift
  state the first document since its last Z report).

    /opt/odoo18/venv/bin/python bench/bench_journal_scale.py [--documents 1000000]
        [--devices 2000] [--database DB | --template fd_base] [--odoo /opt/odoo18/src]

With ``--database`` the generated rows (uuid ``bench-...``) are deleted at the end unless
``--keep``. Goal (issue 14): every search under 100 ms.
"""

# pylint: disable=print-used  # a command-line program: its output is for the terminal

from __future__ import annotations

import argparse
import statistics
import time

from odoo_bench import add_arguments, odoo_registry

LIST_FIELDS = {
    name: {}
    for name in (
        "create_date",
        "name",
        "kind",
        "source_name",
        "short_document_id",
        "document_number",
        "amount_total",
        "error_code",
        "state",
    )
}
LIST_FIELDS.update(
    {
        "device_id": {"fields": {"display_name": {}}},
        "currency_id": {"fields": {}},
        "user_id": {"fields": {"display_name": {}}},
    }
)
# the web client counts the records of a list up to this many
COUNT_LIMIT = 10001


def columns(cr, table: str) -> list[str]:
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "AND column_name <> 'id' ORDER BY ordinal_position",
        (table,),
    )
    return [row[0] for row in cr.fetchall()]


def fill(env, devices: int, documents: int) -> None:
    """Generate the devices and documents in SQL, from one ORM-made row of each."""
    cr = env.cr
    company = env.ref("base.main_company")
    seed = env["fiscal.device"].create(
        {"name": "bench-seed", "kind": "n5", "company_id": company.id, "port": "/dev/null"}
    )
    seed_document = env["fiscal.document"].create(
        {
            "device_id": seed.id,
            "company_id": company.id,
            "kind": "sale",
            "state": "done",
            "uuid": "bench-seed",
            "currency_id": company.currency_id.id,
            "request_json": '{"lines": []}',
            "answer_json": '{"code": "0"}',
            "res_model": "pos.order",
            "res_id": 1,
            "source_name": "Bench order",
            "amount_total": 12.5,
            "document_number": 1,
            "short_document_id": "BENCH",
        }
    )
    env.flush_all()
    names = columns(cr, "fiscal_device")
    chosen = {"name": "'bench-' || g"}
    cr.execute(
        f"INSERT INTO fiscal_device ({', '.join(names)}) "
        f"SELECT {', '.join(chosen.get(n, n) for n in names)} "
        "FROM fiscal_device, generate_series(1, %s) AS g WHERE fiscal_device.id = %s",
        (devices - 1, seed.id),
    )
    cr.execute("SELECT array_agg(id ORDER BY id) FROM fiscal_device WHERE name LIKE 'bench-%%'")
    device_ids = cr.fetchone()[0]
    names = columns(cr, "fiscal_document")
    # mostly done sales; 1 in 1000 pending (sending / unknown), 1 in 200 failed, a Z report
    # every 500 documents of each device; sources alternate between orders and invoices
    chosen = {
        "uuid": "'bench-' || g",
        "device_id": "(%(devices)s)[1 + g %% %(count)s]",
        "state": (
            "CASE WHEN g %% 1000 = 7 THEN 'sending' WHEN g %% 1000 = 9 THEN 'unknown' "
            "WHEN g %% 200 = 3 THEN 'failed' ELSE 'done' END"
        ),
        "kind": (
            "CASE WHEN (g / %(count)s) %% 500 = 11 THEN 'z_report' WHEN g %% 10 = 5 THEN 'storno' "
            "WHEN g %% 2 = 0 THEN 'sale' ELSE 'invoice' END"
        ),
        "res_model": "CASE WHEN g %% 2 = 0 THEN 'pos.order' ELSE 'account.move' END",
        "res_id": "g",
        "name": "'Bench ' || g",
        "document_number": "g",
        "sent_at": "now() - make_interval(secs => (%(total)s - g) * 30)",
        "create_date": "now() - make_interval(secs => (%(total)s - g) * 30)",
    }
    cr.execute(
        f"INSERT INTO fiscal_document ({', '.join(names)}) "
        f"SELECT {', '.join(chosen.get(n, n) for n in names)} "
        "FROM fiscal_document, generate_series(1, %(total)s) AS g "
        "WHERE fiscal_document.id = %(seed)s",
        {
            "devices": device_ids,
            "count": len(device_ids),
            "total": documents - 1,
            "seed": seed_document.id,
        },
    )
    env.invalidate_all()


def timed(action, rounds: int) -> float:
    action()  # warm the caches as a second request would
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def searches(env) -> dict:
    """What the screens and crons ask, as callables on ``env``."""
    Document = env["fiscal.document"]
    Device = env["fiscal.device"]
    resolve = [("state", "in", ("sending", "unknown", "failed"))]
    device = Device.search([("name", "like", "bench-")], limit=1, order="id desc")
    some_devices = Device.search([], limit=80)
    env.cr.execute(
        "SELECT res_model, res_id FROM fiscal_document WHERE uuid LIKE 'bench-%%' "
        "ORDER BY id DESC LIMIT 1"
    )
    res_model, res_id = env.cr.fetchone()
    source = env[res_model].browse(res_id)

    def journal_list(domain=()):
        def run():
            Document.invalidate_model()
            Document.web_search_read(list(domain), LIST_FIELDS, limit=80, count_limit=COUNT_LIMIT)

        return run

    def dashboard():
        Device.invalidate_model()
        devices = Device.search([], limit=80)
        devices.mapped("document_count")
        Document._read_group(
            [("device_id", "in", devices.ids), ("state", "in", ("sending", "unknown"))],
            ["device_id", "state"],
            ["__count"],
        )

    return {
        "journal list, first page": journal_list(),
        "journal list, 'To resolve'": journal_list(resolve),
        "device dashboard (80 devices, counts)": dashboard,
        "pending / unknown documents, all": lambda: Document.search(
            [("state", "in", ("sending", "unknown"))]
        ),
        "pending / unknown count per device": lambda: Document._read_group(
            [("state", "in", ("sending", "unknown"))], ["device_id"], ["__count"]
        ),
        "a source's pending document (each Fiscalize)": lambda: Document._pending_for(
            source, Document._kind_group("sale")
        ),
        "cron: due-device search": lambda: Device.search([]),
        "cron: first document of a shift (N5)": lambda: device._first_document_of_shift(),
        "cron: first document of a shift, per device of 80": lambda: [
            d._first_document_of_shift() for d in some_devices
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--devices", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=7)
    add_arguments(parser)
    args = parser.parse_args()
    with odoo_registry(args) as registry:
        import odoo

        started = time.monotonic()
        with registry.cursor() as cr:
            fill(odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}), args.devices, args.documents)
        filled = time.monotonic() - started
        with registry.cursor() as cr:
            cr.execute("ANALYZE fiscal_device")
            cr.execute("ANALYZE fiscal_document")
        print(
            f"{args.documents} documents on {args.devices} devices generated in {filled:.0f} s "
            f"(+ ANALYZE {time.monotonic() - started - filled:.0f} s)"
        )
        try:
            with registry.cursor() as cr:
                env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                print(f"{'search':52} {'median ms':>10}  (goal < 100 ms)")
                for name, action in searches(env).items():
                    spent = timed(action, args.rounds)
                    if name.endswith("per device of 80"):
                        spent /= 80  # one ORM search pair per device, in a loop of 80
                    print(f"{name:52} {spent:10.1f}")
        finally:
            if args.database and not args.keep:
                with registry.cursor() as cr:
                    cr.execute("DELETE FROM fiscal_document WHERE uuid LIKE 'bench-%%'")
                    cr.execute("DELETE FROM fiscal_device WHERE name LIKE 'bench-%%'")


if __name__ == "__main__":
    main()
