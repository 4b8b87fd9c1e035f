"""Registering the paid orders of the Point of Sale without the cashier's screen.

Contract: orders synchronised by anything but the cashier's screen (which registers its orders
itself, with a bounded wait) are registered after the synchronisation's commit, each in a
transaction of its own; the scheduled action ``_cron_fiscalize_pending`` registers, in order of
creation, the paid orders that nothing registered (a worker died, the server or the device was
unreachable), so an order paid offline is registered once it reaches the server. A failure is
told on the order's chatter and, when nothing reached the device, stamped on the order so that
the sweep leaves it to a person.
"""

import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from .pos_order import PAID_STATES, SALE_KINDS, STORNO_KINDS

_logger = logging.getLogger(__name__)


class PosOrder(models.Model):
    _inherit = "pos.order"

    fiscal_pending = fields.Boolean(
        string="Waiting to be registered",
        compute="_compute_fiscal_fields",
        search="_search_fiscal_pending",
        compute_sudo=True,
        help="A paid order of a Point of Sale that fiscalizes its orders, not registered yet: "
        "the scheduled action 'Fiscal devices: register paid orders' sends it.",
    )
    fiscal_sweep_failed_at = fields.Datetime(
        string="Registration failed at",
        readonly=True,
        copy=False,
        help="When the scheduled registration last failed before anything reached the device "
        "(the reason is in the chatter); it is not retried by itself, fiscalize it by hand.",
    )

    fiscal_waiting_device = fields.Boolean(
        string="Waiting for the fiscal device",
        readonly=True,
        copy=False,
        help="The cashier's screen could not reach the fiscal device when this order was paid: "
        "nothing was sent, and the screen registers it, in order, once the device answers.",
    )

    @api.depends("state", "lines.refunded_orderline_id", "amount_total")
    def _compute_fiscal_fields(self):
        result = super()._compute_fiscal_fields()
        for order in self:
            pending = order.fiscal_state == "none" and order._fiscal_auto_due()
            order.fiscal_pending = pending
            if pending:
                order.fiscal_state = "pending"
        return result

    def _search_fiscal_pending(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Operation not supported"))
        pending = expression.AND([self._fiscal_pending_domain()])
        return pending if (operator == "=") == value else ["!", *pending]

    @api.model
    def _fiscal_pending_domain(self):
        """Paid orders of Points of Sale that fiscalize their orders, with no document in the
        fiscal journal: not sent yet, or lost before anything was journaled."""
        journaled = (
            self.env["fiscal.document"]
            .sudo()
            ._read_group(
                [("res_model", "=", self._name), ("kind", "in", SALE_KINDS + STORNO_KINDS)],
                ["res_id"],
            )
        )
        return [
            ("state", "in", PAID_STATES),
            ("config_id.fiscal_auto_fiscalize", "=", True),
            ("config_id.fiscal_device_id", "!=", False),
            ("id", "not in", [res_id for (res_id,) in journaled]),
        ]

    # ------------------------------------------------------------------
    # Point of Sale synchronisation
    # ------------------------------------------------------------------

    @api.model
    def sync_from_ui(self, orders):
        result = super().sync_from_ui(orders)
        order_ids = [values["id"] for values in result.get("pos.order", [])]
        due = self.browse(order_ids).filtered(lambda order: order._fiscal_auto_due())
        # the cashier's screen registers its orders itself, with a bounded wait; registering them
        # here too would hold the synchronisation (and the till) for as long as a device is silent
        if due and not self.env.context.get("fiscal_device_ui"):
            # only once the orders are committed: a failed synchronisation must print nothing,
            # and a device failure must not lose the orders
            self.env.cr.postcommit.add(
                lambda registry=self.env.registry, uid=self.env.uid, ids=due.ids: (
                    _fiscalize_after_commit(registry, uid, ids)
                )
            )
        return result

    @api.model
    def _cron_fiscalize_pending(self, grace_minutes=2, limit=200):
        """Register the paid orders that the synchronisation's after-commit step did not (its
        worker died, the server restarted): each in its own transaction, a failure recorded on
        the order. ``grace_minutes`` leaves the normal after-commit step its time first."""
        cutoff = fields.Datetime.now() - timedelta(minutes=grace_minutes)
        orders = self.sudo().search(
            [
                *self._fiscal_pending_domain(),
                ("fiscal_sweep_failed_at", "=", False),
                ("create_date", "<=", cutoff),
            ],
            order="id",
            limit=limit,
        )
        due = orders.filtered(lambda order: order._fiscal_auto_due())
        if due:
            self.env.flush_all()
            _fiscalize_in_own_transactions(
                self.env.registry, self.env.uid, due.ids, mark_failure=True
            )
            self.env.invalidate_all()
        return due

    def _fiscal_auto_due(self):
        self.ensure_one()
        config = self.config_id.sudo()
        return bool(
            config.fiscal_auto_fiscalize
            and config.fiscal_device_id
            and self.state in PAID_STATES
            and (not self._fiscal_is_storno() or self._fiscal_origin_document())
        )


def _fiscalize_after_commit(registry, uid, order_ids):
    """Fiscalize orders that reached the server paid, each on its own; failures stay in the
    fiscal journal (and the order's fiscal state) to be retried from the order."""
    _fiscalize_in_own_transactions(registry, uid, order_ids)


def _fiscalize_in_own_transactions(registry, uid, order_ids, mark_failure=False):
    """Fiscalize each order in a transaction of its own (committed, or rolled back on a bug),
    so that one order's failure neither stops nor undoes the others. A failure is told on the
    order's chatter with the text the user would have read; with ``mark_failure`` it is also
    stamped on the order, which the scheduled sweep then leaves to a person."""
    for order_id in order_ids:
        with registry.cursor() as cr:
            order_env = api.Environment(cr, uid, {})
            order = order_env["pos.order"].browse(order_id).exists()
            if not order:
                continue
            # no savepoint: the journal's failed document must stay, and a UserError leaves
            # this transaction usable
            try:
                order._fiscal_send()
            except UserError as error:
                _logger.warning("Fiscalizing POS order %s failed: %s", order.display_name, error)
                _record_failure(order, str(error), mark_failure)
            except Exception:
                _logger.exception("Fiscalizing POS order %s failed", order.display_name)
                cr.rollback()
                _record_failure(
                    order,
                    order_env._(
                        "An unexpected error stopped the registration (the server log has the "
                        "details); check the order's fiscal documents, then fiscalize it again."
                    ),
                    mark_failure,
                )


def _record_failure(order, text, mark_failure):
    order.sudo().message_post(body=order.env._("Not fiscalized: %(error)s", error=text))
    if mark_failure and not order._fiscal_main_documents():
        # nothing reached the journal (refused before sending): do not try again every run
        order.sudo().fiscal_sweep_failed_at = fields.Datetime.now()
