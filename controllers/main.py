from odoo import _, http
from odoo.exceptions import UserError
from odoo.http import request


class FiscalDeviceController(http.Controller):
    @http.route("/fiscal_device/pos/fiscalize", type="json", auth="user")
    def pos_fiscalize(self, order_id):
        """Fiscalize a paid POS order (a refund: its storno); returns the fiscal id, number and
        QR, or the document's state and the device's message when it failed."""
        order = request.env["pos.order"].browse(int(order_id)).exists()
        if not order:
            raise UserError(_("POS order %(order)s does not exist.", order=order_id))
        return order.fiscalize_from_ui()

    @http.route("/fiscal_device/device/<int:device_id>/status", type="json", auth="user")
    def device_status(self, device_id):
        """Whether the device answers, and its shift state."""
        device = request.env["fiscal.device"].browse(device_id).exists()
        if not device:
            raise UserError(_("Fiscal device %(device)s does not exist.", device=device_id))
        return device._status_for_ui()
