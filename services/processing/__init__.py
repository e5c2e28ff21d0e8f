"""Deployables of processing context."""
