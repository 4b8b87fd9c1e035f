from . import fiscal_cash_move, fiscal_document_resolve  # noqa: F401
