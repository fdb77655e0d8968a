"""Measurement harnesses: they report figures, they do not assert them."""
