"""Checks of the model's answers against what the user gave it (plain Python, no Qt)."""
