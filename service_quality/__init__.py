"""How well the assistant serves: conversations read back from the tracker store and the
figures a shop watches (containment, handoffs, fallbacks, response times, intent mix)."""
