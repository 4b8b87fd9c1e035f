from . import (  # noqa: F401
    fiscal_agent_key,
    fiscal_cash_move,
    fiscal_device_probe,
    fiscal_document_resolve,
    fiscal_report,
    fiscal_report_operations,
)
