"""Fiscalize of a posted invoice on a real Odoo: the action's time against the bare device call
(not a test; prints one run's medians, asserts nothing).

A Caspos emulator runs in this process (real loopback HTTP); a ``caspos`` device points at it.
For 1, 10 and 100 invoice lines, without discounts, with 10 % of the lines discounted and with
every line discounted, ``--rounds`` posted invoices are fiscalized one by one, each in its own
transaction with real commits (the journal's own commits, then the request's):

- ``action``: ``account.move.action_fiscalize()`` and the request's commit;
- ``device``: the same receipt (read back from the journal) sent straight through the driver to
  the same emulator, no Odoo;
- ``odoo``: the difference, what Odoo adds around the device call;
- ``statements``: SQL statements executed by every cursor during the action (``odoo.sql_db``).

    /opt/odoo18/venv/bin/python bench/bench_odoo_fiscalize.py [--rounds 15]
        [--database DB | --template fd_base] [--odoo /opt/odoo18/src]

Goals (issue 14): odoo < 8 ms (1 line), < 20 ms (100 lines, 10 % discounted), < 25 ms (100
lines, all discounted); statements <= 30 and flat in the line count.
"""

# pylint: disable=print-used  # a command-line program: its output is for the terminal

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time
import uuid

from odoo_bench import StatementCounter, add_arguments, odoo_registry

from fiscal_device_lib.caspos.emulator.server import CasposEmulator
from fiscal_device_lib.core import Operator, receipt_from_dict
from fiscal_device_lib.families import family

CASES = [(1, 0), (1, 1), (10, 0), (10, 1), (100, 0), (100, 10), (100, 100)]


def discounted(lines: int, percent: int) -> set[int]:
    """Indexes of the discounted lines: ``percent`` % of them, spread out."""
    if not percent:
        return set()
    step = max(1, round(100 / percent))
    return {index for index in range(lines) if index % step == 0}


def setup(env, emulator: CasposEmulator, rounds: int) -> dict:
    """A device at ``emulator`` and ``rounds`` posted invoices per case; {case: move ids}."""
    from odoo import Command

    admin = env.ref("base.user_admin")
    admin.groups_id = [Command.link(env.ref("fiscal_device.group_fiscal_manager").id)]
    company = admin.company_id
    env["fiscal.device"].search([]).write({"active": False})
    azn = env.ref("base.AZN")
    azn.active = True
    device = env["fiscal.device"].create(
        {
            "name": "Bench Caspos",
            "kind": "caspos",
            "company_id": company.id,
            "currency_id": azn.id,
            "url": emulator.url,
            "username": emulator.memory.username,
            "password": emulator.memory.password,
            "cashier_name": "Bench",
            "auto_fiscalize": False,
            "retries": 0,
        }
    )
    tax = env["account.tax"].search(
        [("company_id", "=", company.id), ("type_tax_use", "=", "sale"), ("amount", ">", 0)],
        limit=1,
    )
    # below the ORM, as the tests do: the VAT-rate check is not what is measured here
    env.cr.execute(
        "INSERT INTO fiscal_device_tax (device_id, company_id, tax_id, vat_class) "
        "VALUES (%s, %s, %s, '1')",
        (device.id, company.id, tax.id),
    )
    journal = env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
    )
    journal.fiscal_device_id = device
    products = env["product.product"].search(
        [("sale_ok", "=", True), ("company_id", "in", (False, company.id))], limit=100
    )
    partner = env["res.partner"].search([("customer_rank", ">=", 0)], limit=1)
    invoices: dict[tuple[int, int], list[int]] = {}
    for lines, percent in CASES:
        with_discount = discounted(lines, percent)
        values = [
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "journal_id": journal.id,
                "currency_id": azn.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": products[index % len(products)].id,
                            "quantity": 1 + index % 3,
                            "price_unit": 10.0 + index,
                            "discount": 10.0 if index in with_discount else 0.0,
                            "tax_ids": [Command.set(tax.ids)],
                        }
                    )
                    for index in range(lines)
                ],
            }
            for _round in range(rounds)
        ]
        moves = env["account.move"].create(values)
        moves.action_post()
        invoices[(lines, percent)] = moves.ids
    return {"invoices": invoices, "admin": admin.id, "device": device.id}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    add_arguments(parser)
    args = parser.parse_args()
    emulator = CasposEmulator(port=0).start()
    try:
        with family("caspos").connect(**emulator.settings()) as driver:
            driver.open_shift(Operator("Bench"))
        with odoo_registry(args) as registry:
            import odoo

            with registry.cursor() as cr:
                made = setup(odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}), emulator, args.rounds)
            results = measure(odoo, registry, emulator, made, args.rounds)
    finally:
        emulator.stop()
    print(f"{args.rounds} invoices per case; medians in ms; a loaded, shared machine")
    print(f"{'lines':>5} {'disc.':>5} {'action':>8} {'device':>8} {'odoo':>8} {'statements':>10}")
    for (lines, percent), row in results.items():
        print(
            f"{lines:5d} {percent:4d}% {row['action']:8.2f} {row['device']:8.2f} "
            f"{row['action'] - row['device']:8.2f} {row['statements']:10d}"
        )


def measure(odoo, registry, emulator, made: dict, rounds: int) -> dict:
    results = {}
    with family("caspos").connect(**emulator.settings()) as driver:
        # interleave the cases round by round: each sees the same machine load
        timings = {case: {"action": [], "device": [], "statements": []} for case in CASES}
        for number in range(rounds):
            for case in CASES:
                move_id = made["invoices"][case][number]
                with StatementCounter() as counter:
                    started = time.perf_counter()
                    with registry.cursor() as cr:
                        env = odoo.api.Environment(cr, made["admin"], {})
                        env["account.move"].browse(move_id).action_fiscalize()
                    elapsed = time.perf_counter() - started
                with registry.cursor() as cr:
                    cr.execute(
                        "SELECT request_json, state FROM fiscal_document "
                        "WHERE res_model = 'account.move' AND res_id = %s",
                        (move_id,),
                    )
                    request_json, state = cr.fetchone()
                if state != "done":
                    raise SystemExit(f"invoice {move_id}: fiscal document {state}")
                receipt = receipt_from_dict(json.loads(request_json))
                receipt = dataclasses.replace(receipt, uuid=str(uuid.uuid4()))
                started = time.perf_counter()
                driver.fiscalize(receipt)
                device = time.perf_counter() - started
                timings[case]["action"].append(elapsed * 1000)
                timings[case]["device"].append(device * 1000)
                timings[case]["statements"].append(counter.count)
        for case, found in timings.items():
            results[case] = {
                "action": statistics.median(found["action"]),
                "device": statistics.median(found["device"]),
                "statements": round(statistics.median(found["statements"])),
            }
    return results


if __name__ == "__main__":
    main()
