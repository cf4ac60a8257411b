"""Atomistic building blocks shared by the ML-MD and hull oracles: the ML potential and structure models.

Nothing here is imported by ``import oracles``; torch loads only when a potential is built.
"""
