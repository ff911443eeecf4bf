"""followtui: know who follows you, who left, and whom to follow back."""

__version__ = "0.1.0"
