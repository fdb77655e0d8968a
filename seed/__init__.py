"""Demo data for the commerce database (see seed/demo_shop.py and scripts/seed_db.py)."""
