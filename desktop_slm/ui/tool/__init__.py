"""A writing tab, composed: an input panel, an output panel, a job view and the tool's form.

- :mod:`.spec`: what a tool provides (:class:`ToolSpec` texts, a :class:`ToolForm`);
- :mod:`.input_panel`, :mod:`.output_panel`, :mod:`.job_view`: the shared parts;
- :mod:`.tab`: :class:`ToolTab`, which puts them together and runs the jobs.
"""
