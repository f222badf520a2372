{
    "name": "After-Sales Warranty",
    "summary": "Warranty terms per product and unit, per-line coverage decisions, "
    "extensions, vendor recourse and dealer warranty claims",
    "version": "19.0.1.2.0",
    "category": "Services/After-Sales",
    "website": "https://github.com/after-sales-suite/after-sales",
    "author": "After-Sales Suite",
    "maintainers": ["after-sales-suite"],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["after_sales_service"],
    "data": [
        "security/after_sales_warranty_security.xml",
        "security/ir.model.access.csv",
        "security/after_sales_warranty_rules.xml",
        "data/after_sales_warranty_sequence_data.xml",
        "views/product_views.xml",
        "views/after_sales_equipment_views.xml",
        "views/after_sales_request_views.xml",
        "views/after_sales_vendor_claim_views.xml",
        "views/after_sales_portal_templates.xml",
        "views/res_partner_views.xml",
        "views/after_sales_labour_operation_views.xml",
        "views/after_sales_dealer_claim_views.xml",
        "views/after_sales_dealer_claim_portal_templates.xml",
        "views/res_config_settings_views.xml",
    ],
    "demo": [
        "demo/after_sales_warranty_demo.xml",
        "demo/after_sales_dealer_claim_demo.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "after_sales_warranty/static/src/interactions/dealer_claim_form.js",
        ],
    },
}
