"""Thin handlers, one module per resource: parse, call one use case, render."""
