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
    "external_dependencies": {"python": ["requests", "serial", "lxml"]},
    "data": [],
    "installable": True,
    "application": False,
}
