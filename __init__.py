# The ORM parts load only when Odoo loads this folder as odoo.addons.fiscal_device; pytest and
# `pip install .` see a plain folder whose fiscal_device_lib must stay importable without odoo.
if __name__.startswith("odoo.addons."):
    from . import controllers, models, wizards  # noqa: F401
