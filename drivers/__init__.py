"""Built-in drivers: one module or package per device kind."""
