"""What the Rasa server loads besides its model: the channels of credentials.yml, the stores of
endpoints.yml, and the start-up entry every Python process of the venv runs (startup.py)."""
