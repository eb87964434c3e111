"""Ledger writes: accounts, entries (postings), holds. Public entry points own their
transaction; `post_lines` and the hold primitives run inside a caller's transaction so that
an order can hold credit, reserve stock and record promotion usage in one commit."""
