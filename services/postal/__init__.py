"""Deployables of the postal partner."""
