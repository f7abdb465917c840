"""The agent: task → plan → code → verify → (approve) → execute → observe → repair → report.

This package holds its parts; each is usable without Jupyter."""
