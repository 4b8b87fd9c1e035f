"""Find the device: the serial ports the server sees, a one-click probe of each (myPOS N5) or
of an address (Caspos), and the port or URL that answered written on the device.

Contract: probing sends only status requests (``fiscal_device_lib.probe``) and writes nothing
on the device until "Use" is pressed; a port the operating system does not list (a
pseudo-terminal, a pyserial URL) is probed when typed in or already set on the device.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..fiscal_device_lib import probe

# Longest wait of one probe: a silent port must not hold the screen for the device's timeout.
PROBE_TIMEOUT = 3.0


class FiscalDeviceProbe(models.TransientModel):
    _name = "fiscal.device.probe"
    _description = "Find a Fiscal Device"

    device_id = fields.Many2one("fiscal.device", required=True, ondelete="cascade")
    # which settings the device takes decide what is probed (registry facts, via the device)
    uses_serial_port = fields.Boolean(related="device_id.uses_serial_port")
    uses_url = fields.Boolean(related="device_id.uses_url")
    line_ids = fields.One2many("fiscal.device.probe.line", "wizard_id", string="Serial ports")
    url = fields.Char(string="Address", help="Caspos: http://<device IP>:5544")
    found = fields.Boolean(readonly=True)
    result = fields.Char(readonly=True)
    serial_number = fields.Char(readonly=True)
    model_name = fields.Char(string="Model", readonly=True)
    fiscal_memory_number = fields.Char(readonly=True)

    @api.model
    def _for_device(self, device):
        """A wizard listing the ports the server sees, and the device's own port if unlisted."""
        ports = probe.list_serial_ports()
        listed = {port.device for port in ports}
        lines = [
            {"port": port.device, "description": port.description or port.hwid} for port in ports
        ]
        if device.port and device.port not in listed:
            lines.append({"port": device.port, "description": _("set on the device")})
        return self.create(
            {
                "device_id": device.id,
                "url": device.url or "",
                "line_ids": [fields.Command.create(values) for values in lines],
            }
        )

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Find the device"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_probe_url(self):
        """Ask a Caspos at the address for its numbers."""
        self.ensure_one()
        device = self.device_id.sudo()
        found = probe.probe_caspos(
            self.url or "",
            timeout=min(device.timeout or PROBE_TIMEOUT, PROBE_TIMEOUT),
            path=device.path or "/",
            username=device.username or "",
            password=device.password or "",
        )
        self.write(_result_values(self.env, found))
        return self._reopen()

    def action_use_url(self):
        self.ensure_one()
        if not self.found:
            raise UserError(_("Probe the address first: no Caspos answered there yet."))
        self.device_id._use_probed({"url": self.url}, self)
        return {"type": "ir.actions.act_window_close"}


class FiscalDeviceProbeLine(models.TransientModel):
    _name = "fiscal.device.probe.line"
    _description = "Serial Port of a Fiscal Device Search"

    wizard_id = fields.Many2one("fiscal.device.probe", required=True, ondelete="cascade")
    port = fields.Char(required=True)
    description = fields.Char()
    probed = fields.Boolean(readonly=True)
    found = fields.Boolean(readonly=True)
    result = fields.Char(readonly=True)
    serial_number = fields.Char(readonly=True)
    model_name = fields.Char(string="Model", readonly=True)
    fiscal_memory_number = fields.Char(readonly=True)

    def action_probe(self):
        """Ask whoever is on this port for its N5 numbers."""
        self.ensure_one()
        device = self.wizard_id.device_id
        found = probe.probe_n5(
            self.port,
            timeout=min(device.timeout or PROBE_TIMEOUT, PROBE_TIMEOUT),
            baudrate=device.baudrate or 115200,
        )
        self.write({**_result_values(self.env, found), "probed": True})
        return self.wizard_id._reopen()

    def action_use(self):
        self.ensure_one()
        if not self.found:
            raise UserError(_("No myPOS N5 answered on %(port)s: probe it first.", port=self.port))
        self.wizard_id.device_id._use_probed({"port": self.port, "url": False}, self)
        return {"type": "ir.actions.act_window_close"}


def _result_values(env, found):
    if found.found:
        text = env._(
            "%(model)s, serial number %(serial)s, fiscal memory %(fm)s",
            model=found.model or "-",
            serial=found.serial_number or "-",
            fm=found.fiscal_memory_number or "-",
        )
    else:
        text = found.error
    return {
        "found": found.found,
        "result": text,
        "serial_number": found.serial_number,
        "model_name": found.model,
        "fiscal_memory_number": found.fiscal_memory_number,
    }
