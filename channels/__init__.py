"""Input channels the Rasa server loads from credentials.yml (kept out of actions/)."""
