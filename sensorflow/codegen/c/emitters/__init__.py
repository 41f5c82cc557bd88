"""C emitters, one module per stage family, registered by stage name with ``@c_emitter``."""
