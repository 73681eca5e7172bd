"""Built-in suites: one module or package per suite."""
