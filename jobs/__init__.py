"""Periodic-job bookkeeping: run each item of a job on its own, remember the items that fail.

The lowest app of all: it imports no other app of ours, so every app's jobs can use it.
"""
