"""Stores the Rasa server loads from endpoints.yml (kept out of actions/)."""
