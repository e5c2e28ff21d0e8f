"""Deployables of projections."""
