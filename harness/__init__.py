"""Real servers on loopback for the tests and `make bench`: the assistant's action and Rasa
servers, Redis and PostgreSQL, each started on a free port and stopped afterwards."""
