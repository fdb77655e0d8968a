"""Customers' personal data in text: recognising and masking emails, phone numbers and street
addresses, and the hook that masks them in everything a process logs.

Every Python process of the venv imports this package at start (a .pth file that `make
install` writes), so it imports nothing but the standard library and nothing of the project's
other packages (importing `actions` would start loading rasa-sdk)."""
