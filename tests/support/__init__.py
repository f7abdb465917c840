"""Helpers the tests share (imported by test modules, never from one test module into another)."""
