"""Assessments (asesmen) of a stay and case notes."""
