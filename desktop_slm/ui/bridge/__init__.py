"""The one place that turns core events into Qt signals.

Core work blocks, so it runs on background threads; the bridges send its results to
the GUI thread as signals carrying plain data. One module per part of the core:

- :mod:`.engine`: the engine worker (loading a model, streaming an answer);
- :mod:`.jobs`: the writing tools' multi-step jobs, and other blocking calls;
- :mod:`.models`: the model manager (catalog, Hub, downloads, library).

Nothing is imported here, so the window pays only for the parts it uses.
"""
