"""Form validators, one module per form, named after the form."""
