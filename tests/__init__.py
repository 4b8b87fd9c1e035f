from . import (  # noqa: F401
    test_controller,
    test_fiscal_flows,
    test_fiscal_flows_vat,
    test_fiscal_invoice,
    test_fiscal_journal,
    test_fiscal_lock,
    test_fiscal_security,
    test_neutralize,
    test_pos_order,
    test_pos_tour,
    test_report_wizard,
    test_z_report,
)
