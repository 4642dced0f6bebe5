"""End-to-end benchmarks through the loopback Discord: ``python -m bench`` (see bench/README.md).

The driver process runs the double and the load; the bot runs as its own process
(``python -m bot run --config FILE``) against a seeded SQLite or PostgreSQL database.
"""
