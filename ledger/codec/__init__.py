"""The stored format of events, defined once: encoder (event → topic and state bytes, as the
library's mapper writes them), decoder (stored event → event, through the library's mapper, so
versioned events are upcast) and fields (where the read side finds each field in the bytes)."""
