"""Writing tools: turn a form's fields into prompts for the model (no Qt here)."""
