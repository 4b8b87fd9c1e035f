# the mixin first: account.move and pos.order inherit it
from . import fiscal_source_mixin  # noqa: F401, I001
from . import (  # noqa: F401
    account_journal,
    account_move,
    fiscal_device,
    fiscal_device_connection,
    fiscal_journal,
    fiscal_device_category,
    fiscal_device_payment,
    fiscal_device_shift,
    fiscal_device_tax,
    fiscal_device_uom,
    fiscal_document,
    fiscal_document_total,
    pos_config,
    pos_config_fiscal,
    pos_order,
    pos_session,
    res_config_settings,
    fiscal_device_status,
    res_company,
    fiscal_device_sale_number,
    pos_order_fiscal_receipt,
    pos_order_registration,
    fiscal_agent,
    fiscal_device_agent,
)
from . import fiscal_device_dashboard  # noqa: F401
from . import fiscal_source_confirmation  # noqa: F401
