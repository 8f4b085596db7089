"""Benchmarks: scripts that print timing tables (speed is measured, never asserted)."""
