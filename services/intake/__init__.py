"""Deployables of intake context."""
