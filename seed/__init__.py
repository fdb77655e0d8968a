"""Demo data for the commerce database (see seed/demo_shop.py and python -m scripts.seed_db)."""
