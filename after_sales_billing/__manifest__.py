{
    "name": "After-Sales Billing",
    "summary": "Priced service lines, contract billing models and billing runs into customer invoices",
    "version": "19.0.1.0.0",
    "category": "Services/After-Sales",
    "website": "https://github.com/after-sales-suite/after-sales",
    "author": "After-Sales Suite",
    "maintainers": ["after-sales-suite"],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["after_sales_warranty", "after_sales_parts", "account"],
    "data": [],
}
