"""The kernel: money, states, errors, actors, audit, outbox, idempotency, numbering.

Everything here is domain-free: no kernel module imports a business app.
"""
