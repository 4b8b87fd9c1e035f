import socket
from uuid import uuid4

from odoo import Command, fields

from .common import FiscalDeviceCommon


class FiscalPosCommon(FiscalDeviceCommon):
    """Point of Sale shops on the built-in emulators: one in AZN on the Caspos, one in the
    company currency on the N5, each with a cash and a bank payment method and an open session.
    Orders reach the server as the POS screen sends them (``sync_from_ui``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.n5_config, cls.n5_cash, cls.n5_bank = cls._create_pos_config(
            "N5 shop", cls.n5, cls.env.company.currency_id
        )
        cls.caspos_config, cls.caspos_cash, cls.caspos_bank = cls._create_pos_config(
            "Caspos shop", cls.caspos, cls.azn
        )

    @classmethod
    def _create_pos_config(cls, name, device, currency):
        config, cash, bank = cls._create_shop(
            name, device, currency, name[:2].upper(), (f"{name} cash", f"{name} bank")
        )
        config.open_ui()
        config.current_session_id.set_opening_control(0, None)
        return config, cash, bank

    @classmethod
    def _create_unreachable_caspos(cls, **values):
        """A real Caspos device on a loopback port nobody listens on: refused at once."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        return cls._create_device(
            "Caspos unplugged",
            "caspos",
            "1",
            url=f"http://127.0.0.1:{port}",
            timeout=1.0,
            retries=0,
            **values,
        )

    def _order_values(self, config, lines, payments, refund_of=None, change=0.0):
        """What the POS screen sends for one paid order: ``lines`` are (product, quantity,
        discount), ``payments`` (payment method, amount) as tendered, ``change`` the cash handed
        back; ``refund_of`` the refunded order."""
        line_commands, total, tax = [], 0.0, 0.0
        for index, (product, quantity, discount) in enumerate(lines):
            taxes = product.taxes_id
            price_unit = product.lst_price
            amounts = taxes.compute_all(
                price_unit * (1 - discount / 100.0), config.currency_id, quantity, product
            )
            values = {
                "product_id": product.id,
                "qty": quantity,
                "price_unit": price_unit,
                "discount": discount,
                "tax_ids": [Command.set(taxes.ids)],
                "price_subtotal": amounts["total_excluded"],
                "price_subtotal_incl": amounts["total_included"],
                "full_product_name": product.name,
            }
            if refund_of:
                values["refunded_orderline_id"] = refund_of.lines[index].id
            line_commands.append(Command.create(values))
            total += amounts["total_included"]
            tax += amounts["total_included"] - amounts["total_excluded"]
        payment_commands = [
            Command.create(
                {
                    "amount": amount,
                    "name": fields.Datetime.now(),
                    "payment_method_id": method.id,
                }
            )
            for method, amount in payments
        ]
        uuid = str(uuid4())
        return {
            "uuid": uuid,
            "name": f"Order {uuid[:8]}",
            "session_id": config.current_session_id.id,
            "pricelist_id": config.pricelist_id.id,
            "date_order": fields.Datetime.to_string(fields.Datetime.now()),
            "lines": line_commands,
            "payment_ids": payment_commands,
            "amount_total": total,
            "amount_tax": tax,
            "amount_paid": sum(amount for _method, amount in payments),
            "amount_return": change,
            "sequence_number": 1,
            "user_id": self.env.uid,
            "partner_id": False,
            "to_invoice": False,
            "state": "paid",
            "last_order_preparation_change": "{}",
        }

    def _sync(self, config, lines, payments, refund_of=None, change=0.0):
        """Send one paid order as the POS screen does; returns the pos.order."""
        values = self._order_values(config, lines, payments, refund_of, change)
        result = self.env["pos.order"].sync_from_ui([values])
        return self.env["pos.order"].browse(result["pos.order"][0]["id"])

    def _run_postcommit(self):
        """What a real commit of the synchronisation request would run next."""
        self.env.flush_all()
        self.env.cr.postcommit.run()
        self.env.invalidate_all()
