"""CRM records: accounts, contacts, leads, deals, tickets, activities,
interactions, products and orders, and the custom-field registry."""
