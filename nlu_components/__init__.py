"""Custom NLU components of the casino support assistant."""
