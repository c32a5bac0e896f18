"""Desktop SLM: a private writing assistant that runs a small language model locally."""

__version__ = "0.1.0"
APP_NAME = "desktop-slm"
APP_DISPLAY_NAME = "Desktop SLM"
