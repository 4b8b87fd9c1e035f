{
    "name": "Fiscal Devices (Caspos e-kassa, myPOS N5)",
    "summary": (
        "Fiscalize invoices, credit notes and POS orders on Caspos (AZ) and myPOS N5 (BG) "
        "fiscal devices, exactly once"
    ),
    "version": "18.0.1.0.0",
    "category": "Accounting/Localizations/Point of Sale",
    "website": "https://github.com/fiscal-device/fiscal_device",
    "author": "fiscal_device contributors",
    "license": "LGPL-3",
    "depends": ["account", "point_of_sale"],
    "external_dependencies": {"python": ["requests", "pyserial", "lxml"]},
    "data": [
        "security/fiscal_device_security.xml",
        "security/ir.model.access.csv",
        "views/fiscal_device_views.xml",
        "views/fiscal_document_views.xml",
        "views/account_move_views.xml",
        "views/account_journal_views.xml",
        "wizards/fiscal_document_resolve_views.xml",
        "wizards/fiscal_cash_move_views.xml",
        "views/fiscal_menus.xml",
        "report/report_invoice.xml",
        "views/pos_order_views.xml",
        "views/pos_config_views.xml",
        "views/fiscal_device_shift_views.xml",
        "data/ir_cron_data.xml",
    ],
    "demo": ["data/fiscal_device_demo.xml"],
    "installable": True,
    "application": False,
}
