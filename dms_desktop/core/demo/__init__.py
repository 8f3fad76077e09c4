"""Demo workspace content: a generated ERP source system."""
