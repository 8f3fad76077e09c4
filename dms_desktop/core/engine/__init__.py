"""The load engine: compile a mapping into a plan of SQL steps, stage, merge, log."""
