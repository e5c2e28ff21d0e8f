"""Composition roots: one sub-package per deployable family; nothing imports this package."""
