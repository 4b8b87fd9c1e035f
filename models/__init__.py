from . import (  # noqa: F401
    account_journal,
    account_move,
    fiscal_device,
    fiscal_device_category,
    fiscal_device_payment,
    fiscal_device_tax,
    fiscal_device_uom,
    fiscal_document,
)
