{
    "name": "After-Sales Suite Tests",
    "summary": "Suite-level tests spanning the After-Sales modules (not for production)",
    "version": "19.0.1.0.0",
    "category": "Hidden/Tests",
    "website": "https://github.com/after-sales-suite/after-sales",
    "author": "After-Sales Suite",
    "maintainers": ["after-sales-suite"],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": [
        "after_sales_service",
        "after_sales_warranty",
        "after_sales_parts",
        "after_sales_billing",
    ],
    "data": [],
    "assets": {
        "web.assets_tests": [
            "after_sales_suite_tests/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
