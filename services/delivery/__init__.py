"""Deployables of delivery context."""
