"""Read models: the engine's state shaped for HTTP answers. Reads only, through the Engine
and its store's public methods; nothing here writes."""
