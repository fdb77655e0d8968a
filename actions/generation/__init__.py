"""Grounded reply generation: a GPT-2 writes delexicalised replies, the data layer fills them,
a guardrail checks them, and the domain's template is the fallback."""
