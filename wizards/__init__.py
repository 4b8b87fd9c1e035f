from . import fiscal_cash_move, fiscal_document_resolve, fiscal_report  # noqa: F401
