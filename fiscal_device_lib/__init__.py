"""Plain-Python fiscal device toolkit: device-neutral core, Caspos and myPOS N5 drivers, emulators.

Never imports ``odoo``; the addon around it does the ORM side.
"""

__version__ = "18.0.1.0.0"
