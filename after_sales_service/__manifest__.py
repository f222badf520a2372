{
    "name": "After-Sales Service",
    "summary": "Installed base, service requests under SLA, service contracts, "
    "preventive maintenance and the customer portal",
    "version": "19.0.1.0.0",
    "category": "Services/After-Sales",
    "website": "https://github.com/after-sales-suite/after-sales",
    "author": "After-Sales Suite",
    "maintainers": ["after-sales-suite"],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "application": True,
    "depends": ["repair", "mail", "portal", "resource", "rating"],
    "data": [
        "security/after_sales_security.xml",
        "security/ir.model.access.csv",
        "security/after_sales_rules.xml",
        "views/after_sales_menus.xml",
        "views/after_sales_equipment_views.xml",
    ],
    "demo": [
        "demo/after_sales_demo.xml",
    ],
}
