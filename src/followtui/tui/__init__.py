"""The terminal UI (Textual). Reads and writes through `followtui.core` only."""
