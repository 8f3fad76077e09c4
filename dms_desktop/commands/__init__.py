"""Sub-commands of ``dms``, one module per area; each exposes ``register(sub, common)``."""
