"""Models of this feature (filled in by its owner)."""
