"""The fiscal agent: runs the jobs of a hosted Odoo on the devices of the PC it runs on.

``protocol`` (what crosses the hop, shared with the Odoo addon), ``journal`` (the local SQLite
journal that keeps exactly-once across restarts), ``client`` (Odoo's agent routes), ``bus``
(the one websocket to Odoo's bus), ``runner`` (the work loop), ``ports`` (what it can see),
``cli`` (``fiscal-device agent``). Pure Python, portable (Linux, Windows, macOS); never imports
``odoo``. The protocol is described in ``docs/agent.md``.
"""
