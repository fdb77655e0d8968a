"""Attacks on the running assistant: each asserts no disclosure, no change, and a clear reply or 4xx."""
