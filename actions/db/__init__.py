"""Commerce data layer: models, the lazily created engine, and intention-named queries."""
