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
        "views/stock_lot_views.xml",
        "views/after_sales_request_views.xml",
    ],
}
