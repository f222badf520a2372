{
    "name": "After-Sales Spare Parts",
    "summary": "Spare parts reserved and issued from stock for service requests, "
    "approvals, exchange pool, loaners",
    "version": "19.0.1.0.0",
    "category": "Services/After-Sales",
    "website": "https://github.com/after-sales-suite/after-sales",
    "author": "After-Sales Suite",
    "maintainers": ["after-sales-suite"],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["after_sales_service", "stock"],
    "data": [
        "security/ir.model.access.csv",
        "wizards/after_sales_parts_wizard_views.xml",
        "views/stock_lot_views.xml",
        "views/stock_move_views.xml",
        "views/after_sales_request_views.xml",
        "views/res_config_settings_views.xml",
        "views/product_template_views.xml",
    ],
    "post_init_hook": "_after_sales_parts_post_init",
}
