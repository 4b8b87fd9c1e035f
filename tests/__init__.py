from . import test_fiscal_invoice, test_fiscal_lock, test_fiscal_security  # noqa: F401
