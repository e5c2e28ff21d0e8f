"""Deployables of national-portal sync."""
