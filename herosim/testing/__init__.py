"""herosim's pytest plugin: apps brought up for a test session (each worker its own database),
their clients and handles."""
